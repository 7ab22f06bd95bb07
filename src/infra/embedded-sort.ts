// The embedded store's sort without mingo where that is plainly the same order: mingo's $sort groups the
// documents by each key's value (hashing every value) and was most of an answer's time on a collection
// rebuilt for one request (a search "as of" a date sorts tens of thousands of documents, and nothing is cached).
import { isPlainObject } from './embedded-doc-ops.js';
import type { Doc } from './read-store.js';

type Column = string[] | number[];

/** The values of one sort key, if every document holds one of a single kind (strings, or numbers but NaN and -0) through plain objects only. */
function columnOf(docs: readonly Doc[], key: string): Column | null {
  const segments = key.split('.');
  const values: (string | number)[] = new Array(docs.length);
  let kind: 'string' | 'number' | undefined;
  for (let i = 0; i < docs.length; i++) {
    let v: unknown = docs[i];
    for (const s of segments) {
      if (!isPlainObject(v)) return null; // an array on the path fans out: mingo decides
      v = v[s];
    }
    const t = typeof v;
    if (t !== 'string' && t !== 'number') return null; // missing, null, mixed: MongoDB's order of types
    if (t === 'number' && (Number.isNaN(v) || Object.is(v, -0))) return null;
    if (kind === undefined) kind = t;
    else if (t !== kind) return null;
    values[i] = v as string | number;
  }
  return values as Column;
}

/**
 * `docs` in the order mingo's $sort gives them (by each key in turn, descending keys reversed, ties in
 * the order given), or null when some key's values are not all strings or all numbers: mingo sorts those.
 * With `first`, only the first `first` of that order (a page, chosen without sorting the rest).
 */
export function sortNatively(docs: readonly Doc[], sort: Record<string, 1 | -1>, first?: number): Doc[] | null {
  const keys = Object.entries(sort);
  const columns: Column[] = [];
  for (const [key] of keys) {
    const column = columnOf(docs, key);
    if (column === null) return null;
    columns.push(column);
  }
  /** The order as a comparison of two positions in `docs`: ties fall back on the position, so it is total. */
  const before = (a: number, b: number): number => {
    for (let k = 0; k < columns.length; k++) {
      const x = columns[k]![a]!;
      const y = columns[k]![b]!;
      if (x !== y) return (x < y ? -1 : 1) * keys[k]![1];
    }
    return a - b;
  };
  // A descending first key: documents mostly come oldest first (in the order they were made), so from the
  // end the page fills with the best early and the rest is turned away by one comparison each.
  const order = first !== undefined && first < docs.length / 8 ? firstOf(docs.length, first, before, keys[0]![1] === -1) : Array.from(docs.keys()).sort(before).slice(0, first);
  return order.map((i) => docs[i]!);
}

/**
 * The first `k` of 0..n-1 by a total order, sorted: a bounded max-heap of the best seen so far. The order
 * being total, the answer is the same whichever way 0..n-1 is walked (`backwards`: from n-1 down).
 */
function firstOf(n: number, k: number, before: (a: number, b: number) => number, backwards: boolean): number[] {
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
