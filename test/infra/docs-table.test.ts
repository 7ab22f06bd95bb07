// The documents' table of an earlier file (WITHOUT ROWID, keyed by collection and id) becomes a rowid table
// with a unique (collection, id) index when opened: every document kept, loaded in the same order, and
// later writes update a document in place instead of adding a second row; documents load in the order
// they were first written, as they stood in memory.
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

function earlierFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'docs-table-'));
  dirs.push(dir);
  const db = new Database(join(dir, 'read-models.db'));
  db.exec(`CREATE TABLE docs (collection TEXT NOT NULL, id TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (collection, id)) WITHOUT ROWID;
           CREATE TABLE checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
           CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`);
  const insert = db.prepare('INSERT INTO docs (collection, id, json) VALUES (?, ?, ?)');
  // Written out of key order: the load order must be the key's all the same.
  for (const id of ['p3', 'p1', 'p2']) insert.run('projects', id, JSON.stringify({ _id: id, name: `项目${id}`, _position: Number(id.slice(1)) }));
  insert.run('statistics', 'all', JSON.stringify({ _id: 'all', count: 3, _position: 3 }));
  db.prepare('INSERT INTO checkpoints (name, position) VALUES (?, ?)').run('projects-v2', 3);
  db.close();
  return dir;
}

const tableSql = (dir: string) => {
  const db = new Database(join(dir, 'read-models.db'), { readonly: true });
  try {
    return {
      sql: db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'docs'").pluck().get() as string,
      rows: db.prepare('SELECT collection, id FROM docs ORDER BY collection, id').all(),
    };
  } finally {
    db.close();
  }
};

describe('the documents table', () => {
  it('moves an earlier WITHOUT ROWID table to a rowid one, every document kept and loaded in key order', async () => {
    const dir = earlierFile();
    const reads = EmbeddedReadStore.open(dir);
    expect((await reads.find('projects', {})).map((d) => d._id)).toEqual(['p1', 'p2', 'p3']);
    expect(await reads.findOne('statistics', { _id: 'all' })).toEqual({ _id: 'all', count: 3, _position: 3 });
    expect(await reads.getCheckpoint('projects-v2')).toBe(3);
    await reads.close();
    const after = tableSql(dir);
    expect(after.sql).not.toMatch(/WITHOUT\s+ROWID/i);
    expect(after.sql).toMatch(/UNIQUE \(collection, id\)/);
    expect(after.rows).toHaveLength(4);
  });

  it('updates a document in place: one row per document after writes and a reopen', async () => {
    const dir = earlierFile();
    const reads = EmbeddedReadStore.open(dir, { persistDelayMs: 0 });
    await reads.commit('projects-v2', [{ collection: 'projects', id: 'p2', position: 4, set: { name: '改名' } }, { collection: 'projects', id: 'p0', position: 4, set: { name: '新项目' } }], 4);
    await reads.commit('projects-v2', [{ collection: 'projects', id: 'p2', position: 5, set: { name: '再改名' } }], 5);
    await reads.close();
    expect(tableSql(dir).rows).toHaveLength(5);
    const again = EmbeddedReadStore.open(dir);
    // In the order first written, as in memory before the reopen: the moved ones in key order, then p0.
    expect((await again.find('projects', {})).map((d) => [d._id, d.name])).toEqual([['p1', '项目p1'], ['p2', '再改名'], ['p3', '项目p3'], ['p0', '新项目']]);
    expect(await again.getCheckpoint('projects-v2')).toBe(5);
    await again.close();
  });
});
