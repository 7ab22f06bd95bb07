// GET /api/accountability: the cases auditors review, with each cited event looked up in the log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, sampleProject, startServer } from './harness.js';

let srv: TestServer;
let caseId = '';
let realEvent = '';

beforeAll(async () => {
  srv = await startServer({ clock: () => new Date('2027-03-01T02:00:00.000Z') });
  const reg = await srv.request('POST', '/api/projects', { token: 'nanshan', body: sampleProject });
  expect(reg.status).toBe(201);
  const events = await srv.request('GET', `/api/streams/project-${reg.body.id}/events`, { token: 'auditor' });
  realEvent = events.body.items[0].id;
  const c = await srv.request('POST', '/api/accountability/violations', {
    token: 'admin',
    body: { subject: { kind: 'enterprise', id: '91440300ma5dc0xx1a', name: '深圳市创新科技有限公司' }, kind: 'false_material', description: '申报材料虚假', evidence: [realEvent] },
  });
  expect(c.status).toBe(201);
  caseId = c.body.id;
  const ban = await srv.request('POST', '/api/accountability/sanctions', { token: 'admin', body: { caseId, kind: 'application_ban', until: '2029-03-01T00:00:00Z', reason: '三年内不得申请' } });
  expect(ban.status).toBe(200);
});
afterAll(async () => {
  await srv?.close();
});

describe('GET /api/accountability', () => {
  it('lists a case with its evidence looked up, its sanction and effect, and its appeals', async () => {
    const res = await srv.request('GET', `/api/accountability?consistentWith=${await srv.logSize()}`, { token: 'auditor' });
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(1);
    const item = res.body.items[0];
    expect(item).toMatchObject({ id: caseId, kind: 'false_material', kindName: '提供虚假材料', description: '申报材料虚假', sanctionCount: 1, appeals: [] });
    expect(item.evidence).toEqual([
      { id: realEvent, found: true, type: 'ProjectRegistered', stream: expect.stringMatching(/^project-/), recordedAt: '2027-03-01T02:00:00.000Z', actor: expect.objectContaining({ id: 'officer-ns', district: 'nanshan' }) },
    ]);
    expect(item.evidenceComplete).toBe(true); // evidence naming no recorded event is refused (accountability-sanctions.test.ts)
    expect(item.sanctions).toHaveLength(1);
    expect(item.sanctions[0]).toMatchObject({ kind: 'application_ban', until: '2029-03-01T00:00:00.000Z', reason: '三年内不得申请', effect: { active: true, description: '限制申请至 2029-03-01T00:00:00.000Z' } });
  });

  it('filters by subject and kind', async () => {
    const bySubject = await srv.request('GET', '/api/accountability?subjectKind=enterprise&subjectId=91440300MA5DC0XX1A', { token: 'admin' });
    expect(bySubject.body.total).toBe(1);
    const other = await srv.request('GET', '/api/accountability?kind=abuse_of_power', { token: 'admin' });
    expect(other.body).toMatchObject({ items: [], total: 0 });
    const bad = await srv.request('GET', '/api/accountability?kind=theft', { token: 'admin' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('querystring.kind');
  });

  it('is for auditors and city_admin only', async () => {
    for (const token of ['enterprise', 'nanshan', 'cityDept'] as const) {
      const res = await srv.request('GET', '/api/accountability', { token });
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect((await srv.request('GET', '/api/accountability')).status).toBe(401);
  });
});
