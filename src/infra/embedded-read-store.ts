// The embedded read store: documents in memory (one Map per collection) queried with mingo, mirrored to
// SQLite so a restarted process resumes from its checkpoints instead of rebuilding every projection.
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { Aggregator, Query } from 'mingo';
import { LogCollections, checkLogOp, logDocOf, logIndexSql } from './embedded-log-collections.js';
import type { Doc, DocOp, Filter, FindOptions, IndexSpec, ReadStore, StreamOptions } from './read-store.js';

// Filters may be built from request input: no server-side JavaScript ($where, $function).
const MINGO_OPTIONS = { scriptEnabled: false };

type Primitive = string | number | boolean;
type Node = Record<string, unknown>;

const isPrimitive = (v: unknown): v is Primitive => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
const isPlainObject = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);
/** True when writing one path would touch the other (the same path, or one inside the other). */
export const pathsOverlap = (a: string, b: string) => a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);

/** The dotted leaf paths of `setOnInsert`-style values: nested plain objects are flattened. */
export function leafPaths(values: Record<string, unknown> | undefined, prefix = ''): [string, unknown][] {
  return Object.entries(values ?? {}).flatMap(([k, v]): [string, unknown][] =>
    isPlainObject(v) && Object.keys(v).length > 0 ? leafPaths(v, `${prefix}${k}.`) : [[`${prefix}${k}`, v]],
  );
}

/**
 * Rejects ops that MongoDB would reject or that the two adapters would apply differently, so a projection
 * bug shows up in tests on the embedded store rather than in production.
 */
export function checkDocOp(op: DocOp): void {
  const fail = (why: string) => {
    throw new Error(`invalid op on ${op.collection}/${op.id} at ${op.position}: ${why}`);
  };
  if (!Number.isFinite(op.position)) fail('position must be a finite number');
  let dotted = false;
  for (const p in op.set) {
    if (!checkedPaths.has(p)) checkPath(p, fail);
    dotted ||= p.includes('.');
  }
  for (const p in op.inc) {
    if (!checkedPaths.has(p)) checkPath(p, fail);
    dotted ||= p.includes('.');
  }
  for (const p of op.unset ?? []) if (!checkedPaths.has(p)) checkPath(p, fail);
  const inserted = op.setOnInsert ? leafPaths(op.setOnInsert).map(([p]) => p) : [];
  for (const p of inserted) if (!checkedPaths.has(p)) checkPath(p, fail);
  const incInsert = () => (op.inc && inserted.length > 0 ? checkIncInsert(op, inserted, fail) : undefined);
  // Plain fields set, or plain fields incremented, cannot conflict (the keys of one object): no search.
  if (!dotted && !op.unset && !(op.set && op.inc)) return incInsert();
  const written = [...Object.keys(op.set ?? {}), ...(op.unset ?? []), ...Object.keys(op.inc ?? {})];
  if (written.length < 2) return incInsert();
  // Two written paths conflict when equal or one is a prefix of the other: linear in paths × depth.
  const seen = new Set<string>();
  const prefixes = new Set<string>();
  for (const p of written) {
    if (seen.has(p) || prefixes.has(p)) fail(`'${p}' conflicts with another written path`);
    for (let dot = p.indexOf('.'); dot !== -1; dot = p.indexOf('.', dot + 1)) {
      const prefix = p.slice(0, dot);
      if (seen.has(prefix)) fail(`'${p}' and '${prefix}' conflict`);
      prefixes.add(prefix);
    }
    seen.add(p);
  }
  incInsert();
}

// MongoDB cannot both $setOnInsert and $inc one path; the embedded store would add them.
function checkIncInsert(op: DocOp, inserted: string[], fail: (why: string) => void): void {
  for (const p of Object.keys(op.inc ?? {})) if (inserted.includes(p)) fail(`'${p}' is both inc and setOnInsert`);
}

/** Paths found valid: the same few hundred recur in every batch (a rebuild checks millions of ops). */
const checkedPaths = new Set<string>();

function checkPath(p: string, fail: (why: string) => void): void {
  if (p === '' || p.startsWith('.') || p.endsWith('.') || p.includes('..') || p.startsWith('$') || p.includes('.$')) fail(`bad path '${p}'`);
  if (p === '_id' || p.startsWith('_id.') || p === '_position' || p.startsWith('_position.')) fail(`'${p}' is managed by the store`);
  if (checkedPaths.size >= 100_000) checkedPaths.clear();
  checkedPaths.add(p);
}

// Values are stored as JSON, so they are normalised once here: memory then matches what a reload gives
// (Dates become ISO strings, undefined becomes null as the MongoDB driver does) and callers keep no alias.
const plain = (v: unknown): unknown =>
  v === undefined ? null : v === null || typeof v !== 'object' ? v : JSON.parse(JSON.stringify(v));

/** Freezes a value and everything in it: stored documents are shared with readers, never copied for them. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Dotted paths split once: the same few hundred recur in every batch (as in checkedPaths). */
const segmentCache = new Map<string, string[]>();
function segmentsOf(dotted: string): string[] {
  let segments = segmentCache.get(dotted);
  if (segments === undefined) {
    if (segmentCache.size >= 100_000) segmentCache.clear();
    segmentCache.set(dotted, (segments = dotted.split('.')));
  }
  return segments;
}

/**
 * Stored documents are never modified: a change copies only the objects on the paths it touches
 * (copy-on-write) and shares the rest with the previous version. `fresh` holds the copies made for
 * this op, which may then be written in place. In bulk mode (a long catch-up, see setBulk) nothing is
 * copied or frozen: unfrozen objects are written in place, and sealed when the bulk ends.
 */
class Writer {
  private readonly fresh = new Set<object>();
  readonly doc: Doc;

  constructor(
    doc: Doc | undefined,
    id: string,
    private readonly inPlace = false,
  ) {
    this.doc = doc ? (inPlace && !Object.isFrozen(doc) ? doc : { ...doc }) : { _id: id };
    this.fresh.add(this.doc);
  }

  private own<T extends object>(node: T): T {
    if (this.fresh.has(node) || (this.inPlace && !Object.isFrozen(node))) return node;
    const copy = (Array.isArray(node) ? [...node] : { ...node }) as T;
    this.fresh.add(copy);
    return copy;
  }

  /** The writable parent of `dotted`, creating missing objects like MongoDB does; throws on scalars. */
  parentOf(dotted: string, create: boolean): [Node, string] | undefined {
    const segments = segmentsOf(dotted);
    let node: Node = this.doc;
    for (let i = 0; i < segments.length; i++) {
      const s = segments[i]!;
      if (Array.isArray(node) && !/^\d+$/.test(s)) throw new Error(`cannot create field '${dotted}' inside an array`);
      if (i === segments.length - 1) return [node, s];
      let next = node[s];
      if (next === undefined) {
        if (!create) return undefined;
        next = node[s] = {};
        this.fresh.add(next as object);
      } else if (typeof next !== 'object' || next === null) {
        throw new Error(`cannot create field '${dotted}' inside a scalar`);
      } else {
        next = node[s] = this.own(next as Node);
      }
      node = next as Node;
    }
    return undefined; // unreachable: split always yields at least one segment
  }

  set(dotted: string, value: unknown): void {
    const [node, key] = this.parentOf(dotted, true) as [Node, string];
    node[key] = this.inPlace ? value : deepFreeze(value);
  }

  /** Seals the new version: from now on it is shared with readers as it is (in bulk mode: at the bulk's end). */
  finish(): Doc {
    if (!this.inPlace) for (const node of this.fresh) Object.freeze(node);
    return this.doc;
  }

  /** Applies a checked op; `inserting`: the document did not exist before it (for setOnInsert). */
  apply(op: DocOp, inserting: boolean): void {
    if (inserting) for (const [p, v] of Object.entries(op.setOnInsert ?? {})) this.set(p, plain(v));
    for (const [p, v] of Object.entries(op.set ?? {})) this.set(p, plain(v));
    for (const p of op.unset ?? []) {
      const found = this.parentOf(p, false);
      if (found && Array.isArray(found[0])) found[0][Number(found[1])] = null; // MongoDB nulls array slots
      else if (found) delete found[0][found[1]];
    }
    for (const [p, by] of Object.entries(op.inc ?? {})) {
      const [node, key] = this.parentOf(p, true) as [Node, string];
      const current = node[key] ?? 0;
      if (typeof current !== 'number') throw new Error(`cannot inc non-numeric field '${p}' of ${op.collection}/${op.id}`);
      node[key] = current + by;
    }
    this.doc._position = op.position;
  }
}

const reflects = (doc: Doc | undefined, op: DocOp) => doc !== undefined && typeof doc._position === 'number' && doc._position >= op.position;

/**
 * Applies one guarded op: returns the new document, or undefined when the document already reflects a
 * position ≥ op.position. `doc` is never modified (unchanged parts are shared with the result).
 */
export function applyDocOp(doc: Doc | undefined, op: DocOp): Doc | undefined {
  if (reflects(doc, op)) return undefined;
  checkDocOp(op);
  const w = new Writer(doc, op.id);
  w.apply(op, doc === undefined);
  return w.finish();
}

/**
 * Equality index on one field: value → ids. Only ever used to narrow the candidates that mingo then tests,
 * so it must return a superset of the matches: documents whose path crosses an array are always candidates.
 */
class EqualityIndex {
  /** Strings by themselves (a text field's bigrams are most of an index: no key string made per value), numbers and booleans apart. */
  private readonly strings = new Map<string, Set<string>>();
  private readonly others = new Map<string, Set<string>>();
  private readonly alwaysCandidates = new Set<string>();

  private readonly segments: string[];

  constructor(readonly field: string) {
    this.segments = field.split('.');
  }

  private mapOf(v: Primitive): [Map<string, Set<string>>, string] {
    return typeof v === 'string' ? [this.strings, v] : [this.others, `${typeof v}:${String(v)}`];
  }

  /** The value at the indexed path, or the first array on it; undefined when absent. */
  valueOf(doc: Doc): unknown {
    let value: unknown = doc;
    for (const s of this.segments) {
      if (Array.isArray(value)) return value; // the path fans out: the array as a whole decides
      value = isPlainObject(value) ? value[s] : undefined;
    }
    return value;
  }

  /** The indexed values of a document, or null when the path crosses an array (then it is always a candidate). */
  private valuesOf(doc: Doc): unknown[] | null {
    let value: unknown = doc;
    for (const s of this.segments) {
      if (Array.isArray(value)) return null;
      value = isPlainObject(value) ? value[s] : undefined;
    }
    return Array.isArray(value) ? value : [value]; // {tags: 'x'} matches tags: ['x', 'y']
  }

  add(doc: Doc): void {
    const values = this.valuesOf(doc);
    if (values === null) {
      this.alwaysCandidates.add(doc._id);
      return;
    }
    for (const v of values) {
      if (!isPrimitive(v)) continue;
      const [map, key] = this.mapOf(v);
      const ids = map.get(key);
      if (ids) ids.add(doc._id);
      else map.set(key, new Set([doc._id]));
    }
  }

  remove(doc: Doc): void {
    this.alwaysCandidates.delete(doc._id);
    for (const v of this.valuesOf(doc) ?? []) {
      if (!isPrimitive(v)) continue;
      const [map, key] = this.mapOf(v);
      map.get(key)?.delete(doc._id);
    }
  }

  candidates(values: Primitive[]): Set<string> {
    const out = new Set(this.alwaysCandidates);
    for (const v of values) {
      const [map, key] = this.mapOf(v);
      for (const id of map.get(key) ?? []) out.add(id);
    }
    return out;
  }
}

/** The primitive values a top-level filter condition requires by equality, or null when it is not that. */
function equalityValues(condition: unknown): Primitive[] | null {
  if (isPrimitive(condition)) return [condition];
  if (!isPlainObject(condition)) return null;
  if (isPrimitive(condition.$eq)) return [condition.$eq];
  const list = condition.$in;
  return Array.isArray(list) && list.every(isPrimitive) ? list : null;
}

const QUERY_CACHE_SIZE = 64;

function intersect(a: Set<string>, b: Set<string>): Set<string> {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  const out = new Set<string>();
  for (const id of small) if (large.has(id)) out.add(id);
  return out;
}
/** How long changed documents may wait in memory before they are written to disk (0: at every commit), and how many. */
export const DEFAULT_PERSIST_DELAY_MS = 100;
const PERSIST_MAX_DOCS = 20_000;
const BULK_PERSIST_DELAY_MS = 10_000;
const LOG_COLLECTIONS_KEY = 'log-collections';
/** The writer thread's field and row separators (collection names never hold them). */
const holdsSeparator = (id: string) => id.includes('\u0001') || id.includes('\u0002');

/** A cache key for a filter made of plain JSON values; null (do not cache) for anything else, e.g. a RegExp. */
function cacheKey(collection: string, filter: Filter, sort?: Record<string, 1 | -1>): string | null {
  let plainJson = true;
  const text = JSON.stringify([filter, sort ?? null], (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype) plainJson = false;
    return v;
  });
  return plainJson ? `${collection}\u0000${text}` : null;
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
  private closed = false;
  /** Append-only collections (declareLogCollections); with a file they live in it, not in memory. */
  private readonly logNames = new Set<string>();
  /** Log documents not yet sent, already in the writer's format (one string crosses to the writer thread). */
  private pendingLog = '';
  private pendingLogRows = 0;
  private pendingOddLog: (string | number)[][] = [];
  /** The last write sent to the file: log reads wait for it, so they see every commit before them. */
  private written: Promise<void> = Promise.resolve();
  /** In bulk mode: the documents written in place since it began (sealed at its end). */
  private bulk: Set<string> | null = null;
  private bulkFailure: Error | null = null;

  private constructor(
    private readonly db: FileWriter | null,
    private readonly persistDelayMs = DEFAULT_PERSIST_DELAY_MS,
    private readonly logs: LogCollections | null = null,
  ) {}

  /** An in-memory store over documents taken as they are (frozen here if they were not): no copy, no op. */
  static fromDocs(collections: Map<string, Map<string, Doc>>): EmbeddedReadStore {
    const store = new EmbeddedReadStore(null);
    for (const [collection, docs] of collections) {
      for (const doc of docs.values()) deepFreeze(doc);
      store.collections.set(collection, docs);
    }
    return store;
  }

  /** Opens (or creates) `<dir>/read-models.db` and loads it; `null` keeps everything in memory only. */
  static open(dir: string | null, options: { persistDelayMs?: number } = {}): EmbeddedReadStore {
    if (dir === null) return new EmbeddedReadStore(null);
    fs.mkdirSync(dir, { recursive: true });
    const db = new Database(path.join(dir, 'read-models.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL'); // read models are disposable: losing the last commits only means replaying them
    db.exec(`CREATE TABLE IF NOT EXISTS docs (collection TEXT NOT NULL, id TEXT NOT NULL, json TEXT NOT NULL,
               PRIMARY KEY (collection, id)) WITHOUT ROWID;
             CREATE TABLE IF NOT EXISTS log_docs (collection TEXT NOT NULL, id TEXT NOT NULL, json TEXT NOT NULL, UNIQUE (collection, id));
             CREATE TABLE IF NOT EXISTS checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`);
    const file = path.join(dir, 'read-models.db');
    const store = new EmbeddedReadStore(new FileWriter(file), options.persistDelayMs, new LogCollections(file));
    const rows = db.prepare('SELECT collection, id, json FROM docs').iterate() as Iterable<{ collection: string; id: string; json: string }>;
    for (const row of rows) {
      store.docs(row.collection).set(row.id, deepFreeze(JSON.parse(row.json) as Doc));
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
    if (this.bulk !== null) return null; // the indexes are rebuilt when the bulk ends
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
      docs = new Query({}, MINGO_OPTIONS).find<Doc>(this.matches(collection, filter)).sort(sort).all();
    } else {
      const query = new Query(filter, MINGO_OPTIONS);
      docs = [];
      for (const doc of this.candidates(collection, filter)) if (query.test(doc)) docs.push(doc);
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
    if (this.pendingLogRows > 0) this.persist();
    await this.written;
    if (this.db?.failure) throw this.db.failure;
    return true;
  }

  /**
   * Bulk mode, for a long catch-up (a rebuild): documents are written in place, neither copied nor
   * frozen, and written to the file less often. Answers read meanwhile may mix positions (they are
   * behind anyway: /ready says so). Leaving it freezes what was written, as every commit does outside it.
   */
  async setBulk(on: boolean): Promise<void> {
    this.assertOpen();
    if (on) {
      if (this.bulk === null && this.db) this.written = this.db.send({ kind: 'bulk', on: true });
      // The equality indexes are not kept up to date meanwhile (re-indexing a project's hundreds of
      // bigrams at every change was a rebuild's largest single cost): reads scan, and the end rebuilds them.
      this.bulk ??= new Set();
      return;
    }
    const touched = this.bulk;
    if (touched === null) return;
    this.bulk = null;
    for (const key of touched) {
      const [collection, id] = key.split('\u0000') as [string, string];
      const doc = this.collections.get(collection)?.get(id);
      if (doc) deepFreeze(doc);
    }
    for (const [collection, byField] of this.indexes) {
      for (const field of byField.keys()) {
        const index = new EqualityIndex(field);
        for (const doc of this.docs(collection).values()) index.add(doc);
        byField.set(field, index);
      }
    }
    this.persist();
    if (this.db) this.written = this.db.send({ kind: 'bulk', on: false });
  }

  async declareLogCollections(collections: string[]): Promise<void> {
    this.assertOpen();
    const before = this.logNames.size;
    for (const c of collections) this.logNames.add(c);
    if (this.db && this.logNames.size > before) await this.setMeta(LOG_COLLECTIONS_KEY, JSON.stringify([...this.logNames].sort()));
  }

  async find(collection: string, filter: Filter, options: FindOptions = {}): Promise<Doc[]> {
    this.assertOpen();
    if (await this.onFile(collection)) return this.logs!.find(collection, filter, options);
    const all = this.matches(collection, filter, options.sort);
    const start = options.skip ?? 0;
    const page = options.limit ? all.slice(start, start + options.limit) : all.slice(start); // limit 0: no limit, as in MongoDB
    // Documents are frozen and never modified in place, so readers get them as they are: no copy.
    return options.projection ? new Query({}, MINGO_OPTIONS).find<Doc>(page, options.projection).all() : page;
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
        const sql = logIndexSql(spec);
        if (sql !== null) await this.db!.send({ kind: 'sql', sql });
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
    ops.forEach(checkDocOp); // all or nothing: a bad op must not leave the batch half applied
    for (const op of ops) if (this.logNames.has(op.collection)) checkLogOp(op);
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
          const json = JSON.stringify(logDocOf(op));
          if (holdsSeparator(op.id)) this.pendingOddLog.push([op.collection, op.id, op.position, json]);
          else this.pendingLog += `${this.pendingLog === '' ? '' : '\u0002'}${op.collection}\u0001${op.id}\u0001${op.position}\u0001${json}`;
          this.pendingLogRows++;
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
      entry.writer.apply(op, current === undefined);
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
    if (!this.db || (this.dirty.size === 0 && this.dirtyCheckpoints.size === 0 && this.pendingLogRows === 0)) return;
    // Serialised here (the documents are this thread's), written by the writer thread; one string crosses
    // (see the worker for the format).
    const odd: { docs: string[][]; logDocs: (string | number)[][] } = { docs: [], logDocs: [] };
    const docs: string[] = [];
    for (const { collection, doc } of this.dirty.values()) {
      const row = [collection, doc._id, JSON.stringify(doc)];
      if (holdsSeparator(doc._id)) odd.docs.push(row);
      else docs.push(row.join('\u0001'));
    }
    this.written = this.db.send({ kind: 'persist', docs: docs.join('\u0002'), logDocs: this.takeLogRows(odd), checkpoints: [...this.dirtyCheckpoints], odd });
    this.dirty.clear();
    this.dirtyCheckpoints.clear();
  }

  /** The pending log documents in the writer's format (odd ids aside), and none pending after. */
  private takeLogRows(odd: { logDocs: (string | number)[][] }): string {
    const rows = this.pendingLog;
    odd.logDocs.push(...this.pendingOddLog);
    this.pendingLog = '';
    this.pendingLogRows = 0;
    this.pendingOddLog = [];
    return rows;
  }

  private schedulePersist(): void {
    if (this.bulk && this.db && this.pendingLogRows >= PERSIST_MAX_DOCS) {
      // In bulk mode the log documents go ahead alone, without a checkpoint: written once each, they are
      // ignored when a crash replays them. The other documents wait: hot ones (counters) change at every
      // batch, and writing them at every flush cost a rebuild as much as the log documents themselves.
      const odd = { docs: [], logDocs: [] };
      this.written = this.db.send({ kind: 'persist', docs: '', logDocs: this.takeLogRows(odd), checkpoints: [], odd });
    }
    const waiting = this.dirty.size + (this.bulk ? 0 : this.pendingLogRows);
    if (this.persistDelayMs === 0 || waiting >= PERSIST_MAX_DOCS) this.persist();
    else this.persistTimer ??= setTimeout(() => this.persist(), this.bulk ? Math.max(this.persistDelayMs, BULK_PERSIST_DELAY_MS) : this.persistDelayMs);
  }

  private touched(collection: string): void {
    this.versions.set(collection, (this.versions.get(collection) ?? 0) + 1);
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
    await this.db?.close();
    this.logs?.close();
  }
}

/**
 * The writer thread of a read-model file: requests are written in the order sent, each in one
 * transaction. A failed write is kept and thrown by the next commit, so the runner stops rather than
 * running ahead of what can be stored.
 */
class FileWriter {
  private readonly worker: Worker;
  private next = 0;
  private readonly pending = new Map<number, () => void>();
  failure: Error | null = null;

  constructor(file: string) {
    this.worker = new Worker(new URL('./read-model-writer.worker.mjs', import.meta.url), { workerData: { file } });
    this.worker.unref(); // a store never closed must not keep the process alive (an unfinished write just rolls back)
    this.worker.on('message', (m: { id: number; ok: boolean; error?: string }) => {
      if (!m.ok) this.failure ??= new Error(`read-model file write failed: ${m.error}`);
      this.pending.get(m.id)?.();
      this.pending.delete(m.id);
    });
    this.worker.on('error', (e) => (this.failure ??= e));
  }

  send(message: Record<string, unknown>): Promise<void> {
    const id = this.next++;
    const done = new Promise<void>((resolve) => this.pending.set(id, resolve));
    this.worker.postMessage({ ...message, id });
    return done;
  }

  /** Waits for every write sent so far, then stops the thread. */
  async close(): Promise<void> {
    await this.send({ kind: 'close' });
    await this.worker.terminate();
  }
}
