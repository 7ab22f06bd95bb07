// EventStoreDB adapter of the event store port. Our global position is the $all commit position;
// the envelope fields ESDB does not have (occurredAt, recordedAt, our metadata, hashes) travel in
// the ESDB event metadata. ESDB positions are only known after an append, so the hash chain is kept
// per stream: hash = sha256(prevHashOfStream + canonical envelope without position).
import {
  BACKWARDS,
  END,
  ErrorType,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  excludeSystemEvents,
  isCommandError,
  jsonEvent,
  type AllStreamResolvedEvent,
  type Direction,
  type JSONType,
  type Position,
  type ReadPosition,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { randomUUID } from 'node:crypto';
import { chainHash, GENESIS_HASH } from './hash-chain.js';
import {
  DEFAULT_MAX_APPEND_BYTES,
  Unavailable,
  WrongExpectedRevision,
  checkAppendSize,
  occurredAtOf,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type ExpectedRevision,
  type LogPage,
  type LogQuery,
  type NewEvent,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
  type VerifyResult,
} from './event-store.js';

/** What we keep in the ESDB event metadata (a type alias, so it is a JSON record for the client). */
type StoredMetadata = {
  occurredAt: string;
  recordedAt: string;
  metadata: EventMetadata;
  prevHash: string;
  hash: string;
};

export interface EsdbSubscribeOptions extends SubscribeOptions {
  /** Receives the error that stopped the subscription (a throwing handler or a broken connection). */
  onError?: (error: unknown) => void;
}

interface Decoded {
  event: RecordedEvent & { hash: string };
  prevHash: string;
}

const PAGE = 500;
const LOG_IDENTITY_STREAM = 'platform-log-identity';
/** Default bounds of an audit question or a verification walking $all (until the audit read model). */
const AUDIT_SCAN_LIMIT = 200_000;
const AUDIT_TIME_LIMIT_MS = 10_000;

export interface EsdbOptions {
  /** Must not exceed the server's MaxAppendSize (1 MiB by default). */
  maxAppendBytes?: number;
  /** At most this many events walked by one searchLog/verify; beyond, the answer says `partial`. */
  auditScanLimit?: number;
  /** At most this long (ms) for one searchLog/verify; beyond, the answer says `partial`. */
  auditTimeLimitMs?: number;
}
/** 'any' / 'stream_exists' appends retry when another writer moved the stream head under them. */
const MAX_RETRIES = 10;

export class EsdbEventStore implements EventStore {
  private readonly subscriptions = new Set<Subscription>();

  private readonly maxAppendBytes: number;

  private constructor(
    private readonly client: EventStoreDBClient,
    private readonly options: EsdbOptions,
  ) {
    this.maxAppendBytes = options.maxAppendBytes ?? DEFAULT_MAX_APPEND_BYTES;
  }

  /** Connects and checks the server answers, so a wrong URL fails at start-up with Unavailable. */
  static async connect(url: string, options: EsdbOptions = {}): Promise<EsdbEventStore> {
    const client = EventStoreDBClient.connectionString(url);
    const store = new EsdbEventStore(client, options);
    try {
      await collect(client.readAll({ fromPosition: START, maxCount: 1 }));
    } catch (err) {
      await client.dispose().catch(() => undefined);
      throw portError(err);
    }
    return store;
  }

  async append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    checkAppendSize(stream, events, this.maxAppendBytes);
    for (let attempt = 0; ; attempt++) {
      const head = await this.streamHead(stream);
      const actual = head?.revision ?? -1;
      if (!satisfies(expected, actual)) throw new WrongExpectedRevision(stream, expected, actual);
      if (events.length === 0) return { revision: actual, position: await this.headPosition() };
      const recordedAt = new Date().toISOString();
      let prevHash = head?.hash ?? GENESIS_HASH;
      const payload = events.map((e, i) => {
        const occurredAt = occurredAtOf(e, recordedAt);
        const envelope = { id: e.id, type: e.type, stream, revision: actual + 1 + i, recordedAt, occurredAt, data: e.data, metadata: e.metadata };
        const hash = chainHash(prevHash, envelope);
        const metadata: StoredMetadata = { occurredAt, recordedAt, metadata: e.metadata, prevHash, hash };
        prevHash = hash;
        return jsonEvent({ id: e.id, type: e.type, data: e.data as JSONType, metadata });
      });
      try {
        // Always the exact head we chained onto: the server then guarantees the chain has no fork.
        const result = await this.client.appendToStream(stream, payload, {
          expectedRevision: actual === -1 ? NO_STREAM : BigInt(actual),
        });
        return { revision: Number(result.nextExpectedRevision), position: Number(result.position?.commit ?? 0n) };
      } catch (err) {
        if (!(err instanceof WrongExpectedVersionError)) throw portError(err);
        const current = err.actualVersion === NO_STREAM ? -1 : Number(err.actualVersion);
        const tolerant = expected === 'any' || expected === 'stream_exists';
        if (!tolerant || attempt >= MAX_RETRIES) throw new WrongExpectedRevision(stream, expected, current);
      }
    }
  }

  private async streamHead(stream: string): Promise<{ revision: number; hash: string } | null> {
    try {
      const [last] = await collect(this.client.readStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 }));
      if (!last?.event) return null;
      const meta = last.event.metadata as Partial<StoredMetadata> | undefined;
      return { revision: Number(last.event.revision), hash: meta?.hash ?? GENESIS_HASH };
    } catch (err) {
      if (err instanceof StreamNotFoundError) return null;
      throw portError(err);
    }
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const { toRevision, occurredUntil } = options;
    if (toRevision !== undefined && toRevision < 0) return [];
    let resolved: ResolvedEvent[];
    try {
      resolved = await collect(this.client.readStream(stream, {
        fromRevision: START,
        direction: FORWARDS,
        ...(toRevision === undefined ? {} : { maxCount: BigInt(toRevision + 1) }),
      }));
    } catch (err) {
      if (err instanceof StreamNotFoundError) return [];
      throw portError(err);
    }
    return resolved
      .map((r) => decode(r)?.event)
      .filter((e): e is Decoded['event'] => e !== undefined)
      .filter((e) => (toRevision === undefined || e.revision <= toRevision) && (occurredUntil === undefined || e.occurredAt <= occurredUntil));
  }

  async readAll(afterPosition: number, limit: number): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    if (limit <= 0) return out;
    for await (const r of this.scan(FORWARDS, afterPosition)) {
      const decoded = decode(r);
      if (decoded) out.push(decoded.event);
      if (out.length >= limit) break;
    }
    return out;
  }

  /**
   * EventStoreDB has no secondary index on our metadata: a stream question reads that stream, any
   * other walks $all backwards, newest first, within the scan bounds (then the page says `partial`).
   * The audit read model replaces this walk.
   */
  async searchLog(query: LogQuery): Promise<LogPage> {
    const matches = (e: RecordedEvent) =>
      (query.actorId === undefined || e.metadata.actor.id === query.actorId) &&
      (query.type === undefined || e.type === query.type) &&
      (query.from === undefined || e.recordedAt >= query.from) &&
      (query.to === undefined || e.recordedAt <= query.to);
    const items: RecordedEvent[] = [];
    let total = 0;
    const take = (e: RecordedEvent) => {
      if (!matches(e)) return;
      if (total >= query.offset && items.length < query.limit) items.push(e);
      total++;
    };
    if (query.stream !== undefined) {
      for (const e of (await this.readStream(query.stream)).reverse()) take(e);
    } else {
      const bound = this.auditBound();
      for await (const r of this.scan(BACKWARDS, 0)) {
        if (bound.exceeded()) return { items, total, partial: true };
        const decoded = decode(r);
        if (decoded) take(decoded.event);
      }
    }
    return { items, total };
  }

  /** Counts the events walked and the time taken against the audit scan bounds. */
  private auditBound(): { exceeded(): boolean } {
    const limit = this.options.auditScanLimit ?? AUDIT_SCAN_LIMIT;
    const until = Date.now() + (this.options.auditTimeLimitMs ?? AUDIT_TIME_LIMIT_MS);
    let walked = 0;
    return { exceeded: () => ++walked > limit || (walked % 100 === 0 && Date.now() > until) };
  }

  /**
   * The last event of $all is nearly always ours: one event read (maxCount 1), no page. Only when
   * system events follow it does the walk go on, in growing pages.
   */
  /**
   * Kept as the first event of its own stream, written without our metadata so decode() (and with it
   * every read, subscription and verification) never sees it. The first instance to ask creates it.
   */
  async logIdentity(): Promise<string> {
    const read = async (): Promise<string | null> => {
      try {
        const [first] = await collect(this.client.readStream(LOG_IDENTITY_STREAM, { fromRevision: START, direction: FORWARDS, maxCount: 1 }));
        const id = (first?.event?.data as { identity?: unknown } | undefined)?.identity;
        return typeof id === 'string' ? id : null;
      } catch (err) {
        if (err instanceof StreamNotFoundError) return null;
        throw portError(err);
      }
    };
    const found = await read();
    if (found) return found;
    try {
      await this.client.appendToStream(LOG_IDENTITY_STREAM, jsonEvent({ type: 'LogIdentityAssigned', data: { identity: randomUUID() } }), { expectedRevision: NO_STREAM });
    } catch (err) {
      if (!(err instanceof WrongExpectedVersionError)) throw portError(err); // another instance was first
    }
    const id = await read();
    if (!id) throw new Unavailable('EventStoreDB: the log identity could not be read back');
    return id;
  }

  /**
   * EventStoreDB reads by stream and revision or by $all position, never by event id: its read API has no
   * id filter (readAll takes none; subscribeToAll filters by stream name or type only), and the system
   * projections that could index one are off on our servers (EVENTSTORE_RUN_PROJECTIONS=None). So this
   * walks $all backwards, newest first, and stops as soon as every id is found. Exact — an unknown id is
   * only reported after the whole log was read — at a cost of reading every event newer than the oldest
   * one asked for, and all of $all when one is missing (about a minute at 1M events). Never bounded like
   * searchLog: a bounded walk would call an old event missing. Recording findings is rare (city_admin);
   * the cheap exact form is an id → position map kept beside the checkpoints (see the branch notes).
   */
  async eventsById(ids: readonly string[]): Promise<RecordedEvent[]> {
    const wanted = new Set(ids);
    const found: RecordedEvent[] = [];
    if (wanted.size === 0) return found;
    for await (const r of this.scan(BACKWARDS, 0)) {
      if (!r.event || !wanted.has(r.event.id)) continue;
      const decoded = decode(r);
      if (!decoded) continue;
      found.push(decoded.event);
      wanted.delete(decoded.event.id);
      if (wanted.size === 0) break;
    }
    return found.reverse();
  }

  async headPosition(): Promise<number> {
    for await (const r of this.scan(BACKWARDS, 0, 1)) {
      const decoded = decode(r);
      if (decoded) return decoded.event.position;
    }
    return 0;
  }

  /**
   * $all in pages, skipping what was already seen, so it does not matter whether the server treats
   * fromPosition as inclusive. Forwards: strictly after `after`; backwards: from the end.
   */
  private async *scan(direction: Direction, after: number, firstPage = PAGE): AsyncGenerator<AllStreamResolvedEvent> {
    let from: ReadPosition = direction === BACKWARDS ? END : after > 0 ? atPosition(after) : START;
    let cursor = direction === BACKWARDS ? Number.POSITIVE_INFINITY : after;
    let size = firstPage;
    for (;;) {
      let page: AllStreamResolvedEvent[];
      try {
        page = await collect(this.client.readAll({ fromPosition: from, direction, maxCount: size }));
      } catch (err) {
        throw portError(err);
      }
      let progressed = false;
      for (const r of page) {
        const position = positionOf(r);
        if (!position) continue;
        const n = Number(position.commit);
        if (direction === BACKWARDS ? n >= cursor : n <= cursor) continue;
        cursor = n;
        from = position;
        progressed = true;
        yield r;
      }
      if (page.length < size || !progressed) return;
      size = Math.min(PAGE, size * 8);
    }
  }

  subscribe(
    afterPosition: number,
    handler: (batch: RecordedEvent[]) => Promise<void>,
    options: EsdbSubscribeOptions = {},
  ): Subscription {
    const batchSize = Math.max(1, options.batchSize ?? 500);
    // A catch-up subscription: the server replays from the position, then follows live appends.
    const source = this.client.subscribeToAll({
      fromPosition: afterPosition > 0 ? atPosition(afterPosition) : START,
      filter: excludeSystemEvents(),
    });
    let closed = false;
    let inHandler = false;
    const run = async (): Promise<void> => {
      let last = afterPosition;
      let batch: RecordedEvent[] = [];
      try {
        for await (const r of source) {
          const decoded = decode(r);
          if (decoded && decoded.event.position > last) batch.push(decoded.event);
          // Hand over what has arrived so far; the stream is paused while the handler runs.
          if (batch.length > 0 && (batch.length >= batchSize || source.readableLength === 0)) {
            inHandler = true;
            try {
              await handler(batch);
            } finally {
              inHandler = false;
            }
            last = batch[batch.length - 1]!.position;
            batch = [];
            if (closed) break;
          }
        }
        // The server ended the stream without an error (a leader change, a restart): for us that is a
        // failure too, or the follower would wait for ever.
        if (!closed) options.onError?.(new Unavailable('EventStoreDB ended the subscription'));
      } catch (err) {
        if (!closed) options.onError?.(portError(err));
      } finally {
        closed = true;
        await source.unsubscribe().catch(() => undefined);
        this.subscriptions.delete(subscription);
      }
    };
    const done = run();
    const subscription: Subscription = {
      close: async () => {
        closed = true;
        await source.unsubscribe().catch(() => undefined);
        if (!inHandler) await done; // from inside the handler, waiting would wait for ourselves
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Walks $all: every stream must run 0, 1, 2… and each event must link to its predecessor's hash. */
  async verify(): Promise<VerifyResult> {
    const chains = new Map<string, { revision: number; hash: string }>();
    let checked = 0;
    const bound = this.auditBound();
    for await (const r of this.scan(FORWARDS, 0)) {
      if (bound.exceeded()) return { ok: true, checked, partial: true };
      const decoded = decode(r);
      if (!decoded) continue; // system events and events written around this adapter
      checked++;
      const { event, prevHash } = decoded;
      const previous = chains.get(event.stream);
      const expectedPrev = previous?.hash ?? GENESIS_HASH;
      const { position, hash, ...envelope } = event;
      let actual: string | undefined;
      try {
        actual = chainHash(expectedPrev, envelope);
      } catch {
        actual = undefined;
      }
      if (event.revision !== (previous ? previous.revision + 1 : 0) || prevHash !== expectedPrev || actual !== hash) {
        return { ok: false, checked, firstBadPosition: position };
      }
      chains.set(event.stream, { revision: event.revision, hash });
    }
    return { ok: true, checked };
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.client.dispose();
  }
}

function satisfies(expected: ExpectedRevision, actual: number): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return actual === -1;
  if (expected === 'stream_exists') return actual >= 0;
  return actual === expected;
}

/** Events we wrote: user streams and types, JSON, with our metadata. Anything else is skipped. */
function decode(r: ResolvedEvent | AllStreamResolvedEvent): Decoded | undefined {
  const e = r.event;
  if (!e || !e.isJson || e.streamId.startsWith('$') || e.type.startsWith('$')) return undefined;
  const meta = e.metadata as Partial<StoredMetadata> | undefined;
  if (!meta || typeof meta.hash !== 'string' || typeof meta.prevHash !== 'string') return undefined;
  const commit = e.position?.commit ?? r.commitPosition;
  return {
    prevHash: meta.prevHash,
    event: {
      id: e.id,
      type: e.type,
      stream: e.streamId,
      revision: Number(e.revision),
      // Stream reads carry the $all position only on servers after 22.6; 0 means "unknown".
      position: commit === undefined ? 0 : Number(commit),
      recordedAt: String(meta.recordedAt),
      occurredAt: String(meta.occurredAt),
      data: e.data,
      metadata: meta.metadata as EventMetadata,
      hash: meta.hash,
    },
  };
}

function positionOf(r: AllStreamResolvedEvent): Position | undefined {
  return r.event?.position ?? r.link?.position;
}

/** Non-transactional gRPC appends have commit === prepare, so a number is enough to resume from. */
function atPosition(n: number): Position {
  return { commit: BigInt(n), prepare: BigInt(n) };
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

const UNAVAILABLE_TYPES: readonly ErrorType[] = [
  ErrorType.UNAVAILABLE,
  ErrorType.DEADLINE_EXCEEDED,
  ErrorType.TIMEOUT,
  ErrorType.NOT_LEADER,
];

/** Connection-level failures become Unavailable (503); domain-level errors pass through. */
function portError(err: unknown): unknown {
  if (err instanceof Unavailable || err instanceof WrongExpectedRevision) return err;
  if (err instanceof Error) {
    const lost = isCommandError(err) ? UNAVAILABLE_TYPES.includes(err.type) : /discover|ECONNREFUSED|connect/i.test(err.message);
    if (lost) return new Unavailable(`EventStoreDB: ${err.message}`, { cause: err });
  }
  return err;
}
