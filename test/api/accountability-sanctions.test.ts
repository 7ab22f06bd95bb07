// Sanctions with effects (issue 7 item 6, issue 9): evidence must name events on record; a finding of false
// material revokes the offender's allocation (递补 to the next in the derived order) or tenancy (recovered on
// the grounds of the sanction); appeals lift or shorten a sanction and the case lists them, with each
// sanction's effect as of any date. Every refusal is a 422 with its code and appends nothing.
import { describe, expect, it } from 'vitest';
import { DAY, HOUR, E_HARNESS, E_HARNESS2, type Enterprise, applicationIdOf, enterprise, expectProblem, leaseFrom, submitBody, useProcedureServer } from './procedure-kit.js';
import { allProjections } from '../../src/projections/index.js';
import { holdingOf } from '../../src/application/accountability.js';
import { tick } from '../../src/application/scheduler.js';
import { accountabilityDecider, accountabilityStream } from '../../src/domain/accountability.js';
import { type NoticeEvent, type NoticeState, noticeDecider } from '../../src/domain/notice.js';

// Monday 2027-03-01, 10:00 CST.
const { srv, api, clock } = useProcedureServer('2027-03-01T02:00:00.000Z');

const E1 = E_HARNESS;
const E2 = E_HARNESS2;
const E3 = enterprise(41, '深圳市第三申请科技有限公司');
const E4 = enterprise(42, '深圳市承租科技有限公司');
const enc = encodeURIComponent;

/** A refusal: the status and stable code, problem+json, and nothing appended. */
async function refused(status: number, code: string | undefined, method: string, path: string, body?: unknown) {
  const before = await srv.logSize();
  const res = await api.request('admin', method, path, body);
  expectProblem(res, status, code);
  expect(await srv.logSize(), `${method} ${path} appended despite ${status}`).toBe(before);
  return res;
}

async function evidenceOf(stream: string): Promise<string> {
  const [first] = await api.stream(stream);
  return first!.id;
}
async function openCase(e: Enterprise, evidence: string[], kind = 'false_material'): Promise<string> {
  return (await api.ok('admin', 'POST', '/api/accountability/violations', { subject: { kind: 'enterprise', id: e.creditCode, name: e.name }, kind, description: '申报材料虚假', evidence }, 201)).id;
}
async function caseOf(caseId: string, asOf?: string) {
  const res = await api.read('auditor', `/api/accountability${asOf ? `?asOf=${enc(asOf)}` : ''}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items.find((c: { id: string }) => c.id === caseId);
}
async function atHead() {
  expect(await srv.services.runner.waitFor(await srv.logSize(), 10_000)).toBe(true);
}

describe('evidence must name events on record', () => {
  it('refuses a finding citing an unknown event id: 422 EVIDENCE_NOT_FOUND listing the missing ids, nothing appended', async () => {
    const projectId = (await api.ok('nanshan', 'POST', '/api/projects', { name: '证据项目', district: 'nanshan', address: '南山区科技园1号', useType: 'rnd', supplyModes: ['rent'], totalArea: 5000, managingDepartment: '南山区住房和建设局' }, 201)).id;
    const real = await evidenceOf(`project-${projectId}`);
    const missing = ['00000000-0000-4000-8000-00000000abcd', '00000000-0000-4000-8000-00000000abce'];
    const res = await refused(422, 'EVIDENCE_NOT_FOUND', 'POST', '/api/accountability/violations', {
      subject: { kind: 'enterprise', id: E1.creditCode },
      kind: 'false_material',
      description: '申报材料虚假',
      evidence: [real, ...missing],
    });
    expect(res.body.missing).toEqual(missing);
    expect(res.body.detail).toContain(missing[0]);
    // All on record: recorded, and every citation is found.
    const caseId = await openCase(E1, [real]);
    expect((await caseOf(caseId)).evidence).toEqual([expect.objectContaining({ id: real, found: true, type: 'ProjectRegistered' })]);
  });
});

describe('a revocation takes back what the false material obtained', () => {
  it('revokes an unsigned allocation: the notice shows it revoked and the next in the derived order gets the space (递补)', async () => {
    // 1,000 ㎡ first come: E1 600 and E3 400 are allocated; E2 (500) did not fit and waits.
    const f = await api.flow({ applicants: [{ who: E1, area: 600 }, { who: E2, area: 500 }, { who: E3, area: 400 }], area: 1000, until: 'result' });
    const app = (e: Enterprise) => applicationIdOf(f.noticeId, e);
    expect(f.allocations!.map((a) => a.applicationId)).toEqual([app(E1), app(E3)]);
    const caseId = await openCase(E1, [await evidenceOf(`application-${app(E1)}`)]);

    // Refusals first: each appends nothing.
    await refused(422, 'APPLICATION_REQUIRED', 'POST', '/api/accountability/sanctions', { caseId, kind: 'revocation', reason: '以虚假材料取得配租' });
    await refused(422, 'APPLICATION_NOT_OF_SUBJECT', 'POST', '/api/accountability/sanctions', { caseId, kind: 'revocation', reason: '以虚假材料取得配租', applicationId: app(E3) });
    await refused(422, 'SANCTION_UNTIL_NOT_APPLICABLE', 'POST', '/api/accountability/sanctions', { caseId, kind: 'revocation', until: '2030-01-01T00:00:00Z', reason: 'r', applicationId: app(E1) });
    await refused(404, undefined, 'POST', '/api/accountability/sanctions', { caseId, kind: 'revocation', reason: 'r', applicationId: `${f.noticeId}.NOBODY` });
    const breach = await openCase(E3, [await evidenceOf(`application-${app(E3)}`)], 'procedure_breach');
    await refused(422, 'REVOCATION_NEEDS_FALSE_MATERIAL', 'POST', '/api/accountability/sanctions', { caseId: breach, kind: 'revocation', reason: 'r', applicationId: app(E3) });

    clock.advance(60_000);
    const imposed = await api.ok('admin', 'POST', '/api/accountability/sanctions', { caseId, kind: 'revocation', reason: '以虚假材料取得配租资格', applicationId: app(E1) });
    expect(imposed.sanctionId).toEqual(expect.any(String));
    const events = await api.stream(`notice-${f.noticeId}`);
    const forfeited = events.find((e) => e.type === 'AllocationForfeited')!;
    expect(forfeited.data).toMatchObject({ applicationId: app(E1), area: 600, reason: 'revoked', detail: '以虚假材料取得配租资格', accountabilityId: caseId });
    expect(forfeited.metadata.actor).toMatchObject({ role: 'city_admin' });
    const sanctionEvent = (await api.stream(`accountability-${caseId}`)).find((e) => e.type === 'SanctionImposed')!;
    expect(forfeited.metadata.causationId).toBe(sanctionEvent.id); // the effect follows from the sanction
    expect(sanctionEvent.data).toMatchObject({ kind: 'revocation', revokes: { what: 'allocation', applicationId: app(E1), noticeId: f.noticeId, area: 600 } });
    expect(events.find((e) => e.type === 'WaitlistAllocated')!.data).toMatchObject({ applicationId: app(E2), area: 500, replaces: app(E1), rank: 2 });
    // Replay re-derives it: the notice's decider, on the notice as it stood before, with the same facts, decides the same events.
    let before: NoticeState = noticeDecider.initialState;
    for (const e of events.filter((x) => x.position < forfeited.position)) before = noticeDecider.evolve(before, { type: e.type, data: e.data } as unknown as NoticeEvent);
    const again = noticeDecider.decide(
      { type: 'ForfeitAllocation', applicationId: app(E1), reason: 'revoked', detail: '以虚假材料取得配租资格', signed: false, signing: { calendar: srv.services.calendar, workingDays: srv.services.deadlines.signingWorkingDays }, accountabilityId: caseId },
      before,
      { actor: forfeited.metadata.actor as never, now: forfeited.occurredAt, newId: () => 'unused' },
    );
    expect(again).toEqual(events.filter((e) => e.position >= forfeited.position).map((e) => ({ type: e.type, data: e.data })));

    const notice = await api.read(null, `/api/notices/${f.noticeId}`);
    expect(notice.body.allocations).toEqual([
      expect.objectContaining({ applicationId: app(E1), area: 600, status: 'revoked', via: 'first_come', rank: 1 }),
      expect.objectContaining({ applicationId: app(E2), area: 500, status: 'allocated', via: 'waitlist', rank: 2 }),
      expect.objectContaining({ applicationId: app(E3), area: 400, status: 'allocated', via: 'first_come', rank: 3 }),
    ]);
    const project = (await api.read('nanshan', `/api/projects/${f.projectId}`)).body;
    expect({ allocated: project.allocatedArea, total: project.totalArea }).toEqual({ allocated: 900, total: project.totalArea });
    expect(project.availableArea + project.allocatedArea + project.offeredArea + project.letArea + project.soldArea + project.withheldArea).toBe(project.totalArea);

    const shown = await caseOf(caseId);
    expect(shown.sanctions[0]).toMatchObject({ kind: 'revocation', carriedOut: { stream: `notice-${f.noticeId}`, eventId: forfeited.id }, effect: { active: true } });
    expect(shown.sanctions[0].effect.description).toContain('已于');

    // Nothing left to revoke: the second attempt is refused and appends nothing.
    await refused(422, 'NOTHING_TO_REVOKE', 'POST', '/api/accountability/sanctions', { caseId, kind: 'revocation', reason: '再次撤销', applicationId: app(E1) });
    // A revocation is carried out: an appeal may uphold it, not lift it.
    await refused(422, 'REVOCATION_CARRIED_OUT', 'POST', `/api/accountability/sanctions/${String(imposed.sanctionId)}/appeal`, { decision: 'lift', reasons: ['申诉'] });
  });

  it('recovers an active tenancy on the grounds of the sanction, and a rebuild re-derives every read model', async () => {
    const f = await api.flow({ applicants: [{ who: E4, area: 500 }], area: 1000, until: 'leased' });
    const tenancyId = applicationIdOf(f.noticeId, E4);
    expect((await api.read('nanshan', `/api/tenancies/${enc(tenancyId)}`)).body).toMatchObject({ status: 'active' });
    const caseId = await openCase(E4, [await evidenceOf(`application-${tenancyId}`)]);
    clock.advance(60_000);
    const imposed = await api.ok('admin', 'POST', '/api/accountability/sanctions', { caseId, kind: 'revocation', reason: '以虚假材料骗取承租资格', applicationId: tenancyId });
    const [ended] = await api.stream(`tenancy-${tenancyId}`);
    expect(ended).toMatchObject({ type: 'TenancyEnded', data: { how: 'recovery', grounds: 'sanction', accountabilityId: caseId, reasons: ['以虚假材料骗取承租资格'], area: 500 } });
    expect(imposed.position).toBe(ended!.position); // the answer's position is the effect's: ?consistentWith= waits for both
    const tenancy = await api.read('nanshan', `/api/tenancies/${enc(tenancyId)}`);
    expect(tenancy.body).toMatchObject({ status: 'ended', endedHow: 'recovery', recoveryGrounds: 'sanction' });
    expect((await caseOf(caseId)).sanctions[0]).toMatchObject({ revokes: { what: 'tenancy', tenancyId }, carriedOut: { stream: `tenancy-${tenancyId}` } });
    await refused(422, 'NOTHING_TO_REVOKE', 'POST', '/api/accountability/sanctions', { caseId, kind: 'revocation', reason: '再次收回', applicationId: tenancyId });

    await atHead();
    const snapshot: Record<string, unknown[]> = {};
    for (const p of allProjections) for (const c of p.collections) snapshot[c] = await srv.services.reads.find(c, {}, { sort: { _id: 1 } });
    for (const c of ['sanction_effects', 'sanctions', 'violations']) expect(snapshot[c]?.length, c).toBeGreaterThan(0);
    await srv.services.runner.rebuild();
    await atHead();
    for (const p of allProjections) for (const c of p.collections) expect(await srv.services.reads.find(c, {}, { sort: { _id: 1 } }), c).toEqual(snapshot[c]);
  });
});

describe('a revocation follows a lease moved by 换租', () => {
  it('recovers the successor tenancy the lease moved to', async () => {
    const E7 = enterprise(45, '深圳市换租科技有限公司');
    const f = await api.flow({ applicants: [{ who: E7, area: 500 }], area: 1000, until: 'leased' });
    const leaseId = applicationIdOf(f.noticeId, E7);
    const exchangeId = (await api.ok(E7, 'POST', '/api/exchanges', { wanted: { area: 300 }, reason: '缩减面积' }, 201)).id;
    await api.ok('nanshan', 'POST', `/api/exchanges/${exchangeId}/review`, { approved: true, reason: '同意' });
    await api.ok('nanshan', 'POST', `/api/exchanges/${exchangeId}/result`);
    await api.ok('nanshan', 'POST', `/api/exchanges/${exchangeId}/move`);
    const caseId = await openCase(E7, [await evidenceOf(`application-${leaseId}`)]);
    clock.advance(60_000);
    await api.ok('admin', 'POST', '/api/accountability/sanctions', { caseId, kind: 'revocation', reason: '以虚假材料骗取承租资格', applicationId: leaseId });
    const [ended] = await api.stream(`tenancy-${exchangeId}`);
    expect(ended).toMatchObject({ type: 'TenancyEnded', data: { tenancyId: exchangeId, how: 'recovery', grounds: 'sanction', accountabilityId: caseId, area: 300 } });
    expect((await api.read('nanshan', `/api/tenancies/${exchangeId}`)).body).toMatchObject({ status: 'ended', endedHow: 'recovery' });
    expect((await caseOf(caseId)).sanctions[0]).toMatchObject({ revokes: { what: 'tenancy', applicationId: leaseId, tenancyId: exchangeId, area: 300 }, carriedOut: { stream: `tenancy-${exchangeId}` } });
  });
});

describe('a revocation racing the contract', () => {
  it('either the allocation is revoked and the contract refused, or the lease is signed and then recovered: never both, never neither', async () => {
    for (let trial = 0; trial < 4; trial++) {
      const E = enterprise(60 + trial, `深圳市竞速${trial}号科技有限公司`);
      const f = await api.flow({ applicants: [{ who: E, area: 200 }], area: 1000, until: 'result' });
      const applicationId = applicationIdOf(f.noticeId, E);
      const caseId = await openCase(E, [await evidenceOf(`application-${applicationId}`)]);
      const contract = () => api.request('nanshan', 'POST', `/api/applications/${enc(applicationId)}/contract`, { area: 200, contractRef: `合同-${trial}`, signedOn: clock.iso, ...leaseFrom(clock.iso) });
      const revoke = () => api.request('admin', 'POST', '/api/accountability/sanctions', { caseId, kind: 'revocation', reason: '以虚假材料取得配租资格', applicationId });
      const [signed, revoked] = trial % 2 === 0 ? await Promise.all([contract(), revoke()]) : (await Promise.all([revoke(), contract()])).reverse();
      expect(revoked!.status, JSON.stringify(revoked!.body)).toBe(200);
      const forfeited = (await api.stream(`notice-${f.noticeId}`)).filter((e) => e.type === 'AllocationForfeited');
      const recovered = (await api.stream(`tenancy-${applicationId}`)).filter((e) => e.type === 'TenancyEnded');
      if (signed!.status === 200) {
        expect(forfeited).toHaveLength(0);
        expect(recovered).toHaveLength(1);
        expect(recovered[0]!.data).toMatchObject({ how: 'recovery', grounds: 'sanction', accountabilityId: caseId });
      } else {
        expectProblem(signed!, 422);
        expect(forfeited).toHaveLength(1);
        expect(recovered).toHaveLength(0);
      }
      const p = (await api.read('nanshan', `/api/projects/${f.projectId}`)).body;
      expect(p.allocatedArea + p.letArea).toBe(0); // the space came back either way
    }
  });
});

describe('a revocation recorded without its effect (the process stopped between the two appends)', () => {
  it('is carried out by the scheduler, once', async () => {
    const E6 = enterprise(44, '深圳市中断测试科技有限公司');
    const f = await api.flow({ applicants: [{ who: E6, area: 300 }], area: 1000, until: 'result' });
    const applicationId = applicationIdOf(f.noticeId, E6);
    const caseId = await openCase(E6, [await evidenceOf(`application-${applicationId}`)]);
    // Only the first append of imposeSanction: the sanction, as a crash right after it would leave the log.
    const holding = await holdingOf(srv.services, applicationId);
    await srv.services.commands.execute(accountabilityDecider, accountabilityStream(caseId), caseId, { type: 'ImposeSanction', kind: 'revocation', reason: '以虚假材料取得配租资格', applicationId, holding }, {
      actor: { id: 'admin-1', role: 'city_admin', name: '市规划和自然资源局' },
    });
    await atHead();
    const pending = (await caseOf(caseId)).sanctions[0];
    expect(pending).not.toHaveProperty('carriedOut');
    expect(pending.effect.description).toContain('待执行');

    const first = await tick(srv.services);
    expect(first.fired).toEqual([`revocation:${pending.id}`]);
    const forfeited = (await api.stream(`notice-${f.noticeId}`)).filter((e) => e.type === 'AllocationForfeited');
    expect(forfeited).toHaveLength(1);
    expect(forfeited[0]).toMatchObject({ data: { applicationId, reason: 'revoked', accountabilityId: caseId }, metadata: { actor: { id: 'system:scheduler' }, correlationId: `revocation:${pending.id}` } });
    expect((await tick(srv.services)).fired).toEqual([]);
    expect((await caseOf(caseId)).sanctions[0]).toMatchObject({ carriedOut: { eventId: forfeited[0]!.id } });
  });
});

describe('a ban reaches the allocation and 递补 (domain.md: a barred enterprise’s application is refused)', () => {
  const [A, B, C] = [enterprise(61, '深圳市禁入甲科技有限公司'), enterprise(62, '深圳市禁入乙科技有限公司'), enterprise(63, '深圳市禁入丙科技有限公司')];
  const ban = async (e: Enterprise, applicationId: string) => {
    const caseId = await openCase(e, [await evidenceOf(`application-${applicationId}`)]);
    await api.ok('admin', 'POST', '/api/accountability/sanctions', { caseId, kind: 'application_ban', until: '2030-12-31', reason: '三年内不得申请' });
  };

  it('an enterprise barred after its review is given no space by the allocation, and the event names it', async () => {
    const f = await api.flow({ applicants: [{ who: A, area: 600 }, { who: B, area: 300 }, { who: C, area: 400 }], area: 1000, until: 'publicityOver' });
    const app = (e: Enterprise) => applicationIdOf(f.noticeId, e);
    await ban(A, app(A));
    const alloc = await api.ok('nanshan', 'POST', `/api/notices/${f.noticeId}/allocation`, { method: 'first_come' });
    expect((alloc.allocations as { applicationId: string }[]).map((a) => a.applicationId)).toEqual([app(B), app(C)]);
    const decided = (await api.stream(`notice-${f.noticeId}`)).find((e) => e.type === 'AllocationDecided')!;
    expect(decided.data).toMatchObject({ barred: [app(A)], order: [app(B), app(C)] });
  });

  it('递补 passes over an enterprise barred since the allocation: the space goes to the next, or back to available', async () => {
    const [A, B, C] = [enterprise(64, '深圳市递补甲科技有限公司'), enterprise(65, '深圳市递补乙科技有限公司'), enterprise(66, '深圳市递补丙科技有限公司')];
    const f = await api.flow({ applicants: [{ who: A, area: 600 }, { who: B, area: 500 }, { who: C, area: 400 }], area: 1000, until: 'result' });
    const app = (e: Enterprise) => applicationIdOf(f.noticeId, e);
    expect(f.allocations!.map((a) => a.applicationId)).toEqual([app(A), app(C)]);
    await ban(B, app(B)); // B waits next in line for A's 600 ㎡
    clock.advance(60_000);
    const caseId = await openCase(A, [await evidenceOf(`application-${app(A)}`)]);
    await api.ok('admin', 'POST', '/api/accountability/sanctions', { caseId, kind: 'revocation', reason: '以虚假材料取得配租资格', applicationId: app(A) });
    const events = await api.stream(`notice-${f.noticeId}`);
    expect(events.find((e) => e.type === 'AllocationForfeited')!.data).toMatchObject({ applicationId: app(A), reason: 'revoked', barred: [app(B)] });
    expect(events.some((e) => e.type === 'WaitlistAllocated')).toBe(false);
    const notice = await api.read(null, `/api/notices/${f.noticeId}`);
    expect(notice.body.allocations.map((a: { applicationId: string; status: string }) => [a.applicationId, a.status])).toEqual([
      [app(A), 'revoked'],
      [app(C), 'allocated'],
    ]);
  });
});

describe('appeals (申诉)', () => {
  const E5 = enterprise(43, '深圳市申诉科技有限公司');
  it('a ban shortened, then lifted, on appeal: applications are barred until then, the case lists the appeals, the effect as of each date', async () => {
    const projectId = await api.publishedProject('nanshan');
    const caseId = await openCase(E5, [await evidenceOf(`project-${projectId}`)]);
    const imposedAt = clock.iso;
    const ban = await api.ok('admin', 'POST', '/api/accountability/sanctions', { caseId, kind: 'application_ban', until: '2030-03-01T00:00:00Z', reason: '三年内不得申请' });
    const sanctionId = String(ban.sanctionId);
    const appeal = `/api/accountability/sanctions/${sanctionId}/appeal`;

    // Refusals: each 422 with its code (or 404, 400), nothing appended.
    await refused(422, 'SHORTEN_NOT_EARLIER', 'POST', appeal, { decision: 'shorten', until: '2031-01-01T00:00:00Z', reasons: ['请求缩短'] });
    await refused(422, 'SANCTION_UNTIL_IN_PAST', 'POST', appeal, { decision: 'shorten', until: '2020-01-01T00:00:00Z', reasons: ['请求缩短'] });
    await refused(422, 'SANCTION_UNTIL_REQUIRED', 'POST', appeal, { decision: 'shorten', reasons: ['请求缩短'] });
    await refused(400, undefined, 'POST', appeal, { decision: 'lift', reasons: [' '] }); // blank reasons: a field error (REASONS_REQUIRED in the decider)
    await refused(400, undefined, 'POST', appeal, { decision: 'pardon', reasons: ['r'] });
    await refused(404, undefined, 'POST', '/api/accountability/sanctions/no-such-sanction/appeal', { decision: 'lift', reasons: ['r'] });
    const criticism = await api.ok('admin', 'POST', '/api/accountability/sanctions', { caseId, kind: 'public_criticism', reason: '通报批评' });
    await refused(422, 'SANCTION_HAS_NO_END', 'POST', `/api/accountability/sanctions/${String(criticism.sanctionId)}/appeal`, { decision: 'shorten', until: '2029-01-01T00:00:00Z', reasons: ['r'] });
    for (const who of ['auditor', 'nanshan'] as const) expectProblem(await api.request(who, 'POST', appeal, { decision: 'lift', reasons: ['r'] }), 403);

    // Barred while the ban stands.
    const n1 = await api.notice({ projectId, area: 500, openFor: 7 * DAY });
    clock.to(n1.opensAt);
    expectProblem(await api.request(E5, 'POST', `/api/notices/${n1.noticeId}/applications`, submitBody(E5, 100)), 422, 'ENTERPRISE_BARRED');

    clock.advance(HOUR);
    const shortenedAt = clock.iso;
    await refused(400, undefined, 'POST', appeal, { decision: 'shorten', until: '2028-02-30', reasons: ['初犯，情节较轻'] });
    // A bare date is a day in China Standard Time, the whole of it: the ban ends as that day does.
    await api.ok('admin', 'POST', appeal, { decision: 'shorten', until: '2028-02-29', reasons: ['初犯，情节较轻'] });
    expectProblem(await api.request(E5, 'POST', `/api/notices/${n1.noticeId}/applications`, submitBody(E5, 100)), 422, 'ENTERPRISE_BARRED');

    clock.advance(HOUR);
    const liftedAt = clock.iso;
    const lift = await api.ok('admin', 'POST', appeal, { decision: 'lift', reasons: ['经复核，材料不实系第三方机构差错'] });
    await refused(422, 'SANCTION_NOT_IN_FORCE', 'POST', appeal, { decision: 'lift', reasons: ['再次撤销'] });
    const submitted = await api.request(E5, 'POST', `/api/notices/${n1.noticeId}/applications`, submitBody(E5, 100));
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);

    const shown = await caseOf(caseId);
    expect(shown.appeals).toEqual([
      expect.objectContaining({ sanctionId, decision: 'shorten', decisionName: '缩短期限', until: '2028-02-29T15:59:59.999Z', previousUntil: '2030-03-01T00:00:00.000Z', reasons: ['初犯，情节较轻'], decidedAt: shortenedAt }),
      expect.objectContaining({ sanctionId, decision: 'lift', decisionName: '撤销处理', reasons: ['经复核，材料不实系第三方机构差错'], decidedAt: liftedAt, decidedBy: expect.objectContaining({ id: 'admin-1' }) }),
    ]);
    expect(shown.appeals.every((a: { id: string }) => typeof a.id === 'string')).toBe(true);
    const banShown = shown.sanctions.find((s: { id: string }) => s.id === sanctionId);
    expect(banShown).toMatchObject({ until: '2028-02-29T15:59:59.999Z', imposedUntil: '2030-03-01T00:00:00.000Z', liftedAt, effect: { active: false, description: `已于 ${liftedAt} 经申诉撤销` } });
    expect(lift.position).toBeGreaterThan(ban.position);

    // The effect as of each date: as imposed, as shortened, lifted; before it was imposed, none.
    const effectAt = async (at: string) => (await caseOf(caseId, at)).sanctions.find((s: { id: string }) => s.id === sanctionId).effect;
    expect(await effectAt(imposedAt)).toEqual({ active: true, description: '限制申请至 2030-03-01T00:00:00.000Z' });
    expect(await effectAt(shortenedAt)).toEqual({ active: true, description: '限制申请至 2028-02-29T15:59:59.999Z' });
    expect(await effectAt(liftedAt)).toEqual({ active: false, description: `已于 ${liftedAt} 经申诉撤销` });
    expect(await effectAt('2027-02-01')).toEqual({ active: false, description: '尚未作出' });
    const bad = await api.read('auditor', '/api/accountability?asOf=someday');
    expectProblem(bad, 400);
    expect(bad.body.errors[0].path).toBe('querystring.asOf');
  });
});
