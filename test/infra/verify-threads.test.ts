// How many verify threads a large log gets by default: the cores the OS reports, never more than it may use;
// and how a thread's range is read.
import { availableParallelism } from 'node:os';
import type Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { BATCH_SQL } from '../../src/infra/sqlite-chain-check.mjs';
import { SqliteEventStore } from '../../src/infra/sqlite-event-store.js';
import { physicalCores } from '../../src/infra/sqlite-verify.js';

describe('physicalCores', () => {
  it('is a whole number of cores between one and the logical CPUs this process may use', () => {
    const cores = physicalCores();
    expect(Number.isInteger(cores)).toBe(true);
    expect(cores).toBeGreaterThanOrEqual(1);
    expect(cores).toBeLessThanOrEqual(availableParallelism());
  });
});

describe('a verify range', () => {
  it('walks the rowids between both of its bounds: its last, empty batch does not read the rows after it', () => {
    const events = SqliteEventStore.open(':memory:'); // the log's own schema
    try {
      const plan = (events as unknown as { db: Database.Database }).db.prepare(`EXPLAIN QUERY PLAN ${BATCH_SQL}`).all(0, 10) as { detail: string }[];
      expect(plan.map((p) => p.detail)).toContain('SEARCH events USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)');
    } finally {
      void events.close();
    }
  });
});
