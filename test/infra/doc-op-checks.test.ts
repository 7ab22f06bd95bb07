// checkDocOp remembers the path sets it found free of conflicts (a rebuild checks millions of ops of a few
// shapes): a remembered shape must never let through an op whose paths differ.
import { describe, expect, it } from 'vitest';
import { checkDocOp } from '../../src/infra/embedded-doc-ops.js';

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
