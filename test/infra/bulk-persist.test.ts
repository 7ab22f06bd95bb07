// Bulk mode (a rebuild) on the embedded store's file: log documents go ahead, the other documents and the
// checkpoints wait for the bulk's end and then go in parts (more than one transaction's worth here). An
// end not reached leaves the file as it was before the bulk, but for the log documents written once each.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
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

  it('ends in slices, the event loop turning between them; a commit made meanwhile is frozen, indexed and written as it is last', async () => {
    const dir = tempDir();
    const reads = EmbeddedReadStore.open(dir);
    await reads.declareLogCollections(['trail']);
    await reads.ensureIndexes([{ collection: 'items', keys: { n: 1 } }]);
    await reads.setBulk(true, ['p']);
    const many = 120_000; // 12 slices of 10,000 frozen, then 31 parts of 4,000 written
    for (let at = 0; at < many; at += 20_000) await reads.commit('p', ops(at, at + 20_000), at + 20_000);
    // Between slices: a read by the indexed field (scanned while the indexes are stale), and a commit to a
    // document the bulk wrote (as the access log commits while a rebuild ends).
    const seen: string[] = [];
    let turns = 0;
    let ticking = true;
    const tick = async () => {
      if (!ticking) return;
      turns++;
      if (turns === 2) await reads.commit('other', [{ collection: 'items', id: 'i7', position: many + 1, set: { n: -7, note: { by: 'between' } } }], 1);
      // While the documents are written: one in a part written already, one in a part to come.
      if (turns === 20) await reads.commit('other', ['i3', `i${many - 1}`].map((id) => ({ collection: 'items', id, position: many + 2, set: { late: true } })), 2);
      // A filter of its own each turn: no answer cached from an earlier phase.
      if (turns >= 2) seen.push(JSON.stringify((await reads.find('items', { n: { $in: [-7, -1000 - turns] } })).map((d) => d._id)));
      setImmediate(() => void tick());
    };
    setImmediate(() => void tick());
    await reads.setBulk(false);
    ticking = false;
    expect(turns).toBeGreaterThanOrEqual(40); // 120,001 documents frozen in 12 slices, written in 31 parts; one index
    expect(new Set(seen)).toEqual(new Set(['["i7"]']));
    const doc = await reads.findOne('items', { _id: 'i7' });
    expect(doc).toEqual({ _id: 'i7', n: -7, note: { by: 'between' }, _position: many + 1 });
    expect(Object.isFrozen(doc) && Object.isFrozen(doc!.note)).toBe(true);
    expect(Object.isFrozen(await reads.findOne('items', { _id: `i${many - 1}` }))).toBe(true);
    expect((await reads.find('items', { n: -7 })).map((d) => d._id)).toEqual(['i7']); // the rebuilt index has it
    await reads.close();

    const again = EmbeddedReadStore.open(dir);
    expect(await again.getCheckpoint('p')).toBe(many);
    expect(await again.count('items', {})).toBe(many);
    expect(await again.findOne('items', { _id: 'i7' })).toEqual({ _id: 'i7', n: -7, note: { by: 'between' }, _position: many + 1 });
    for (const [id, n] of [['i3', 3], [`i${many - 1}`, many - 1]] as const) expect(await again.findOne('items', { _id: id })).toEqual({ _id: id, n, late: true, _position: many + 2 });
    expect(await again.findOne('counters', { _id: 'all' })).toEqual({ _id: 'all', n: many, _position: many });
    await again.close();
  });

  // A rebuild into a file holding nothing else skips fsyncs (the worker's `unsynced`); a marker beside the
  // file says so until the file is made durable, and an open that finds it throws the file away.
  const MARKER = 'read-models.db.unsynced';
  /** What a process killed now would leave: the file, its WAL and the marker, copied elsewhere. */
  const crashCopy = (dir: string) => {
    const copy = tempDir();
    for (const f of ['read-models.db', 'read-models.db-wal', MARKER]) if (existsSync(join(dir, f))) copyFileSync(join(dir, f), join(copy, f));
    return copy;
  };

  it('a rebuild into an empty file is marked while unsynced; a crash then means starting afresh, its end keeps it all', async () => {
    const dir = tempDir();
    const reads = EmbeddedReadStore.open(dir);
    await reads.declareLogCollections(['trail']);
    await reads.setBulk(true, ['p']);
    await reads.commit('p', ops(0, 25_000), 25_000);
    await reads.count('trail', {}); // waits for what was sent before it
    expect(existsSync(join(dir, MARKER))).toBe(true);
    const crashed = EmbeddedReadStore.open(crashCopy(dir));
    expect(await crashed.getCheckpoint('p')).toBe(0);
    expect(await crashed.count('items', {})).toBe(0);
    expect(await crashed.count('trail', {})).toBe(0); // the log rows went with the file
    await crashed.close();

    await reads.setBulk(false);
    await reads.count('trail', {});
    expect(existsSync(join(dir, MARKER))).toBe(false);
    const after = EmbeddedReadStore.open(crashCopy(dir));
    expect(await after.getCheckpoint('p')).toBe(25_000);
    expect(await after.count('trail', {})).toBe(25_000);
    await after.close();
    await reads.close();
  });

  it('stays synced when the file holds a checkpoint, or the bulk names none', async () => {
    const dir = tempDir();
    const first = EmbeddedReadStore.open(dir);
    await first.setBulk(true); // no checkpoint names: nothing says what the bulk is for
    await first.commit('p', ops(0, 10), 10);
    await first.count('items', {});
    expect(existsSync(join(dir, MARKER))).toBe(false);
    await first.setBulk(false);
    await first.close();
    const reads = EmbeddedReadStore.open(dir);
    await reads.declareLogCollections(['trail']);
    await reads.setBulk(true, ['p']);
    await reads.commit('p', ops(10, 20), 20);
    await reads.count('trail', {});
    expect(existsSync(join(dir, MARKER))).toBe(false);
    await reads.close();
  });

  it('a log write under another name (the access log) has the file made durable first; a close keeps what it persisted', async () => {
    const dir = tempDir();
    const reads = EmbeddedReadStore.open(dir);
    await reads.declareLogCollections(['trail', 'reads']);
    await reads.setBulk(true, ['p']);
    await reads.commit('p', ops(0, 100), 100);
    await reads.count('trail', {});
    expect(existsSync(join(dir, MARKER))).toBe(true);
    await reads.commit('access', [{ collection: 'reads', id: 'r1', position: 1, set: { who: 'officer' } }], 1);
    await reads.count('reads', {});
    expect(existsSync(join(dir, MARKER))).toBe(false);
    const crashed = EmbeddedReadStore.open(crashCopy(dir));
    expect(await crashed.count('reads', {})).toBe(1);
    expect(await crashed.count('trail', {})).toBe(100);
    await crashed.close();
    await reads.close();

    // Closed in the middle of an unsynced bulk: persisted whole, made durable, opened again as it was.
    const other = tempDir();
    const closing = EmbeddedReadStore.open(other);
    await closing.declareLogCollections(['trail']);
    await closing.setBulk(true, ['p']);
    await closing.commit('p', ops(0, 50), 50);
    await closing.close();
    expect(existsSync(join(other, MARKER))).toBe(false);
    const again = EmbeddedReadStore.open(other);
    expect(await again.getCheckpoint('p')).toBe(50);
    expect(await again.count('items', {})).toBe(50);
    await again.close();
  });
});
