// The demo history (npm run seed): the explainer's headline figure as of 2017-09-30, the later activity,
// imported-event envelopes, determinism, and re-runs that append nothing.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDIT_CODE } from '../../src/api/auth.js';
import { type AllocationCandidate, type AllocationMethod, allocate, lotteryDraw, sha256Hex } from '../../src/domain/allocation.js';
import { addWorkingDays } from '../../src/domain/calendar.js';
import { parseAsOf } from '../../src/domain/time.js';
import { accountabilityDecider } from '../../src/domain/accountability.js';
import { applicationDecider } from '../../src/domain/application.js';
import { demandDecider } from '../../src/domain/demand.js';
import { exchangeDecider } from '../../src/domain/exchange.js';
import { noticeDecider } from '../../src/domain/notice.js';
import { projectDecider } from '../../src/domain/project.js';
import { tenancyDecider } from '../../src/domain/tenancy.js';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import type { EventStore, RecordedEvent } from '../../src/infra/event-store.js';
import { SqliteEventStore } from '../../src/infra/sqlite-event-store.js';
import { allProjections } from '../../src/projections/index.js';
import { ProjectionRunner } from '../../src/projections/runner.js';
import { listFeed } from '../../src/projections/procedure-queries.js';
import { FEED_KINDS } from '../../src/projections/public-feed.js';
import { currentDemandStatistics, demandStatisticsAsOf } from '../../src/projections/demand-statistics.js';
import { currentStatistics, statisticsAsOf } from '../../src/projections/statistics.js';
import { type SeedResult, HEADLINE, LEGACY_CALENDAR, SEED_ACTOR, buildDemandPlan, buildProcedurePlan, buildSeedPlan, runSeed } from '../../scripts/seed.js';
import { mendAnachronisms } from '../../scripts/seed-data.js';
import { ENTERPRISES, creditCodeOf } from '../../scripts/seed-procedure-data.js';
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
    // Every step appends one event, but the forfeiture that brings its 递补 with it: two.
    expect(first.events).toBe(first.steps + 1);
    expect(first.appended).toBe(first.events);
    expect(log).toHaveLength(first.events);
    expect(first.head).toBe(log.at(-1)!.position);
  });

  it('gives exactly 111 projects and 7,124,500 ㎡ as of 2017-09-30', async () => {
    const s = await statisticsAsOf(reads, CUTOFF);
    expect(s.projects).toBe(111);
    expect(s.totalArea).toBe(7_124_500);
    // The breakdowns add up, and the history uses every district, use type and supply mode.
    expect(s.byDistrict.reduce((a, d) => a + d.projects, 0)).toBe(111);
    expect(centi(s.byDistrict.reduce((a, d) => a + d.totalArea, 0))).toBe(centi(7_124_500));
    expect(s.byDistrict.filter((d) => d.district !== 'qianhai').every((d) => d.projects > 0)).toBe(true); // 前海 joined after the reporting day
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

  it('marks every event imported by the importer (city_admin), with occurredAt ≤ recordedAt', () => {
    for (const e of log) {
      expect(e.metadata.imported).toBe(true);
      expect(e.metadata.importedBy).toEqual(SEED_ACTOR);
      expect(e.metadata.importedBy!.role).toBe('city_admin');
      expect(Date.parse(e.occurredAt)).toBeLessThanOrEqual(Date.parse(e.recordedAt));
      expect(e.occurredAt >= '2014-11-30T16:00:00.000Z' && e.occurredAt < '2019-01-01').toBe(true);
    }
    // The listings were recorded by the importer itself; the procedures by whoever took each step.
    for (const e of log.filter((e) => e.stream.startsWith('project-'))) expect(e.metadata.actor).toEqual(SEED_ACTOR);
  });

  it('keeps the original actor of each procedure step: the enterprise or the district officer', () => {
    const procedure = log.filter((e) => !e.stream.startsWith('project-') && !e.stream.startsWith('demand-'));
    expect(procedure.length).toBe(first.procedures.steps.length + 1); // the 递补 comes with its forfeiture
    const byScheduler = procedure.filter((e) => e.metadata.actor.id === 'system:scheduler');
    expect(byScheduler.map((e) => e.type)).toEqual(['AllocationForfeited', 'WaitlistAllocated']);
    const enterpriseSteps = new Set(['ApplicationSubmitted', 'ApplicationWithdrawn', 'ApplicationResubmitted', 'ObjectionFiled', 'ExchangeRequested']);
    const codes = new Set(ENTERPRISES.map((x) => x.actor.creditCode));
    for (const e of procedure.filter((x) => !byScheduler.includes(x))) {
      expect(e.occurredAt > CUTOFF).toBe(true);
      const { actor } = e.metadata;
      // A tenant's exit (退出) is the enterprise's step too; a 换租 move and a renewal are the officer's.
      if (enterpriseSteps.has(e.type) || (e.type === 'TenancyEnded' && (e.data as { how?: string }).how === 'exit')) {
        expect(actor.role).toBe('enterprise');
        expect(codes.has(actor.creditCode!)).toBe(true);
      } else {
        expect(actor.role).toBe('housing_dept');
        expect(['nanshan', 'baoan']).toContain(actor.district);
        expect(actor.name).toMatch(/^(南山区|宝安区)/);
      }
    }
    // A submission's credit code is its actor's, and so is the exchange's.
    for (const e of procedure.filter((e) => e.type === 'ApplicationSubmitted' || e.type === 'ExchangeRequested')) {
      expect((e.data as { creditCode: string }).creditCode).toBe(e.metadata.actor.creditCode);
    }
  });

  it('shows demand beside the projects as of 2017-09-30: open demands, all three outcomes, settlement time', async () => {
    const asOf = await demandStatisticsAsOf(reads, CUTOFF);
    expect(asOf).toMatchObject({ reported: 13, openDemands: 6, outcomes: { settled: 4, unmet: 2, withdrawn: 1 } });
    expect(asOf.medianDaysToSettle).toBeGreaterThan(0);
    expect(asOf.byIndustry.length).toBe(6);
    expect(asOf.byDistrict.filter((d) => d.openDemands > 0).map((d) => d.district).sort()).toEqual(['baoan', 'guangming', 'longgang', 'longhua', 'luohu', 'nanshan']);
    const now = await currentDemandStatistics(reads);
    expect(now).toMatchObject({ reported: 15, outcomes: { settled: 6, unmet: 3, withdrawn: 3 } });
    expect(now.openDemands).toBe(3);
    // The projects' figures do not move: demands touch no project.
    expect(await statisticsAsOf(reads, CUTOFF)).toMatchObject({ projects: HEADLINE.projects, totalArea: HEADLINE.totalArea });
  });

  it('records each demand step as its enterprise or an officer of the district, with names of the time', () => {
    const demandEvents = log.filter((e) => e.stream.startsWith('demand-'));
    expect(demandEvents.length).toBe(buildDemandPlan(first.plan).length);
    const enterpriseSteps = new Set(['DemandReported', 'DemandFeedbackGiven', 'DemandWithdrawn']);
    for (const e of demandEvents) {
      const { actor } = e.metadata;
      expect(actor.role).toBe(enterpriseSteps.has(e.type) ? 'enterprise' : 'housing_dept');
      if (actor.role === 'housing_dept' && e.occurredAt < '2017-01-06T16:00:00.000Z') expect(actor.name).not.toMatch(/^(龙华区|坪山区)/);
    }
    expect(new Set(demandEvents.map((e) => e.type))).toEqual(new Set(['DemandReported', 'DemandFollowedUp', 'DemandBrokered', 'DemandFeedbackGiven', 'DemandWithdrawn', 'DemandClosed']));
  });

  it('mends the anachronisms: 龙华/坪山 新区 before 2017, no free handover before 2021, 人才安居集团 only from July 2016', () => {
    for (const e of log.filter((x) => x.type === 'ProjectRegistered')) {
      const f = e.data as { address: string; ownershipType?: string; owner?: string };
      if (e.occurredAt < '2017-01-06T16:00:00.000Z') expect(f.address).not.toMatch(/^(龙华区|坪山区)/);
      if (e.occurredAt < '2020-12-31T16:00:00.000Z') expect(f.ownershipType ?? '').not.toContain('无偿移交');
      if (e.occurredAt < '2016-06-30T16:00:00.000Z') expect(f.owner ?? '').not.toContain('人才安居'); // the group was set up in mid-2016
    }
    expect(log.some((e) => e.type === 'ProjectRegistered' && (e.data as { address: string }).address.startsWith('龙华新区'))).toBe(true);
    // Each rule at its own edge (the seed's projects need not fall near them).
    const owned = (at: string) => {
      const f = { owner: '深圳市人才安居集团有限公司', address: '龙华区观澜街道', supplyModes: ['rent'] } as unknown as Parameters<typeof mendAnachronisms>[0];
      mendAnachronisms(f, at);
      return [f.owner, f.address];
    };
    expect(owned('2016-06-30T15:59:59.999Z')).toEqual(['深圳市投资控股有限公司', '龙华新区观澜街道']);
    expect(owned('2016-06-30T16:00:00.000Z')).toEqual(['深圳市人才安居集团有限公司', '龙华新区观澜街道']);
    expect(owned('2017-01-06T16:00:00.000Z')).toEqual(['深圳市人才安居集团有限公司', '龙华区观澜街道']);
  });

  it('keeps the books of tenancies after the leases: a 换租 move, a renewal of the moved tenancy, an exit, a recovery', () => {
    const ends = log.filter((e) => e.type === 'TenancyEnded').map((e) => e.data as { how: string; tenancyId: string; successor?: { tenancyId: string } });
    expect(ends.map((d) => d.how).sort()).toEqual(['exchange', 'exit', 'recovery']);
    const successor = ends.find((d) => d.how === 'exchange')!.successor!.tenancyId;
    const renewals = log.filter((e) => e.type === 'TenancyRenewed');
    expect(renewals.map((e) => e.stream)).toEqual([`tenancy-${successor}`]);
    expect(ends.find((d) => d.how === 'recovery')!.tenancyId).toBe(successor);
  });

  it('shows all four kinds of public notice in the feed', async () => {
    const feed = await listFeed(reads, { page: 1, pageSize: 100 });
    expect(new Set(feed.items.map((i) => i.kind))).toEqual(new Set(FEED_KINDS));
    for (const kind of FEED_KINDS) expect((await listFeed(reads, { kind, page: 1, pageSize: 1 })).total).toBeGreaterThan(0);
    expect(feed.items.every((i) => (i.publishedAt as string) > CUTOFF && (i.publishedAt as string) < '2019-01-01')).toBe(true);
    // The publicity list shows the verdict revised after the upheld objection.
    const publicity = feed.items.filter((i) => i.kind === 'qualification_publicity').flatMap((i) => (i.body as { list: { qualified: boolean; revisedAfterObjection?: boolean; previous?: { qualified: boolean } }[] }).list);
    expect(publicity.filter((x) => x.revisedAfterObjection).map((x) => [x.previous?.qualified, x.qualified])).toEqual([[true, false]]);
  });

  it('walks the lottery notice through every step: withdrawal, 补正, refusal, an upheld objection, the draw, leases', () => {
    const lottery = first.procedures.notices.find((n) => n.method === 'lottery')!;
    const of = (type: string) => log.filter((e) => e.type === type && (e.data as { noticeId?: string }).noticeId === lottery.noticeId);
    expect(of('ApplicationSubmitted').length).toBeGreaterThanOrEqual(6);
    expect(of('ApplicationWithdrawn')).toHaveLength(1);
    expect(of('ApplicationReturned')).toHaveLength(1);
    expect((of('ApplicationResubmitted')[0]!.data as { applicationId: string }).applicationId).toBe((of('ApplicationReturned')[0]!.data as { applicationId: string }).applicationId);
    const reviews = of('QualificationReviewed').map((e) => e.data as { qualified: boolean; answersObjections?: string[]; previous?: { qualified: boolean } });
    expect(reviews.filter((r) => !r.qualified && !r.previous)).toHaveLength(1);
    const [objection] = of('ObjectionFiled');
    const resolution = of('ObjectionResolved')[0]!.data as { objectionId: string; upheld: boolean };
    expect(resolution).toMatchObject({ objectionId: (objection!.data as { objectionId: string }).objectionId, upheld: true });
    expect(reviews.filter((r) => r.answersObjections?.includes(resolution.objectionId))).toMatchObject([{ qualified: false, previous: { qualified: true } }]);
    // The publicity ends by the working-day calendar of the time, and the draw comes after it.
    const publicity = of('QualificationPublicityStarted')[0]!;
    const { startsAt, endsAt } = publicity.data as { startsAt: string; endsAt: string };
    expect(endsAt).toBe(addWorkingDays(startsAt, 5, LEGACY_CALENDAR));
    expect(of('ObjectionFiled')[0]!.occurredAt < endsAt && of('AllocationDecided')[0]!.occurredAt > endsAt).toBe(true);
    const allocated = (of('AllocationDecided')[0]!.data as { allocations: { applicationId: string; area: number }[] }).allocations;
    const leases = log.filter((e) => e.type === 'LeaseSigned' && (e.data as { noticeId: string }).noticeId === lottery.noticeId).map((e) => e.data as { applicationId: string; area: number });
    expect(leases).toEqual(allocated.slice(0, 2).map((a) => expect.objectContaining({ applicationId: a.applicationId, area: a.area })));
    // The exchange is the first tenant's, approved and published.
    const exchange = log.filter((e) => e.stream === `exchange-${first.procedures.exchanges[0]!.exchangeId}`);
    expect(exchange.map((e) => e.type)).toEqual(['ExchangeRequested', 'ExchangeReviewed', 'ExchangeResultPublished']);
    expect((exchange[0]!.data as { current: { applicationId: string } }).current.applicationId).toBe(leases[0]!.applicationId);
    expect((exchange[2]!.data as { approved: boolean }).approved).toBe(true);
  });

  it('forfeits the sale winner who did not sign in time (the scheduler, at the deadline) and gives the space to the next in the ranking (递补), who signs', () => {
    const ranking = first.procedures.notices.find((n) => n.method === 'ranking')!;
    const notice = log.filter((e) => e.stream === `notice-${ranking.noticeId}`);
    const result = notice.find((e) => e.type === 'ResultPublished')!.data as { publishedAt: string; signingDueAt: string; allocations: { applicationId: string; area: number }[] };
    expect(result.signingDueAt).toBe(addWorkingDays(result.publishedAt, 15, LEGACY_CALENDAR));
    const forfeited = notice.find((e) => e.type === 'AllocationForfeited')!;
    const waitlisted = notice.find((e) => e.type === 'WaitlistAllocated')!;
    expect(waitlisted.position).toBe(forfeited.position + 1); // one decision, one append
    expect(forfeited.occurredAt > result.signingDueAt).toBe(true);
    const f = forfeited.data as { applicationId: string; area: number; reason: string };
    const w = waitlisted.data as { applicationId: string; area: number; rank: number; replaces: string; signingDueAt: string };
    expect(f).toMatchObject({ applicationId: result.allocations[2]!.applicationId, area: result.allocations[2]!.area, reason: 'signing_deadline' });
    const decided = notice.find((e) => e.type === 'AllocationDecided')!.data as { order: string[]; allocations: { applicationId: string }[] };
    expect(w).toMatchObject({ applicationId: decided.order[3], rank: 4, replaces: f.applicationId, signingDueAt: addWorkingDays(forfeited.occurredAt, 15, LEGACY_CALENDAR) });
    expect(decided.allocations.map((a) => a.applicationId)).not.toContain(w.applicationId);
    // Every winner in the end signed: the first two in time, the 递补 winner within its own deadline.
    const sales = log.filter((e) => e.type === 'SaleCompleted' && (e.data as { noticeId: string }).noticeId === ranking.noticeId).map((e) => e.data as { applicationId: string; signedOn: string });
    expect(sales.map((x) => x.applicationId)).toEqual([result.allocations[0]!.applicationId, result.allocations[1]!.applicationId, w.applicationId]);
    expect(sales[2]!.signedOn <= w.signingDueAt && sales[0]!.signedOn <= result.signingDueAt).toBe(true);
  });

  it('re-derives each AllocationDecided from its recorded inputs (lottery: from the committed seed)', () => {
    const decisions = log.filter((e) => e.type === 'AllocationDecided');
    expect(decisions.map((e) => (e.data as { method: string }).method).sort()).toEqual(['lottery', 'ranking']);
    for (const e of decisions) {
      const d = e.data as { noticeId: string; method: AllocationMethod; seed?: string; lotterySeedSha256?: string; candidatesSha256?: string; effectiveSeed?: string; offeredArea: number; inputs: AllocationCandidate[]; order: string[]; allocations: unknown[]; allocatedArea: number };
      // The inputs are the qualified applicants' last submissions, as the log has them.
      const submitted = new Map(log.filter((x) => x.type === 'ApplicationSubmitted').map((x) => [(x.data as { applicationId: string }).applicationId, x.position]));
      for (const i of d.inputs) expect(i.submittedPosition).toBe(submitted.get(i.applicationId));
      let seed: string | undefined;
      if (d.method === 'lottery') {
        const published = log.find((x) => x.type === 'NoticePublished' && (x.data as { noticeId: string }).noticeId === d.noticeId)!;
        expect(sha256Hex(d.seed!)).toBe((published.data as { lotterySeedSha256: string }).lotterySeedSha256);
        expect(published.position).toBeLessThan(Math.min(...d.inputs.map((i) => i.submittedPosition))); // committed before anyone applied
        const draw = lotteryDraw(d.seed!, d.inputs);
        expect([draw.candidatesSha256, draw.effectiveSeed]).toEqual([d.candidatesSha256, d.effectiveSeed]);
        seed = draw.effectiveSeed;
      }
      const again = allocate(d.method, d.inputs, d.offeredArea, seed);
      expect({ order: d.order, allocations: d.allocations, allocatedArea: d.allocatedArea }).toEqual(again);
      expect(d.allocations.length).toBeGreaterThan(0);
      expect(d.allocations.length).toBeLessThan(d.inputs.length); // the method decided: not everyone fitted
    }
  });

  it('gives the enterprises valid, distinct credit codes and distinct names', () => {
    expect(creditCodeOf('19220382')).toBe('914403001922038216'); // check characters as GB 11714 and GB 32100 compute them
    expect(creditCodeOf('70846113')).toBe('91440300708461136T');
    const codes = ENTERPRISES.map((e) => e.actor.creditCode);
    for (const c of codes) expect(c).toMatch(CREDIT_CODE);
    expect(new Set(codes).size).toBe(codes.length);
    expect(new Set(ENTERPRISES.map((e) => e.actor.name)).size).toBe(codes.length);
  });

  it('appends nothing when run again', async () => {
    const head = await events.headPosition();
    const again = await runSeed(events);
    expect(again.alreadySeeded).toBe(true);
    expect(again.appended).toBe(0);
    expect(await events.headPosition()).toBe(head);
  });

  it('keeps every state of every stream through a snapshot (JSON text and back), event after event', () => {
    const deciders: Record<string, { initialState: unknown; evolve: (s: never, e: never) => unknown }> = {
      project: projectDecider, notice: noticeDecider, application: applicationDecider, tenancy: tenancyDecider,
      demand: demandDecider, accountability: accountabilityDecider, exchange: exchangeDecider,
    };
    const states = new Map<string, unknown>();
    const kinds = new Set<string>();
    for (const e of log) {
      const kind = e.stream.slice(0, e.stream.indexOf('-'));
      const decider = deciders[kind];
      if (!decider) throw new Error(`no decider for ${e.stream}`);
      const state = decider.evolve((states.get(e.stream) ?? decider.initialState) as never, { type: e.type, data: e.data } as never);
      expect(JSON.parse(JSON.stringify(state)), `${e.stream} at ${e.revision}`).toStrictEqual(state);
      states.set(e.stream, state);
      kinds.add(kind);
    }
    expect([...kinds].sort()).toEqual(['application', 'demand', 'exchange', 'notice', 'project', 'tenancy']); // accountability: in the deciders' specs (decider-spec.ts)
  });

  it('is deterministic: the same plan, ids and figures every time', () => {
    const a = buildSeedPlan();
    const b = buildSeedPlan();
    expect(a).toEqual(b);
    expect(buildProcedurePlan(a)).toEqual(buildProcedurePlan(b));
    expect(first.procedures.notices.map((n) => n.noticeId)).toEqual(log.filter((e) => e.type === 'NoticePublished').map((e) => (e.data as { noticeId: string }).noticeId));
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
      expect(resumed.appended).toBe(resumed.events - 100);
      expect(await events.headPosition()).toBe(resumed.events);
      expect((await runSeed(events)).alreadySeeded).toBe(true);
    } finally {
      await events.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('resumes inside a procedure, resolving what the plan names by its place (the lottery’s tenants)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'isp-seed-resume-'));
    const events = SqliteEventStore.open(join(dir, 'events.db'));
    try {
      // Stop right after the draw: the leases name "the first and second allocations".
      const plan = buildSeedPlan();
      const procedures = buildProcedurePlan(plan);
      const draw = procedures.steps.findIndex((s) => s.action.type === 'decideAllocation');
      const drawAt = procedures.steps[draw]!.at;
      let budget = plan.steps.filter((s) => s.at <= drawAt).length + buildDemandPlan(plan).filter((s) => s.at <= drawAt).length + draw + 1;
      const stopsAt = budget;
      const failing: EventStore = Object.assign(Object.create(events) as EventStore, {
        append: (...args: Parameters<EventStore['append']>) => (budget-- > 0 ? events.append(...args) : Promise.reject(new Error('disk unplugged'))),
      });
      await expect(runSeed(failing)).rejects.toThrow('disk unplugged');
      expect((await events.readAll(stopsAt - 1, 1))[0]!.type).toBe('AllocationDecided');
      const resumed = await runSeed(events);
      expect([resumed.resumed, resumed.skipped, await events.headPosition()]).toEqual([true, stopsAt, resumed.events]);
      expect((await runSeed(events)).alreadySeeded).toBe(true);
    } finally {
      await events.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('seed: resumed after the step that appends two events', () => {
  it('stops right after the forfeiture and its 递补, and resumes without doubling them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'isp-seed-resume-'));
    const events = SqliteEventStore.open(join(dir, 'events.db'));
    try {
      const plan = buildSeedPlan();
      const procedures = buildProcedurePlan(plan);
      const forfeit = procedures.steps.findIndex((s) => s.action.type === 'forfeitAllocation');
      const at = procedures.steps[forfeit]!.at;
      // Appends (one per step) up to and including the forfeiture's.
      let budget = plan.steps.filter((s) => s.at <= at).length + buildDemandPlan(plan).filter((s) => s.at <= at).length + forfeit + 1;
      const stepsDone = budget;
      const failing: EventStore = Object.assign(Object.create(events) as EventStore, {
        append: (...args: Parameters<EventStore['append']>) => (budget-- > 0 ? events.append(...args) : Promise.reject(new Error('disk unplugged'))),
      });
      await expect(runSeed(failing)).rejects.toThrow('disk unplugged');
      const [last, beforeLast] = [(await events.readAll(stepsDone, 1))[0]!, (await events.readAll(stepsDone - 1, 1))[0]!];
      expect([beforeLast.type, last.type]).toEqual(['AllocationForfeited', 'WaitlistAllocated']);
      const resumed = await runSeed(events);
      expect([resumed.resumed, resumed.skipped, resumed.appended]).toEqual([true, stepsDone, resumed.events - stepsDone - 1]);
      expect(await events.headPosition()).toBe(resumed.events);
      const all = await readAll(events);
      expect(all.filter((e) => e.type === 'AllocationForfeited')).toHaveLength(1);
      expect(all.filter((e) => e.type === 'WaitlistAllocated')).toHaveLength(1);
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
      const { head } = await runSeed(server.services.events);
      const res = await server.request('GET', `/api/statistics?asOf=2017-09-30&consistentWith=${head}`);
      expect(res.status).toBe(200);
      expect([res.body.projects, res.body.totalArea]).toEqual([111, 7_124_500]);
      const now = await server.request('GET', `/api/statistics?consistentWith=${head}`);
      expect(now.body.projects).not.toBe(111);
      const search = await server.request('GET', '/api/projects?district=nanshan&pageSize=5');
      expect(search.status).toBe(200);
      expect(search.body.total).toBeGreaterThan(0);
      const feed = await server.request('GET', `/api/notices?pageSize=100&consistentWith=${head}`);
      expect(feed.status).toBe(200);
      expect(new Set(feed.body.items.map((i: { kind: string }) => i.kind))).toEqual(new Set(FEED_KINDS));
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
      expect(once.stdout).toMatch(/public feed: rental_notice 2, qualification_publicity 2, result 2, exchange_result 1 ✓/);
      const twice = await run(join('node_modules', '.bin', 'tsx'), ['scripts/seed.ts'], { env, timeout: 60_000 });
      expect(twice.stdout).toContain('already');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
