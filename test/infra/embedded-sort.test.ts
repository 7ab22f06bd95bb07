// The native sort must give mingo's order exactly whenever it answers, and answer for the common case
// (every key all strings or all numbers).
import fc from 'fast-check';
import { Query } from 'mingo';
import { describe, expect, it } from 'vitest';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import { sortNatively } from '../../src/infra/embedded-sort.js';
import type { Doc } from '../../src/infra/read-store.js';

const mingoSorted = (docs: Doc[], sort: Record<string, 1 | -1>) => new Query({}, { scriptEnabled: false }).find<Doc>(docs).sort(sort).all();

const few = <T>(...xs: T[]) => fc.constantFrom(...xs);
/** Values with many ties; sometimes of other kinds, missing, arrays or under an array. */
const value = fc.oneof(
  { weight: 5, arbitrary: few('a', 'b', 'B', 'ab', '', '10', '9', '中') },
  { weight: 5, arbitrary: few(0, 1, -1, 2.5, 10, 9, 1e20) },
  { weight: 1, arbitrary: few<unknown>(null, undefined, true, NaN, -0, ['a'], [2, 1], { x: 1 }) },
);
const doc = (i: number) => fc.record({ a: value, b: value, n: fc.oneof({ weight: 4, arbitrary: fc.record({ c: value }) }, { weight: 1, arbitrary: fc.array(fc.record({ c: value }), { maxLength: 2 }) }) }).map((d) => ({ _id: `d${i}`, ...d }) as Doc);
const docs = fc.integer({ min: 0, max: 40 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => doc(i))));
const sort = fc
  .uniqueArray(few('a', 'b', 'n.c', '_id'), { minLength: 1, maxLength: 3 })
  .chain((keys) => fc.tuple(...keys.map((k) => fc.tuple(fc.constant(k), few(1 as const, -1 as const)))))
  .map((pairs) => Object.fromEntries(pairs) as Record<string, 1 | -1>);

describe('sortNatively', () => {
  it('sorts as mingo does whenever it answers (property)', () => {
    fc.assert(
      fc.property(docs, sort, (ds, s) => {
        const native = sortNatively(ds, s);
        if (native !== null) expect(native.map((d) => d._id)).toEqual(mingoSorted(ds, s).map((d) => d._id));
      }),
      { numRuns: 3_000 },
    );
  });

  it('answers when every key is all strings or all numbers, ties kept in the order given (property)', () => {
    const plain = (i: number) => fc.record({ a: few('x', 'y', 'Y', ''), b: few(3, 1, 2, 0.5, -7), n: fc.record({ c: few('p', 'q') }) }).map((d) => ({ _id: `d${i}`, ...d }) as Doc);
    const plainDocs = fc.integer({ min: 0, max: 60 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => plain(i))));
    fc.assert(
      fc.property(plainDocs, sort, (ds, s) => {
        const native = sortNatively(ds, s);
        expect(native).not.toBeNull();
        expect(native!.map((d) => d._id)).toEqual(mingoSorted(ds, s).map((d) => d._id));
      }),
      { numRuns: 1_000 },
    );
  });

  it('picks the first k of that order without sorting the rest, ties included (property)', () => {
    const plain = (i: number) => fc.record({ a: few('x', 'y', ''), b: few(3, 1, 2), n: fc.record({ c: few('p', 'q') }) }).map((d) => ({ _id: `d${i}`, ...d }) as Doc);
    const many = fc.integer({ min: 0, max: 200 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => plain(i))));
    fc.assert(
      fc.property(many, sort, fc.integer({ min: 0, max: 30 }), (ds, s, k) => {
        expect(sortNatively(ds, s, k)!.map((d) => d._id)).toEqual(mingoSorted(ds, s).slice(0, k).map((d) => d._id));
      }),
      { numRuns: 1_000 },
    );
  });

  it('gives a store made for one answer the pages a store with its matches sorted gives (property)', async () => {
    const plain = (i: number) => fc.record({ a: few('x', 'y', ''), b: fc.oneof(few(3, 1, 2), few<unknown>(null, '1')) }).map((d) => ({ _id: `d${i}`, ...d }) as Doc);
    const many = fc.integer({ min: 0, max: 120 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => plain(i))));
    await fc.assert(
      fc.asyncProperty(many, sort, fc.integer({ min: 0, max: 12 }), fc.integer({ min: 1, max: 12 }), async (ds, s, skip, limit) => {
        const live = EmbeddedReadStore.open(null);
        await live.commit('t', ds.map(({ _id, ...set }, i) => ({ collection: 'c', id: _id, position: i + 1, set })), ds.length);
        const once = EmbeddedReadStore.fromDocs(new Map([['c', new Map(ds.map((d) => [d._id, d]))]]));
        const filter = { a: { $ne: 'y' } };
        const ids = async (r: EmbeddedReadStore) => (await r.find('c', filter, { sort: s, skip, limit })).map((d) => d._id);
        expect(await ids(once)).toEqual(await ids(live));
      }),
      { numRuns: 300 },
    );
  });

  it('leaves mixed kinds, missing values, arrays on the path, NaN and -0 to mingo', () => {
    const s = { a: 1 } as const;
    for (const odd of ['1', undefined, null, ['x'], NaN, -0, true]) {
      expect(sortNatively([{ _id: 'x', a: 1 }, { _id: 'y', a: odd }] as Doc[], s)).toBeNull();
    }
    expect(sortNatively([{ _id: 'x', n: [{ c: 1 }] }] as Doc[], { 'n.c': 1 })).toBeNull();
  });
});
