// The embedded store's sort without mingo where that is plainly the same order: mingo's $sort groups the
// documents by each key's value (hashing every value) and was most of an answer's time on a collection
// rebuilt for one request (a search "as of" a date sorts tens of thousands of documents, and nothing is cached).
import { isPlainObject } from './embedded-doc-ops.js';
import type { Doc } from './read-store.js';

/** A comparison of two positions in the documents by one key. */
type Order = (a: number, b: number) => number;

/** The value at a path through plain objects only; undefined when something else stands on it (an array fans out: mingo decides). */
export function valueAt(doc: Doc, segments: string[]): unknown {
  let v: unknown = doc;
  for (const s of segments) {
    if (!isPlainObject(v)) return undefined;
    v = v[s];
  }
  return v;
}

// Strings and numbers each have their own column and comparison: one function seeing both kinds (the feed
// sorts by a time and a position, the search by a time and an id) ran several times slower on either.
const stringOrder = (values: string[], direction: number): Order => (a, b) => {
  const x = values[a]!;
  const y = values[b]!;
  return x === y ? 0 : x < y ? -direction : direction;
};
const numberOrder = (values: Float64Array, direction: number): Order => (a, b) => {
  const x = values[a]!;
  const y = values[b]!;
  return x === y ? 0 : x < y ? -direction : direction;
};

/**
 * The order by one key, if every document holds a value of a single kind there (strings, or numbers but
 * NaN and -0: MongoDB's order of other kinds, missing values and mixed ones is mingo's to give).
 */
function orderOf(docs: readonly Doc[], key: string, direction: number): Order | null {
  const segments = key.split('.');
  const kind = docs.length > 0 ? typeof valueAt(docs[0]!, segments) : 'string';
  if (kind === 'string') {
    const values: string[] = [];
    for (const doc of docs) {
      const v = valueAt(doc, segments);
      if (typeof v !== 'string') return null;
      values.push(v);
    }
    return stringOrder(values, direction);
  }
  if (kind !== 'number') return null;
  const values = new Float64Array(docs.length);
  for (let i = 0; i < docs.length; i++) {
    const v = valueAt(docs[i]!, segments);
    if (typeof v !== 'number' || Number.isNaN(v) || Object.is(v, -0)) return null;
    values[i] = v;
  }
  return numberOrder(values, direction);
}

/**
 * The order by a key after the first: read only for documents tied on the keys before it (rarely any:
 * reading a key of every document was a large part of a sort). Each comparison made must be between two
 * values of one kind that native comparison orders as mingo does; else `mixed` is set and mingo sorts.
 */
export function tieOrder(docAt: (i: number) => Doc, key: string, direction: number, mixed: { seen: boolean }): Order {
  const segments = key.split('.');
  const values: unknown[] = [];
  const read = (i: number): unknown => (i in values ? values[i] : (values[i] = valueAt(docAt(i), segments)));
  const plain = (v: unknown) => typeof v === 'string' || (typeof v === 'number' && !Number.isNaN(v) && !Object.is(v, -0));
  return (a, b) => {
    const x = read(a);
    const y = read(b);
    if (typeof x !== typeof y || !plain(x) || !plain(y)) {
      mixed.seen = true;
      return 0;
    }
    return x === y ? 0 : (x as string | number) < (y as string | number) ? -direction : direction;
  };
}

/**
 * `docs` in the order mingo's $sort gives them (by each key in turn, descending keys reversed, ties in
 * the order given), or null when the values compared are not all strings or all numbers: mingo sorts those.
 * With `first`, only the first `first` of that order (a page, chosen without sorting the rest).
 */
export function sortNatively(docs: readonly Doc[], sort: Record<string, 1 | -1>, first?: number): Doc[] | null {
  const keys = Object.entries(sort);
  if (keys.length === 0) return null;
  const head = orderOf(docs, keys[0]![0], keys[0]![1]);
  if (head === null) return null;
  const mixed = { seen: false };
  const orders = [head, ...keys.slice(1).map(([key, direction]) => tieOrder((i) => docs[i]!, key, direction, mixed))];
  /** Ties fall back on the position in `docs`, so the order is total. */
  const before = (a: number, b: number): number => {
    for (const order of orders) {
      const c = order(a, b);
      if (c !== 0) return c;
    }
    return a - b;
  };
  // A descending first key: documents mostly come oldest first (in the order they were made), so from the
  // end the page fills with the best early and the rest is turned away by one comparison each.
  const order = first !== undefined && first < docs.length / 8 ? firstOf(docs.length, first, before, keys[0]![1] === -1) : Array.from(docs.keys()).sort(before).slice(0, first);
  return mixed.seen ? null : order.map((i) => docs[i]!);
}

/**
 * The first `k` of 0..n-1 by a total order, sorted: a bounded max-heap of the best seen so far. The order
 * being total, the answer is the same whichever way 0..n-1 is walked (`backwards`: from n-1 down).
 */
export function firstOf(n: number, k: number, before: (a: number, b: number) => number, backwards: boolean): number[] {
  const heap: number[] = []; // heap[0]: the worst kept
  for (let step = 0; step < n && k > 0; step++) {
    const x = backwards ? n - 1 - step : step;
    if (heap.length < k) {
      let i = heap.length;
      heap.push(x);
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (before(x, heap[parent]!) <= 0) break;
        heap[i] = heap[parent]!;
        i = parent;
      }
      heap[i] = x;
    } else if (before(x, heap[0]!) < 0) {
      // x replaces the worst: sift it down to its place.
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= k) break;
        const r = l + 1;
        const child = r < k && before(heap[r]!, heap[l]!) > 0 ? r : l;
        if (before(heap[child]!, x) <= 0) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = x;
    }
  }
  return heap.sort(before);
}
