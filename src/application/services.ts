// The service bag the use cases run on: the stores, the projection runner, the command handler, the
// bus, idempotency, locks and the settings the rules need. Wired once by the composition root
// (src/main.ts), the projector, the seed, the bench and the tests.
import { DEFAULT_CALENDAR, type WorkingCalendar } from '../domain/calendar.js';
import type { RenewalPolicy } from '../domain/tenancy.js';
import type { DutyPolicy } from '../domain/shared.js';
import { SCHEMAS, type SchemaRegistry } from '../domain/schemas.js';
import { UpcastingEventStore } from './upcasting-event-store.js';
import { type Bus, LocalBus } from '../infra/bus.js';
import type { EventStore } from '../infra/event-store.js';
import type { ReadStore } from '../infra/read-store.js';
import type { SnapshotStore } from '../infra/snapshot-store.js';
import { type Moment, readStoreAt, warmKeyFrames } from '../projections/history.js';
import { listFeed } from '../projections/procedure-queries.js';
import { allProjections } from '../projections/index.js';
import { PROJECTS } from '../projections/project-search.js';
import { PUBLIC_FEED } from '../projections/public-feed.js';
import { ProjectionRunner, type RunnerOptions } from '../projections/runner.js';
import { CommandHandler } from './command-handler.js';
import { NotCaughtUp } from './errors.js';
import { Idempotency } from './idempotency.js';
import { KeyedLock, type Leadership, type Locks } from './keyed-lock.js';
import { AccessLog, isoClock } from './access-log.js';
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
  /** Working days until a demand's next follow-up is due (DEMAND_FOLLOW_UP_WORKING_DAYS). */
  demandFollowUpWorkingDays: number;
  calendar: WorkingCalendar;
  locks: Locks;
  /** Absent: one process, always the leader. With several instances, only the leader publishes live updates. */
  leadership?: Leadership;
  /** Procedure deadlines in working days (a notice may set its own): see scheduler.ts. */
  deadlines: DeadlineSettings;
  renewal: RenewalPolicy;
  /** Signed checkpoints: where they are published and the key (null: the chain is verified unanchored). */
  anchors: { ledger: AnchorLedger; key: SigningKey } | null;
  /** Staff reads of non-public records (第六章), batched. */
  access: AccessLog;
  /** Streams' states kept for cold loads (command-handler.ts), if configured. */
  snapshots: SnapshotStore | null;
}

export interface DeadlineSettings {
  reviewWorkingDays: number;
  correctionWorkingDays: number;
  objectionWorkingDays: number;
  signingWorkingDays: number;
}
export const DEFAULT_DEADLINES: DeadlineSettings = { reviewWorkingDays: 10, correctionWorkingDays: 5, objectionWorkingDays: 5, signingWorkingDays: 15 };
export const DEFAULT_RENEWAL: RenewalPolicy = { maxRenewals: 2, maxRenewalMonths: 36 };

export interface ServicesOptions extends RunnerOptions {
  consistencyTimeoutMs?: number;
  publicityWorkingDays?: number;
  demandFollowUpWorkingDays?: number;
  clock?: () => Date;
  bus?: Bus;
  calendar?: WorkingCalendar;
  /** Shared by several instances (NATS); default: this process's KeyedLock. */
  locks?: Locks;
  leadership?: Leadership;
  deadlines?: Partial<DeadlineSettings>;
  renewal?: Partial<RenewalPolicy>;
  /** Separation of duties (DEFAULT_DUTIES unless configured). */
  duties?: DutyPolicy;
  anchors?: { ledger: AnchorLedger; key: SigningKey };
  accessLogFlushMs?: number;
  /** Event shapes and upcasters (the platform's SCHEMAS unless a test brings its own). */
  schemas?: SchemaRegistry;
  /** Streams' states kept for cold loads (command-handler.ts); none unless given. */
  snapshots?: SnapshotStore;
  /** Events between two of them (the handler's SNAPSHOT_EVERY unless given). */
  snapshotEvery?: number;
}

export function createServices(stored: EventStore, reads: ReadStore, options: ServicesOptions = {}): Services {
  const schemas = options.schemas ?? SCHEMAS;
  // Deciders, facts and projections read every event in its current shape (domain/schemas.ts).
  const events = new UpcastingEventStore(stored, schemas);
  return {
    events,
    reads,
    runner: new ProjectionRunner(events, reads, allProjections, options),
    commands: new CommandHandler(events, { clock: options.clock, duties: options.duties, schemas, snapshots: options.snapshots, snapshotEvery: options.snapshotEvery }),
    bus: options.bus ?? new LocalBus(),
    idempotency: new Idempotency(reads),
    consistencyTimeoutMs: options.consistencyTimeoutMs ?? 5000,
    publicityWorkingDays: options.publicityWorkingDays ?? 5,
    demandFollowUpWorkingDays: options.demandFollowUpWorkingDays ?? 10,
    calendar: options.calendar ?? DEFAULT_CALENDAR,
    locks: options.locks ?? new KeyedLock(),
    ...(options.leadership ? { leadership: options.leadership } : {}),
    deadlines: { ...DEFAULT_DEADLINES, ...options.deadlines },
    renewal: { ...DEFAULT_RENEWAL, ...options.renewal },
    anchors: options.anchors ?? null,
    access: new AccessLog(reads, options.clock ? () => options.clock!().toISOString() : isoClock(), { flushMs: options.accessLogFlushMs }),
    snapshots: options.snapshots ?? null,
  };
}

/** `?consistentWith=<position>`: wait (bounded) until every read model has processed it, else NotCaughtUp. */
export async function consistentWith(services: Services, position: number | undefined): Promise<void> {
  if (position === undefined) return;
  if (await services.runner.waitFor(position, services.consistencyTimeoutMs)) return;
  throw new NotCaughtUp(position, services.runner.position);
}

/**
 * After a start: once the read models have caught up with the log, builds the key frames of the whole
 * collections asked "as of" (GET /api/projects?asOf=, the feed), so no request pays for them.
 */
export async function warmAsOf(services: Services): Promise<void> {
  const head = await services.events.headPosition();
  while (!(await services.runner.waitFor(head, 60_000))) if (services.runner.error) throw services.runner.error;
  await warmKeyFrames(services.reads, [PUBLIC_FEED, PROJECTS]); // the small one first
  // A few reads as of now through them, like the feed's and the search's first page: the first requests
  // after a start otherwise ran the code of these reads before it was compiled (the slowest of a hundred).
  const now: Moment = { field: 'occurredAt', at: new Date().toISOString() };
  for (let k = 0; k < 3; k++) {
    await listFeed(await readStoreAt(services.reads, [PUBLIC_FEED], now), { page: 1, pageSize: 20 });
    const search = await readStoreAt(services.reads, [PROJECTS], now);
    await search.find(PROJECTS, { status: 'published' }, { sort: { publishedAt: -1, _id: 1 }, limit: 20 });
    await search.count(PROJECTS, { status: 'published' });
  }
}

/** Waits until the read models reflect the whole log, so a list read from them is complete. */
export async function readModelsAtHead(services: Services): Promise<void> {
  await consistentWith(services, await services.events.headPosition());
}
