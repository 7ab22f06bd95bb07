// Every error status of api.md over real HTTP: problem+json, the right status, and never an append.
import fc from 'fast-check';
import { createSigner } from 'fast-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleProject, SECRET, startServer, type TestServer, type TokenName, useServer } from './harness.js';

type Res = Awaited<ReturnType<TestServer['request']>>;

const srv = useServer();

/** Runs the request and checks the log did not grow. */
async function refused(method: string, path: string, options: Parameters<TestServer['request']>[2] = {}): Promise<Res> {
  const before = await srv.logSize();
  const res = await srv.request(method, path, options);
  expect(await srv.logSize(), `${method} ${path} → ${res.status} appended`).toBe(before);
  return res;
}

function expectProblem(res: Res, status: number) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) });
  expect(res.body.detail.length).toBeGreaterThan(0);
}

function expectErrors(res: Res, ...paths: string[]) {
  expectProblem(res, 400);
  expect(Array.isArray(res.body.errors)).toBe(true);
  for (const e of res.body.errors) expect(e).toEqual({ path: expect.any(String), message: expect.any(String) });
  const got = res.body.errors.map((e: { path: string }) => e.path);
  for (const p of paths) expect(got).toContain(p);
}

async function register(token: TokenName = 'nanshan', body: Record<string, unknown> = sampleProject) {
  const res = await srv.request('POST', '/api/projects', { token, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; revision: number; position: number };
}

async function registerPublished(token: TokenName = 'nanshan', body: Record<string, unknown> = sampleProject) {
  const { id } = await register(token, body);
  const res = await srv.request('POST', `/api/projects/${id}/publish`, { token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { id: string; revision: number; position: number };
}

describe('400 malformed or invalid input', () => {
  it('an invalid body lists every problem as { path, message }', async () => {
    const res = await refused('POST', '/api/projects', { token: 'nanshan', body: { ...sampleProject, totalArea: -5, district: 'atlantis', name: undefined } });
    expectErrors(res, 'body.totalArea', 'body.district', 'body.name');
    expect(res.body.errors).toHaveLength(3);
  });

  it('a nested invalid field is named by its path', async () => {
    const res = await refused('POST', '/api/projects', {
      token: 'nanshan',
      body: { ...sampleProject, location: { lng: 500, lat: 22.5 }, units: [{ building: 'A', floor: '1', number: '101', area: 'big' }] },
    });
    expectErrors(res, 'body.location.lng', 'body.units.0.area');
  });

  it('malformed JSON', async () => {
    const res = await refused('POST', '/api/projects', { token: 'nanshan', raw: '{"name":' });
    expectErrors(res);
    expect(res.body.errors.length).toBeGreaterThan(0);
  });

  it('a PATCH must name a change and a reason', async () => {
    const { id } = await register();
    expectErrors(await refused('PATCH', `/api/projects/${id}`, { token: 'nanshan', body: { name: '新名' } }), 'body.reason');
    expectErrors(await refused('PATCH', `/api/projects/${id}`, { token: 'nanshan', body: { reason: '没有改动' } }));
    expectErrors(await refused('PATCH', `/api/projects/${id}`, { token: 'nanshan', body: { name: '新名', reason: '   ' } }), 'body.reason');
  });

  it('a withdrawal without a reason', async () => {
    const { id } = await registerPublished();
    expectErrors(await refused('POST', `/api/projects/${id}/withdraw`, { token: 'nanshan', body: {} }), 'body.reason');
  });

  it('bad query parameters', async () => {
    expectErrors(await refused('GET', '/api/projects?pageSize=1000'), 'querystring.pageSize');
    expectErrors(await refused('GET', '/api/projects?page=0'), 'querystring.page');
    expectErrors(await refused('GET', '/api/projects?district=atlantis'), 'querystring.district');
    expectErrors(await refused('GET', '/api/projects?minArea=lots'), 'querystring.minArea');
    expectErrors(await refused('GET', '/api/projects?maxArea='), 'querystring.maxArea'); // not read as 0
    expectErrors(await refused('GET', '/api/map/projects?near=,&radius=100'), 'querystring.near'); // not the point 0,0
    expectErrors(await refused('GET', '/api/statistics?asOf=2017-09-30T10:00'), 'querystring.asOf'); // a time needs its offset
    expectErrors(await refused('GET', '/api/projects?sort=price'), 'querystring.sort');
    expectErrors(await refused('GET', '/api/projects?status=deleted'), 'querystring.status');
    expectErrors(await refused('GET', '/api/projects?colour=red'), 'querystring');
    expectErrors(await refused('GET', '/api/projects?consistentWith=-1'), 'querystring.consistentWith');
    expectErrors(await refused('GET', `/api/projects?q=${'科'.repeat(101)}`), 'querystring.q');
    expectErrors(await refused('GET', '/api/map/projects?bbox=1,2,3'), 'querystring.bbox');
    expectErrors(await refused('GET', '/api/map/projects?near=114,22.5'));
    expectErrors(await refused('GET', '/api/map/projects?near=114,22.5&radius=1000&bbox=1,2,3,4'));
    expectErrors(await refused('GET', '/api/statistics?asOf=yesterday'), 'querystring.asOf');
    expectErrors(await refused('GET', '/api/statistics?asOf=2017-13-45'), 'querystring.asOf');
  });

  it('a bad asOf on one project', async () => {
    const { id } = await registerPublished();
    expectErrors(await refused('GET', `/api/projects/${id}?asOf=last-week`), 'querystring.asOf');
  });

  it('a NUL in free text or in the search is refused: MongoDB can neither key nor match one', async () => {
    const demand = { industry: '集成电路\u0000设计', minArea: 800, maxArea: 1500, districts: ['nanshan'], useType: 'rnd', supplyMode: 'rent', maxPrice: 80, neededBy: '2099-09-30' };
    expectErrors(await refused('POST', '/api/demands', { token: 'enterprise', body: demand }), 'body.industry');
    expectErrors(await refused('POST', '/api/projects', { token: 'nanshan', body: { ...sampleProject, name: 'a\u0000b' } }), 'body.name');
    expectErrors(await refused('GET', `/api/projects?q=${encodeURIComponent('科技\u0000')}`), 'querystring.q');
    // The same demand without it is taken: the refusal was the NUL's.
    expect((await srv.request('POST', '/api/demands', { token: 'enterprise', body: { ...demand, industry: '集成电路设计' } })).status).toBe(201);
  });

  it('a badly encoded URL and an over-long path parameter answer problem+json too', async () => {
    expectErrors(await refused('GET', '/api/projects/%E0%A4%A'));
    const long = await refused('PATCH', `/api/projects/${'x'.repeat(500)}`, { token: 'nanshan', body: { name: '新名', reason: '更名' } });
    expectProblem(long, 414);
  });

  it('a non-numeric If-Match', async () => {
    const { id } = await register();
    for (const ifMatch of ['abc', '-1', '1.5', '*', '"x"']) {
      const res = await refused('PATCH', `/api/projects/${id}`, { token: 'nanshan', body: { name: '新名', reason: '更名' }, headers: { 'if-match': ifMatch } });
      expectErrors(res, 'headers.if-match');
    }
  });

  it('an Idempotency-Key longer than 200 characters', async () => {
    const res = await refused('POST', '/api/projects', { token: 'nanshan', body: sampleProject, headers: { 'idempotency-key': 'k'.repeat(201) } });
    expectErrors(res, 'headers.idempotency-key');
  });
});

describe('401 no or invalid token', () => {
  it('a command without a token', async () => {
    const res = await refused('POST', '/api/projects', { body: sampleProject });
    expectProblem(res, 401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    const { id } = await register();
    expectProblem(await refused('POST', `/api/projects/${id}/publish`), 401);
    expectProblem(await refused('PATCH', `/api/projects/${id}`, { body: { name: 'x', reason: 'y' } }), 401);
  });

  it('a command without a token is a 401 even when its body is also invalid', async () => {
    expectProblem(await refused('POST', '/api/projects', { body: { name: 42 } }), 401);
    expectProblem(await refused('POST', '/api/notices/x/applications', { raw: '{"requestedArea":' }), 401);
  });

  it('a forged token (signed with another key)', async () => {
    expectProblem(await refused('POST', '/api/projects', { token: 'forged', body: sampleProject }), 401);
  });

  it('an expired token', async () => {
    const expired = createSigner({ key: SECRET })({ sub: 'officer-ns', role: 'housing_dept', district: 'nanshan', exp: Math.floor(Date.now() / 1000) - 60 });
    const res = await refused('POST', '/api/projects', { body: sampleProject, headers: { authorization: `Bearer ${expired}` } });
    expectProblem(res, 401);
  });

  it('a well-signed token with impossible claims', async () => {
    const sign = createSigner({ key: SECRET, expiresIn: 3_600_000 });
    for (const claims of [
      { sub: 'x', role: 'emperor' },
      { sub: 'x', role: 'housing_dept' }, // no district
      { sub: 'x', role: 'housing_dept', district: 'atlantis' },
      { sub: 'x', role: 'enterprise' }, // no credit code
      { role: 'city_admin' }, // no subject
    ]) {
      const res = await refused('POST', '/api/projects', { body: sampleProject, headers: { authorization: `Bearer ${sign(claims)}` } });
      expectProblem(res, 401);
    }
  });

  it('a garbage Authorization header', async () => {
    for (const header of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer not.a.jwt', 'Bearer a b', 'token']) {
      const res = await refused('POST', '/api/projects', { body: sampleProject, headers: { authorization: header } });
      expectProblem(res, 401);
    }
  });

  it('even on a public read, a bad token is refused rather than ignored', async () => {
    expectProblem(await refused('GET', '/api/projects', { token: 'forged' }), 401);
  });
});

describe('403 role or district not allowed', () => {
  it('an enterprise or an auditor registering', async () => {
    expectProblem(await refused('POST', '/api/projects', { token: 'enterprise', body: sampleProject }), 403);
    expectProblem(await refused('POST', '/api/projects', { token: 'auditor', body: sampleProject }), 403);
  });

  it("an officer registering in another district", async () => {
    expectProblem(await refused('POST', '/api/projects', { token: 'futian', body: sampleProject }), 403);
  });

  it("another district's officer updating, adding units to, publishing or withdrawing a nanshan project", async () => {
    const { id } = await register();
    expectProblem(await refused('PATCH', `/api/projects/${id}`, { token: 'futian', body: { name: '改名', reason: '越权' } }), 403);
    expectProblem(await refused('POST', `/api/projects/${id}/units`, { token: 'futian', body: { units: [{ building: 'A', floor: '1', number: '1', area: 10 }] } }), 403);
    expectProblem(await refused('POST', `/api/projects/${id}/publish`, { token: 'futian' }), 403);
    const pub = await registerPublished();
    expectProblem(await refused('POST', `/api/projects/${pub.id}/withdraw`, { token: 'futian', body: { reason: '越权' } }), 403);
  });

  it('a nanshan officer moving its project to futian', async () => {
    const { id } = await register();
    expectProblem(await refused('PATCH', `/api/projects/${id}`, { token: 'nanshan', body: { district: 'futian', reason: '迁移' } }), 403);
  });

  it('an auditor may read but not change', async () => {
    const { id } = await register();
    expectProblem(await refused('PATCH', `/api/projects/${id}`, { token: 'auditor', body: { name: '改名', reason: '越权' } }), 403);
  });
});

describe('404 unknown record or route', () => {
  const unknown = '00000000-0000-4000-8000-000000000000';
  it('commands on an unknown project', async () => {
    expectProblem(await refused('PATCH', `/api/projects/${unknown}`, { token: 'nanshan', body: { name: '新名', reason: '更名' } }), 404);
    expectProblem(await refused('PATCH', `/api/projects/${unknown}`, { token: 'nanshan', body: { name: '新名', reason: '更名' }, headers: { 'if-match': '0' } }), 404);
    expectProblem(await refused('POST', `/api/projects/${unknown}/publish`, { token: 'nanshan' }), 404);
    expectProblem(await refused('POST', `/api/projects/${unknown}/withdraw`, { token: 'admin', body: { reason: 'x' } }), 404);
    expectProblem(await refused('POST', `/api/projects/${unknown}/units`, { token: 'admin', body: { units: [{ building: 'A', floor: '1', number: '1', area: 10 }] } }), 404);
  });

  it('an unknown unit', async () => {
    const { id } = await register();
    expectProblem(await refused('DELETE', `/api/projects/${id}/units/no-such-unit`, { token: 'nanshan' }), 404);
  });

  it('reading an unknown project, for anyone', async () => {
    expectProblem(await refused('GET', `/api/projects/${unknown}`), 404);
    expectProblem(await refused('GET', `/api/projects/${unknown}`, { token: 'admin' }), 404);
  });

  it('an unknown route', async () => {
    const res = await refused('GET', '/api/nothing-here');
    expectProblem(res, 404);
    expectProblem(await refused('POST', '/api/projects/x/y/z', { token: 'admin', body: {} }), 404);
  });
});

describe('409 optimistic-concurrency conflict', () => {
  it('a PATCH with the If-Match of an old revision', async () => {
    const { id } = await register();
    const first = await srv.request('PATCH', `/api/projects/${id}`, { token: 'nanshan', body: { name: '第一次改名', reason: '更名' }, headers: { 'if-match': '0' } });
    expect(first.status).toBe(200);
    expect(first.body.revision).toBe(1);
    const res = await refused('PATCH', `/api/projects/${id}`, { token: 'nanshan', body: { name: '第二次改名', reason: '更名' }, headers: { 'if-match': '0' } });
    expectProblem(res, 409);
    expect(res.body.code).toBe('REVISION_CONFLICT');
    expect(res.body.currentRevision).toBe(1);
    // The ETag of the first answer, sent back as-is, is current.
    const ok = await srv.request('PATCH', `/api/projects/${id}`, { token: 'nanshan', body: { name: '第二次改名', reason: '更名' }, headers: { 'if-match': first.headers.get('etag')! } });
    expect(ok.status).toBe(200);
    expect(ok.body.revision).toBe(2);
  });

  it('an If-Match ahead of the stream', async () => {
    const { id } = await register();
    const res = await refused('POST', `/api/projects/${id}/publish`, { token: 'nanshan', headers: { 'if-match': '7' } });
    expectProblem(res, 409);
    expect(res.body.currentRevision).toBe(0);
  });
});

describe('422 refused by a business rule, with a stable code', () => {
  it('publishing twice', async () => {
    const { id } = await registerPublished();
    const res = await refused('POST', `/api/projects/${id}/publish`, { token: 'nanshan' });
    expectProblem(res, 422);
    expect(res.body.code).toBe('PROJECT_ALREADY_PUBLISHED');
  });

  it('units exceeding the total area, at registration and when added', async () => {
    const big = { ...sampleProject, totalArea: 1000, units: [{ building: 'A', floor: '1', number: '101', area: 600 }, { building: 'A', floor: '1', number: '102', area: 401 }] };
    const res = await refused('POST', '/api/projects', { token: 'nanshan', body: big });
    expectProblem(res, 422);
    expect(res.body.code).toBe('UNITS_EXCEED_TOTAL_AREA');
    const { id } = await register('nanshan', { ...sampleProject, totalArea: 1000 });
    const add = await refused('POST', `/api/projects/${id}/units`, { token: 'nanshan', body: { units: [{ building: 'A', floor: '1', number: '101', area: 1000.5 }] } });
    expectProblem(add, 422);
    expect(add.body.code).toBe('UNITS_EXCEED_TOTAL_AREA');
  });

  it('withdrawing an unpublished project', async () => {
    const { id } = await register();
    const res = await refused('POST', `/api/projects/${id}/withdraw`, { token: 'nanshan', body: { reason: '不再供应' } });
    expectProblem(res, 422);
    expect(res.body.code).toBe('PROJECT_NOT_PUBLISHED');
  });

  it('an update that changes nothing', async () => {
    const { id } = await register();
    const res = await refused('PATCH', `/api/projects/${id}`, { token: 'nanshan', body: { name: sampleProject.name, reason: '复核' } });
    expectProblem(res, 422);
    expect(res.body.code).toBe('NOTHING_CHANGED');
  });

  it('any command after withdrawal', async () => {
    const { id } = await registerPublished();
    expect((await srv.request('POST', `/api/projects/${id}/withdraw`, { token: 'nanshan', body: { reason: '退出' } })).status).toBe(200);
    const attempts: [string, string, unknown?][] = [
      ['PATCH', `/api/projects/${id}`, { name: '新名', reason: '更名' }],
      ['POST', `/api/projects/${id}/publish`],
      ['POST', `/api/projects/${id}/withdraw`, { reason: '再退' }],
      ['POST', `/api/projects/${id}/units`, { units: [{ building: 'A', floor: '1', number: '1', area: 10 }] }],
    ];
    for (const [method, path, body] of attempts) {
      const res = await refused(method, path, { token: 'nanshan', ...(body ? { body } : {}) });
      expectProblem(res, 422);
      expect(res.body.code).toBe('PROJECT_WITHDRAWN');
    }
  });
});

describe('503 a read model cannot catch up in time', () => {
  let slow: TestServer;
  beforeAll(async () => {
    slow = await startServer({ consistencyTimeoutMs: 150 });
  });
  afterAll(async () => {
    await slow?.close();
  });

  it('consistentWith far beyond the head answers 503 with Retry-After, after waiting the bounded time', async () => {
    for (const path of ['/api/projects?consistentWith=1000000', '/api/statistics?consistentWith=1000000', '/api/map/projects?consistentWith=1000000']) {
      const before = await slow.logSize();
      const started = Date.now();
      const res = await slow.request('GET', path);
      const waited = Date.now() - started;
      expectProblem(res, 503);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(waited).toBeGreaterThanOrEqual(140);
      expect(waited).toBeLessThan(1500);
      expect(await slow.logSize()).toBe(before);
    }
  });

  it('a position already reached answers at once', async () => {
    const reg = await slow.request('POST', '/api/projects', { token: 'nanshan', body: sampleProject });
    const res = await slow.request('GET', `/api/projects/${reg.body.id}?consistentWith=${reg.body.position}`, { token: 'nanshan' });
    expect(res.status).toBe(200);
    expect(res.body.name).toBe(sampleProject.name);
  });
});

// 503 for a backing service that is down, with the real store failing: unavailable.test.ts.

describe('no 500 for anything a client can send', () => {
  async function neverFails(method: string, path: string, options: Parameters<TestServer['request']>[2]) {
    const before = await srv.logSize();
    const res = await srv.request(method, path, options);
    expect(res.status, `${method} ${path} ${JSON.stringify(options).slice(0, 300)} → ${JSON.stringify(res.body)?.slice(0, 300)}`).toBeLessThan(500);
    if (res.status >= 400) {
      expect(res.headers.get('content-type'), `${method} ${path} → ${res.status} ${JSON.stringify(res.body)?.slice(0, 300)}`).toMatch(/^application\/problem\+json/);
      expect(await srv.logSize()).toBe(before);
    }
    return res;
  }

  const odd: unknown[] = [
    null,
    [],
    [sampleProject],
    0,
    'a string',
    true,
    {},
    { ...sampleProject, totalArea: 1e308 },
    { ...sampleProject, totalArea: -1e308 },
    { ...sampleProject, totalArea: '12000' },
    { ...sampleProject, totalArea: null },
    { ...sampleProject, supplyModes: 'rent' },
    { ...sampleProject, supplyModes: ['rent', 'rent'] },
    { ...sampleProject, supplyModes: [] },
    { ...sampleProject, location: [113.9, 22.5] },
    { ...sampleProject, location: { lng: '113.9', lat: 22.5 } },
    { ...sampleProject, units: {} },
    { ...sampleProject, units: [null] },
    { ...sampleProject, units: [{ building: 'A', floor: 1, number: 101, area: 10 }] },
    { ...sampleProject, actor: { id: 'evil', role: 'city_admin' } },
    { ...sampleProject, status: 'published' },
    { ...sampleProject, name: '名'.repeat(100_000) },
    { ...sampleProject, name: '\u0000\u202e<script>' },
    { ...sampleProject, photos: ['javascript:alert(1)'] },
    { ...sampleProject, plannedStart: '2017-02-30' },
    { ...sampleProject, constructor: { prototype: { polluted: true } } },
  ];

  it('odd bodies on every project command', async () => {
    const { id } = await register();
    for (const body of odd) {
      await neverFails('POST', '/api/projects', { token: 'admin', body });
      await neverFails('PATCH', `/api/projects/${id}`, { token: 'admin', body: body && typeof body === 'object' && !Array.isArray(body) ? { ...body, reason: '测试' } : body });
      await neverFails('POST', `/api/projects/${id}/units`, { token: 'admin', body: { units: body } });
      await neverFails('POST', `/api/projects/${id}/withdraw`, { token: 'admin', body });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('raw payloads and wrong content types', async () => {
    const raws: [string, string][] = [
      ['{"name":', 'application/json'],
      ['{"__proto__": {"polluted": true}, "name": "x"}', 'application/json'],
      ['{"constructor": {"prototype": {"polluted": true}}}', 'application/json'],
      ['{"totalArea": 1e400}', 'application/json'],
      ['[1,2,3', 'application/json'],
      ['', 'application/json'],
      ['\u0000\u0001', 'application/json'],
      ['name=x&district=nanshan', 'application/x-www-form-urlencoded'],
      ['<project/>', 'application/xml'],
      [JSON.stringify(sampleProject), 'text/plain'],
      [JSON.stringify(sampleProject), 'multipart/form-data; boundary=x'],
      [JSON.stringify(sampleProject), 'application/json; charset=latin1'],
      ['x'.repeat(1024 * 1024 + 10), 'application/json'],
    ];
    for (const [raw, type] of raws) {
      await neverFails('POST', '/api/projects', { token: 'admin', raw, headers: { 'content-type': type } });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('odd paths, query strings and headers', async () => {
    const paths = [
      `/api/projects/${'x'.repeat(500)}`,
      '/api/projects/%E0%A4%A',
      '/api/projects/..%2F..%2Fetc%2Fpasswd',
      '/api/projects?q=(',
      '/api/projects?q=.*',
      '/api/projects?q=%5B%5D%7B%7D%5C',
      '/api/projects?q=$where',
      '/api/projects?district[$ne]=x',
      '/api/projects?page=1e9',
      '/api/projects?pageSize=abc&page=-1',
      '/api/projects?minArea=1e400',
      '/api/projects?q=&district=',
      '/api/projects?sort=',
      '/api/map/projects?bbox=NaN,1,2,3',
      '/api/map/projects?near=114,22.5&radius=1e12',
      '/api/map/projects?bbox=,,,',
      '/api/statistics?asOf=0000-00-00',
      '/api/statistics?asOf=9999-12-31',
      '/api/statistics?asOf=2017-09-30T25:00:00Z',
      '/api/statistics?asOf=%00',
      '/api/statistics?asOf=2017-02-30',
      '/api/streams/%00/events',
    ];
    for (const p of paths) {
      await neverFails('GET', p, { token: 'auditor' });
      await neverFails('GET', p, {});
    }
    const { id } = await register();
    const oddHeaders: Record<string, string>[] = [{ 'if-match': '9'.repeat(400) }, { 'if-match': 'W/"0"' }, { 'idempotency-key': '' }, { 'if-match': '' }, { 'x-correlation-id': 'c'.repeat(5000) }];
    for (const headers of oddHeaders) {
      await neverFails('PATCH', `/api/projects/${id}`, { token: 'nanshan', body: { summary: `概要${Math.random()}`, reason: '测试' }, headers });
    }
  });

  it('random JSON bodies (property-based)', async () => {
    const { id } = await register();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.anything(),
          fc.record(
            {
              name: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
              district: fc.oneof(fc.constantFrom('nanshan', 'futian', 'x'), fc.string()),
              address: fc.string(),
              useType: fc.constantFrom('rnd', 'plant', 'office', 'other', 'bad'),
              supplyModes: fc.array(fc.constantFrom('rent', 'sale', 'lease')),
              totalArea: fc.oneof(fc.double(), fc.integer(), fc.string()),
              availableArea: fc.double(),
              units: fc.array(fc.record({ building: fc.string(), floor: fc.string(), number: fc.string(), area: fc.double() }), { maxLength: 5 }),
              reason: fc.string(),
            },
            { requiredKeys: [] },
          ),
        ),
        async (body) => {
          await neverFails('POST', '/api/projects', { token: 'admin', body });
          await neverFails('PATCH', `/api/projects/${id}`, { token: 'admin', body });
        },
      ),
      { numRuns: 60 },
    );
  });
});
