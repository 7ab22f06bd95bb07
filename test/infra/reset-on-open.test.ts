// A rebuild resets read models as the embedded store opens (`resetOnOpen`): their documents are never
// loaded (at 1M events ~500 MB a reset after the open would load only to drop), the others are, and the
// file keeps the reset before whatever the rebuild writes next.
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

async function storeWithTwoModels(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'reset-on-open-'));
  dirs.push(dir);
  const reads = EmbeddedReadStore.open(dir);
  await reads.commit('a-v1', [{ collection: 'a', id: 'x', position: 1, set: { v: 1 } }], 1);
  await reads.commit('b-v1', [{ collection: 'b', id: 'y', position: 1, set: { v: 2 } }], 1);
  await reads.close();
  // A row no load could parse: opening must never read the reset collection's documents.
  const db = new Database(join(dir, 'read-models.db'));
  db.prepare("INSERT INTO docs (collection, id, json) VALUES ('a', 'broken', '{not json')").run();
  db.close();
  return dir;
}

describe('resetOnOpen', () => {
  it('leaves the reset models unloaded and empty, and loads the others', async () => {
    const dir = await storeWithTwoModels();
    expect(() => EmbeddedReadStore.open(dir)).toThrow(); // the broken row is there to be loaded
    const reads = EmbeddedReadStore.open(dir, { resetOnOpen: [{ name: 'a-v1', collections: ['a'] }] });
    expect(await reads.find('a', {})).toEqual([]);
    expect(await reads.getCheckpoint('a-v1')).toBe(0);
    expect((await reads.find('b', {})).map((d) => d._id)).toEqual(['y']);
    expect(await reads.getCheckpoint('b-v1')).toBe(1);
    await reads.close();
  });

  it('keeps the reset in the file before what is written after it', async () => {
    const dir = await storeWithTwoModels();
    const rebuilding = EmbeddedReadStore.open(dir, { resetOnOpen: [{ name: 'a-v1', collections: ['a'] }] });
    await rebuilding.commit('a-v1', [{ collection: 'a', id: 'z', position: 2, set: { v: 3 } }], 2);
    await rebuilding.close();
    const reopened = EmbeddedReadStore.open(dir);
    expect((await reopened.find('a', {})).map((d) => [d._id, d.v])).toEqual([['z', 3]]);
    expect(await reopened.getCheckpoint('a-v1')).toBe(2);
    expect((await reopened.find('b', {})).map((d) => d._id)).toEqual(['y']);
    await reopened.close();
  });
});
