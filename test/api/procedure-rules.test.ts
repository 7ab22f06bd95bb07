// Every business-rule refusal a client can trigger through the procedure API, over real HTTP: 422 with
// its stable code as problem+json, and nothing appended. Then 404 for unknown records.
import { describe, expect, it } from 'vitest';
import { cstDay } from '../../src/domain/time.js';
import { sampleProject } from './harness.js';
import { applicationIdOf, leaseFrom, DAY, enterprise, type Enterprise, expectProblem, HOUR, MINUTE, type Res, sha, sha256, submitBody, useProcedureServer, type Who } from './procedure-kit.js';

// Monday 2027-05-10, 10:00 CST.
const { srv, api, clock } = useProcedureServer('2027-05-10T02:00:00.000Z');

let next = 1000;
/** A fresh enterprise: no applications, leases or sanctions yet. */
const fresh = (): Enterprise => enterprise(next++);
const enc = encodeURIComponent;

/** The request must be refused with 422 `code`, as problem+json, appending nothing. */
async function refused(code: string, who: Who, method: string, path: string, body?: unknown): Promise<Res> {
  const before = await srv.logSize();
  const res = await api.request(who, method, path, body);
  expectProblem(res, 422, code);
  expect(res.body.title).toBe('Refused by a business rule');
  expect(res.body.detail.length).toBeGreaterThan(0);
  expect(await srv.logSize(), `${code}: the log grew`).toBe(before);
  return res;
}

/** Not found: 404 problem+json, appending nothing. */
async function missing(who: Who, method: string, path: string, body?: unknown): Promise<void> {
  const before = await srv.logSize();
  const res = await api.request(who, method, path, body);
  expectProblem(res, 404);
  expect(await srv.logSize(), `${method} ${path}: the log grew`).toBe(before);
}

const noticeBody = (projectId: string, opensAt: string, closesAt: string, extra: Record<string, unknown> = {}) => ({
  projectId,
  supplyMode: 'rent',
  area: 1000,
  price: 65,
  eligibility: '创新型中小企业',
  opensAt,
  closesAt,
  ...extra,
});
const inFuture = (ms: number) => new Date(clock.ms + ms).toISOString();
const app = (path: string) => `/api/applications/${enc(path)}`;

describe('notices', () => {
  it('NOTICE_WINDOW_IN_PAST: the window must open in the future', async () => {
    const projectId = await api.publishedProject();
    await refused('NOTICE_WINDOW_IN_PAST', 'nanshan', 'POST', '/api/notices', noticeBody(projectId, inFuture(-MINUTE), inFuture(DAY)));
    // The same body a minute later in the other direction is accepted: the rule is about time, not the body.
    await api.ok('nanshan', 'POST', '/api/notices', noticeBody(projectId, inFuture(MINUTE), inFuture(DAY)), 201);
  });

  it('NOTICE_WINDOW_INVALID: opens before it closes', async () => {
    const projectId = await api.publishedProject();
    await refused('NOTICE_WINDOW_INVALID', 'nanshan', 'POST', '/api/notices', noticeBody(projectId, inFuture(DAY), inFuture(DAY)));
    await refused('NOTICE_WINDOW_INVALID', 'nanshan', 'POST', '/api/notices', noticeBody(projectId, inFuture(2 * DAY), inFuture(DAY)));
    // An amendment cannot break it either.
    const n = await api.notice({ projectId, opensIn: DAY });
    await refused('NOTICE_WINDOW_INVALID', 'nanshan', 'POST', `/api/notices/${n.noticeId}/amend`, { closesAt: n.opensAt, reason: '调整' });
  });

  it('PROJECT_NOT_PUBLISHED: only for a published project (registered or withdrawn ones are refused)', async () => {
    const reg = await api.ok('nanshan', 'POST', '/api/projects', sampleProject, 201);
    await refused('PROJECT_NOT_PUBLISHED', 'nanshan', 'POST', '/api/notices', noticeBody(reg.id, inFuture(MINUTE), inFuture(DAY)));
    const gone = await api.publishedProject();
    await api.ok('nanshan', 'POST', `/api/projects/${gone}/withdraw`, { reason: '退出平台' });
    await refused('PROJECT_NOT_PUBLISHED', 'nanshan', 'POST', '/api/notices', noticeBody(gone, inFuture(MINUTE), inFuture(DAY)));
  });

  it('AREA_EXCEEDS_AVAILABLE: the offer fits in the project’s available area', async () => {
    const projectId = await api.publishedProject('nanshan', { totalArea: 12_000, availableArea: 3_000 });
    await refused('AREA_EXCEEDS_AVAILABLE', 'nanshan', 'POST', '/api/notices', noticeBody(projectId, inFuture(MINUTE), inFuture(DAY), { area: 3_000.5 }));
    await api.ok('nanshan', 'POST', '/api/notices', noticeBody(projectId, inFuture(MINUTE), inFuture(DAY), { area: 3_000 }), 201);
  });

  it('AREA_EXCEEDS_AVAILABLE and UNIT_ALREADY_OFFERED: space offered by another notice under way is not offered again', async () => {
    const projectId = await api.publishedProject('nanshan', { totalArea: 12_000, availableArea: 5_000 });
    await api.ok('nanshan', 'POST', `/api/projects/${projectId}/units`, { units: [{ building: 'B栋', floor: '2', number: '201', area: 600 }] });
    const unitId = (await api.read('nanshan', `/api/projects/${projectId}`)).body.units[0].unitId as string;
    const first = await api.ok('nanshan', 'POST', '/api/notices', noticeBody(projectId, inFuture(MINUTE), inFuture(DAY), { area: 3_000, unitIds: [unitId] }), 201);
    await refused('AREA_EXCEEDS_AVAILABLE', 'nanshan', 'POST', '/api/notices', noticeBody(projectId, inFuture(MINUTE), inFuture(DAY), { area: 2_001 }));
    await refused('UNIT_ALREADY_OFFERED', 'nanshan', 'POST', '/api/notices', noticeBody(projectId, inFuture(MINUTE), inFuture(DAY), { area: 600, unitIds: [unitId] }));
    await refused('AREA_EXCEEDS_AVAILABLE', 'nanshan', 'POST', `/api/notices/${first.id}/amend`, { area: 5_001, reason: '扩大供应' });
    await api.ok('nanshan', 'POST', `/api/notices/${first.id}/amend`, { area: 5_000, reason: '扩大供应' }); // its own offer does not count against it
    await api.ok('nanshan', 'POST', `/api/notices/${first.id}/cancel`, { reason: '重新发布' });
    await api.ok('nanshan', 'POST', '/api/notices', noticeBody(projectId, inFuture(MINUTE), inFuture(DAY), { area: 5_000, unitIds: [unitId] }), 201); // freed by the cancellation
  });

  it('SUPPLY_MODE_NOT_OFFERED, UNIT_NOT_IN_PROJECT, UNIT_DUPLICATE', async () => {
    const projectId = await api.publishedProject();
    await refused('SUPPLY_MODE_NOT_OFFERED', 'nanshan', 'POST', '/api/notices', noticeBody(projectId, inFuture(MINUTE), inFuture(DAY), { supplyMode: 'sale' }));
    await refused('UNIT_NOT_IN_PROJECT', 'nanshan', 'POST', '/api/notices', noticeBody(projectId, inFuture(MINUTE), inFuture(DAY), { unitIds: ['no-such-unit'] }));
    await api.ok('nanshan', 'POST', `/api/projects/${projectId}/units`, { units: [{ building: 'A栋', floor: '1', number: '101', area: 500 }] });
    const unitId = (await api.read('nanshan', `/api/projects/${projectId}`)).body.units[0].unitId as string;
    await refused('UNIT_DUPLICATE', 'nanshan', 'POST', '/api/notices', noticeBody(projectId, inFuture(MINUTE), inFuture(DAY), { unitIds: [unitId, unitId] }));
  });

  it('NOTICE_ALREADY_OPEN and NOTHING_CHANGED: amendments only before the window opens, and only real changes', async () => {
    const n = await api.notice({ opensIn: HOUR });
    await refused('NOTHING_CHANGED', 'nanshan', 'POST', `/api/notices/${n.noticeId}/amend`, { price: 65, reason: '重申' });
    await api.ok('nanshan', 'POST', `/api/notices/${n.noticeId}/amend`, { price: 58, reason: '价格下调' });
    clock.to(n.opensAt);
    await refused('NOTICE_ALREADY_OPEN', 'nanshan', 'POST', `/api/notices/${n.noticeId}/amend`, { price: 55, reason: '再次下调' });
  });

  it('NOTICE_WINDOW_NOT_OVER and NOTICE_ALREADY_CLOSED', async () => {
    const n = await api.notice();
    clock.to(n.opensAt);
    await refused('NOTICE_WINDOW_NOT_OVER', 'nanshan', 'POST', `/api/notices/${n.noticeId}/close`);
    await refused('NOTICE_WINDOW_NOT_OVER', 'nanshan', 'POST', `/api/notices/${n.noticeId}/publicity`);
    clock.to(n.closesAt);
    await api.ok('nanshan', 'POST', `/api/notices/${n.noticeId}/close`);
    await refused('NOTICE_ALREADY_CLOSED', 'nanshan', 'POST', `/api/notices/${n.noticeId}/close`);
  });

  it('NOTICE_CANCELLED: nothing more on a cancelled notice', async () => {
    const E = fresh();
    const f = await api.flow({ applicants: [{ who: E, area: 100 }], until: 'submitted' });
    await api.ok('nanshan', 'POST', `/api/notices/${f.noticeId}/cancel`, { reason: '项目调整' });
    await refused('NOTICE_CANCELLED', 'nanshan', 'POST', `/api/notices/${f.noticeId}/cancel`, { reason: '再次取消' });
    await refused('NOTICE_CANCELLED', 'nanshan', 'POST', `${app(f.apps[0]!)}/review`, { qualified: true, reasons: [] });
    await refused('NOTICE_CANCELLED', 'nanshan', 'POST', `${app(f.apps[0]!)}/return`, { missing: ['材料'] });
    clock.to(Date.parse(f.closesAt) + MINUTE);
    await refused('NOTICE_CANCELLED', 'nanshan', 'POST', `/api/notices/${f.noticeId}/publicity`);
  });

  it('APPLICATIONS_NOT_REVIEWED: publicity only when every live application is reviewed', async () => {
    const [A, B, C] = [fresh(), fresh(), fresh()];
    const f = await api.flow({ applicants: [{ who: A, area: 100 }, { who: B, area: 100 }, { who: C, area: 100 }], until: 'submitted' });
    await api.review(f.apps[0]!, true);
    clock.to(Date.parse(f.closesAt) + MINUTE);
    const res = await refused('APPLICATIONS_NOT_REVIEWED', 'nanshan', 'POST', `/api/notices/${f.noticeId}/publicity`);
    expect(res.body.detail).toContain(f.apps[1]);
    expect(res.body.detail).toContain(f.apps[2]);
    // A withdrawn application does not count; a returned one may be reviewed as it stands after the window.
    await api.ok(B, 'POST', `${app(f.apps[1]!)}/withdraw`); // no body at all
    await refused('APPLICATIONS_NOT_REVIEWED', 'nanshan', 'POST', `/api/notices/${f.noticeId}/publicity`);
    await api.review(f.apps[2]!, false);
    await api.ok('nanshan', 'POST', `/api/notices/${f.noticeId}/publicity`);
  });

  it('PUBLICITY_TOO_SHORT and PUBLICITY_ALREADY_STARTED', async () => {
    const f = await api.flow({ applicants: [{ who: fresh(), area: 100 }], until: 'closed', publicityWorkingDays: 3 });
    await refused('PUBLICITY_TOO_SHORT', 'nanshan', 'POST', `/api/notices/${f.noticeId}/publicity`, { endsAt: inFuture(DAY) });
    await api.ok('nanshan', 'POST', `/api/notices/${f.noticeId}/publicity`, { endsAt: inFuture(30 * DAY) });
    await refused('PUBLICITY_ALREADY_STARTED', 'nanshan', 'POST', `/api/notices/${f.noticeId}/publicity`);
  });

  it('PUBLICITY_NOT_STARTED and PUBLICITY_NOT_OVER: allocation after the publicity, and only then', async () => {
    const f = await api.flow({ applicants: [{ who: fresh(), area: 100 }], until: 'closed' });
    await refused('PUBLICITY_NOT_STARTED', 'nanshan', 'POST', `/api/notices/${f.noticeId}/allocation`, { method: 'first_come' });
    const { endsAt } = await api.startPublicity(f.noticeId);
    await refused('PUBLICITY_NOT_OVER', 'nanshan', 'POST', `/api/notices/${f.noticeId}/allocation`, { method: 'first_come' });
    clock.to(endsAt); // the last instant of the publicity still belongs to it
    await refused('PUBLICITY_NOT_OVER', 'nanshan', 'POST', `/api/notices/${f.noticeId}/allocation`, { method: 'first_come' });
    clock.advance(1);
    await api.ok('nanshan', 'POST', `/api/notices/${f.noticeId}/allocation`, { method: 'first_come' });
  });

  it('OBJECTIONS_UNRESOLVED and REVIEW_PENDING: every objection settled before the allocation', async () => {
    const [A, B] = [fresh(), fresh()];
    const f = await api.flow({ applicants: [{ who: A, area: 300 }, { who: B, area: 300 }], until: 'publicity' });
    await api.ok(B, 'POST', `/api/notices/${f.noticeId}/objections`, { applicationId: f.apps[0], content: '申报营收与纳税记录不符' }, 201);
    clock.to(Date.parse(f.publicity!.endsAt) + MINUTE);
    const res = await refused('OBJECTIONS_UNRESOLVED', 'nanshan', 'POST', `/api/notices/${f.noticeId}/allocation`, { method: 'first_come' });
    expect(res.body.detail).toContain(f.apps[0]);
    const [objectionId] = await api.objectionsOf(f.apps[0]!);
    // Separation of duties: the officer who reviewed the application does not judge the objection to it.
    await refused('REVIEWER_CANNOT_RESOLVE_OBJECTION', 'nanshan', 'POST', `/api/objections/${objectionId}/resolve`, { upheld: true, reason: '经核查属实' });
    await api.ok('cityDept', 'POST', `/api/objections/${objectionId}/resolve`, { upheld: true, reason: '经核查属实' });
    await refused('REVIEW_PENDING', 'nanshan', 'POST', `/api/notices/${f.noticeId}/allocation`, { method: 'first_come' });
    await refused('OBJECTION_ALREADY_RESOLVED', 'nanshan', 'POST', `/api/objections/${objectionId}/resolve`, { upheld: false, reason: '改判' });
    await api.review(f.apps[0]!, false);
    const alloc = await api.ok('nanshan', 'POST', `/api/notices/${f.noticeId}/allocation`, { method: 'first_come' });
    expect((alloc.allocations as { applicationId: string }[]).map((a) => a.applicationId)).toEqual([f.apps[1]]);
  });

  it('SEED_REQUIRED and SCORE_REQUIRED: a lottery needs a seed, a ranking needs scores', async () => {
    // The notice committed to the seed '公证摇号-1' when it was published.
    const f = await api.flow({ applicants: [{ who: fresh(), area: 300 }, { who: fresh(), area: 300, score: 90 }], until: 'publicityOver', seed: '公证摇号-1' });
    await refused('SEED_REQUIRED', 'nanshan', 'POST', `/api/notices/${f.noticeId}/allocation`, { method: 'lottery' });
    await refused('SEED_REQUIRED', 'nanshan', 'POST', `/api/notices/${f.noticeId}/allocation`, { method: 'lottery', seed: '   ' });
    await refused('SCORE_REQUIRED', 'nanshan', 'POST', `/api/notices/${f.noticeId}/allocation`, { method: 'ranking' });
    await api.ok('nanshan', 'POST', `/api/notices/${f.noticeId}/allocation`, { method: 'lottery', seed: '公证摇号-1' });
  });

  it('SEED_NOT_COMMITTED: no lottery on a notice published without a seed commitment', async () => {
    const f = await api.flow({ applicants: [{ who: fresh(), area: 300 }, { who: fresh(), area: 300 }], until: 'publicityOver' });
    const notice = await api.read(null, `/api/notices/${f.noticeId}`);
    expect(notice.body).not.toHaveProperty('lotterySeedSha256');
    await refused('SEED_NOT_COMMITTED', 'nanshan', 'POST', `/api/notices/${f.noticeId}/allocation`, { method: 'lottery', seed: '公证摇号-2' });
    await refused('SEED_NOT_COMMITTED', 'nanshan', 'POST', `/api/notices/${f.noticeId}/allocation`, { method: 'lottery' });
    // Other methods remain open to it.
    await api.ok('nanshan', 'POST', `/api/notices/${f.noticeId}/allocation`, { method: 'first_come' });
  });

  it('SEED_MISMATCH: the revealed seed must hash to the notice’s commitment', async () => {
    const SEED = '2027年5月 南山区公证处摇号 第7号';
    const f = await api.flow({ applicants: [{ who: fresh(), area: 600 }, { who: fresh(), area: 600 }], until: 'publicityOver', seed: SEED });
    // The commitment is public from the notice's publication: in the notice and in the feed.
    expect((await api.read(null, `/api/notices/${f.noticeId}`)).body).toMatchObject({ lotterySeedSha256: sha256(SEED) });
    const feed = await api.read(null, '/api/notices?kind=rental_notice&pageSize=100');
    expect(feed.body.items.find((i: { noticeId: string }) => i.noticeId === f.noticeId).body).toMatchObject({ lotterySeedSha256: sha256(SEED) });
    await refused('SEED_MISMATCH', 'nanshan', 'POST', `/api/notices/${f.noticeId}/allocation`, { method: 'lottery', seed: `${SEED} ` });
    await refused('SEED_MISMATCH', 'nanshan', 'POST', `/api/notices/${f.noticeId}/allocation`, { method: 'lottery', seed: sha256(SEED) });
    const alloc = await api.ok('nanshan', 'POST', `/api/notices/${f.noticeId}/allocation`, { method: 'lottery', seed: SEED });
    expect(alloc.allocations).toHaveLength(1);
  });

  it('a seed commitment that is not 64 hex digits is malformed input (400), appending nothing', async () => {
    const projectId = await api.publishedProject();
    for (const bad of ['abc', 'z'.repeat(64), `${sha256('x')}0`]) {
      const before = await srv.logSize();
      const res = await api.request('nanshan', 'POST', '/api/notices', noticeBody(projectId, inFuture(MINUTE), inFuture(DAY), { lotterySeedSha256: bad }));
      expectProblem(res, 400);
      expect(await srv.logSize()).toBe(before);
    }
    // Nor can an amendment add or change one: it is not a term.
    const n = await api.notice({ projectId, opensIn: DAY, extra: { lotterySeedSha256: sha256('s') } });
    expectProblem(await api.request('nanshan', 'POST', `/api/notices/${n.noticeId}/amend`, { lotterySeedSha256: sha256('t'), reason: '更换种子' }), 400);
  });

  it('ALLOCATION_ALREADY_DECIDED, ALLOCATION_NOT_DECIDED and RESULT_ALREADY_PUBLISHED', async () => {
    const f = await api.flow({ applicants: [{ who: fresh(), area: 300 }], until: 'publicityOver' });
    await refused('ALLOCATION_NOT_DECIDED', 'nanshan', 'POST', `/api/notices/${f.noticeId}/results`);
    await api.ok('nanshan', 'POST', `/api/notices/${f.noticeId}/allocation`, { method: 'first_come' });
    await refused('ALLOCATION_ALREADY_DECIDED', 'nanshan', 'POST', `/api/notices/${f.noticeId}/allocation`, { method: 'lottery', seed: 'again' });
    await api.ok('nanshan', 'POST', `/api/notices/${f.noticeId}/results`);
    await refused('RESULT_ALREADY_PUBLISHED', 'nanshan', 'POST', `/api/notices/${f.noticeId}/results`);
    await refused('RESULT_ALREADY_PUBLISHED', 'nanshan', 'POST', `/api/notices/${f.noticeId}/cancel`, { reason: '撤销' });
  });
});

describe('applications', () => {
  it('NOTICE_WINDOW_NOT_YET_OPEN and NOTICE_WINDOW_CLOSED: only inside the window', async () => {
    const E = fresh();
    const n = await api.notice({ opensIn: HOUR, openFor: HOUR });
    await refused('NOTICE_WINDOW_NOT_YET_OPEN', E, 'POST', `/api/notices/${n.noticeId}/applications`, submitBody(E, 100));
    clock.to(Date.parse(n.opensAt) - 1);
    await refused('NOTICE_WINDOW_NOT_YET_OPEN', E, 'POST', `/api/notices/${n.noticeId}/applications`, submitBody(E, 100));
    clock.to(n.closesAt); // closesAt itself is already closed
    await refused('NOTICE_WINDOW_CLOSED', E, 'POST', `/api/notices/${n.noticeId}/applications`, submitBody(E, 100));
    // After the notice is closed it is not open at all.
    await api.ok('nanshan', 'POST', `/api/notices/${n.noticeId}/close`);
    await refused('NOTICE_NOT_OPEN', E, 'POST', `/api/notices/${n.noticeId}/applications`, submitBody(E, 100));
  });

  it('AREA_EXCEEDS_ENTERPRISE_CAP and ENTERPRISE_CAP_INVALID: the notice’s maxAreaPerEnterprise bounds each request', async () => {
    const E = fresh();
    const projectId = await api.publishedProject();
    await refused('ENTERPRISE_CAP_INVALID', 'nanshan', 'POST', '/api/notices', noticeBody(projectId, new Date(clock.ms + HOUR).toISOString(), new Date(clock.ms + 2 * HOUR).toISOString(), { area: 1_000, maxAreaPerEnterprise: 1_000.5 }));
    const n = await api.notice({ projectId, area: 1_000, extra: { maxAreaPerEnterprise: 400 } });
    expect((await api.read(null, `/api/notices/${n.noticeId}`)).body).toMatchObject({ maxAreaPerEnterprise: 400 });
    clock.to(n.opensAt);
    await refused('AREA_EXCEEDS_ENTERPRISE_CAP', E, 'POST', `/api/notices/${n.noticeId}/applications`, submitBody(E, 400.5));
    expect((await api.submit(n.noticeId, E, 400)).status).toBe(201);
  });

  it('NOTICE_NOT_OPEN: no applications to a cancelled notice', async () => {
    const n = await api.notice();
    clock.to(n.opensAt);
    await api.ok('nanshan', 'POST', `/api/notices/${n.noticeId}/cancel`, { reason: '项目调整' });
    const E = fresh();
    await refused('NOTICE_NOT_OPEN', E, 'POST', `/api/notices/${n.noticeId}/applications`, submitBody(E, 100));
  });

  it('APPLICATION_ALREADY_LIVE: one live application per enterprise per notice (again after a withdrawal); a duplicate is a 409 (api.md)', async () => {
    const E = fresh();
    const f = await api.flow({ applicants: [{ who: E, area: 100 }], until: 'submitted' });
    const duplicate = async () => {
      const before = await srv.logSize();
      const res = await api.request(E, 'POST', `/api/notices/${f.noticeId}/applications`, submitBody(E, 300));
      expectProblem(res, 409, 'APPLICATION_ALREADY_LIVE');
      expect(res.body.type).toBe('urn:industrial-space:problem:application-already-live');
      expect(await srv.logSize(), 'a duplicate grew the log').toBe(before);
    };
    await duplicate();
    await api.ok(E, 'POST', `${app(f.apps[0]!)}/withdraw`, { reason: '重新申报' });
    await api.ok(E, 'POST', `/api/notices/${f.noticeId}/applications`, submitBody(E, 200), 201);
    await duplicate();
  });

  it('AREA_EXCEEDS_OFFERED: no more than the notice offers', async () => {
    const E = fresh();
    const f = await api.flow({ applicants: [], until: 'open', area: 800 });
    await refused('AREA_EXCEEDS_OFFERED', E, 'POST', `/api/notices/${f.noticeId}/applications`, submitBody(E, 800.01));
    await api.ok(E, 'POST', `/api/notices/${f.noticeId}/applications`, submitBody(E, 800), 201);
  });

  it('ENTERPRISE_BARRED: a violation and an application ban through /api/accountability bar the enterprise until the ban ends', async () => {
    const E = fresh();
    const caseRes = await api.ok('admin', 'POST', '/api/accountability/violations', {
      subject: { kind: 'enterprise', id: E.creditCode, name: E.name },
      kind: 'false_material',
      description: '上一轮申报提供虚假审计报告',
      evidence: [await api.evidence()],
    }, 201);
    const until = inFuture(3 * HOUR);
    await api.ok('admin', 'POST', '/api/accountability/sanctions', { caseId: caseRes.id, kind: 'application_ban', until, reason: '限制申请' });
    const f = await api.flow({ applicants: [], until: 'open', area: 800 });
    const res = await refused('ENTERPRISE_BARRED', E, 'POST', `/api/notices/${f.noticeId}/applications`, submitBody(E, 100));
    expect(res.body.detail).toContain(until);
    // Another enterprise is not barred; the barred one is again once the ban has ended.
    const other = fresh();
    await api.ok(other, 'POST', `/api/notices/${f.noticeId}/applications`, submitBody(other, 100), 201);
    const n2 = await api.notice({ opensIn: 4 * HOUR, openFor: HOUR });
    clock.to(n2.opensAt);
    await api.ok(E, 'POST', `/api/notices/${n2.noticeId}/applications`, submitBody(E, 100), 201);
  });

  it('APPLICATION_ALREADY_REVIEWED: no withdrawal, return or second review after a review', async () => {
    const E = fresh();
    const f = await api.flow({ applicants: [{ who: E, area: 100 }], until: 'reviewed' });
    await refused('APPLICATION_ALREADY_REVIEWED', E, 'POST', `${app(f.apps[0]!)}/withdraw`, { reason: '不需要了' });
    await refused('APPLICATION_ALREADY_REVIEWED', 'nanshan', 'POST', `${app(f.apps[0]!)}/return`, { missing: ['补充材料'] });
    await refused('APPLICATION_ALREADY_REVIEWED', 'nanshan', 'POST', `${app(f.apps[0]!)}/review`, { qualified: false, reasons: ['改判'] });
  });

  it('APPLICATION_WITHDRAWN: a withdrawn application is neither withdrawn again nor reviewed', async () => {
    const E = fresh();
    const f = await api.flow({ applicants: [{ who: E, area: 100 }], until: 'submitted' });
    await api.ok(E, 'POST', `${app(f.apps[0]!)}/withdraw`);
    await refused('APPLICATION_WITHDRAWN', E, 'POST', `${app(f.apps[0]!)}/withdraw`);
    await refused('APPLICATION_WITHDRAWN', 'nanshan', 'POST', `${app(f.apps[0]!)}/review`, { qualified: true, reasons: [] });
  });

  it('补正: APPLICATION_ALREADY_RETURNED, APPLICATION_NOT_RETURNED, APPLICATION_AWAITING_MATERIAL, CORRECTION_DEADLINE_PASSED', async () => {
    const E = fresh();
    const f = await api.flow({ applicants: [{ who: E, area: 100 }], until: 'submitted' });
    const path = app(f.apps[0]!);
    await refused('APPLICATION_NOT_RETURNED', E, 'POST', `${path}/resubmit`, { documents: [{ name: '补充.pdf', sha256: sha('d') }] });
    await api.ok('nanshan', 'POST', `${path}/return`, { missing: ['租赁用途说明'] });
    await refused('APPLICATION_ALREADY_RETURNED', 'nanshan', 'POST', `${path}/return`, { missing: ['其他'] });
    await refused('APPLICATION_AWAITING_MATERIAL', 'nanshan', 'POST', `${path}/review`, { qualified: true, reasons: [] });
    // The window closing changes nothing: the material is due by the 补正 deadline (5 working days), then the application lapses.
    clock.to(Date.parse(f.closesAt) + MINUTE);
    await refused('APPLICATION_AWAITING_MATERIAL', 'nanshan', 'POST', `${path}/review`, { qualified: false, reasons: ['未按期补正'] });
    clock.advance(8 * DAY);
    await refused('CORRECTION_DEADLINE_PASSED', 'nanshan', 'POST', `${path}/review`, { qualified: false, reasons: ['未按期补正'] });
    await refused('CORRECTION_DEADLINE_PASSED', E, 'POST', `${path}/resubmit`, { documents: [{ name: '补充.pdf', sha256: sha('d') }] });
  });

  it('REASONS_REQUIRED: a negative review gives reasons', async () => {
    const f = await api.flow({ applicants: [{ who: fresh(), area: 100 }], until: 'submitted' });
    await refused('REASONS_REQUIRED', 'nanshan', 'POST', `${app(f.apps[0]!)}/review`, { qualified: false, reasons: [] });
    // (A blank reason is malformed input: 400, before any rule.)
    const blank = await api.request('nanshan', 'POST', `${app(f.apps[0]!)}/review`, { qualified: false, reasons: ['   '] });
    expectProblem(blank, 400);
  });

  it('ALLOCATION_ALREADY_DECIDED: no reviews after the allocation, even on an upheld objection', async () => {
    const [A, B] = [fresh(), fresh()];
    const f = await api.flow({ applicants: [{ who: A, area: 100 }, { who: B, area: 100 }], until: 'allocated' });
    await refused('ALLOCATION_ALREADY_DECIDED', 'nanshan', 'POST', `${app(f.apps[0]!)}/review`, { qualified: false, reasons: ['改判'] });
  });
});

describe('objections', () => {
  it('OUTSIDE_PUBLICITY_PERIOD: only during the publicity, whose last instant still counts', async () => {
    const [A, B] = [fresh(), fresh()];
    const f = await api.flow({ applicants: [{ who: A, area: 100 }, { who: B, area: 100 }], until: 'closed' });
    const body = { applicationId: f.apps[0], content: '申报不实' };
    // Before the publicity list is out, another enterprise is not told that A applied; an officer is told why.
    const existing = await api.request(B, 'POST', `/api/notices/${f.noticeId}/objections`, body);
    const absent = await api.request(B, 'POST', `/api/notices/${f.noticeId}/objections`, { ...body, applicationId: `${f.noticeId}.91440300MA5DZZZZ9Z` });
    expectProblem(existing, 404);
    expectProblem(absent, 404);
    expect(existing.body.detail).toBe(absent.body.detail); // not even the words tell them apart
    await refused('OUTSIDE_PUBLICITY_PERIOD', 'futian', 'POST', `/api/notices/${f.noticeId}/objections`, body);
    const { endsAt } = await api.startPublicity(f.noticeId);
    clock.to(endsAt);
    await api.ok(B, 'POST', `/api/notices/${f.noticeId}/objections`, body, 201);
    clock.advance(1);
    await refused('OUTSIDE_PUBLICITY_PERIOD', B, 'POST', `/api/notices/${f.noticeId}/objections`, body);
  });

  it('APPLICATION_NOT_IN_PUBLICITY: a withdrawn application was not on the list', async () => {
    const [A, B] = [fresh(), fresh()];
    const f = await api.flow({ applicants: [{ who: A, area: 100 }, { who: B, area: 100 }], until: 'submitted' });
    await api.ok(A, 'POST', `${app(f.apps[0]!)}/withdraw`);
    await api.review(f.apps[1]!, true);
    clock.to(Date.parse(f.closesAt) + MINUTE);
    await api.startPublicity(f.noticeId);
    // Not on the list: to another enterprise, as good as absent; an officer is told why.
    expectProblem(await api.request(B, 'POST', `/api/notices/${f.noticeId}/objections`, { applicationId: f.apps[0], content: '申报不实' }), 404);
    await refused('APPLICATION_NOT_IN_PUBLICITY', 'futian', 'POST', `/api/notices/${f.noticeId}/objections`, { applicationId: f.apps[0], content: '申报不实' });
  });
});

describe('contracts', () => {
  it('RESULT_NOT_PUBLISHED, NOT_ALLOCATED, CONTRACT_AREA_EXCEEDS_ALLOCATION, CONTRACT_ALREADY_RECORDED', async () => {
    const [A, B] = [fresh(), fresh()];
    // 700 + 700 on an offer of 1000, first come: A gets 700, B nothing.
    const f = await api.flow({ applicants: [{ who: A, area: 700 }, { who: B, area: 700 }], until: 'allocated' });
    expect(f.allocations!.map((a) => a.applicationId)).toEqual([f.apps[0]]);
    const contract = (area: number) => ({ area, contractRef: '深南租字(2027)第0099号', signedOn: clock.iso, ...leaseFrom(clock.iso) });
    await refused('RESULT_NOT_PUBLISHED', 'nanshan', 'POST', `${app(f.apps[0]!)}/contract`, contract(700));
    await api.ok('nanshan', 'POST', `/api/notices/${f.noticeId}/results`);
    await refused('NOT_ALLOCATED', 'nanshan', 'POST', `${app(f.apps[1]!)}/contract`, contract(700));
    await refused('CONTRACT_AREA_EXCEEDS_ALLOCATION', 'nanshan', 'POST', `${app(f.apps[0]!)}/contract`, contract(700.5));
    await api.ok('nanshan', 'POST', `${app(f.apps[0]!)}/contract`, contract(650));
    await refused('CONTRACT_ALREADY_RECORDED', 'nanshan', 'POST', `${app(f.apps[0]!)}/contract`, contract(650));
  });

  it('CONTRACT_BEFORE_RESULT and CONTRACT_IN_FUTURE: signed between the result’s publication and now', async () => {
    const f = await api.flow({ applicants: [{ who: fresh(), area: 500 }], until: 'result' });
    const publishedAt = (await api.read(null, `/api/notices/${f.noticeId}`)).body.result.publishedAt as string;
    clock.advance(2 * DAY);
    const contract = (signedOn: string) => ({ area: 500, contractRef: '深南租字(2027)第0101号', signedOn, ...leaseFrom(clock.iso) });
    const path = `${app(f.apps[0]!)}/contract`;
    await refused('CONTRACT_BEFORE_RESULT', 'nanshan', 'POST', path, contract(new Date(Date.parse(publishedAt) - 1).toISOString()));
    await refused('CONTRACT_BEFORE_RESULT', 'nanshan', 'POST', path, contract(f.opensAt));
    await refused('CONTRACT_IN_FUTURE', 'nanshan', 'POST', path, contract(inFuture(1)));
    await refused('CONTRACT_IN_FUTURE', 'nanshan', 'POST', path, contract(inFuture(30 * DAY)));
    // A bound given with an offset means the same instant: the result's own instant, in CST, is fine.
    const cst = new Date(Date.parse(publishedAt) + 8 * HOUR).toISOString().replace('Z', '+08:00');
    await api.ok('nanshan', 'POST', path, contract(cst));
  });

  it('a lease’s dates may be bare (YYYY-MM-DD, China Standard Time): a start is its first instant, an end the end of its day; the signature stays a time', async () => {
    const f = await api.flow({ applicants: [{ who: fresh(), area: 500 }], until: 'result' });
    clock.advance(2 * DAY);
    const today = cstDay(clock.iso);
    const year = Number(today.slice(0, 4));
    const path = `${app(f.apps[0]!)}/contract`;
    const body = { area: 500, contractRef: '深南租字(2027)第0102号', signedOn: clock.iso, startsOn: today, endsOn: `${year + 3}${today.slice(4)}`, monthlyRent: 30_000 };
    expectProblem(await api.request('nanshan', 'POST', path, { ...body, endsOn: `${year + 3}-02-30` }), 400);
    expectProblem(await api.request('nanshan', 'POST', path, { ...body, startsOn: `${today}T10:00` }), 400);
    // The signature is a moment: compared with the result's instant, a bare date could not tell that day apart.
    expectProblem(await api.request('nanshan', 'POST', path, { ...body, signedOn: today }), 400);
    await api.ok('nanshan', 'POST', path, body);
    const tenancy = (await api.read('nanshan', `/api/tenancies/${enc(f.apps[0]!)}`)).body;
    expect([tenancy.signedOn, tenancy.startsOn, tenancy.endsOn]).toEqual([
      clock.iso,
      new Date(`${today}T00:00:00.000+08:00`).toISOString(),
      new Date(`${body.endsOn}T23:59:59.999+08:00`).toISOString(),
    ]);
    await api.ok('nanshan', 'POST', `/api/tenancies/${enc(f.apps[0]!)}/renew`, { endsOn: `${year + 4}${today.slice(4)}` });
    const after = (await api.read('nanshan', `/api/tenancies/${enc(f.apps[0]!)}`)).body;
    expect(after.endsOn).toBe(new Date(`${year + 4}${today.slice(4)}T23:59:59.999+08:00`).toISOString());
  });
});

describe('放弃: a winner declines its allocation', () => {
  it('the enterprise alone declines before signing; the space goes on by 递补; refusals append nothing', async () => {
    const [A, B, C] = [fresh(), fresh(), fresh()];
    // First come on 1000 ㎡: A 700, B's 700 does not fit, C 300.
    const f = await api.flow({ applicants: [{ who: A, area: 700 }, { who: B, area: 700 }, { who: C, area: 300 }], until: 'result' });
    expect(f.allocations!.map((a) => a.applicationId)).toEqual([f.apps[0], f.apps[2]]);
    const decline = (who: Who, i: number, body?: unknown) => api.request(who, 'POST', `${app(f.apps[i]!)}/decline`, body);
    const before = await srv.logSize();
    expectProblem(await decline(B, 0), 404); // another enterprise's application is as good as absent to B
    expectProblem(await decline('nanshan', 0), 403);
    expectProblem(await decline(B, 1, { reason: '无' }), 422, 'NOT_ALLOCATED');
    expect(await srv.logSize()).toBe(before);
    const done = await api.ok(A, 'POST', `${app(f.apps[0]!)}/decline`, { reason: '已另行选址' });
    expect(done.position).toBeGreaterThan(before);
    const events = (await api.stream(`notice-${f.noticeId}`)).filter((e) => e.position > before);
    expect(events.map((e) => [e.type, e.data.applicationId])).toEqual([
      ['AllocationForfeited', f.apps[0]],
      ['WaitlistAllocated', f.apps[1]],
    ]);
    expect(events[0]!.data).toMatchObject({ reason: 'withdrawn', detail: '已另行选址', area: 700 });
    expect(events[0]!.metadata.actor).toMatchObject({ role: 'enterprise' });
    expectProblem(await decline(A, 0), 422, 'NOT_ALLOCATED');
    // The public result follows: A's allocation ended (放弃), B's 递补 added, the title and area counted anew.
    const feed = await api.ok(null, 'GET', '/api/notices?kind=result&district=nanshan&pageSize=100');
    const result = (feed.items as { noticeId: string; title: string; revisionCount?: number; body: { allocations: unknown[]; allocatedArea: number; changes?: unknown[] } }[]).find((i) => i.noticeId === f.noticeId)!;
    expect(result.title).toMatch(/（出租，2 家企业获配 1000㎡）$/);
    expect(result.body.allocatedArea).toBe(1000);
    expect(result.body.allocations).toMatchObject([
      { applicationId: f.apps[0], area: 700, status: 'forfeited', endedHow: '放弃', creditCode: A.creditCode },
      { applicationId: f.apps[2], area: 300, status: 'allocated' },
      { applicationId: f.apps[1], area: 700, status: 'allocated', via: 'waitlist', replaces: f.apps[0], creditCode: B.creditCode },
    ]);
    expect(result.body.changes).toMatchObject([
      { kind: 'withdrawn', kindName: '放弃', applicationId: f.apps[0], area: 700 },
      { kind: 'waitlist', kindName: '递补', applicationId: f.apps[1], area: 700, replaces: f.apps[0] },
    ]);
    expect(result.revisionCount).toBe(2);
    // Each enterprise's own record follows: A's allocation ended, B's given by 递补 with its own deadline.
    expect((await api.read(A, app(f.apps[0]!))).body).toMatchObject({ allocatedArea: 0, allocation: { allocated: false, area: 700, endedHow: 'withdrawn' } });
    const b = (await api.read(B, app(f.apps[1]!))).body;
    expect(b).toMatchObject({ allocatedArea: 700, allocation: { allocated: true, area: 700, via: 'waitlist', replaces: f.apps[0] } });
    // B's signing deadline: in the district's queue (an enterprise's 放弃 made it, no officer's).
    const deadline = (await api.read('nanshan', '/api/deadlines?pageSize=100')).body.items.find((d: { id: string }) => d.id === `signing:${f.apps[1]}`);
    expect(deadline).toMatchObject({ kind: 'signing', status: 'open', dueAt: b.allocation.signingDueAt });
    expect(deadline).not.toHaveProperty('officer');
    // Signed, it is a tenancy: declining is refused.
    await api.ok('nanshan', 'POST', `${app(f.apps[2]!)}/contract`, { area: 300, contractRef: '深南租字(2027)第0201号', signedOn: clock.iso, ...leaseFrom(clock.iso) });
    expectProblem(await decline(C, 2), 422, 'ALLOCATION_SIGNED');
    expectProblem(await api.request(A, 'POST', '/api/applications/no-such-application/decline'), 404);
  });
});

describe('If-Match on a record the caller may not act on', () => {
  it('is answered as without it (404 or 403), never with the record’s revision (409)', async () => {
    const [A, B] = [fresh(), fresh()];
    const f = await api.flow({ applicants: [{ who: A, area: 100 }], until: 'submitted' });
    const withdraw = (who: Who) => api.request(who, 'POST', `${app(f.apps[0]!)}/withdraw`, undefined, { 'if-match': '"7"' }); // the record is at revision 0
    const before = await srv.logSize();
    const other = await withdraw(B);
    expectProblem(other, 404);
    const absent = await api.request(B, 'POST', `${app(`${f.noticeId}.91440300MA5DZZZZ9Z`)}/withdraw`, undefined, { 'if-match': '"7"' });
    expectProblem(absent, 404);
    expect(other.body.detail).toBe(absent.body.detail);
    expect(JSON.stringify(other.body)).not.toContain('currentRevision');
    expectProblem(await withdraw('nanshan'), 403);
    // The owner, who may: the stale revision is a 409 with the current one.
    const stale = await withdraw(A);
    expectProblem(stale, 409);
    expect(stale.body.currentRevision).toBe(0);
    expect(await srv.logSize()).toBe(before);
  });
});

describe('exchanges', () => {
  it('NOT_A_TENANT: only an enterprise with a recorded lease asks for an exchange', async () => {
    const [A, B] = [fresh(), fresh()];
    const f = await api.flow({ applicants: [{ who: A, area: 700 }, { who: B, area: 700 }], until: 'result' });
    const body = { wanted: { area: 500 }, reason: '面积不够' };
    await refused('NOT_A_TENANT', A, 'POST', '/api/exchanges', body); // allocated, but no lease recorded yet
    await api.ok('nanshan', 'POST', `${app(f.apps[0]!)}/contract`, { area: 700, contractRef: 'NS-0100', signedOn: clock.iso, ...leaseFrom(clock.iso) });
    await refused('NOT_A_TENANT', B, 'POST', '/api/exchanges', body); // never allocated
    await api.ok(A, 'POST', '/api/exchanges', body, 201);
  });

  it('TENANCY_ENDED: a tenancy the tenant exited or the department recovered asks for no exchange', async () => {
    const body = { wanted: { area: 300 }, reason: '缩减面积' };
    const [A, B] = [fresh(), fresh()];
    const a = await api.flow({ applicants: [{ who: A, area: 400 }], until: 'leased' });
    await api.ok(A, 'POST', `/api/tenancies/${enc(a.apps[0]!)}/exit`, { reason: '迁址' });
    await refused('TENANCY_ENDED', A, 'POST', '/api/exchanges', body);
    const b = await api.flow({ applicants: [{ who: B, area: 400 }], until: 'leased' });
    await api.ok('nanshan', 'POST', `/api/tenancies/${enc(b.apps[0]!)}/recover`, { grounds: 'breach', reasons: ['擅自转租'] });
    await refused('TENANCY_ENDED', B, 'POST', '/api/exchanges', body);
  });

  it('after a 换租 move the next request starts from the new tenancy; once that ends, TENANCY_ENDED', async () => {
    const C = fresh();
    const c = await api.flow({ applicants: [{ who: C, area: 400 }], until: 'leased' });
    const first = await api.ok(C, 'POST', '/api/exchanges', { wanted: { area: 300 }, reason: '缩减面积' }, 201);
    await api.ok('nanshan', 'POST', `/api/exchanges/${first.id}/review`, { approved: true, reason: '同意' });
    await api.ok('nanshan', 'POST', `/api/exchanges/${first.id}/result`);
    await api.ok('nanshan', 'POST', `/api/exchanges/${first.id}/move`); // the new tenancy's id is the exchange's
    const second = await api.ok(C, 'POST', '/api/exchanges', { wanted: { area: 350 }, reason: '再次调整面积' }, 201);
    expect((await api.read(C, `/api/exchanges/${second.id}`)).body.tenancy).toEqual({ applicationId: first.id, projectId: c.projectId, area: 300 });
    await api.ok(C, 'POST', `/api/tenancies/${enc(first.id)}/exit`, { reason: '迁址' });
    await refused('TENANCY_ENDED', C, 'POST', '/api/exchanges', { wanted: { area: 200 }, reason: '再次调整面积' });
  });

  it('EXCHANGE_ALREADY_OPEN: one request per lease awaiting review; another once it is reviewed', async () => {
    const A = fresh();
    await api.flow({ applicants: [{ who: A, area: 400 }], until: 'leased' });
    const x = await api.ok(A, 'POST', '/api/exchanges', { wanted: { area: 300 }, reason: '缩减面积' }, 201);
    const res = await refused('EXCHANGE_ALREADY_OPEN', A, 'POST', '/api/exchanges', { wanted: { area: 500 }, reason: '改为扩大面积' });
    expect(res.body.detail).toContain(x.id);
    await api.ok('nanshan', 'POST', `/api/exchanges/${x.id}/review`, { approved: false, reason: '暂无可换单元' });
    await api.ok(A, 'POST', '/api/exchanges', { wanted: { area: 500 }, reason: '改为扩大面积' }, 201);
    await refused('EXCHANGE_ALREADY_OPEN', A, 'POST', '/api/exchanges', { wanted: { area: 350 }, reason: '再次申请' });
  });

  it('PROJECT_NOT_PUBLISHED: a wanted project must be a published one (an unknown one is 404)', async () => {
    const A = fresh();
    await api.flow({ applicants: [{ who: A, area: 400 }], until: 'leased' });
    const registered = (await api.ok('nanshan', 'POST', '/api/projects', sampleProject, 201)).id;
    await refused('PROJECT_NOT_PUBLISHED', A, 'POST', '/api/exchanges', { wanted: { projectId: registered, area: 300 }, reason: '换到新项目' });
    const gone = await api.publishedProject();
    await api.ok('nanshan', 'POST', `/api/projects/${gone}/withdraw`, { reason: '退出平台' });
    await refused('PROJECT_NOT_PUBLISHED', A, 'POST', '/api/exchanges', { wanted: { projectId: gone, area: 300 }, reason: '换到新项目' });
    await missing(A, 'POST', '/api/exchanges', { wanted: { projectId: 'no-such-project', area: 300 }, reason: '换到新项目' });
    const open = await api.publishedProject();
    await api.ok(A, 'POST', '/api/exchanges', { wanted: { projectId: open, area: 300 }, reason: '换到新项目' }, 201);
  });

  it('EXCHANGE_NOT_REVIEWED, EXCHANGE_ALREADY_REVIEWED, EXCHANGE_RESULT_ALREADY_PUBLISHED', async () => {
    const A = fresh();
    await api.flow({ applicants: [{ who: A, area: 400 }], until: 'leased' });
    const x = await api.ok(A, 'POST', '/api/exchanges', { wanted: { area: 300 }, reason: '缩减面积' }, 201);
    await refused('EXCHANGE_NOT_REVIEWED', 'nanshan', 'POST', `/api/exchanges/${x.id}/result`);
    await api.ok('nanshan', 'POST', `/api/exchanges/${x.id}/review`, { approved: true, reason: '同意' });
    await refused('EXCHANGE_ALREADY_REVIEWED', 'nanshan', 'POST', `/api/exchanges/${x.id}/review`, { approved: false, reason: '改判' });
    await api.ok('nanshan', 'POST', `/api/exchanges/${x.id}/result`);
    await refused('EXCHANGE_RESULT_ALREADY_PUBLISHED', 'nanshan', 'POST', `/api/exchanges/${x.id}/result`);
  });
});

describe('accountability', () => {
  it('SANCTION_UNTIL_REQUIRED, SANCTION_UNTIL_IN_PAST, SANCTION_SUBJECT_MISMATCH, EVIDENCE_REQUIRED', async () => {
    const E = fresh();
    await refused('EVIDENCE_REQUIRED', 'admin', 'POST', '/api/accountability/violations', { subject: { kind: 'enterprise', id: E.creditCode }, kind: 'false_material', description: '虚假材料', evidence: ['  '] });
    const ent = await api.ok('admin', 'POST', '/api/accountability/violations', { subject: { kind: 'enterprise', id: E.creditCode }, kind: 'false_material', description: '虚假材料', evidence: [await api.evidence()] }, 201);
    await refused('SANCTION_UNTIL_REQUIRED', 'admin', 'POST', '/api/accountability/sanctions', { caseId: ent.id, kind: 'application_ban', reason: '限制申请' });
    await refused('SANCTION_UNTIL_IN_PAST', 'admin', 'POST', '/api/accountability/sanctions', { caseId: ent.id, kind: 'application_ban', until: inFuture(-1), reason: '限制申请' });
    const dept = await api.ok('admin', 'POST', '/api/accountability/violations', { subject: { kind: 'department', id: '南山区住房和建设局' }, kind: 'procedure_breach', description: '未按规定公示', evidence: [await api.evidence()] }, 201);
    await refused('SANCTION_SUBJECT_MISMATCH', 'admin', 'POST', '/api/accountability/sanctions', { caseId: dept.id, kind: 'application_ban', until: inFuture(DAY), reason: '限制申请' });
  });
});

describe('404 for unknown records', () => {
  it('unknown notice', async () => {
    const E = fresh();
    await missing(null, 'GET', '/api/notices/no-such-notice');
    await missing(E, 'POST', '/api/notices/no-such-notice/applications', submitBody(E, 100));
    for (const [path, body] of [
      ['amend', { price: 1, reason: 'x' }],
      ['cancel', { reason: 'x' }],
      ['close', undefined],
      ['publicity', undefined],
      ['allocation', { method: 'first_come' }],
      ['results', undefined],
    ] as const) {
      await missing('nanshan', 'POST', `/api/notices/no-such-notice/${path}`, body);
    }
    await missing('nanshan', 'POST', '/api/notices', noticeBody('no-such-project', inFuture(HOUR), inFuture(DAY)));
  });

  it('unknown application, and an application of another notice', async () => {
    const E = fresh();
    const id = 'no-such-notice.91440300MA5GXXXXXK';
    await missing(E, 'POST', `${app(id)}/withdraw`);
    await missing(E, 'POST', `${app(id)}/resubmit`, { documents: [{ name: 'a.pdf', sha256: sha('a') }] });
    await missing('nanshan', 'POST', `${app(id)}/return`, { missing: ['x'] });
    await missing('nanshan', 'POST', `${app(id)}/review`, { qualified: true, reasons: [] });
    await missing('nanshan', 'POST', `${app(id)}/contract`, { area: 1, contractRef: 'x', signedOn: clock.iso });
    await missing('nanshan', 'GET', app(id));
    const f = await api.flow({ applicants: [{ who: E, area: 100 }], until: 'publicity' });
    await missing(E, 'POST', `/api/notices/${f.noticeId}/objections`, { applicationId: id, content: '不实' });
    const other = await api.flow({ applicants: [{ who: E, area: 100 }], until: 'submitted' });
    await missing(E, 'POST', `/api/notices/${f.noticeId}/objections`, { applicationId: applicationIdOf(other.noticeId, E), content: '不实' });
    // Someone else's application is as good as absent.
    await missing(fresh(), 'GET', app(f.apps[0]!));
    await missing('futian', 'GET', app(f.apps[0]!));
  });

  it('unknown objection and unknown exchange', async () => {
    await missing('nanshan', 'POST', '/api/objections/no-such-objection/resolve', { upheld: true, reason: 'x' });
    await missing('nanshan', 'POST', '/api/exchanges/no-such-exchange/review', { approved: true, reason: 'x' });
    await missing('nanshan', 'POST', '/api/exchanges/no-such-exchange/result');
    await missing('nanshan', 'GET', '/api/exchanges/no-such-exchange');
  });
});

describe('bodies the API documents as optional', () => {
  it('withdraw and publicity need no body at all (no content-type, no payload)', async () => {
    const [A, B] = [fresh(), fresh()];
    const f = await api.flow({ applicants: [{ who: A, area: 100 }, { who: B, area: 100 }], until: 'submitted' });
    const withdrawn = await srv.request('POST', `${app(f.apps[0]!)}/withdraw`, { headers: { authorization: `Bearer ${A.token}` } });
    expect(withdrawn.status, JSON.stringify(withdrawn.body)).toBe(200);
    await api.review(f.apps[1]!, true);
    clock.to(Date.parse(f.closesAt) + MINUTE);
    const started = await srv.request('POST', `/api/notices/${f.noticeId}/publicity`, { token: 'nanshan' });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
  });
});
