// A Map read through to a base Map it never changes: what is set or deleted is kept on top. A whole
// collection as of a moment is a key frame (tens of thousands of documents) plus a few thousand changes:
// copying the frame at every request cost more than the changes themselves.

/**
 * A base whose entries are numbered 0..size-1 in its iteration order. Reading the layered values of such
 * a base then skips what lies on top by number, where asking the top about each base key read that key's
 * string (its hash) at a random place in the heap: ~140 ns a document, 3 ms of a 10 ms search "as of".
 */
export interface IndexedMap<K, V> extends ReadonlyMap<K, V> {
  /** The entry's number, or -1. */
  indexOf(key: K): number;
  keyAt(i: number): K;
  valueAt(i: number): V;
}

/** A numbered map, read only: its look-ups and iterations made of its numbering. */
export abstract class NumberedMap<K, V> implements IndexedMap<K, V> {
  abstract readonly size: number;
  abstract indexOf(key: K): number;
  abstract keyAt(i: number): K;
  abstract valueAt(i: number): V;
  get(key: K): V | undefined {
    const i = this.indexOf(key);
    return i < 0 ? undefined : this.valueAt(i);
  }
  has(key: K): boolean {
    return this.indexOf(key) >= 0;
  }
  forEach(callback: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
    for (let i = 0; i < this.size; i++) callback.call(thisArg, this.valueAt(i), this.keyAt(i), this);
  }
  *entries(): MapIterator<[K, V]> {
    for (let i = 0; i < this.size; i++) yield [this.keyAt(i), this.valueAt(i)];
  }
  *keys(): MapIterator<K> {
    for (let i = 0; i < this.size; i++) yield this.keyAt(i);
  }
  *values(): MapIterator<V> {
    for (let i = 0; i < this.size; i++) yield this.valueAt(i);
  }
  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }
}

const isIndexed = <K, V>(m: ReadonlyMap<K, V>): m is IndexedMap<K, V> => typeof (m as Partial<IndexedMap<K, V>>).indexOf === 'function';

/**
 * Behaves as `new Map(base)` changed by the same sets and deletes, iteration order included (a key of the
 * base keeps its place when set, goes to the end when deleted and set again, new keys come last), while
 * the base is only read. The base must not change while the layer is in use.
 */
export class LayeredMap<K, V> extends Map<K, V> {
  /** Keys of the base deleted here (set again afterwards: they then live on top, at the end). */
  private readonly hidden = new Set<K>();

  constructor(private readonly base: ReadonlyMap<K, V>) {
    super();
  }

  /** True when the key's place in the iteration is the top's, not the base's. */
  private onTop(key: K): boolean {
    return this.hidden.has(key) || !this.base.has(key);
  }

  override get(key: K): V | undefined {
    if (super.has(key)) return super.get(key);
    return this.hidden.has(key) ? undefined : this.base.get(key);
  }

  override has(key: K): boolean {
    return super.has(key) || (!this.hidden.has(key) && this.base.has(key));
  }

  override set(key: K, value: V): this {
    super.set(key, value);
    return this;
  }

  override delete(key: K): boolean {
    const had = this.has(key);
    super.delete(key);
    if (this.base.has(key)) this.hidden.add(key);
    return had;
  }

  override clear(): void {
    super.clear();
    for (const key of this.base.keys()) this.hidden.add(key);
  }

  override get size(): number {
    let n = this.base.size - this.hidden.size;
    for (const key of super.keys()) if (this.onTop(key)) n++;
    return n;
  }

  /** Read as a whole (a query tests every document): collected in an array, not yielded one by one. */
  override values(): MapIterator<V> {
    return this.valueList().values();
  }

  /** The values in order, as an array (spreading values() went through the iterator, ~70 ns a value). */
  valueList(): V[] {
    if (isIndexed(this.base)) return this.indexedValues(this.base);
    const out: V[] = [];
    const hidden = this.hidden.size > 0 ? this.hidden : null;
    this.base.forEach((value, key) => {
      if (hidden?.has(key)) return;
      out.push(super.has(key) ? super.get(key)! : value);
    });
    super.forEach((value, key) => {
      if (this.onTop(key)) out.push(value);
    });
    return out;
  }

  /**
   * values() over a numbered base: the base's entries a set or delete reached are found by number first
   * (each key of the top read once), then the base is walked in order without reading its keys.
   */
  private indexedValues(base: IndexedMap<K, V>): V[] {
    const n = base.size;
    const KEPT = 0;
    const REPLACED = 1;
    const DELETED = 2;
    const fate = new Uint8Array(n); // KEPT
    const replacement: V[] = new Array<V>(n);
    const last: V[] = []; // on top, in the top's order: new keys, and keys deleted from the base and set again
    super.forEach((value, key) => {
      const i = base.indexOf(key);
      if (i < 0 || this.hidden.has(key)) last.push(value);
      else {
        fate[i] = REPLACED;
        replacement[i] = value;
      }
    });
    this.hidden.forEach((key) => {
      const i = base.indexOf(key);
      if (i >= 0) fate[i] = DELETED;
    });
    const out: V[] = [];
    for (let i = 0; i < n; i++) {
      const f = fate[i];
      if (f === KEPT) out.push(base.valueAt(i));
      else if (f === REPLACED) out.push(replacement[i]!);
    }
    for (const value of last) out.push(value);
    return out;
  }

  override *entries(): MapIterator<[K, V]> {
    for (const [key, value] of this.base) {
      if (this.hidden.has(key)) continue;
      yield [key, super.has(key) ? super.get(key)! : value];
    }
    for (const entry of super.entries()) if (this.onTop(entry[0])) yield entry;
  }

  override *keys(): MapIterator<K> {
    for (const [key] of this.entries()) yield key;
  }

  override [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  override forEach(callback: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }
}
