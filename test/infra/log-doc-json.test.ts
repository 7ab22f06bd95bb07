// The text of a log document, made without the document: always the document's own JSON text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { logDocOf, logDocText } from '../../src/infra/log-tables.mjs';

const key = fc.oneof(fc.constantFrom('_id', '_position', '0', '12', 'at', 'actorId', '名称', 'a b', 'x"y'), fc.string({ maxLength: 6 }));
const leaf = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null), fc.constant(undefined));
const value = fc.oneof(leaf, fc.dictionary(key, leaf, { maxKeys: 3 }));
const op = fc.record({
  id: fc.string({ minLength: 1, maxLength: 10 }),
  position: fc.integer({ min: 1 }),
  set: fc.option(fc.dictionary(key, value, { maxKeys: 6 }), { nil: undefined }),
});

describe('logDocText (made by the read-model writer thread)', () => {
  it('is JSON.stringify of the document the op writes, for any op', () => {
    fc.assert(
      fc.property(op, ({ id, position, set }) => {
        expect(logDocText(id, set, position)).toBe(JSON.stringify(logDocOf(id, set, position)));
      }),
      { numRuns: 3000 },
    );
  });

  it('takes the short way for a plain set, with the id first and the position last', () => {
    expect(logDocText('e-1', { actorId: '经办人', n: 2 }, 7)).toBe('{"_id":"e-1","actorId":"经办人","n":2,"_position":7}');
  });
});
