// The one path from a command to the log: load the stream, decide, append with the revision the
// decision was based on. Used by the HTTP routes and by the importer (seed), so every rule holds once.
import { randomUUID } from 'node:crypto';
import type { Actor, Decider, DomainEvent, DutyPolicy } from '../domain/shared.js';
import { DEFAULT_DUTIES, Forbidden, IMPORTED_DUTIES, NotFound } from '../domain/shared.js';
import { SCHEMAS, type SchemaRegistry, currentVersion } from '../domain/schemas.js';
import { parseInstant } from '../domain/time.js';
import { type EventStore, type NewEvent, type RecordedEvent, WrongExpectedRevision } from '../infra/event-store.js';
import type { SnapshotStore } from '../infra/snapshot-store.js';

export interface CommandMeta {
  actor: Actor;
  requestId?: string;
  correlationId?: string;
  causationId?: string | null;
  /** `If-Match`: the revision the client last saw; a different one is a 409. */
  expectedRevision?: number;
  /**
   * Business time of a record imported from the legacy platform. `actor` is then who did it there (an
   * enterprise, an officer), and `importedBy` the city_admin importing it: only city_admin may import.
   */
  importedAt?: string;
  /** The city_admin importing the record: required with `importedAt`, recorded as metadata.importedBy. */
  importedBy?: Actor;
  /** The stream is new (a fresh server-made id): nothing to read. A clash would still be refused by the append. */
  newStream?: boolean;
  /** Recorded with the events so a retry finds the first answer, even after a restart. */
  idempotency?: { idempotencyKey: string; requestHash: string };
}

export interface CommandResult {
  id: string;
  revision: number;
  position: number;
}

interface Loaded<S> {
  state: S;
  revision: number; // -1: no stream
}

const MAX_RETRIES = 3;
/**
 * A stream gets a snapshot each time its events reach a multiple of this, and when a cold load read as
 * many: a cold load then reads one row and at most this many events (or those appended since a snapshot
 * while its state stayed in the cache).
 */
export const SNAPSHOT_EVERY = 16;

/**
 * The newest revision ≤ `revision` after which a stream's events are a multiple of `every` (-1: none yet).
 * A decision that appends past it takes a snapshot; the bench's logs (bench-log.ts, bench-matching.ts)
 * keep the snapshots a server would have by the same rule.
 */
export function snapshotMark(revision: number, every = SNAPSHOT_EVERY): number {
  return Math.floor((revision + 1) / every) * every - 1;
}

/** domain.md, "Event envelope": only city_admin imports legacy records, and the import names who did it. */
function checkImport(meta: CommandMeta): void {
  if (meta.importedAt === undefined) {
    if (meta.importedBy !== undefined) throw new Error('importedBy goes with importedAt: it names who imports a legacy record');
    return;
  }
  if (meta.importedBy?.role !== 'city_admin') {
    throw new Forbidden('only city_admin may import legacy records: importedAt needs an importedBy of role city_admin');
  }
}

/** An import's time as the log keeps every time (domain/time.ts, parseInstant), or refused. */
export function importTime(importedAt: string): string {
  const t = parseInstant(importedAt);
  if (t === null) throw new Error(`importedAt '${importedAt}' is not an ISO-8601 instant with its offset (Z or ±hh:mm), or names no such date and time`);
  return t;
}

export class CommandHandler {
  // Recent stream states: an optimisation only, since every append is checked against the stored revision.
  private cache = new Map<string, Loaded<unknown>>();
  private readonly every: number;

  constructor(
    readonly events: EventStore,
    private readonly options: {
      clock?: () => Date;
      cacheSize?: number;
      duties?: DutyPolicy;
      schemas?: SchemaRegistry;
      snapshots?: SnapshotStore;
      /** Events between snapshots (default SNAPSHOT_EVERY): fewer, where the log's pages do not stay in memory. */
      snapshotEvery?: number;
    } = {},
  ) {
    this.every = options.snapshotEvery ?? SNAPSHOT_EVERY;
    if (!Number.isInteger(this.every) || this.every < 1) throw new RangeError(`snapshotEvery must be a whole number ≥ 1, not ${options.snapshotEvery}`);
  }

  now(): string {
    return (this.options.clock?.() ?? new Date()).toISOString();
  }

  async load<C, E extends DomainEvent, S>(decider: Decider<C, E, S>, stream: string, fresh = false): Promise<Loaded<S>> {
    const cached = fresh ? undefined : (this.cache.get(stream) as Loaded<S> | undefined);
    if (cached) return cached;
    const snapshot = this.options.snapshots?.get(stream);
    if (snapshot) {
      const tail = await this.events.readStream(stream, { fromRevision: snapshot.revision });
      // Only where the log still holds the event it was taken at (not a log restored, replaced or cut).
      if (tail[0]?.id === snapshot.eventId) return this.evolved(decider, stream, JSON.parse(snapshot.state) as S, tail, 1);
    }
    return this.evolved(decider, stream, decider.initialState, await this.events.readStream(stream), 0);
  }

  /** The state after `recorded` from `from` on (before them: `state`), snapshot taken if that was many. */
  private evolved<E extends DomainEvent, S>(decider: { evolve: (s: S, e: E) => S }, stream: string, state: S, recorded: RecordedEvent[], from: number): Loaded<S> {
    for (let i = from; i < recorded.length; i++) state = decider.evolve(state, { type: recorded[i]!.type, data: recorded[i]!.data } as E);
    const last = recorded.at(-1);
    if (last && recorded.length - from >= this.every) this.snapshot(stream, last.revision, last.id, state);
    return { state, revision: last ? last.revision : -1 };
  }

  private snapshot(stream: string, revision: number, eventId: string, state: unknown): void {
    this.options.snapshots?.put(stream, { revision, eventId, state: JSON.stringify(state) });
  }

  async execute<C, E extends DomainEvent, S>(
    decider: Decider<C, E, S>,
    stream: string,
    id: string,
    command: C,
    meta: CommandMeta,
  ): Promise<CommandResult> {
    checkImport(meta);
    for (let attempt = 0; ; attempt++) {
      let loaded: Loaded<S> =
        meta.newStream && attempt === 0 ? { state: decider.initialState, revision: -1 } : await this.load(decider, stream, attempt > 0);
      if (meta.expectedRevision !== undefined && loaded.revision !== meta.expectedRevision && attempt === 0) {
        loaded = await this.load(decider, stream, true); // the cache may trail another writer
      }
      const now = meta.importedAt !== undefined ? importTime(meta.importedAt) : this.now();
      // An imported legacy record is history: the duty rules of today do not refuse it.
      const duties = meta.importedAt !== undefined ? IMPORTED_DUTIES : (this.options.duties ?? DEFAULT_DUTIES);
      const context = { actor: meta.actor, now, newId: randomUUID, duties };
      if (meta.expectedRevision !== undefined && loaded.revision !== meta.expectedRevision) {
        if (loaded.revision === -1) throw new NotFound(`no record ${id}`);
        // A precondition is judged only for a request the caller may make (RFC 9110 §13.2.1): one it may
        // not, or on a record it may not know of, is refused as such and never told the record's revision.
        refusalOf(() => decider.decide(command, loaded.state, context));
        throw new WrongExpectedRevision(stream, meta.expectedRevision, loaded.revision);
      }
      const decided = decider.decide(command, loaded.state, context);
      const requestId = meta.requestId ?? randomUUID();
      const correlationId = meta.correlationId ?? requestId;
      let causationId = meta.causationId ?? null;
      const batch: NewEvent[] = decided.map((e) => {
        const eventId = randomUUID();
        const event: NewEvent = {
          id: eventId,
          type: e.type,
          data: e.data,
          occurredAt: now,
          metadata: {
            actor: meta.actor,
            correlationId,
            causationId,
            requestId,
            schemaVersion: currentVersion(this.options.schemas ?? SCHEMAS, e.type),
            ...(meta.importedAt !== undefined ? { imported: true, importedBy: meta.importedBy } : {}),
            ...meta.idempotency,
          },
        };
        causationId = eventId; // events of one decision form a chain
        return event;
      });
      if (batch.length === 0) return { id, revision: loaded.revision, position: await this.events.headPosition() };
      try {
        const result = await this.events.append(stream, batch, loaded.revision === -1 ? 'no_stream' : loaded.revision);
        let state = loaded.state;
        for (const e of decided) state = decider.evolve(state, e);
        this.remember(stream, { state, revision: result.revision });
        // Its events reached a multiple of snapshotEvery: a later cold load starts here.
        if (snapshotMark(result.revision, this.every) > loaded.revision) {
          this.snapshot(stream, result.revision, batch.at(-1)!.id, state);
        }
        return { id, revision: result.revision, position: result.position };
      } catch (error) {
        this.cache.delete(stream);
        // Without If-Match the client asked for "the latest": decide again on the fresh state.
        if (error instanceof WrongExpectedRevision && meta.expectedRevision === undefined && attempt < MAX_RETRIES) continue;
        throw error;
      }
    }
  }

  private remember(stream: string, loaded: Loaded<unknown>) {
    const max = this.options.cacheSize ?? 50_000;
    this.cache.delete(stream); // re-insert: Map order is our LRU order
    this.cache.set(stream, loaded);
    if (this.cache.size > max) this.cache.delete(this.cache.keys().next().value!);
  }
}

/** Throws what `decide` throws when it is a refusal of the caller (Forbidden, NotFound); nothing otherwise. */
function refusalOf(decide: () => unknown): void {
  try {
    decide();
  } catch (e) {
    if (e instanceof Forbidden || e instanceof NotFound) throw e;
  }
}
