// Columns of a history's key frames: for a few fields named by the collection's owner (what the whole
// collection "as of" a moment is filtered and sorted by), each row's document's value kept in typed
// arrays by row. A search "as of" then tests and orders tens of thousands of documents by reading these
// arrays, not the documents: each document read was a cache miss at a random place of a heap of a
// gigabyte (~500 ns a document, most of a 10 ms search at a million events).
//
// Exact, or not at all: a question the columns cannot answer as the view's own find and count would
// (another kind of filter, a value of another kind where the order is read) gets null, and the view answers.
import { isPlainObject } from '../infra/embedded-doc-ops.js';
import { firstOf, tieOrder, valueAt as sortedValue } from '../infra/embedded-sort.js';
import type { Doc, Filter } from '../infra/read-store.js';

/** Codes of a value tested for equality: none at the path, a value of the dictionary, or read the document. */
const MISSING = 0;
const READ_DOC = 0xffff;
const MAX_CODE = 0xfffe;
/**
 * Kinds of a value ordered: numbers, ISO-8601 times (text, ordered here as numbers), anything else. A
 * column keeps the values of one kind, its first one's: others are kept as NaN, which a page the columns
 * answer must not meet (one read of a row, not two, where a scan of the rows is bound by reading them).
 */
const UNORDERED = 0;
const NUMBER = 1;
const TIME = 2;

const u16 = (n: number) => new Uint16Array(n);
const f64 = (n: number) => new Float64Array(n);

/** A growable typed array (rows are appended one at a time). */
export function grown<T extends Uint16Array | Int32Array | Float64Array>(a: T, need: number, make: (n: number) => T): T {
  if (need <= a.length) return a;
  const next = make(Math.max(need, a.length * 2, 1024));
  next.set(a);
  return next;
}

/**
 * "YYYY-MM-DDTHH:mm:ss.sssZ" as a number in the same order as the text (each field fixed-width, within
 * its range: a mixed-radix number, below 2^53 for years to 9999), or NaN for any other text.
 */
export function timeKey(s: string): number {
  if (s.length !== 24 || s.charCodeAt(23) !== 90 /* Z */) return Number.NaN;
  const d = (i: number) => s.charCodeAt(i) - 48;
  const two = (i: number) => (d(i) >= 0 && d(i) <= 9 && d(i + 1) >= 0 && d(i + 1) <= 9 ? d(i) * 10 + d(i + 1) : -1);
  if (s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':' || s[19] !== '.') return Number.NaN;
  const year = two(0) * 100 + two(2);
  const ms = two(20) * 10 + d(22);
  const [mo, day, h, mi, sec] = [two(5), two(8), two(11), two(14), two(17)];
  if (two(0) < 0 || two(2) < 0 || two(20) < 0 || d(22) < 0 || d(22) > 9 || mo < 0 || mo > 12 || day < 0 || day > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return Number.NaN;
  return (((((year * 13 + mo) * 32 + day) * 24 + h) * 60 + mi) * 60 + sec) * 1000 + ms;
}

/** The value an equality test sees at a path (embedded-filter.ts): READ_DOC where that test reads the document itself. */
function testedValue(doc: Doc, segments: string[]): unknown {
  let v: unknown = doc;
  for (const s of segments) {
    if (Array.isArray(v)) return READ_DOC;
    v = isPlainObject(v) ? v[s] : undefined;
  }
  return v !== null && typeof v === 'object' ? READ_DOC : v;
}

/** The fields kept: those tested for equality (as codes, 2 bytes a row) and those ordered by (9 bytes a row). */
export interface ColumnSpec {
  equal: readonly string[];
  order: readonly string[];
}
export const NO_COLUMNS: ColumnSpec = { equal: [], order: [] };

export class Columns {
  private readonly segments: string[][];
  private readonly orderSegments: string[][];
  private readonly dicts: Map<unknown, number>[];
  private codes: Uint16Array[];
  /** Per order column, the kind it keeps (-1: none seen yet). */
  private readonly kinds: number[];
  private keys: Float64Array[];
  private rows = 0;

  constructor(readonly spec: ColumnSpec) {
    this.segments = spec.equal.map((p) => p.split('.'));
    this.orderSegments = spec.order.map((p) => p.split('.'));
    this.dicts = spec.equal.map(() => new Map());
    this.codes = spec.equal.map(() => new Uint16Array(0));
    this.kinds = spec.order.map(() => -1);
    this.keys = spec.order.map(() => new Float64Array(0));
  }

  /** The next row's document (undefined: none after it). */
  push(doc: Doc | undefined): void {
    const row = this.rows++;
    for (let c = 0; c < this.codes.length; c++) {
      const codes = (this.codes[c] = grown(this.codes[c]!, this.rows, u16));
      if (doc !== undefined) codes[row] = this.codeOf(c, testedValue(doc, this.segments[c]!), true) ?? READ_DOC;
    }
    for (let c = 0; c < this.keys.length; c++) {
      const keys = (this.keys[c] = grown(this.keys[c]!, this.rows, f64));
      if (doc === undefined) continue;
      const [kind, key] = this.orderOf(sortedValue(doc, this.orderSegments[c]!));
      if (this.kinds[c] === -1 && kind !== UNORDERED) this.kinds[c] = kind;
      keys[row] = kind === this.kinds[c] ? key : Number.NaN;
    }
  }

  /** The code of a value tested (`add`: a new value gets one while codes last); undefined: not in the dictionary. */
  private codeOf(c: number, v: unknown, add: boolean): number | undefined {
    if (v === undefined) return MISSING;
    if (v === READ_DOC) return READ_DOC;
    const dict = this.dicts[c]!;
    let code = dict.get(v);
    if (code === undefined && add) {
      code = dict.size < MAX_CODE ? dict.size + 1 : READ_DOC;
      if (code !== READ_DOC) dict.set(v, code);
    }
    return code;
  }

  private orderOf(v: unknown): [number, number] {
    if (typeof v === 'number') return Number.isNaN(v) || Object.is(v, -0) ? [UNORDERED, 0] : [NUMBER, v];
    if (typeof v !== 'string') return [UNORDERED, 0];
    const t = timeKey(v);
    return Number.isNaN(t) ? [UNORDERED, 0] : [TIME, t];
  }

  /**
   * The first `first` documents matching `filter` in `sort`'s order, and how many match, as the view's
   * own find (sortNatively's order, ties in the order given) and count answer them; null when the columns
   * cannot say. `entries`: the view's documents in its order, each a row of the history or a document
   * folded apart (a number or a document); `docOf` gives a row's document.
   */
  answer(entries: readonly (number | Doc)[], docOf: (row: number) => Doc, filter: Filter, sort: Record<string, 1 | -1> | undefined, first: number): { page: Doc[]; total: number } | null {
    const conditions = this.conditionsOf(filter);
    if (conditions === null) return null;
    const sortKeys = sort ? Object.entries(sort) : [];
    const head = sortKeys.length > 0 ? this.spec.order.indexOf(sortKeys[0]![0]) : -1;
    if (sort && head < 0) return null;
    const matched: number[] = []; // indices into entries
    const keys: number[] = [];
    const tested = conditions.map(({ c, one, many }) => ({ c, codes: this.codes[c]!, one, many }));
    const headKind = this.kinds[head] ?? -1;
    const headKeys = this.keys[head] ?? new Float64Array(0);
    for (let e = 0; e < entries.length; e++) {
      const entry = entries[e]!;
      const row = typeof entry === 'number' ? entry : -1;
      let ok = true;
      for (const { c, codes, one, many } of tested) {
        let code: number;
        if (row >= 0) code = codes[row]!;
        else {
          // A document folded apart (dated out of order): its value, if the dictionary knows it.
          const known = this.codeOf(c, testedValue(entry as Doc, this.segments[c]!), false);
          if (known === undefined) return null;
          code = known;
        }
        if (code === READ_DOC) return null; // an array or an object on the path: MongoDB's rules, the view's to apply
        if (many === null ? code !== one : !many.has(code)) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      matched.push(e);
      if (head < 0) continue;
      let key: number;
      if (row >= 0) key = headKeys[row]!;
      else {
        const [kind, value] = this.orderOf(sortedValue(entry as Doc, this.orderSegments[head]!));
        key = kind === headKind ? value : Number.NaN;
      }
      if (Number.isNaN(key)) return null; // not of the column's kind: the view's sort decides what to do
      keys.push(key);
    }
    const doc = (i: number): Doc => {
      const entry = entries[matched[i]!]!;
      return typeof entry === 'number' ? docOf(entry) : entry;
    };
    if (!sort) return { page: Array.from({ length: Math.min(first, matched.length) }, (_, i) => doc(i)), total: matched.length };
    // The keys after the first, read from the documents only where the first ties (embedded-sort.ts).
    const mixed = { seen: false };
    const ties = sortKeys.slice(1).map(([key, direction]) => tieOrder(doc, key, direction, mixed));
    const direction = sortKeys[0]![1];
    const before = (a: number, b: number): number => {
      const x = keys[a]!;
      const y = keys[b]!;
      if (x !== y) return x < y ? -direction : direction;
      for (const order of ties) {
        const c = order(a, b);
        if (c !== 0) return c;
      }
      return a - b;
    };
    const order = firstOf(matched.length, Math.min(first, matched.length), before, direction === -1);
    return mixed.seen ? null : { page: order.map(doc), total: matched.length };
  }

  /** The filter as equalities on columns (through $and), each to a code or a set of codes; null otherwise. */
  private conditionsOf(filter: Filter): { c: number; one: number; many: Set<number> | null }[] | null {
    const out: { c: number; one: number; many: Set<number> | null }[] = [];
    for (const [key, condition] of Object.entries(filter)) {
      if (key === '$and' && Array.isArray(condition)) {
        for (const part of condition as Filter[]) {
          const inner = isPlainObject(part) ? this.conditionsOf(part) : null;
          if (inner === null) return null;
          out.push(...inner);
        }
        continue;
      }
      const c = this.spec.equal.indexOf(key);
      if (c < 0 || key.startsWith('$')) return null;
      const list = isPlainObject(condition) && Object.keys(condition).length === 1 && Array.isArray(condition.$in) ? (condition.$in as unknown[]) : [condition];
      if (!list.every((v) => typeof v === 'string' || typeof v === 'boolean')) return null;
      const codes = list.map((v) => this.codeOf(c, v, false) ?? -1);
      out.push({ c, one: codes[0] ?? -1, many: codes.length === 1 ? null : new Set(codes) });
    }
    return out;
  }
}
