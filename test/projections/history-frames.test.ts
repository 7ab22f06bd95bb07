// Key frames must answer exactly what folding every change up to T in log order answers: for any T,
// with changes dated out of log order (imports, corrections), and after more changes were appended.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { EmbeddedReadStore, applyDocOp } from '../../src/infra/embedded-read-store.js';
import type { Doc, DocOp, ReadStore } from '../../src/infra/read-store.js';
import { LogCollections } from '../../src/infra/embedded-log-collections.js';
import { collectionAt, framesForTests } from '../../src/projections/history-frames.js';
import { readStoreAt, warmKeyFrames } from '../../src/projections/history.js';
import { framesBuiltOnThread } from '../../src/projections/as-of-remote.js';

const C = 'things';
const H = 'things_history';
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

interface Row {
  docId: string;
  position: number;
  occurredAt: string;
  recordedAt: string;
  op: string;
}

const day = (n: number) => new Date(Date.UTC(2016, 0, 1) + n * 3_600_000).toISOString();

/** Rows of a random history: mostly dated in log order, some dated back (`late` of them). */
function history(seed: number, n: number, late: number): Row[] {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const rows: Row[] = [];
  for (let i = 1; i <= n; i++) {
    const docId = `d${Math.floor(rnd() * 60)}`;
    const back = rnd() < late ? Math.floor(rnd() * i) : i;
    const change = rnd() < 0.5 ? { set: { name: `v${i}`, step: i } } : { inc: { count: 1 }, setOnInsert: { name: 'new' } };
    rows.push({ docId, position: i, occurredAt: day(back), recordedAt: day(i), op: JSON.stringify(change) });
  }
  return rows;
}

/** What the platform showed at T: every change up to T, folded in log order. */
function folded(rows: Row[], field: 'occurredAt' | 'recordedAt', at: string): Record<string, Doc> {
  const docs = new Map<string, Doc>();
  for (const r of rows) {
    if (r[field] > at) continue;
    const next = applyDocOp(docs.get(r.docId), { ...(JSON.parse(r.op) as object), collection: C, id: r.docId, position: r.position });
    if (next) docs.set(r.docId, next);
  }
  return Object.fromEntries([...docs].sort(([a], [b]) => a.localeCompare(b)));
}

async function store(file: boolean): Promise<ReadStore> {
  const s = file ? EmbeddedReadStore.open(dirs[dirs.push(fs.mkdtempSync(path.join(os.tmpdir(), 'frames-'))) - 1]!) : EmbeddedReadStore.open(null);
  await s.declareLogCollections([H]);
  await s.ensureIndexes([
    { collection: H, keys: { docId: 1, position: 1 } },
    { collection: H, keys: { occurredAt: 1, position: 1 } },
    { collection: H, keys: { recordedAt: 1, position: 1 } },
    { collection: H, keys: { position: 1 } },
  ]);
  return s;
}

const write = (s: ReadStore, rows: Row[]) =>
  s.commit('h', rows.map((r): DocOp => ({ collection: H, id: `${r.docId}@${r.position}`, position: r.position, set: { ...r } })), rows.at(-1)!.position);

const asObject = (docs: Map<string, Doc>) => Object.fromEntries([...docs].sort(([a], [b]) => a.localeCompare(b)));

describe.each([
  ['in memory', false],
  ['on file (a log collection)', true],
])('key frames of a history (%s)', (_name, file) => {
  it('answer every moment exactly like folding the whole history, before and after more rows arrive', async () => {
    const rows = history(7, 6_000, 0.03);
    const s = await store(file);
    await write(s, rows.slice(0, 4_500));
    const check = async (upTo: number, moments: number[]) => {
      for (const field of ['occurredAt', 'recordedAt'] as const) {
        for (const m of moments) {
          const at = day(m);
          expect(asObject(await collectionAt(s, H, C, field, at))).toEqual(folded(rows.slice(0, upTo), field, at));
        }
      }
    };
    await check(4_500, [-1, 0, 1, 1_999, 2_000, 2_001, 3_333, 4_499, 4_500, 9_999]);
    // Appended later: in order, then one dated before every frame (a late import): still exact.
    await write(s, rows.slice(4_500, 5_500));
    await check(5_500, [10, 2_500, 5_000, 5_499]);
    await write(s, [{ docId: 'd1', position: 5_501, occurredAt: day(3), recordedAt: day(5_501), op: JSON.stringify({ set: { name: 'late' } }) }]);
    rows.splice(5_500, 0, { docId: 'd1', position: 5_501, occurredAt: day(3), recordedAt: day(5_501), op: JSON.stringify({ set: { name: 'late' } }) });
    await check(5_501, [2, 3, 4, 4_000, 6_000]);
    await s.close();
  });

  it('answer exactly after appended rows whose times are out of log order among themselves (new documents)', async () => {
    const rows = history(13, 4_500, 0.03);
    const s = await store(file);
    await write(s, rows);
    const check = async (moments: number[]) => {
      for (const m of moments) expect(asObject(await collectionAt(s, H, C, 'occurredAt', day(m)))).toEqual(folded(rows, 'occurredAt', day(m)));
    };
    await check([4_000]);
    // 1,200 new documents, one row each, dated after everything swept but shuffled: none is disordered.
    let x = 17;
    const shuffled = Array.from({ length: 1_200 }, (_, i) => 5_000 + i).sort(() => ((x = (x * 48271) % 2_147_483_647) % 3) - 1);
    const added = shuffled.map((t, i): Row => ({ docId: `n${i}`, position: 4_501 + i, occurredAt: day(t), recordedAt: day(4_501 + i), op: JSON.stringify({ set: { name: `n${i}` } }) }));
    await write(s, added);
    rows.push(...added);
    await check([4_499, 5_000, 5_100, 5_599, 5_600, 6_000, 6_199, 6_200]);
    await s.close();
  });

  it('sweep a row written after the others of its position (MongoDB shows a batch row by row)', async () => {
    const rows = history(11, 3_000, 0);
    const s = await store(file);
    await write(s, rows);
    const same = (docId: string): Row => ({ docId, position: 3_001, occurredAt: day(3_001), recordedAt: day(3_001), op: JSON.stringify({ set: { name: `late-${docId}` } }) });
    const check = async (upTo: Row[]) => {
      for (const field of ['occurredAt', 'recordedAt'] as const) expect(asObject(await collectionAt(s, H, C, field, day(4_000)))).toEqual(folded(upTo, field, day(4_000)));
    };
    await write(s, [same('d1')]);
    await check([...rows, same('d1')]);
    // Its sibling of the same event, visible only now: swept, and the one swept before not twice.
    await write(s, [same('d2')]);
    await check([...rows, same('d1'), same('d2')]);
    await s.close();
  });

  it('answer from the history as it is again while a rebuild writes it anew, and after', async () => {
    const rows = history(5, 4_000, 0.03);
    const s = await store(file);
    await write(s, rows);
    const check = async (upTo: number, moments: number[]) => {
      for (const m of moments) expect(asObject(await collectionAt(s, H, C, 'occurredAt', day(m)))).toEqual(folded(rows.slice(0, upTo), 'occurredAt', day(m)));
    };
    await check(4_000, [100, 3_999]);
    await s.reset('h', [H]); // a rebuild: the history emptied, then written again in log order
    await write(s, rows.slice(0, 2_500));
    await check(2_500, [100, 2_000, 3_999]);
    await write(s, rows.slice(2_500));
    await check(4_000, [100, 2_000, 3_999]);
    await s.close();
  });

  it('can be built ahead (warmKeyFrames): the first moment asked then sweeps nothing', async () => {
    const rows = history(9, 3_000, 0.03);
    const s = await store(file);
    await write(s, rows);
    await warmKeyFrames(s, [C]);
    const stream = vi.spyOn(s, 'stream');
    const moment = { field: 'occurredAt', at: day(1_500) } as const;
    if (file) {
      // On a file the frames are built and kept on the store's as-of thread (as-of-remote.ts).
      expect(await framesBuiltOnThread(s as EmbeddedReadStore)).toBe(1);
      const docs = await (await readStoreAt(s, [C], moment)).find(C, {}, { sort: { _id: 1 } });
      expect(Object.fromEntries(docs.map((d) => [d._id, d]))).toEqual(folded(rows, 'occurredAt', day(1_500)));
      expect(await framesBuiltOnThread(s as EmbeddedReadStore)).toBe(1);
    } else {
      expect(asObject(await collectionAt(s, H, C, 'occurredAt', day(1_500)))).toEqual(folded(rows, 'occurredAt', day(1_500)));
    }
    expect(stream).not.toHaveBeenCalled();
    await s.close();
  });

  it('assemble a moment past several whole copies from the deltas after the last one', async () => {
    const rows = history(11, 44_000, 0.01);
    const s = await store(file);
    await write(s, rows);
    for (const m of [0, 19_999, 20_000, 20_001, 20_499, 20_500, 39_999, 40_250, 43_999]) {
      expect(asObject(await collectionAt(s, H, C, 'recordedAt', day(m)))).toEqual(folded(rows, 'recordedAt', day(m)));
    }
    await s.close();
  });

  it('hold for random histories and moments, whole copies every few rows or many (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), fc.double({ min: 0, max: 0.2, noNaN: true }), fc.constantFrom(1, 2, 7, 64, 5_000), fc.array(fc.integer({ min: -5, max: 700 }), { minLength: 1, maxLength: 6 }), async (seed, late, every, moments) => {
        const rows = history(seed, 600, late);
        const s = await store(file);
        const before = framesForTests.fullEvery;
        framesForTests.fullEvery = every;
        try {
          await write(s, rows.slice(0, 500));
          for (const m of moments) expect(asObject(await collectionAt(s, H, C, 'occurredAt', day(m)))).toEqual(folded(rows.slice(0, 500), 'occurredAt', day(m)));
          await write(s, rows.slice(500)); // appended: swept onto the same copies, or a rebuild if dated back
          for (const m of moments) expect(asObject(await collectionAt(s, H, C, 'recordedAt', day(m)))).toEqual(folded(rows, 'recordedAt', day(m)));
          for (const m of moments) expect(asObject(await collectionAt(s, H, C, 'occurredAt', day(m)))).toEqual(folded(rows, 'occurredAt', day(m)));
        } finally {
          framesForTests.fullEvery = before;
        }
        await s.close();
      }),
      { numRuns: file ? 10 : 40 },
    );
  });

  it('hold for random histories and moments (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), fc.double({ min: 0, max: 0.2, noNaN: true }), fc.array(fc.integer({ min: -5, max: 2_600 }), { minLength: 1, maxLength: 6 }), async (seed, late, moments) => {
        const rows = history(seed, 2_500, late);
        const s = await store(file);
        await write(s, rows);
        for (const m of moments) expect(asObject(await collectionAt(s, H, C, 'occurredAt', day(m)))).toEqual(folded(rows, 'occurredAt', day(m)));
        await s.close();
      }),
      { numRuns: file ? 8 : 25 },
    );
  });
});

// A request's queries on a history in a file: a range of one day, the rows appended since, one document's
// rows. Without statistics SQLite took the (collection, id) index for ranges and walked the whole history.
describe('the queries of a moment on a history in a file', () => {
  it('use the history\'s own indexes, not a walk of the whole collection', async () => {
    const s = await store(true);
    await write(s, history(3, 3_000, 0.03));
    await s.close();
    const logs = new LogCollections(path.join(dirs.at(-1)!, 'read-models.db'));
    try {
      const range = logs.explain(H, { occurredAt: { $gte: day(10), $lte: day(11) } }, { occurredAt: 1, position: 1 }).join(' ');
      expect(range).toContain(`USING INDEX log__${H}__occurredAt_a__position_a`);
      // The key frames' order from the index: at most rows of one time and position left to order by id.
      expect(range).not.toMatch(/TEMP B-TREE FOR (ORDER BY|RIGHT PART|LAST \d+ TERMS)/);
      expect(logs.explain(H, { position: { $gt: 2_000 } }, { position: 1, _id: 1 }).join(' ')).toContain(`USING INDEX log__${H}__position_a`);
      expect(logs.explain(H, { docId: { $in: ['d1', 'd2'] }, occurredAt: { $lte: day(10) } }, { position: 1, _id: 1 }).join(' ')).toContain(`USING INDEX log__${H}__docId_a__position_a`);
    } finally {
      logs.close();
    }
  });
});

describe('a history index extended by a field', () => {
  it('replaces the narrower index it names in a file made before', async () => {
    const dir = dirs[dirs.push(fs.mkdtempSync(path.join(os.tmpdir(), 'frames-'))) - 1]!;
    const indexes = () => {
      const db = new Database(path.join(dir, 'read-models.db'), { readonly: true });
      try {
        return db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'log%' ORDER BY name").pluck().all();
      } finally {
        db.close();
      }
    };
    for (const spec of [{ keys: { occurredAt: 1 } }, { keys: { occurredAt: 1, position: 1 }, replaces: [{ occurredAt: 1 }] }] as { keys: Record<string, 1>; replaces?: Record<string, 1>[] }[]) {
      const s = EmbeddedReadStore.open(dir);
      await s.declareLogCollections([H]);
      await s.ensureIndexes([{ collection: H, ...spec }, { collection: H, keys: { docId: 1, position: 1 } }]);
      await write(s, history(3, 50, 0));
      await s.close();
    }
    expect(indexes()).toEqual([`log__${H}__docId_a__position_a`, `log__${H}__occurredAt_a__position_a`]);
  });
});
