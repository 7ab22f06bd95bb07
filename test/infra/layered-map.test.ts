// A LayeredMap must answer and iterate exactly as a copy of its base changed by the same operations,
// and never change the base.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type IndexedMap, LayeredMap } from '../../src/infra/layered-map.js';

/** A base numbered in its order, as a key frame's whole copy is: values() then takes its own path. */
class Numbered<K, V> extends Map<K, V> implements IndexedMap<K, V> {
  private readonly keyList: K[];
  constructor(entries: [K, V][]) {
    super(entries);
    this.keyList = entries.map(([k]) => k);
  }
  indexOf(key: K): number {
    return this.keyList.indexOf(key);
  }
  keyAt(i: number): K {
    return this.keyList[i]!;
  }
  valueAt(i: number): V {
    return this.get(this.keyList[i]!)!;
  }
}

const op = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 30 }), value: fc.string({ maxLength: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 30 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
);

describe('LayeredMap', () => {
  it('is a copy of its base changed by the same sets and deletes: answers, size and order (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 30 }), { maxLength: 20 }), fc.array(op, { maxLength: 40 }), (baseKeys, ops) => {
        const base = new Map(baseKeys.map((k) => [k, `b${k}`]));
        const before = [...base];
        const copy = new Map(base);
        const layered = new LayeredMap(base);
        const overNumbered = new LayeredMap(new Numbered([...base]));
        for (const o of ops) {
          if (o.kind === 'set') {
            copy.set(o.key, o.value);
            expect(layered.set(o.key, o.value)).toBe(layered);
            overNumbered.set(o.key, o.value);
          } else if (o.kind === 'delete') {
            expect(overNumbered.delete(o.key)).toBe(copy.has(o.key));
            expect(layered.delete(o.key)).toBe(copy.delete(o.key));
          } else {
            copy.clear();
            layered.clear();
            overNumbered.clear();
          }
          expect(layered.size).toBe(copy.size);
        }
        expect([...overNumbered.values()]).toEqual([...copy.values()]);
        expect([...layered]).toEqual([...copy]);
        expect([...layered.entries()]).toEqual([...copy.entries()]);
        expect([...layered.keys()]).toEqual([...copy.keys()]);
        expect([...layered.values()]).toEqual([...copy.values()]);
        const seen: [number, string][] = [];
        layered.forEach((v, k) => seen.push([k, v]));
        expect(seen).toEqual([...copy]);
        for (let k = 0; k <= 31; k++) {
          expect(layered.has(k)).toBe(copy.has(k));
          expect(layered.get(k)).toBe(copy.get(k));
        }
        expect([...base]).toEqual(before);
      }),
      { numRuns: 500 },
    );
  });
});
