// The embedded read store: documents in memory (one Map per collection) queried with mingo, mirrored to
// SQLite so a restarted process resumes from its checkpoints instead of rebuilding every projection.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Aggregator, Query } from 'mingo';
import { LogCollections, checkLogOp, logIndexSql } from './embedded-log-collections.js';
import { type Primitive, Writer, checkDocOp, deepFreeze, isPlainObject, isPrimitive, reflects } from './embedded-doc-ops.js';
import { EqualityIndex, equalityValues, intersect } from './embedded-equality-index.js';
import { DEFAULT_PERSIST_DELAY_MS, FileSync, openReadModelFile } from './embedded-file-sync.js';
import { coalesceCounts, mergedParts, sumsExactly } from './embedded-coalesce.js';
import { sortNatively } from './embedded-sort.js';
import { equalityTest } from './embedded-filter.js';
import { EXPORT_THREADS_FROM, exportThreadsFree, linesOf, linesOnThreads } from './line-export.js';
import { isPlainPrototype, parseDoc } from './doc-realm.js';
import { type Doc, type DocOp, type ExportChunk, type ExportOptions, type Filter, type FindOptions, type IndexSpec, type NumberedBatch, type ReadModelReset, type ReadStore, type StreamOptions, checkNumberedFirst, checkNumberedCollections, checkReservation, numberedOps } from './read-store.js';

export { applyDocOp, checkDocOp, leafPaths, pathsOverlap } from './embedded-doc-ops.js';
export { DEFAULT_PERSIST_DELAY_MS } from './embedded-file-sync.js';

// Filters may be built from request input: no server-side JavaScript ($where, $function).
const MINGO_OPTIONS = { scriptEnabled: false };
const QUERY_CACHE_SIZE = 64;

const LOG_COLLECTIONS_KEY = 'log-collections';
/** Documents frozen between two turns of the event loop at a bulk's end (see setBulk): 50,000 took ~0.5 s at a million events. */
const END_SLICE_DOCS = 10_000;

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
  /** reserveNumbers: the last number handed out under each name. */
  private readonly reserved = new Map<string, number>();
  private readonly meta = new Map<string, string>();
  private readonly indexSpecs: IndexSpec[] = [];
  private readonly indexes = new Map<string, Map<string, EqualityIndex>>(); // collection → field → index
  private readonly versions = new Map<string, number>(); // bumped by every change to a collection
  private readonly cache = new Map<string, { version: number; docs: Doc[] }>();
  private readonly aggregates = new Map<string, { version: number; docs: Doc[] }>();
  private closed = false;
  /** Append-only collections (declareLogCollections); with a file they live in it, not in memory. */
  private readonly logNames = new Set<string>();
  /** In bulk mode: the documents written in place since it began (sealed at its end). */
  private bulk: Set<string> | null = null;
  /** From a bulk's end until its equality indexes are built again: reads scan. */
  private staleIndexes = false;
  private bulkFailure: Error | null = null;
  /** Made by fromDocs for one answer: the next page of a sort is unlikely to be asked of it. */
  private oneAnswer = false;
  private readonly closers: (() => Promise<void> | void)[] = [];

  /** The file's writer thread and what waits for it (embedded-file-sync.ts); null: memory only. */
  private readonly file: FileSync | null;
  /** The file's log collections, read on connections of their own. */
  private readonly logs: LogCollections | null;

  private constructor(
    file: string | null,
    persistDelayMs = DEFAULT_PERSIST_DELAY_MS,
    private readonly exportThreadsFrom = EXPORT_THREADS_FROM,
  ) {
    const current = (collection: string, id: string) => this.collections.get(collection)?.get(id);
    this.file = file === null ? null : new FileSync(file, persistDelayMs, current, { inBulk: () => this.bulk !== null, closed: () => this.closed });
    this.logs = file === null ? null : new LogCollections(file);
  }

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
   * its own (line-export.ts). `resetOnOpen`: read models reset as the store opens, their documents never
   * loaded (a rebuild: at 1M events ~500 MB of documents a reset after the open would load to drop).
   */
  static open(
    dir: string | null,
    options: { persistDelayMs?: number; exportThreadsFrom?: number; resetOnOpen?: readonly ReadModelReset[] } = {},
  ): EmbeddedReadStore {
    if (dir === null) return new EmbeddedReadStore(null);
    let store: EmbeddedReadStore | undefined;
    const resetting = options.resetOnOpen ?? [];
    openReadModelFile(
      dir,
      ({ file, docs, checkpoints, meta }) => {
        const opened = (store = new EmbeddedReadStore(file, options.persistDelayMs, options.exportThreadsFrom));
        for (const row of docs) opened.docs(row.collection).set(row.id, deepFreeze(parseDoc(row.json) as Doc));
        for (const row of checkpoints) opened.checkpoints.set(row.name, row.position);
        for (const row of meta) opened.meta.set(row.key, row.value);
      },
      resetting.flatMap((p) => p.collections),
    );
    if (!store) throw new Error('the read-model file was not loaded');
    // Before anything can read: the file's rows go in the writer's first transaction, the checkpoints at once.
    for (const p of resetting) void store.reset(p.name, p.collections);
    // Declared by an earlier run: a store opened only to be read (an investigation, a test) finds them too.
    for (const c of JSON.parse(store.meta.get(LOG_COLLECTIONS_KEY) ?? '[]') as string[]) store.logNames.add(c);
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
    if (this.file!.logWaiting) this.file!.persist();
    await this.file!.written;
    if (this.file!.failure) throw this.file!.failure;
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
      // Unsynced only into a store holding nothing yet: the worker checks its file, this its memory.
      if (this.bulk === null) this.file?.bulkBegins(checkpointNames, this.checkpoints.size === 0);
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
    await this.file?.persistInSlices();
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
    this.file?.bulkEnds(); // the writer makes the file durable
  }

  async declareLogCollections(collections: string[]): Promise<void> {
    this.assertOpen();
    const before = this.logNames.size;
    const added = collections.filter((c) => !this.logNames.has(c));
    for (const c of added) this.logNames.add(c);
    if (this.file && this.logNames.size > before) {
      void this.file.send({ kind: 'declare', collections: added }); // their tables, before anything reads them
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
        const replaced = (spec.replaces ?? []).map((keys) => logIndexSql({ collection: spec.collection, keys })?.name).filter((n) => n !== undefined);
        if (index !== null) await this.file!.send({ kind: 'logIndex', collection: spec.collection, ...index, replaced });
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
    if (this.file?.failure) throw this.file.failure;
    if (this.bulkFailure) throw this.bulkFailure;
    ops = coalesceCounts(ops, (collection, id) => this.collections.get(collection)?.get(id));
    ops.forEach(checkDocOp); // all or nothing: a bad op must not leave the batch half applied
    for (const op of ops) if (this.logNames.has(op.collection)) checkLogOp(op);
    if (ops.some((op) => this.logNames.has(op.collection))) this.file?.syncBeforeLogWrite(checkpointName);
    // One writer per document per batch: its first op copies what it touches of the stored version,
    // later ops (hot counters see hundreds per batch) write into those copies. Stored documents stay
    // untouched until the batch is done, so a failing op leaves nothing half applied.
    const writers = new Map<string, { collection: string; writer: Writer }>();
    const bulk = this.bulk;
    try {
    for (const op of ops) {
      if (this.logNames.has(op.collection)) {
        if (this.file) {
          // Written once: the file refuses a second op on the same document unless it is a replay.
          // The set as it is: the writer thread makes its text (logDocText), once postMessage has cloned it.
          this.file.logRow(op.collection, op.id, op.position, op.set ?? {});
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
    // Memory changes at once; the disk copy follows in one transaction per flush (embedded-file-sync.ts).
    this.file?.committed(changed, checkpointName, checkpoint);
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

  private touched(collection: string): void {
    this.versions.set(collection, (this.versions.get(collection) ?? 0) + 1);
  }

  async appendNumbered(checkpointName: string, batch: NumberedBatch, checkpoint: number): Promise<void> {
    this.assertOpen();
    const ops = batch.ops ?? [];
    checkNumberedCollections(this.logNames, batch);
    // In memory, parsed into the ops commit takes; in a file, the text goes to the writer thread as it is
    // (each document made there), checked for what would break the documents made of it.
    if (!this.logs || this.bulk !== null) return this.commit(checkpointName, [...numberedOps(batch), ...ops], checkpoint);
    if (this.file?.failure) throw this.file.failure;
    checkNumbered(batch);
    ops.forEach(checkDocOp);
    ops.forEach(checkLogOp);
    this.file!.syncBeforeLogWrite(checkpointName);
    this.file!.persist(); // what was committed before goes first
    const logDocs = ops.flatMap((op) => [op.collection, op.id, op.position, op.set ?? {}]);
    const lines = batch.lines.slice(); // moved to the writer thread: the caller keeps its own
    void this.file!.send({ kind: 'numbered', collection: batch.collection, lines, first: batch.first, logDocs, checkpoint: [checkpointName, checkpoint] }, [lines.buffer]);
    this.checkpoints.set(checkpointName, checkpoint);
    this.touched(batch.collection);
    for (const op of ops) this.touched(op.collection);
  }

  async getCheckpoint(checkpointName: string): Promise<number> {
    this.assertOpen();
    return this.checkpoints.get(checkpointName) ?? 0;
  }

  async reserveNumbers(checkpointName: string, count: number): Promise<number> {
    this.assertOpen();
    checkReservation(count);
    // One process owns an embedded store: its reservations are kept in memory.
    const first = Math.max(this.reserved.get(checkpointName) ?? 0, this.checkpoints.get(checkpointName) ?? 0) + 1;
    this.reserved.set(checkpointName, first + count - 1);
    return first;
  }

  async getMeta(key: string): Promise<string | null> {
    this.assertOpen();
    return this.meta.get(key) ?? null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.assertOpen();
    this.file?.persist(); // after what it refers to
    this.meta.set(key, value);
    await this.file?.send({ kind: 'meta', key, value });
  }

  async reset(checkpointName: string, collections: string[]): Promise<void> {
    this.assertOpen();
    this.file?.persist(); // what is pending is written before the reset, never after it
    // The file drops documents and checkpoint in one transaction (the writer thread).
    this.checkpoints.delete(checkpointName);
    void this.file?.send({ kind: 'reset', collections, name: checkpointName });
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
    this.file?.persist();
    this.closed = true;
    // Let go of the documents once persist has serialised them, before waiting for the file (seconds after a
    // rebuild: its index builds): whatever still holds this store (a closure, a timer) no longer holds them.
    for (const map of [this.collections, this.indexes, this.versions, this.cache, this.aggregates]) map.clear();
    for (const fn of this.closers.splice(0)) await fn();
    await this.file?.close();
    this.logs?.close();
  }
}
