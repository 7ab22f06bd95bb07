// Bulk mode (a rebuild) on the embedded store's file: log documents go ahead, the other documents and the
// checkpoints wait for the bulk's end and then go in parts (more than one transaction's worth here). An
// end not reached leaves the file as it was before the bulk, but for the log documents written once each.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'bulk-persist-'));
  dirs.push(dir);
  return dir;
};

const DOCS = 45_000; // more than two parts of 20,000
const ops = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, k) => {
    const i = from + k;
    return [
      { collection: 'items', id: `i${i}`, position: i + 1, set: { n: i } },
      { collection: 'counters', id: 'all', position: i + 1, inc: { n: 1 } },
      { collection: 'trail', id: `t${i}`, position: i + 1, set: { n: i } },
    ];
  }).flat();

describe('bulk mode on the file', () => {
  it('writes every document and the checkpoint at the end, in parts; a store opened again has them all', async () => {
    const dir = tempDir();
    const reads = EmbeddedReadStore.open(dir);
    await reads.declareLogCollections(['trail']);
    await reads.setBulk(true);
    for (let at = 0; at < DOCS; at += 5_000) await reads.commit('p', ops(at, at + 5_000), at + 5_000);
    await reads.setBulk(false);
    await reads.close();

    const again = EmbeddedReadStore.open(dir);
    expect(await again.getCheckpoint('p')).toBe(DOCS);
    expect(await again.count('items', {})).toBe(DOCS);
    expect(await again.findOne('items', { _id: `i${DOCS - 1}` })).toEqual({ _id: `i${DOCS - 1}`, n: DOCS - 1, _position: DOCS });
    expect(await again.findOne('counters', { _id: 'all' })).toEqual({ _id: 'all', n: DOCS, _position: DOCS });
    expect(await again.count('trail', {})).toBe(DOCS);
    await again.close();
  });

  it('before its end, the file holds the checkpoint and documents as they were, and the log documents sent ahead', async () => {
    const dir = tempDir();
    const first = EmbeddedReadStore.open(dir);
    await first.declareLogCollections(['trail']);
    await first.commit('p', ops(0, 10), 10);
    await first.close();
    const reads = EmbeddedReadStore.open(dir);
    await reads.setBulk(true);
    await reads.commit('p', ops(10, 25_000), 25_000);
    await reads.count('trail', {}); // a read of a log collection waits for what was sent before it
    // What a process killed now would leave (a restart replays the bulk from checkpoint 10).
    const file = new Database(join(dir, 'read-models.db'), { readonly: true });
    expect(file.prepare("SELECT position FROM checkpoints WHERE name = 'p'").pluck().get()).toBe(10);
    expect(file.prepare("SELECT count(*) FROM docs WHERE collection = 'items'").pluck().get()).toBe(10);
    expect(file.prepare('SELECT count(*) FROM "log__trail"').pluck().get()).toBe(25_000);
    file.close();
    await reads.setBulk(false);
    await reads.close();
  });
});
