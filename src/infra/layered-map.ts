// A Map read through to a base Map it never changes: what is set or deleted is kept on top. A whole
// collection as of a moment is a key frame (tens of thousands of documents) plus a few thousand changes:
// copying the frame at every request cost more than the changes themselves.

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
    const out: V[] = [];
    const hidden = this.hidden.size > 0 ? this.hidden : null;
    this.base.forEach((value, key) => {
      if (hidden?.has(key)) return;
      out.push(super.has(key) ? super.get(key)! : value);
    });
    super.forEach((value, key) => {
      if (this.onTop(key)) out.push(value);
    });
    return out.values();
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
