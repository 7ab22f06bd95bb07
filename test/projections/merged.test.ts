// merged() stands in for object literals that start with a spread: it must give what the spread gives.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { merged } from '../../src/projections/projection.js';

const key = fc.constantFrom('a', 'b', 'c', '1', '__proto__', 'constructor', 'toString');
const part = fc.dictionary(key, fc.jsonValue(), { maxKeys: 5 });

describe('merged', () => {
  it('equals { ...a, ...b, ...c }: keys, their order, values, prototype (property)', () => {
    fc.assert(
      fc.property(fc.array(part, { maxLength: 4 }), (parts) => {
        const spread = parts.reduce<Record<string, unknown>>((acc, p) => ({ ...acc, ...p }), {});
        const out = merged(...parts);
        expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
        expect(Object.keys(out)).toEqual(Object.keys(spread));
        for (const k of Object.keys(spread)) expect(Object.getOwnPropertyDescriptor(out, k)).toEqual(Object.getOwnPropertyDescriptor(spread, k));
      }),
      { numRuns: 2_000 },
    );
  });

  it('defines an own __proto__ key as data, as a spread does, never as the prototype', () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "name": "x"}') as Record<string, unknown>;
    const out = merged(hostile, { status: 'registered' });
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect((out as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.keys(out)).toEqual(['__proto__', 'name', 'status']);
  });
});
