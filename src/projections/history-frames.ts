// Key frames of a history, so a whole collection "as of T" costs a copy of one frame plus the few
// thousand changes after it, instead of folding every change up to T at each request. Built once per
// read store, collection and time field (occurredAt: asOf, recordedAt: asRecordedAt) by one pass over the
// history in (time, position) order, kept up to date with the rows appended since, rebuilt when the
// history shrank or a change arrived dated before the last frame (a late import).
//
// Exact: sweeping in time order applies a document's changes in log order only while its changes are
// dated in log order. A document with a change dated before an earlier one ("disordered": imports,
// corrections) is folded on its own from its rows up to T, in log order, as history.ts always did.
import { applyDocOp } from '../infra/embedded-read-store.js';
import type { Doc, DocOp, ReadStore } from '../infra/read-store.js';

/** Changes between two frames: the most a request folds beyond assembling a frame. */
const EVERY = 500;
/**
 * A frame holds the documents changed since the one before; every FULL-th also the whole collection.
 * Assembling T's frame copies the full one before it and overlays at most FULL deltas: memory stays near
 * one entry per change plus a whole copy per FULL × EVERY changes.
 */
const FULL = 40;

type Field = 'occurredAt' | 'recordedAt';
interface Row {
  docId: string;
  position: number;
  at: string;
  op: string;
}
interface Frame {
  at: string;
  position: number;
  changed: Map<string, Doc>;
  full?: Map<string, Doc>;
}
interface Frames {
  rows: number;
  built: number; // highest position swept
  frames: Frame[];
  state: Map<string, Doc>; // after every row swept
  sinceFrame: Set<string>; // documents changed since the last frame
  last: Map<string, { at: string; position: number }>; // per document, its latest row
  disordered: Set<string>;
}

const rowOf = (d: Doc, field: Field): Row => ({ docId: d.docId as string, position: d.position as number, at: d[field] as string, op: d.op as string });

function apply(docs: Map<string, Doc>, collection: string, row: Row): void {
  const change = JSON.parse(row.op) as Omit<DocOp, 'collection' | 'id' | 'position'>;
  const next = applyDocOp(docs.get(row.docId), { ...change, collection, id: row.docId, position: row.position });
  if (next) docs.set(row.docId, next);
}

function sweep(f: Frames, collection: string, row: Row): void {
  const before = f.last.get(row.docId);
  if (before && (row.at < before.at || row.position < before.position)) f.disordered.add(row.docId);
  if (!before || row.position > before.position) f.last.set(row.docId, { at: row.at, position: row.position });
  apply(f.state, collection, row);
  f.sinceFrame.add(row.docId);
  f.rows++;
  f.built = Math.max(f.built, row.position);
  if (f.rows % EVERY === 0) {
    const changed = new Map([...f.sinceFrame].map((id) => [id, f.state.get(id)!]));
    f.frames.push({ at: row.at, position: row.position, changed, ...(f.frames.length % FULL === 0 ? { full: new Map(f.state) } : {}) });
    f.sinceFrame = new Set();
  }
}

async function build(reads: ReadStore, history: string, collection: string, field: Field): Promise<Frames> {
  const f: Frames = { rows: 0, built: 0, frames: [], state: new Map(), sinceFrame: new Set(), last: new Map(), disordered: new Set() };
  // Pages of 1,000: each is swept without a break, and requests wait meanwhile (a build runs beside them).
  for await (const page of reads.stream(history, {}, { sort: { [field]: 1, position: 1 }, batchSize: 1_000 })) {
    for (const d of page) sweep(f, collection, rowOf(d, field));
  }
  return f;
}

const cache = new WeakMap<ReadStore, Map<string, Promise<Frames | null>>>();

/**
 * The frames of `history`, brought up to date with what was appended since they were built. Refreshes
 * of one history run one after another, so two requests never sweep the same rows twice.
 */
function framesOf(reads: ReadStore, history: string, collection: string, field: Field): Promise<Frames> {
  let byKey = cache.get(reads);
  if (!byKey) cache.set(reads, (byKey = new Map()));
  const key = `${history}\u0000${field}`;
  const previous = byKey.get(key) ?? Promise.resolve(null);
  const next = previous.then(async (f) => {
    if (!f) return build(reads, history, collection, field);
    const added = await reads.find(history, { position: { $gt: f.built } }, { sort: { position: 1, _id: 1 } });
    const lastFrame = f.frames.at(-1);
    // Shrunk (a rebuild under way: it empties the history, then writes it again in log order, the same
    // rows) or a change dated before the last frame: the frames no longer hold. The last row swept is
    // back only once every row before it is: one indexed look-up, where counting the history read all of it.
    const shrunk = f.rows > 0 && (await reads.findOne(history, { position: f.built })) === null;
    if (shrunk || added.some((d) => lastFrame !== undefined && (d[field] as string) < lastFrame.at)) {
      return build(reads, history, collection, field);
    }
    for (const d of added) sweep(f, collection, rowOf(d, field));
    return f;
  });
  byKey.set(key, next.catch(() => null)); // a failed refresh builds anew next time
  return next;
}

/** The index of the last frame at or before `at`, by binary search; -1 when the first is later. */
function frameAt(frames: Frame[], at: string): number {
  let lo = 0;
  let hi = frames.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (frames[mid]!.at <= at) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** The collection as of frame `k`: the full copy before it, overlaid with the changes of the frames after that. */
function assemble(frames: Frame[], k: number): Map<string, Doc> {
  if (k < 0) return new Map();
  let j = k;
  while (frames[j]!.full === undefined) j--;
  const docs = new Map(frames[j]!.full);
  for (let i = j + 1; i <= k; i++) for (const [id, doc] of frames[i]!.changed) docs.set(id, doc);
  return docs;
}

/** `collection` as it stood at `at` by `field`: a frame, the changes after it up to `at`, disordered documents folded alone. */
export async function collectionAt(reads: ReadStore, history: string, collection: string, field: Field, at: string): Promise<Map<string, Doc>> {
  const f = await framesOf(reads, history, collection, field);
  const k = frameAt(f.frames, at);
  const frame = f.frames[k];
  const docs = assemble(f.frames, k);
  const after = await reads.find(history, { [field]: { $gte: frame?.at ?? '', $lte: at } }, { sort: { [field]: 1, position: 1 } });
  for (const d of after) {
    const row = rowOf(d, field);
    if (frame && row.at === frame.at && row.position <= frame.position) continue; // in the frame already
    if (!f.disordered.has(row.docId)) apply(docs, collection, row);
  }
  if (f.disordered.size > 0) {
    const ids = [...f.disordered];
    for (const id of ids) docs.delete(id);
    const rows = await reads.find(history, { docId: { $in: ids }, [field]: { $lte: at } }, { sort: { position: 1, _id: 1 } });
    for (const d of rows) apply(docs, collection, rowOf(d, field));
  }
  return docs;
}
