// The embedded default adapter of the event store port: one SQLite file, group commit, hash chain.
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { type VerifyTuning, verifyChain } from './sqlite-verify.js';
import { AppendWriter, type GroupCommitter, InlineCommitter, encode } from './sqlite-append-writer.js';
import type { GroupCommitReply } from './sqlite-group-commit.mjs';
import { DEFAULT_MAX_APPEND_BYTES, Unavailable, WrongExpectedRevision } from './event-store.js';
import type {
  AppendResult, EventStore, ExpectedRevision, NewEvent, ReadStreamOptions, RecordedEvent, SubscribeOptions, Subscription, VerifyOptions, VerifyResult,
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
  /** How verify() spreads its check over threads (tests force threads on small logs). */
  verify?: VerifyTuning;
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
-- Files made before the audit trail was a read model have indexes for its questions (by actor, type,
-- time) on the log itself: every group commit wrote their pages too, and nothing reads them now.
DROP INDEX IF EXISTS events_actor;
DROP INDEX IF EXISTS events_type;
DROP INDEX IF EXISTS events_recorded;
-- Evidence cited by its event id (eventsById). Built here when an older file is opened the first time.
CREATE INDEX IF NOT EXISTS events_id ON events (id);
-- The log's identity (a random id given once, when the file is created): see EventStore.logIdentity.
CREATE TABLE IF NOT EXISTS log_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;
const COLUMNS = 'position, stream, revision, id, type, data, metadata, occurred_at, recorded_at, hash';

/**
 * A row as the statements give it: raw, an array in COLUMNS' order. Reading 1M events in pages of 500 with a
 * large heap beside them (a rebuild's), the main thread took 6.3 / 10.2 s this way against 7.6 / 12.3 s with an
 * object per row (two alternating pairs, a scratch script).
 */
type Row = [position: number, stream: string, revision: number, id: string, type: string, data: string, metadata: string, occurredAt: string, recordedAt: string, hash: string];

interface PendingAppend {
  stream: string;
  /** The append as the writer thread reads it: JSON text (see encode). */
  text: string;
  expected: ExpectedRevision;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

export class SqliteEventStore implements EventStore {
  private readonly queue: PendingAppend[] = [];
  /** The group commit the writer thread is working on (at most one, so positions follow send order). */
  private flushing: Promise<void> | null = null;
  private scheduled = false;
  /** Idle subscriptions waiting for an in-process append. */
  private readonly wakers = new Set<() => void>();
  private readonly subscriptions = new Set<SqliteSubscription>();
  private closing: Promise<void> | null = null;
  private readonly writer: GroupCommitter;

  private readonly top: Database.Statement;
  private readonly last: Database.Statement;
  private readonly streamRows: Database.Statement;
  private readonly allRows: Database.Statement;

  private constructor(
    private readonly db: Database.Database,
    private readonly file: string,
    private readonly busyTimeoutMs: number,
    private readonly pollIntervalMs: number,
    /** A pinned clock stamps here; without one the writer thread reads the system clock inside the lock. */
    private readonly clock: (() => Date) | undefined,
    private readonly maxAppendBytes: number,
    private readonly verifyTuning: VerifyTuning,
  ) {
    this.top = db.prepare('SELECT position, hash FROM events ORDER BY position DESC LIMIT 1');
    this.last = db.prepare(`SELECT ${COLUMNS} FROM events ORDER BY position DESC LIMIT 1`).raw();
    this.streamRows = db.prepare(
      `SELECT ${COLUMNS} FROM events WHERE stream = @stream AND revision >= @from AND revision <= @to
         AND (@until IS NULL OR occurred_at <= @until) ORDER BY revision`,
    ).raw();
    this.allRows = db.prepare(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`).raw();
    // ':memory:' (and '') is one connection's private database: another thread could not see it.
    this.writer = file === ':memory:' || file === '' ? new InlineCommitter(db) : new AppendWriter(file, busyTimeoutMs);
  }

  static open(file: string, options: SqliteEventStoreOptions = {}): SqliteEventStore {
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    const db = new Database(file, { timeout: busyTimeoutMs });
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL'); // an acknowledged append survives power loss
      db.exec(SCHEMA);
      db.prepare("INSERT OR IGNORE INTO log_meta (key, value) VALUES ('identity', ?)").run(randomUUID());
    } catch (err) {
      db.close();
      throw storageError(err);
    }
    return new SqliteEventStore(db, file, busyTimeoutMs, options.pollIntervalMs ?? 150, options.clock, options.maxAppendBytes ?? DEFAULT_MAX_APPEND_BYTES, options.verify ?? {});
  }

  append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (this.closing) return Promise.reject(new Error('SqliteEventStore is closed'));
    let text: string;
    try {
      text = encode(stream, events, expected, this.maxAppendBytes);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ stream, text, expected, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Group commit: every append queued before the next macrotask, or while the writer thread commits
   * the previous group, shares one transaction (one fsync).
   */
  private schedule(): void {
    if (this.flushing || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.flushing || this.queue.length === 0) return;
      this.flushing = this.flush(this.queue.splice(0)).finally(() => {
        this.flushing = null;
        if (this.queue.length > 0) this.schedule();
      });
    });
  }

  private async flush(batch: PendingAppend[]): Promise<void> {
    let reply: GroupCommitReply;
    try {
      reply = await this.writer.request({
        kind: 'append',
        recordedAt: this.clock?.().toISOString(),
        // One string, not a tree of objects: copying it to the thread costs far less than cloning the tree.
        batch: `[${batch.map((pending) => pending.text).join(',')}]`,
      });
    } catch (err) {
      for (const pending of batch) pending.reject(err);
      return;
    }
    if (reply.failure) {
      const error = storageError(Object.assign(new Error(reply.failure.message), { code: reply.failure.code }));
      for (const pending of batch) pending.reject(error);
      return;
    }
    reply.outcomes!.forEach((outcome, i) => {
      const { stream, expected, resolve, reject } = batch[i]!;
      if ('wrongExpected' in outcome) reject(new WrongExpectedRevision(stream, expected, outcome.wrongExpected));
      else if ('error' in outcome) reject(new TypeError(outcome.error));
      else resolve(outcome);
    });
    for (const wake of this.wakers) wake();
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const rows = this.streamRows.all({
      stream,
      from: options.fromRevision ?? 0,
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

  async logIdentity(): Promise<string> {
    return this.db.prepare("SELECT value FROM log_meta WHERE key = 'identity'").pluck().get() as string;
  }

  async eventsById(ids: readonly string[]): Promise<RecordedEvent[]> {
    const wanted = [...new Set(ids)];
    const rows: Row[] = [];
    // In slices well under SQLite's limit on bound parameters (32,766).
    for (let i = 0; i < wanted.length; i += 500) {
      const slice = wanted.slice(i, i + 500);
      rows.push(...(this.db.prepare(`SELECT ${COLUMNS} FROM events WHERE id IN (${slice.map(() => '?').join(', ')})`).raw().all(slice) as Row[]));
    }
    return rows.sort((a, b) => a[0] - b[0]).map(toRecorded);
  }

  /** Positions here are 1, 2, 3… without gaps (events are never deleted): the head says how many follow. */
  async countAfter(afterPosition: number, atMost: number): Promise<number> {
    return Math.max(0, Math.min(atMost, this.head() - afterPosition));
  }

  async headPosition(): Promise<number> {
    return this.head();
  }

  /** From the file, not from memory: another process may have appended. */
  private head(): number {
    return (this.top.get() as { position: number } | undefined)?.position ?? 0;
  }

  async lastEvent(): Promise<RecordedEvent | null> {
    const row = this.last.get() as Row | undefined;
    return row ? toRecorded(row) : null;
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
  verify(options: VerifyOptions = {}): Promise<VerifyResult> {
    return verifyChain(this.db, this.file === ':memory:' || this.file === '' ? null : this.file, this.busyTimeoutMs, options, this.verifyTuning);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      // Appends already accepted get written first.
      while (this.flushing || this.scheduled) await (this.flushing ?? new Promise((resolve) => setImmediate(resolve)));
      await Promise.all([...this.subscriptions].map((s) => s.close()));
      await this.writer.close();
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

function toRecorded(row: Row): RecordedEvent {
  const [position, stream, revision, id, type, data, metadata, occurredAt, recordedAt, hash] = row;
  return { id, type, stream, revision, position, recordedAt, occurredAt, data: JSON.parse(data) as unknown, metadata: JSON.parse(metadata) as RecordedEvent['metadata'], hash };
}

/** Lock contention and I/O failures mean "try again later" (503); anything else is a bug. */
function storageError(err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN)/.test(code)) {
    return new Unavailable(`event store file: ${code}`, { cause: err });
  }
  return err;
}
