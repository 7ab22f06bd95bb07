// A whole collection "as of" on an embedded store with a file is answered on the store's as-of thread
// (as-of-remote.ts): it must answer what the same store answers in process, see every commit made
// before the question, and survive a view dropped there and a query that fails.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import type { DocOp, ReadStore } from '../../src/infra/read-store.js';
import { Unavailable } from '../../src/infra/event-store.js';
import { asOfRestarts, columnAnswersOnThread, crashThreadForTests, framesBuiltOnThread } from '../../src/projections/as-of-remote.js';
import { collectionAt } from '../../src/projections/history-frames.js';
import { PROJECTS } from '../../src/projections/project-search.js';
import { type Moment, historyOf, readStoreAt } from '../../src/projections/history.js';

const C = 'things';
const H = historyOf(C);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const day = (n: number) => new Date(Date.UTC(2016, 0, 1) + n * 86_400_000).toISOString();

async function store(file: boolean): Promise<EmbeddedReadStore> {
  const s = EmbeddedReadStore.open(file ? dirs[dirs.push(fs.mkdtempSync(path.join(os.tmpdir(), 'as-of-'))) - 1]! : null);
  await s.declareLogCollections([H]);
  await s.ensureIndexes(['docId', 'occurredAt', 'recordedAt', 'position'].map((f) => ({ collection: H, keys: { [f]: 1 } as Record<string, 1> })));
  return s;
}

/** Runs `body` with the as-of threads' restart clock in the test's hands (`advance` moves it on). */
async function onTestClock(body: (advance: (ms: number) => void) => Promise<void>): Promise<void> {
  let now = Date.UTC(2026, 11, 6);
  const clock = asOfRestarts.now;
  asOfRestarts.now = () => now;
  try {
    await body((ms) => {
      now += ms;
    });
  } finally {
    asOfRestarts.now = clock;
  }
}

/** Changes of 40 documents, one per day; every seventh dated a week back (an import). */
function changes(from: number, to: number): DocOp[] {
  const ops: DocOp[] = [];
  for (let i = from; i <= to; i++) {
    const docId = `d${i % 40}`;
    const op = i % 3 === 0 ? { inc: { count: 1 }, setOnInsert: { kind: 'new' } } : { set: { name: `名称${i}`, step: i, kind: i % 2 ? 'odd' : 'even' } };
    ops.push({ collection: H, id: `${docId}@${i}`, position: i, set: { docId, position: i, occurredAt: day(i % 7 === 0 ? i - 7 : i), recordedAt: day(i), op: JSON.stringify(op) } });
  }
  return ops;
}

const write = (s: ReadStore, ops: DocOp[]) => s.commit('h', ops, ops.at(-1)!.position);

/** The answers a request asks of a view. */
async function answers(view: ReadStore) {
  return {
    page: await view.find(C, { kind: 'odd' }, { sort: { step: -1, _id: 1 }, skip: 2, limit: 5 }),
    count: await view.count(C, { kind: { $in: ['odd', 'even'] } }),
    one: await view.findOne(C, { _id: 'd7' }),
    sums: await view.aggregate(C, [{ $group: { _id: '$kind', n: { $sum: 1 } } }, { $sort: { _id: 1 } }]),
    streamed: await pageSizes(view.stream(C, {}, { sort: { _id: 1 }, batchSize: 7 })),
  };
}

async function pageSizes(pages: AsyncIterable<unknown[]>): Promise<number[]> {
  const sizes: number[] = [];
  for await (const page of pages) sizes.push(page.length);
  return sizes;
}

describe('a whole collection as of a moment, on the as-of thread', () => {
  it('answers what the store answers in process, for both times, and sees each commit made before the question', async () => {
    const [onFile, inMemory] = [await store(true), await store(false)];
    for (const [from, to] of [
      [1, 300],
      [301, 420],
    ] as const) {
      await write(onFile, changes(from, to));
      await write(inMemory, changes(from, to));
      for (const moment of [day(5), day(150), day(to - 3), day(to)].flatMap((at): Moment[] => [{ field: 'occurredAt', at }, { field: 'recordedAt', at }])) {
        const expected = await answers(await readStoreAt(inMemory, [C], moment));
        expect(await answers(await readStoreAt(onFile, [C], moment))).toEqual(expected);
      }
    }
    expect(await framesBuiltOnThread(onFile)).toBeGreaterThan(0); // answered there, not here
    expect(await framesBuiltOnThread(inMemory)).toBeNull();
    await Promise.all([onFile.close(), inMemory.close()]);
  });

  it('answers pages and counts from its frames\' columns as a store over the same documents answers them', async () => {
    const P = historyOf(PROJECTS);
    const [onFile, inMemory] = [await store(true), await store(false)];
    for (const s of [onFile, inMemory]) {
      await s.declareLogCollections([P]);
      // 30 projects changed day after day: published or not, in two districts, areas that tie.
      const ops = Array.from({ length: 200 }, (_, k): DocOp => {
        const i = k + 1;
        const docId = `p${i % 30}`;
        const set = { status: i % 4 === 0 ? 'registered' : 'published', district: i % 3 ? 'nanshan' : 'futian', publishedAt: day(i - (i % 5)), totalArea: (i % 7) * 100 };
        return { collection: P, id: `${docId}@${i}`, position: i, set: { docId, position: i, occurredAt: day(i), recordedAt: day(i), op: JSON.stringify({ set }) } };
      });
      await write(s, ops);
    }
    const ask = async (view: ReadStore) => ({
      newest: await view.find(PROJECTS, { status: 'published' }, { sort: { publishedAt: -1, _id: 1 }, skip: 3, limit: 5 }),
      total: await view.count(PROJECTS, { status: 'published' }),
      largest: await view.find(PROJECTS, { $and: [{ status: 'published' }, { district: 'nanshan' }] }, { sort: { totalArea: -1, _id: 1 }, limit: 4 }),
      inDistrict: await view.count(PROJECTS, { $and: [{ status: 'published' }, { district: 'nanshan' }] }),
      none: await view.count(PROJECTS, { status: 'withdrawn' }),
    });
    for (const at of [day(0), day(20), day(111), day(200)]) {
      const moment: Moment = { field: 'occurredAt', at };
      // The reference: the documents at that moment in a plain store, asked without any columns.
      const docs = await collectionAt(inMemory, P, PROJECTS, 'occurredAt', at);
      const expected = await ask(EmbeddedReadStore.fromDocs(new Map([[PROJECTS, docs]]), { frozen: true }));
      expect(await ask(await readStoreAt(onFile, [PROJECTS], moment))).toEqual(expected);
      expect(await ask(await readStoreAt(inMemory, [PROJECTS], moment))).toEqual(expected); // in process, the same view
    }
    // Per moment: the two pages, and the count of a filter no page asked (the others came with their pages).
    expect(await columnAnswersOnThread(onFile)).toBe(3 * 4);
    await Promise.all([onFile.close(), inMemory.close()]);
  });

  it('lets go of views on frames built again (a late import), and answers them anew at their moment', async () => {
    const [onFile, inMemory] = [await store(true), await store(false)];
    for (const s of [onFile, inMemory]) await write(s, changes(1, 200));
    const moment: Moment = { field: 'occurredAt', at: day(150) };
    const early = await readStoreAt(onFile, [C], moment);
    expect(await early.count(C, { kind: 'odd' })).toBe(await (await readStoreAt(inMemory, [C], moment)).count(C, { kind: 'odd' }));
    const builds = await framesBuiltOnThread(onFile);
    // A change dated before every row swept: the next view builds the frames again, and the early view goes.
    const late: DocOp = { collection: H, id: 'new@201', position: 201, set: { docId: 'new', position: 201, occurredAt: day(2), recordedAt: day(201), op: JSON.stringify({ set: { kind: 'odd' } }) } };
    for (const s of [onFile, inMemory]) await write(s, [late]);
    await readStoreAt(onFile, [C], { field: 'occurredAt', at: day(10) });
    expect(await framesBuiltOnThread(onFile)).toBe(builds! + 1);
    // Asked again, the early view is opened anew at its moment: the late change is in its answer.
    const now = await (await readStoreAt(inMemory, [C], moment)).count(C, { kind: 'odd' });
    expect(await early.count(C, { kind: 'odd' })).toBe(now);
    expect(await early.findOne(C, { _id: 'new' })).toMatchObject({ kind: 'odd' });
    await Promise.all([onFile.close(), inMemory.close()]);
  });

  it('opens a view again when the thread dropped it, and a failed query fails alone', async () => {
    const s = await store(true);
    await write(s, changes(1, 100));
    const first = await readStoreAt(s, [C], { field: 'occurredAt', at: day(50) });
    const expected = await first.count(C, {});
    for (let k = 0; k < 70; k++) await readStoreAt(s, [C], { field: 'occurredAt', at: day(k) }); // more views than the thread keeps
    expect(await first.count(C, {})).toBe(expected);
    await expect(first.find(C, { $where: 'true' })).rejects.toThrow();
    expect(await first.count(C, {})).toBe(expected);
    await s.close();
  });

  it('a view opened on a thread that stopped is opened again on the next, never taken for one of its views', async () => {
    await onTestClock(async (advance) => {
      const s = await store(true);
      await write(s, changes(1, 300));
      const early: Moment = { field: 'occurredAt', at: day(20) };
      const late: Moment = { field: 'occurredAt', at: day(250) };
      const before = await readStoreAt(s, [C], early);
      const expected = await before.count(C, { kind: 'odd' });
      await crashThreadForTests(s);
      advance(5_000);
      const after = await readStoreAt(s, [C], late); // the first view of the new thread
      const lateCount = await after.count(C, { kind: 'odd' });
      expect(lateCount).not.toBe(expected);
      expect(await before.count(C, { kind: 'odd' })).toBe(expected);
      expect(await after.count(C, { kind: 'odd' })).toBe(lateCount);
      await s.close();
    });
  });

  it('refuses the questions of a thread that stopped as unavailable (503), and starts another only after a wait that doubles while they keep stopping', async () => {
    await onTestClock(async (advance) => {
      const s = await store(true);
      await write(s, changes(1, 3_000));
      const moment: Moment = { field: 'occurredAt', at: day(150) };
      const expected = await (await readStoreAt(s, [C], moment)).count(C, { kind: 'odd' });
      const refusal = (asked: Promise<unknown>) => asked.then(() => null, (e: unknown) => e as Unavailable);
      // Frames of the other time to build first: pending while the thread ends.
      const stopsWhileAsked = async () => {
        const asked = readStoreAt(s, [C], { field: 'recordedAt', at: day(100) });
        await new Promise((resolve) => setImmediate(resolve));
        await crashThreadForTests(s);
        return refusal(asked);
      };
      const refused = await stopsWhileAsked();
      expect(refused).toBeInstanceOf(Unavailable);
      expect(refused!.message).toMatch(/as-of thread stopped/);
      expect(refused!.retryAfterSeconds).toBe(5);
      advance(4_000); // within the wait: refused at once, no thread started
      const early = await refusal(readStoreAt(s, [C], moment));
      expect(early).toBeInstanceOf(Unavailable);
      expect(early!.retryAfterSeconds).toBe(1);
      await expect(framesBuiltOnThread(s)).rejects.toBeInstanceOf(Unavailable);
      advance(1_000); // the wait over: another thread, which stops too before it answers, so the next wait is twice as long
      expect((await stopsWhileAsked())!.retryAfterSeconds).toBe(10);
      advance(10_000);
      expect(await (await readStoreAt(s, [C], moment)).count(C, { kind: 'odd' })).toBe(expected);
      expect(await framesBuiltOnThread(s)).toBe(1); // a new thread: built there once
      await crashThreadForTests(s); // it had answered: the wait starts again from 5 s
      expect((await refusal(readStoreAt(s, [C], moment)))!.retryAfterSeconds).toBe(5);
      await s.close();
    });
  });
});
