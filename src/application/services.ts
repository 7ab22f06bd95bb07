// The service bag the use cases run on: the stores, the projection runner, the command handler, the
// bus, idempotency, locks and the settings the rules need. Wired once by the composition root
// (src/main.ts), the projector, the seed, the bench and the tests.
import { DEFAULT_CALENDAR, type WorkingCalendar } from '../domain/calendar.js';
import type { DutyPolicy } from '../domain/shared.js';
import { SCHEMAS, type SchemaRegistry } from '../domain/schemas.js';
import { UpcastingEventStore } from './upcasting-event-store.js';
import { type Bus, LocalBus } from '../infra/bus.js';
import type { EventStore } from '../infra/event-store.js';
import type { ReadStore } from '../infra/read-store.js';
import { allProjections } from '../projections/index.js';
import { ProjectionRunner, type RunnerOptions } from '../projections/runner.js';
import { CommandHandler } from './command-handler.js';
import { NotCaughtUp } from './errors.js';
import { Idempotency } from './idempotency.js';
import { KeyedLock } from './keyed-lock.js';
import { AccessLog } from './access-log.js';
import type { SigningKey } from './checkpoints.js';
import type { AnchorLedger } from '../infra/checkpoint-anchors.js';

export interface Services {
  events: EventStore;
  reads: ReadStore;
  runner: ProjectionRunner;
  commands: CommandHandler;
  bus: Bus;
  idempotency: Idempotency;
  consistencyTimeoutMs: number;
  publicityWorkingDays: number;
  calendar: WorkingCalendar;
  locks: KeyedLock;
  /** Signed checkpoints: where they are published and the key (null: the chain is verified unanchored). */
  anchors: { ledger: AnchorLedger; key: SigningKey } | null;
  /** Staff reads of non-public records (第六章), batched. */
  access: AccessLog;
}

export interface ServicesOptions extends RunnerOptions {
  consistencyTimeoutMs?: number;
  publicityWorkingDays?: number;
  clock?: () => Date;
  bus?: Bus;
  calendar?: WorkingCalendar;
  /** Separation of duties (DEFAULT_DUTIES unless configured). */
  duties?: DutyPolicy;
  anchors?: { ledger: AnchorLedger; key: SigningKey };
  accessLogFlushMs?: number;
  /** Event shapes and upcasters (the platform's SCHEMAS unless a test brings its own). */
  schemas?: SchemaRegistry;
}

export function createServices(stored: EventStore, reads: ReadStore, options: ServicesOptions = {}): Services {
  const schemas = options.schemas ?? SCHEMAS;
  // Deciders, facts and projections read every event in its current shape (domain/schemas.ts).
  const events = new UpcastingEventStore(stored, schemas);
  return {
    events,
    reads,
    runner: new ProjectionRunner(events, reads, allProjections, options),
    commands: new CommandHandler(events, { clock: options.clock, duties: options.duties, schemas }),
    bus: options.bus ?? new LocalBus(),
    idempotency: new Idempotency(reads),
    consistencyTimeoutMs: options.consistencyTimeoutMs ?? 5000,
    publicityWorkingDays: options.publicityWorkingDays ?? 5,
    calendar: options.calendar ?? DEFAULT_CALENDAR,
    locks: new KeyedLock(),
    anchors: options.anchors ?? null,
    access: new AccessLog(reads, () => (options.clock?.() ?? new Date()).toISOString(), { flushMs: options.accessLogFlushMs }),
  };
}

/** `?consistentWith=<position>`: wait (bounded) until every read model has processed it, else NotCaughtUp. */
export async function consistentWith(services: Services, position: number | undefined): Promise<void> {
  if (position === undefined) return;
  if (await services.runner.waitFor(position, services.consistencyTimeoutMs)) return;
  throw new NotCaughtUp(position, services.runner.position);
}

/** Waits until the read models reflect the whole log, so a list read from them is complete. */
export async function readModelsAtHead(services: Services): Promise<void> {
  await consistentWith(services, await services.events.headPosition());
}
