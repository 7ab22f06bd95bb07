// checkDocOp remembers the path sets it found free of conflicts (a rebuild checks millions of ops of a few
// shapes): a remembered shape must never let through an op whose paths differ.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkDocOp, keptShapes } from '../../src/infra/embedded-doc-ops.js';

const op = (change: Record<string, unknown>) => ({ collection: 'c', id: 'x', position: 1, ...change });

describe('checkDocOp with remembered shapes', () => {
  it('still refuses a conflicting op after ops of nearby shapes passed', () => {
    expect(() => checkDocOp(op({ set: { a: 1 }, inc: { b: 1 } }))).not.toThrow();
    expect(() => checkDocOp(op({ set: { a: 1 }, inc: { a: 1 } }))).toThrow(/conflict/);
    expect(() => checkDocOp(op({ set: { 'p.q': 1 }, unset: ['r'] }))).not.toThrow();
    expect(() => checkDocOp(op({ set: { 'p.q': 1 }, unset: ['p'] }))).toThrow(/conflict/);
    // Paths whose characters could run together in a naive text of the shape.
    expect(() => checkDocOp(op({ inc: { 'a.b': 1, c: 1 } }))).not.toThrow();
    expect(() => checkDocOp(op({ inc: { a: 1, 'a.b': 1 } }))).toThrow(/conflict/);
    expect(() => checkDocOp(op({ set: { 'x.y': 1 }, inc: { z: 1 } }))).not.toThrow();
    expect(() => checkDocOp(op({ set: { x: 1 }, inc: { 'x.y': 1 } }))).toThrow(/conflict/);
    // The same shape twice: remembered, still fine.
    for (let i = 0; i < 2; i++) expect(() => checkDocOp(op({ set: { a: 1 }, inc: { b: 1 } }))).not.toThrow();
  });
});

describe('checkDocOp on written paths', () => {
  // Few paths are compared pair by pair, many through a remembered shape: both must refuse exactly the ops
  // in which one written path is another or inside it.
  const segment = fc.constantFrom('a', 'b', 'ab', 'units', 'u-1', 'u-12');
  const path = fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join('.'));
  const change = fc.record(
    {
      set: fc.dictionary(path, fc.constant(1), { maxKeys: 5 }),
      unset: fc.uniqueArray(path, { maxLength: 3 }),
      inc: fc.dictionary(path, fc.constant(1), { maxKeys: 6 }),
    },
    { requiredKeys: [] },
  );
  it('refuses an op exactly when two of its written paths overlap (property)', () => {
    fc.assert(
      fc.property(change, (c) => {
        const paths = [...Object.keys(c.set ?? {}), ...(c.unset ?? []), ...Object.keys(c.inc ?? {})];
        // The reference, written out here (checkDocOp's own pathsOverlap avoids making texts).
        const overlap = (a: string, b: string) => a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
        const conflicts = paths.some((p, i) => paths.some((q, j) => j < i && overlap(p, q)));
        if (conflicts) expect(() => checkDocOp(op(c))).toThrow(/conflict/);
        else expect(() => checkDocOp(op(c))).not.toThrow();
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps no long shape, which will not recur (thousands of fresh unit paths): only short ones are remembered', () => {
    const before = keptShapes();
    const units = (n: number, tag: string) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`units.${tag}-${i}-0000-0000-0000-000000000000`, { area: 1 }]));
    for (let i = 0; i < 20; i++) expect(() => checkDocOp(op({ set: { ...units(500, `u${i}`), updatedAt: 't' } }))).not.toThrow();
    expect(keptShapes()).toBe(before);
    expect(() => checkDocOp(op({ set: { 'kept.a': 1, 'kept.b': 2 }, inc: { 'kept.c': 1, 'kept.d': 1, 'kept.e': 1, 'kept.f': 1, 'kept.g': 1 } }))).not.toThrow();
    expect(keptShapes()).toBe(before + 1);
  });
});
