// sumCounters: one tree of sums named once, the same map as accumulate of every node (statistics as of a date).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accumulate, sumCounters } from '../../src/projections/statistics.js';

const key = fc.constantFrom('all', 'byDistrict', 'nanshan', 'areaCenti', 'projects', '0', '12', 'a.b', '__proto__', 'constructor', 'toString');
const leaf = fc.oneof(fc.integer({ min: -1e6, max: 1e6 }), fc.double({ noNaN: true }), fc.constant(-0), fc.string({ maxLength: 3 }), fc.constant(null), fc.boolean());
const { tree } = fc.letrec((tie) => ({
  tree: fc.dictionary(key, fc.oneof({ depthSize: 'small' }, leaf, tie('tree')), { maxKeys: 5 }),
}));
const node = fc.oneof({ weight: 8, arbitrary: tree }, { weight: 1, arbitrary: leaf }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.array(fc.integer(), { maxLength: 3 }) });

const plain = (nodes: unknown[]) => {
  const total = new Map<string, number>();
  for (const n of nodes) accumulate(total, n);
  return total;
};
const sorted = (m: Map<string, number>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

describe('sumCounters', () => {
  it('gives what accumulate of each node gives, for any nodes (property)', () => {
    fc.assert(
      fc.property(fc.array(node, { maxLength: 6 }), (nodes) => {
        expect(sorted(sumCounters(nodes))).toEqual(sorted(plain(nodes)));
      }),
      { numRuns: 3000 },
    );
  });

  it('sums counters of one shape leaf by leaf', () => {
    const day = (n: number) => ({ all: { projects: n, areaCenti: 100 * n }, byDistrict: { nanshan: { projects: n } } });
    expect(sorted(sumCounters([day(1), day(2), undefined, day(4)]))).toEqual([
      ['all.areaCenti', 700],
      ['all.projects', 7],
      ['byDistrict.nanshan.projects', 7],
    ]);
  });
});
