// The demo history (npm run seed): the explainer's headline figure as of 2017-09-30, the later activity,
// imported-event envelopes, determinism, and re-runs that append nothing.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAsOf } from '../../src/domain/time.js';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import type { EventStore, RecordedEvent } from '../../src/infra/event-store.js';
import { SqliteEventStore } from '../../src/infra/sqlite-event-store.js';
import { allProjections } from '../../src/projections/index.js';
import { ProjectionRunner } from '../../src/projections/runner.js';
import { currentStatistics, statisticsAsOf } from '../../src/projections/statistics.js';
import { type SeedResult, HEADLINE, SEED_ACTOR, buildSeedPlan, runSeed } from '../../scripts/seed.js';
import { startServer } from '../api/harness.js';

const CUTOFF = parseAsOf(HEADLINE.asOf)!; // 2017-09-30T15:59:59.999Z
const centi = (n: number) => Math.round(n * 100);

async function readAll(events: EventStore): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for (let after = 0; ; ) {
    const batch = await events.readAll(after, 1000);
    if (batch.length === 0) return out;
    out.push(...batch);
    after = batch[batch.length - 1]!.position;
  }
}

/** Published count and area moved by one event, from the figures the event carries. */
function moved(e: RecordedEvent): { projects: number; centi: number } {
  const d = e.data as { totalArea: number; figures?: { before: { totalArea: number }; after: { totalArea: number } } };
  if (e.type === 'ProjectPublished') return { projects: 1, centi: centi(d.totalArea) };
  if (e.type === 'ProjectWithdrawn') return { projects: -1, centi: -centi(d.totalArea) };
  if (e.type === 'ProjectUpdated' && d.figures) return { projects: 0, centi: centi(d.figures.after.totalArea) - centi(d.figures.before.totalArea) };
  return { projects: 0, centi: 0 };
}

describe('seed: the demo history in one store', () => {
  let dir: string;
  let events: SqliteEventStore;
  let reads: EmbeddedReadStore;
  let runner: ProjectionRunner;
  let first: SeedResult;
  let log: RecordedEvent[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'isp-seed-'));
    events = SqliteEventStore.open(join(dir, 'events.db'));
    first = await runSeed(events);
    reads = EmbeddedReadStore.open(dir);
    runner = new ProjectionRunner(events, reads, allProjections);
    await runner.start();
    expect(await runner.waitFor(await events.headPosition(), 20_000)).toBe(true);
    log = await readAll(events);
  }, 60_000);

  afterAll(async () => {
    await runner?.stop();
    await events?.close();
    await reads?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('appends the whole plan once', () => {
    expect(first.alreadySeeded).toBe(false);
    expect(first.appended).toBe(first.steps);
    expect(log).toHaveLength(first.steps);
    expect(first.head).toBe(log.at(-1)!.position);
  });

  it('gives exactly 111 projects and 7,124,500 ㎡ as of 2017-09-30', async () => {
    const s = await statisticsAsOf(reads, CUTOFF);
    expect(s.projects).toBe(111);
    expect(s.totalArea).toBe(7_124_500);
    // The breakdowns add up, and the history uses every district, use type and supply mode.
    expect(s.byDistrict.reduce((a, d) => a + d.projects, 0)).toBe(111);
    expect(centi(s.byDistrict.reduce((a, d) => a + d.totalArea, 0))).toBe(centi(7_124_500));
    expect(s.byDistrict.every((d) => d.projects > 0)).toBe(true);
    expect(s.byUseType.every((u) => u.projects > 0)).toBe(true);
    expect(s.byUseType.reduce((a, u) => a + u.projects, 0)).toBe(111);
    expect(s.bySupplyMode.every((m) => m.projects > 0)).toBe(true);
    const top = [...s.byDistrict].sort((a, b) => b.projects - a.projects).slice(0, 5).map((d) => d.district);
    expect(new Set(top)).toEqual(new Set(['nanshan', 'baoan', 'longgang', 'longhua', 'futian']));
  });

  it('counts the reporting day by the end of the day in CST, and not a moment after', async () => {
    const lastPublication = log.filter((e) => e.type === 'ProjectPublished' && e.occurredAt <= CUTOFF).at(-1)!;
    expect(lastPublication.occurredAt.slice(0, 10)).toBe('2017-09-30'); // 16:40 CST on the day itself
    const before = await statisticsAsOf(reads, new Date(Date.parse(lastPublication.occurredAt) - 1).toISOString());
    expect(before.projects).toBe(110);
    const firstAfter = log.find((e) => e.type === 'ProjectPublished' && e.occurredAt > CUTOFF)!;
    const stillSame = await statisticsAsOf(reads, new Date(Date.parse(firstAfter.occurredAt) - 1).toISOString());
    expect([stillSame.projects, stillSame.totalArea]).toEqual([111, 7_124_500]);
    expect((await statisticsAsOf(reads, firstAfter.occurredAt)).projects).toBe(112);
  });

  it('keeps the total exact through the corrections made before the reporting day', () => {
    const areaUpdates = log.filter((e) => e.type === 'ProjectUpdated' && e.occurredAt <= CUTOFF && 'totalArea' in (e.data as { changes: object }).changes);
    expect(areaUpdates.length).toBeGreaterThanOrEqual(2);
    expect(areaUpdates.some((e) => (e.data as { published: boolean }).published)).toBe(true);
    const sum = log.filter((e) => e.occurredAt <= CUTOFF).reduce((a, e) => a + moved(e).centi, 0);
    expect(sum).toBe(centi(7_124_500));
  });

  it('moves the current statistics by exactly the activity after the reporting day', async () => {
    const later = log.filter((e) => e.occurredAt > CUTOFF);
    const types = later.map((e) => e.type);
    expect(types.filter((t) => t === 'ProjectWithdrawn')).toHaveLength(1);
    expect(types).toContain('UnitsAdded');
    expect(types).toContain('UnitRemoved');
    expect(types).toContain('ProjectRegistered');
    expect(later.some((e) => e.type === 'ProjectUpdated' && (e.data as { figures?: { before: { totalArea: number }; after: { totalArea: number } } }).figures?.before.totalArea !== (e.data as { figures?: { after: { totalArea: number } } }).figures?.after.totalArea)).toBe(true);
    expect(later.filter((e) => e.type === 'ProjectUpdated').every((e) => (e.data as { reason: string }).reason.length > 0)).toBe(true);
    // A withdrawal or a change of area after 2017-09-30 leaves the headline alone (checked above) and moves "now".
    const delta = later.reduce((a, e) => ({ projects: a.projects + moved(e).projects, centi: a.centi + moved(e).centi }), { projects: 0, centi: 0 });
    const now = await currentStatistics(reads, new Date().toISOString());
    expect(now.projects).toBe(111 + delta.projects);
    expect(centi(now.totalArea)).toBe(centi(7_124_500) + delta.centi);
    expect(now.projects).not.toBe(111);
    expect([now.projects, now.totalArea]).toEqual([first.expected.current.projects, first.expected.current.totalArea]);
    // And a project still waiting for publication is in the search model but not in the statistics.
    expect(await reads.count('projects', { status: 'registered' })).toBe(1);
    expect(await reads.count('projects', { status: 'withdrawn' })).toBe(1);
  });

  it('marks every event imported, by the importer, with occurredAt ≤ recordedAt', () => {
    for (const e of log) {
      expect(e.metadata.imported).toBe(true);
      expect(e.metadata.actor).toEqual(SEED_ACTOR);
      expect(Date.parse(e.occurredAt)).toBeLessThanOrEqual(Date.parse(e.recordedAt));
      expect(e.occurredAt >= '2014-11-30T16:00:00.000Z' && e.occurredAt < '2019-01-01').toBe(true);
    }
  });

  it('appends nothing when run again', async () => {
    const head = await events.headPosition();
    const again = await runSeed(events);
    expect(again.alreadySeeded).toBe(true);
    expect(again.appended).toBe(0);
    expect(await events.headPosition()).toBe(head);
  });

  it('is deterministic: the same plan, ids and figures every time', () => {
    const a = buildSeedPlan();
    const b = buildSeedPlan();
    expect(a).toEqual(b);
    const ids = log.filter((e) => e.type === 'ProjectRegistered').map((e) => (e.data as { projectId: string }).projectId);
    expect(ids).toHaveLength(a.projects.length);
    expect(new Set(ids)).toEqual(new Set(a.projects.map((p) => p.projectId)));
  });
});

describe('seed: interrupted and resumed', () => {
  it('appends only the missing steps after a failure part-way', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'isp-seed-resume-'));
    const events = SqliteEventStore.open(join(dir, 'events.db'));
    try {
      let budget = 100;
      const failing: EventStore = Object.assign(Object.create(events) as EventStore, {
        append: (...args: Parameters<EventStore['append']>) => (budget-- > 0 ? events.append(...args) : Promise.reject(new Error('disk unplugged'))),
      });
      await expect(runSeed(failing)).rejects.toThrow('disk unplugged');
      expect(await events.headPosition()).toBe(100);
      const resumed = await runSeed(events);
      expect(resumed.resumed).toBe(true);
      expect(resumed.skipped).toBe(100);
      expect(resumed.appended).toBe(resumed.steps - 100);
      expect(await events.headPosition()).toBe(resumed.steps);
      expect((await runSeed(events)).alreadySeeded).toBe(true);
    } finally {
      await events.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('seed: over HTTP and as a script', () => {
  it('answers GET /api/statistics?asOf=2017-09-30 with 111 projects and 7124500 ㎡', async () => {
    const server = await startServer();
    try {
      const { head } = await runSeed(server.platform.events);
      const res = await server.request('GET', `/api/statistics?asOf=2017-09-30&consistentWith=${head}`);
      expect(res.status).toBe(200);
      expect([res.body.projects, res.body.totalArea]).toEqual([111, 7_124_500]);
      const now = await server.request('GET', `/api/statistics?consistentWith=${head}`);
      expect(now.body.projects).not.toBe(111);
      const search = await server.request('GET', '/api/projects?district=nanshan&pageSize=5');
      expect(search.status).toBe(200);
      expect(search.body.total).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('npm run seed exits 0, and exits 0 again saying it already ran', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'isp-seed-cli-'));
    const run = promisify(execFile);
    const env = { ...process.env, DATA_DIR: dir, EVENTSTORE_URL: '', MONGO_URL: '' };
    try {
      const once = await run(join('node_modules', '.bin', 'tsx'), ['scripts/seed.ts'], { env, timeout: 60_000 });
      expect(once.stdout).toContain('111 published projects, 7,124,500 ㎡');
      expect(once.stdout).toContain('✓');
      const twice = await run(join('node_modules', '.bin', 'tsx'), ['scripts/seed.ts'], { env, timeout: 60_000 });
      expect(twice.stdout).toContain('already');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
