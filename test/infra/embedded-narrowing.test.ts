// The embedded store's indexes only narrow what mingo then tests: with or without them, every filter
// must give the same documents. Random documents and random filters through $and, $or, $in and $all.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import type { DocOp, Filter } from '../../src/infra/read-store.js';

const C = 'items';
const letters = ['南', '山', '科', '技', '园', '宝', '安'];
const doc = fc.record({
  status: fc.constantFrom('registered', 'published', 'withdrawn'),
  district: fc.constantFrom('nanshan', 'baoan', 'futian'),
  grams: fc.uniqueArray(fc.constantFrom(...letters), { maxLength: 5 }),
  nested: fc.option(fc.record({ tags: fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 }) }), { nil: undefined }),
});
const leaf: fc.Arbitrary<Filter> = fc.oneof(
  fc.constantFrom('registered', 'published').map((v) => ({ status: v })),
  fc.constantFrom('nanshan', 'baoan').map((v) => ({ district: { $in: [v, 'futian'] } })),
  fc.uniqueArray(fc.constantFrom(...letters), { minLength: 1, maxLength: 3 }).map((v) => ({ grams: { $all: v } })),
  fc.constantFrom('a', 'b').map((v) => ({ 'nested.tags': v })),
  fc.constantFrom(...letters).map((v) => ({ grams: v, status: { $ne: 'withdrawn' } })),
);
const filter: fc.Arbitrary<Filter> = fc.letrec<{ f: Filter }>((tie) => ({
  f: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('f'), { minLength: 1, maxLength: 3 }).map((parts) => ({ $and: parts })),
    fc.array(tie('f'), { minLength: 1, maxLength: 3 }).map((parts) => ({ $or: parts })),
  ),
})).f;

describe('embedded store index narrowing', () => {
  it('gives exactly what a scan gives, for any filter, before and after documents change', async () => {
    // The changes: the indexes drop the old values (an id alone under a value, or one of many) and take the new.
    const changes = fc.array(fc.tuple(fc.nat(39), doc), { maxLength: 20 });
    await fc.assert(
      fc.asyncProperty(fc.array(doc, { maxLength: 40 }), changes, fc.array(filter, { minLength: 1, maxLength: 5 }), async (docs, changed, filters) => {
        const opOf = (d: (typeof docs)[number], i: number, position: number): DocOp => ({ collection: C, id: `d${i}`, position, set: d.nested ? d : { ...d, nested: undefined } });
        const ops: DocOp[] = docs.map((d, i) => opOf(d, i, 1));
        const later = changed.filter(([i]) => i < docs.length).map(([i, d]) => opOf(d, i, 2));
        const indexed = EmbeddedReadStore.open(null);
        await indexed.ensureIndexes([
          { collection: C, keys: { status: 1, district: 1 } },
          { collection: C, keys: { district: 1 } },
          { collection: C, keys: { grams: 1 } },
          { collection: C, keys: { 'nested.tags': 1 } },
        ]);
        const plain = EmbeddedReadStore.open(null);
        for (const [batch, checkpoint] of [[ops, 1], [later, 2]] as const) {
          await indexed.commit('p', [...batch], checkpoint);
          await plain.commit('p', [...batch], checkpoint);
          for (const f of filters) {
            const ids = async (s: EmbeddedReadStore) => (await s.find(C, f, { sort: { _id: 1 } })).map((d) => d._id);
            expect(await ids(indexed)).toEqual(await ids(plain));
            expect(await indexed.count(C, f)).toBe(await plain.count(C, f));
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
