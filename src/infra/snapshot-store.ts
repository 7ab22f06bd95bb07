// Snapshots of streams' decided state: a cache beside the log, never the record. A cold load of a long
// stream read every event of it (a project of the 1M bench log: 42 on average, up to 364; ~0.6 ms on the
// main thread, each event a page of its own in a log kept in global order); from a snapshot it reads one
// row and the events after it. A snapshot names the event it was taken at, and a load uses it only when
// the log still holds that event at that revision, so a lost, stale or foreign file costs time, never truth.
import Database from 'better-sqlite3';

export interface Snapshot {
  /** The revision of the last event the state includes. */
  revision: number;
  /** That event's id: the load checks the log still has it there. */
  eventId: string;
  /** The state as JSON text (made when the snapshot was taken: the state may not be touched after). */
  state: string;
}

export interface SnapshotStore {
  /** The latest snapshot of the stream taken by code of this fingerprint, if any. */
  get(stream: string): Snapshot | undefined;
  /** Kept for later cold loads: written in batches, and may be lost (a cache). */
  put(stream: string, snapshot: Snapshot): void;
  /** Writes what is waiting, then closes. */
  close(): void;
  /** Reads and writes that failed since it opened: each a miss, the load reading the whole stream (GET /metrics). */
  readonly failures: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS snapshots (
  stream      TEXT    PRIMARY KEY,
  fingerprint TEXT    NOT NULL, -- the domain code that evolved the state: another code's snapshot is not used
  revision    INTEGER NOT NULL,
  event_id    TEXT    NOT NULL,
  state       TEXT    NOT NULL
);`;

export class SqliteSnapshotStore implements SnapshotStore {
  private readonly pending = new Map<string, Snapshot>();
  private timer: NodeJS.Timeout | null = null;
  /** Reads and batches that failed (SQLITE_BUSY past the timeout, a full disk, a damaged file): a cache's miss. */
  failures = 0;
  private readonly read: Database.Statement;
  private readonly write: Database.Statement;

  private constructor(
    private readonly db: Database.Database,
    private readonly fingerprint: string,
    private readonly flushMs: number,
  ) {
    this.read = db.prepare('SELECT revision, event_id, state FROM snapshots WHERE stream = ? AND fingerprint = ?').raw();
    // A newer snapshot is never replaced by an older one (two processes, or a late batch).
    this.write = db.prepare(
      `INSERT INTO snapshots (stream, fingerprint, revision, event_id, state) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (stream) DO UPDATE SET fingerprint = excluded.fingerprint, revision = excluded.revision,
         event_id = excluded.event_id, state = excluded.state
       WHERE excluded.revision > snapshots.revision OR snapshots.fingerprint <> excluded.fingerprint`,
    );
  }

  /** `fingerprint`: of the code that evolves states; snapshots of any other are deleted here. */
  static open(file: string, fingerprint: string, options: { flushMs?: number } = {}): SqliteSnapshotStore {
    const db = new Database(file, { timeout: 1000 });
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL'); // a cache: a commit lost to a power cut is taken again later
      db.exec(SCHEMA);
      db.prepare('DELETE FROM snapshots WHERE fingerprint <> ?').run(fingerprint);
    } catch (err) {
      db.close();
      throw err;
    }
    return new SqliteSnapshotStore(db, fingerprint, options.flushMs ?? 200);
  }

  get(stream: string): Snapshot | undefined {
    const waiting = this.pending.get(stream);
    if (waiting) return waiting;
    try {
      const row = this.read.get(stream, this.fingerprint) as [number, string, string] | undefined;
      return row && { revision: row[0], eventId: row[1], state: row[2] };
    } catch {
      this.failures++; // a command never fails for its cache: the load reads the whole stream
      return undefined;
    }
  }

  put(stream: string, snapshot: Snapshot): void {
    const waiting = this.pending.get(stream);
    if (waiting && waiting.revision >= snapshot.revision) return;
    this.pending.set(stream, snapshot);
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  /** One transaction for what is waiting. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.size === 0) return;
    const batch = [...this.pending];
    this.pending.clear();
    try {
      this.db.transaction(() => {
        for (const [stream, s] of batch) this.write.run(stream, this.fingerprint, s.revision, s.eventId, s.state);
      })();
    } catch {
      this.failures++; // dropped: the next cold loads take them again
    }
  }

  close(): void {
    this.flush();
    this.db.close();
  }
}
