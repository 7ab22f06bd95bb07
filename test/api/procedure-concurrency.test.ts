// Rules that touch two streams (a notice and its applications) must hold under parallel requests. The
// routes serialise such commands per notice (src/api/keyed-lock.ts) and every append is checked against
// the stream's revision; these tests fire real HTTP requests at once and then read the log itself.
import { describe, expect, it } from 'vitest';
import { type NoticeState, noticeDecider, projectSnapshot } from '../../src/domain/notice.js';
import { type ProjectState, projectDecider } from '../../src/domain/project.js';
import { applicationIdOf, leaseFrom, DAY, enterprise, type Enterprise, expectProblem, HOUR, MINUTE, type Res, useProcedureServer } from './procedure-kit.js';

// Monday 2027-06-07, 10:00 CST.
const { srv, api, clock } = useProcedureServer('2027-06-07T02:00:00.000Z', { consistencyTimeoutMs: 10_000 });

let next = 5000;
const fresh = (): Enterprise => enterprise(next++);
const enc = encodeURIComponent;

interface LoggedEvent {
  type: string;
  stream: string;
  position: number;
  data: Record<string, unknown>;
}
/** The whole log, read from the event store itself. */
async function log(): Promise<LoggedEvent[]> {
  return (await srv.services.events.readAll(0, 1_000_000)) as unknown as LoggedEvent[];
}
const ofType = (events: LoggedEvent[], type: string, stream?: string) => events.filter((e) => e.type === type && (stream === undefined || e.stream === stream));

function tally(results: Res[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) {
    const key = r.status === 422 ? `422 ${r.body.code}` : String(r.status);
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

describe('one live application per enterprise per notice', () => {
  it('20 parallel submissions by one enterprise: exactly one is accepted and one ApplicationSubmitted is recorded', async () => {
    const f = await api.flow({ applicants: [], until: 'open' });
    const E = fresh();
    const before = await srv.logSize();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => api.submit(f.noticeId, E, 100 + i)));
    const accepted = results.filter((r) => r.status === 201);
    expect(accepted, JSON.stringify(tally(results))).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 201)) {
      expect(r.status).toBe(409);
      expect(['APPLICATION_ALREADY_LIVE', 'REVISION_CONFLICT']).toContain(r.body.code);
    }
    expect(await srv.logSize()).toBe(before + 1);
    const submitted = ofType(await log(), 'ApplicationSubmitted').filter((e) => e.data.noticeId === f.noticeId);
    expect(submitted).toHaveLength(1);
    expect(submitted[0]!.stream).toBe(`application-${applicationIdOf(f.noticeId, E)}`);
    expect(submitted[0]!.position).toBe(accepted[0]!.body.position);
  });
});

describe('the offered area', () => {
  it('parallel submissions asking for more than the offer are all accepted, but no allocation exceeds the offer', async () => {
    const OFFER = 1000;
    // Areas from a fixed pseudo-random walk: 14 requests of 120…560 ㎡, about 4.7 times the offer.
    const areas = Array.from({ length: 14 }, (_, i) => 120 + ((i * 7919) % 23) * 20);
    const total = areas.reduce((t, a) => t + a, 0);
    expect(total).toBeGreaterThan(3 * OFFER);
    for (const method of ['first_come', 'lottery', 'ranking'] as const) {
      // A lottery needs the seed committed when the notice is published.
      const f = await api.flow({ applicants: [], until: 'open', area: OFFER, ...(method === 'lottery' ? { seed: 'parallel' } : {}) });
      const who = areas.map(() => fresh());
      const results = await Promise.all(who.map((e, i) => api.submit(f.noticeId, e, areas[i]!)));
      expect(results.map((r) => r.status)).toEqual(areas.map(() => 201));
      const positions = results.map((r) => r.body.position as number);
      expect(new Set(positions).size).toBe(positions.length);
      // Parallel reviews of different applications of one notice: all recorded.
      const ids = who.map((e) => applicationIdOf(f.noticeId, e));
      const reviews = await Promise.all(ids.map((id, i) => api.request('nanshan', 'POST', `/api/applications/${enc(id)}/review`, { qualified: true, reasons: [], score: (i * 37) % 11 })));
      expect(reviews.map((r) => r.status)).toEqual(ids.map(() => 200));
      clock.to(Date.parse(f.closesAt) + MINUTE);
      const { endsAt } = await api.startPublicity(f.noticeId);
      clock.to(Date.parse(endsAt) + MINUTE);
      const alloc = await api.ok('nanshan', 'POST', `/api/notices/${f.noticeId}/allocation`, { method, ...(method === 'lottery' ? { seed: 'parallel' } : {}) });
      const allocations = alloc.allocations as { applicationId: string; area: number }[];
      const given = allocations.reduce((t, a) => t + a.area, 0);
      expect(given, method).toBeLessThanOrEqual(OFFER);
      expect(given, method).toBeGreaterThan(0);
      expect(new Set(allocations.map((a) => a.applicationId)).size).toBe(allocations.length);
      // Whole requests only: each allocation is exactly what was asked.
      for (const a of allocations) expect(a.area).toBe(areas[ids.indexOf(a.applicationId)]);
      const decided = ofType(await log(), 'AllocationDecided', `notice-${f.noticeId}`);
      expect(decided).toHaveLength(1);
      expect(decided[0]!.data.allocatedArea).toBe(given);
      expect((decided[0]!.data.inputs as unknown[]).length).toBe(areas.length);
    }
  });
});

describe('one-shot notice commands', () => {
  it('10 parallel allocation requests: exactly one AllocationDecided', async () => {
    // Each request is valid on its own (the committed seed, revealed ten times); only one may decide.
    const f = await api.flow({ applicants: [{ who: fresh(), area: 400 }, { who: fresh(), area: 500 }, { who: fresh(), area: 300 }], until: 'publicityOver', seed: 'parallel-seed' });
    const before = await srv.logSize();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => api.request('nanshan', 'POST', `/api/notices/${f.noticeId}/allocation`, { method: 'lottery', seed: 'parallel-seed' })),
    );
    const ok = results.filter((r) => r.status === 200);
    expect(ok, JSON.stringify(tally(results))).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) expectProblem(r, 422, 'ALLOCATION_ALREADY_DECIDED');
    expect(await srv.logSize()).toBe(before + 1);
    const decided = ofType(await log(), 'AllocationDecided', `notice-${f.noticeId}`);
    expect(decided).toHaveLength(1);
    expect(ok[0]!.body.allocations).toEqual(decided[0]!.data.allocations);
  });

  it('parallel publicity starts: one QualificationPublicityStarted (and one NoticeClosed)', async () => {
    const f = await api.flow({ applicants: [{ who: fresh(), area: 400 }, { who: fresh(), area: 500 }], until: 'closed' });
    const results = await Promise.all(Array.from({ length: 10 }, () => api.request('nanshan', 'POST', `/api/notices/${f.noticeId}/publicity`)));
    expect(results.filter((r) => r.status === 200), JSON.stringify(tally(results))).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) expectProblem(r, 422, 'PUBLICITY_ALREADY_STARTED');
    const events = (await log()).filter((e) => e.stream === `notice-${f.noticeId}`);
    expect(events.map((e) => e.type)).toEqual(['NoticePublished', 'NoticeClosed', 'QualificationPublicityStarted']);
  });

  it('parallel results, cancellations, contracts and exchange reviews: one event each', async () => {
    const tenant = fresh();
    const f = await api.flow({ applicants: [{ who: tenant, area: 400 }], until: 'allocated' });
    const results = await Promise.all(Array.from({ length: 8 }, () => api.request('nanshan', 'POST', `/api/notices/${f.noticeId}/results`)));
    expect(tally(results)).toEqual({ 200: 1, '422 RESULT_ALREADY_PUBLISHED': 7 });
    const appPath = `/api/applications/${enc(f.apps[0]!)}`;
    const contracts = await Promise.all(Array.from({ length: 8 }, (_, i) => api.request('nanshan', 'POST', `${appPath}/contract`, { area: 400, contractRef: `C-${i}`, signedOn: clock.iso, ...leaseFrom(clock.iso) })));
    expect(tally(contracts)).toEqual({ 200: 1, '422 CONTRACT_ALREADY_RECORDED': 7 });
    const x = await api.ok(tenant, 'POST', '/api/exchanges', { wanted: { area: 200 }, reason: '缩减面积' }, 201);
    const reviews = await Promise.all(Array.from({ length: 8 }, (_, i) => api.request(i % 2 ? 'nanshan' : 'cityDept', 'POST', `/api/exchanges/${x.id}/review`, { approved: i % 3 === 0, reason: `意见${i}` })));
    expect(tally(reviews)).toEqual({ 200: 1, '422 EXCHANGE_ALREADY_REVIEWED': 7 });

    const other = await api.flow({ applicants: [{ who: fresh(), area: 100 }], until: 'submitted' });
    const cancels = await Promise.all(Array.from({ length: 8 }, (_, i) => api.request('nanshan', 'POST', `/api/notices/${other.noticeId}/cancel`, { reason: `取消${i}` })));
    expect(tally(cancels)).toEqual({ 200: 1, '422 NOTICE_CANCELLED': 7 });

    const events = await log();
    expect(ofType(events, 'ResultPublished', `notice-${f.noticeId}`)).toHaveLength(1);
    expect(ofType(events, 'LeaseSigned', `application-${f.apps[0]}`)).toHaveLength(1);
    expect(ofType(events, 'ExchangeReviewed', `exchange-${x.id}`)).toHaveLength(1);
    expect(ofType(events, 'NoticeCancelled', `notice-${other.noticeId}`)).toHaveLength(1);
  });
});

describe('a submission racing a cancellation', () => {
  it('lands before the cancellation or is refused: no application is accepted after NoticeCancelled', async () => {
    let acceptedSeen = 0;
    let refusedSeen = 0;
    for (let trial = 0; trial < 40 && (trial < 8 || acceptedSeen === 0 || refusedSeen === 0); trial++) {
      const f = await api.flow({ applicants: [], until: 'open' });
      const who = Array.from({ length: 8 }, () => fresh());
      const at = trial % (who.length + 1); // where the cancellation is sent among the submissions
      const sends: (() => Promise<Res>)[] = who.map((e) => () => api.submit(f.noticeId, e, 100));
      sends.splice(at, 0, () => api.request('nanshan', 'POST', `/api/notices/${f.noticeId}/cancel`, { reason: '项目调整，通告撤回' }));
      const results = await Promise.all(sends.map((send) => send())); // sent in this order, all at once
      const cancelled = results[at]!;
      expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
      const submissions = results.filter((r) => r !== cancelled);

      const events = await log();
      const cancelEvent = ofType(events, 'NoticeCancelled', `notice-${f.noticeId}`);
      expect(cancelEvent).toHaveLength(1);
      const P = cancelEvent[0]!.position;
      const submitted = ofType(events, 'ApplicationSubmitted').filter((e) => e.data.noticeId === f.noticeId);
      for (const e of submitted) expect(e.position, `${e.stream} submitted after the cancellation`).toBeLessThan(P);
      for (const r of submissions) {
        if (r.status === 201) {
          expect(r.body.position).toBeLessThan(P);
          acceptedSeen++;
        } else {
          expectProblem(r, 422, 'NOTICE_NOT_OPEN');
          refusedSeen++;
        }
      }
      expect(submitted).toHaveLength(submissions.filter((r) => r.status === 201).length);
      // And the read model agrees: no live application appeared after the cancellation.
      const listed = await api.read('nanshan', `/api/applications?noticeId=${f.noticeId}&pageSize=100`);
      expect(listed.body.total).toBe(submitted.length);
    }
    // Both sides of the race were exercised.
    expect(acceptedSeen).toBeGreaterThan(0);
    expect(refusedSeen).toBeGreaterThan(0);
  });
});

describe('the publicity list under racing withdrawals and reviews', () => {
  it('lists only live, reviewed applications, whatever lands first', async () => {
    for (let trial = 0; trial < 6; trial++) {
      const [A, B, C] = [fresh(), fresh(), fresh()];
      const f = await api.flow({ applicants: [{ who: A, area: 100 }, { who: B, area: 100 }, { who: C, area: 100 }], until: 'submitted' });
      await api.review(f.apps[0]!, true);
      clock.to(Date.parse(f.closesAt) + MINUTE);
      // B withdraws and C is reviewed while the publicity is being started; the order they are sent in rotates.
      const sends: Record<string, () => Promise<Res>> = {
        withdraw: () => api.request(B, 'POST', `/api/applications/${enc(f.apps[1]!)}/withdraw`),
        publicity: () => api.request('nanshan', 'POST', `/api/notices/${f.noticeId}/publicity`),
        review: () => api.request('nanshan', 'POST', `/api/applications/${enc(f.apps[2]!)}/review`, { qualified: trial % 2 === 0, reasons: ['研发投入不足'] }),
      };
      const names = Object.keys(sends);
      const order = names.map((_, i) => names[(i + trial) % names.length]!);
      const answers = await Promise.all(order.map((n) => sends[n]!()));
      const [withdraw, publicity, review] = names.map((n) => answers[order.indexOf(n)]);
      expect(withdraw!.status).toBe(200);
      expect(review!.status).toBe(200);
      const events = await log();
      const started = ofType(events, 'QualificationPublicityStarted', `notice-${f.noticeId}`);
      if (publicity!.status === 200) {
        expect(started).toHaveLength(1);
        const P = started[0]!.position;
        const listed = (started[0]!.data.list as { applicationId: string }[]).map((e) => e.applicationId);
        // Every live application was reviewed before P, and a withdrawn one is not listed.
        for (const id of f.apps) {
          const stream = events.filter((e) => e.stream === `application-${id}` && e.position < P);
          const last = stream[stream.length - 1]!;
          if (last.type === 'ApplicationWithdrawn') expect(listed).not.toContain(id);
          else {
            expect(last.type, `${id} unreviewed at the publicity`).toBe('QualificationReviewed');
            expect(listed).toContain(id);
          }
        }
      } else {
        expectProblem(publicity!, 422, 'APPLICATIONS_NOT_REVIEWED');
        expect(started).toHaveLength(0);
      }
    }
  });

  it('a new review racing the allocation: the allocation never uses the reversed decision', async () => {
    for (let trial = 0; trial < 4; trial++) {
      const [A, B] = [fresh(), fresh()];
      const f = await api.flow({ applicants: [{ who: A, area: 300 }, { who: B, area: 300 }], until: 'publicity' });
      await api.ok(B, 'POST', `/api/notices/${f.noticeId}/objections`, { applicationId: f.apps[0], content: '申报不实' }, 201);
      const [objectionId] = await api.objectionsOf(f.apps[0]!);
      await api.ok('cityDept', 'POST', `/api/objections/${objectionId}/resolve`, { upheld: true, reason: '属实' });
      clock.to(Date.parse(f.publicity!.endsAt) + MINUTE);
      const [review, allocation] = await Promise.all([
        api.request('nanshan', 'POST', `/api/applications/${enc(f.apps[0]!)}/review`, { qualified: false, reasons: ['申报不实'] }),
        api.request('nanshan', 'POST', `/api/notices/${f.noticeId}/allocation`, { method: 'first_come' }),
      ]);
      expect(review.status).toBe(200);
      if (allocation.status !== 200) expectProblem(allocation, 422, 'REVIEW_PENDING');
      else expect((allocation.body.allocations as { applicationId: string }[]).map((a) => a.applicationId)).toEqual([f.apps[1]]);
      const decided = ofType(await log(), 'AllocationDecided', `notice-${f.noticeId}`);
      for (const d of decided) expect((d.data.inputs as { applicationId: string }[]).map((i) => i.applicationId)).toEqual([f.apps[1]]);
      clock.advance(DAY);
    }
  });
});

/** A stream folded through its decider up to (not including) `position`. */
function foldBefore<S>(decider: { initialState: S; evolve(s: S, e: never): S }, events: LoggedEvent[], stream: string, position: number): S {
  let state = decider.initialState;
  for (const e of events) if (e.stream === stream && e.position < position) state = decider.evolve(state, { type: e.type, data: e.data } as never);
  return state;
}

describe('rules on facts from another stream, checked against the log afterwards', () => {
  it('an application ban racing submissions: no application of the barred enterprise is accepted after SanctionImposed', async () => {
    let accepted = 0;
    let barred = 0;
    for (let trial = 0; trial < 40 && (trial < 6 || accepted === 0 || barred === 0); trial++) {
      const notices = [];
      for (let k = 0; k < 4; k++) notices.push(await api.notice({ opensIn: MINUTE, openFor: DAY }));
      clock.advance(2 * MINUTE);
      const E = fresh();
      const violation = await api.ok('admin', 'POST', '/api/accountability/violations', { subject: { kind: 'enterprise', id: E.creditCode }, kind: 'false_material', description: '虚假材料', evidence: [await api.evidence()] }, 201);
      const at = trial % (notices.length + 1);
      const sends: (() => Promise<Res>)[] = notices.map((n) => () => api.submit(n.noticeId, E, 100));
      sends.splice(at, 0, () => api.request('admin', 'POST', '/api/accountability/sanctions', { caseId: violation.id, kind: 'application_ban', until: new Date(clock.ms + 30 * DAY).toISOString(), reason: '限制申请一个月' }));
      const results = await Promise.all(sends.map((send) => send()));
      const sanction = results[at]!;
      expect(sanction.status, JSON.stringify(sanction.body)).toBe(200);
      for (const r of results.filter((x) => x !== sanction)) {
        if (r.status === 201) {
          expect(r.body.position, 'an application accepted after the ban was recorded').toBeLessThan(sanction.body.position);
          accepted++;
        } else {
          expectProblem(r, 422, 'ENTERPRISE_BARRED');
          barred++;
        }
      }
      const events = await log();
      const imposed = ofType(events, 'SanctionImposed', `accountability-${violation.id}`)[0]!;
      for (const e of ofType(events, 'ApplicationSubmitted').filter((x) => x.data.creditCode === E.creditCode)) expect(e.position).toBeLessThan(imposed.position);
    }
    expect(accepted).toBeGreaterThan(0);
    expect(barred).toBeGreaterThan(0);
  });

  it('an amendment racing submissions at the opening instant: every accepted application fits the notice as it stood when it was recorded', async () => {
    let amended = 0;
    let accepted = 0;
    for (let trial = 0; trial < 24; trial++) {
      const n = await api.notice({ opensIn: HOUR, openFor: HOUR, area: 1000 });
      // Just before the opening, with time moving on at every reading of the clock.
      clock.to(Date.parse(n.opensAt) - (2 + (trial % 8)));
      clock.tick = 1;
      const sends: (() => Promise<Res>)[] = Array.from({ length: 6 }, () => fresh()).map((e) => () => api.submit(n.noticeId, e, 800));
      sends.splice(trial % 7, 0, () => api.request('nanshan', 'POST', `/api/notices/${n.noticeId}/amend`, { area: 500, opensAt: new Date(Date.parse(n.opensAt) + 10 * MINUTE).toISOString(), reason: '面积调减，开放时间顺延' }));
      const results = await Promise.all(sends.map((send) => send()));
      clock.tick = 0;
      clock.advance(3 * HOUR);
      amended += results.filter((r) => r.status === 200).length;
      accepted += results.filter((r) => r.status === 201).length;
      const events = await log();
      for (const e of ofType(events, 'ApplicationSubmitted').filter((x) => x.data.noticeId === n.noticeId)) {
        const notice = foldBefore<NoticeState>(noticeDecider, events, `notice-${n.noticeId}`, e.position);
        if (notice.status === 'none') throw new Error('no notice');
        const at = (e as unknown as { occurredAt: string }).occurredAt;
        expect(e.data.requestedArea as number, `${e.stream} asks for more than the notice offered when it was recorded`).toBeLessThanOrEqual(notice.terms.area);
        expect(Date.parse(at), `${e.stream} recorded before the window (as it then stood) opened`).toBeGreaterThanOrEqual(Date.parse(notice.terms.opensAt));
      }
    }
    expect(amended + accepted).toBeGreaterThan(0);
  });

  it('a project change racing notice publication: every notice fits the project as it stood when it was recorded', async () => {
    let published = 0;
    for (let trial = 0; trial < 24; trial++) {
      const projectId = await api.publishedProject('nanshan', { totalArea: 5000 });
      const body = { projectId, supplyMode: 'rent', area: 4000, price: 50, eligibility: '创新型企业', opensAt: new Date(clock.ms + DAY).toISOString(), closesAt: new Date(clock.ms + 2 * DAY).toISOString() };
      const change: () => Promise<Res> =
        trial % 2 === 0
          ? () => api.request('nanshan', 'POST', `/api/projects/${projectId}/withdraw`, { reason: '退出平台' })
          : () => api.request('nanshan', 'PATCH', `/api/projects/${projectId}`, { availableArea: 1000, reason: '部分已租出' });
      const sends: (() => Promise<Res>)[] = [() => api.request('nanshan', 'POST', '/api/notices', body), () => api.request('nanshan', 'POST', '/api/notices', body)];
      sends.splice(trial % 3, 0, change);
      const results = await Promise.all(sends.map((send) => send()));
      // The change is refused if a notice got in first: a project with space on offer is not withdrawn, and
      // its market area cannot drop below what is offered (ledger.ts).
      const changed = results[trial % 3]!;
      if (changed.status !== 200) {
        expect(changed.status).toBe(422);
        expect(trial % 2 === 0 ? 'PROJECT_HAS_PROCEDURES_UNDER_WAY' : 'AREA_COMMITTED').toBe(changed.body.code);
        expect(results.filter((r) => r.status === 201 || r.status === 200).length, "a notice came first").toBe(1);
      }
      // Refused because the project left, or because it no longer has the space (the two notices together
      // ask 8,000 ㎡ of 5,000, so at most one of them can be recorded in any order).
      const refusals = trial % 2 === 0 ? ['PROJECT_NOT_PUBLISHED', 'AREA_EXCEEDS_AVAILABLE'] : ['AREA_EXCEEDS_AVAILABLE'];
      for (const r of results) {
        if (r.status === 200 || r.status === 201 || r === changed) continue;
        expect(r.status).toBe(422);
        expect(refusals).toContain(r.body.code);
      }
      const events = await log();
      let offered = 0;
      for (const e of ofType(events, 'NoticePublished').filter((x) => x.data.projectId === projectId)) {
        published++;
        offered += e.data.area as number;
        const project = projectSnapshot(foldBefore<ProjectState>(projectDecider, events, `project-${projectId}`, e.position))!;
        expect(project.status, 'a notice recorded on a project that was no longer published').toBe('published');
        expect(offered, 'notices recorded offering more than the project then had').toBeLessThanOrEqual(project.availableArea ?? project.totalArea);
      }
    }
    expect(published).toBeGreaterThan(0);
  });
});

describe('at most one open exchange request per lease', () => {
  it('12 parallel exchange requests by one tenant: exactly one ExchangeRequested, the others EXCHANGE_ALREADY_OPEN; another after the review', async () => {
    const tenant = fresh();
    const f = await api.flow({ applicants: [{ who: tenant, area: 400 }], until: 'leased' });
    const before = await srv.logSize();
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => api.request(tenant, 'POST', '/api/exchanges', { wanted: { projectId: f.projectId, area: 200 + i }, reason: `调整面积${i}` })));
    expect(tally(results)).toEqual({ 201: 1, '422 EXCHANGE_ALREADY_OPEN': 11 });
    for (const r of results.filter((x) => x.status === 422)) expectProblem(r, 422, 'EXCHANGE_ALREADY_OPEN');
    expect(await srv.logSize()).toBe(before + 1);
    const requested = ofType(await log(), 'ExchangeRequested').filter((e) => e.data.creditCode === tenant.creditCode);
    expect(requested).toHaveLength(1);
    // Once that one is reviewed, parallel requests again give exactly one more.
    const first = results.find((r) => r.status === 201)!.body.id as string;
    await api.ok('nanshan', 'POST', `/api/exchanges/${first}/review`, { approved: false, reason: '暂无可换单元' });
    const again = await Promise.all(Array.from({ length: 6 }, () => api.request(tenant, 'POST', '/api/exchanges', { wanted: { area: 300 }, reason: '再次申请' })));
    expect(tally(again)).toEqual({ 201: 1, '422 EXCHANGE_ALREADY_OPEN': 5 });
    expect(ofType(await log(), 'ExchangeRequested').filter((e) => e.data.creditCode === tenant.creditCode)).toHaveLength(2);
  });
});
