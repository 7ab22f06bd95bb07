// The rebuild's heap policy (heap-room.ts): the growth allowed above what survived a full collection.
import { describe, expect, it } from 'vitest';
import { growingPercent } from '../../src/infra/heap-room.js';

const MB = 2 ** 20;

describe('growingPercent', () => {
  it('allows twice a small live heap, then keeps the room near the bound as the heap grows, never under 30 %', () => {
    expect(growingPercent(100 * MB, 200 * MB)).toBe(100);
    expect(growingPercent(200 * MB, 200 * MB)).toBe(100);
    expect(growingPercent(400 * MB, 200 * MB)).toBe(50);
    expect(growingPercent(500 * MB, 200 * MB)).toBe(40);
    expect(growingPercent(2_000 * MB, 200 * MB)).toBe(30);
  });

  it('answers the cap for a reading that is not a size', () => {
    expect(growingPercent(0, 200 * MB)).toBe(100);
    expect(growingPercent(Number.NaN, 200 * MB)).toBe(100);
  });
});
