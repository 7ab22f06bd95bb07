// How many verify threads a large log gets by default: the cores the OS reports, never more than it may use.
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { physicalCores } from '../../src/infra/sqlite-verify.js';

describe('physicalCores', () => {
  it('is a whole number of cores between one and the logical CPUs this process may use', () => {
    const cores = physicalCores();
    expect(Number.isInteger(cores)).toBe(true);
    expect(cores).toBeGreaterThanOrEqual(1);
    expect(cores).toBeLessThanOrEqual(availableParallelism());
  });
});
