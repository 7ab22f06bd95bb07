// Wires a Platform from stores: used by main, the projector process, tests and the bench.
import { CommandHandler } from './api/command-handler.js';
import { Idempotency } from './api/idempotency.js';
import { KeyedLock } from './api/keyed-lock.js';
import type { Platform } from './api/platform.js';
import { DEFAULT_CALENDAR, type WorkingCalendar } from './domain/calendar.js';
import { type Bus, LocalBus } from './infra/bus.js';
import type { EventStore } from './infra/event-store.js';
import type { ReadStore } from './infra/read-store.js';
import { allProjections } from './projections/index.js';
import { ProjectionRunner, type RunnerOptions } from './projections/runner.js';

export interface PlatformOptions extends RunnerOptions {
  consistencyTimeoutMs?: number;
  publicityWorkingDays?: number;
  clock?: () => Date;
  bus?: Bus;
  calendar?: WorkingCalendar;
}

export function createPlatform(events: EventStore, reads: ReadStore, options: PlatformOptions = {}): Platform {
  return {
    events,
    reads,
    runner: new ProjectionRunner(events, reads, allProjections, options),
    commands: new CommandHandler(events, { clock: options.clock }),
    bus: options.bus ?? new LocalBus(),
    idempotency: new Idempotency(reads),
    consistencyTimeoutMs: options.consistencyTimeoutMs ?? 5000,
    publicityWorkingDays: options.publicityWorkingDays ?? 5,
    calendar: options.calendar ?? DEFAULT_CALENDAR,
    locks: new KeyedLock(),
  };
}
