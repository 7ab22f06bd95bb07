// The embedded read store's file: opening and loading it, and what the store sends its writer thread
// (read-model-writer.worker.mjs) and when. Memory is always current; the file follows in one transaction
// per flush, documents and checkpoints together, so it always holds read models exactly as of its
// checkpoints and a crash only means replaying the log from them (the position guard makes that harmless).
import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { FileWriter } from './read-model-file-writer.js';
import { moveSharedLogTable } from './log-tables.mjs';
import type { Doc } from './read-store.js';

/**
 * How long changed documents may wait in memory before they are written to disk (0: at every commit), and
 * how many. Reads never wait for it (memory is current; a log read flushes first), and a crash only replays
 * the log from the checkpoints written. 500 ms, not 100: a hot document is written once per flush, and a
 * larger transaction rewrites each index page once for more rows. Commands over HTTP (register + PATCH,
 * 50 clients, alternating runs): the writer thread's CPU per command 107-122 → 72-100 µs, 2,689 → 2,929/s.
 */
export const DEFAULT_PERSIST_DELAY_MS = 500;
const PERSIST_MAX_DOCS = 20_000;
/**
 * A timed flush serialises this many documents between two turns of the event loop (see flushInSlices).
 * In one piece, a flush under 50 clients' POSTs (~2,000 documents and ~4,000 log rows) held the event loop
 * 23.5 ms at the median and up to 51 ms: every request arriving meanwhile waited, and the commands' p99 was
 * 45-71 ms.
 */
const FLUSH_PART_DOCS = 250;
/**
 * Outside a bulk, log documents go ahead of their flush once this many wait, kept by the writer for the
 * flush's transaction: cloned for it all at once, a flush's ~4,000 (an audit entry and a history row per
 * POST) held the event loop 6-17 ms. Written ahead in transactions of their own instead, the writer thread
 * took 59-62 → 76-86 µs per command and the commands 5-8 % fewer.
 */
const LIVE_LOG_ROWS = 1_000;
/**
 * In bulk mode, the log documents sent to the writer at a time. A message of 20,000 rows lives on both
 * threads while it is cloned and written row by row, long enough (it seems) to reach the old generation:
 * with 2,000 the writer's collections over a 1M rebuild fell from 7.5 to 0.6 s. That rebuild, alternating:
 * 57.7 / 65.0 → 48.3 / 55.3 s, CPU user 74 / 88 → 60 / 73 s (500 rows: no better than 2,000).
 */
const BULK_LOG_ROWS = 2_000;
/** Documents written between two turns of the event loop at a bulk's end (at a million events 20,000 took 0.6–1.0 s to serialise). */
const END_PART_DOCS = 4_000;
/**
 * Parts of a bulk's end sent ahead of the writer. Sent all at once, they waited in its queue, serialised
 * outside either heap (~200 MB of text at a million events, two bytes a character with Chinese in it).
 */
const END_PARTS_AHEAD = 2;
/** The writer thread's field and row separators (collection names never hold them). */
const holdsSeparator = (id: string) => id.includes('\u0001') || id.includes('\u0002');

/**
 * The documents' table: rows in rowid order with a unique (collection, id) index. It was a WITHOUT ROWID
 * table keyed by (collection, id), which SQLite advises against for rows over ~1/20 of a page: a project's
 * document (~1.5 KB) inserted at a random key moved whole pages about. Upserting 40,000 such documents and
 * then as many updates, 225 per commit (timed alone): 46-52 µs per write that way, 26-27 µs this way.
 */
const DOCS_COLUMNS = 'collection TEXT NOT NULL, id TEXT NOT NULL, json TEXT NOT NULL, UNIQUE (collection, id)';

/** A file of an earlier version: its WITHOUT ROWID documents' table becomes the rowid table, in one transaction. */
function moveDocsToRowidTable(db: Database.Database): void {
  const sql = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'docs'").pluck().get() as string | undefined;
  if (!sql || !/WITHOUT\s+ROWID/i.test(sql)) return;
  db.transaction(() => {
    db.exec(`CREATE TABLE docs_rowid (${DOCS_COLUMNS});
             INSERT INTO docs_rowid (collection, id, json) SELECT collection, id, json FROM docs ORDER BY collection, id;
             DROP TABLE docs;
             ALTER TABLE docs_rowid RENAME TO docs;`);
  })();
}

/** What a read-model file held when it was opened. */
export interface FileContents {
  file: string;
  /** The documents in the order they were first written (an upsert keeps a document's row); each row's text is parsed by the caller. */
  docs: Iterable<{ collection: string; id: string; json: string }>;
  checkpoints: { name: string; position: number }[];
  meta: { key: string; value: string }[];
}

/**
 * Opens (or creates) `<dir>/read-models.db` and hands `load` what it holds, the documents of `skip`'s
 * collections left out (about to be reset: a rebuild); from then on only the writer thread touches the
 * file (and read-only connections of the log collections).
 */
export function openReadModelFile(dir: string, load: (contents: FileContents) => void, skip: readonly string[] = []): void {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'read-models.db');
  // A rebuild was being written here without fsyncs and did not finish (see the worker's `unsynced`):
  // after a power cut the file may be torn. It held nothing the log cannot give again: start afresh.
  if (fs.existsSync(`${file}.unsynced`)) for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}.unsynced`]) fs.rmSync(f, { force: true });
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL'); // read models are disposable: losing the last commits only means replaying them
    db.exec(`CREATE TABLE IF NOT EXISTS docs (${DOCS_COLUMNS});
             CREATE TABLE IF NOT EXISTS checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`);
    moveSharedLogTable(db); // a file of an earlier version: its one log table becomes a table per collection
    moveDocsToRowidTable(db);
    // As they stood in memory before the restart; a moved file's documents in (collection, id) order, as it gave them.
    load({
      file,
      docs: db
        .prepare(`SELECT collection, id, json FROM docs ${skip.length > 0 ? `WHERE collection NOT IN (${skip.map(() => '?').join(', ')})` : ''} ORDER BY rowid`)
        .iterate(...skip) as Iterable<{ collection: string; id: string; json: string }>,
      checkpoints: db.prepare('SELECT name, position FROM checkpoints').all() as { name: string; position: number }[],
      meta: db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[],
    });
  } finally {
    db.close();
  }
}

type Entry = { collection: string; doc: Doc };
/** A log document in the writer's format: collection, id, position, the op's set, row after row (see the worker). */
type LogRows = (string | number | Record<string, unknown>)[];

/**
 * What waits to be written to the file, and the writes sent: documents changed since the last flush,
 * checkpoints reached, log documents. `current` gives a document as memory holds it now; `inBulk` and
 * `closed` are the store's state.
 */
export class FileSync {
  private readonly dirty = new Map<string, Entry>();
  private readonly dirtyCheckpoints = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private pendingLog: LogRows = [];
  /**
   * Log documents the writer keeps for its next transaction (sendLogAhead): a log read flushes first, and
   * they count towards PERSIST_MAX_DOCS as if they waited here.
   */
  private rowsAhead = 0;
  /** A timed flush under way (flushInSlices): what it took, and the text of the documents serialised so far. */
  private flushing: { entries: Entry[]; checkpoints: [string, number][]; next: number; parts: string[]; odd: string[][] } | null = null;
  /**
   * In a bulk the writer takes without fsyncs (the worker's `unsynced`: a rebuild into a store holding
   * nothing yet), the checkpoint names it is for: a log write under any other name (the access log's,
   * which the log cannot give again) has the file made durable first.
   */
  private unsyncedFor: ReadonlySet<string> | null = null;
  /** The last write sent to the file: log reads wait for it, so they see every commit before them. */
  written: Promise<void> = Promise.resolve();

  private readonly writer: FileWriter;

  constructor(
    file: string,
    private readonly delayMs: number,
    private readonly current: (collection: string, id: string) => Doc | undefined,
    private readonly state: { inBulk(): boolean; closed(): boolean },
  ) {
    this.writer = new FileWriter(file);
  }

  /** A write the writer thread refused (or a timed flush that could not be sent): the next commit throws it. */
  get failure(): Error | null {
    return this.writer.failure;
  }

  /** Any message to the writer, written after everything sent before it. */
  send(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<void> {
    return (this.written = this.writer.send(message, transfer));
  }

  /** Nothing waits here or on the writer thread (a bulk into an empty store may then go unsynced). */
  get holdsNothing(): boolean {
    return this.dirty.size === 0 && this.pendingLogRows === 0 && this.rowsAhead === 0;
  }

  /** Log documents wait to be written: a read of the file must flush them first. */
  get logWaiting(): boolean {
    return this.pendingLogRows > 0 || this.rowsAhead > 0;
  }

  logRow(collection: string, id: string, position: number, set: Record<string, unknown>): void {
    this.pendingLog.push(collection, id, position, set);
  }

  /** A commit: its changed documents and the checkpoint it reached wait for the next flush. */
  committed(changed: Map<string, Entry>, checkpointName: string, checkpoint: number): void {
    for (const [key, change] of changed) this.dirty.set(key, change);
    this.dirtyCheckpoints.set(checkpointName, checkpoint);
    this.schedule();
  }

  /** A bulk begins (see EmbeddedReadStore.setBulk): unsynced for `checkpointNames` when the store holds nothing yet. */
  bulkBegins(checkpointNames: readonly string[], storeEmpty: boolean): void {
    this.finishFlush();
    this.unsyncedFor = checkpointNames.length > 0 && storeEmpty && this.holdsNothing ? new Set(checkpointNames) : null;
    this.send({ kind: 'bulk', on: true, unsynced: this.unsyncedFor !== null });
  }

  /** The bulk's end, once its documents are sent: the writer makes the file durable. */
  bulkEnds(): void {
    this.unsyncedFor = null;
    if (!this.state.closed()) this.send({ kind: 'bulk', on: false });
  }

  /** A log write under a name the unsynced bulk is not for: the file is made durable first (see `unsyncedFor`). */
  syncBeforeLogWrite(checkpointName: string): void {
    if (this.unsyncedFor === null || this.unsyncedFor.has(checkpointName)) return;
    this.unsyncedFor = null;
    this.send({ kind: 'sync' });
  }

  /**
   * Writes what waits, in one transaction: the documents changed since the last flush and the checkpoints
   * reached. Coalescing saves rewriting the same hot documents (statistics counters) at every batch.
   * Many documents (a close or a meta write during a bulk: every one it wrote; its end goes through
   * persistInSlices) go in parts of PERSIST_MAX_DOCS, the checkpoints with the last: a part written ahead
   * of them only holds documents at positions the checkpoints have not reached, which a replay from them
   * leaves as they are (the position guard).
   */
  persist(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.finishFlush(); // what a timed flush took goes first, with its checkpoints
    if (this.nothingToWrite) return;
    const [entries, checkpoints] = this.takeDirty();
    for (let from = 0; from === 0 || from < entries.length; from += PERSIST_MAX_DOCS) {
      this.sendPart(entries.slice(from, from + PERSIST_MAX_DOCS), from + PERSIST_MAX_DOCS >= entries.length ? checkpoints : [], false);
    }
  }

  /**
   * A bulk's end: every document it left to write goes to the file in parts, a turn of the event loop
   * between them, the checkpoints with the last. Each part takes the documents as memory holds them then,
   * so a newer version written meanwhile by a commit between parts is never followed by an older one.
   */
  async persistInSlices(): Promise<void> {
    this.finishFlush();
    const [entries, checkpoints] = this.takeDirty();
    const sent: Promise<void>[] = [];
    for (let from = 0; from === 0 || from < entries.length; from += END_PART_DOCS) {
      if (sent.length >= END_PARTS_AHEAD) await sent.shift();
      if (from > 0) await nextTurn(); // a write answered already would not turn the event loop
      if (this.state.closed()) return; // closing wrote what memory holds apart from these; their checkpoints were never written
      this.sendPart(entries.slice(from, from + END_PART_DOCS), from + END_PART_DOCS >= entries.length ? checkpoints : [], true);
      sent.push(this.written);
    }
  }

  /** What waits to be written, and nothing waiting after. */
  private takeDirty(): [Entry[], [string, number][]] {
    const taken: [Entry[], [string, number][]] = [[...this.dirty.values()], [...this.dirtyCheckpoints]];
    this.dirty.clear();
    this.dirtyCheckpoints.clear();
    return taken;
  }

  /**
   * Documents to the writer thread with the pending log documents and `checkpoints` (those of the last part);
   * serialised here (the documents are this thread's), documents as one string, log documents as one array.
   * `fromMemory`: each document as memory holds it now (see persistInSlices).
   */
  private sendPart(entries: Entry[], checkpoints: [string, number][], fromMemory: boolean): void {
    const docs: string[] = [];
    const odd: string[][] = [];
    this.serialise(entries, 0, entries.length, fromMemory, docs, odd);
    this.send({ kind: 'persist', docs: docs.join('\u0002'), logDocs: this.takeLogRows(), checkpoints, odd: { docs: odd } });
    this.rowsAhead = 0; // written in that transaction
  }

  /** Entries [from, to) as the writer's rows: in `docs`, or in `odd` when an id holds a separator. */
  private serialise(entries: Entry[], from: number, to: number, fromMemory: boolean, docs: string[], odd: string[][]): void {
    for (let i = from; i < to; i++) {
      const entry = entries[i]!;
      const doc = fromMemory ? this.current(entry.collection, entry.doc._id) : entry.doc;
      if (!doc) continue; // its collection was reset since
      const row = [entry.collection, doc._id, JSON.stringify(doc)];
      if (holdsSeparator(doc._id)) odd.push(row);
      else docs.push(row.join('\u0001'));
    }
  }

  /**
   * A timed flush: the documents changed since the last one, as they were when it began (stored versions
   * are never modified), serialised FLUSH_PART_DOCS at a time with a turn of the event loop between, then
   * sent in one message with their checkpoints: one transaction, as persist() writes. Anything else that
   * writes to the file first completes it at once (finishFlush), so the writes keep their order.
   */
  private async flushInSlices(): Promise<void> {
    this.timer = null;
    this.finishFlush();
    if (this.nothingToWrite) return;
    const [entries, checkpoints] = this.takeDirty();
    const flush = (this.flushing = { entries, checkpoints, next: 0, parts: [], odd: [] });
    while (flush.next < entries.length) {
      if (flush.next > 0) await nextTurn();
      if (this.flushing !== flush) return; // completed meanwhile by finishFlush
      this.serialiseSlice(flush, Math.min(entries.length, flush.next + FLUSH_PART_DOCS));
    }
    this.finishFlush();
  }

  /** The timed flush's documents up to `to`, as one more part of its text. */
  private serialiseSlice(flush: NonNullable<FileSync['flushing']>, to: number): void {
    const docs: string[] = [];
    this.serialise(flush.entries, flush.next, to, false, docs, flush.odd);
    if (docs.length > 0) flush.parts.push(docs.join('\u0002'));
    flush.next = to;
  }

  /** A timed flush that could not be sent: the next commit throws it, as a write the writer refused. */
  private readonly failFlush = (error: unknown): void => {
    this.writer.failure ??= error instanceof Error ? error : new Error(String(error));
  };

  /** The timed flush under way, if any: the rest of its documents serialised now, and sent. */
  private finishFlush(): void {
    const flush = this.flushing;
    if (flush === null) return;
    this.flushing = null;
    this.serialiseSlice(flush, flush.entries.length);
    this.send({ kind: 'persist', docs: flush.parts, logDocs: this.takeLogRows(), checkpoints: flush.checkpoints, odd: { docs: flush.odd } });
    this.rowsAhead = 0;
  }

  /** Nothing changed since the last flush, and no log document waits here or on the writer thread. */
  private get nothingToWrite(): boolean {
    return this.dirtyCheckpoints.size === 0 && this.holdsNothing;
  }

  /** The pending log documents in the writer's format, and none pending after. */
  private takeLogRows(): LogRows {
    const rows = this.pendingLog;
    this.pendingLog = [];
    return rows;
  }

  private get pendingLogRows(): number {
    return this.pendingLog.length / 4;
  }

  private schedule(): void {
    if (this.state.inBulk()) {
      // In bulk mode the log documents go ahead alone, without a checkpoint: written once each, they are
      // ignored when a crash replays them. The other documents and the checkpoints wait for the bulk's end
      // (setBulk): written at every flush, documents changed all along (projects, counters) were serialised
      // again at each, 8 % of a rebuild's main thread at a million events. A crash meanwhile replays the bulk.
      if (this.pendingLogRows >= BULK_LOG_ROWS) this.sendLogAhead();
      return;
    }
    const waiting = this.dirty.size + this.pendingLogRows + this.rowsAhead;
    if (this.delayMs === 0 || waiting >= PERSIST_MAX_DOCS) return this.persist();
    if (this.pendingLogRows >= LIVE_LOG_ROWS) this.sendLogAhead();
    this.timer ??= setTimeout(() => void this.flushInSlices().catch(this.failFlush), this.delayMs);
  }

  /**
   * The pending log documents alone, without a checkpoint (see schedule): in a bulk written at once,
   * outside one kept by the writer until its next transaction (a log read then flushes: `rowsAhead`).
   */
  private sendLogAhead(): void {
    const logDocs = this.takeLogRows();
    if (this.state.inBulk()) {
      this.send({ kind: 'persist', docs: '', logDocs, checkpoints: [], odd: { docs: [] } });
      this.rowsAhead = 0; // a persist message writes those the writer kept too
    } else {
      this.rowsAhead += logDocs.length / 4;
      this.send({ kind: 'logAhead', logDocs });
    }
  }

  /** Waits for every write sent so far, then stops the writer thread. */
  close(): Promise<void> {
    return this.writer.close();
  }
}
