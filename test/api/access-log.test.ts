// 第六章: staff reads of non-public records are recorded (batched) and auditors can ask who read what.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, startServer } from './harness.js';
import { Api, Clock, E_HARNESS, applicationIdOf } from './procedure-kit.js';

const clock = new Clock('2027-03-01T02:00:00.000Z');
let srv: TestServer;
let api: Api;
let applicationId = '';
let projectId = '';

beforeAll(async () => {
  srv = await startServer({ clock: clock.read, accessLogFlushMs: 60_000 });
  api = new Api(srv, clock);
  const f = await api.flow({ applicants: [{ who: E_HARNESS, area: 300 }], until: 'submitted' });
  applicationId = applicationIdOf(f.noticeId, E_HARNESS);
  projectId = f.projectId;
});
afterAll(async () => {
  await srv?.close();
});

describe('the access log', () => {
  it("records an officer opening an application (with the reason given), not the enterprise reading its own", async () => {
    const enc = encodeURIComponent(applicationId);
    const own = await srv.request('GET', `/api/applications/${enc}`, { token: 'enterprise' });
    expect(own.status).toBe(200);
    const seen = await srv.request('GET', `/api/applications/${enc}`, { token: 'nanshan', headers: { 'x-access-reason': encodeURIComponent('核查申报材料'), 'x-request-id': 'req-open-1' } });
    expect(seen.status).toBe(200);
    const listed = await srv.request('GET', '/api/applications', { token: 'cityDept' });
    expect(listed.status).toBe(200);
    const before = await srv.logSize();

    const res = await srv.request('GET', `/api/audit/access?record=${enc}`, { token: 'auditor' });
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(2);
    expect(res.body.items[0]).toMatchObject({ actorId: 'officer-city', what: 'applications', records: [applicationId] });
    expect(res.body.items[1]).toMatchObject({ actorId: 'officer-ns', role: 'housing_dept', district: 'nanshan', what: 'application', records: [applicationId], reason: '核查申报材料', requestId: 'req-open-1', at: expect.stringMatching(/^2027-03-/) });
    const byOfficer = await srv.request('GET', '/api/audit/access?actor=officer-ns', { token: 'admin' });
    expect(byOfficer.body.total).toBe(1);
    expect(await srv.logSize()).toBe(before); // reads append nothing to the official record
  });

  it('records an auditor reading sanctions', async () => {
    const [evidence] = await srv.services.events.readAll(0, 1);
    const recorded = await srv.request('POST', '/api/accountability/violations', { token: 'admin', body: { subject: { kind: 'enterprise', id: E_HARNESS.creditCode }, kind: 'false_material', description: '虚假材料', evidence: [evidence!.id] } });
    expect(recorded.status).toBe(201);
    const list = await srv.request('GET', `/api/accountability?consistentWith=${await srv.logSize()}`, { token: 'auditor' });
    expect(list.body.total).toBe(1);
    const res = await srv.request('GET', '/api/audit/access?what=sanctions', { token: 'admin' });
    expect(res.body.items).toEqual([expect.objectContaining({ actorId: 'auditor-1', role: 'auditor', records: [list.body.items[0].id] })]);
  });

  it("records a raw read of an application's or a case's stream as the read model's read is recorded, not of a project's", async () => {
    const raw = (stream: string, token: 'admin' | 'auditor', reason?: string) =>
      srv.request('GET', `/api/streams/${encodeURIComponent(stream)}/events`, { token, headers: reason ? { 'x-access-reason': encodeURIComponent(reason), 'x-request-id': `req-${token}` } : {} });
    const before = await srv.request('GET', '/api/audit/access', { token: 'auditor' });

    const app = await raw(`application-${applicationId}`, 'admin', '调阅申报材料原始事件');
    expect(app.status).toBe(200);
    expect(app.body.items.length).toBeGreaterThan(0);
    const read = await srv.request('GET', `/api/audit/access?record=${encodeURIComponent(applicationId)}`, { token: 'auditor' });
    expect(read.body.items[0]).toMatchObject({ actorId: 'admin-1', role: 'city_admin', what: 'application', records: [applicationId], reason: '调阅申报材料原始事件', requestId: 'req-admin' });

    const [caseId] = (await srv.request('GET', '/api/audit/access?what=sanctions', { token: 'admin' })).body.items[0].records as string[];
    expect((await raw(`accountability-${caseId}`, 'auditor', '复核处理依据')).status).toBe(200);
    const ofCase = await srv.request('GET', `/api/audit/access?record=${encodeURIComponent(caseId!)}`, { token: 'admin' });
    expect(ofCase.body.items[0]).toMatchObject({ actorId: 'auditor-1', role: 'auditor', what: 'sanctions', records: [caseId], reason: '复核处理依据' });

    // Public records' streams, and streams with nothing to show, add nothing.
    const project = await raw(`project-${projectId}`, 'auditor', '查看项目');
    expect(project.body.items.length).toBeGreaterThan(0);
    expect((await raw('application-unknown', 'admin')).body.total).toBe(0);
    const after = await srv.request('GET', '/api/audit/access', { token: 'auditor' });
    expect(after.body.total).toBe(before.body.total + 2);
    expect((await srv.request('GET', '/api/audit/access?record=unknown', { token: 'auditor' })).body.total).toBe(0);
  });

  it("records an audit timeline or page that quotes an application's entries (their why), not a project's", async () => {
    const count = async () => (await srv.request('GET', `/api/audit/access?record=${encodeURIComponent(applicationId)}`, { token: 'auditor' })).body.total as number;
    const before = await count();
    const timeline = await srv.request('GET', `/api/audit/records/${encodeURIComponent(`application-${applicationId}`)}`, { token: 'admin', headers: { 'x-request-id': 'req-timeline' } });
    expect(timeline.body.total).toBeGreaterThan(0);
    const page = await srv.request('GET', `/api/audit?stream=${encodeURIComponent(`application-${applicationId}`)}`, { token: 'auditor' });
    expect(page.body.total).toBeGreaterThan(0);
    expect(await count()).toBe(before + 2);
    const entries = (await srv.request('GET', `/api/audit/access?record=${encodeURIComponent(applicationId)}`, { token: 'auditor' })).body.items;
    expect(entries.slice(0, 2).map((e: { actorId: string; what: string }) => [e.actorId, e.what])).toEqual([['auditor-1', 'application'], ['admin-1', 'application']]);
    const all = async () => (await srv.request('GET', '/api/audit/access', { token: 'auditor' })).body.total as number;
    const beforeProject = await all();
    expect((await srv.request('GET', `/api/audit/records/project-${projectId}`, { token: 'admin' })).body.total).toBeGreaterThan(0);
    expect(await all()).toBe(beforeProject);
  });

  it('is for auditors and city_admin only', async () => {
    for (const token of ['enterprise', 'nanshan'] as const) {
      const res = await srv.request('GET', '/api/audit/access', { token });
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect((await srv.request('GET', '/api/audit/access')).status).toBe(401);
    expect((await srv.request('GET', '/api/audit/access?what=everything', { token: 'auditor' })).status).toBe(400);
  });
});
