// Who may run which command, generated from ONE table: every command route of projects and of the
// rental/sale procedure × every kind of caller. "allowed" means the request got past authorization
// and reached the decider: any 2xx, or a 422 business refusal (the records are set up once per route,
// so after one allowed caller succeeds the next may be refused by a rule). 401 and 403 append nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, sampleProject, startServer } from './harness.js';
import { Api, Clock, E_HARNESS, E_HARNESS2, type Flow, MINUTE, type Res, type Who, applicationIdOf, enterprise, expectProblem, submitBody } from './procedure-kit.js';

const CALLERS = ['anonymous', 'admin', 'nanshan', 'futian', 'cityDept', 'owner', 'otherEnterprise', 'auditor'] as const;
type Caller = (typeof CALLERS)[number];
type Outcome = 'allowed' | 401 | 403;
type Expectation = Record<Caller, Outcome>;

/** The records are in Nanshan; "owner" is the enterprise whose application (or lease) it is. */
const OWNER = E_HARNESS;
const OTHER = E_HARNESS2;
const who: Record<Caller, Who> = {
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
interface Row {
  /** The route as registered (checked against the server's routing table). */
  route: string;
  expect: Expectation;
  /** Creates the records the route acts on, once. */
  setup: (api: Api) => Promise<Record<string, string>>;
  /** The request, for the n-th caller (so allowed callers need not collide). */
  call: (ids: Record<string, string>, n: number) => Call;
}

const enc = encodeURIComponent;
const registered = async (api: Api) => ({ projectId: (await api.ok('nanshan', 'POST', '/api/projects', sampleProject, 201)).id });
const published = async (api: Api) => ({ projectId: await api.publishedProject('nanshan') });
/** A flow with the owner (and, when asked, the other enterprise) as applicants. */
const withOwner = (until: Parameters<Api['flow']>[0]['until'], area = 400) => async (api: Api) => {
  const f: Flow = await api.flow({ applicants: [{ who: OWNER, area }], until, area: 1000 });
  return { noticeId: f.noticeId, projectId: f.projectId, applicationId: applicationIdOf(f.noticeId, OWNER) };
};

const TABLE: Row[] = [
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
  { route: 'POST /api/applications/:id/withdraw', expect: theOwner, setup: withOwner('submitted'), call: (ids) => ({ method: 'POST', path: `/api/applications/${enc(ids.applicationId!)}/withdraw`, body: { reason: '不再需要' } }) },
  {
    route: 'POST /api/applications/:id/resubmit',
    expect: theOwner,
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
    call: (ids, n) => ({ method: 'POST', path: `/api/applications/${enc(ids.applicationId!)}/contract`, body: { area: 400, contractRef: `合同-${n}`, signedOn: clock.iso } }), // signed after the result, not in the future
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
    expect: managers,
    setup: async (api) => {
      await withOwner('leased')(api);
      return { exchangeId: (await api.ok(OWNER, 'POST', '/api/exchanges', { wanted: { area: 300 }, reason: '缩减面积' }, 201)).id };
    },
    call: (ids) => ({ method: 'POST', path: `/api/exchanges/${ids.exchangeId}/review`, body: { approved: true, reason: '同意' } }),
  },
  {
    route: 'POST /api/exchanges/:id/result',
    expect: managers,
    setup: async (api) => {
      await withOwner('leased')(api);
      const exchangeId = (await api.ok(OWNER, 'POST', '/api/exchanges', { wanted: { area: 300 }, reason: '缩减面积' }, 201)).id;
      await api.ok('nanshan', 'POST', `/api/exchanges/${exchangeId}/review`, { approved: false, reason: '暂无可换单元' });
      return { exchangeId };
    },
    call: (ids) => ({ method: 'POST', path: `/api/exchanges/${ids.exchangeId}/result` }),
  },

  // ---- accountability ----
  {
    route: 'POST /api/accountability/violations',
    expect: cityAdmin,
    setup: async () => ({}),
    call: () => ({ method: 'POST', path: '/api/accountability/violations', body: { subject: { kind: 'staff', id: 'staff-007' }, kind: 'procedure_breach', description: '未按规定公示', evidence: ['00000000-0000-0000-0000-000000000000'] } }),
  },
  {
    route: 'POST /api/accountability/sanctions',
    expect: cityAdmin,
    setup: async (api) => {
      const sub = enterprise(900);
      const c = await api.ok('admin', 'POST', '/api/accountability/violations', { subject: { kind: 'enterprise', id: sub.creditCode }, kind: 'false_material', description: '虚假材料', evidence: ['e-1'] }, 201);
      return { caseId: c.id };
    },
    call: (ids) => ({ method: 'POST', path: '/api/accountability/sanctions', body: { caseId: ids.caseId, kind: 'public_criticism', reason: '通报批评' } }),
  },
];

// Monday 2027-03-01, 10:00 CST; each route's setup moves the clock on.
const clock = new Clock('2027-03-01T02:00:00.000Z');
let srv: TestServer;
let api: Api;
beforeAll(async () => {
  srv = await startServer({ clock: clock.read });
  api = new Api(srv, clock);
});
afterAll(async () => {
  await srv?.close();
});

/** The write routes the server registers, read from its routing table. */
function writeRoutes(tree: string): string[] {
  const stack: string[] = [];
  const out: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([│ ]*)[├└]── (.*?) \(([^)]*)\)$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack[depth] = (depth > 0 ? stack[depth - 1]! : '') + m[2]!;
    stack.length = depth + 1;
    for (const method of m[3]!.split(', ')) if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) out.push(`${method} ${stack[depth]}`);
  }
  return out.sort();
}

describe('the table', () => {
  it('covers every command route of projects and the procedure, and nothing that is not a route', () => {
    const registeredRoutes = writeRoutes(srv.app.printRoutes({ commonPrefix: false }));
    expect(registeredRoutes.length).toBeGreaterThan(20);
    // Demands (产业空间需求) are another part of the platform, outside this table.
    const inScope = registeredRoutes.filter((r) => !r.includes('/api/demands'));
    expect(TABLE.map((r) => r.route).sort()).toEqual(inScope);
  });
});

for (const row of TABLE) {
  describe(row.route, () => {
    let ids: Record<string, string>;
    const statuses = new Map<Caller, number>();
    beforeAll(async () => {
      clock.advance(MINUTE);
      ids = await row.setup(api);
    });

    CALLERS.forEach((caller, n) => {
      const outcome = row.expect[caller];
      it(`${caller} → ${outcome}`, async () => {
        const { method, path, body } = row.call(ids, n);
        const before = await srv.logSize();
        const res: Res = await api.request(who[caller], method, path, body);
        statuses.set(caller, res.status);
        const after = await srv.logSize();
        if (outcome === 'allowed') {
          const reached = (res.status >= 200 && res.status < 300) || res.status === 422;
          expect(reached, `${caller}: ${res.status} ${JSON.stringify(res.body)}`).toBe(true);
          if (res.status === 422) {
            expectProblem(res, 422, res.body.code);
            expect(res.body.code).toMatch(/^[A-Z_]+$/);
            expect(after).toBe(before);
          } else {
            expect(after).toBeGreaterThan(before);
          }
        } else {
          expectProblem(res, outcome);
          expect(after, `${caller} was refused with ${outcome} but the log grew`).toBe(before);
        }
      });
    });

    it('at least one allowed caller got through to a 2xx (the setup reaches the decider)', () => {
      const ok = [...statuses.entries()].filter(([c, s]) => row.expect[c] === 'allowed' && s >= 200 && s < 300);
      expect(ok.length, JSON.stringify([...statuses])).toBeGreaterThan(0);
    });
  });
}

// ---- auditor reads (GET): the audit trail and its exports, timelines, the access log, verify, cases ----
const auditors: Expectation = { ...nobody, admin: 'allowed', auditor: 'allowed' };
const READS: { route: string; path: string; expect: Expectation }[] = [
  { route: 'GET /api/audit', path: '/api/audit?pageSize=1', expect: auditors },
  { route: 'GET /api/audit/records/:stream', path: '/api/audit/records/project-none', expect: auditors },
  { route: 'GET /api/audit/access', path: '/api/audit/access', expect: auditors },
  { route: 'GET /api/audit/verify', path: '/api/audit/verify', expect: auditors },
  { route: 'GET /api/accountability', path: '/api/accountability', expect: auditors },
];
for (const row of READS) {
  describe(row.route, () => {
    CALLERS.forEach((caller) => {
      const outcome = row.expect[caller];
      it(`${caller} → ${outcome}`, async () => {
        const before = await srv.logSize();
        const res: Res = await api.request(who[caller], 'GET', row.path);
        if (outcome === 'allowed') expect(res.status, `${caller}: ${JSON.stringify(res.body)}`).toBe(200);
        else expectProblem(res, outcome);
        expect(await srv.logSize()).toBe(before);
      });
    });
  });
}
