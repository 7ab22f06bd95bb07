// One notice through the whole rental procedure over real HTTP, with six enterprises and a clock the
// test moves: notice → applications (one withdrawn, one returned for 补正 and resubmitted) → reviews →
// publicity (5 working days on the real calendar) → an objection upheld and a new review → lottery →
// result → lease → exchange (换租) → public feed; then every read model rebuilt from the log is identical.
import { describe, expect, it } from 'vitest';
import { type AllocationCandidate, allocate, lotteryDraw } from '../../src/domain/allocation.js';
import { allProjections } from '../../src/projections/index.js';
import { cstDay } from '../../src/domain/time.js';
import { sampleProject } from './harness.js';
import { applicationIdOf, leaseFrom, E_HARNESS, E_HARNESS2, enterprise, type Enterprise, expectProblem, sha, sha256, useProcedureServer } from './procedure-kit.js';

// Tuesday 2026-09-01, 10:00 in Shenzhen.
const { srv, api, clock } = useProcedureServer('2026-09-01T02:00:00.000Z');

const E1 = E_HARNESS;
const E2 = E_HARNESS2;
const E3 = enterprise(3, '深圳市云端生物医药有限公司');
const E4 = enterprise(4, '深圳市海岸线新材料有限公司');
const E5 = enterprise(5, '深圳市前海量子计算有限公司');
const E6 = enterprise(6, '深圳市蛇口智能装备有限公司');
const requested = new Map<Enterprise, number>([
  [E1, 400],
  [E2, 300],
  [E3, 200],
  [E4, 350],
  [E5, 500],
  [E6, 250],
]);
const SEED = '2026-10-09 南山区公证处现场摇号 第1号';
const OFFERED = 1000;

async function snapshotReadModels(): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const p of allProjections) for (const c of p.collections) out[c] = await srv.services.reads.find(c, {}, { sort: { _id: 1 } });
  return out;
}

async function atHead(): Promise<void> {
  expect(await srv.services.runner.waitFor(await srv.logSize(), 10_000)).toBe(true);
}

describe('one notice through the whole procedure', () => {
  it('runs from the notice to the exchange result, and a rebuild of every read model gives the same documents', async () => {
    // ---- the projects: one in Nanshan for the procedure, one in Futian for the district filter ----
    const projectId = await api.publishedProject('nanshan', { totalArea: 12_000, availableArea: 5_000 });
    const futianProject = await api.publishedProject('futian', { name: '福田区车公庙产业用房', address: '福田区深南大道6009号' });

    // ---- the notice, its window opening next Monday 09:00 and closing Friday week 17:00 (CST) ----
    const opensAt = '2026-09-07T01:00:00.000Z';
    const closesAt = '2026-09-18T09:00:00.000Z';
    const noticeBody = { projectId, supplyMode: 'rent', area: OFFERED, price: 65, eligibility: '注册地在南山区的创新型中小企业', opensAt, closesAt };
    // Commit–reveal: the lottery's seed is committed (its SHA-256) with the notice, before anyone applies.
    const COMMITMENT = sha256(SEED);
    const published = await api.ok('nanshan', 'POST', '/api/notices', { ...noticeBody, lotterySeedSha256: COMMITMENT }, 201);
    const noticeId = published.id;
    clock.advance(60_000);
    await api.ok('futian', 'POST', '/api/notices', { ...noticeBody, projectId: futianProject, area: 800 }, 201);

    const notice0 = await api.read(null, `/api/notices/${noticeId}`);
    expect(notice0.body).toMatchObject({ noticeId, projectId, district: 'nanshan', area: OFFERED, stage: 'published', opensAt, closesAt, publicityWorkingDays: 5, lotterySeedSha256: COMMITMENT });

    // Not yet open.
    expectProblem(await api.submit(noticeId, E1, 400), 422, 'NOTICE_WINDOW_NOT_YET_OPEN');

    // ---- the window is open: six enterprises apply ----
    clock.to('2026-09-08T02:00:00.000Z');
    const submitted = new Map<Enterprise, { id: string; position: number }>();
    for (const [e, area] of requested) {
      clock.advance(60_000);
      const res = await api.submit(noticeId, e, area);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.id).toBe(applicationIdOf(noticeId, e));
      submitted.set(e, res.body);
    }
    const app = (e: Enterprise) => submitted.get(e)!.id;
    const appPath = (e: Enterprise) => `/api/applications/${encodeURIComponent(app(e))}`;

    // E6 withdraws.
    clock.advance(3_600_000);
    await api.ok(E6, 'POST', `${appPath(E6)}/withdraw`, { reason: '已另行租赁厂房' });

    // E2 is sent back for missing material (补正) and resubmits.
    await api.ok('nanshan', 'POST', `${appPath(E2)}/return`, { missing: ['近三年财务审计报告'] });
    const returned = await api.read(E2, appPath(E2));
    expect(returned.body).toMatchObject({ status: 'returned', returned: { missing: ['近三年财务审计报告'] } });
    // Applications by status at this moment, to be asked for again as of it at the end.
    const whileReturned = { at: clock.iso, applications: (await api.read(null, '/api/statistics')).body.applications };
    expect(whileReturned.applications).toMatchObject({ total: 6 });
    clock.advance(86_400_000);
    await api.ok(E2, 'POST', `${appPath(E2)}/resubmit`, { documents: [{ name: '2023-2025年度审计报告.pdf', sha256: sha('b') }] });
    const resubmitted = await api.read(E2, appPath(E2));
    expect(resubmitted.body.status).toBe('resubmitted');
    expect(resubmitted.body.documents.map((d: { name: string }) => d.name)).toEqual(['营业执照.pdf', '2023-2025年度审计报告.pdf']);

    // ---- reviews: E3 is found unqualified ----
    await api.review(app(E1), true, 88);
    await api.review(app(E2), true, 75);
    const rejected = await api.ok('nanshan', 'POST', `${appPath(E3)}/review`, { qualified: false, reasons: ['研发投入占营业收入比例低于5%'] });
    expect(rejected.id).toBe(app(E3));
    await api.review(app(E4), true, 80);
    await api.review(app(E5), true, 92);

    // ---- past the window: the publicity, 5 working days on the PRC calendar ----
    // Starts Wednesday 2026-09-23 10:00 CST. Working days after the start day: Thu 09-24 (1); 09-25…27 are
    // 中秋 holidays; Mon 09-28 (2), Tue 09-29 (3), Wed 09-30 (4); 10-01…07 are 国庆 holidays; Thu 10-08 (5).
    // So it ends at the end of 2026-10-08 in CST, 15:59:59.999 UTC.
    clock.to('2026-09-23T02:00:00.000Z');
    await api.ok('nanshan', 'POST', `/api/notices/${noticeId}/publicity`);
    const inPublicity = await api.read(null, `/api/notices/${noticeId}`);
    expect(inPublicity.body.stage).toBe('publicity');
    expect(inPublicity.body.status).toBe('closed');
    expect(inPublicity.body.publicity.startsAt).toBe('2026-09-23T02:00:00.000Z');
    expect(inPublicity.body.publicity.endsAt).toBe('2026-10-08T15:59:59.999Z');
    const list = inPublicity.body.publicity.list as { applicationId: string; qualified: boolean; enterpriseName: string; creditCode: string }[];
    expect(list.map((e) => e.applicationId).sort()).toEqual([E1, E2, E3, E4, E5].map(app).sort()); // the withdrawn E6 is not listed
    // The 公示 names the enterprise and its verdict; the reasons are on the application, for E3 and the officers.
    expect(list.find((e) => e.applicationId === app(E3))).toEqual({ applicationId: app(E3), qualified: false, enterpriseName: E3.name, creditCode: E3.creditCode });
    expect((await api.read(E3, `/api/applications/${encodeURIComponent(app(E3))}`)).body.reasons).toEqual(['研发投入占营业收入比例低于5%']);
    expect(list.filter((e) => e.qualified).map((e) => e.applicationId).sort()).toEqual([E1, E2, E4, E5].map(app).sort());

    // ---- during the publicity: E5 objects to E4's qualification; upheld; a new review reverses it ----
    clock.to('2026-09-24T03:00:00.000Z');
    const filed = await api.request(E5, 'POST', `/api/notices/${noticeId}/objections`, { applicationId: app(E4), content: '该企业申报的研发人员数量与社保缴纳记录不符' });
    expect(filed.status, JSON.stringify(filed.body)).toBe(201);
    const [objectionId, ...others] = await api.objectionsOf(app(E4));
    expect(others).toEqual([]);
    expect(filed.body.objectionId).toBe(objectionId); // the objector can follow it up
    const withObjection = await api.read('nanshan', appPath(E4));
    expect(withObjection.body.objections[objectionId!]).toMatchObject({ open: true, status: 'open', filedBy: { creditCode: E5.creditCode } });
    expect(withObjection.body.openObjections).toBe(1);
    // The applicant sees the objection, not who filed it.
    const seenByE4 = await api.read(E4, appPath(E4));
    expect(seenByE4.body.objections[objectionId!]).not.toHaveProperty('filedBy');

    clock.advance(86_400_000);
    await api.ok('cityDept', 'POST', `/api/objections/${objectionId}/resolve`, { upheld: true, reason: '经核查，社保缴纳人数仅为申报人数的三分之一' });
    const upheld = await api.read('nanshan', appPath(E4));
    expect(upheld.body).toMatchObject({ awaitingReview: true, openObjections: 0 });
    expect(upheld.body.objections[objectionId!]).toMatchObject({ status: 'upheld', open: false });

    await api.ok('nanshan', 'POST', `${appPath(E4)}/review`, { qualified: false, reasons: ['申报材料与事实不符'] });
    const reReviewed = await api.read('nanshan', appPath(E4));
    expect(reReviewed.body).toMatchObject({ status: 'reviewed', qualified: false, awaitingReview: false });
    expect(reReviewed.body.reviews).toHaveLength(2);
    expect(reReviewed.body.reviews[0]).toMatchObject({ qualified: true, score: 80 });
    expect(reReviewed.body.reviews[1]).toMatchObject({ qualified: false, reasons: ['申报材料与事实不符'], answersObjections: [objectionId], previous: { qualified: true } });
    expect(reReviewed.body.objections[objectionId!].answered).toBe(true);
    // The notice's public publicity list shows the reversed verdict too, marked as revised.
    const notice = await api.read(null, `/api/notices/${noticeId}`);
    const entry = (notice.body.publicity.list as { applicationId: string; qualified: boolean; revisedAfterObjection?: boolean }[]).find((e) => e.applicationId === app(E4));
    expect(entry).toMatchObject({ qualified: false, revisedAfterObjection: true, previous: { qualified: true } });

    // ---- past the publicity: the lottery ----
    clock.to('2026-10-09T02:00:00.000Z');
    const alloc = await api.ok('nanshan', 'POST', `/api/notices/${noticeId}/allocation`, { method: 'lottery', seed: SEED });
    const allocations = alloc.allocations as { applicationId: string; area: number; rank: number }[];
    // The candidates are the qualified applications after the reversal: E1, E2, E5 (1200 ㎡ asked, 1000 offered).
    const candidates: AllocationCandidate[] = [E1, E2, E5].map((e) => ({ applicationId: app(e), requestedArea: requested.get(e)!, submittedPosition: submitted.get(e)!.position }));
    // The draw runs on the revealed seed mixed with the candidates: `${SEED}:${sha256(JSON of their ids in queue order)}`.
    const draw = lotteryDraw(SEED, candidates);
    expect(draw.effectiveSeed).toBe(`${SEED}:${sha256(JSON.stringify([E1, E2, E5].map(app)))}`);
    const expected = allocate('lottery', candidates, OFFERED, draw.effectiveSeed);
    expect(allocations).toEqual(expected.allocations);
    expect(allocations.length).toBeGreaterThan(0);
    const total = allocations.reduce((t, a) => t + a.area, 0);
    expect(total).toBeLessThanOrEqual(OFFERED);
    for (const a of allocations) expect([E1, E2, E5].map(app)).toContain(a.applicationId);
    // 1200 ㎡ asked for 1000: at least one qualified enterprise goes without.
    expect(allocations.length).toBeLessThan(3);

    const mine = await api.read('nanshan', appPath(E3));
    expect(mine.body.allocation).toBeUndefined(); // unqualified: not a candidate

    clock.advance(3_600_000);
    await api.ok('nanshan', 'POST', `/api/notices/${noticeId}/results`);
    const done = await api.read(null, `/api/notices/${noticeId}`);
    expect(done.body).toMatchObject({
      stage: 'result_published',
      allocation: { method: 'lottery', seed: SEED, lotterySeedSha256: COMMITMENT, ...draw, offeredArea: OFFERED, allocatedArea: total },
      result: { allocations },
    });

    const noticeEvents = await api.stream(`notice-${noticeId}`);
    expect(noticeEvents.map((e) => e.type)).toEqual(['NoticePublished', 'NoticeClosed', 'QualificationPublicityStarted', 'AllocationDecided', 'ResultPublished']);

    // ---- the lease of an allocated enterprise, then its exchange request ----
    const winner = allocations[0]!;
    const tenant = [E1, E2, E5].find((e) => app(e) === winner.applicationId)!;
    expectProblem(await api.request(tenant, 'POST', '/api/exchanges', { wanted: { area: 200 }, reason: '扩大研发规模' }), 422, 'NOT_A_TENANT');
    clock.to('2026-10-15T02:00:00.000Z');
    await api.ok('nanshan', 'POST', `/api/applications/${encodeURIComponent(winner.applicationId)}/contract`, {
      area: winner.area,
      contractRef: '深南租字(2026)第0001号',
      signedOn: '2026-10-14T16:00:00.000Z',
      ...leaseFrom('2026-10-15T00:00:00.000Z'),
    });
    const leased = await api.read(tenant, `/api/applications/${encodeURIComponent(winner.applicationId)}`);
    expect(leased.body.contract).toMatchObject({ kind: 'lease', area: winner.area, contractRef: '深南租字(2026)第0001号' });

    clock.to('2027-03-01T02:00:00.000Z');
    const asked = await api.ok(tenant, 'POST', '/api/exchanges', { wanted: { projectId, area: winner.area + 100 }, reason: '研发团队扩编，需换租相邻较大单元' }, 201);
    const exchangeId = asked.id;
    const requestedX = await api.read(tenant, `/api/exchanges/${exchangeId}`);
    expect(requestedX.body).toMatchObject({
      status: 'requested',
      district: 'nanshan',
      creditCode: tenant.creditCode,
      tenancy: { applicationId: winner.applicationId, projectId, area: winner.area },
    });
    clock.advance(2 * 86_400_000);
    await api.ok('nanshan', 'POST', `/api/exchanges/${exchangeId}/review`, { approved: true, reason: '相邻单元空置，同意换租' });
    clock.advance(86_400_000);
    await api.ok('nanshan', 'POST', `/api/exchanges/${exchangeId}/result`);
    expect((await api.read(tenant, `/api/exchanges/${exchangeId}`)).body).toMatchObject({ status: 'published', approved: true });

    // ---- the public feed: four kinds, newest first, filterable by kind and district ----
    const feed = await api.read(null, '/api/notices');
    expect(feed.status).toBe(200);
    const items = feed.body.items as { kind: string; district: string; projectId?: string; noticeId?: string; exchangeId?: string; publishedAt: string; body: Record<string, unknown> }[];
    expect(items.map((i) => i.kind)).toEqual(['exchange_result', 'result', 'qualification_publicity', 'rental_notice', 'rental_notice']);
    expect(items.map((i) => i.district)).toEqual(['nanshan', 'nanshan', 'nanshan', 'futian', 'nanshan']);
    for (let i = 1; i < items.length; i++) expect(items[i - 1]!.publishedAt >= items[i]!.publishedAt).toBe(true);
    expect(feed.body.total).toBe(5);

    for (const kind of ['rental_notice', 'qualification_publicity', 'result', 'exchange_result']) {
      const only = await api.request(null, 'GET', `/api/notices?kind=${kind}`);
      expect(only.body.items.length, kind).toBeGreaterThan(0);
      expect(only.body.items.every((i: { kind: string }) => i.kind === kind), kind).toBe(true);
      expect(only.body.total).toBe(items.filter((i) => i.kind === kind).length);
    }
    const nanshan = await api.request(null, 'GET', '/api/notices?district=nanshan');
    expect(nanshan.body.items.map((i: { kind: string }) => i.kind)).toEqual(['exchange_result', 'result', 'qualification_publicity', 'rental_notice']);
    const futian = await api.request(null, 'GET', '/api/notices?district=futian&kind=rental_notice');
    expect(futian.body.items).toHaveLength(1);
    expect(futian.body.items[0]).toMatchObject({ kind: 'rental_notice', district: 'futian', projectId: futianProject });
    expect((await api.request(null, 'GET', '/api/notices?district=futian&kind=result')).body.total).toBe(0);

    const late = await api.request(null, 'GET', `/api/notices?from=${encodeURIComponent('2026-10-01T00:00:00+08:00')}`);
    expect(late.body.items.map((i: { kind: string }) => i.kind)).toEqual(['exchange_result', 'result']);
    const early = await api.request(null, 'GET', `/api/notices?to=${encodeURIComponent('2026-09-30T23:59:59+08:00')}&kind=rental_notice`);
    expect(early.body.total).toBe(2);
    // Bare dates are days in China Standard Time, each included whole: from its first instant, to its last.
    expect((await api.request(null, 'GET', '/api/notices?from=2026-10-01')).body).toEqual(late.body);
    expect((await api.request(null, 'GET', '/api/notices?to=2026-09-30&kind=rental_notice')).body).toEqual(early.body);
    const firstDay = cstDay(items.filter((i) => i.kind === 'rental_notice').map((i) => i.publishedAt).sort()[0]!);
    expect((await api.request(null, 'GET', `/api/notices?to=${firstDay}&kind=rental_notice`)).body.total).toBeGreaterThan(0);
    const dayBefore = new Date(Date.parse(`${firstDay}T12:00:00+08:00`) - 86_400_000).toISOString().slice(0, 10);
    expect((await api.request(null, 'GET', `/api/notices?to=${dayBefore}&kind=rental_notice`)).body.total).toBe(0);
    const impossible = await api.request(null, 'GET', '/api/notices?from=2026-02-30');
    expect(impossible.status).toBe(400);
    expect(impossible.body.errors[0].path).toBe('querystring.from');

    const result = items.find((i) => i.kind === 'result')!;
    expect(result.noticeId).toBe(noticeId);
    const named = result.body.allocations as { applicationId: string; enterpriseName: string; creditCode: string; area: number }[];
    expect(named.map((a) => a.applicationId)).toEqual(allocations.map((a) => a.applicationId));
    for (const a of named) {
      const who = [E1, E2, E5].find((e) => app(e) === a.applicationId)!;
      expect(a).toMatchObject({ enterpriseName: who.name, creditCode: who.creditCode });
    }
    const publicity = items.find((i) => i.kind === 'qualification_publicity')!;
    expect(JSON.stringify(publicity)).not.toContain('annualRevenue'); // declared facts are never public
    // E4's verdict was reversed after the upheld objection: the public list says so, and counts it.
    // The feed names the project (name and district), not only its id.
    expect((publicity as unknown as { title: string }).title).toBe(`资质审查结果公示：南山区 ${sampleProject.name}（5 家申请企业，3 家合格）`);
    expect(publicity).toMatchObject({ projectId, projectName: sampleProject.name, district: 'nanshan', districtName: '南山区' });
    for (const item of items.filter((i) => i.projectId === projectId)) expect(item, item.kind).toMatchObject({ projectName: sampleProject.name, districtName: '南山区' });
    const publicList = publicity.body.list as { applicationId: string; qualified: boolean }[];
    expect(publicList.map((e) => e.applicationId)).toEqual(list.map((e) => e.applicationId)); // still in list order
    expect(publicList.find((e) => e.applicationId === app(E4))).toEqual({
      applicationId: app(E4),
      enterpriseName: E4.name,
      creditCode: E4.creditCode,
      qualified: false,
      revisedAfterObjection: true,
      previous: { qualified: true },
      revisedAt: '2026-09-25T03:00:00.000Z',
    });
    for (const e of publicList.filter((x) => x.applicationId !== app(E4))) expect(e).not.toHaveProperty('revisedAfterObjection');
    const rental = items.find((i) => i.kind === 'rental_notice' && i.noticeId === noticeId)!;
    expect(rental.body).toMatchObject({ lotterySeedSha256: COMMITMENT });
    expect(items.find((i) => i.kind === 'result')).toMatchObject({ decision: { method: 'lottery', seed: SEED, lotterySeedSha256: COMMITMENT, ...draw } });
    const exchange = items.find((i) => i.kind === 'exchange_result')!;
    expect(exchange).toMatchObject({ exchangeId, body: { approved: true, creditCode: tenant.creditCode, enterpriseName: tenant.name } });

    // ---- the enterprise's own records and the statistics ----
    const own = await api.read(E6, '/api/applications');
    expect(own.body.items.map((a: { applicationId: string; status: string }) => [a.applicationId, a.status])).toEqual([[app(E6), 'withdrawn']]);
    const stats = await api.read(null, '/api/statistics');
    const byStatus = Object.fromEntries(stats.body.applications.byStatus.map((s: { status: string; count: number }) => [s.status, s.count]));
    expect(byStatus).toMatchObject({ reviewed: 5, withdrawn: 1, submitted: 0, returned: 0, resubmitted: 0 });
    // As of a moment, by either time: as they stood then (counted from the events, not replayed).
    const asOf = async (q: string) => (await api.read(null, `/api/statistics?${q}`)).body.applications;
    expect(whileReturned.applications.byStatus.filter((s: { count: number }) => s.count > 0)).toEqual([
      { status: 'submitted', count: 4 },
      { status: 'returned', count: 1 },
      { status: 'withdrawn', count: 1 },
    ]);
    expect(await asOf(`asOf=${encodeURIComponent(whileReturned.at)}`)).toEqual(whileReturned.applications);
    expect(await asOf(`asRecordedAt=${encodeURIComponent(whileReturned.at)}`)).toEqual(whileReturned.applications);
    expect(await asOf(`asOf=${encodeURIComponent(clock.iso)}`)).toEqual(stats.body.applications);
    expect(stats.body.allocatedArea).toBe(total);

    // An Idempotency-Key and an accountability case, so those read models are not empty either.
    const keyed = { name: '重复提交测试项目', district: 'nanshan', address: '南山区科技园', useType: 'office', supplyModes: ['sale'], totalArea: 100 };
    const first = await api.request('nanshan', 'POST', '/api/projects', keyed, { 'idempotency-key': 'e2e-1' });
    const retry = await api.request('nanshan', 'POST', '/api/projects', keyed, { 'idempotency-key': 'e2e-1' });
    expect(first.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    const objectionEvent = (await api.stream(`application-${app(E4)}`)).find((e) => e.type === 'ObjectionFiled')!;
    const violation = await api.ok('admin', 'POST', '/api/accountability/violations', {
      subject: { kind: 'enterprise', id: E4.creditCode, name: E4.name },
      kind: 'false_material',
      description: '申报研发人员数量与社保记录不符',
      evidence: [objectionEvent.id],
    }, 201);
    await api.ok('admin', 'POST', '/api/accountability/sanctions', { caseId: violation.id, kind: 'public_criticism', reason: '通报批评' });

    // ---- every read model rebuilt from the log is the same ----
    await atHead();
    const before = await snapshotReadModels();
    expect(Object.keys(before).length).toBe(allProjections.reduce((n, p) => n + p.collections.length, 0));
    for (const c of ['notices', 'public_feed', 'applications', 'objections', 'tenancy_records', 'exchanges', 'violations', 'sanctions', 'projects', 'idempotency']) expect(before[c]?.length, c).toBeGreaterThan(0);
    await srv.services.runner.rebuild();
    await atHead();
    const after = await snapshotReadModels();
    expect(after).toEqual(before);
    // And the API answers the same after it.
    expect((await api.read(null, '/api/notices')).body).toEqual(feed.body);
  });
});
