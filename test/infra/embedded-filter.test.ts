// The equality test without mingo must answer as mingo does for every document, and be used only for
// filters it can say exactly.
import fc from 'fast-check';
import { Query } from 'mingo';
import { describe, expect, it } from 'vitest';
import { equalityTest } from '../../src/infra/embedded-filter.js';
import type { Doc, Filter } from '../../src/infra/read-store.js';

const few = <T>(...xs: T[]) => fc.constantFrom(...xs);
const leaf = few<unknown>('a', 'b', '', true, false, 0, 1, null, undefined, 'true');
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ maxDepth: 3, withCrossShrink: true }, leaf, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(few('a', 'b', 'c'), tie('v'), { maxKeys: 3, noNullPrototype: true })),
})).v;
const doc = fc.dictionary(few('a', 'b', 'c'), value, { maxKeys: 3, noNullPrototype: true }).map((d) => ({ _id: 'x', ...d }) as Doc);
const key = few<string | boolean>('a', 'b', '', true, false, 'x', 'true');
const condition = fc.oneof(key, fc.array(key, { maxLength: 3 }).map(($in) => ({ $in })));
const filter = fc.dictionary(few('a', 'b', 'a.b', 'a.c', 'b.a.c', 'a.0', '_id'), condition, { maxKeys: 3, noNullPrototype: true }) as fc.Arbitrary<Filter>;

describe('equalityTest', () => {
  it('answers as mingo for equalities to strings and booleans and $in lists of them, arrays and objects on the path included (property)', () => {
    fc.assert(
      fc.property(filter, fc.array(doc, { maxLength: 8 }), (f, docs) => {
        const query = new Query(f, { scriptEnabled: false });
        const test = equalityTest(f, (d) => query.test(d));
        expect(test).not.toBeNull();
        for (const d of docs) expect(test!(d)).toBe(query.test(d));
      }),
      { numRuns: 5_000 },
    );
  });

  it('declines anything but equalities to strings and booleans and $in lists of them', () => {
    const never = () => true;
    for (const f of [{ a: 1 }, { a: null }, { a: { $ne: 'x' } }, { $or: [{ a: 'x' }] }, { a: ['x'] }, { a: /x/ }, { a: 'x', b: 2 }, { a: { $in: ['x', 1] } }, { a: { $in: ['x'], $ne: 'y' } }, { a: { $in: 'x' } }, { $and: [{ a: 'x' }] }] as Filter[]) {
      expect(equalityTest(f, never)).toBeNull();
    }
  });
});
