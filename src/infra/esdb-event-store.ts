// EventStoreDB adapter of the event store port. Our global position is the $all commit position;
// the envelope fields ESDB does not have (occurredAt, recordedAt, our metadata, hashes) travel in
// the ESDB event metadata.
//
// One hash chain over $all, as on the embedded log: each event's link covers the previous event of
// ours in $all order, hash = sha256(prevHash + canonical envelope without position), so a single
// forward pass over $all checks it and a signed checkpoint (position + hash) anchors all of it.
// ESDB assigns the position only when it commits, and an append is conditional on its own stream
// alone (no multi-stream write, no condition on another stream), so the previous link cannot be
// claimed atomically with the append. A chain-head stream written beside it would be a second,
// separate write: a crash or a lost race between the two leaves a claim without events or events
// without a claim. What is correct is one writer at a time: every append takes the chain lock (in
// process by default; with NATS the composition root gives the cross-instance lock, nats-lock.ts),
// reads the last link from $all, and appends chained onto it; the next holder starts only after the
// server acknowledged, so $all order is lock order and each link's predecessor is known. A lock with
// a lease is only as good as its time: an attempt that has held it longer than `chainLockBudgetMs`
// (a third of the lease) appends nothing, and an append whose outcome is unknown is re-sent, still
// holding the lock, with the same ids and expected revision (idempotent on ESDB) until it is known.
import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  MaxAppendSizeExceededError,
  NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  excludeSystemEvents,
  jsonEvent,
  type AllStreamResolvedEvent,
  type AppendResult as ClientAppendResult,
  type Direction,
  type EventData,
  type JSONType,
  type ReadPosition,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { randomUUID } from 'node:crypto';
import { chainHash, GENESIS_HASH } from './hash-chain.js';
import {
  AppendTooLarge,
  DEFAULT_MAX_APPEND_BYTES,
  Unavailable,
  appendBytes,
  WrongExpectedRevision,
  checkAppendSize,
  countByReading,
  occurredAtOf,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
  type VerifyOptions,
  type VerifyResult,
} from './event-store.js';
import {
  InProcessChainLock,
  atPosition,
  collect,
  decode,
  portError,
  positionOf,
  satisfies,
  type ChainLock,
  type Decoded,
  type StoredMetadata,
} from './esdb-support.js';

export type { ChainLock } from './esdb-support.js';

export interface EsdbSubscribeOptions extends SubscribeOptions {
  /** Receives the error that stopped the subscription (a throwing handler or a broken connection). */
  onError?: (error: unknown) => void;
}

const PAGE = 500;
const LOG_IDENTITY_STREAM = 'platform-log-identity';
/** Default bounds of a verification walking $all from a request (`npm run verify` walks without bound). */
const VERIFY_SCAN_LIMIT = 200_000;
const VERIFY_TIME_LIMIT_MS = 10_000;

const CHAIN_LOCK_KEY = 'eventstore-hash-chain';
const DEFAULT_CHAIN_LOCK_BUDGET_MS = 10_000;

export interface EsdbOptions {
  /** Must not exceed the server's MaxAppendSize (1 MiB by default). */
  maxAppendBytes?: number;
  /**
   * Shared by every process that appends to this log (several instances: the NATS lock). Default: a
   * lock within this process, which is enough only when this process is the log's one writer.
   */
  chainLock?: ChainLock;
  /** Longest an append may hold the chain lock before it gives up unwritten: well below the lock's lease. */
  chainLockBudgetMs?: number;
  /** Called by close(), after the client is disposed (the chain lock's connection). */
  onClose?: () => Promise<void>;
  /** At most this many events walked by one verify; beyond, the answer says `partial`. */
  verifyScanLimit?: number;
  /** At most this long (ms) for one verify; beyond, the answer says `partial`. */
  verifyTimeLimitMs?: number;
}
/** 'any' / 'stream_exists' appends retry when another writer moved the stream head under them. */
const MAX_RETRIES = 10;

export class EsdbEventStore implements EventStore {
  private readonly subscriptions = new Set<Subscription>();

  private readonly maxAppendBytes: number;
  private readonly chainLock: ChainLock;

  private constructor(
    private readonly client: EventStoreDBClient,
    private readonly options: EsdbOptions,
  ) {
    this.maxAppendBytes = options.maxAppendBytes ?? DEFAULT_MAX_APPEND_BYTES;
    this.chainLock = options.chainLock ?? new InProcessChainLock();
  }

  /** Connects and checks the server answers, so a wrong URL fails at start-up with Unavailable. */
  static async connect(url: string, options: EsdbOptions = {}): Promise<EsdbEventStore> {
    const client = EventStoreDBClient.connectionString(url);
    const store = new EsdbEventStore(client, options);
    try {
      await collect(client.readAll({ fromPosition: START, maxCount: 1 }));
    } catch (err) {
      await client.dispose().catch(() => undefined);
      await options.onClose?.().catch(() => undefined);
      throw portError(err);
    }
    return store;
  }

  async append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    checkAppendSize(stream, events, this.maxAppendBytes);
    if (events.length === 0) {
      const actual = (await this.streamHead(stream))?.revision ?? -1;
      if (!satisfies(expected, actual)) throw new WrongExpectedRevision(stream, expected, actual);
      return { revision: actual, position: await this.headPosition() };
    }
    return this.chainLock.run(CHAIN_LOCK_KEY, () => this.appendLinked(stream, events, expected));
  }

  /** Holding the chain lock: the last link and the stream head, then the events chained onto that link. */
  private async appendLinked(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    const until = Date.now() + (this.options.chainLockBudgetMs ?? DEFAULT_CHAIN_LOCK_BUDGET_MS);
    for (let attempt = 0; ; attempt++) {
      // From the leader: a follower (nodePreference) could be behind, and a link onto a stale head forks.
      const [head, last] = await Promise.all([this.streamHead(stream, true), this.chainHead()]);
      const actual = head?.revision ?? -1;
      if (!satisfies(expected, actual)) throw new WrongExpectedRevision(stream, expected, actual);
      // Never before the newest event's: instances' clocks differ, and as-of reads take a stream's events
      // up to a moment as a prefix of it (SQLite stamps inside its write lock for the same reason).
      const now = new Date().toISOString();
      const recordedAt = last !== null && last.recordedAt > now ? last.recordedAt : now;
      let prevHash = last?.hash ?? GENESIS_HASH;
      const payload = events.map((e, i) => {
        const occurredAt = occurredAtOf(e, recordedAt);
        const envelope = { id: e.id, type: e.type, stream, revision: actual + 1 + i, recordedAt, occurredAt, data: e.data, metadata: e.metadata };
        const hash = chainHash(prevHash, envelope);
        const metadata: StoredMetadata = { occurredAt, recordedAt, metadata: e.metadata, prevHash, hash };
        prevHash = hash;
        return jsonEvent({ id: e.id, type: e.type, data: e.data as JSONType, metadata });
      });
      try {
        // Always the exact stream head read above, so a retry of this very append is idempotent.
        const result = await this.sendWhileHolding(stream, payload, actual === -1 ? NO_STREAM : BigInt(actual), until);
        return { revision: Number(result.nextExpectedRevision), position: Number(result.position?.commit ?? 0n) };
      } catch (err) {
        // The server's own limit, below ours (MAX_APPEND_BYTES): the same refusal, nothing written.
        if (err instanceof MaxAppendSizeExceededError) throw new AppendTooLarge(stream, appendBytes(events), err.maxAppendSize);
        if (!(err instanceof WrongExpectedVersionError)) throw portError(err);
        const current = err.actualVersion === NO_STREAM ? -1 : Number(err.actualVersion);
        const tolerant = expected === 'any' || expected === 'stream_exists';
        if (!tolerant || attempt >= MAX_RETRIES) throw new WrongExpectedRevision(stream, expected, current);
      }
    }
  }

  /**
   * Sends the append before the lock budget runs out, and resends it while its outcome is unknown (a
   * timeout, a lost connection): same ids, same expected revision, so the server writes it at most once
   * and answers a resend of a written append with success. Released unknown, the append could still
   * land after the next holder's link and break the chain; so it is released only known, or as
   * Unavailable once the budget is spent.
   */
  private async sendWhileHolding(stream: string, payload: EventData[], expectedRevision: bigint | typeof NO_STREAM, until: number): Promise<ClientAppendResult> {
    for (let pause = 50; ; pause = Math.min(pause * 2, 1000)) {
      const left = until - Date.now();
      if (left <= 0) throw new Unavailable(`EventStoreDB: the append to ${stream} held the hash chain lock past its budget`);
      try {
        return await this.client.appendToStream(stream, payload, { expectedRevision, deadline: left });
      } catch (err) {
        if (!(portError(err) instanceof Unavailable)) throw err; // refused: nothing was written
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, Math.max(0, until - Date.now()))));
    }
  }

  private async streamHead(stream: string, requiresLeader = false): Promise<{ revision: number; hash: string } | null> {
    try {
      const [last] = await collect(this.client.readStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1, requiresLeader }));
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
    const from = Math.max(0, options.fromRevision ?? 0);
    if (toRevision !== undefined && toRevision < from) return [];
    let resolved: ResolvedEvent[];
    try {
      resolved = await collect(this.client.readStream(stream, {
        fromRevision: from === 0 ? START : BigInt(from),
        direction: FORWARDS,
        ...(toRevision === undefined ? {} : { maxCount: BigInt(toRevision - from + 1) }),
      }));
    } catch (err) {
      if (err instanceof StreamNotFoundError) return [];
      throw portError(err);
    }
    return resolved
      .map((r) => decode(r)?.event)
      .filter((e): e is Decoded['event'] => e !== undefined)
      .filter((e) => e.revision >= from && (toRevision === undefined || e.revision <= toRevision) && (occurredUntil === undefined || e.occurredAt <= occurredUntil));
  }

  /** No count on the server: read, a page at a time. */
  countAfter(afterPosition: number, atMost: number): Promise<number> {
    return countByReading(this, afterPosition, atMost);
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

  /** Counts the events walked and the time taken against the scan bounds of verify. */
  private verifyBound(): { exceeded(): boolean } {
    const limit = this.options.verifyScanLimit ?? VERIFY_SCAN_LIMIT;
    const until = Date.now() + (this.options.verifyTimeLimitMs ?? VERIFY_TIME_LIMIT_MS);
    let walked = 0;
    return { exceeded: () => ++walked > limit || (walked % 100 === 0 && Date.now() > until) };
  }

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
   * verify: a bounded walk would call an old event missing. Recording findings is rare (city_admin);
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
    return (await this.lastEvent())?.position ?? 0;
  }

  /**
   * The last event of $all is nearly always ours: one event read (maxCount 1), no page. Only when
   * system events (or events written around this adapter) follow it does the walk go on, in growing pages.
   */
  lastEvent(): Promise<RecordedEvent | null> {
    return this.newest(false);
  }

  /** The chain's head as the next link must see it: read from the leader. */
  private chainHead(): Promise<RecordedEvent | null> {
    return this.newest(true);
  }

  private async newest(requiresLeader: boolean): Promise<RecordedEvent | null> {
    for await (const r of this.scan(BACKWARDS, 0, 1, requiresLeader)) {
      const decoded = decode(r);
      if (decoded) return decoded.event;
    }
    return null;
  }

  /**
   * $all in pages, skipping what was already seen, so it does not matter whether the server treats
   * fromPosition as inclusive. Forwards: strictly after `after`; backwards: from the end.
   */
  private async *scan(direction: Direction, after: number, firstPage = PAGE, requiresLeader = false): AsyncGenerator<AllStreamResolvedEvent> {
    let from: ReadPosition = direction === BACKWARDS ? END : after > 0 ? atPosition(after) : START;
    let cursor = direction === BACKWARDS ? Number.POSITIVE_INFINITY : after;
    let size = firstPage;
    for (;;) {
      let page: AllStreamResolvedEvent[];
      try {
        page = await collect(this.client.readAll({ fromPosition: from, direction, maxCount: size, requiresLeader }));
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
    // The stream's buffer holds a batch (the default is 16 objects): a catch-up hands over full batches.
    const source = this.client.subscribeToAll(
      { fromPosition: afterPosition > 0 ? atPosition(afterPosition) : START, filter: excludeSystemEvents() },
      { highWaterMark: batchSize },
    );
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

  /**
   * One pass over $all, forwards: each of our events must name the previous one's hash as its
   * predecessor and hash to its stored link, so an altered, removed, inserted or reordered event
   * breaks the chain at `firstBadPosition`. Events that are not ours (system events, the log identity)
   * are not links. Bounded (then `partial`); `npm run verify` walks without bound.
   */
  async verify(options: VerifyOptions = {}): Promise<VerifyResult> {
    let expectedPrev = GENESIS_HASH;
    let checked = 0;
    let link: VerifyResult['link'];
    const done = (result: VerifyResult): VerifyResult => (link ? { ...result, link } : result);
    const bound = this.verifyBound();
    for await (const r of this.scan(FORWARDS, 0)) {
      if (bound.exceeded()) return done({ ok: true, checked, partial: true });
      const decoded = decode(r);
      if (!decoded) continue;
      checked++;
      const { event, prevHash } = decoded;
      const { position, hash, ...envelope } = event;
      let actual: string | undefined;
      try {
        actual = chainHash(expectedPrev, envelope);
      } catch {
        actual = undefined; // not JSON any more: a broken link like any other
      }
      if (prevHash !== expectedPrev || actual !== hash) return { ok: false, checked, firstBadPosition: position };
      if (position === options.linkAt) link = { position, hash };
      expectedPrev = hash;
    }
    return done({ ok: true, checked });
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.client.dispose();
    await this.options.onClose?.();
  }
}
