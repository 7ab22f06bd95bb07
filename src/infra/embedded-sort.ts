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
  const order = first !== undefined && first < docs.length / 8 ? firstOf(docs.length, first, before) : Array.from(docs.keys()).sort(before).slice(0, first);
  return order.map((i) => docs[i]!);
}

/** The first `k` of 0..n-1 by a total order, sorted: a bounded max-heap of the best seen so far. */
function firstOf(n: number, k: number, before: (a: number, b: number) => number): number[] {
  const heap: number[] = []; // heap[0]: the worst kept
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < heap.length && before(heap[l]!, heap[worst]!) > 0) worst = l;
      if (r < heap.length && before(heap[r]!, heap[worst]!) > 0) worst = r;
      if (worst === i) return;
      [heap[i], heap[worst]] = [heap[worst]!, heap[i]!];
      i = worst;
    }
  };
  for (let x = 0; x < n && k > 0; x++) {
    if (heap.length < k) {
      heap.push(x);
      for (let i = heap.length - 1; i > 0; ) {
        const parent = (i - 1) >> 1;
        if (before(heap[i]!, heap[parent]!) <= 0) break;
        [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
        i = parent;
      }
    } else if (before(x, heap[0]!) < 0) {
      heap[0] = x;
      down(0);
    }
  }
  return heap.sort(before);
}
