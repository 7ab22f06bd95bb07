// The official record over real HTTP: raw envelopes for auditors, tamper evidence, and the system endpoints.
import { beforeAll, describe, expect, it } from 'vitest';
import { cstDay } from '../../src/domain/time.js';
import { sampleProject, tokens, useServer } from './harness.js';

const dayBefore = (day: string) => new Date(Date.parse(`${day}T12:00:00+08:00`) - 86_400_000).toISOString().slice(0, 10);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const srv = useServer();
let id = '';
const answers: { revision: number; position: number }[] = [];

beforeAll(async () => {
  const reg = await srv.request('POST', '/api/projects', { token: 'nanshan', body: sampleProject, headers: { 'x-request-id': 'req-register-1', 'x-correlation-id': 'corr-listing-1' } });
  expect(reg.status).toBe(201);
  id = reg.body.id;
  answers.push(reg.body);
  const upd = await srv.request('PATCH', `/api/projects/${id}`, { token: 'admin', body: { totalArea: 13000, availableArea: 13000, reason: '测绘复核' } });
  expect(upd.status).toBe(200);
  answers.push(upd.body);
  const pub = await srv.request('POST', `/api/projects/${id}/publish`, { token: 'cityDept' });
  expect(pub.status).toBe(200);
  answers.push(pub.body);
});

describe('GET /api/streams/:stream/events', () => {
  it('gives an auditor every event of the stream, in order, with its envelope', async () => {
    const res = await srv.request('GET', `/api/streams/project-${id}/events`, { token: 'auditor' });
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(3);
    const items = res.body.items as Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(items.map((e) => e.type)).toEqual(['ProjectRegistered', 'ProjectUpdated', 'ProjectPublished']);
    items.forEach((e, i) => {
      expect(e.id).toMatch(UUID);
      expect(e.stream).toBe(`project-${id}`);
      expect(e.revision).toBe(i);
      expect(e.position).toBe(answers[i]!.position);
      expect(e.recordedAt).toMatch(ISO);
      // domain.md: for a live command occurredAt equals recordedAt (the store stamps both at append).
      expect(e.occurredAt).toBe(e.recordedAt);
      expect(e.metadata).toMatchObject({ correlationId: expect.any(String), requestId: expect.any(String), schemaVersion: 1 });
      expect(e.metadata.imported).toBeUndefined();
    });
    expect(new Set(items.map((e) => e.id)).size).toBe(3);
    // Each event names the actor of the token that sent it.
    expect(items[0]!.metadata.actor).toEqual({ id: 'officer-ns', role: 'housing_dept', district: 'nanshan', name: '南山区住房和建设局' });
    expect(items[1]!.metadata.actor).toEqual({ id: 'admin-1', role: 'city_admin', name: '市规划国土委' });
    expect(items[2]!.metadata.actor).toEqual({ id: 'officer-city', role: 'housing_dept', district: 'city', name: '市工业和信息化局' });
    // Request and correlation ids travel from the headers.
    expect(items[0]!.metadata.requestId).toBe('req-register-1');
    expect(items[0]!.metadata.correlationId).toBe('corr-listing-1');
    expect(items[1]!.metadata.correlationId).toBe(items[1]!.metadata.requestId);
    // The data is what the decider decided.
    expect(items[0]!.data).toMatchObject({ projectId: id, name: sampleProject.name, totalArea: 12000, availableArea: 12000, units: [] });
    expect(items[1]!.data).toEqual({
      projectId: id,
      changes: { totalArea: 13000, availableArea: 13000 },
      previous: { totalArea: 12000, availableArea: 12000 },
      reason: '测绘复核',
      published: false,
    });
    expect(items[2]!.data).toEqual({ projectId: id, district: 'nanshan', useType: 'rnd', supplyModes: ['rent'], totalArea: 13000, marketArea: 13000 });
  });

  it('pages by revision', async () => {
    const res = await srv.request('GET', `/api/streams/project-${id}/events?fromRevision=1&limit=1`, { token: 'admin' });
    expect(res.status).toBe(200);
    expect(res.body.items.map((e: { revision: number }) => e.revision)).toEqual([1]);
    expect(res.body.total).toBe(3);
  });

  it('an unknown stream has no events', async () => {
    const res = await srv.request('GET', '/api/streams/project-unknown/events', { token: 'auditor' });
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([]);
    expect(res.body.total).toBe(0);
  });

  it('the actor comes from the token: a body naming another actor is refused, and appends nothing', async () => {
    const before = await srv.logSize();
    for (const [method, path, body] of [
      ['POST', '/api/projects', { ...sampleProject, actor: { id: 'admin-1', role: 'city_admin' } }],
      ['POST', '/api/projects', { ...sampleProject, metadata: { actor: { id: 'admin-1', role: 'city_admin' } } }],
      ['PATCH', `/api/projects/${id}`, { summary: '冒名', reason: '冒名', actor: 'admin-1' }],
      ['POST', `/api/projects/${id}/withdraw`, { reason: '冒名', actor: { id: 'admin-1' } }],
    ] as const) {
      const res = await srv.request(method, path, { token: 'nanshan', body });
      expect(res.status).toBe(400);
      expect(res.body.errors.some((e: { message: string }) => /actor|metadata/.test(e.message))).toBe(true);
    }
    expect(await srv.logSize()).toBe(before);
    const events = await srv.request('GET', `/api/streams/project-${id}/events`, { token: 'auditor' });
    expect(events.body.total).toBe(3);
  });

  it('is for auditors and city_admin only', async () => {
    for (const token of ['enterprise', 'nanshan', 'cityDept'] as const) {
      const res = await srv.request('GET', `/api/streams/project-${id}/events`, { token });
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    const anonymous = await srv.request('GET', `/api/streams/project-${id}/events`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).not.toHaveProperty('items');
  });
});

describe('GET /api/audit', () => {
  it('answers who did what to which record, newest first, by actor, record, type and time', async () => {
    const byOfficer = await srv.request('GET', '/api/audit?actor=officer-ns', { token: 'auditor' });
    expect(byOfficer.status).toBe(200);
    expect(byOfficer.body.items.map((e: { type: string }) => e.type)).toEqual(['ProjectRegistered']);
    expect(byOfficer.body.items[0].actor).toEqual({ id: 'officer-ns', role: 'housing_dept', district: 'nanshan', name: '南山区住房和建设局' });
    expect(byOfficer.body.items[0]).toMatchObject({ stream: `project-${id}`, recordType: 'project', record: id, requestId: 'req-register-1', correlationId: 'corr-listing-1', imported: false });
    const onRecord = await srv.request('GET', `/api/audit?stream=project-${id}`, { token: 'admin' });
    expect(onRecord.body.items.map((e: { revision: number }) => e.revision)).toEqual([2, 1, 0]);
    expect(onRecord.body.total).toBe(3);
    const published = await srv.request('GET', `/api/audit?stream=project-${id}&type=ProjectPublished`, { token: 'auditor' });
    expect(published.body.items.map((e: { actor: { id: string } }) => e.actor.id)).toEqual(['officer-city']);
    const future = await srv.request('GET', '/api/audit?from=2999-01-01T00:00:00Z', { token: 'auditor' });
    expect(future.body).toMatchObject({ items: [], total: 0 });
    // A bare date is a day in China Standard Time: the whole of it, from its first instant to its last.
    const day = cstDay(byOfficer.body.items[0].recordedAt);
    const thatDay = await srv.request('GET', `/api/audit?actor=officer-ns&from=${day}&to=${day}`, { token: 'auditor' });
    expect(thatDay.body.items.map((e: { type: string }) => e.type)).toEqual(['ProjectRegistered']);
    expect((await srv.request('GET', `/api/audit?actor=officer-ns&to=${dayBefore(day)}`, { token: 'auditor' })).body.total).toBe(0);
    const paged = await srv.request('GET', `/api/audit?stream=project-${id}&page=2&pageSize=2`, { token: 'auditor' });
    expect(paged.body).toMatchObject({ total: 3, page: 2, pageSize: 2 });
    expect(paged.body.items.map((e: { revision: number }) => e.revision)).toEqual([0]);
  });

  it('filters by district, role, record and correlation id, and says why', async () => {
    const nanshan = await srv.request('GET', `/api/audit?district=nanshan&record=${id}`, { token: 'auditor' });
    expect(nanshan.body.items.map((e: { type: string }) => e.type)).toEqual(['ProjectRegistered']);
    const byAdmin = await srv.request('GET', `/api/audit?role=city_admin&record=${id}`, { token: 'auditor' });
    expect(byAdmin.body.items).toHaveLength(1);
    expect(byAdmin.body.items[0]).toMatchObject({ type: 'ProjectUpdated', why: '测绘复核', actor: { id: 'admin-1', role: 'city_admin', district: null } });
    const correlated = await srv.request('GET', '/api/audit?correlationId=corr-listing-1', { token: 'admin' });
    expect(correlated.body.items.map((e: { position: number }) => e.position)).toEqual([answers[0]!.position]);
    const nobody = await srv.request('GET', `/api/audit?district=futian&record=${id}`, { token: 'auditor' });
    expect(nobody.body).toMatchObject({ items: [], total: 0 });
  });

  it('exports CSV (UTF-8 with a BOM, Chinese intact) and NDJSON, streamed, same entries as the JSON answer', async () => {
    const json = await srv.request('GET', `/api/audit?record=${id}`, { token: 'auditor' });
    const csvRes = await fetch(`${srv.url}/api/audit?record=${id}`, { headers: { accept: 'text/csv', authorization: `Bearer ${tokens.auditor}` } });
    expect(csvRes.status).toBe(200);
    expect(csvRes.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    const bytes = Buffer.from(await csvRes.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^位置 position,记录时间 recordedAt,/);
    expect(lines).toHaveLength(1 + json.body.total);
    expect(lines[1]).toContain('ProjectPublished');
    expect(lines[1]).toContain('市工业和信息化局');
    expect(lines[2]).toContain('测绘复核');
    expect(lines[3]).toContain('南山区住房和建设局');

    const ndRes = await fetch(`${srv.url}/api/audit?record=${id}`, { headers: { accept: 'application/x-ndjson', authorization: `Bearer ${tokens.auditor}` } });
    expect(ndRes.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const rows = (await ndRes.text()).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(rows).toEqual(json.body.items);
  });

  it('is for auditors and city_admin only, and validates its query', async () => {
    expect((await srv.request('GET', '/api/audit', { token: 'enterprise' })).status).toBe(403);
    expect((await srv.request('GET', '/api/audit', { token: 'nanshan' })).status).toBe(403);
    expect((await srv.request('GET', '/api/audit')).status).toBe(401);
    const bad = await srv.request('GET', '/api/audit?from=yesterday', { token: 'auditor' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('querystring.from');
    const unknown = await srv.request('GET', '/api/audit?whom=x', { token: 'auditor' });
    expect(unknown.status).toBe(400);
    const csvRefused = await fetch(`${srv.url}/api/audit`, { headers: { accept: 'text/csv', authorization: `Bearer ${tokens.nanshan}` } });
    expect(csvRefused.status).toBe(403);
    expect(csvRefused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});

describe('GET /api/audit/records/:stream', () => {
  it("gives a record's history oldest first: who, what, when and why", async () => {
    const res = await srv.request('GET', `/api/audit/records/project-${id}`, { token: 'auditor' });
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(3);
    expect(res.body.items.map((e: { type: string; actor: { id: string }; why?: string }) => [e.type, e.actor.id, e.why ?? null])).toEqual([
      ['ProjectRegistered', 'officer-ns', null],
      ['ProjectUpdated', 'admin-1', '测绘复核'],
      ['ProjectPublished', 'officer-city', null],
    ]);
    expect(res.body.items[0].recordedAt).toMatch(ISO);
    const none = await srv.request('GET', '/api/audit/records/project-unknown', { token: 'admin' });
    expect(none.body).toMatchObject({ items: [], total: 0 });
  });

  it('is for auditors and city_admin only', async () => {
    for (const token of ['enterprise', 'nanshan'] as const) {
      const res = await srv.request('GET', `/api/audit/records/project-${id}`, { token });
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect((await srv.request('GET', `/api/audit/records/project-${id}`)).status).toBe(401);
  });
});

describe('GET /api/audit/verify', () => {
  it('verifies the whole log', async () => {
    const size = await srv.logSize();
    expect(size).toBeGreaterThanOrEqual(3);
    for (const token of ['auditor', 'admin'] as const) {
      const res = await srv.request('GET', '/api/audit/verify', { token });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ok: true, checked: size });
    }
  });

  it('is refused to others', async () => {
    expect((await srv.request('GET', '/api/audit/verify', { token: 'enterprise' })).status).toBe(403);
    expect((await srv.request('GET', '/api/audit/verify', { token: 'nanshan' })).status).toBe(403);
    expect((await srv.request('GET', '/api/audit/verify')).status).toBe(401);
  });
});

describe('system endpoints', () => {
  it('GET /health', async () => {
    const res = await srv.request('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /ready reports the backing services', async () => {
    const res = await srv.request('GET', '/ready');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ready');
    expect(res.body.checks.eventStore).toMatchObject({ ok: true, head: await srv.logSize() });
    expect(res.body.checks.readStore).toEqual({ ok: true });
  });

  it('GET /metrics is Prometheus text with request durations', async () => {
    await srv.request('GET', '/health');
    const res = await srv.request('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(typeof res.body).toBe('string');
    expect(res.body).toContain('# TYPE http_request_duration_seconds histogram');
    expect(res.body).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/health"[^}]*\} [1-9]/);
    expect(res.body).toMatch(/projection_position\{projection="all"\} \d+/);
    expect(res.body).toMatch(/projection_lag\{projection="notices[^"]*"\} \d+/);
    expect(res.body).toMatch(/projection_state\{state="running"\} 1/);
  });

  it('GET /docs/json is an OpenAPI document listing the project routes', async () => {
    const res = await srv.request('GET', '/docs/json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(res.body.info.title).toContain('产业用房');
    expect(Object.keys(res.body.paths['/api/projects'])).toEqual(expect.arrayContaining(['get', 'post']));
    expect(res.body.paths['/api/projects'].post.requestBody).toBeDefined();
    expect(res.body.paths['/api/projects/{id}']).toHaveProperty('patch');
    expect(res.body.paths['/api/projects/{id}/publish']).toHaveProperty('post');
    expect(res.body.paths['/api/statistics']).toHaveProperty('get');
  });
});
