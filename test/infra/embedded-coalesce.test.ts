// Counter ops summed per document before the embedded store applies a batch: the documents must be what
// applying the ops one by one gives, whatever the ops, their order, positions and the stored versions.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coalesceCounts, mergedParts, sumsExactly } from '../../src/infra/embedded-coalesce.js';
import { EmbeddedReadStore, applyDocOp } from '../../src/infra/embedded-read-store.js';
import type { Doc, DocOp } from '../../src/infra/read-store.js';

const ids = ['a', 'b', 'c'];
// 'c.all' is a counter where the others make it an object: a batch holding both must fail either way.
const path = fc.oneof({ weight: 12, arbitrary: fc.constantFrom('c.all.projects', 'c.all.areaCenti', 'c.byDistrict.nanshan.projects', 'n', 'x.y') }, { weight: 1, arbitrary: fc.constant('c.all') });
const amount = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: -1000, max: 1000 }) }, { weight: 1, arbitrary: fc.double({ min: -10, max: 10, noNaN: true }) }, { weight: 1, arbitrary: fc.constant(Number.MAX_SAFE_INTEGER) });
// { n: 7 } with an inc of n is refused (MongoDB cannot do both): merged or not, such an op must be refused.
const setOnInsert = fc.constantFrom(undefined, { kind: 'day', key: '2020-01-01' }, { kind: 'day', key: '2020-01-02' }, { kind: 'month' }, { n: 7 });
const change = fc.oneof(
  { weight: 6, arbitrary: fc.record({ inc: fc.dictionary(path, amount, { minKeys: 1, maxKeys: 4 }), setOnInsert }) },
  { weight: 1, arbitrary: fc.record({ set: fc.record({ label: fc.string({ maxLength: 3 }) }) }) },
  { weight: 1, arbitrary: fc.record({ unset: fc.constant(['label']) }) },
);
/** A batch: ops on a few documents, positions rising (an event may repeat one: two ops of one position). */
const batch = fc.array(fc.tuple(fc.constantFrom(...ids), fc.integer({ min: 0, max: 2 }), change), { maxLength: 40 }).map((items) => {
  let position = 10;
  return items.map(([id, step, c]): DocOp => {
    position += step;
    return { collection: 'stats', id, position, ...c } as DocOp;
  });
});
/** What the store held before the batch: some documents, at positions the batch may be before or after. */
const stored = fc.dictionary(fc.constantFrom(...ids), fc.record({ position: fc.integer({ min: 0, max: 40 }), projects: fc.integer({ min: -5, max: 5 }) }), { maxKeys: 3 });

/**
 * Applies ops one by one, as MongoDB would (the position guard per op); conflicting paths: 'error'. A merged
 * op whose sums might round on the document goes as its parts, as the store does.
 */
function oneByOne(start: Map<string, Doc>, ops: DocOp[]): Map<string, Doc> | 'error' {
  const docs = new Map(start);
  try {
    for (const op of ops) {
      const doc = docs.get(op.id);
      const parts = mergedParts(op);
      for (const part of parts !== undefined && doc !== undefined && !sumsExactly(doc, op) ? parts : [op]) {
        const next = applyDocOp(docs.get(op.id), part);
        if (next) docs.set(op.id, next);
      }
    }
  } catch {
    return 'error';
  }
  return docs;
}

const startOf = (s: Record<string, { position: number; projects: number }>) =>
  new Map(Object.entries(s).map(([id, d]): [string, Doc] => [id, { _id: id, c: { all: { projects: d.projects } }, _position: d.position }]));

describe('coalesceCounts', () => {
  it('gives the documents that applying the ops one by one gives (property)', () => {
    fc.assert(
      fc.property(batch, stored, (ops, s) => {
        const start = startOf(s);
        const merged = coalesceCounts(ops, (_c, id) => start.get(id));
        expect(oneByOne(start, merged)).toEqual(oneByOne(start, ops));
      }),
      { numRuns: 3000 },
    );
  });

  it('sums a run of counting ops on one document into one op, the last position and the first setOnInsert', () => {
    const day = { kind: 'day', key: '2020-01-01' };
    const ops: DocOp[] = [
      { collection: 's', id: 'd', position: 1, inc: { 'c.n': 1, 'c.m': 2 }, setOnInsert: day },
      { collection: 's', id: 'e', position: 1, inc: { 'c.n': 5 } },
      { collection: 's', id: 'd', position: 2, inc: { 'c.n': 3 }, setOnInsert: { ...day } },
      { collection: 's', id: 'd', position: 3, set: { label: 'x' } },
      { collection: 's', id: 'd', position: 4, inc: { 'c.n': 1 } },
      { collection: 's', id: 'd', position: 5, inc: { 'c.n': 0.5 } },
    ];
    expect(coalesceCounts(ops, () => undefined)).toEqual([
      { collection: 's', id: 'd', position: 2, inc: { 'c.n': 4, 'c.m': 2 }, setOnInsert: day },
      ops[1],
      ops[3],
      ops[4], // after the set: a new run, and the next op counts a fraction (not merged)
      ops[5],
    ]);
  });

  it('leaves the ops a stored document already reflects as they are (checked, then skipped), and merges the rest', () => {
    const ops: DocOp[] = [1, 2, 3, 4].map((position) => ({ collection: 's', id: 'd', position, inc: { n: position } }));
    const merged = coalesceCounts(ops, () => ({ _id: 'd', n: 3, _position: 2 }));
    expect(merged).toEqual([ops[0], ops[1], { collection: 's', id: 'd', position: 4, inc: { n: 7 } }]);
    expect(mergedParts(merged[2]!)).toEqual([ops[2], ops[3]]);
  });

  it('a merged op falls back to its parts where a counter is too large to add in any order', () => {
    expect(sumsExactly({ _id: 'd', c: { n: 2 ** 52 - 1 } }, { collection: 's', id: 'd', position: 1, inc: { 'c.n': 1 } })).toBe(true);
    expect(sumsExactly({ _id: 'd', c: { n: 2 ** 52 } }, { collection: 's', id: 'd', position: 1, inc: { 'c.n': 1 } })).toBe(false);
    expect(sumsExactly({ _id: 'd', c: { n: 0.5 } }, { collection: 's', id: 'd', position: 1, inc: { 'c.n': 1 } })).toBe(false);
    expect(sumsExactly({ _id: 'd' }, { collection: 's', id: 'd', position: 1, inc: { 'c.n': 1 } })).toBe(true);
  });

  it('in the store: one commit of the batch gives the documents of one commit per op', async () => {
    await fc.assert(
      fc.asyncProperty(batch, async (ops) => {
        const together = EmbeddedReadStore.open(null);
        const apart = EmbeddedReadStore.open(null);
        let failed = false;
        try {
          await together.commit('p', ops, 100);
        } catch {
          failed = true;
        }
        let failedApart = false;
        for (const op of ops) {
          try {
            await apart.commit('p', [op], op.position);
          } catch {
            failedApart = true;
          }
        }
        // A batch that fails is refused whole; applied one by one, the same ops fail somewhere too.
        expect(failed).toBe(failedApart);
        if (!failed) expect(await together.find('stats', {})).toEqual(await apart.find('stats', {}));
      }),
      { numRuns: 500 },
    );
  });
});
