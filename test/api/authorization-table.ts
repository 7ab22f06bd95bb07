// The route table of the authorization matrix (authorization-matrix.test.ts): every command route and
// every read route × every kind of caller. Commands: "allowed" means the request got past authorization
// and reached the decider. Reads: "sees" means a 200 that contains the record set up for the row,
// "hidden" a 200 list without it or a 404 for one record (someone else's record is as good as absent).
import { expect } from 'vitest';
import { sampleProject } from './harness.js';
import { type Api, Clock, E_HARNESS, E_HARNESS2, type Flow, type Who, applicationIdOf, enterprise, leaseFrom, submitBody } from './procedure-kit.js';

export const CALLERS = ['anonymous', 'admin', 'nanshan', 'futian', 'cityDept', 'owner', 'otherEnterprise', 'auditor'] as const;
export type Caller = (typeof CALLERS)[number];
export type Outcome = 'allowed' | 401 | 403 | 404;
export type Expectation = Record<Caller, Outcome>;

/** The records are in Nanshan; "owner" is the enterprise whose application (or lease) it is. */
const OWNER = E_HARNESS;
const OTHER = E_HARNESS2;
export const who: Record<Caller, Who> = {
  anonymous: null,
  admin: 'admin',
  nanshan: 'nanshan',
  futian: 'futian',
  cityDept: 'cityDept',
  owner: OWNER,
  otherEnterprise: OTHER,
  auditor: 'auditor',
};

const nobody: Expectation = { anonymous: 401, admin: 403, nanshan: 403, futian: 403, cityDept: 403, owner: 403, otherEnterprise: 403, auditor: 403 };
const managers: Expectation = { ...nobody, admin: 'allowed', nanshan: 'allowed', cityDept: 'allowed' };
const theOwner: Expectation = { ...nobody, owner: 'allowed' };
/** The owner's own record: to another enterprise it is as good as absent (404, as its read). */
const theOwnerHidden: Expectation = { ...theOwner, otherEnterprise: 404 };
const anyEnterprise: Expectation = { ...nobody, owner: 'allowed', otherEnterprise: 'allowed' };
const anyParticipant: Expectation = { ...nobody, admin: 'allowed', nanshan: 'allowed', futian: 'allowed', cityDept: 'allowed', owner: 'allowed', otherEnterprise: 'allowed' };
const cityAdmin: Expectation = { ...nobody, admin: 'allowed' };
/** Separation of duties (第六章): city_admin supervises and does not itself decide in a district's procedure. */
const districtDeciders: Expectation = { ...managers, admin: 403 };

interface Call {
  method: string;
  path: string;
  body?: unknown;
}
export interface Row {
  /** The route as registered (checked against the server's routing table). */
  route: string;
  expect: Expectation;
  /** Creates the records the route acts on, once. */
  setup: (api: Api) => Promise<Record<string, string>>;
  /** The request, for the n-th caller (so allowed callers need not collide). */
  call: (ids: Record<string, string>, n: number) => Call;
}

// Monday 2027-03-01, 10:00 CST; each route's setup moves the clock on.
export const clock = new Clock('2027-03-01T02:00:00.000Z');

const enc = encodeURIComponent;
const registered = async (api: Api) => ({ projectId: (await api.ok('nanshan', 'POST', '/api/projects', sampleProject, 201)).id });
/** A case against an enterprise, citing an event that is on record (evidence must exist). */
const recordedCase = async (api: Api) => {
  const { projectId } = await registered(api);
  const [evidence] = await api.stream(`project-${projectId}`);
  const c = await api.ok('admin', 'POST', '/api/accountability/violations', { subject: { kind: 'enterprise', id: enterprise(900).creditCode }, kind: 'false_material', description: '虚假材料', evidence: [evidence!.id] }, 201);
  return { caseId: c.id };
};
const published = async (api: Api) => ({ projectId: await api.publishedProject('nanshan') });
/** A flow with the owner (and, when asked, the other enterprise) as applicants. */
const withOwner = (until: Parameters<Api['flow']>[0]['until'], area = 400) => async (api: Api) => {
  const f: Flow = await api.flow({ applicants: [{ who: OWNER, area }], until, area: 1000 });
  return { noticeId: f.noticeId, projectId: f.projectId, applicationId: applicationIdOf(f.noticeId, OWNER) };
};

const DEMAND = { industry: '生物医药', minArea: 300, maxArea: 3000, districts: ['nanshan'], useType: 'rnd', supplyMode: 'rent', maxPrice: 90, neededBy: '2028-12-31' };
/** A demand of the owner naming Nanshan, and a published project to suggest or broker. */
const demanded = async (api: Api) => ({ ...(await published(api)), demandId: (await api.ok(OWNER, 'POST', '/api/demands', DEMAND, 201)).id });

export const TABLE: Row[] = [
  // ---- projects ----
  { route: 'POST /api/projects', expect: managers, setup: async () => ({}), call: (_, n) => ({ method: 'POST', path: '/api/projects', body: { ...sampleProject, name: `矩阵项目${n}` } }) },
  {
    route: 'PATCH /api/projects/:id',
    expect: managers,
    setup: registered,
    call: (ids, n) => ({ method: 'PATCH', path: `/api/projects/${ids.projectId}`, body: { name: `矩阵项目更名${n}`, reason: '名称规范' } }),
  },
  {
    route: 'POST /api/projects/:id/units',
    expect: managers,
    setup: registered,
    call: (ids, n) => ({ method: 'POST', path: `/api/projects/${ids.projectId}/units`, body: { units: [{ building: 'A栋', floor: '3', number: `30${n}`, area: 100 }] } }),
  },
  {
    route: 'DELETE /api/projects/:id/units/:unitId',
    expect: managers,
    setup: async (api) => {
      const { projectId } = await registered(api);
      const units = CALLERS.map((_, n) => ({ building: 'B栋', floor: '2', number: `20${n}`, area: 100 }));
      await api.ok('nanshan', 'POST', `/api/projects/${projectId}/units`, { units });
      const view = await api.read('nanshan', `/api/projects/${projectId}`);
      const ids: Record<string, string> = { projectId };
      for (const u of view.body.units as { unitId: string; number: string }[]) ids[`unit${u.number.slice(2)}`] = u.unitId;
      return ids;
    },
    call: (ids, n) => ({ method: 'DELETE', path: `/api/projects/${ids.projectId}/units/${ids[`unit${n}`]}?reason=${enc('合并单元')}` }),
  },
  { route: 'POST /api/projects/:id/publish', expect: managers, setup: registered, call: (ids) => ({ method: 'POST', path: `/api/projects/${ids.projectId}/publish` }) },
  { route: 'POST /api/projects/:id/withdraw', expect: managers, setup: published, call: (ids) => ({ method: 'POST', path: `/api/projects/${ids.projectId}/withdraw`, body: { reason: '房源已租完' } }) },

  // ---- notices ----
  {
    route: 'POST /api/notices',
    expect: managers,
    setup: published,
    call: (ids) => {
      const opensAt = new Date(clock.ms + 30 * 86_400_000).toISOString();
      const closesAt = new Date(Date.parse(opensAt) + 86_400_000).toISOString();
      return { method: 'POST', path: '/api/notices', body: { projectId: ids.projectId, supplyMode: 'rent', area: 500, price: 60, eligibility: '创新型企业', opensAt, closesAt } };
    },
  },
  {
    route: 'POST /api/notices/:id/amend',
    expect: managers,
    setup: async (api) => ({ noticeId: (await api.notice({ opensIn: 30 * 86_400_000 })).noticeId }),
    call: (ids, n) => ({ method: 'POST', path: `/api/notices/${ids.noticeId}/amend`, body: { price: 50 + n, reason: '价格调整' } }),
  },
  { route: 'POST /api/notices/:id/cancel', expect: managers, setup: withOwner('submitted'), call: (ids) => ({ method: 'POST', path: `/api/notices/${ids.noticeId}/cancel`, body: { reason: '项目调整' } }) },
  { route: 'POST /api/notices/:id/close', expect: managers, setup: withOwner('closed'), call: (ids) => ({ method: 'POST', path: `/api/notices/${ids.noticeId}/close` }) },
  { route: 'POST /api/notices/:id/publicity', expect: districtDeciders, setup: withOwner('closed'), call: (ids) => ({ method: 'POST', path: `/api/notices/${ids.noticeId}/publicity`, body: {} }) },
  {
    route: 'POST /api/notices/:id/allocation',
    expect: districtDeciders,
    setup: withOwner('publicityOver'),
    call: (ids) => ({ method: 'POST', path: `/api/notices/${ids.noticeId}/allocation`, body: { method: 'first_come' } }),
  },
  { route: 'POST /api/notices/:id/results', expect: districtDeciders, setup: withOwner('allocated'), call: (ids) => ({ method: 'POST', path: `/api/notices/${ids.noticeId}/results` }) },

  // ---- applications ----
  {
    route: 'POST /api/notices/:id/applications',
    expect: anyEnterprise,
    setup: withOwner('open'),
    call: (ids, n) => ({ method: 'POST', path: `/api/notices/${ids.noticeId}/applications`, body: submitBody(CALLERS[n] === 'otherEnterprise' ? OTHER : OWNER, 100 + n) }),
  },
  { route: 'POST /api/applications/:id/decline', expect: theOwnerHidden, setup: withOwner('result'), call: (ids) => ({ method: 'POST', path: `/api/applications/${enc(ids.applicationId!)}/decline`, body: { reason: '已另行选址' } }) },
  { route: 'POST /api/applications/:id/withdraw', expect: theOwnerHidden, setup: withOwner('submitted'), call: (ids) => ({ method: 'POST', path: `/api/applications/${enc(ids.applicationId!)}/withdraw`, body: { reason: '不再需要' } }) },
  {
    route: 'POST /api/applications/:id/resubmit',
    expect: theOwnerHidden,
    setup: async (api) => {
      const ids = await withOwner('submitted')(api);
      await api.ok('nanshan', 'POST', `/api/applications/${enc(ids.applicationId)}/return`, { missing: ['营业执照副本'] });
      return ids;
    },
    call: (ids) => ({ method: 'POST', path: `/api/applications/${enc(ids.applicationId!)}/resubmit`, body: { documents: [{ name: '营业执照副本.pdf', sha256: 'c'.repeat(64) }] } }),
  },
  {
    route: 'POST /api/applications/:id/return',
    expect: districtDeciders,
    setup: withOwner('submitted'),
    call: (ids) => ({ method: 'POST', path: `/api/applications/${enc(ids.applicationId!)}/return`, body: { missing: ['近三年纳税证明'] } }),
  },
  {
    route: 'POST /api/applications/:id/review',
    expect: districtDeciders,
    setup: withOwner('submitted'),
    call: (ids, n) => ({ method: 'POST', path: `/api/applications/${enc(ids.applicationId!)}/review`, body: { qualified: true, reasons: [], score: 70 + n } }),
  },
  {
    route: 'POST /api/applications/:id/contract',
    expect: managers,
    setup: withOwner('result'),
    call: (ids, n) => ({ method: 'POST', path: `/api/applications/${enc(ids.applicationId!)}/contract`, body: { area: 400, contractRef: `合同-${n}`, signedOn: clock.iso, ...leaseFrom(clock.iso) } }), // signed after the result, not in the future
  },

  // ---- objections ----
  {
    route: 'POST /api/notices/:id/objections',
    expect: anyParticipant,
    setup: withOwner('publicity'),
    call: (ids, n) => ({ method: 'POST', path: `/api/notices/${ids.noticeId}/objections`, body: { applicationId: ids.applicationId, content: `异议${n}：申报材料存疑` } }),
  },
  {
    route: 'POST /api/objections/:id/resolve',
    expect: districtDeciders,
    setup: async (api) => {
      const ids = await withOwner('publicity')(api);
      await api.ok(OTHER, 'POST', `/api/notices/${ids.noticeId}/objections`, { applicationId: ids.applicationId, content: '申报员工人数不实' }, 201);
      const [objectionId] = await api.objectionsOf(ids.applicationId);
      return { ...ids, objectionId: objectionId! };
    },
    call: (ids) => ({ method: 'POST', path: `/api/objections/${ids.objectionId}/resolve`, body: { upheld: false, reason: '经核查属实，异议不成立' } }),
  },

  // ---- exchanges ----
  { route: 'POST /api/exchanges', expect: anyEnterprise, setup: withOwner('leased'), call: () => ({ method: 'POST', path: '/api/exchanges', body: { wanted: { area: 300 }, reason: '缩减面积' } }) },
  {
    route: 'POST /api/exchanges/:id/review',
    expect: districtDeciders,
    setup: async (api) => {
      await withOwner('leased')(api);
      return { exchangeId: (await api.ok(OWNER, 'POST', '/api/exchanges', { wanted: { area: 300 }, reason: '缩减面积' }, 201)).id };
    },
    call: (ids) => ({ method: 'POST', path: `/api/exchanges/${ids.exchangeId}/review`, body: { approved: true, reason: '同意' } }),
  },
  {
    route: 'POST /api/exchanges/:id/result',
    expect: districtDeciders,
    setup: async (api) => {
      await withOwner('leased')(api);
      const exchangeId = (await api.ok(OWNER, 'POST', '/api/exchanges', { wanted: { area: 300 }, reason: '缩减面积' }, 201)).id;
      await api.ok('nanshan', 'POST', `/api/exchanges/${exchangeId}/review`, { approved: false, reason: '暂无可换单元' });
      return { exchangeId };
    },
    call: (ids) => ({ method: 'POST', path: `/api/exchanges/${ids.exchangeId}/result` }),
  },
  {
    route: 'POST /api/exchanges/:id/move',
    expect: managers,
    setup: async (api) => {
      await withOwner('leased')(api);
      const exchangeId = (await api.ok(OWNER, 'POST', '/api/exchanges', { wanted: { area: 300 }, reason: '缩减面积' }, 201)).id;
      await api.ok('nanshan', 'POST', `/api/exchanges/${exchangeId}/review`, { approved: true, reason: '同意' });
      await api.ok('nanshan', 'POST', `/api/exchanges/${exchangeId}/result`);
      return { exchangeId };
    },
    call: (ids) => ({ method: 'POST', path: `/api/exchanges/${ids.exchangeId}/move` }),
  },

  // ---- tenancies (the tenancy's id is its application's) ----
  {
    route: 'POST /api/tenancies/:id/renew',
    expect: managers,
    setup: async (api) => {
      const ids = await withOwner('leased')(api);
      const tenancy = await api.read('nanshan', `/api/tenancies/${enc(ids.applicationId)}`);
      expect(tenancy.status, JSON.stringify(tenancy.body)).toBe(200);
      return { tenancyId: ids.applicationId, endsOn: tenancy.body.endsOn as string };
    },
    // Each allowed caller asks for a later end; the policy's renewal limit may refuse the last (422).
    call: (ids, n) => ({ method: 'POST', path: `/api/tenancies/${enc(ids.tenancyId!)}/renew`, body: { endsOn: new Date(Date.parse(ids.endsOn!) + (n + 1) * 30 * 86_400_000).toISOString(), reason: '续租' } }),
  },
  {
    route: 'POST /api/tenancies/:id/exit',
    expect: theOwnerHidden,
    setup: async (api) => ({ tenancyId: (await withOwner('leased')(api)).applicationId }),
    call: (ids) => ({ method: 'POST', path: `/api/tenancies/${enc(ids.tenancyId!)}/exit`, body: { reason: '迁址' } }),
  },
  {
    route: 'POST /api/tenancies/:id/recover',
    expect: managers,
    setup: async (api) => ({ tenancyId: (await withOwner('leased')(api)).applicationId }),
    call: (ids) => ({ method: 'POST', path: `/api/tenancies/${enc(ids.tenancyId!)}/recover`, body: { grounds: 'breach', reasons: ['擅自转租'] } }),
  },

  // ---- demands (产业空间需求): a demand naming Nanshan; another enterprise reaches the decider and is refused (NOT_DEMAND_OWNER) ----
  { route: 'POST /api/demands', expect: anyEnterprise, setup: async () => ({}), call: (_, n) => ({ method: 'POST', path: '/api/demands', body: { ...DEMAND, minArea: 100 + n } }) },
  { route: 'PATCH /api/demands/:id', expect: anyEnterprise, setup: demanded, call: (ids, n) => ({ method: 'PATCH', path: `/api/demands/${ids.demandId}`, body: { maxArea: 2000 + n } }) },
  { route: 'POST /api/demands/:id/withdraw', expect: anyEnterprise, setup: demanded, call: (ids) => ({ method: 'POST', path: `/api/demands/${ids.demandId}/withdraw`, body: { reason: '已自行解决' } }) },
  { route: 'POST /api/demands/:id/feedback', expect: anyEnterprise, setup: demanded, call: (ids, n) => ({ method: 'POST', path: `/api/demands/${ids.demandId}/feedback`, body: { satisfied: n % 2 === 0, note: `反馈${n}` } }) },
  {
    route: 'POST /api/demands/:id/match',
    expect: managers,
    setup: demanded,
    call: (ids, n) => ({ method: 'POST', path: `/api/demands/${ids.demandId}/match`, body: { suggestions: [{ projectId: ids.projectId, reason: `面积匹配${n}` }] } }),
  },
  { route: 'POST /api/demands/:id/broker', expect: managers, setup: demanded, call: (ids, n) => ({ method: 'POST', path: `/api/demands/${ids.demandId}/broker`, body: { projectId: ids.projectId, note: `约见${n}` } }) },
  { route: 'POST /api/demands/:id/follow-up', expect: managers, setup: demanded, call: (ids, n) => ({ method: 'POST', path: `/api/demands/${ids.demandId}/follow-up`, body: { note: `回访${n}` } }) },
  { route: 'POST /api/demands/:id/close', expect: managers, setup: demanded, call: (ids) => ({ method: 'POST', path: `/api/demands/${ids.demandId}/close`, body: { outcome: 'unmet', reason: '暂无合适房源' } }) },

  // ---- accountability ----
  {
    route: 'POST /api/accountability/violations',
    expect: cityAdmin,
    setup: async (api) => {
      const { projectId } = await registered(api);
      return { evidence: (await api.stream(`project-${projectId}`))[0]!.id };
    },
    call: (ids) => ({ method: 'POST', path: '/api/accountability/violations', body: { subject: { kind: 'staff', id: 'staff-007' }, kind: 'procedure_breach', description: '未按规定公示', evidence: [ids.evidence] } }),
  },
  {
    route: 'POST /api/accountability/sanctions',
    expect: cityAdmin,
    setup: recordedCase,
    call: (ids) => ({ method: 'POST', path: '/api/accountability/sanctions', body: { caseId: ids.caseId, kind: 'public_criticism', reason: '通报批评' } }),
  },
  {
    route: 'POST /api/accountability/sanctions/:id/appeal',
    expect: cityAdmin,
    setup: async (api) => {
      const { caseId } = await recordedCase(api);
      const imposed = await api.ok('admin', 'POST', '/api/accountability/sanctions', { caseId, kind: 'public_criticism', reason: '通报批评' });
      return { sanctionId: String(imposed.sanctionId) };
    },
    // uphold: every allowed caller reaches the decider, and none changes what the next one finds.
    call: (ids, n) => ({ method: 'POST', path: `/api/accountability/sanctions/${ids.sanctionId}/appeal`, body: { decision: 'uphold', reasons: [`维持${n}`] } }),
  },
];


// ---- reads ----

export type ReadOutcome = 'sees' | 'hidden' | 401 | 403;
export type ReadExpectation = Record<Caller, ReadOutcome>;

export interface ReadRow {
  /** The route as registered. */
  route: string;
  /** What this row checks, when a route has several rows. */
  case?: string;
  expect: ReadExpectation;
  /** Creates the records the read should (or should not) show, once. */
  setup: (api: Api) => Promise<Record<string, string>>;
  path: (ids: Record<string, string>) => string;
  /** Whether a 200 answer contains the record. */
  contains: (body: any, ids: Record<string, string>) => boolean; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const everyone: ReadExpectation = { anonymous: 'sees', admin: 'sees', nanshan: 'sees', futian: 'sees', cityDept: 'sees', owner: 'sees', otherEnterprise: 'sees', auditor: 'sees' };
/** A Nanshan record of the owner's: the owner, Nanshan's and the city's officers, auditors. */
const ownersRecord: ReadExpectation = { anonymous: 401, admin: 'sees', nanshan: 'sees', futian: 'hidden', cityDept: 'sees', owner: 'sees', otherEnterprise: 'hidden', auditor: 'sees' };
/** An unpublished Nanshan project: its district's and the city's officers, auditors. */
const unpublished: ReadExpectation = { anonymous: 'hidden', admin: 'sees', nanshan: 'sees', futian: 'hidden', cityDept: 'sees', owner: 'hidden', otherEnterprise: 'hidden', auditor: 'sees' };
const auditors: ReadExpectation = { anonymous: 401, admin: 'sees', nanshan: 403, futian: 403, cityDept: 403, owner: 403, otherEnterprise: 403, auditor: 'sees' };

const items = (body: { items?: Record<string, unknown>[] }, field: string, id: string | undefined) => (body.items ?? []).some((x) => x[field] === id || x.id === id);
const exchangeOfOwner = async (api: Api) => {
  const ids = await withOwner('leased')(api);
  const exchangeId = (await api.ok(OWNER, 'POST', '/api/exchanges', { wanted: { area: 300 }, reason: '缩减面积' }, 201)).id;
  return { ...ids, exchangeId };
};
const AWAY = { lng: 114.31, lat: 22.71 }; // a place no other test project is

export const READS: ReadRow[] = [
  { route: 'GET /api/projects', expect: everyone, setup: published, path: () => '/api/projects?pageSize=100', contains: (b, ids) => items(b, 'projectId', ids.projectId) },
  {
    route: 'GET /api/projects',
    case: 'unpublished',
    expect: { ...unpublished, anonymous: 403, owner: 403, otherEnterprise: 403 },
    setup: registered,
    path: () => '/api/projects?status=registered&pageSize=100',
    contains: (b, ids) => items(b, 'projectId', ids.projectId),
  },
  {
    route: 'GET /api/map/projects',
    expect: everyone,
    setup: async (api) => ({ projectId: await api.publishedProject('nanshan', { location: AWAY }) }),
    path: () => `/api/map/projects?bbox=${AWAY.lng - 0.001},${AWAY.lat - 0.001},${AWAY.lng + 0.001},${AWAY.lat + 0.001}`,
    contains: (b, ids) => (b.features ?? []).some((f: { id: string }) => f.id === ids.projectId),
  },
  { route: 'GET /api/projects/:id', expect: everyone, setup: published, path: (ids) => `/api/projects/${ids.projectId}`, contains: (b, ids) => b.projectId === ids.projectId },
  { route: 'GET /api/projects/:id', case: 'unpublished', expect: unpublished, setup: registered, path: (ids) => `/api/projects/${ids.projectId}`, contains: (b, ids) => b.projectId === ids.projectId },
  { route: 'GET /api/statistics', expect: everyone, setup: published, path: () => '/api/statistics', contains: (b) => b.projects > 0 },
  { route: 'GET /api/notices', expect: everyone, setup: withOwner('open'), path: () => '/api/notices?kind=rental_notice&pageSize=100', contains: (b, ids) => items(b, 'noticeId', ids.noticeId) },
  { route: 'GET /api/notices/:id', expect: everyone, setup: withOwner('open'), path: (ids) => `/api/notices/${ids.noticeId}`, contains: (b, ids) => b.noticeId === ids.noticeId },
  { route: 'GET /api/applications', expect: ownersRecord, setup: withOwner('submitted'), path: (ids) => `/api/applications?noticeId=${ids.noticeId}`, contains: (b, ids) => items(b, 'applicationId', ids.applicationId) },
  {
    route: 'GET /api/applications',
    case: "asking for the record's district",
    expect: { ...ownersRecord, futian: 403 },
    setup: withOwner('submitted'),
    path: (ids) => `/api/applications?noticeId=${ids.noticeId}&district=nanshan`,
    contains: (b, ids) => items(b, 'applicationId', ids.applicationId),
  },
  { route: 'GET /api/applications/:id', expect: ownersRecord, setup: withOwner('submitted'), path: (ids) => `/api/applications/${enc(ids.applicationId!)}`, contains: (b, ids) => b.applicationId === ids.applicationId },
  { route: 'GET /api/exchanges', expect: ownersRecord, setup: exchangeOfOwner, path: () => '/api/exchanges?pageSize=100', contains: (b, ids) => items(b, 'exchangeId', ids.exchangeId) },
  {
    route: 'GET /api/exchanges',
    case: "asking for the record's district",
    expect: { ...ownersRecord, futian: 403 },
    setup: exchangeOfOwner,
    path: () => '/api/exchanges?district=nanshan&pageSize=100',
    contains: (b, ids) => items(b, 'exchangeId', ids.exchangeId),
  },
  { route: 'GET /api/exchanges/:id', expect: ownersRecord, setup: exchangeOfOwner, path: (ids) => `/api/exchanges/${ids.exchangeId}`, contains: (b, ids) => b.exchangeId === ids.exchangeId },
  { route: 'GET /api/streams/:stream/events', expect: auditors, setup: registered, path: (ids) => `/api/streams/project-${ids.projectId}/events`, contains: (b, ids) => items(b, 'stream', `project-${ids.projectId}`) },
  { route: 'GET /api/audit', expect: auditors, setup: registered, path: (ids) => `/api/audit?stream=project-${ids.projectId}`, contains: (b, ids) => items(b, 'stream', `project-${ids.projectId}`) },
  { route: 'GET /api/audit/verify', expect: auditors, setup: registered, path: () => '/api/audit/verify', contains: (b) => b.ok === true && b.checked > 0 },
  { route: 'GET /api/audit/records/:stream', expect: auditors, setup: registered, path: (ids) => `/api/audit/records/project-${ids.projectId}`, contains: (b, ids) => b.id === `project-${ids.projectId}` && b.items.length > 0 },
  { route: 'GET /api/audit/access', expect: auditors, setup: withOwner('submitted'), path: () => '/api/audit/access?pageSize=500', contains: (b) => Array.isArray(b.items) },
  { route: 'GET /api/accountability', expect: auditors, setup: registered, path: () => '/api/accountability', contains: (b) => Array.isArray(b.items) },
  { route: 'GET /api/tenancies', expect: ownersRecord, setup: withOwner('leased'), path: () => '/api/tenancies?pageSize=100', contains: (b, ids) => items(b, 'tenancyId', ids.applicationId) },
  { route: 'GET /api/tenancies/:id', expect: ownersRecord, setup: withOwner('leased'), path: (ids) => `/api/tenancies/${enc(ids.applicationId!)}`, contains: (b, ids) => b.tenancyId === ids.applicationId },
  {
    route: 'GET /api/deadlines',
    expect: { anonymous: 401, admin: 'sees', nanshan: 'sees', futian: 'hidden', cityDept: 'sees', owner: 403, otherEnterprise: 403, auditor: 'sees' },
    setup: withOwner('result'),
    path: () => '/api/deadlines?pageSize=100',
    contains: (b, ids) => items(b, 'applicationId', ids.applicationId),
  },
  { route: 'GET /api/demands', expect: ownersRecord, setup: demanded, path: () => '/api/demands?pageSize=100', contains: (b, ids) => items(b, 'demandId', ids.demandId) },
  { route: 'GET /api/demands/:id', expect: ownersRecord, setup: demanded, path: (ids) => `/api/demands/${ids.demandId}`, contains: (b, ids) => b.id === ids.demandId },
  { route: 'GET /api/map/districts', expect: everyone, setup: demanded, path: () => '/api/map/districts', contains: (b) => b.districts.some((d: { id: string; openDemands: number }) => d.id === 'nanshan' && d.openDemands > 0) },
];

/** Routes under /api whose callers are checked elsewhere, and where. */
export const COVERED_ELSEWHERE: Record<string, string> = {
  'GET /api/live': 'live-visibility.test.ts (every private topic × caller)',
};
