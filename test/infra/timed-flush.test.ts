// The embedded store's timed flush serialises its documents in slices, a turn of the event loop between
// them (under load one piece held the loop for tens of ms). What goes on meanwhile must keep the file
// right: a commit between slices is written by the next flush, and anything else that writes (a close, a
// log read, a reset) first completes the flush, so the file never loses a document nor goes back a version.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_PERSIST_DELAY_MS, EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import type { DocOp } from '../../src/infra/read-store.js';

const dirs: string[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'timed-flush-'));
  dirs.push(dir);
  return dir;
};

const DOCS = 1_000; // several slices
const items = (version: number, position: number, ids: number[]): DocOp[] =>
  ids.map((i) => ({ collection: 'items', id: `i${i}`, position, set: { version } }));
const all = Array.from({ length: DOCS }, (_, i) => i);

/** A store whose first commit's flush timer is fake: firing it starts the timed flush here and now. */
async function storeWithFlushStarting(): Promise<{ dir: string; reads: EmbeddedReadStore; startFlush: () => void }> {
  const dir = tempDir();
  const reads = EmbeddedReadStore.open(dir);
  await reads.declareLogCollections(['trail']);
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  await reads.commit('p', [...items(1, 1, all), { collection: 'trail', id: 't1', position: 1, set: { n: 1 } }], 1);
  return {
    dir,
    reads,
    startFlush: () => {
      vi.advanceTimersByTime(DEFAULT_PERSIST_DELAY_MS); // the flush runs its first slice, then awaits a turn
      vi.useRealTimers();
    },
  };
}

async function reopened(dir: string) {
  const again = EmbeddedReadStore.open(dir);
  const docs = await again.find('items', {});
  const result = { checkpoint: await again.getCheckpoint('p'), count: docs.length, versions: new Map(docs.map((d) => [d._id, d.version])), trail: await again.count('trail', {}) };
  await again.close();
  return result;
}

describe('the timed flush, in slices', () => {
  it('writes a commit made between its slices in the next flush, never the older version after it', async () => {
    const { dir, reads, startFlush } = await storeWithFlushStarting();
    startFlush();
    await reads.commit('p', items(2, 2, [0, DOCS - 1]), 2); // one document in the first slice, one in the last
    for (let i = 0; i < 20; i++) await nextTurn(); // the flush's slices, then the next flush's
    await reads.close();
    const file = await reopened(dir);
    expect(file.checkpoint).toBe(2);
    expect(file.count).toBe(DOCS);
    expect(file.versions.get('i0')).toBe(2);
    expect(file.versions.get(`i${DOCS - 1}`)).toBe(2);
    expect(file.versions.get('i1')).toBe(1);
    expect(file.trail).toBe(1);
  });

  it('is completed by a close in the middle of it, before the close writes anything else', async () => {
    const { dir, reads, startFlush } = await storeWithFlushStarting();
    startFlush();
    await reads.commit('p', items(2, 2, [DOCS - 1]), 2);
    await reads.close(); // before the flush's next turn
    const file = await reopened(dir);
    expect(file.checkpoint).toBe(2);
    expect(file.count).toBe(DOCS);
    expect(file.versions.get(`i${DOCS - 1}`)).toBe(2);
    expect(file.versions.get(`i${DOCS - 2}`)).toBe(1);
  });

  it('sends log documents ahead of it, which a log read and a close still find', async () => {
    const { dir, reads } = await storeWithFlushStarting(); // its timer never fires here: no flush
    vi.useRealTimers();
    const trail = (from: number, n: number): DocOp[] => Array.from({ length: n }, (_, k) => ({ collection: 'trail', id: `t${from + k}`, position: 2, set: { n: from + k } }));
    await reads.commit('p', trail(2, 1_200), 2); // more than go ahead at once: the writer keeps them for its next transaction
    expect(await reads.count('trail', {})).toBe(1_201);
    await reads.commit('p', trail(1_202, 1_100), 2);
    await reads.close();
    expect((await reopened(dir)).trail).toBe(2_301);
  });

  it('counts the log documents the writer keeps towards the most that may wait: past it, all is written with its checkpoint', async () => {
    const dir = tempDir();
    const reads = EmbeddedReadStore.open(dir, { persistDelayMs: 60_000 }); // no timed flush in this test
    await reads.declareLogCollections(['trail']);
    for (let part = 0; part < 21; part++) {
      const rows: DocOp[] = Array.from({ length: 1_000 }, (_, k) => ({ collection: 'trail', id: `t${part * 1_000 + k}`, position: part + 1, set: { n: k } }));
      await reads.commit('p', rows, part + 1);
    }
    // A message the writer answers after every one sent before it, without a flush of its own.
    await reads.ensureIndexes([{ collection: 'trail', keys: { n: 1 } }]);
    const file = new Database(join(dir, 'read-models.db'), { readonly: true });
    const checkpoint = file.prepare("SELECT position FROM checkpoints WHERE name = 'p'").pluck().get() as number | undefined;
    file.close();
    expect(checkpoint).toBe(20); // 20,000 rows waited (1,000 here, the rest kept by the writer): written then
    await reads.close();
  });

  it('is completed before a reset, which then drops what it wrote', async () => {
    const { dir, reads, startFlush } = await storeWithFlushStarting();
    startFlush();
    await reads.reset('p', ['items']);
    await reads.commit('q', [{ collection: 'others', id: 'o', position: 3, set: { n: 1 } }], 3);
    for (let i = 0; i < 20; i++) await nextTurn();
    await reads.close();
    const file = await reopened(dir);
    expect(file.count).toBe(0); // the flush's documents were not written after the reset
    expect(file.checkpoint).toBe(0);
  });
});
