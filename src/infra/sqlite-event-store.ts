// The embedded default adapter of the event store port: one SQLite file, group commit, hash chain.
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { canonicalJson, chainHashRaw, GENESIS_HASH } from './hash-chain.js';
import { DEFAULT_MAX_APPEND_BYTES, Unavailable, WrongExpectedRevision, checkAppendSize, occurredAtOf } from './event-store.js';
import type {
  AppendResult, EventStore, ExpectedRevision, LogPage, LogQuery, NewEvent, ReadStreamOptions, RecordedEvent, SubscribeOptions, Subscription, VerifyResult,
} from './event-store.js';

export interface SqliteEventStoreOptions {
  /** How often idle subscriptions look for appends made by other processes (ms). Default 150. */
  pollIntervalMs?: number;
  /** How long a write waits for another process's lock before failing with Unavailable (ms). Default 5000. */
  busyTimeoutMs?: number;
  /** The server clock that stamps recordedAt (tests pin it). Default: the system clock. */
  clock?: () => Date;
  /** Largest append (bytes, see appendBytes): the same limit as EventStoreDB's. Default 1 MiB. */
  maxAppendBytes?: number;
}

export interface SqliteSubscribeOptions extends SubscribeOptions {
  /** Receives the error that stopped the subscription (a throwing handler or a failing read). */
  onError?: (error: unknown) => void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position    INTEGER PRIMARY KEY, -- global position: 1, 2, 3… without gaps
  stream      TEXT    NOT NULL,
  revision    INTEGER NOT NULL,
  id          TEXT    NOT NULL,
  type        TEXT    NOT NULL,
  data        TEXT    NOT NULL,    -- canonical JSON
  metadata    TEXT    NOT NULL,    -- canonical JSON
  occurred_at TEXT    NOT NULL,
  recorded_at TEXT    NOT NULL,
  hash        TEXT    NOT NULL     -- sha256(previous row's hash + canonical envelope)
);
-- Enforces one event per stream revision and is the index readStream walks.
CREATE UNIQUE INDEX IF NOT EXISTS events_stream_revision ON events (stream, revision);
-- The audit trail's questions: by actor, by type, by time.
CREATE INDEX IF NOT EXISTS events_actor ON events (json_extract(metadata, '$.actor.id'), position);
CREATE INDEX IF NOT EXISTS events_type ON events (type, position);
CREATE INDEX IF NOT EXISTS events_recorded ON events (recorded_at);
-- The log's identity (a random id given once, when the file is created): see EventStore.logIdentity.
CREATE TABLE IF NOT EXISTS log_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;
const COLUMNS = 'position, stream, revision, id, type, data, metadata, occurred_at, recorded_at, hash';

interface Row {
  position: number; stream: string; revision: number; id: string; type: string; data: string; metadata: string;
  occurred_at: string; recorded_at: string; hash: string;
}

interface PendingAppend {
  stream: string;
  events: NewEvent[];
  expected: ExpectedRevision;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/** Bounds the stream-head cache; it is only a cache, so dropping it is always safe. */
const MAX_CACHED_STREAMS = 100_000;
const VERIFY_BATCH = 10_000;

export class SqliteEventStore implements EventStore {
  private readonly queue: PendingAppend[] = [];
  private flushing: Promise<void> | null = null;
  /** Last revision per stream (-1: none), valid while the log head is `cachedAtHead`. */
  private readonly heads = new Map<string, number>();
  private cachedAtHead = -1;
  /** Idle subscriptions waiting for an in-process append. */
  private readonly wakers = new Set<() => void>();
  private readonly subscriptions = new Set<SqliteSubscription>();
  private closing: Promise<void> | null = null;

  private readonly insert: Database.Statement;
  private readonly lastRevision: Database.Statement;
  private readonly top: Database.Statement;
  private readonly streamRows: Database.Statement;
  private readonly allRows: Database.Statement;
  private readonly writeBatch: Database.Transaction<(batch: PendingAppend[]) => (AppendResult | Error)[]>;

  private constructor(
    private readonly db: Database.Database,
    private readonly pollIntervalMs: number,
    private readonly clock: () => Date,
    private readonly maxAppendBytes: number,
  ) {
    this.insert = db.prepare(`INSERT INTO events (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.lastRevision = db.prepare('SELECT max(revision) FROM events WHERE stream = ?').pluck();
    this.top = db.prepare('SELECT position, hash FROM events ORDER BY position DESC LIMIT 1');
    this.streamRows = db.prepare(
      `SELECT ${COLUMNS} FROM events WHERE stream = @stream AND revision <= @to
         AND (@until IS NULL OR occurred_at <= @until) ORDER BY revision`,
    );
    this.allRows = db.prepare(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`);
    this.writeBatch = db.transaction((batch: PendingAppend[]) => this.write(batch));
  }

  static open(file: string, options: SqliteEventStoreOptions = {}): SqliteEventStore {
    const db = new Database(file, { timeout: options.busyTimeoutMs ?? 5000 });
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL'); // an acknowledged append survives power loss
      db.exec(SCHEMA);
      db.prepare("INSERT OR IGNORE INTO log_meta (key, value) VALUES ('identity', ?)").run(randomUUID());
    } catch (err) {
      db.close();
      throw storageError(err);
    }
    return new SqliteEventStore(db, options.pollIntervalMs ?? 150, options.clock ?? (() => new Date()), options.maxAppendBytes ?? DEFAULT_MAX_APPEND_BYTES);
  }

  append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (this.closing) return Promise.reject(new Error('SqliteEventStore is closed'));
    try {
      checkAppendSize(stream, events, this.maxAppendBytes);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ stream, events, expected, resolve, reject });
      // Group commit: every append queued before the next macrotask shares one transaction (one fsync).
      this.flushing ??= new Promise<void>((done) =>
        setImmediate(() => {
          this.flushing = null;
          this.flush(this.queue.splice(0));
          done();
        }),
      );
    });
  }

  private flush(batch: PendingAppend[]): void {
    let outcomes: (AppendResult | Error)[];
    try {
      // IMMEDIATE: take the write lock before reading the head, so positions are assigned in order.
      outcomes = this.writeBatch.immediate(batch);
    } catch (err) {
      this.heads.clear();
      this.cachedAtHead = -1;
      const error = storageError(err);
      for (const pending of batch) pending.reject(error);
      return;
    }
    outcomes.forEach((outcome, i) => {
      if (outcome instanceof Error) batch[i]!.reject(outcome);
      else batch[i]!.resolve(outcome);
    });
    for (const wake of this.wakers) wake();
  }

  /** Runs inside the transaction; a refused append writes nothing and costs the others nothing. */
  private write(batch: PendingAppend[]): (AppendResult | Error)[] {
    const top = this.top.get() as { position: number; hash: string } | undefined;
    let position = top?.position ?? 0;
    let prevHash = top?.hash ?? GENESIS_HASH;
    // Another process appended since we last wrote: our cached stream heads may be stale.
    if (position !== this.cachedAtHead) this.heads.clear();
    const recordedAt = this.clock().toISOString();
    const outcomes: (AppendResult | Error)[] = [];
    for (const { stream, events, expected } of batch) {
      const actual = this.streamHead(stream);
      if (!satisfies(expected, actual)) {
        outcomes.push(new WrongExpectedRevision(stream, expected, actual));
        continue;
      }
      // Encode the whole append first, so a malformed event refuses only its own append.
      let rows: unknown[][];
      let hash = prevHash;
      try {
        rows = events.map((event, i) => {
          checkEvent(event);
          const occurredAt = occurredAtOf(event, recordedAt);
          const head = { id: event.id, type: event.type, occurredAt, stream, revision: actual + 1 + i, position: position + 1 + i, recordedAt };
          // Data and metadata are encoded once: for the row and, as the same text, for the hash.
          const dataJson = canonicalJson(event.data);
          const metadataJson = canonicalJson(event.metadata);
          hash = chainHashRaw(hash, head, dataJson, metadataJson);
          return [head.position, stream, head.revision, event.id, event.type, dataJson, metadataJson, occurredAt, recordedAt, hash];
        });
      } catch (err) {
        outcomes.push(err instanceof Error ? err : new Error(String(err)));
        continue;
      }
      for (const row of rows) this.insert.run(...row);
      position += rows.length;
      prevHash = hash;
      this.setStreamHead(stream, actual + rows.length);
      outcomes.push({ revision: actual + rows.length, position });
    }
    this.cachedAtHead = position;
    return outcomes;
  }

  private streamHead(stream: string): number {
    let revision = this.heads.get(stream);
    if (revision === undefined) {
      revision = (this.lastRevision.get(stream) as number | null) ?? -1;
      this.setStreamHead(stream, revision);
    }
    return revision;
  }

  private setStreamHead(stream: string, revision: number): void {
    if (this.heads.size >= MAX_CACHED_STREAMS && !this.heads.has(stream)) this.heads.clear();
    this.heads.set(stream, revision);
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const rows = this.streamRows.all({
      stream,
      to: options.toRevision ?? Number.MAX_SAFE_INTEGER,
      until: options.occurredUntil ?? null,
    }) as Row[];
    return rows.map(toRecorded);
  }

  async readAll(afterPosition: number, limit: number): Promise<RecordedEvent[]> {
    return this.readAllSync(afterPosition, limit);
  }

  private readAllSync(afterPosition: number, limit: number): RecordedEvent[] {
    if (limit <= 0) return [];
    return (this.allRows.all(afterPosition, limit) as Row[]).map(toRecorded);
  }

  async searchLog(query: LogQuery): Promise<LogPage> {
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    const add = (sql: string, key: string, value: unknown) => {
      if (value === undefined) return;
      where.push(sql);
      params[key] = value;
    };
    add("json_extract(metadata, '$.actor.id') = @actorId", 'actorId', query.actorId);
    add('stream = @stream', 'stream', query.stream);
    add('type = @type', 'type', query.type);
    add('recorded_at >= @from', 'from', query.from);
    add('recorded_at <= @to', 'to', query.to);
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    // Filters are few and fixed, so the statements are few too; better-sqlite3 caches nothing itself.
    const total = this.db.prepare(`SELECT count(*) FROM events ${clause}`).pluck().get(params) as number;
    const rows = this.db
      .prepare(`SELECT ${COLUMNS} FROM events ${clause} ORDER BY position DESC LIMIT @limit OFFSET @offset`)
      .all({ ...params, limit: query.limit, offset: query.offset }) as Row[];
    return { items: rows.map(toRecorded), total };
  }

  async logIdentity(): Promise<string> {
    return this.db.prepare("SELECT value FROM log_meta WHERE key = 'identity'").pluck().get() as string;
  }

  async headPosition(): Promise<number> {
    // From the file, not from memory: another process may have appended.
    const top = this.top.get() as { position: number } | undefined;
    return top?.position ?? 0;
  }

  subscribe(
    afterPosition: number,
    handler: (batch: RecordedEvent[]) => Promise<void>,
    options: SqliteSubscribeOptions = {},
  ): Subscription {
    if (this.closing) throw new Error('SqliteEventStore is closed');
    const subscription = new SqliteSubscription(
      (after, limit) => this.readAllSync(after, limit),
      this.wakers,
      this.pollIntervalMs,
      handler,
      options,
    );
    this.subscriptions.add(subscription);
    void subscription.start(afterPosition).finally(() => this.subscriptions.delete(subscription));
    return subscription;
  }

  /**
   * Recomputes the chain over the whole log. Positions must run 1, 2, 3… and every stored hash must
   * equal sha256(previous hash + canonical envelope): an altered, removed, inserted or reordered row
   * breaks it at `firstBadPosition`. Removing rows from the very end needs an external anchor
   * (a published head hash) to be noticed; that is outside this method.
   */
  async verify(): Promise<VerifyResult> {
    let prevHash = GENESIS_HASH;
    let expected = 1;
    let after = Number.MIN_SAFE_INTEGER; // also catches rows inserted below position 1
    let checked = 0;
    for (;;) {
      const rows = this.allRows.all(after, VERIFY_BATCH) as Row[];
      if (rows.length === 0) return { ok: true, checked };
      for (const row of rows) {
        checked++;
        const bad = { ok: false, checked, firstBadPosition: Math.min(row.position, expected) };
        if (row.position !== expected) return bad;
        // The stored data and metadata are the canonical text the hash was computed over when appended:
        // hashing that text as it is (no parse, no re-encoding) checks exactly what is on disk, fast.
        const head = { id: row.id, type: row.type, occurredAt: row.occurred_at, stream: row.stream, revision: row.revision, position: row.position, recordedAt: row.recorded_at };
        const hash = chainHashRaw(prevHash, head, row.data, row.metadata);
        if (hash !== row.hash) return bad;
        prevHash = hash;
        expected = row.position + 1;
        after = row.position;
      }
      await new Promise((resolve) => setImmediate(resolve)); // let appends and requests run between batches
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      while (this.flushing) await this.flushing; // acknowledged appends get written first
      await Promise.all([...this.subscriptions].map((s) => s.close()));
      this.db.close();
    })();
    return this.closing;
  }
}

class SqliteSubscription implements Subscription {
  private stopped = false;
  private inHandler = false;
  private wake: (() => void) | null = null;
  private done: Promise<void> = Promise.resolve();

  constructor(
    private readonly read: (after: number, limit: number) => RecordedEvent[],
    private readonly wakers: Set<() => void>,
    private readonly pollIntervalMs: number,
    private readonly handler: (batch: RecordedEvent[]) => Promise<void>,
    private readonly options: SqliteSubscribeOptions,
  ) {}

  start(afterPosition: number): Promise<void> {
    this.done = this.run(afterPosition);
    return this.done;
  }

  private async run(afterPosition: number): Promise<void> {
    const batchSize = Math.max(1, this.options.batchSize ?? 500);
    let position = afterPosition;
    try {
      while (!this.stopped) {
        const batch = this.read(position, batchSize);
        if (batch.length === 0) {
          // Registered synchronously after an empty read, so no in-process append can slip between.
          await this.idle();
          continue;
        }
        this.inHandler = true;
        try {
          await this.handler(batch);
        } finally {
          this.inHandler = false;
        }
        position = batch[batch.length - 1]!.position;
        // A long catch-up must not starve the server: let timers and requests run between batches.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (err) {
      this.stopped = true;
      this.options.onError?.(err);
    }
  }

  /** Until an in-process append, the poll interval (appends by other processes) or close(). */
  private idle(): Promise<void> {
    return new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.wakers.delete(finish);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(finish, this.pollIntervalMs);
      this.wakers.add(finish);
      this.wake = finish;
    });
  }

  close(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    // Called from inside the handler, waiting for the loop would wait for ourselves.
    return this.inHandler ? Promise.resolve() : this.done;
  }
}

function satisfies(expected: ExpectedRevision, actual: number): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return actual === -1;
  if (expected === 'stream_exists') return actual >= 0;
  return actual === expected;
}

function checkEvent(event: NewEvent): void {
  if (typeof event.id !== 'string' || typeof event.type !== 'string' || typeof event.occurredAt !== 'string') {
    throw new TypeError('event needs string id, type and occurredAt');
  }
}

function toRecorded(row: Row): RecordedEvent {
  const { id, type, stream, revision, position, recorded_at: recordedAt, occurred_at: occurredAt, hash } = row;
  const metadata = JSON.parse(row.metadata) as RecordedEvent['metadata'];
  return { id, type, stream, revision, position, recordedAt, occurredAt, data: JSON.parse(row.data) as unknown, metadata, hash };
}

/** Lock contention and I/O failures mean "try again later" (503); anything else is a bug. */
function storageError(err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN)/.test(code)) {
    return new Unavailable(`event store file: ${code}`, { cause: err });
  }
  return err;
}
