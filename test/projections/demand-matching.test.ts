// Live matching: incremental re-matching batch by batch ends with exactly the candidates a from-scratch
// rebuild (one big batch) gives, and both equal a brute-force match of every open demand against every
// published project; so do restarts, whose memory of the rankings is built again from the read models. A seeded random history: projects published, resized, moved and withdrawn, notices
// opened and cancelled, demands reported, changed and closed; enough projects per district to fill the
// candidate lists, so the full-rematch fallback is exercised too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Candidate, MAX_CANDIDATES, matchDemand } from '../../src/domain/matching.js';
import type { District } from '../../src/domain/shared.js';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import type { NewEvent } from '../../src/infra/event-store.js';
import type { DocOp, ReadStore } from '../../src/infra/read-store.js';
import { SqliteEventStore } from '../../src/infra/sqlite-event-store.js';
import { DEMAND_CANDIDATES, DEMAND_NEW_CANDIDATES, demandMatching, rankingHeads, supplyOf } from '../../src/projections/demand-matching.js';
import { prng } from '../../scripts/seed-data.js';
import { DEMANDS } from '../../src/projections/demands.js';
import { allProjections } from '../../src/projections/index.js';
import { NOTICES } from '../../src/projections/notices.js';
import { PROJECTS } from '../../src/projections/project-search.js';
import { ProjectionRunner, type RunnerOptions } from '../../src/projections/runner.js';
import type { Projection } from '../../src/projections/projection.js';

const DISTRICTS: District[] = ['nanshan', 'baoan', 'futian'];
const USE = ['rnd', 'plant', 'office'] as const;
let dir: string;
let events: SqliteEventStore;
const stores: EmbeddedReadStore[] = [];
const runners: ProjectionRunner[] = [];

/** A runner over the shared log once it has reached `position`, left running (stopped after all). */
async function follow(reads: ReadStore, position: number, options: RunnerOptions = {}, projections: Projection[] = allProjections): Promise<ProjectionRunner> {
  const runner = new ProjectionRunner(events, reads, projections, options);
  runners.push(runner);
  await runner.start();
  expect(await runner.waitFor(position, 30_000)).toBe(true);
  return runner;
}

/** The shared log (or `log`) projected into `reads` up to `position` at least, the runner stopped after: where it stopped. */
async function projectTo(reads: ReadStore, position: number, options: RunnerOptions = {}, projections: Projection[] = allProjections, log: SqliteEventStore = events): Promise<number> {
  const runner = new ProjectionRunner(log, reads, projections, options);
  await runner.start();
  expect(await runner.waitFor(position, 30_000)).toBe(true);
  await runner.stop();
  return runner.position;
}

async function candidatesIn(reads: EmbeddedReadStore): Promise<Record<string, Candidate[]>> {
  const docs = await reads.find(DEMAND_CANDIDATES, {}, { sort: { _id: 1 } });
  const open = new Set((await reads.find(DEMANDS, { status: 'open' })).map((d) => d._id));
  return Object.fromEntries(docs.filter((d) => open.has(d._id)).map((d) => [d._id, d.candidates as Candidate[]]));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'isp-matching-'));
  events = SqliteEventStore.open(':memory:'); // no fsync per append: the history is only this test's
  const live = EmbeddedReadStore.open(null);
  stores.push(live);

  const rand = prng(8);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const at = (i: number) => new Date(Date.UTC(2027, 0, 1) + i * 60_000).toISOString();
  const projects: { id: string; district: District; published: boolean; withdrawn: boolean }[] = [];
  const demands: { id: string; open: boolean }[] = [];
  const notices: { id: string; projectId: string; open: boolean }[] = [];
  const append = async (stream: string, type: string, data: unknown, i: number) => {
    const metadata = { actor: { id: 'test', role: 'city_admin' as const }, correlationId: 'c', causationId: null, requestId: 'r', schemaVersion: 1 };
    const e: NewEvent = { id: crypto.randomUUID(), type, data, occurredAt: at(i), metadata };
    await events.append(stream, [e], 'any');
  };
  for (let i = 0; i < 400; i++) {
    const r = rand();
    if (r < 0.3 || projects.length < 5) {
      const id = `p-${String(projects.length).padStart(3, '0')}`;
      const district = pick(DISTRICTS);
      const useType = pick(USE);
      const supplyModes = rand() < 0.7 ? ['rent'] : ['rent', 'sale'];
      const totalArea = Math.round(500 + rand() * 5000);
      await append(`project-${id}`, 'ProjectRegistered', { projectId: id, name: `项目${id}`, district, address: '某路1号', useType, supplyModes, totalArea, units: [] }, i);
      await append(`project-${id}`, 'ProjectPublished', { projectId: id, district, useType, supplyModes, totalArea }, i);
      projects.push({ id, district, published: true, withdrawn: false });
    } else if (r < 0.42) {
      const p = pick(projects.filter((x) => !x.withdrawn));
      await append(`project-${p.id}`, 'ProjectUpdated', { projectId: p.id, changes: { availableArea: Math.round(rand() * 4000) }, previous: {}, reason: '租售变化', published: true }, i);
    } else if (r < 0.46) {
      const p = pick(projects.filter((x) => !x.withdrawn));
      const district = pick(DISTRICTS);
      await append(`project-${p.id}`, 'ProjectUpdated', { projectId: p.id, changes: { district }, previous: { district: p.district }, reason: '区划调整', published: true }, i);
      p.district = district;
    } else if (r < 0.5) {
      const p = pick(projects.filter((x) => !x.withdrawn));
      await append(`project-${p.id}`, 'ProjectWithdrawn', { projectId: p.id, district: p.district, useType: 'rnd', supplyModes: ['rent'], totalArea: 1, reason: '退出' }, i);
      p.withdrawn = true;
    } else if (r < 0.58) {
      const p = pick(projects.filter((x) => !x.withdrawn));
      const id = `n-${notices.length}`;
      const data = { noticeId: id, projectId: p.id, district: p.district, supplyMode: 'rent', area: 500, price: Math.round(30 + rand() * 80), eligibility: '创新型企业', opensAt: at(i + 10), closesAt: at(i + 5000) };
      await append(`notice-${id}`, 'NoticePublished', data, i);
      notices.push({ id, projectId: p.id, open: true });
    } else if (r < 0.62 && notices.some((n) => n.open)) {
      const n = pick(notices.filter((x) => x.open));
      await append(`notice-${n.id}`, 'NoticeCancelled', { noticeId: n.id, reason: '调整' }, i);
      n.open = false;
    } else if (r < 0.85 || demands.length < 3) {
      const id = `d-${String(demands.length).padStart(3, '0')}`;
      const minArea = Math.round(200 + rand() * 2000);
      const spec = { industry: '软件', minArea, maxArea: minArea + Math.round(rand() * 3000), districts: rand() < 0.3 ? [...DISTRICTS.slice(0, 2)] : [pick(DISTRICTS)], useType: pick(USE), supplyMode: 'rent', maxPrice: 70, neededBy: '2028-01-01T00:00:00.000Z' };
      await append(`demand-${id}`, 'DemandReported', { demandId: id, creditCode: 'c', ...spec, reportedAt: at(i), followUpDueAt: at(i + 100) }, i);
      demands.push({ id, open: true });
    } else if (r < 0.93) {
      const d = pick(demands.filter((x) => x.open));
      const changes = { minArea: 100, districts: [pick(DISTRICTS)] };
      const figures = { industry: '软件', districts: changes.districts, useType: 'rnd', minArea: 100, maxArea: 5000, reportedAt: at(0) };
      await append(`demand-${d.id}`, 'DemandUpdated', { demandId: d.id, changes, previous: {}, figures: { before: figures, after: figures } }, i);
    } else {
      const open = demands.filter((x) => x.open);
      if (open.length < 2) continue;
      const d = pick(open);
      const figures = { industry: '软件', districts: ['nanshan'], useType: 'rnd', minArea: 1, maxArea: 2, reportedAt: at(0) };
      await append(`demand-${d.id}`, 'DemandClosed', { demandId: d.id, outcome: 'unmet', reason: '无', by: { id: 'o', role: 'housing_dept' }, figures }, i);
      d.open = false;
    }
  }
  // Live: small batches, each re-matching only what it touched.
  await follow(live, await events.headPosition(), { batchSize: 3 });
}, 60_000);

afterAll(async () => {
  for (const r of runners) await r.stop();
  for (const s of stores) await s.close();
  await events?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('demand matching, live and rebuilt', () => {
  it('ends with the candidates of a brute-force match, and lists fill up to the cap', async () => {
    const live = stores[0]!;
    const projects = await live.find(PROJECTS, { status: 'published' });
    const notices = await live.find(NOTICES, { status: 'published' });
    const supply = projects.map((p) => supplyOf(p, notices.filter((n) => n.projectId === p._id))!);
    const expected: Record<string, Candidate[]> = {};
    for (const d of await live.find(DEMANDS, { status: 'open' }, { sort: { _id: 1 } })) {
      expected[d._id] = matchDemand(
        { minArea: Number(d.minArea), maxArea: Number(d.maxArea), districts: d.districts as District[], useType: d.useType as 'rnd', supplyMode: 'rent', maxPrice: Number(d.maxPrice), neededBy: String(d.neededBy) },
        supply,
      );
    }
    const actual = await candidatesIn(live);
    expect(Object.keys(actual).length).toBeGreaterThan(20);
    expect(actual).toEqual(expected);
    expect(Object.values(actual).some((c) => c.length === MAX_CANDIDATES)).toBe(true);
  });

  it('writes a list only when it changed, and pushes only the projects new to it', async () => {
    // Live matching again, each batch's ops held against the lists stored before it (its index keeps
    // no lists of its own: they are read from the store).
    const reads = EmbeddedReadStore.open(null);
    stores.push(reads);
    let rewrites = 0;
    let pushed = 0;
    let written = 0;
    const watched = {
      ...demandMatching,
      afterBatch: async (store: Parameters<NonNullable<typeof demandMatching.afterBatch>>[0], batch: Parameters<NonNullable<typeof demandMatching.afterBatch>>[1], position: number) => {
        const ops = await demandMatching.afterBatch!(store, batch, position);
        for (const op of ops) {
          const [prev] = await store.find(DEMAND_CANDIDATES, { _id: op.id });
          const before = (prev?.candidates as Candidate[] | undefined) ?? [];
          if (op.collection === DEMAND_CANDIDATES) {
            written++;
            if (prev && JSON.stringify(before) === JSON.stringify(op.set!.candidates)) rewrites++;
          } else if (op.collection === DEMAND_NEW_CANDIDATES) {
            const ids = op.set!.projectIds as string[];
            pushed += ids.length;
            if (ids.length === 0 || ids.some((id) => before.some((c) => c.projectId === id))) rewrites++;
          }
        }
        return ops;
      },
    };
    await follow(reads, await events.headPosition(), { batchSize: 3 }, allProjections.map((p) => (p.name === demandMatching.name ? watched : p)));
    expect(written).toBeGreaterThan(50);
    expect(pushed).toBeGreaterThan(50);
    expect(rewrites).toBe(0);
    expect(await candidatesIn(reads)).toEqual(await candidatesIn(stores[0]!));
  });

  it('a from-scratch rebuild in one batch gives the same candidates', async () => {
    const rebuilt = EmbeddedReadStore.open(null);
    stores.push(rebuilt);
    await follow(rebuilt, await events.headPosition(), { batchSize: 5000 });
    expect(await candidatesIn(rebuilt)).toEqual(await candidatesIn(stores[0]!));
  });

  it('a rebuild in bulk mode (matched once at the end of the catch-up) gives the same candidates', async () => {
    const rebuilt = EmbeddedReadStore.open(null);
    stores.push(rebuilt);
    const head = await events.headPosition();
    const runner = await follow(rebuilt, head, { batchSize: 97, bulkAfterLag: 0 });
    // The matching's checkpoint reached the head only through its one catch-up at the end.
    expect(runner.health(head).projections.find((p) => p.name === 'demand-matching-v1')?.position).toBe(head);
    expect(await candidatesIn(rebuilt)).toEqual(await candidatesIn(stores[0]!));
    // The same documents too (closed demands' empty lists included), not only the open demands' lists.
    const lists = async (reads: EmbeddedReadStore) => (await reads.find(DEMAND_CANDIDATES, {}, { sort: { _id: 1 } })).map((d) => [d._id, d.candidates]);
    expect(await lists(rebuilt)).toEqual(await lists(stores[0]!));
  });

  it('a catch-up that fails at the end of bulk mode is made again by the retry, with the same candidates', async () => {
    const rebuilt = EmbeddedReadStore.open(null);
    stores.push(rebuilt);
    const head = await events.headPosition();
    let failures = 0;
    const projections = allProjections.map((p) =>
      p.catchUp
        ? { ...p, catchUp: (...args: Parameters<NonNullable<typeof p.catchUp>>) => (failures++ === 0 ? Promise.reject(new Error('store gone for a moment')) : p.catchUp!(...args)) }
        : p,
    );
    const errors: unknown[] = [];
    await follow(rebuilt, head, { batchSize: 97, bulkAfterLag: 0, retry: { initialDelayMs: 1 }, onError: (e) => errors.push(e) }, projections);
    expect(errors.map((e) => (e as Error).message)).toEqual(['store gone for a moment']);
    expect(failures).toBe(2);
    expect(await candidatesIn(rebuilt)).toEqual(await candidatesIn(stores[0]!));
  });

  it('restarts (each building its memory of the rankings again from the stored lists) end with the same candidates', async () => {
    // One event per batch, a restart every 40: the first batch after each restart is matched with the
    // memory just built from the read models, which hold that batch already.
    const head = await events.headPosition();
    const path = join(dir, 'restarted');
    let reads = EmbeddedReadStore.open(path);
    let restarts = 0;
    for (let at = 40; ; at += 40) {
      if ((await projectTo(reads, Math.min(at, head), { batchSize: 1 })) >= head) break;
      await reads.close();
      reads = EmbeddedReadStore.open(path);
      restarts++;
    }
    stores.push(reads);
    expect(restarts).toBeGreaterThan(5);
    expect(await candidatesIn(reads)).toEqual(await candidatesIn(stores[0]!));
  });

  it('a restart warms the memory of the rankings before any batch: every head as deep as a catch-up ranks it', async () => {
    const head = await events.headPosition();
    const path = join(dir, 'warmed');
    const first = EmbeddedReadStore.open(path);
    await projectTo(first, head, { batchSize: 50 });
    await first.close();

    // Restarted with nothing left to project: only the warm-up builds the memory.
    const reads = EmbeddedReadStore.open(path);
    stores.push(reads);
    expect(rankingHeads(reads)).toBeNull();
    const runner = new ProjectionRunner(events, reads, allProjections);
    runners.push(runner);
    await runner.start();
    await runner.warmed();

    const caughtUp = EmbeddedReadStore.open(null);
    stores.push(caughtUp);
    await follow(caughtUp, head, { batchSize: 97, bulkAfterLag: 0 });
    const expected = rankingHeads(caughtUp)!;
    // Deeper than a stored list somewhere, or the stored lists alone would pass.
    expect([...expected.values()].some((h) => h.ranks.length > MAX_CANDIDATES)).toBe(true);
    expect(Object.fromEntries(rankingHeads(reads)!)).toEqual(Object.fromEntries(expected));
    expect(await candidatesIn(reads)).toEqual(await candidatesIn(stores[0]!));
  });

  it('memory warmed from read models a stretch ahead of the matching still takes that stretch as changed', async () => {
    // The other read models committed up to the head, the matching only up to the middle (a crash between
    // their commits, or a store flushed in between): after a restart the warm-up builds its memory from
    // the head's state, so the first batch cannot tell which supply it changed by comparing with it.
    const head = await events.headPosition();
    const path = join(dir, 'ahead');
    const before = EmbeddedReadStore.open(path);
    await projectTo(before, Math.floor(head / 2), { batchSize: 7 });
    await projectTo(before, head, { batchSize: 50 }, allProjections.filter((p) => p !== demandMatching));
    await before.close();

    const reads = EmbeddedReadStore.open(path);
    stores.push(reads);
    expect(await reads.getCheckpoint(demandMatching.name)).toBeLessThan(head);
    await demandMatching.warm!(reads, () => true);
    await follow(reads, head, { batchSize: 1000 });
    expect(await candidatesIn(reads)).toEqual(await candidatesIn(stores[0]!));
  });

  it('a batch that fails half-way is matched again from the read models, not from its half-changed memory', async () => {
    // Every 5th read of demands by id (matching reads them after changing its memory) fails once.
    const inner = EmbeddedReadStore.open(null);
    stores.push(inner);
    let reads = 0;
    let failures = 0;
    const flaky = new Proxy(inner, {
      get(target, key, receiver) {
        if (key !== 'find') return Reflect.get(target, key, receiver);
        return (collection: string, filter: Record<string, unknown>, options?: object) => {
          if (collection === DEMANDS && '_id' in filter && ++reads % 5 === 0) {
            failures++;
            return Promise.reject(new Error('read store unavailable'));
          }
          return target.find(collection, filter, options);
        };
      },
    });
    const runner = new ProjectionRunner(events, flaky, allProjections, { batchSize: 3, retry: { initialDelayMs: 1, maxDelayMs: 5 } });
    runners.push(runner);
    await runner.start();
    expect(await runner.waitFor(await events.headPosition(), 60_000)).toBe(true);
    expect(failures).toBeGreaterThan(5);
    expect(await candidatesIn(inner)).toEqual(await candidatesIn(stores[0]!));
  });

  it("ranks the open demands at a catch-up's end in slices, letting the event loop turn between them, and gives their lists in parts", async () => {
    const log = await oneProjectManyDemands();
    const reads = EmbeddedReadStore.open(null);
    const head = await projectTo(reads, await log.headPosition(), {}, allProjections, log);
    const parts: DocOp[][] = [];
    const turns = await turnsDuring(() => demandMatching.catchUp!(reads, head + 1, async (part) => void parts.push(part)));
    expect(parts.map((p) => p.length)).toEqual([0, 0]); // ranked again, each the list live matching left, a thousand demands a part
    // Then changed: each part holds its thousand demands' lists, in demand order.
    await reads.commit(demandMatching.name, [{ collection: DEMAND_CANDIDATES, id: 'd-0000', position: head + 1, set: { demandId: 'd-0000', candidates: [] } }, { collection: DEMAND_CANDIDATES, id: 'd-1049', position: head + 1, set: { demandId: 'd-1049', candidates: [] } }], head + 1);
    parts.length = 0;
    await demandMatching.catchUp!(reads, head + 2, async (part) => void parts.push(part));
    expect(parts.map((p) => p.map((op) => op.id))).toEqual([['d-0000'], ['d-1049']]);
    expect(turns).toBeGreaterThanOrEqual(3);
    await reads.close();
    await log.close();
  });

  it('builds its memory at a start in slices, letting the event loop turn between them', async () => {
    const log = await oneProjectManyDemands();
    const path = join(dir, 'slices');
    const first = EmbeddedReadStore.open(path);
    const head = await projectTo(first, await log.headPosition(), {}, allProjections, log);
    await first.close();
    const reads = EmbeddedReadStore.open(path);
    expect(await reads.getCheckpoint(demandMatching.name)).toBe(head);
    // Every list shorter than a list's cap: nothing to rank deeper, so the warm-up only builds the memory.
    const turns = await turnsDuring(() => demandMatching.warm!(reads, () => true));
    expect(rankingHeads(reads)!.size).toBe(1_050);
    expect(turns).toBeGreaterThanOrEqual(4); // 1,050 demands in slices of 250
    await reads.close();
    await log.close();
  });
});

/** How many turns the event loop took while `work` ran. */
async function turnsDuring(work: () => Promise<unknown>): Promise<number> {
  let turns = 0;
  let ticking = true;
  const tick = () => {
    if (!ticking) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  await work();
  ticking = false;
  return turns;
}

/** A log of its own: one published project in nanshan and 1,050 open demands it suits. */
async function oneProjectManyDemands(): Promise<SqliteEventStore> {
  const log = SqliteEventStore.open(':memory:');
  const metadata = { actor: { id: 'test', role: 'city_admin' as const }, correlationId: 'c', causationId: null, requestId: 'r', schemaVersion: 1 };
  const append = (stream: string, type: string, data: unknown) => log.append(stream, [{ id: crypto.randomUUID(), type, data, occurredAt: '2027-01-01T00:00:00.000Z', metadata }], 'any');
  const project = { projectId: 'p-1', district: 'nanshan', useType: 'rnd', supplyModes: ['rent'], totalArea: 3000 };
  await append('project-p-1', 'ProjectRegistered', { ...project, name: '项目', address: '某路1号', units: [] });
  await append('project-p-1', 'ProjectPublished', project);
  for (let i = 0; i < 1_050; i++) {
    const id = `d-${String(i).padStart(4, '0')}`;
    const spec = { industry: '软件', minArea: 100, maxArea: 2000, districts: ['nanshan'], useType: 'rnd', supplyMode: 'rent', maxPrice: 70, neededBy: '2028-01-01T00:00:00.000Z' };
    await append(`demand-${id}`, 'DemandReported', { demandId: id, creditCode: 'c', ...spec, reportedAt: '2027-01-01T00:00:00.000Z', followUpDueAt: '2027-02-01T00:00:00.000Z' });
  }
  return log;
}
