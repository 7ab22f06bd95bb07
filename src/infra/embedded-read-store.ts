// The embedded read store: documents in memory (one Map per collection) queried with mingo, mirrored to
// SQLite so a restarted process resumes from its checkpoints instead of rebuilding every projection.
import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { Aggregator, Query } from 'mingo';
import { LogCollections, checkLogOp, logIndexSql } from './embedded-log-collections.js';
import { type Primitive, Writer, checkDocOp, deepFreeze, isPlainObject, isPrimitive, reflects } from './embedded-doc-ops.js';
import { EqualityIndex, equalityValues, intersect } from './embedded-equality-index.js';
import { FileWriter } from './read-model-file-writer.js';
import { coalesceCounts, mergedParts, sumsExactly } from './embedded-coalesce.js';
import { moveSharedLogTable } from './log-tables.mjs';
import { sortNatively } from './embedded-sort.js';
import { equalityTest } from './embedded-filter.js';
import { EXPORT_THREADS_FROM, exportThreadsFree, linesOf, linesOnThreads } from './line-export.js';
import { isPlainPrototype, parseDoc } from './doc-realm.js';
import { type Doc, type DocOp, type ExportChunk, type ExportOptions, type Filter, type FindOptions, type IndexSpec, type NumberedBatch, type ReadStore, type StreamOptions, checkNumberedFirst, numberedOps } from './read-store.js';

export { applyDocOp, checkDocOp, leafPaths, pathsOverlap } from './embedded-doc-ops.js';

// Filters may be built from request input: no server-side JavaScript ($where, $function).
const MINGO_OPTIONS = { scriptEnabled: false };
const QUERY_CACHE_SIZE = 64;

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
const LOG_COLLECTIONS_KEY = 'log-collections';
/**
 * Documents frozen, and documents written, between two turns of the event loop at a bulk's end (see
 * setBulk). At a million events a part of 20,000 documents took 0.6–1.0 s to serialise, 50,000 to freeze ~0.5 s.
 */
const END_SLICE_DOCS = 10_000;
const END_PART_DOCS = 4_000;
/** The writer thread's field and row separators (collection names never hold them). */
const holdsSeparator = (id: string) => id.includes('\u0001') || id.includes('\u0002');

/** Plain objects of either context; not null-prototype ones (never cached before the documents' context). */
const plainProto = (proto: unknown) => proto !== null && isPlainPrototype(proto);

/** A cache key for a filter made of plain JSON values; null (do not cache) for anything else, e.g. a RegExp. */
function cacheKey(collection: string, filter: Filter, sort?: Record<string, 1 | -1>): string | null {
  let plainJson = true;
  const text = JSON.stringify([filter, sort ?? null], (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !plainProto(Object.getPrototypeOf(v))) plainJson = false;
    return v;
  });
  return plainJson ? `${collection}\u0000${text}` : null;
}

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

/**
 * A numbered batch's text as the writer thread takes it: every line `{…}` and ending in a line feed (read
 * as bytes, not decoded on this thread). A line that is not JSON would fail the writer's transaction.
 */
function checkNumbered(batch: NumberedBatch): void {
  const { lines, first } = batch;
  checkNumberedFirst(first);
  if (lines.byteLength > 0 && lines[lines.byteLength - 1] !== 10) throw new Error('numbered documents: every line ends in a line feed');
  for (let start = 0, n = first; start < lines.byteLength; n++) {
    const end = lines.indexOf(10, start);
    if (lines[start] !== 0x7b || lines[end - 1] !== 0x7d || end - start < 2) throw new Error(`numbered document ${n}: a line is one JSON object`);
    start = end + 1;
  }
}

export class EmbeddedReadStore implements ReadStore {
  private readonly collections = new Map<string, Map<string, Doc>>();
  private readonly checkpoints = new Map<string, number>();
  private readonly meta = new Map<string, string>();
  private readonly indexSpecs: IndexSpec[] = [];
  private readonly indexes = new Map<string, Map<string, EqualityIndex>>(); // collection → field → index
  private readonly versions = new Map<string, number>(); // bumped by every change to a collection
  private readonly cache = new Map<string, { version: number; docs: Doc[] }>();
  private readonly aggregates = new Map<string, { version: number; docs: Doc[] }>();
  private readonly dirty = new Map<string, { collection: string; doc: Doc }>();
  private readonly dirtyCheckpoints = new Map<string, number>();
  private persistTimer: NodeJS.Timeout | null = null;
  /**
   * Log documents the writer keeps for its next transaction (sendLogAhead): a log read flushes first, and
   * they count towards PERSIST_MAX_DOCS as if they waited here.
   */
  private rowsAhead = 0;
  /** A timed flush under way (flushInSlices): what it took, and the text of the documents serialised so far. */
  private flushing: { entries: { collection: string; doc: Doc }[]; checkpoints: [string, number][]; next: number; parts: string[]; odd: string[][] } | null = null;
  private closed = false;
  /** Append-only collections (declareLogCollections); with a file they live in it, not in memory. */
  private readonly logNames = new Set<string>();
  /** Log documents not yet sent, in the writer's format: collection, id, position, the op's set, row after row (see the worker). */
  private pendingLog: (string | number | Record<string, unknown>)[] = [];
  /** The last write sent to the file: log reads wait for it, so they see every commit before them. */
  private written: Promise<void> = Promise.resolve();
  /** In bulk mode: the documents written in place since it began (sealed at its end). */
  private bulk: Set<string> | null = null;
  /** From a bulk's end until its equality indexes are built again: reads scan. */
  private staleIndexes = false;
  /**
   * In a bulk the writer takes without fsyncs (the worker's `unsynced`: a rebuild into a store holding
   * nothing yet), the checkpoint names it is for: a log write under any other name (the access log's,
   * which the log cannot give again) has the file made durable first.
   */
  private unsyncedFor: ReadonlySet<string> | null = null;
  private bulkFailure: Error | null = null;
  /** Made by fromDocs for one answer: the next page of a sort is unlikely to be asked of it. */
  private oneAnswer = false;
  private readonly closers: (() => Promise<void> | void)[] = [];

  private constructor(
    private readonly db: FileWriter | null,
    private readonly persistDelayMs = DEFAULT_PERSIST_DELAY_MS,
    private readonly logs: LogCollections | null = null,
    private readonly exportThreadsFrom = EXPORT_THREADS_FROM,
  ) {}

  /**
   * An in-memory store over documents taken as they are (frozen here unless `frozen` says they are): no
   * copy, no op. Made for one answer: a sorted page is chosen without sorting every match (see find).
   */
  static fromDocs(collections: Map<string, Map<string, Doc>>, options: { frozen?: boolean } = {}): EmbeddedReadStore {
    const store = new EmbeddedReadStore(null);
    store.oneAnswer = true;
    for (const [collection, docs] of collections) {
      if (!options.frozen) for (const doc of docs.values()) deepFreeze(doc);
      store.collections.set(collection, docs);
    }
    return store;
  }

  /**
   * Opens (or creates) `<dir>/read-models.db` and loads it; `null` keeps everything in memory only.
   * `exportThreadsFrom`: the documents an export of a log collection must reach to be made on threads of
   * its own (line-export.ts).
   */
  static open(dir: string | null, options: { persistDelayMs?: number; exportThreadsFrom?: number } = {}): EmbeddedReadStore {
    if (dir === null) return new EmbeddedReadStore(null);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'read-models.db');
    // A rebuild was being written here without fsyncs and did not finish (see the worker's `unsynced`):
    // after a power cut the file may be torn. It held nothing the log cannot give again: start afresh.
    if (fs.existsSync(`${file}.unsynced`)) for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}.unsynced`]) fs.rmSync(f, { force: true });
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL'); // read models are disposable: losing the last commits only means replaying them
    db.exec(`CREATE TABLE IF NOT EXISTS docs (${DOCS_COLUMNS});
             CREATE TABLE IF NOT EXISTS checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`);
    moveSharedLogTable(db); // a file of an earlier version: its one log table becomes a table per collection
    moveDocsToRowidTable(db);
    const store = new EmbeddedReadStore(new FileWriter(file), options.persistDelayMs, new LogCollections(file), options.exportThreadsFrom);
    // In the order they were first written (an upsert keeps a document's row), as they stood in memory
    // before the restart; a moved file's documents in (collection, id) order, as it gave them.
    const rows = db.prepare('SELECT collection, id, json FROM docs ORDER BY rowid').iterate() as Iterable<{ collection: string; id: string; json: string }>;
    for (const row of rows) {
      store.docs(row.collection).set(row.id, deepFreeze(parseDoc(row.json) as Doc));
    }
    for (const row of db.prepare('SELECT name, position FROM checkpoints').all() as { name: string; position: number }[]) {
      store.checkpoints.set(row.name, row.position);
    }
    for (const row of db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]) store.meta.set(row.key, row.value);
    // Declared by an earlier run: a store opened only to be read (an investigation, a test) finds them too.
    for (const c of JSON.parse(store.meta.get(LOG_COLLECTIONS_KEY) ?? '[]') as string[]) store.logNames.add(c);
    db.close(); // from now on only the writer thread touches the file
    return store;
  }

  private docs(collection: string): Map<string, Doc> {
    let docs = this.collections.get(collection);
    if (!docs) this.collections.set(collection, (docs = new Map()));
    return docs;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('EmbeddedReadStore is closed');
  }

  /** The documents worth testing against `filter`: by `_id` directly, else as narrowed by the indexes. */
  private candidates(collection: string, filter: Filter): Iterable<Doc> {
    const docs = this.docs(collection);
    const ids = '_id' in filter ? equalityValues(filter._id) : null;
    if (ids !== null) return ids.map((id) => docs.get(String(id))).filter((d): d is Doc => d !== undefined);
    const narrowed = this.narrow(collection, filter);
    if (narrowed === null) return docs.values();
    return [...narrowed].map((id) => docs.get(id)).filter((d): d is Doc => d !== undefined);
  }

  /**
   * The ids that can match `filter` according to the equality indexes (equality, $in, $all; through
   * $and, and through $or when every branch narrows), or null when nothing narrows it. Always a superset
   * of the matches: mingo still tests every candidate. Multikey indexes (a text field's bigrams) turn a
   * substring search into a few set intersections, as MongoDB's multikey indexes do.
   */
  private narrow(collection: string, filter: Filter): Set<string> | null {
    if (this.bulk !== null || this.staleIndexes) return null; // the indexes are rebuilt when the bulk ends
    let best: Set<string> | null = null;
    const take = (ids: Set<string>) => {
      best = best === null ? ids : intersect(best, ids);
    };
    for (const [field, index] of this.indexes.get(collection) ?? []) {
      if (!(field in filter)) continue;
      const condition = filter[field];
      const values = equalityValues(condition);
      if (values !== null) take(index.candidates(values));
      else if (isPlainObject(condition) && Array.isArray(condition.$all) && condition.$all.length > 0 && condition.$all.every(isPrimitive)) {
        for (const v of condition.$all as Primitive[]) take(index.candidates([v]));
      }
    }
    if (Array.isArray(filter.$and)) {
      for (const part of filter.$and as Filter[]) {
        const ids = this.narrow(collection, part);
        if (ids !== null) take(ids);
      }
    }
    if (Array.isArray(filter.$or) && filter.$or.length > 0) {
      const branches = (filter.$or as Filter[]).map((part) => this.narrow(collection, part));
      if (branches.every((b) => b !== null)) take(new Set(branches.flatMap((b) => [...b!])));
    }
    return best;
  }

  /**
   * The stored documents matching `filter` (sorted when asked), remembered until the next commit to the
   * collection: public reads repeat the same few queries, and a commit is the only thing that changes
   * their answer. Stored documents are never modified in place, so sharing them here is safe.
   */
  private matches(collection: string, filter: Filter, sort?: Record<string, 1 | -1>): readonly Doc[] {
    const key = cacheKey(collection, filter, sort);
    const version = this.versions.get(collection) ?? 0;
    const hit = key === null ? undefined : this.cache.get(key);
    if (hit && hit.version === version) {
      this.cache.delete(key!); // refresh its place in the LRU order
      this.cache.set(key!, hit);
      return hit.docs;
    }
    let docs: Doc[];
    if (sort) {
      const matched = this.matches(collection, filter);
      docs = sortNatively(matched, sort) ?? new Query({}, MINGO_OPTIONS).find<Doc>(matched).sort(sort).all();
    } else {
      // Compiled when a candidate needs it: compiling is most of the cost of a filter that narrows to
      // nothing (the demand pushes ask for the outbox of every committed batch: 5 % of a command's main thread).
      let query: Query | undefined;
      const byMingo = (doc: Doc) => (query ??= new Query(filter, MINGO_OPTIONS)).test(doc);
      const test = equalityTest(filter, byMingo) ?? byMingo;
      docs = [];
      for (const doc of this.candidates(collection, filter)) if (test(doc)) docs.push(doc);
    }
    if (key !== null) {
      this.cache.set(key, { version, docs });
      if (this.cache.size > QUERY_CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    }
    return docs;
  }

  /** True when `collection` is kept in the file: its reads first wait for the writes sent before them. */
  private async onFile(collection: string): Promise<boolean> {
    if (!this.logs || !this.logNames.has(collection)) return false;
    if (this.pendingLogRows > 0 || this.rowsAhead > 0) this.persist();
    await this.written;
    if (this.db?.failure) throw this.db.failure;
    return true;
  }

  /**
   * The file holding `collection` (a log collection) once every write sent before this call is in it, so
   * a connection of another thread reads there what this store would; null when it is kept in memory.
   */
  async logFileOf(collection: string): Promise<string | null> {
    return (await this.onFile(collection)) ? this.logs!.file : null;
  }

  /** Runs `fn` when the store closes (a thread reading its file ends with it). */
  onClose(fn: () => Promise<void> | void): void {
    this.closers.push(fn);
  }

  /**
   * Bulk mode, for a long catch-up (a rebuild): documents are written in place, neither copied nor
   * frozen, and written to the file less often. Answers read meanwhile may mix positions (they are
   * behind anyway: /ready says so). Leaving it freezes what was written, as every commit does outside it.
   */
  async setBulk(on: boolean, checkpointNames: readonly string[] = []): Promise<void> {
    this.assertOpen();
    if (on) {
      if (this.bulk === null && this.db) {
        this.finishFlush();
        // Unsynced only into a store holding nothing yet: the worker checks its file, this its memory.
        const nothing = this.checkpoints.size === 0 && this.dirty.size === 0 && this.pendingLogRows === 0 && this.rowsAhead === 0;
        this.unsyncedFor = checkpointNames.length > 0 && nothing ? new Set(checkpointNames) : null;
        this.written = this.db.send({ kind: 'bulk', on: true, unsynced: this.unsyncedFor !== null });
      }
      // The equality indexes are not kept up to date meanwhile (re-indexing a project's hundreds of
      // bigrams at every change was a rebuild's largest single cost): reads scan, and the end rebuilds them.
      this.bulk ??= new Set();
      return;
    }
    const touched = this.bulk;
    if (touched === null) return;
    // The end is seconds of work at a million events (every document the bulk wrote frozen, serialised for
    // the file, indexed again): done in slices with a turn of the event loop between them, so a server
    // rebuilding still answers meanwhile. While freezing the store stays in bulk mode: a commit made between
    // slices (the access log's) copies what is frozen and names its document again, which is then frozen
    // in its turn (each name leaves the set as it is frozen).
    let n = 0;
    for (const key of touched) {
      touched.delete(key);
      const [collection, id] = key.split('\u0000') as [string, string];
      const doc = this.collections.get(collection)?.get(id);
      if (doc) deepFreeze(doc);
      if (++n % END_SLICE_DOCS === 0) await nextTurn();
    }
    // Then out of bulk mode (commits copy on write again), the reads scanning until every index is built again.
    this.bulk = null;
    this.staleIndexes = true;
    await this.persistInSlices();
    for (const [collection, byField] of [...this.indexes]) {
      for (const field of [...byField.keys()]) {
        // Built whole from memory as it is: a commit between slices kept the old one, this one has it too.
        const index = new EqualityIndex(field);
        for (const doc of this.docs(collection).values()) index.add(doc);
        byField.set(field, index);
        await nextTurn();
      }
    }
    this.staleIndexes = false;
    this.unsyncedFor = null; // the writer makes the file durable at the bulk's end
    if (this.db && !this.closed) this.written = this.db.send({ kind: 'bulk', on: false });
  }

  /**
   * A bulk's end: every document it left to write goes to the file in parts, a turn of the event loop
   * between them, the checkpoints with the last (a part written ahead of them only holds documents at
   * positions they have not reached). Each part takes the documents as memory holds them then, so a newer
   * version written meanwhile by a commit between parts is never followed by an older one.
   */
  private async persistInSlices(): Promise<void> {
    if (!this.db) return;
    this.finishFlush();
    const [entries, checkpoints] = this.takeDirty();
    for (let from = 0; from === 0 || from < entries.length; from += END_PART_DOCS) {
      if (from > 0) await nextTurn();
      if (this.closed) return; // closing wrote what memory holds apart from these; their checkpoints were never written
      this.sendPart(entries.slice(from, from + END_PART_DOCS), from + END_PART_DOCS >= entries.length ? checkpoints : [], true);
    }
  }

  async declareLogCollections(collections: string[]): Promise<void> {
    this.assertOpen();
    const before = this.logNames.size;
    const added = collections.filter((c) => !this.logNames.has(c));
    for (const c of added) this.logNames.add(c);
    if (this.db && this.logNames.size > before) {
      this.written = this.db.send({ kind: 'declare', collections: added }); // their tables, before anything reads them
      await this.setMeta(LOG_COLLECTIONS_KEY, JSON.stringify([...this.logNames].sort()));
    }
  }

  async find(collection: string, filter: Filter, options: FindOptions = {}): Promise<Doc[]> {
    this.assertOpen();
    if (await this.onFile(collection)) return this.logs!.find(collection, filter, options);
    const start = options.skip ?? 0;
    // Documents are frozen and never modified in place, so readers get them as they are: no copy.
    const shaped = (page: Doc[]) => (options.projection ? new Query({}, MINGO_OPTIONS).find<Doc>(page, options.projection).all() : page);
    if (this.oneAnswer && options.sort && options.limit) {
      // One page of a sort, once: its documents alone are put in order (matches would sort them all).
      const page = sortNatively(this.matches(collection, filter), options.sort, start + options.limit)?.slice(start);
      if (page) return shaped(page);
    }
    const all = this.matches(collection, filter, options.sort);
    return shaped(options.limit ? all.slice(start, start + options.limit) : all.slice(start)); // limit 0: no limit, as in MongoDB
  }

  async *stream(collection: string, filter: Filter, options: StreamOptions = {}): AsyncIterable<Doc[]> {
    this.assertOpen();
    if (await this.onFile(collection)) {
      for (const page of this.logs!.pages(collection, filter, options.sort, Math.max(1, options.batchSize ?? 1000))) {
        yield options.projection ? new Query({}, MINGO_OPTIONS).find<Doc>(page, options.projection).all() : page;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      return;
    }
    // One sorted answer, as it stood when asked (later commits make new documents, never change these).
    const all = this.matches(collection, filter, options.sort);
    const size = Math.max(1, options.batchSize ?? 1000);
    const projection = options.projection;
    for (let start = 0; start < all.length; start += size) {
      const page = all.slice(start, start + size);
      yield projection ? new Query({}, MINGO_OPTIONS).find<Doc>(page, projection).all() : page;
      // Let other requests run between pages of a long export.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  async *exportLines(collection: string, filter: Filter, options: ExportOptions): AsyncIterable<ExportChunk> {
    this.assertOpen();
    const batchSize = Math.max(1, options.batchSize ?? 1000);
    const query = (await this.onFile(collection)) ? this.logs!.exportQuery(collection, filter, options.sort) : null;
    if (query && exportThreadsFree() && this.logs!.mayReach(collection, filter, this.exportThreadsFrom)) yield* linesOnThreads({ ...query, format: options.format, batchSize });
    else yield* linesOf(this.stream(collection, filter, { sort: options.sort, batchSize }), options.format);
  }

  async findOne(collection: string, filter: Filter): Promise<Doc | null> {
    return (await this.find(collection, filter, { limit: 1 }))[0] ?? null;
  }

  async count(collection: string, filter: Filter): Promise<number> {
    this.assertOpen();
    if (await this.onFile(collection)) return this.logs!.count(collection, filter);
    return this.matches(collection, filter).length;
  }

  async aggregate(collection: string, pipeline: Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
    this.assertOpen();
    // Cached like queries (statistics repeat the same pipelines); callers always get their own copy.
    const key = cacheKey(collection, { $pipeline: pipeline });
    const version = this.versions.get(collection) ?? 0;
    let result = key === null ? undefined : this.aggregates.get(key);
    if (!result || result.version !== version) {
      const input = (await this.onFile(collection)) ? this.logs!.find(collection, {}) : this.docs(collection).values();
      result = { version, docs: new Aggregator(pipeline, MINGO_OPTIONS).run(input) as Doc[] };
      if (key !== null) {
        this.aggregates.delete(key);
        this.aggregates.set(key, result);
        if (this.aggregates.size > QUERY_CACHE_SIZE) this.aggregates.delete(this.aggregates.keys().next().value!);
      }
    }
    // mingo's outputs may share parts of its inputs: copy the (usually small) result.
    return result.docs.map((d) => structuredClone(d));
  }

  /** Remembers the specs; ascending/descending ones also get an in-memory equality index on their first field. */
  async ensureIndexes(indexes: IndexSpec[]): Promise<void> {
    this.assertOpen();
    for (const spec of indexes) {
      if (!this.indexSpecs.some((s) => JSON.stringify(s) === JSON.stringify(spec))) this.indexSpecs.push(spec);
      if (this.logs && this.logNames.has(spec.collection)) {
        const index = logIndexSql(spec);
        if (index !== null) await this.db!.send({ kind: 'logIndex', collection: spec.collection, ...index });
        continue;
      }
      const [field, kind] = Object.entries(spec.keys)[0] ?? [];
      if (field === undefined || kind === '2dsphere') continue;
      const byField = this.indexes.get(spec.collection) ?? this.indexes.set(spec.collection, new Map()).get(spec.collection);
      if (!byField || byField.has(field)) continue;
      const index = new EqualityIndex(field);
      for (const doc of this.docs(spec.collection).values()) index.add(doc);
      byField.set(field, index);
    }
  }

  /** The index specifications received so far (the embedded store does not enforce `unique`). */
  get indexSpecifications(): readonly IndexSpec[] {
    return this.indexSpecs;
  }

  async commit(checkpointName: string, ops: DocOp[], checkpoint: number): Promise<void> {
    this.assertOpen();
    if (this.db?.failure) throw this.db.failure;
    if (this.bulkFailure) throw this.bulkFailure;
    ops = coalesceCounts(ops, (collection, id) => this.collections.get(collection)?.get(id));
    ops.forEach(checkDocOp); // all or nothing: a bad op must not leave the batch half applied
    for (const op of ops) if (this.logNames.has(op.collection)) checkLogOp(op);
    if (ops.some((op) => this.logNames.has(op.collection))) this.syncBeforeLogWrite(checkpointName);
    // One writer per document per batch: its first op copies what it touches of the stored version,
    // later ops (hot counters see hundreds per batch) write into those copies. Stored documents stay
    // untouched until the batch is done, so a failing op leaves nothing half applied.
    const writers = new Map<string, { collection: string; writer: Writer }>();
    const bulk = this.bulk;
    try {
    for (const op of ops) {
      if (this.logNames.has(op.collection)) {
        if (this.logs) {
          // Written once: the file refuses a second op on the same document unless it is a replay.
          // The set as it is: the writer thread makes its text (logDocText), once postMessage has cloned it.
          this.pendingLog.push(op.collection, op.id, op.position, op.set ?? {});
          this.touched(op.collection);
          continue;
        }
        const stored = this.docs(op.collection).get(op.id);
        if (stored && (stored._position ?? 0) < op.position) throw new Error(`log collection document ${op.collection}/${op.id} written twice`);
      }
      const key = `${op.collection}\u0000${op.id}`;
      let entry = writers.get(key);
      const current = entry ? entry.writer.doc : this.docs(op.collection).get(op.id);
      if (reflects(current, op)) continue;
      if (!entry) {
        writers.set(key, (entry = { collection: op.collection, writer: new Writer(current, op.id, bulk !== null) }));
      }
      const parts = mergedParts(op);
      if (parts !== undefined && !sumsExactly(entry.writer.doc, op)) {
        // A counter too large (or fractional) for a sum to be added in any order: the run op by op.
        for (let i = 0; i < parts.length; i++) entry.writer.apply(parts[i]!, i === 0 && current === undefined);
      } else entry.writer.apply(op, current === undefined);
    }
    } catch (error) {
      // In bulk mode documents were being written in place: memory is no longer as of any checkpoint.
      // Stop here; a restart resumes from the file, which only ever holds whole batches.
      if (bulk !== null) this.bulkFailure = error instanceof Error ? error : new Error(String(error));
      throw error;
    }
    const changed = new Map<string, { collection: string; doc: Doc }>();
    for (const [key, { collection, writer }] of writers) {
      changed.set(key, { collection, doc: writer.finish() });
      bulk?.add(key);
    }
    // Memory changes at once; the disk copy follows in one transaction per flush (see persist()).
    if (this.db) {
      for (const [key, change] of changed) this.dirty.set(key, change);
      this.dirtyCheckpoints.set(checkpointName, checkpoint);
      this.schedulePersist();
    }
    for (const { collection, doc } of changed.values()) {
      const docs = this.docs(collection);
      if (bulk === null) {
        const previous = docs.get(doc._id);
        for (const index of this.indexes.get(collection)?.values() ?? []) {
          // Copy-on-write keeps an untouched field the very same value: nothing to re-index.
          if (previous && index.valueOf(previous) === index.valueOf(doc)) continue;
          if (previous) index.remove(previous);
          index.add(doc);
        }
      }
      docs.set(doc._id, doc);
      this.touched(collection);
    }
    this.checkpoints.set(checkpointName, checkpoint);
  }

  /**
   * Writes the documents changed since the last flush and the checkpoints reached, together in one
   * transaction: the file always holds read models exactly as of its checkpoints, so a crash only means
   * replaying from them (the position guard makes that harmless). Coalescing saves rewriting the same
   * hot documents (statistics counters) at every batch.
   */
  persist(): void {
    if (this.persistTimer) clearTimeout(this.persistTimer);
    this.persistTimer = null;
    this.finishFlush(); // what a timed flush took goes first, with its checkpoints
    if (!this.db || this.nothingToWrite) return;
    // Serialised here (the documents are this thread's), written by the writer thread; documents cross as
    // one string, log documents as one array (see the worker for the formats).
    // Many documents (a close or a meta write during a bulk: every one it wrote; its end goes through
    // persistInSlices) go in parts of PERSIST_MAX_DOCS, the checkpoints
    // with the last: a part written ahead of them only holds documents at positions the checkpoints have
    // not reached, which a replay from them leaves as they are (the position guard).
    const [entries, checkpoints] = this.takeDirty();
    for (let from = 0; from === 0 || from < entries.length; from += PERSIST_MAX_DOCS) {
      this.sendPart(entries.slice(from, from + PERSIST_MAX_DOCS), from + PERSIST_MAX_DOCS >= entries.length ? checkpoints : [], false);
    }
  }

  /** What waits to be written, and nothing waiting after. */
  private takeDirty(): [{ collection: string; doc: Doc }[], [string, number][]] {
    const taken: [{ collection: string; doc: Doc }[], [string, number][]] = [[...this.dirty.values()], [...this.dirtyCheckpoints]];
    this.dirty.clear();
    this.dirtyCheckpoints.clear();
    return taken;
  }

  /**
   * Documents to the writer thread with the pending log documents and `checkpoints` (those of the last part).
   * `fromMemory`: each document as memory holds it now (see persistInSlices).
   */
  private sendPart(entries: { collection: string; doc: Doc }[], checkpoints: [string, number][], fromMemory: boolean): void {
    const docs: string[] = [];
    const odd: string[][] = [];
    this.serialise(entries, 0, entries.length, fromMemory, docs, odd);
    this.written = this.db!.send({ kind: 'persist', docs: docs.join('\u0002'), logDocs: this.takeLogRows(), checkpoints, odd: { docs: odd } });
    this.rowsAhead = 0; // written in that transaction
  }

  /** Entries [from, to) as the writer's rows: in `docs`, or in `odd` when an id holds a separator. */
  private serialise(entries: { collection: string; doc: Doc }[], from: number, to: number, fromMemory: boolean, docs: string[], odd: string[][]): void {
    for (let i = from; i < to; i++) {
      const entry = entries[i]!;
      const doc = fromMemory ? this.collections.get(entry.collection)?.get(entry.doc._id) : entry.doc;
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
    this.persistTimer = null;
    this.finishFlush();
    if (!this.db || this.nothingToWrite) return;
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
  private serialiseSlice(flush: NonNullable<EmbeddedReadStore['flushing']>, to: number): void {
    const docs: string[] = [];
    this.serialise(flush.entries, flush.next, to, false, docs, flush.odd);
    if (docs.length > 0) flush.parts.push(docs.join('\u0002'));
    flush.next = to;
  }

  /** A timed flush that could not be sent: the next commit throws it, as a write the writer refused. */
  private readonly failFlush = (error: unknown): void => {
    if (this.db) this.db.failure ??= error instanceof Error ? error : new Error(String(error));
  };

  /** The timed flush under way, if any: the rest of its documents serialised now, and sent. */
  private finishFlush(): void {
    const flush = this.flushing;
    if (flush === null) return;
    this.flushing = null;
    this.serialiseSlice(flush, flush.entries.length);
    this.written = this.db!.send({ kind: 'persist', docs: flush.parts, logDocs: this.takeLogRows(), checkpoints: flush.checkpoints, odd: { docs: flush.odd } });
    this.rowsAhead = 0;
  }

  /** Nothing changed since the last flush, and no log document waits here or on the writer thread. */
  private get nothingToWrite(): boolean {
    return this.dirty.size === 0 && this.dirtyCheckpoints.size === 0 && this.pendingLogRows === 0 && this.rowsAhead === 0;
  }

  /** The pending log documents in the writer's format, and none pending after. */
  private takeLogRows(): (string | number | Record<string, unknown>)[] {
    const rows = this.pendingLog;
    this.pendingLog = [];
    return rows;
  }

  private get pendingLogRows(): number {
    return this.pendingLog.length / 4;
  }

  private schedulePersist(): void {
    if (this.bulk && this.db) {
      // In bulk mode the log documents go ahead alone, without a checkpoint: written once each, they are
      // ignored when a crash replays them. The other documents and the checkpoints wait for the bulk's end
      // (setBulk): written at every flush, documents changed all along (projects, counters) were serialised
      // again at each, 8 % of a rebuild's main thread at a million events. A crash meanwhile replays the bulk.
      if (this.pendingLogRows >= BULK_LOG_ROWS) this.sendLogAhead();
      return;
    }
    const waiting = this.dirty.size + this.pendingLogRows + this.rowsAhead;
    if (this.persistDelayMs === 0 || waiting >= PERSIST_MAX_DOCS) return this.persist();
    if (this.pendingLogRows >= LIVE_LOG_ROWS) this.sendLogAhead();
    this.persistTimer ??= setTimeout(() => void this.flushInSlices().catch(this.failFlush), this.persistDelayMs);
  }

  /**
   * The pending log documents alone, without a checkpoint (see schedulePersist): in a bulk written at once,
   * outside one kept by the writer until its next transaction (a log read then flushes: `rowsAhead`).
   */
  private sendLogAhead(): void {
    const logDocs = this.takeLogRows();
    if (this.bulk) {
      this.written = this.db!.send({ kind: 'persist', docs: '', logDocs, checkpoints: [], odd: { docs: [] } });
      this.rowsAhead = 0; // a persist message writes those the writer kept too
    } else {
      this.rowsAhead += logDocs.length / 4;
      this.written = this.db!.send({ kind: 'logAhead', logDocs });
    }
  }

  private touched(collection: string): void {
    this.versions.set(collection, (this.versions.get(collection) ?? 0) + 1);
  }

  /** A log write under a name the unsynced bulk is not for: the file is made durable first (see `unsyncedFor`). */
  private syncBeforeLogWrite(checkpointName: string): void {
    if (this.unsyncedFor === null || this.unsyncedFor.has(checkpointName)) return;
    this.unsyncedFor = null;
    this.written = this.db!.send({ kind: 'sync' });
  }

  async appendNumbered(checkpointName: string, batch: NumberedBatch, checkpoint: number): Promise<void> {
    this.assertOpen();
    const ops = batch.ops ?? [];
    if (!this.logNames.has(batch.collection) || ops.some((op) => !this.logNames.has(op.collection))) throw new Error('numbered documents go to log collections only');
    // In memory, parsed into the ops commit takes; in a file, the text goes to the writer thread as it is
    // (each document made there), checked for what would break the documents made of it.
    if (!this.logs || this.bulk !== null) return this.commit(checkpointName, [...numberedOps(batch), ...ops], checkpoint);
    if (this.db?.failure) throw this.db.failure;
    checkNumbered(batch);
    ops.forEach(checkDocOp);
    ops.forEach(checkLogOp);
    this.syncBeforeLogWrite(checkpointName);
    this.persist(); // what was committed before goes first
    const logDocs = ops.flatMap((op) => [op.collection, op.id, op.position, op.set ?? {}]);
    const lines = batch.lines.slice(); // moved to the writer thread: the caller keeps its own
    this.written = this.db!.send({ kind: 'numbered', collection: batch.collection, lines, first: batch.first, logDocs, checkpoint: [checkpointName, checkpoint] }, [lines.buffer]);
    this.checkpoints.set(checkpointName, checkpoint);
    this.touched(batch.collection);
    for (const op of ops) this.touched(op.collection);
  }

  async getCheckpoint(checkpointName: string): Promise<number> {
    this.assertOpen();
    return this.checkpoints.get(checkpointName) ?? 0;
  }

  async getMeta(key: string): Promise<string | null> {
    this.assertOpen();
    return this.meta.get(key) ?? null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.assertOpen();
    this.persist(); // after what it refers to
    this.meta.set(key, value);
    await this.db?.send({ kind: 'meta', key, value });
  }

  async reset(checkpointName: string, collections: string[]): Promise<void> {
    this.assertOpen();
    this.persist(); // what is pending is written before the reset, never after it
    // The file drops documents and checkpoint in one transaction (the writer thread).
    this.checkpoints.delete(checkpointName);
    if (this.db) this.written = this.db.send({ kind: 'reset', collections, name: checkpointName });
    for (const c of collections) {
      this.collections.delete(c);
      this.touched(c);
      // Index definitions survive a reset (as they would be re-ensured anyway); their contents do not.
      const byField = this.indexes.get(c);
      for (const field of byField?.keys() ?? []) byField?.set(field, new EqualityIndex(field));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.persist();
    this.closed = true;
    for (const fn of this.closers.splice(0)) await fn();
    await this.db?.close();
    this.logs?.close();
  }
}
