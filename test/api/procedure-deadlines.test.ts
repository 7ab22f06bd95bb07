// Review, 补正 and objection deadlines over real HTTP, on the injected clock: the queues of GET /api/deadlines
// (due and overdue, per district, officer and kind), the lapse of a 补正 not made in time (fired by the
// scheduler exactly once, even by two ticks at once), the refusals after it, and the officers' duties that
// the scheduler never fires.
import { describe, expect, it } from 'vitest';
import { tick } from '../../src/application/scheduler.js';
import { addWorkingDays, DEFAULT_CALENDAR } from '../../src/domain/calendar.js';
import { applicationStream } from '../../src/domain/application.js';
import { type Enterprise, MINUTE, enterprise, expectProblem, sha, useProcedureServer, type Who } from './procedure-kit.js';

// Monday 2026-03-02, 09:00 CST: no holiday in the weeks the tests run through.
const { srv, api, clock } = useProcedureServer('2026-03-02T01:00:00.000Z');
const enc = encodeURIComponent;
let next = 3000;
const fresh = (): Enterprise => enterprise(next++);
const app = (id: string) => `/api/applications/${enc(id)}`;

interface Deadline {
  id: string;
  kind: string;
  status: string;
  dueAt: string;
  overdue: boolean;
  district?: string;
  officer?: string;
  noticeId?: string;
  applicationId?: string;
}
/** The open deadlines `who` sees with `query`, of one notice. */
async function queue(who: Who, noticeId: string, query = ''): Promise<Deadline[]> {
  const res = await api.read(who, `/api/deadlines?pageSize=100${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body.items as Deadline[]).filter((d) => d.noticeId === noticeId);
}

async function refused(code: string, who: Who, method: string, path: string, body?: unknown): Promise<void> {
  const before = await srv.logSize();
  expectProblem(await api.request(who, method, path, body), 422, code);
  expect(await srv.logSize(), `${code}: the log grew`).toBe(before);
}

const material = { documents: [{ name: '2025年度审计报告.pdf', sha256: sha('e') }] };

describe('补正 (correction) and review deadlines', () => {
  it('lists them per district, officer and kind; a 补正 not made in time lapses, once, by the scheduler', async () => {
    const [A, B, C, D] = [fresh(), fresh(), fresh(), fresh()];
    // The notice sets its own 补正 term (2 working days); the review term is the configured default (10).
    const n = await api.notice({ extra: { correctionWorkingDays: 2 } });
    clock.to(n.opensAt);
    const ids: string[] = [];
    for (const e of [A, B, C, D]) {
      const res = await api.submit(n.noticeId, e, 100);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      ids.push(res.body.id);
    }
    const [a, b, c, d] = ids as [string, string, string, string];

    // ---- every submission opens its review, due 10 working days after the window closes: the district's queue ----
    const reviewDue = addWorkingDays(n.closesAt, srv.services.deadlines.reviewWorkingDays, DEFAULT_CALENDAR);
    const reviews = await queue('nanshan', n.noticeId, '&kind=review');
    expect(reviews.map((x) => x.id).sort()).toEqual(ids.map((i) => `review:${i}`).sort());
    for (const r of reviews) expect(r).toMatchObject({ kind: 'review', status: 'open', dueAt: reviewDue, overdue: false, district: 'nanshan' });
    expect(reviews.every((r) => r.officer === undefined)).toBe(true);
    expect(await queue('futian', n.noticeId)).toEqual([]);
    expect(await queue('auditor', n.noticeId, '&district=nanshan')).toHaveLength(4);
    expectProblem(await api.request(A, 'GET', '/api/deadlines'), 403);
    expectProblem(await api.request('nanshan', 'GET', '/api/deadlines?kind=lapse'), 400);

    // ---- B, C and D are returned for material: 补正 due in 2 working days, the returning officer's; their reviews wait ----
    for (const id of [b, c, d]) await api.ok('nanshan', 'POST', `${app(id)}/return`, { missing: ['2025年度审计报告'] });
    const correctionDue = addWorkingDays(clock.iso, 2, DEFAULT_CALENDAR);
    // The enterprise sees by when its material is due on its application.
    expect((await api.read(B, app(b))).body.returned).toMatchObject({ missing: ['2025年度审计报告'], dueAt: correctionDue });
    const mine = await queue('nanshan', n.noticeId, '&officer=officer-ns');
    expect(mine.map((x) => x.id).sort()).toEqual([b, c, d].map((i) => `correction:${i}`).sort());
    for (const x of mine) expect(x).toMatchObject({ kind: 'correction', dueAt: correctionDue, overdue: false, officer: 'officer-ns' });
    expect((await queue('nanshan', n.noticeId, '&kind=review')).map((x) => x.id)).toEqual([`review:${a}`]);
    expect((await queue('nanshan', n.noticeId, '&kind=review&officer=officer-ns')).map((x) => x.id)).toEqual([]);

    // C supplies the material in time: its 补正 closes and its review opens again, the returning officer's.
    await api.ok(C, 'POST', `${app(c)}/resubmit`, material);
    expect((await queue('nanshan', n.noticeId, '&kind=review&officer=officer-ns')).map((x) => [x.id, x.dueAt])).toEqual([[`review:${c}`, reviewDue]]);
    await api.review(a, true);
    await refused('APPLICATION_AWAITING_MATERIAL', 'nanshan', 'POST', `${app(b)}/review`, { qualified: true, reasons: [] });
    expect(await tick(srv.services)).toEqual({ fired: [], settled: [] }); // nothing is due yet

    // ---- the 补正 deadline passes: overdue in the queue; B can no longer supply it, nor be reviewed as it stands ----
    clock.to(Date.parse(correctionDue) + MINUTE);
    expect((await queue('nanshan', n.noticeId, '&overdue=true')).map((x) => x.id).sort()).toEqual([`correction:${b}`, `correction:${d}`].sort());
    await refused('CORRECTION_DEADLINE_PASSED', B, 'POST', `${app(b)}/resubmit`, material);
    await refused('CORRECTION_DEADLINE_PASSED', 'nanshan', 'POST', `${app(b)}/review`, { qualified: false, reasons: ['未按期补正'] });

    // ---- the scheduler lapses B and D: two ticks at once (two instances) fire each once ----
    const [t1, t2] = await Promise.all([tick(srv.services), tick(srv.services)]);
    expect([...t1.fired, ...t2.fired].sort()).toEqual([`correction:${b}`, `correction:${d}`].sort());
    expect([...t1.settled, ...t2.settled].every((s) => s.code === 'APPLICATION_LAPSED')).toBe(true);
    expect(await tick(srv.services)).toEqual({ fired: [], settled: [] });
    for (const id of [b, d]) {
      const lapses = (await api.stream(applicationStream(id))).filter((e) => e.type === 'ApplicationLapsed');
      expect(lapses).toHaveLength(1);
      expect(lapses[0]!.data).toMatchObject({ applicationId: id, noticeId: n.noticeId, correctionDueAt: correctionDue, missing: ['2025年度审计报告'] });
      expect(lapses[0]!.metadata.actor).toMatchObject({ id: 'system:scheduler' });
    }
    expect(await queue('nanshan', n.noticeId, '&kind=correction')).toEqual([]);

    // ---- lapsed: out of the procedure, every further step refused; shown as such ----
    await refused('APPLICATION_LAPSED', B, 'POST', `${app(b)}/resubmit`, material);
    await refused('APPLICATION_LAPSED', B, 'POST', `${app(b)}/withdraw`, { reason: '撤回' });
    await refused('APPLICATION_LAPSED', 'nanshan', 'POST', `${app(b)}/review`, { qualified: true, reasons: [] });
    await refused('APPLICATION_LAPSED', 'nanshan', 'POST', `${app(b)}/return`, { missing: ['其他'] });
    expect((await api.read(B, app(b))).body).toMatchObject({ status: 'lapsed', lapsedAt: clock.iso });
    const listed = await api.read('nanshan', `/api/applications?noticeId=${n.noticeId}&status=lapsed`);
    expect(listed.body.items.map((x: { id: string }) => x.id).sort()).toEqual([b, d].sort());

    // ---- the publicity lists the live applications only: the lapsed ones are left off ----
    await api.review(c, true);
    expect(await queue('nanshan', n.noticeId)).toEqual([]);
    await api.startPublicity(n.noticeId);
    const shown = await api.read(null, `/api/notices/${n.noticeId}`);
    expect(shown.body.publicity.list.map((x: { applicationId: string }) => x.applicationId).sort()).toEqual([a, c].sort());
  });
});

describe('objection handling (异议处理) and the review after an upheld objection', () => {
  it('are officers’ duties: overdue in the queue, never fired; a cancelled notice’s leave the queue', async () => {
    const [A, B, F] = [fresh(), fresh(), fresh()];
    const f = await api.flow({ applicants: [{ who: A, area: 100 }, { who: B, area: 100 }], until: 'publicity' });
    const [, b] = f.apps as [string, string];
    const filed = await api.ok(F, 'POST', `/api/notices/${f.noticeId}/objections`, { applicationId: b, content: '该企业申报的研发人员与社保记录不符' }, 201);
    const objectionId = String(filed.objectionId);
    const due = addWorkingDays(clock.iso, srv.services.deadlines.objectionWorkingDays, DEFAULT_CALENDAR);
    expect(await queue('nanshan', f.noticeId)).toEqual([
      expect.objectContaining({ id: `objection:${objectionId}`, kind: 'objection', dueAt: due, overdue: false, district: 'nanshan', applicationId: b }),
    ]);

    // Past its deadline it is overdue; the scheduler leaves it to the officers.
    clock.to(Date.parse(due) + MINUTE);
    expect((await queue('nanshan', f.noticeId, '&overdue=true&kind=objection')).map((x) => x.id)).toEqual([`objection:${objectionId}`]);
    expect(await tick(srv.services)).toEqual({ fired: [], settled: [] });
    expect((await queue('nanshan', f.noticeId, '&overdue=true')).map((x) => x.id)).toEqual([`objection:${objectionId}`]);

    // Upheld by an officer who did not review it: the objection closes, the new review is due 10 working days on, that officer's.
    await api.ok('cityDept', 'POST', `/api/objections/${objectionId}/resolve`, { upheld: true, reason: '经核查社保记录，异议成立，重新审查' });
    const reviewDue = addWorkingDays(clock.iso, srv.services.deadlines.reviewWorkingDays, DEFAULT_CALENDAR);
    expect(await queue('nanshan', f.noticeId)).toEqual([expect.objectContaining({ id: `review:${b}`, kind: 'review', dueAt: reviewDue, overdue: false, officer: 'officer-city' })]);
    expect((await queue('nanshan', f.noticeId, '&officer=officer-city')).map((x) => x.id)).toEqual([`review:${b}`]);

    // The notice is cancelled: its officers' duties end with it.
    await api.ok('nanshan', 'POST', `/api/notices/${f.noticeId}/cancel`, { reason: '项目规划调整，本批次取消' });
    expect(await queue('nanshan', f.noticeId)).toEqual([]);
  });
});
