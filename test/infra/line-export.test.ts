// The embedded store makes a log collection's export on threads of its own when SQL says the whole query
// and it reaches `exportThreadsFrom` documents (line-export.ts), and in the serving thread otherwise;
// either way the reader gets the same lines.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import { EXPORT_THREADS_FROM, exportThreadsInUse, exportThreadsStarted } from '../../src/infra/line-export.js';
import type { ExportChunk } from '../../src/infra/read-store.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const formats = new URL('../contract/line-formats.mjs', import.meta.url).href;
const where = { module: formats, name: 'whereLine' };
const text = (chunk: ExportChunk) => (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));

async function storeWith(n: number, exportThreadsFrom = 100) {
  const reads = EmbeddedReadStore.open(dirs[dirs.push(fs.mkdtempSync(path.join(os.tmpdir(), 'line-export-'))) - 1]!, { exportThreadsFrom });
  await reads.declareLogCollections(['trail']);
  await reads.ensureIndexes([{ collection: 'trail', keys: { actor: 1, _id: -1 } }]);
  const ops = Array.from({ length: n }, (_, i) => ({ collection: 'trail', id: String(i + 1).padStart(6, '0'), position: i + 1, set: { actor: `a${i % 2}`, note: `第${i}条` } }));
  await reads.commit('trail', ops, n);
  return reads;
}

const threadsOf = (text: string) => new Set(text.split('\n').filter(Boolean).map((l) => Number(l.split('@')[1])));

describe('exports of the embedded store', () => {
  it('run on other threads when SQL says the query, in this one when mingo must test it, with the same lines', async () => {
    const reads = await storeWith(1000);
    let onThreads = '';
    for await (const chunk of reads.exportLines('trail', { actor: 'a1' }, { sort: { _id: -1 }, batchSize: 50, format: where })) onThreads += text(chunk);
    let here = '';
    for await (const chunk of reads.exportLines('trail', { actor: 'a1', note: { $regex: '条$' } }, { sort: { _id: -1 }, batchSize: 50, format: where })) here += text(chunk);
    expect(threadsOf(here)).toEqual(new Set([threadId]));
    expect(threadsOf(onThreads).has(threadId)).toBe(false);
    const ids = (text: string) => text.split('\n').filter(Boolean).map((l) => l.split('@')[0]);
    expect(ids(onThreads)).toEqual(ids(here));
    expect(ids(onThreads)).toHaveLength(500);
    await reads.close();
  });

  it('come from threads as UTF-8 bytes moved to this thread, each chunk whole lines of whole characters', async () => {
    const reads = await storeWith(1000);
    const note = { module: formats, name: 'noteLine' };
    const moved: ExportChunk[] = [];
    for await (const chunk of reads.exportLines('trail', { actor: 'a1' }, { sort: { _id: -1 }, batchSize: 7, format: note })) moved.push(chunk);
    let here = '';
    for await (const chunk of reads.exportLines('trail', { actor: 'a1', note: { $regex: '条$' } }, { sort: { _id: -1 }, batchSize: 7, format: note })) here += text(chunk);
    expect(moved.every((c) => Buffer.isBuffer(c))).toBe(true);
    expect(moved).toHaveLength(Math.ceil(500 / 7));
    for (const c of moved) expect(text(c)).toMatch(/^(\d{6} 第\d+条\n)+$/);
    expect(moved.map(text).join('')).toBe(here);
    expect(here).toContain('000998 第997条\n');
    await reads.close();
  });

  it('stay in this thread when the index the query goes by holds fewer than exportThreadsFrom entries for it', async () => {
    const threadsFor = async (reads: EmbeddedReadStore, filter: Record<string, unknown>) => {
      let out = '';
      for await (const chunk of reads.exportLines('trail', filter, { sort: { _id: -1 }, batchSize: 50, format: where })) out += text(chunk);
      return threadsOf(out);
    };
    // 500 documents of actor a1: on threads from 500, here from 501.
    const from500 = await storeWith(1000, 500);
    expect((await threadsFor(from500, { actor: 'a1' })).has(threadId)).toBe(false);
    // The count is the index's (an upper bound): a further condition does not make it smaller.
    expect((await threadsFor(from500, { actor: 'a1', note: { $gte: '第9' } })).has(threadId)).toBe(false);
    const from501 = await storeWith(1000, 501);
    expect(await threadsFor(from501, { actor: 'a1' })).toEqual(new Set([threadId]));
    expect(EXPORT_THREADS_FROM).toBe(5_000);
    await Promise.all([from500.close(), from501.close()]);
  });

  it('give their threads back when the reader leaves early, however far the threads had got', async () => {
    const reads = await storeWith(5000);
    for (let k = 0; k < 3; k++) {
      for await (const chunk of reads.exportLines('trail', {}, { sort: { _id: -1 }, batchSize: 10, format: where })) {
        expect(text(chunk).startsWith('005000@')).toBe(true);
        expect(exportThreadsInUse()).toBe(2);
        break;
      }
      expect(exportThreadsInUse()).toBe(0);
    }
    await reads.close();
  });

  it('keep their pair of threads warm for the next export, and stop a pair left early or failed', async () => {
    const reads = await storeWith(1000);
    const exportOf = async (filter: Record<string, unknown>, format = where) => {
      let out = '';
      for await (const chunk of reads.exportLines('trail', filter, { sort: { _id: -1 }, batchSize: 50, format })) out += text(chunk);
      return out;
    };
    const once = threadsOf(await exportOf({ actor: 'a1' }));
    expect(once.has(threadId)).toBe(false);
    expect(exportThreadsStarted()).toBe(2);
    // The same pair, not a new one. Either of its threads may make a batch's lines (the fetching one does
    // when the other has batches waiting), so the two exports together name at most the pair's two threads.
    const first = new Set([...once, ...threadsOf(await exportOf({ actor: 'a0' }))]);
    expect(first.size).toBeLessThanOrEqual(2);
    expect(first.has(threadId)).toBe(false);
    expect(exportThreadsStarted()).toBe(2);
    expect(exportThreadsInUse()).toBe(0);
    // Left early: that pair is stopped, the next export has a new one.
    for await (const _ of reads.exportLines('trail', {}, { sort: { _id: -1 }, batchSize: 10, format: where })) break;
    expect(exportThreadsStarted()).toBe(0);
    const second = threadsOf(await exportOf({ actor: 'a1' }));
    expect([...second].some((id) => first.has(id))).toBe(false);
    // A line maker that cannot be loaded stops its pair too; the one after works on a new pair.
    await expect(exportOf({}, { module: formats, name: 'noSuchLine' })).rejects.toThrow(/noSuchLine/);
    expect(exportThreadsStarted()).toBe(0);
    const third = threadsOf(await exportOf({ actor: 'a0' }));
    expect([...third].some((id) => first.has(id) || second.has(id) || id === threadId)).toBe(false);
    expect(exportThreadsStarted()).toBe(2);
    await reads.close();
  });
});
