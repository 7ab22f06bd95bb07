// The procedure read models, fed by a realistic log (see procedure-log.ts) through ProjectionRunner.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuleViolation } from '../../src/domain/shared.js';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import { SqliteEventStore } from '../../src/infra/sqlite-event-store.js';
import {
  activeSanctionsOf,
  applicationsOfNotice,
  findObjection,
  getApplication,
  getExchange,
  getNotice,
  listApplications,
  listExchanges,
  listFeed,
  openExchangesOf,
  procedureStatistics,
} from '../../src/projections/procedure-queries.js';
import { ProjectionRunner } from '../../src/projections/runner.js';
import { exchangeTenancyOf } from '../../src/projections/tenancy-queries.js';
import { A1, A2, A3, CASE, E1, E2, E3, N1, N2, N3, type ProcedureLog, X1, buildProcedureLog, declared, dumpCollections, procedureProjections, sha } from './procedure-log.js';

let log: ProcedureLog;
beforeAll(async () => {
  log = await buildProcedureLog();
}, 60_000);
afterAll(async () => {
  await log?.close();
});

/**
 * The publicity list as it stands at the end of the log: E3's verdict reversed after an upheld objection.
 * Names and verdicts only: the reasons stay on the applications (the applicant's and the officers').
 */
const publicityNow = () => [
  { applicationId: A1, enterpriseName: E1.name, creditCode: E1.creditCode, qualified: true },
  { applicationId: A2, enterpriseName: E2.name, creditCode: E2.creditCode, qualified: true },
  {
    applicationId: A3,
    enterpriseName: E3.name,
    creditCode: E3.creditCode,
    qualified: true,
    revisedAfterObjection: true,
    previous: { qualified: false },
    revisedAt: '2026-01-27T02:00:00.000Z',
  },
];

describe('notices', () => {
  it('keeps the terms as amended, the amendment history and where the procedure stands', async () => {
    const n = await getNotice(log.reads, N1);
    expect(n).toMatchObject({
      _id: N1,
      noticeId: N1,
      projectId: 'p-ns-1',
      district: 'nanshan',
      supplyMode: 'rent',
      area: 3_000,
      price: 60,
      eligibility: '南山区新一代信息技术、高端装备、生物医药企业',
      opensAt: '2026-01-10T01:00:00.000Z',
      closesAt: '2026-01-20T09:00:00.000Z',
      publicityWorkingDays: 5,
      status: 'closed',
      stage: 'result_published',
      publishedAt: '2026-01-05T02:00:00.000Z',
      closedAt: '2026-01-21T01:00:00.000Z',
      amendmentCount: 1,
      publicity: { startsAt: '2026-01-21T03:00:00.000Z', endsAt: '2026-01-28T15:59:59.999Z' },
      allocation: { method: 'ranking', allocatedArea: 2_500, decidedAt: '2026-01-29T02:00:00.000Z' },
      result: { publishedAt: '2026-01-30T02:00:00.000Z' },
    });
    expect(n!.amendments).toEqual([{ changes: { price: 60 }, previous: { price: 65 }, reason: '租金标准复核', amendedAt: '2026-01-06T02:00:00.000Z', position: expect.any(Number) }]);
    // The list as it stands: E3's verdict was reversed after an upheld objection, and says so.
    expect((n!.publicity as { list: unknown[] }).list).toEqual(publicityNow());
    expect((n!.allocation as { allocations: unknown }).allocations).toEqual([
      { applicationId: A2, area: 1_500, rank: 1 },
      { applicationId: A1, area: 1_000, rank: 2 },
    ]);
    expect((n!.result as { allocations: unknown }).allocations).toEqual((n!.allocation as { allocations: unknown }).allocations);
    expect(n).not.toHaveProperty('_position');
  });

  it('marks a cancelled notice with its reason; an unknown notice is null', async () => {
    expect(await getNotice(log.reads, N2)).toMatchObject({ status: 'cancelled', stage: 'cancelled', cancelReason: '项目规划调整', cancelledAt: '2026-01-08T02:00:00.000Z', district: 'futian', supplyMode: 'sale' });
    expect(await getNotice(log.reads, 'no-such-notice')).toBeNull();
  });
});

describe('public feed', () => {
  it('lists the four kinds newest first, the prepared result only once published', async () => {
    const feed = await listFeed(log.reads, { page: 1, pageSize: 50 });
    expect(feed).toMatchObject({ total: 6, page: 1, pageSize: 50 });
    expect(feed.items.map((i) => i._id)).toEqual(expectedOrder());
    expect(feed.items.map((i) => i.kind)).toEqual(['rental_notice', 'exchange_result', 'result', 'qualification_publicity', 'rental_notice', 'rental_notice']);
    for (const item of feed.items) {
      expect(item).not.toHaveProperty('_position');
      expect(item.position).toEqual(expect.any(Number));
    }
    // During the publicity the result document already holds the names, but it is not in the feed.
    const during = log.moments.feedDuringPublicity;
    expect(during.total).toBe(3);
    expect(during.items.map((i) => i._id)).toEqual([`qualification_publicity:${N1}`, `rental_notice:${N2}`, `rental_notice:${N1}`]);
  });

  it('shows an amended notice with its new terms and a cancelled one still, marked cancelled', async () => {
    const { items } = await listFeed(log.reads, { kind: 'rental_notice', page: 1, pageSize: 10 });
    const n1 = items.find((i) => i.noticeId === N1)!;
    expect(n1).toMatchObject({ kind: 'rental_notice', title: '租售通告：南山区 项目 p-ns-1（出租）', district: 'nanshan', cancelled: false, publishedAt: '2026-01-05T02:00:00.000Z' });
    expect(n1.body).toMatchObject({ price: 60, area: 3_000, supplyMode: 'rent', opensAt: '2026-01-10T01:00:00.000Z', closesAt: '2026-01-20T09:00:00.000Z' });
    expect(n1.amended).toEqual({ amendedAt: '2026-01-06T02:00:00.000Z', reason: '租金标准复核', fields: ['price'] });
    const n2 = items.find((i) => i.noticeId === N2)!;
    expect(n2).toMatchObject({ cancelled: true, cancelReason: '项目规划调整', district: 'futian', title: '租售通告：福田区 项目 p-ft-7（出售）' });
  });

  it('publishes the publicity list and the result with the enterprises named, and the exchange result', async () => {
    const [publicity] = (await listFeed(log.reads, { kind: 'qualification_publicity', page: 1, pageSize: 10 })).items;
    // E3's objection was upheld and its new review qualified it: the list shows the new verdict (3 qualified now).
    expect(publicity).toMatchObject({ noticeId: N1, projectId: 'p-ns-1', title: '资质审查结果公示：南山区 项目 p-ns-1（3 家申请企业，3 家合格）' });
    expect((publicity!.body as { list: { creditCode: string }[] }).list.map((e) => e.creditCode)).toEqual([E1.creditCode, E2.creditCode, E3.creditCode]);

    const [result] = (await listFeed(log.reads, { kind: 'result', page: 1, pageSize: 10 })).items;
    expect(result).toMatchObject({ title: '租售结果公布：南山区 项目 p-ns-1（出租，2 家企业获配 2500㎡）', decision: { method: 'ranking', methodName: '综合评分排序' } });
    expect(result!.body).toEqual({
      supplyMode: 'rent',
      supplyModeName: '出租',
      allocatedArea: 2_500,
      allocations: [
        { applicationId: A2, area: 1_500, rank: 1, status: 'allocated', enterpriseName: E2.name, creditCode: E2.creditCode },
        { applicationId: A1, area: 1_000, rank: 2, status: 'allocated', enterpriseName: E1.name, creditCode: E1.creditCode },
      ],
    });
    expect(result).not.toHaveProperty('applicants');
    expect(result).not.toHaveProperty('visible');

    const [exchange] = (await listFeed(log.reads, { kind: 'exchange_result', page: 1, pageSize: 10 })).items;
    expect(exchange).toMatchObject({ exchangeId: X1, district: 'nanshan', title: `换租结果公布：${E1.name}（南山区，同意换租）`, publishedAt: '2026-03-06T02:00:00.000Z' });
    expect(exchange!.body).toEqual({ enterpriseName: E1.name, creditCode: E1.creditCode, approved: true, outcome: '同意换租', current: { projectId: 'p-ns-1', area: 1_000 }, wanted: { projectId: 'p-ns-2', area: 800 } });
  });

  it('the publicity list shows a verdict revised after an upheld objection, with the previous one; a dismissed objection changes nothing', async () => {
    const [publicity] = (await listFeed(log.reads, { kind: 'qualification_publicity', page: 1, pageSize: 10 })).items;
    expect(publicity!.body).toMatchObject({ startsAt: '2026-01-21T03:00:00.000Z', endsAt: '2026-01-28T15:59:59.999Z' });
    expect((publicity!.body as { list: unknown[] }).list).toEqual(publicityNow());
    expect(publicity).toMatchObject({ revisedAt: '2026-01-27T02:00:00.000Z', revisionCount: 1, publishedAt: '2026-01-21T03:00:00.000Z' });
    // During the publicity (before the re-review) the list was as published.
    const during = log.moments.feedDuringPublicity.items.find((i) => i.kind === 'qualification_publicity')!;
    expect(during.title).toBe('资质审查结果公示：南山区 项目 p-ns-1（3 家申请企业，2 家合格）');
    expect((during.body as { list: { applicationId: string; qualified: boolean }[] }).list.map((e) => [e.applicationId, e.qualified])).toEqual([
      [A1, true],
      [A2, true],
      [A3, false],
    ]);
    expect(JSON.stringify(during)).not.toContain('revisedAfterObjection');
    expect(during).not.toHaveProperty('revisionCount');
  });

  it('never shows declared facts, documents, reviewers or objections', async () => {
    const text = JSON.stringify((await listFeed(log.reads, { page: 1, pageSize: 100 })).items);
    for (const d of Object.values(declared)) {
      expect(text).not.toContain(d.industry);
      expect(text).not.toContain(String(d.annualRevenue));
    }
    for (const key of ['"declared"', '"documents"', '"annualRevenue"', '"rndShare"', '"employees"', '"reviewer"', '"objections"', '"requestedArea"', '"score"']) expect(text).not.toContain(key);
    for (const c of ['a', 'b', 'c']) expect(text).not.toContain(sha(c));
    expect(text).not.toContain('营业执照');
    expect(text).not.toContain('officer-ns');
    expect(text).not.toContain('社保记录');
  });

  it('filters by kind, district and publishedAt range, and pages', async () => {
    expect((await listFeed(log.reads, { district: 'futian', page: 1, pageSize: 10 })).items.map((i) => i._id)).toEqual([`rental_notice:${N2}`]);
    const ranged = await listFeed(log.reads, { from: '2026-01-06T00:00:00.000Z', to: '2026-01-30T02:00:00.000Z', page: 1, pageSize: 10 });
    expect(ranged.items.map((i) => i._id)).toEqual([`result:${N1}`, `qualification_publicity:${N1}`, `rental_notice:${N2}`]);
    // A bound with an offset means the same instant.
    const offset = await listFeed(log.reads, { from: '2026-01-06T08:00:00+08:00', to: '2026-01-30T10:00:00+08:00', page: 1, pageSize: 10 });
    expect(offset.items.map((i) => i._id)).toEqual(ranged.items.map((i) => i._id));
    const page2 = await listFeed(log.reads, { page: 2, pageSize: 4 });
    expect(page2).toMatchObject({ total: 6, page: 2, pageSize: 4 });
    expect(page2.items.map((i) => i._id)).toEqual(expectedOrder().slice(4));
  });
});

function expectedOrder(): string[] {
  return [
    `rental_notice:${N3}`,
    `exchange_result:${X1}`,
    `result:${N1}`,
    `qualification_publicity:${N1}`,
    `rental_notice:${N2}`,
    `rental_notice:${N1}`,
  ];
}

describe('applications', () => {
  it('lists a notice\'s applications in first-come order (the latest submission counts)', async () => {
    const all = await listApplications(log.reads, { noticeId: N1 }, { page: 1, pageSize: 10 });
    expect(all.total).toBe(3);
    expect(all.items.map((a) => a._id)).toEqual([A1, A2, A3]);
    const positions = all.items.map((a) => a.submittedPosition);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // The submittedPosition is the log position of the latest ApplicationSubmitted of each stream.
    for (const a of all.items) {
      const submissions = (await log.events.readStream(`application-${a._id}`)).filter((e) => e.type === 'ApplicationSubmitted');
      expect(a.submittedPosition).toBe(submissions.at(-1)!.position);
    }
    expect((await applicationsOfNotice(log.reads, N1)).map((a) => a._id)).toEqual([A1, A2, A3]);
  });

  it('filters by status, district and credit code, and pages', async () => {
    expect((await listApplications(log.reads, { creditCode: E1.creditCode }, { page: 1, pageSize: 10 })).items.map((a) => a._id)).toEqual([A1, `${N3}.${E1.creditCode}`]);
    expect((await listApplications(log.reads, { status: 'submitted' }, { page: 1, pageSize: 10 })).items.map((a) => a._id)).toEqual([`${N3}.${E1.creditCode}`]);
    expect((await listApplications(log.reads, { district: 'futian' }, { page: 1, pageSize: 10 })).total).toBe(0);
    const page = await listApplications(log.reads, { district: 'nanshan', status: 'reviewed' }, { page: 2, pageSize: 2 });
    expect(page).toMatchObject({ total: 3, page: 2, pageSize: 2 });
    expect(page.items.map((a) => a._id)).toEqual([A3]);
  });

  it('keeps the submission, the return for material and the resubmitted documents', async () => {
    const a2 = (await getApplication(log.reads, A2))!;
    expect(a2).toMatchObject({
      applicationId: A2,
      noticeId: N1,
      district: 'nanshan',
      creditCode: E2.creditCode,
      enterpriseName: E2.name,
      requestedArea: 1_500,
      declared: declared[E2.creditCode],
      status: 'reviewed',
      submittedAt: '2026-01-13T02:00:00.000Z',
      returned: { missing: ['2025年度审计报告'], returnedAt: '2026-01-14T03:00:00.000Z' },
      resubmittedAt: '2026-01-15T02:00:00.000Z',
      qualified: true,
      score: 90,
      allocatedArea: 1_500,
      allocation: { allocated: true, area: 1_500, rank: 1, method: 'ranking' },
      contract: { kind: 'lease', area: 1_400, contractRef: 'NS-ZL-2026-002' },
    });
    expect(a2.documents).toEqual([
      { name: '营业执照.pdf', sha256: sha('a') },
      { name: '审计报告.pdf', sha256: sha('b') },
      { name: '2025年度审计报告.pdf', sha256: sha('c') },
    ]);
    expect(a2.documentHistory.map((d) => d.kind)).toEqual(['submitted', 'resubmitted']);
    expect(a2).not.toHaveProperty('documentSets');
    expect(a2).not.toHaveProperty('_position');
  });

  it('starts afresh when a withdrawn application is submitted again', async () => {
    const a3 = (await getApplication(log.reads, A3))!;
    expect(a3.submittedAt).toBe('2026-01-16T02:00:00.000Z');
    expect(a3.submissionCount).toBe(2);
    expect(a3).not.toHaveProperty('withdrawnAt');
    expect(a3.documents).toHaveLength(2);
  });

  it('tracks objections: open count, the upheld one awaiting a new review, the review history', async () => {
    const { onA3, onA1 } = log.moments.objectionIds;
    const filed = log.moments.afterObjectionsFiled.a3!;
    expect(filed.openObjections).toBe(1);
    expect(filed.awaitingReview).toBe(false);
    expect(filed.objections[onA3]).toMatchObject({ objectionId: onA3, content: '该企业研发投入占比实际达标，请复核', open: true, status: 'open', filedAt: '2026-01-23T02:00:00.000Z', filedBy: { id: E1.id, role: 'enterprise' } });

    const resolved = log.moments.afterResolution.a3!;
    expect(resolved.openObjections).toBe(0);
    expect(resolved.awaitingReview).toBe(true);
    expect(resolved.objections[onA3]).toMatchObject({ open: false, status: 'upheld', answered: false, resolution: { upheld: true, reason: '经核实研发投入占比达标', resolvedAt: '2026-01-26T02:00:00.000Z' } });

    const a3 = (await getApplication(log.reads, A3))!;
    expect(a3).toMatchObject({ status: 'reviewed', qualified: true, reasons: ['异议成立，复核合格'], score: 70, awaitingReview: false, openObjections: 0, reviewCount: 2 });
    expect(a3.objections[onA3]).toMatchObject({ answered: true, status: 'upheld' });
    expect(a3.reviews).toHaveLength(2);
    expect(a3.reviews.map((r) => r.qualified)).toEqual([false, true]);
    expect(a3.reviews[1]).toMatchObject({ answersObjections: [onA3], previous: { qualified: false, reasons: ['研发投入占比证明不足'] }, reviewer: { id: 'officer-ns' }, reviewedAt: '2026-01-27T02:00:00.000Z' });
    expect(a3.lastReview).toEqual(a3.reviews[1]);
    // Ranked third with 500 ㎡ left for 800 requested: nothing, and its rank shows the gap.
    expect(a3).toMatchObject({ allocatedArea: 0, allocation: { allocated: false, area: 0, rank: 3 } });

    const a1 = (await getApplication(log.reads, A1))!;
    expect(a1.objections[onA1]).toMatchObject({ status: 'dismissed', open: false, resolution: { upheld: false } });
    expect(a1).toMatchObject({ openObjections: 0, awaitingReview: false, reviewCount: 1 });
    // The open count agrees with the objections themselves.
    for (const a of [a1, a3]) expect(a.openObjections).toBe(Object.values(a.objections).filter((o) => o.open).length);
  });

  it('finds an objection by id with its application\'s district', async () => {
    const { onA3, onA1 } = log.moments.objectionIds;
    expect(await findObjection(log.reads, onA3)).toEqual({ objectionId: onA3, applicationId: A3, noticeId: N1, district: 'nanshan', open: false, upheld: true, resolvedAt: '2026-01-26T02:00:00.000Z' });
    expect(await findObjection(log.reads, onA1)).toMatchObject({ applicationId: A1, upheld: false });
    expect(await findObjection(log.reads, 'no-such-objection')).toBeNull();
    expect(await getApplication(log.reads, 'no-such-application')).toBeNull();
  });
});

describe('tenancies and exchanges', () => {
  it('gives the live tenancy from the tenancies read model, with project, district and term', async () => {
    expect(log.moments.tenancyBeforeLease).toBeNull(); // a result alone is no lease
    const term = { status: 'active', endsOn: '2029-02-28T16:00:00.000Z' };
    expect(await exchangeTenancyOf(log.reads, E1.creditCode)).toEqual({ applicationId: A1, projectId: 'p-ns-1', district: 'nanshan', area: 1_000, creditCode: E1.creditCode, ...term });
    expect(await exchangeTenancyOf(log.reads, E2.creditCode)).toEqual({ applicationId: A2, projectId: 'p-ns-1', district: 'nanshan', area: 1_400, creditCode: E2.creditCode, ...term });
    expect(await exchangeTenancyOf(log.reads, E3.creditCode)).toBeNull();
  });

  it('lists an enterprise’s exchange requests awaiting review (with their lease), and none once reviewed', async () => {
    expect(log.moments.openExchangesWhileRequested).toEqual([{ exchangeId: X1, applicationId: A1 }]);
    expect(await openExchangesOf(log.reads, E1.creditCode)).toEqual([]);
    expect(await openExchangesOf(log.reads, E2.creditCode)).toEqual([]);
  });

  it('follows an exchange from request to published result', async () => {
    const x = await getExchange(log.reads, X1);
    expect(x).toEqual({
      _id: X1,
      exchangeId: X1,
      district: 'nanshan',
      districtName: '南山区',
      creditCode: E1.creditCode,
      enterpriseName: E1.name,
      tenancy: { applicationId: A1, projectId: 'p-ns-1', area: 1_000 },
      wanted: { projectId: 'p-ns-2', area: 800 },
      reason: '团队调整，需缩减面积',
      status: 'published',
      approved: true,
      review: { approved: true, reason: '符合换租条件', reviewer: { id: 'officer-ns', name: '南山区住房和建设局' }, reviewedAt: '2026-03-05T02:00:00.000Z' },
      requestedAt: '2026-03-01T02:00:00.000Z',
      requestedPosition: expect.any(Number),
      publishedAt: '2026-03-06T02:00:00.000Z',
      updatedAt: '2026-03-06T02:00:00.000Z',
    });
    expect((await listExchanges(log.reads, { creditCode: E1.creditCode }, { page: 1, pageSize: 10 })).items.map((i) => i._id)).toEqual([X1]);
    expect((await listExchanges(log.reads, { district: 'nanshan', status: 'published' }, { page: 1, pageSize: 10 })).total).toBe(1);
    expect((await listExchanges(log.reads, { status: 'requested' }, { page: 1, pageSize: 10 })).total).toBe(0);
    expect(await getExchange(log.reads, 'no-such-exchange')).toBeNull();
  });
});

describe('accountability', () => {
  it('finds the bans on an enterprise by credit code, whatever its case, while they last', async () => {
    const bans = await activeSanctionsOf(log.reads, E3.creditCode, '2026-04-01T00:00:00.000Z');
    expect(bans).toEqual([
      { caseId: CASE, sanctionId: expect.any(String), subject: { kind: 'enterprise', id: E3.creditCode.toLowerCase(), name: E3.name }, kind: 'application_ban', until: '2027-03-10T00:00:00.000Z', reason: '提供虚假材料，一年内不得申请' },
    ]);
    expect(await activeSanctionsOf(log.reads, E3.creditCode, '2027-03-10T00:00:00.000Z')).toEqual([]);
    expect(await activeSanctionsOf(log.reads, E1.creditCode, '2026-04-01T00:00:00.000Z')).toEqual([]);
  });

  it('refused the barred enterprise\'s next application, and only it', async () => {
    expect(log.moments.barredSubmission).toBeInstanceOf(RuleViolation);
    expect((log.moments.barredSubmission as RuleViolation).code).toBe('ENTERPRISE_BARRED');
    expect(await getApplication(log.reads, `${N3}.${E3.creditCode}`)).toBeNull();
    expect(await getApplication(log.reads, `${N3}.${E1.creditCode}`)).toMatchObject({ status: 'submitted', district: 'nanshan' });
  });

  it('keeps the violation with its sanction count and every sanction', async () => {
    expect(await log.reads.findOne('violations', { _id: CASE })).toMatchObject({ subjectKind: 'enterprise', subjectKey: E3.creditCode, kind: 'false_material', kindName: '提供虚假材料', sanctionCount: 2 });
    const sanctions = await log.reads.find('sanctions', { caseId: CASE }, { sort: { imposedAt: 1 } });
    expect(sanctions.map((s) => [s.kind, s.kindName, s.subjectKey])).toEqual([
      ['application_ban', '限制申请', E3.creditCode],
      ['public_criticism', '通报批评', E3.creditCode],
    ]);
  });
});

describe('statistics', () => {
  it('counts applications by status and the allocated area', async () => {
    expect(await procedureStatistics(log.reads)).toEqual({
      applications: {
        total: 4,
        byStatus: [
          { status: 'submitted', count: 1 },
          { status: 'returned', count: 0 },
          { status: 'resubmitted', count: 0 },
          { status: 'reviewed', count: 3 },
          { status: 'withdrawn', count: 0 },
          { status: 'lapsed', count: 0 },
        ],
      },
      allocatedArea: 2_500,
    });
  });
});

describe('rebuilding', () => {
  it('gives the same documents when rebuilt from the log as when followed live', async () => {
    const live = await log.dump();
    expect(live.applications!.length).toBe(4);
    await log.runner.rebuild();
    expect(await log.runner.waitFor(await log.events.headPosition(), 10_000)).toBe(true);
    expect(await log.dump()).toEqual(live);
  });

  it('gives the same documents on a fresh store, in one batch, and with every event applied twice', async () => {
    const live = await log.dump();
    const events = SqliteEventStore.open(log.file);
    const fresh = EmbeddedReadStore.open(null);
    const runner = new ProjectionRunner(events, fresh, procedureProjections, { batchSize: 10_000 });
    try {
      await runner.start();
      expect(await runner.waitFor(await events.headPosition(), 10_000)).toBe(true);
      expect(await dumpCollections(fresh)).toEqual(live);
      // Deliver the whole log again, one event per commit: the position guard makes it change nothing.
      await runner.stop();
      const all = await events.readAll(0, 100_000);
      for (const p of procedureProjections) {
        for (const e of all) if (p.handles.has(e.type)) await fresh.commit(p.name, p.apply(e), e.position);
      }
      expect(await dumpCollections(fresh)).toEqual(live);
    } finally {
      await runner.stop();
      await fresh.close();
      await events.close();
    }
  });

  it('emits at most one op per document per event, the same ops each time', async () => {
    const all = await log.events.readAll(0, 100_000);
    let handled = 0;
    for (const p of procedureProjections) {
      for (const e of all) {
        if (!p.handles.has(e.type)) continue;
        handled++;
        const ops = p.apply(e);
        expect(p.apply(structuredClone(e))).toEqual(ops);
        const targets = ops.map((o) => `${o.collection}/${o.id}`);
        expect(new Set(targets).size).toBe(targets.length);
        for (const o of ops) expect(o.position).toBe(e.position);
      }
    }
    expect(handled).toBeGreaterThan(40);
  });
});
