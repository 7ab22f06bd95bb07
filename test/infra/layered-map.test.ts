// A LayeredMap must answer and iterate exactly as a copy of its base changed by the same operations,
// and never change the base.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LayeredMap } from '../../src/infra/layered-map.js';

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
        for (const o of ops) {
          if (o.kind === 'set') {
            copy.set(o.key, o.value);
            expect(layered.set(o.key, o.value)).toBe(layered);
          } else if (o.kind === 'delete') expect(layered.delete(o.key)).toBe(copy.delete(o.key));
          else {
            copy.clear();
            layered.clear();
          }
          expect(layered.size).toBe(copy.size);
        }
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
