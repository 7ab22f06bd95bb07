// presentAnswer gives what a full copy without the internal keys gave, as JSON, never changing its input
// (stored documents are frozen), and giving a part that needs no change as it is.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deepFreeze } from '../../src/infra/embedded-doc-ops.js';
import { presentAnswer } from '../../src/projections/presented.js';

/** The rule as it was first written: a new object at every level, hidden keys left out. */
function copied(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copied);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const doc = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (doc.id === undefined && doc._id !== undefined) out.id = doc._id;
  for (const [k, v] of Object.entries(doc)) if (!k.startsWith('_') && !['nameGrams', 'addressGrams', 'geo'].includes(k)) out[k] = copied(v);
  return out;
}

const key = fc.constantFrom('_id', '_position', 'id', 'name', 'nameGrams', 'geo', 'status', '_x', '0', 'units', 'a');
const leaf = fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.constant(null), fc.boolean(), fc.constant(undefined), fc.date({ noInvalidDate: true }));
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('tree'), { maxLength: 4 }), fc.dictionary(key, tie('tree'), { maxKeys: 6 })),
}));

describe('presentAnswer', () => {
  it('writes the JSON the full copy wrote, leaving its frozen input as it was (property)', () => {
    fc.assert(
      fc.property(tree, (value) => {
        const before = JSON.stringify(value);
        const shown = presentAnswer(deepFreeze(value)); // a write into the input would throw here
        expect(JSON.stringify(shown)).toBe(JSON.stringify(copied(value)));
        expect(JSON.stringify(value)).toBe(before);
      }),
      { numRuns: 3000 },
    );
  });

  it('gives a part needing no change as it is, and puts id first', () => {
    const declared = { area: 120, uses: ['研发'] };
    const doc = deepFreeze({ _id: 'a1', _position: 7, declared, geo: { type: 'Point' } });
    const shown = presentAnswer(doc) as Record<string, unknown>;
    expect(shown.declared).toBe(declared);
    expect(JSON.stringify(shown)).toBe('{"id":"a1","declared":{"area":120,"uses":["研发"]}}');
    expect(presentAnswer(declared)).toBe(declared);
  });
});
