// A read-model file of an earlier version kept every log collection in one shared table (log_docs): opened
// now, its rows move to a table per collection, unchanged and still found by their indexes, and the shared
// table is gone. The access log in it is the only copy of who read what: nothing may be lost.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import { LogCollections } from '../../src/infra/embedded-log-collections.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function earlierFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'log-tables-'));
  dirs.push(dir);
  const db = new Database(join(dir, 'read-models.db'));
  db.exec(`CREATE TABLE docs (collection TEXT NOT NULL, id TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (collection, id)) WITHOUT ROWID;
           CREATE TABLE log_docs (collection TEXT NOT NULL, id TEXT NOT NULL, json TEXT NOT NULL, UNIQUE (collection, id));
           CREATE TABLE checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
           CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
           CREATE INDEX "log__trail__actorId_a" ON log_docs(json_extract(json, '$.actorId')) WHERE collection = 'trail';`);
  const insert = db.prepare('INSERT INTO log_docs (collection, id, json) VALUES (?, ?, ?)');
  for (let i = 1; i <= 30; i++) insert.run('trail', `e${String(i).padStart(3, '0')}`, JSON.stringify({ _id: `e${String(i).padStart(3, '0')}`, actorId: `a${i % 3}`, _position: i }));
  insert.run('reads', 'r1', JSON.stringify({ _id: 'r1', who: '审计员', _position: 1 }));
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('log-collections', JSON.stringify(['reads', 'trail', 'never_written']));
  db.prepare('INSERT INTO checkpoints (name, position) VALUES (?, ?)').run('trail-v1', 30);
  db.close();
  return dir;
}

describe('log collections in a table each', () => {
  it('moves the rows of the shared table of an earlier file, which is then dropped; queries and new writes go on', async () => {
    const dir = earlierFile();
    const reads = EmbeddedReadStore.open(dir);
    await reads.declareLogCollections(['trail', 'reads']);
    await reads.ensureIndexes([{ collection: 'trail', keys: { actorId: 1, _id: -1 } }]);
    expect(await reads.getCheckpoint('trail-v1')).toBe(30);
    expect(await reads.count('trail', {})).toBe(30);
    expect((await reads.find('trail', { actorId: 'a1' }, { sort: { _id: -1 }, limit: 3 })).map((d) => d._id)).toEqual(['e028', 'e025', 'e022']);
    expect(await reads.find('reads', {})).toEqual([{ _id: 'r1', who: '审计员', _position: 1 }]);
    expect(await reads.count('never_written', {})).toBe(0); // declared in the old file, no rows, no table
    await reads.commit('trail-v1', [{ collection: 'trail', id: 'e031', position: 31, set: { actorId: 'a1' } }], 31);
    expect(await reads.count('trail', { actorId: 'a1' })).toBe(11);
    await reads.close();

    const db = new Database(join(dir, 'read-models.db'), { readonly: true });
    const names = (db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'index') ORDER BY name").pluck().all() as string[]).filter((n) => n.startsWith('log'));
    expect(names).toEqual(['log__reads', 'log__trail', 'log__trail__actorId_a___id_d']);
    // The index is on a value column filled from the JSON (the moved rows too), not on json_extract.
    expect(db.prepare("SELECT sql FROM sqlite_master WHERE name = 'log__trail__actorId_a___id_d'").pluck().get()).toBe('CREATE INDEX "log__trail__actorId_a___id_d" ON "log__trail"("v.actorId", id DESC)');
    expect(db.prepare('SELECT count(*) FROM "log__trail" WHERE "v.actorId" = json_extract(json, \'$.actorId\')').pluck().get()).toBe(31);
    db.close();

    const again = EmbeddedReadStore.open(dir); // nothing left to move: opens as it is
    expect(await again.count('trail', {})).toBe(31);
    await again.close();
  });

  it('replaces an index made on json_extract before value columns, keeping every row found', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'log-tables-'));
    dirs.push(dir);
    const first = EmbeddedReadStore.open(dir);
    await first.declareLogCollections(['trail']);
    await first.commit('trail-v1', [1, 2, 3].map((i) => ({ collection: 'trail', id: `e${i}`, position: i, set: { actorId: `a${i % 2}` } })), 3);
    await first.close();
    const db = new Database(join(dir, 'read-models.db'));
    db.exec(`CREATE INDEX "log__trail__actorId_a" ON "log__trail"(json_extract(json, '$.actorId'))`);
    db.close();
    const reads = EmbeddedReadStore.open(dir);
    await reads.declareLogCollections(['trail']);
    await reads.ensureIndexes([{ collection: 'trail', keys: { actorId: 1 } }]);
    expect((await reads.find('trail', { actorId: 'a1' }, { sort: { _id: 1 } })).map((d) => d._id)).toEqual(['e1', 'e3']);
    await reads.commit('trail-v1', [{ collection: 'trail', id: 'e4', position: 4, set: { actorId: 'a1' } }], 4);
    expect(await reads.count('trail', { actorId: 'a1' })).toBe(3);
    await reads.close();
    const check = new Database(join(dir, 'read-models.db'), { readonly: true });
    expect(check.prepare("SELECT sql FROM sqlite_master WHERE name = 'log__trail__actorId_a'").pluck().get()).toBe('CREATE INDEX "log__trail__actorId_a" ON "log__trail"("v.actorId")');
    check.close();
  });

  it('a connection that queried before an index was made goes by it after (the schema read again when it changed)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'log-tables-'));
    dirs.push(dir);
    const writes = EmbeddedReadStore.open(dir);
    await writes.declareLogCollections(['trail']);
    await writes.commit('trail-v1', Array.from({ length: 30 }, (_, i) => ({ collection: 'trail', id: `e${i}`, position: i + 1, set: { actorId: `a${i % 3}` } })), 30);
    await writes.close();
    const logs = new LogCollections(join(dir, 'read-models.db'));
    try {
      expect(logs.count('trail', { actorId: 'a1' })).toBe(10);
      expect(logs.explain('trail', { actorId: 'a1' }).join(' ')).not.toContain('USING INDEX');
      const again = EmbeddedReadStore.open(dir);
      await again.ensureIndexes([{ collection: 'trail', keys: { actorId: 1 } }]);
      await again.close();
      expect(logs.explain('trail', { actorId: 'a1' }).join(' ')).toContain('USING INDEX log__trail__actorId_a');
      expect(logs.count('trail', { actorId: 'a1' })).toBe(10);
    } finally {
      logs.close();
    }
  });
});
