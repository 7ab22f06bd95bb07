// The space ledger over real HTTP (issue 7): allocation reserves space, a contract lets it, a winner who
// lets the signing deadline pass forfeits to the next in the derived order (递补) when the scheduler ticks,
// a lease ends at endsOn and its space is available again; refusals append nothing; the scheduler fires
// each deadline once; an approved exchange (换租) moves a tenancy in one event; statistics and the project
// as of each step show its figures; a rebuild of every read model gives the same documents.
import { describe, expect, it } from 'vitest';
import { tick } from '../../src/application/scheduler.js';
import { type NoticeEvent, type NoticeState, noticeDecider, noticeStream } from '../../src/domain/notice.js';
import { DEFAULT_CALENDAR } from '../../src/domain/calendar.js';
import { allProjections } from '../../src/projections/index.js';
import { type Api, DAY, E_HARNESS, E_HARNESS2, type Enterprise, type Flow, applicationIdOf, enterprise, expectProblem, leaseFrom, useProcedureServer } from './procedure-kit.js';

// Monday 2027-03-01, 10:00 CST.
const { srv, api, clock } = useProcedureServer('2027-03-01T02:00:00.000Z');

const E1 = E_HARNESS;
const E2 = E_HARNESS2;
const E3 = enterprise(31, '深圳市递补候选科技有限公司');
const enc = encodeURIComponent;

async function project(id: string) {
  const res = await api.read('nanshan', `/api/projects/${id}`);
  expect(res.status).toBe(200);
  return res.body as Record<string, number> & { units: { state: string }[] };
}
const figures = async (id: string) => {
  const p = await project(id);
  return { available: p.availableArea, offered: p.offeredArea, allocated: p.allocatedArea, let: p.letArea, sold: p.soldArea, withheld: p.withheldArea };
};

/** A refusal: the status and stable code, problem+json, and nothing appended. */
async function refused(status: number, code: string | undefined, who: Parameters<Api['request']>[0], method: string, path: string, body?: unknown) {
  const before = await srv.logSize();
  const res = await api.request(who, method, path, body);
  expectProblem(res, status, code);
  expect(await srv.logSize(), `${method} ${path} appended despite ${status}`).toBe(before);
}

type Figures = Awaited<ReturnType<typeof figures>>;
/** Moments to look back at: the project's figures then; the clock moves on a minute so the next step is later. */
const marks: { at: string; figures: Figures }[] = [];
async function mark(id: string) {
  marks.push({ at: clock.iso, figures: await figures(id) });
  clock.to(clock.ms + 60_000);
}

/** The district's statistics line (the project is the only one in 南山 here), as the ledger figures. */
async function districtStats(asOf?: string) {
  const res = await api.read(null, `/api/statistics${asOf ? `?asOf=${enc(asOf)}` : ''}`);
  expect(res.status).toBe(200);
  const line = (res.body.byDistrict as { district: string; [k: string]: unknown }[]).find((d) => d.district === 'nanshan')!;
  return { available: line.availableArea, offered: line.offeredArea, let: line.letArea, sold: line.soldArea, withheld: line.withheldArea };
}
const withoutAllocated = ({ allocated: _a, ...rest }: Figures) => rest;

async function snapshotReadModels(): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const p of allProjections) for (const c of p.collections) out[c] = await srv.services.reads.find(c, {}, { sort: { _id: 1 } });
  return out;
}
async function atHead() {
  expect(await srv.services.runner.waitFor(await srv.logSize(), 10_000)).toBe(true);
}

describe('the space ledger, tenancies and deadlines, end to end', () => {
  let f: Flow;
  const app = (e: Enterprise) => applicationIdOf(f.noticeId, e);

  it('runs allocation → contract → forfeiture and 递补 → lease end, and a rebuild gives the same read models', async () => {
    // ---- a 12,000 ㎡ project; a notice offers 3,000 ㎡; ranking allocates 1,200 + 1,100 ㎡, E3 (900 ㎡) waits ----
    f = await api.flow({
      applicants: [
        { who: E1, area: 1_200, score: 90 },
        { who: E2, area: 1_100, score: 85 },
        { who: E3, area: 900, score: 80 },
      ],
      area: 3_000,
      method: 'ranking',
      until: 'allocated',
    });
    expect(f.allocations!.map((a) => a.applicationId)).toEqual([app(E1), app(E2)]);
    expect(await figures(f.projectId)).toEqual({ available: 9_700, offered: 0, allocated: 2_300, let: 0, sold: 0, withheld: 0 });
    await mark(f.projectId);
    await api.ok('nanshan', 'POST', `/api/notices/${f.noticeId}/results`);

    // ---- E1 signs a one-year lease ----
    const lease = leaseFrom(clock.iso, 1, 78_000);
    await api.ok('nanshan', 'POST', `/api/applications/${enc(app(E1))}/contract`, { area: 1_200, contractRef: '深南租〔2027〕101号', signedOn: clock.iso, ...lease });
    expect(await figures(f.projectId)).toEqual({ available: 9_700, offered: 0, allocated: 1_100, let: 1_200, sold: 0, withheld: 0 });
    // A lease without its term is refused; a new notice cannot offer more than what is left.
    await refused(422, 'LEASE_TERMS_REQUIRED', 'nanshan', 'POST', `/api/applications/${enc(app(E2))}/contract`, { area: 1_100, contractRef: 'X', signedOn: clock.iso });
    const notice = (area: number) => ({ projectId: f.projectId, supplyMode: 'rent', area, price: 60, eligibility: '创新型企业', opensAt: new Date(clock.ms + DAY).toISOString(), closesAt: new Date(clock.ms + 2 * DAY).toISOString() });
    await refused(422, 'AREA_EXCEEDS_AVAILABLE', 'nanshan', 'POST', '/api/notices', notice(9_700.5));
    // The project cannot leave while space is still allocated, nor put less on the market than is held.
    await refused(422, 'PROJECT_HAS_PROCEDURES_UNDER_WAY', 'nanshan', 'POST', `/api/projects/${f.projectId}/withdraw`, { reason: '退出平台' });
    await refused(422, 'AREA_COMMITTED', 'nanshan', 'PATCH', `/api/projects/${f.projectId}`, { availableArea: 2_000, reason: '部分自用' });
    // Withholding with a reason moves the market area; the ledger still adds up.
    await api.ok('nanshan', 'PATCH', `/api/projects/${f.projectId}`, { availableArea: 11_000, reason: '一层留作公共配套' });
    expect(await figures(f.projectId)).toEqual({ available: 8_700, offered: 0, allocated: 1_100, let: 1_200, sold: 0, withheld: 1_000 });
    await mark(f.projectId);

    // ---- the tenancy is listed, scoped by role ----
    const mine = await api.read(E1, '/api/tenancies');
    expect(mine.body.items).toHaveLength(1);
    expect(mine.body.items[0]).toMatchObject({ id: app(E1), area: 1_200, monthlyRent: 78_000, endsOn: lease.endsOn, status: 'active', projectId: f.projectId });
    expect((await api.read(E2, '/api/tenancies')).body.items).toHaveLength(0);
    expect((await api.read('futian', '/api/tenancies')).body.total).toBe(0);
    expect((await api.read('nanshan', `/api/tenancies?endsBefore=${enc(new Date(Date.parse(lease.endsOn) + 1).toISOString())}`)).body.total).toBe(1);
    expect((await api.read('nanshan', `/api/tenancies?endsBefore=${enc(lease.endsOn)}`)).body.total).toBe(0);
    expectProblem(await api.request(null, 'GET', '/api/tenancies'), 401);
    expectProblem(await api.request(E2, 'GET', `/api/tenancies/${enc(app(E1))}`), 404);
    await refused(404, undefined, E2, 'POST', `/api/tenancies/${enc(app(E1))}/exit`, { reason: '迁址' });
    // Another enterprise's tenancy and none at all read the same, words included.
    const [theirs, none] = await Promise.all([app(E1), 'no-such-tenancy'].map((id) => api.request(E2, 'POST', `/api/tenancies/${enc(id)}/exit`, { reason: '迁址' })));
    expect(theirs!.body.detail).toBe(none!.body.detail);

    // ---- E2 lets the signing deadline pass: the scheduler forfeits, E3 gets the space (递补) ----
    const deadlines = await api.read('nanshan', '/api/deadlines');
    const signing = deadlines.body.items.find((d: { applicationId?: string }) => d.applicationId === app(E2));
    expect(signing).toMatchObject({ kind: 'signing', status: 'open', overdue: false, district: 'nanshan' });
    expect((await api.read('nanshan', '/api/deadlines?overdue=true')).body.total).toBe(0);
    expectProblem(await api.request(E1, 'GET', '/api/deadlines'), 403);
    expect(await tick(srv.services)).toEqual({ fired: [], settled: [] }); // nothing is due yet
    clock.to(Date.parse(signing.dueAt) + 60_000);
    const overdue = await api.read('nanshan', '/api/deadlines?overdue=true');
    expect(overdue.body.items.map((d: { id: string }) => d.id)).toEqual([`signing:${app(E2)}`]);
    expect((await api.read('futian', '/api/deadlines?overdue=true')).body.total).toBe(0);

    const first = await tick(srv.services);
    expect(first).toEqual({ fired: [`signing:${app(E2)}`], settled: [] });
    // Fired once: the next tick finds nothing due, and re-running the use case is refused by the decider.
    expect(await tick(srv.services)).toEqual({ fired: [], settled: [] });
    const events = await api.stream(noticeStream(f.noticeId));
    expect(events.filter((e) => e.type === 'AllocationForfeited')).toHaveLength(1);
    const waitlisted = events.find((e) => e.type === 'WaitlistAllocated')!;
    expect(waitlisted.data).toMatchObject({ applicationId: app(E3), area: 900, rank: 3, replaces: app(E2) });
    expect(waitlisted.metadata.actor).toMatchObject({ id: 'system:scheduler' });

    const shown = await api.read(null, `/api/notices/${f.noticeId}`);
    expect(shown.body.allocations).toEqual([
      { applicationId: app(E1), area: 1_200, unitIds: [], status: 'signed', via: 'ranking', rank: 1 },
      { applicationId: app(E2), area: 1_100, unitIds: [], status: 'forfeited', via: 'ranking', rank: 2 },
      { applicationId: app(E3), area: 900, unitIds: [], status: 'allocated', via: 'waitlist', rank: 3 },
    ]);
    expect(await figures(f.projectId)).toEqual({ available: 8_900, offered: 0, allocated: 900, let: 1_200, sold: 0, withheld: 1_000 });
    await mark(f.projectId);

    // Replay re-derives the 递补: the decider, on the notice as it stood before, with the same facts, decides the same events.
    const forfeitedAt = events.find((e) => e.type === 'AllocationForfeited')!;
    let before: NoticeState = noticeDecider.initialState;
    for (const e of events.filter((x) => x.position < forfeitedAt.position)) before = noticeDecider.evolve(before, { type: e.type, data: e.data } as unknown as NoticeEvent);
    const again = noticeDecider.decide(
      { type: 'ForfeitAllocation', applicationId: app(E2), reason: 'signing_deadline', signed: false, signing: { calendar: DEFAULT_CALENDAR, workingDays: srv.services.deadlines.signingWorkingDays } },
      before,
      { actor: forfeitedAt.metadata.actor as never, now: forfeitedAt.occurredAt, newId: () => 'unused' },
    );
    expect(again).toEqual(events.filter((e) => e.position >= forfeitedAt.position && e.position <= waitlisted.position).map((e) => ({ type: e.type, data: e.data })));

    // ---- E3 signs; renewal within the policy; a renewal after the end is refused ----
    const e3Lease = leaseFrom(clock.iso, 2, 55_000);
    await api.ok('nanshan', 'POST', `/api/applications/${enc(app(E3))}/contract`, { area: 900, contractRef: '深南租〔2027〕135号', signedOn: clock.iso, ...e3Lease });
    await refused(422, 'RENEWAL_TOO_LONG', 'nanshan', 'POST', `/api/tenancies/${enc(app(E3))}/renew`, { endsOn: new Date(Date.parse(e3Lease.endsOn) + 4 * 366 * DAY).toISOString() });
    await refused(422, 'RENEWAL_TERM_INVALID', 'nanshan', 'POST', `/api/tenancies/${enc(app(E3))}/renew`, { endsOn: e3Lease.endsOn });
    await refused(400, undefined, 'nanshan', 'POST', `/api/tenancies/${enc(app(E3))}/recover`, { grounds: 'breach', reasons: [] });
    await refused(404, undefined, 'nanshan', 'POST', `/api/tenancies/no-such-tenancy/renew`, { endsOn: e3Lease.endsOn });
    const renewedEnd = new Date(Date.parse(e3Lease.endsOn) + 365 * DAY).toISOString();
    await api.ok('nanshan', 'POST', `/api/tenancies/${enc(app(E3))}/renew`, { endsOn: renewedEnd, monthlyRent: 57_000, reason: '经营良好，续租一年' });
    expect((await api.read(E3, `/api/tenancies/${enc(app(E3))}`)).body).toMatchObject({ endsOn: renewedEnd, monthlyRent: 57_000, renewals: 1 });
    expect(await figures(f.projectId)).toEqual({ available: 8_900, offered: 0, allocated: 0, let: 2_100, sold: 0, withheld: 1_000 });
    await mark(f.projectId);

    // ---- E1's lease reaches its end: the scheduler expires it and its space is available again ----
    clock.to(Date.parse(lease.endsOn) + 60_000);
    expect(await tick(srv.services)).toEqual({ fired: [`lease_end:${app(E1)}`], settled: [] });
    expect(await tick(srv.services)).toEqual({ fired: [], settled: [] });
    expect((await api.read(E1, `/api/tenancies/${enc(app(E1))}`)).body).toMatchObject({ status: 'ended', endedHow: 'expiry', endedOn: lease.endsOn });
    await refused(422, 'TENANCY_ENDED', E1, 'POST', `/api/tenancies/${enc(app(E1))}/exit`, { reason: '迁址' });
    expect(await figures(f.projectId)).toEqual({ available: 10_100, offered: 0, allocated: 0, let: 900, sold: 0, withheld: 1_000 });
    await mark(f.projectId);

    // ---- 换租: an exchange moves E3's tenancy; one wanting more than is available is refused ----
    const exchange = async (area: number) => {
      const id = (await api.ok(E3, 'POST', '/api/exchanges', { wanted: { area }, reason: '调整面积' }, 201)).id as string;
      await api.ok('nanshan', 'POST', `/api/exchanges/${id}/review`, { approved: true, reason: '同意' });
      await api.ok('nanshan', 'POST', `/api/exchanges/${id}/result`);
      return id;
    };
    // 10,100 available plus E3's own 900 freed by the move: 11,000 at most.
    const tooBig = await exchange(11_000.5);
    await refused(422, 'WANTED_SPACE_NOT_AVAILABLE', 'nanshan', 'POST', `/api/exchanges/${tooBig}/move`);
    const rejectedX = (await api.ok(E3, 'POST', '/api/exchanges', { wanted: { area: 100 }, reason: '调整面积' }, 201)).id as string;
    await api.ok('nanshan', 'POST', `/api/exchanges/${rejectedX}/review`, { approved: false, reason: '不同意' });
    await api.ok('nanshan', 'POST', `/api/exchanges/${rejectedX}/result`);
    await refused(422, 'EXCHANGE_NOT_APPROVED', 'nanshan', 'POST', `/api/exchanges/${rejectedX}/move`);
    const moved = await exchange(600);
    await api.ok('nanshan', 'POST', `/api/exchanges/${moved}/move`);
    await refused(422, 'TENANCY_ENDED', 'nanshan', 'POST', `/api/exchanges/${moved}/move`);
    expect((await api.read(E3, `/api/tenancies/${enc(app(E3))}`)).body).toMatchObject({ status: 'ended', endedHow: 'exchange', successorId: moved });
    expect((await api.read(E3, `/api/tenancies/${moved}`)).body).toMatchObject({ status: 'active', area: 600, endsOn: renewedEnd, monthlyRent: 57_000, predecessorId: app(E3) });
    expect((await api.read('nanshan', '/api/deadlines')).body.items.map((d: { id: string }) => d.id)).toContain(`lease_end:${moved}`);
    // One event ends the old tenancy and starts the new one.
    const movedEvents = (await api.stream(`tenancy-${app(E3)}`)).filter((e) => e.type === 'TenancyEnded');
    expect(movedEvents).toHaveLength(1);
    expect(movedEvents[0]!.data).toMatchObject({ how: 'exchange', exchangeId: moved, successor: { tenancyId: moved, area: 600 } });
    expect(await figures(f.projectId)).toEqual({ available: 10_400, offered: 0, allocated: 0, let: 600, sold: 0, withheld: 1_000 });
    await mark(f.projectId);

    // ---- E3 exits (退出) the tenancy it moved to: everything is back on the market but what is withheld ----
    await api.ok(E3, 'POST', `/api/tenancies/${moved}/exit`, { reason: '业务调整，整体迁出' });
    expect(await figures(f.projectId)).toEqual({ available: 11_000, offered: 0, allocated: 0, let: 0, sold: 0, withheld: 1_000 });
    // Search and the list carry the derived available area.
    const listed = async (min: number) => (await api.read(null, `/api/projects?minAvailableArea=${min}`)).body.items.filter((p: { id: string }) => p.id === f.projectId);
    expect(await listed(11_000)).toMatchObject([{ availableArea: 11_000, letArea: 0, withheldArea: 1_000, marketArea: 11_000 }]);
    expect(await listed(11_000.01)).toEqual([]);
    await mark(f.projectId);
    await api.ok('nanshan', 'POST', `/api/notices`, notice(11_000), 201);
    expect(await figures(f.projectId)).toEqual({ available: 0, offered: 11_000, allocated: 0, let: 0, sold: 0, withheld: 1_000 });
    expect(await listed(0.01)).toEqual([]);
    await mark(f.projectId);

    // ---- statistics now and as of each of those moments; the project as of each of them ----
    await atHead();
    expect(await districtStats()).toEqual(withoutAllocated(marks.at(-1)!.figures));
    for (const m of marks) {
      expect(await districtStats(m.at), `statistics as of ${m.at}`).toEqual(withoutAllocated(m.figures));
      for (const moment of ['asOf', 'asRecordedAt']) {
        const then = (await api.read('nanshan', `/api/projects/${f.projectId}?${moment}=${enc(m.at)}`)).body as Record<string, number>;
        const shown = { available: then.availableArea, offered: then.offeredArea, allocated: then.allocatedArea, let: then.letArea, sold: then.soldArea, withheld: then.withheldArea };
        expect(shown, `the project ${moment} ${m.at}`).toEqual(m.figures);
      }
    }

    // ---- every read model rebuilt from the log is the same ----
    await atHead();
    const snapshot = await snapshotReadModels();
    for (const c of ['space_holdings', 'tenancy_records', 'deadlines']) expect(snapshot[c]?.length, c).toBeGreaterThan(0);
    await srv.services.runner.rebuild();
    await atHead();
    expect(await snapshotReadModels()).toEqual(snapshot);
  });
});
