// The store's copy of a set value must be exactly what JSON gives (what a reload from the file gives and
// what the MongoDB driver stores): the fast copy is checked against JSON.parse(JSON.stringify(v)).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DOC_PROTO, parseDoc } from '../../src/infra/doc-realm.js';
import { plain } from '../../src/infra/embedded-doc-ops.js';

// Stored documents' objects are made in a context of their own (doc-realm.ts): a plain object or array
// of either context is plain data; anything else (a prototype set through a `__proto__` key) is not.
const OBJECTS = new Set<unknown>([Object.prototype, DOC_PROTO]);
const ARRAYS = new Set<unknown>([Array.prototype, Object.getPrototypeOf(parseDoc('[]'))]);
const kind = (v: object) => (OBJECTS.has(Object.getPrototypeOf(v)) ? 'object' : ARRAYS.has(Object.getPrototypeOf(v)) && Array.isArray(v) ? 'array' : 'other');

/** Equal as JSON values, key order included, and telling -0 from 0 (toEqual would not). */
function same(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  if (kind(a) === 'other' || kind(a) !== kind(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

const odd = fc.constantFrom<unknown>(undefined, NaN, -0, Infinity, new Date(0), new Date(NaN), () => 1, Symbol('s'), new Map([[1, 2]]), Object.assign(Object.create(null), { a: 1 }), { toJSON: () => 'x' }, JSON.parse('{"__proto__": {"a": 1}}'), { 2: 'b', 1: 'a', z: 0 });
const value = fc.letrec((tie) => ({
  leaf: fc.oneof(fc.jsonValue({ maxDepth: 2 }), odd, fc.date({ noInvalidDate: true })),
  node: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 4 }), tie('node'), { maxKeys: 4 })),
})).node;

describe('plain: a set value as the file keeps it', () => {
  it('is JSON.parse(JSON.stringify(v)) for any object an op may carry, and never aliases it', () => {
    fc.assert(
      fc.property(value, (v) => {
        let expected: unknown;
        try {
          // A top-level primitive is kept as it is (what it was before the fast copy); objects go through JSON.
          expected = v === undefined ? null : v === null || typeof v !== 'object' ? v : JSON.parse(JSON.stringify(v));
        } catch {
          return; // JSON refuses it (a bigint, a cycle): nothing to compare
        }
        const copy = plain(v);
        expect(same(copy, expected), `${String(JSON.stringify(v))}`).toBe(true);
        if (typeof v === 'object' && v !== null && !(v instanceof Date)) expect(copy).not.toBe(v);
      }),
      { numRuns: 3000 },
    );
  });

  it('turns a Date into its ISO text, -0 into 0 and drops undefined fields, as JSON does', () => {
    const copy = plain({ at: new Date('2020-01-02T03:04:05Z'), n: -0, gone: undefined, list: [undefined, NaN] }) as Record<string, unknown>;
    expect(copy).toEqual({ at: '2020-01-02T03:04:05.000Z', n: 0, list: [null, null] });
    expect(Object.is(copy.n, 0)).toBe(true);
    expect('gone' in copy).toBe(false);
  });
});
