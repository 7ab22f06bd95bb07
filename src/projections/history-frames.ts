// Key frames of a history, so a whole collection "as of T" costs laying the changes up to T over one
// whole copy, instead of folding every change up to T at each request. Built once per read store,
// collection and time field (occurredAt: asOf, recordedAt: asRecordedAt) by one pass over the history in
// (time, position) order, kept up to date with the rows appended since, rebuilt when the history shrank
// or a change arrived dated before the last row swept (a late import).
//
// The pass keeps, for every row, the document as it stood after it: a moment is then the whole copy
// before it with the documents of the rows after that copy laid over it (no row is read or folded at a
// request), in a LayeredMap (the copy itself is never copied).
//
// Exact: sweeping in time order applies a document's changes in log order only while its changes are
// dated in log order. A document with a change dated before an earlier one ("disordered": imports,
// corrections) is folded on its own from its rows up to T, in log order, as history.ts always did.
import { applyDocOp } from '../infra/embedded-read-store.js';
import { type IndexedMap, LayeredMap, NumberedMap } from '../infra/layered-map.js';
import type { Doc, DocOp, Filter, ReadStore } from '../infra/read-store.js';
import { type ColumnSpec, Columns, NO_COLUMNS, grown } from './history-columns.js';

/** What the frames read of a history: a read store, or the file's log collections on another thread (as-of-thread.ts). */
export type HistoryReads = Pick<ReadStore, 'find' | 'findOne' | 'stream'>;

/**
 * Rows between two whole copies: the most a request lays over one. A copy is an array of one row number
 * per document (the documents are the rows' versions): memory stays near one version per row.
 */
const FULL_EVERY = 5_000;
/**
 * Tests make whole copies every few rows, to meet many of them in small histories (taken at each build),
 * count the builds (a frame built ahead is not built again) and the questions the columns answered.
 */
export const framesForTests = { fullEvery: FULL_EVERY, builds: 0, columnAnswers: 0 };

type Field = 'occurredAt' | 'recordedAt';
interface Row {
  docId: string;
  position: number;
  at: string;
  op: string;
}
interface Frames {
  fullEvery: number;
  built: number; // highest position swept
  /** The documents whose rows at `built` were swept: a store without atomic commits (MongoDB) may show a batch's rows of one position one by one. */
  atBuilt: Set<string>;
  lastAt: string; // the time of the last row swept: rows are swept in time order
  /** Per row swept, in sweep order: its time, its document and the document after it (undefined: none). */
  ats: string[];
  ids: string[];
  versions: (Doc | undefined)[];
  /** fulls[m]: the collection after the first m × FULL_EVERY rows. */
  fulls: WholeCopy[];
  state: Map<string, Doc>; // after every row swept
  /** Per document in the order they appeared (as in `state`), the row of its version now: what a whole copy copies. */
  stateRows: Int32Array;
  order: Order;
  /** The values of the owner's columns at each row (history-columns.ts). */
  columns: Columns;
  last: Map<string, { id: string; at: string; position: number }>; // per document, its latest row (and its id, shared by its rows)
  disordered: Set<string>;
  /** Built again (a late import, a rebuild of the history): views still on these should let them go. */
  replaced: boolean;
}

const rowOf = (d: Doc, field: Field): Row => ({ docId: d.docId as string, position: d.position as number, at: d[field] as string, op: d.op as string });

/**
 * A history row's op, its document named: the parsed change with collection, id and position written onto
 * it (a literal spreading the change first cost ~1.8 µs per row on Node 20's V8, where this costs nothing).
 */
export function rowOp(collection: string, id: string, position: number, text: string): DocOp {
  const parsed: unknown = JSON.parse(text);
  const op = (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {}) as DocOp;
  op.collection = collection;
  op.id = id;
  op.position = position;
  return op;
}

/**
 * A row's op applied, every value it sets equal to the row's own time (an `updatedAt`, nearly every row)
 * made that very string, which the frames keep once per event (`ats`): parsed from each row's text they
 * were a string per version, ~40 bytes, nearly a million of them at 1M.
 */
function apply(docs: Map<string, Doc>, collection: string, row: Row): void {
  const op = rowOp(collection, row.docId, row.position, row.op);
  const set = op.set;
  if (set) for (const k in set) if (set[k] === row.at) set[k] = row.at;
  const next = applyDocOp(docs.get(row.docId), op);
  if (next) docs.set(row.docId, next);
}

/** Where each document stands in the arrays of whole copies: the order in which the documents appeared. */
interface Order {
  of: Map<string, number>;
  ids: string[];
}

/**
 * A whole copy: the documents at their place in the order (shared by every copy of one build), read as
 * a Map iterating as `new Map(state)` did at that moment, without the cost of a Map per copy.
 */
class WholeCopy extends NumberedMap<string, Doc> {
  readonly size: number;
  constructor(
    readonly rows: Int32Array,
    private readonly order: Order,
    private readonly versions: readonly (Doc | undefined)[],
  ) {
    super();
    this.size = rows.length;
  }
  /** The order is shared by later copies: a document that appeared after this one was made is not in it. */
  indexOf(id: string): number {
    const i = this.order.of.get(id);
    return i === undefined || i >= this.rows.length ? -1 : i;
  }
  keyAt(i: number): string {
    return this.order.ids[i]!;
  }
  valueAt(i: number): Doc {
    return this.versions[this.rows[i]!]!;
  }
}

/** The rows of a whole copy read as numbers: the same entries, each the row of its document's version. */
class CopyRows extends NumberedMap<string, number> {
  readonly size: number;
  constructor(private readonly copy: WholeCopy) {
    super();
    this.size = copy.size;
  }
  indexOf(id: string): number {
    return this.copy.indexOf(id);
  }
  keyAt(i: number): string {
    return this.copy.keyAt(i);
  }
  valueAt(i: number): number {
    return this.copy.rows[i]!;
  }
}

const i32 = (n: number) => new Int32Array(n);

function empty(columns: ColumnSpec): Frames {
  const order: Order = { of: new Map(), ids: [] };
  const versions: (Doc | undefined)[] = [];
  return { fullEvery: framesForTests.fullEvery, built: 0, atBuilt: new Set(), lastAt: '', ats: [], ids: [], versions, fulls: [new WholeCopy(new Int32Array(0), order, versions)], state: new Map(), stateRows: new Int32Array(1024), order, last: new Map(), disordered: new Set(), replaced: false, columns: new Columns(columns) };
}

function sweep(f: Frames, collection: string, row: Row): void {
  // Rows of one event share their time: one string for them all.
  if (row.at === f.lastAt) row.at = f.lastAt;
  const before = f.last.get(row.docId);
  if (before && (row.at < before.at || row.position < before.position)) f.disordered.add(row.docId);
  const id = before?.id ?? row.docId;
  if (!before || row.position > before.position) f.last.set(id, { id, at: row.at, position: row.position });
  apply(f.state, collection, row);
  const doc = f.state.get(id);
  const swept = f.ats.length; // this row's number
  if (doc !== undefined) {
    let i = f.order.of.get(id);
    if (i === undefined) {
      f.order.of.set(id, (i = f.order.ids.length));
      f.order.ids.push(id);
      f.stateRows = grown(f.stateRows, i + 1, i32);
    }
    f.stateRows[i] = swept;
  }
  f.columns.push(doc);
  f.ats.push(row.at);
  f.ids.push(id);
  f.versions.push(doc);
  f.lastAt = f.ats.at(-1)!;
  if (row.position > f.built) {
    f.built = row.position;
    f.atBuilt.clear();
  }
  if (row.position === f.built) f.atBuilt.add(row.docId);
  if (f.ats.length % f.fullEvery === 0) f.fulls.push(new WholeCopy(f.stateRows.slice(0, f.order.ids.length), f.order, f.versions));
}

async function build(reads: HistoryReads, history: string, collection: string, field: Field, columns: ColumnSpec): Promise<Frames> {
  const f = empty(columns);
  framesForTests.builds++;
  // Pages of 1,000: each is swept without a break, and requests wait meanwhile (a build runs beside them).
  for await (const page of reads.stream(history, {}, { sort: { [field]: 1, position: 1 }, batchSize: 1_000 })) {
    for (const d of page) sweep(f, collection, rowOf(d, field));
  }
  return f;
}

const cache = new WeakMap<HistoryReads, Map<string, Promise<Frames | null>>>();

/**
 * The frames of `history`, brought up to date with what was appended since they were built. Refreshes
 * of one history run one after another, so two requests never sweep the same rows twice.
 */
function framesOf(reads: HistoryReads, history: string, collection: string, field: Field, columns: ColumnSpec): Promise<Frames> {
  let byKey = cache.get(reads);
  if (!byKey) cache.set(reads, (byKey = new Map()));
  const key = `${history}\u0000${field}\u0000${JSON.stringify(columns)}`;
  const previous = byKey.get(key) ?? Promise.resolve(null);
  const next = previous.then(async (f) => {
    if (!f) return build(reads, history, collection, field, columns);
    // From the last position swept again: its rows not swept yet (written after the others of their
    // batch, on MongoDB) come now, not never.
    const added = (await reads.find(history, { position: { $gte: f.built } }, { sort: { position: 1, _id: 1 } }))
      .map((d) => rowOf(d, field))
      .filter((row) => row.position > f.built || !f.atBuilt.has(row.docId));
    // Shrunk (a rebuild under way: it empties the history, then writes it again in log order, the same
    // rows) or a change dated before the last row swept: the frames no longer hold. The last row swept is
    // back only once every row before it is: one indexed look-up, where counting the history read all of it.
    const shrunk = f.ats.length > 0 && (await reads.findOne(history, { position: f.built })) === null;
    if (shrunk || added.some((row) => row.at < f.lastAt)) {
      f.replaced = true;
      return build(reads, history, collection, field, columns);
    }
    // Appended rows come in log order; swept in time order, as the build sweeps.
    added.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.position - b.position));
    for (const row of added) sweep(f, collection, row);
    return f;
  });
  byKey.set(key, next.catch(() => null)); // a failed refresh builds anew next time
  return next;
}

/** Builds the frames of whole collections before anyone asks (warmKeyFrames, and the as-of thread's warm). */
export async function buildAhead(reads: HistoryReads, collections: { collection: string; history: string; columns?: ColumnSpec }[]): Promise<void> {
  for (const c of collections) await partsAt(reads, c.history, c.collection, 'occurredAt', '', c.columns ?? NO_COLUMNS);
}

/** How many rows swept are dated at or before `at` (they come first: rows are swept in time order). */
function rowsUpTo(ats: string[], at: string): number {
  let lo = 0;
  let hi = ats.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ats[mid]! <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A collection at a moment as the frames hold it: a whole copy, the rows after it up to the moment, disordered documents folded. */
interface Parts {
  f: Frames;
  copy: WholeCopy;
  from: number;
  to: number;
  disordered: string[];
  folded: Map<string, Doc>;
}

async function partsAt(reads: HistoryReads, history: string, collection: string, field: Field, at: string, columns: ColumnSpec): Promise<Parts> {
  const f = await framesOf(reads, history, collection, field, columns);
  const to = rowsUpTo(f.ats, at);
  const m = Math.floor(to / f.fullEvery);
  const disordered = [...f.disordered];
  const folded = new Map<string, Doc>();
  if (disordered.length > 0) {
    const rows = await reads.find(history, { docId: { $in: disordered }, [field]: { $lte: at } }, { sort: { position: 1, _id: 1 } });
    for (const d of rows) apply(folded, collection, rowOf(d, field));
  }
  return { f, copy: f.fulls[m]!, from: m * f.fullEvery, to, disordered, folded };
}

/** The parts laid over the copy: `version(row)` for a row's document, `own(doc)` for one folded apart. */
function layered<V>(p: Parts, base: IndexedMap<string, V>, version: (row: number) => V, own: (doc: Doc) => V): LayeredMap<string, V> {
  const out = new LayeredMap(base);
  for (let i = p.from; i < p.to; i++) if (p.f.versions[i] !== undefined) out.set(p.f.ids[i]!, version(i));
  // Disordered documents: each folded alone from its rows up to the moment, in log order (it goes last).
  for (const id of p.disordered) out.delete(id);
  for (const [id, doc] of p.folded) out.set(id, own(doc));
  return out;
}

/**
 * `collection` as it stood at `at` by `field`: the whole copy before it with the documents of the rows
 * after that copy laid over it; disordered documents folded alone. The Map answered is the caller's to
 * change (its changes stay in it).
 */
export async function collectionAt(reads: HistoryReads, history: string, collection: string, field: Field, at: string, columns: ColumnSpec = NO_COLUMNS): Promise<Map<string, Doc>> {
  const p = await partsAt(reads, history, collection, field, at, columns);
  return layered(p, p.copy, (row) => p.f.versions[row]!, (doc) => doc);
}

/**
 * A whole collection at a moment with its columns: `docs` for any query, `answer` for the first documents
 * of a sort and the count of a filter on the columns (null when they cannot say: ask `docs`).
 */
export interface ViewAt {
  /** True once the frames it lays over were built again: it holds a whole old set of them in memory. */
  stale(): boolean;
  docs(): Map<string, Doc>;
  answer(filter: Filter, sort: Record<string, 1 | -1> | undefined, first: number): { page: Doc[]; total: number } | null;
}

export async function viewAt(reads: HistoryReads, history: string, collection: string, field: Field, at: string, columns: ColumnSpec): Promise<ViewAt> {
  const p = await partsAt(reads, history, collection, field, at, columns);
  let docs: Map<string, Doc> | undefined;
  let entries: (number | Doc)[] | undefined;
  const version = (row: number) => p.f.versions[row]!;
  return {
    stale: () => p.f.replaced,
    docs: () => (docs ??= layered(p, p.copy, version, (doc) => doc)),
    answer(filter, sort, first) {
      // The view's entries in its order, as rows where they are a row's version (the same layering).
      entries ??= layered<number | Doc>(p, new CopyRows(p.copy), (row) => row, (doc) => doc).valueList();
      const answer = p.f.columns.answer(entries, version, filter, sort, first);
      if (answer !== null) framesForTests.columnAnswers++;
      return answer;
    },
  };
}
