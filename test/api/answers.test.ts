// Every GET route's answer, as every kind of caller, on records that went through the whole procedure:
// no key starting with `_` at any depth, an `id` on every resource, `?consistentWith=` accepted, and the
// answer is what the OpenAPI document says it is (validated against its schema). The table must name
// every GET operation of the document, so a new read cannot skip these checks.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, startServer } from './harness.js';
import { Api, Clock, E_HARNESS, E_HARNESS2, type Flow, type Who, applicationIdOf, expectProblem } from './procedure-kit.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const CALLERS: Record<string, Who> = {
  anonymous: null,
  admin: 'admin',
  nanshan: 'nanshan',
  futian: 'futian',
  cityDept: 'cityDept',
  owner: E_HARNESS,
  otherEnterprise: E_HARNESS2,
  auditor: 'auditor',
};

/** Where the resources of an answer are: the answer itself, its items, its features; a report has none. */
type Shape = 'one' | 'items' | 'features' | 'report';
interface Row {
  route: string;
  path: (ids: Ids) => string;
  shape: Shape;
}
interface Ids {
  projectId: string;
  noticeId: string;
  applicationId: string;
  exchangeId: string;
  demandId: string;
}

const enc = encodeURIComponent;
const TABLE: Row[] = [
  { route: 'GET /health', path: () => '/health', shape: 'report' },
  { route: 'GET /ready', path: () => '/ready', shape: 'report' },
  { route: 'GET /api/projects', path: () => '/api/projects', shape: 'items' },
  { route: 'GET /api/projects/{id}', path: (i) => `/api/projects/${i.projectId}`, shape: 'one' },
  { route: 'GET /api/map/projects', path: () => '/api/map/projects', shape: 'features' },
  { route: 'GET /api/statistics', path: () => '/api/statistics', shape: 'report' },
  { route: 'GET /api/notices', path: () => '/api/notices', shape: 'items' },
  { route: 'GET /api/notices/{id}', path: (i) => `/api/notices/${i.noticeId}`, shape: 'one' },
  { route: 'GET /api/applications', path: () => '/api/applications', shape: 'items' },
  { route: 'GET /api/applications/{id}', path: (i) => `/api/applications/${enc(i.applicationId)}`, shape: 'one' },
  { route: 'GET /api/exchanges', path: () => '/api/exchanges', shape: 'items' },
  { route: 'GET /api/exchanges/{id}', path: (i) => `/api/exchanges/${i.exchangeId}`, shape: 'one' },
  { route: 'GET /api/streams/{stream}/events', path: (i) => `/api/streams/${enc(`notice-${i.noticeId}`)}/events`, shape: 'items' },
  { route: 'GET /api/audit', path: () => '/api/audit', shape: 'items' },
  { route: 'GET /api/audit/verify', path: () => '/api/audit/verify', shape: 'report' },
  { route: 'GET /api/accountability', path: () => '/api/accountability', shape: 'items' },
  { route: 'GET /api/audit/access', path: () => '/api/audit/access', shape: 'items' },
  { route: 'GET /api/audit/records/{stream}', path: (i) => `/api/audit/records/${enc(`notice-${i.noticeId}`)}`, shape: 'items' },
  { route: 'GET /api/tenancies', path: () => '/api/tenancies', shape: 'items' },
  { route: 'GET /api/tenancies/{id}', path: (i) => `/api/tenancies/${enc(i.applicationId)}`, shape: 'one' },
  { route: 'GET /api/deadlines', path: () => '/api/deadlines', shape: 'items' },
  { route: 'GET /api/demands', path: () => '/api/demands', shape: 'items' },
  { route: 'GET /api/demands/{id}', path: (i) => `/api/demands/${i.demandId}`, shape: 'one' },
  { route: 'GET /api/map/districts', path: () => '/api/map/districts', shape: 'report' },
  // The flow's lease starts a tenancy and opens its lease-end deadline.
];

let srv: TestServer;
let api: Api;
let ids: Ids;
let doc: Json;
let flow: Flow;
beforeAll(async () => {
  const clock = new Clock('2026-03-02T01:00:00Z');
  srv = await startServer({ clock: clock.read });
  api = new Api(srv, clock);
  // The owner is allocated and leased; the other enterprise is refused: the publicity lists a refusal.
  flow = await api.flow({ applicants: [{ who: E_HARNESS, area: 400 }, { who: E_HARNESS2, area: 300, qualified: false }], until: 'leased' });
  const exchangeId = (await api.ok(E_HARNESS, 'POST', '/api/exchanges', { wanted: { area: 300 }, reason: '缩减面积' }, 201)).id;
  await api.ok('nanshan', 'POST', `/api/exchanges/${exchangeId}/review`, { approved: true, reason: '同意' });
  await api.ok('nanshan', 'POST', `/api/exchanges/${exchangeId}/result`);
  const demand = { industry: '新一代信息技术', minArea: 300, maxArea: 800, districts: ['nanshan'], useType: 'rnd', supplyMode: 'rent', maxPrice: 120, neededBy: '2026-12-31' };
  const demandId = (await api.ok(E_HARNESS, 'POST', '/api/demands', demand, 201)).id;
  // A case with evidence that names a recorded event (the notice's publication).
  const evidence = (await srv.request('GET', `/api/streams/notice-${flow.noticeId}/events`, { token: 'admin' })).body.items[0].id;
  const accountabilityCase = await api.ok('admin', 'POST', '/api/accountability/violations', { subject: { kind: 'staff', id: 'staff-007' }, kind: 'procedure_breach', description: '未按规定公示', evidence: [evidence] }, 201);
  // …with a sanction shortened on appeal, so the answer shows both.
  const imposed = await api.ok('admin', 'POST', '/api/accountability/sanctions', { caseId: accountabilityCase.id, kind: 'public_criticism', until: '2030-01-01T00:00:00Z', reason: '通报批评' });
  await api.ok('admin', 'POST', `/api/accountability/sanctions/${String(imposed.sanctionId)}/appeal`, { decision: 'shorten', until: '2029-01-01T00:00:00Z', reasons: ['情节较轻'] });
  ids = { projectId: flow.projectId, noticeId: flow.noticeId, applicationId: applicationIdOf(flow.noticeId, E_HARNESS), exchangeId, demandId };
  doc = (await srv.request('GET', '/docs/json')).body;
}, 60_000);
afterAll(async () => {
  await srv?.close();
});

/** Every key path starting with `_`, at any depth. */
function underscored(value: unknown, at = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => underscored(v, `${at}[${i}]`));
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [...(k.startsWith('_') ? [`${at}.${k}`] : []), ...underscored(v, `${at}.${k}`)]);
}

function resources(shape: Shape, body: Json): Json[] {
  if (shape === 'one') return [body];
  if (shape === 'items') return body.items;
  if (shape === 'features') return body.features;
  return [];
}

describe('every GET answer, as every caller', () => {
  it('the table names every GET operation of the OpenAPI document', () => {
    const documented = Object.entries(doc.paths as Json)
      .filter(([, item]) => item.get)
      .map(([path]) => `GET ${path}`)
      .sort();
    expect(TABLE.map((r) => r.route).sort()).toEqual(documented);
  });

  it.each(TABLE)('$route: no internal field, an id on every resource, ?consistentWith= accepted, the documented schema', async (row) => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    ajv.addSchema({ $id: 'doc', components: doc.components });
    const [path] = Object.entries(doc.paths as Json).find(([p]) => `GET ${p}` === row.route)!;
    const answer = (doc.paths[path].get.responses['200'].content['application/json'].schema.$ref as string).replace('#/', 'doc#/');
    const validate = ajv.compile({ $ref: answer });
    let seen = 0;
    let checked = 0;
    for (const [caller, who] of Object.entries(CALLERS)) {
      const res = await api.read(who, row.path(ids));
      if (res.status !== 200) {
        // Not theirs to read: a problem, never a partial answer.
        expect([401, 403, 404], `${caller}: ${JSON.stringify(res.body)}`).toContain(res.status);
        expectProblem(res, res.status);
        continue;
      }
      seen++;
      expect(underscored(res.body), `${caller} ${row.route}`).toEqual([]);
      const found = resources(row.shape, res.body);
      checked += found.length;
      for (const r of found) expect(typeof r.id === 'string' || typeof r.id === 'number', `${caller} ${row.route}: ${JSON.stringify(r).slice(0, 200)}`).toBe(true);
      expect(validate(res.body), `${caller} ${row.route}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
    expect(seen, `${row.route}: some caller must read it`).toBeGreaterThan(0);
    if (row.shape !== 'report') expect(checked, `${row.route}: no resource to check`).toBeGreaterThan(0);
  });
});

describe('a qualification publicity (公示)', () => {
  const REASON = '不符合准入条件：研发投入占比不足'; // procedure-kit's refusal
  const entries = () => [
    { applicationId: applicationIdOf(flow.noticeId, E_HARNESS), enterpriseName: E_HARNESS.name, creditCode: E_HARNESS.creditCode, qualified: true },
    { applicationId: applicationIdOf(flow.noticeId, E_HARNESS2), enterpriseName: E_HARNESS2.name, creditCode: E_HARNESS2.creditCode, qualified: false },
  ];

  it('shows anyone each enterprise and its verdict, never the reasons or the declared facts', async () => {
    const notice = await api.read(null, `/api/notices/${ids.noticeId}`);
    expect(notice.body.publicity.list).toEqual(entries());
    const feed = await api.read(null, '/api/notices?kind=qualification_publicity');
    const item = feed.body.items.find((i: Json) => i.noticeId === ids.noticeId);
    expect(item.body.list).toEqual(entries());
    for (const answer of [notice.body, feed.body]) {
      const text = JSON.stringify(answer);
      for (const secret of [REASON, '"reasons"', 'annualRevenue', 'declared']) expect(text).not.toContain(secret);
    }
  });

  it('shows the reasons and declared facts to the applicant, its officers and auditors; to anyone else the application does not exist', async () => {
    const refused = `/api/applications/${enc(applicationIdOf(flow.noticeId, E_HARNESS2))}`;
    for (const who of [E_HARNESS2, 'nanshan', 'cityDept', 'admin', 'auditor'] as Who[]) {
      const res = await api.read(who, refused);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toMatchObject({ qualified: false, reasons: [REASON], declared: { industry: expect.any(String), annualRevenue: expect.any(Number) } });
    }
    for (const who of [E_HARNESS, 'futian'] as Who[]) expectProblem(await api.read(who, refused), 404);
    expectProblem(await api.read(null, refused), 401);
  });
});
