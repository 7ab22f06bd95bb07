// The event store port: the official record. Adapters: sqlite-event-store.ts (embedded), esdb-event-store.ts.

/** Who acted, as the log records it (the domain's Actor fits it). */
export interface RecordedActor {
  id: string;
  role: string;
  district?: string;
  creditCode?: string;
  name?: string;
}

export interface EventMetadata {
  actor: RecordedActor;
  correlationId: string;
  causationId: string | null;
  requestId: string;
  schemaVersion: number;
  /**
   * Set on records imported from the legacy platform (occurredAt is then the original time; `actor` is
   * who did it on the legacy platform).
   */
  imported?: boolean;
  /** On an imported record: the city_admin who imported it. */
  importedBy?: RecordedActor;
}

/** An event as the application hands it to the store. */
export interface NewEvent {
  id: string; // UUID
  type: string;
  data: unknown;
  occurredAt: string; // ISO-8601 business time
  metadata: EventMetadata;
}

/**
 * Business time as recorded: for a live command it *is* the append time (domain.md: "equal to
 * recordedAt"); only records imported from the legacy platform keep the time they carry.
 */
export function occurredAtOf(event: NewEvent, recordedAt: string): string {
  return event.metadata.imported ? event.occurredAt : recordedAt;
}

/** An event as the store recorded it: the envelope of domain.md. */
export interface RecordedEvent extends NewEvent {
  stream: string;
  revision: number; // 0-based, within the stream
  position: number; // global, strictly increasing in log order
  recordedAt: string; // server clock at append (ISO-8601)
  /** Tamper evidence: this event's link in the adapter's hash chain (see hash-chain.ts). */
  hash?: string;
}

/** 'no_stream': must not exist · 'stream_exists': must exist · 'any' · n: current revision must be n. */
export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | number;

export interface AppendResult {
  /** Revision of the last appended event. */
  revision: number;
  /** Global position of the last appended event. */
  position: number;
}

export class WrongExpectedRevision extends Error {
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    /** -1 when the stream does not exist. */
    readonly actual: number,
  ) {
    super(`stream ${stream}: expected revision ${String(expected)}, actual ${actual}`);
    this.name = 'WrongExpectedRevision';
  }
}

/** A backing service did not answer: 503. */
export class Unavailable extends Error {
  /** When to ask again (Retry-After), if the adapter knows; 1 s otherwise. */
  readonly retryAfterSeconds?: number;
  constructor(message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options);
    this.name = 'Unavailable';
    if (options?.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/**
 * EventStoreDB refuses an append larger than its `MaxAppendSize` (1 MiB by default). Every adapter
 * applies the same limit, so a request that would fail there fails the same way here: 413, not a 500.
 */
export const DEFAULT_MAX_APPEND_BYTES = 1024 * 1024;
/** What an adapter adds to each event beyond data and metadata (envelope fields, hashes): a safe estimate. */
const ENVELOPE_BYTES = 512;

export class AppendTooLarge extends Error {
  constructor(
    readonly stream: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`the events for ${stream} would take ${bytes} bytes, over the ${limit}-byte limit of one append`);
    this.name = 'AppendTooLarge';
  }
}

/** The size one append would have as stored: data, metadata and envelope of every event. */
export function appendBytes(events: readonly NewEvent[]): number {
  let bytes = 0;
  for (const e of events) bytes += eventBytes(JSON.stringify(e.data), JSON.stringify(e.metadata), e.type);
  return bytes;
}

/** One event's share of appendBytes, from its data and metadata as JSON text (an adapter that has them already). */
export function eventBytes(dataJson: string | undefined, metadataJson: string | undefined, type: unknown): number {
  return Buffer.byteLength(dataJson ?? '') + Buffer.byteLength(metadataJson ?? '') + (typeof type === 'string' ? type.length : 0) + ENVELOPE_BYTES;
}

/** Throws AppendTooLarge when `events` exceed `limit`; called before anything is written. */
export function checkAppendSize(stream: string, events: readonly NewEvent[], limit: number): void {
  const bytes = appendBytes(events);
  if (bytes > limit) throw new AppendTooLarge(stream, bytes, limit);
}

export interface ReadStreamOptions {
  /** Inclusive lower revision: the tail after a snapshot (default 0). */
  fromRevision?: number;
  /** Inclusive upper revision. */
  toRevision?: number;
  /** Inclusive upper bound on occurredAt (ISO-8601): the stream as it stood then. */
  occurredUntil?: string;
}

export interface Subscription {
  close(): Promise<void>;
}

export interface SubscribeOptions {
  batchSize?: number;
  /** Receives the error that ended the subscription (a throwing handler, a failing read, a lost connection). */
  onError?: (error: unknown) => void;
}

export interface VerifyOptions {
  /**
   * A position whose link the same pass reports (a signed checkpoint's), so anchoring needs no second
   * read at a position: on EventStoreDB a position that is not an event's cannot be read from.
   */
  linkAt?: number;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  firstBadPosition?: number;
  /** The adapter stopped at its scan bound (EventStoreDB): `ok` speaks for the `checked` first events only. */
  partial?: boolean;
  /** The checked link at `linkAt`; absent when no event stands there (or the pass stopped before it). */
  link?: { position: number; hash: string };
}

export interface EventStore {
  /**
   * Appends atomically; a refused append leaves the stream exactly as it was. Larger than the store's
   * append limit (DEFAULT_MAX_APPEND_BYTES unless configured): AppendTooLarge.
   */
  append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;
  /** One stream forward; [] for a stream that does not exist. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** The whole log in position order, strictly after `afterPosition` (0 = from the start). */
  readAll(afterPosition: number, limit: number): Promise<RecordedEvent[]>;
  /** Position of the last event in the log (0 when empty). */
  headPosition(): Promise<number>;
  /**
   * How many events lie after `afterPosition`, counted up to `atMost` (more are answered as `atMost`):
   * positions are counts of events on SQLite but byte offsets on EventStoreDB, so a gap says little.
   */
  countAfter(afterPosition: number, atMost: number): Promise<number>;
  /** The last event of the log, with its link in the chain (null when empty): what a checkpoint signs. */
  lastEvent(): Promise<RecordedEvent | null>;
  /**
   * The recorded events with these ids, in log order; an id the log does not hold is simply absent (so
   * a caller compares what came back with what it asked for). Exact on every adapter: the embedded log
   * answers from an index on the id; EventStoreDB has none, see its adapter for the cost.
   */
  eventsById(ids: readonly string[]): Promise<RecordedEvent[]>;
  /**
   * Catch up from `afterPosition`, then follow live appends. The handler gets batches in log
   * order and the next batch waits for it (back-pressure); a throwing handler stops the subscription.
   */
  subscribe(
    afterPosition: number,
    handler: (batch: RecordedEvent[]) => Promise<void>,
    options?: SubscribeOptions,
  ): Subscription;
  /**
   * A random id given to the log when it was created: read stores keep it with their checkpoints, so
   * pointed at another (or a wiped and recreated) log they rebuild instead of skipping events.
   */
  logIdentity(): Promise<string>;
  /** Re-checks the tamper evidence of the whole log in one pass, in log order. */
  verify(options?: VerifyOptions): Promise<VerifyResult>;
  close(): Promise<void>;
}

/** countAfter by reading the events, a page at a time (a store without a cheaper count). */
export async function countByReading(store: Pick<EventStore, 'readAll'>, afterPosition: number, atMost: number): Promise<number> {
  let counted = 0;
  for (let after = afterPosition; counted < atMost; ) {
    const page = await store.readAll(after, Math.min(1000, atMost - counted));
    if (page.length === 0) break;
    counted += page.length;
    after = page[page.length - 1]!.position;
  }
  return counted;
}
