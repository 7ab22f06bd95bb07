// Project listings over real HTTP: the lifecycle, reads as of a past time, Idempotency-Key, search and the map.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Idempotency } from '../../src/application/idempotency.js';
import type { ReadStore } from '../../src/infra/read-store.js';
import { sampleProject, startServer, type TestServer, type TokenName, useServer } from './harness.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// Business time advances one second at every reading, so every event has its own occurredAt.
let t = Date.parse('2026-03-02T01:00:00.000Z');
const srv = useServer({ clock: () => new Date((t += 1000)) });

interface Answer {
  id: string;
  revision: number;
  position: number;
}

async function ok(method: string, path: string, token: TokenName, body?: unknown, status = 200): Promise<Answer> {
  const res = await srv.request(method, path, { token, ...(body !== undefined ? { body } : {}) });
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(status);
  return res.body as Answer;
}

const registerAs = (token: TokenName, body: Record<string, unknown>) => ok('POST', '/api/projects', token, body, 201);

describe('a listing from registration to withdrawal', () => {
  it('walks the whole lifecycle, answering { id, revision, position } with an ETag', async () => {
    const before = await srv.logSize();
    const reg = await srv.request('POST', '/api/projects', { token: 'nanshan', body: sampleProject });
    expect(reg.status).toBe(201);
    expect(reg.body).toEqual({ id: expect.stringMatching(UUID), revision: 0, position: before + 1 });
    expect(reg.headers.get('etag')).toBe('"0"');
    expect(await srv.logSize()).toBe(before + 1);
    const id: string = reg.body.id;

    // Not public yet: the public gets 404, its officer sees it.
    expect((await srv.request('GET', `/api/projects/${id}?consistentWith=${reg.body.position}`)).status).toBe(404);
    expect((await srv.request('GET', `/api/projects/${id}`, { token: 'enterprise' })).status).toBe(404);
    expect((await srv.request('GET', `/api/projects/${id}`, { token: 'futian' })).status).toBe(404);
    const mine = await srv.request('GET', `/api/projects/${id}`, { token: 'nanshan' });
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ ...sampleProject, projectId: id, status: 'registered', availableArea: sampleProject.totalArea, districtName: '南山区', units: [] });
    for (const hidden of ['_id', '_position', 'nameGrams', 'addressGrams', 'geo']) expect(mine.body).not.toHaveProperty(hidden);
    for (const who of ['admin', 'auditor', 'cityDept'] as const) expect((await srv.request('GET', `/api/projects/${id}`, { token: who })).status).toBe(200);

    const patch = await srv.request('PATCH', `/api/projects/${id}`, { token: 'nanshan', body: { name: '南山智园崇文园区（一期）', availableArea: 9000, reason: '名称规范' } });
    expect(patch.status).toBe(200);
    expect(patch.body).toEqual({ id, revision: 1, position: reg.body.position + 1 });
    expect(patch.headers.get('etag')).toBe('"1"');

    const units = await ok('POST', `/api/projects/${id}/units`, 'nanshan', {
      units: [
        { building: 'A栋', floor: '5', number: '502', area: 300 },
        { building: 'A栋', floor: '5', number: '501', area: 250.5 },
      ],
    });
    expect(units).toEqual({ id, revision: 2, position: patch.body.position + 1 });
    let view = await srv.request('GET', `/api/projects/${id}?consistentWith=${units.position}`, { token: 'nanshan' });
    expect(view.body.name).toBe('南山智园崇文园区（一期）');
    expect(view.body.availableArea).toBe(9000);
    expect(view.body.units).toEqual([
      { unitId: expect.stringMatching(UUID), building: 'A栋', floor: '5', number: '501', area: 250.5, state: 'available' },
      { unitId: expect.stringMatching(UUID), building: 'A栋', floor: '5', number: '502', area: 300, state: 'available' },
    ]);
    // The ledger's figures: everything not withheld is available; the 3,000 ㎡ taken off the market are withheld.
    expect(view.body).toMatchObject({ availableArea: 9000, offeredArea: 0, allocatedArea: 0, letArea: 0, soldArea: 0, withheldArea: 3000 });
    const removedId: string = view.body.units[1].unitId;

    const removed = await ok('DELETE', `/api/projects/${id}/units/${removedId}?reason=${encodeURIComponent('并入501')}`, 'nanshan');
    expect(removed.revision).toBe(3);
    view = await srv.request('GET', `/api/projects/${id}?consistentWith=${removed.position}`, { token: 'nanshan' });
    expect(view.body.units.map((u: { number: string }) => u.number)).toEqual(['501']);

    const pub = await ok('POST', `/api/projects/${id}/publish`, 'nanshan');
    expect(pub.revision).toBe(4);
    const pubView = await srv.request('GET', `/api/projects/${id}?consistentWith=${pub.position}`);
    expect(pubView.status).toBe(200);
    expect(pubView.body).toMatchObject({ projectId: id, status: 'published', name: '南山智园崇文园区（一期）', publishedAt: expect.any(String) });
    const list = await srv.request('GET', `/api/projects?q=${encodeURIComponent('崇文园区（一期）')}`);
    expect(list.body.items.map((p: { projectId: string }) => p.projectId)).toEqual([id]);

    const wd = await ok('POST', `/api/projects/${id}/withdraw`, 'nanshan', { reason: '房源已全部租出' });
    expect(wd.revision).toBe(5);
    expect((await srv.request('GET', `/api/projects/${id}?consistentWith=${wd.position}`)).status).toBe(404);
    const gone = await srv.request('GET', `/api/projects/${id}`, { token: 'nanshan' });
    expect(gone.body).toMatchObject({ status: 'withdrawn', withdrawReason: '房源已全部租出' });
    expect((await srv.request('GET', `/api/projects?q=${encodeURIComponent('崇文园区（一期）')}`)).body.total).toBe(0);
    expect(await srv.logSize()).toBe(before + 6);

    // As it stood: fold the stream up to an instant, read from the record's own occurredAt values.
    const stream = await srv.request('GET', `/api/streams/project-${id}/events`, { token: 'auditor' });
    const at: string[] = stream.body.items.map((e: { occurredAt: string }) => e.occurredAt);
    expect(stream.body.items.map((e: { type: string }) => e.type)).toEqual([
      'ProjectRegistered',
      'ProjectUpdated',
      'UnitsAdded',
      'UnitRemoved',
      'ProjectPublished',
      'ProjectWithdrawn',
    ]);
    const asOf = (iso: string, token: TokenName | null = 'nanshan') => srv.request('GET', `/api/projects/${id}?asOf=${encodeURIComponent(iso)}`, { token });
    const minus1ms = (iso: string) => new Date(Date.parse(iso) - 1).toISOString();

    expect((await asOf(minus1ms(at[0]!), 'admin')).status).toBe(404); // not yet registered
    const first = await asOf(at[0]!);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ name: sampleProject.name, status: 'registered', availableArea: 12000, units: [], revision: 0 });
    expect((await asOf(minus1ms(at[1]!))).body.name).toBe(sampleProject.name);
    expect((await asOf(at[1]!)).body).toMatchObject({ name: '南山智园崇文园区（一期）', availableArea: 9000, revision: 1 });
    expect((await asOf(at[2]!)).body.units).toHaveLength(2);
    expect((await asOf(at[3]!)).body.units).toHaveLength(1);
    // The public sees it as it stood while it was published, and not before.
    expect((await asOf(minus1ms(at[4]!), null)).status).toBe(404);
    const whilePublished = await asOf(at[4]!, null);
    expect(whilePublished.status).toBe(200);
    expect(whilePublished.body).toMatchObject({ status: 'published', revision: 4 });
    expect((await asOf(at[5]!, null)).status).toBe(404);
    // A bare date is the end of that day in CST.
    expect((await asOf('2026-03-01', 'admin')).status).toBe(404);
    expect((await asOf('2026-03-02', 'admin')).body).toMatchObject({ status: 'withdrawn', revision: 5 });
  });

  it('a city-level department and city_admin manage listings in any district', async () => {
    const a = await registerAs('cityDept', { ...sampleProject, district: 'pingshan', name: '坪山生物医药产业园' });
    await ok('POST', `/api/projects/${a.id}/publish`, 'cityDept');
    const b = await registerAs('admin', { ...sampleProject, district: 'dapeng', name: '大鹏海洋产业园' });
    const moved = await ok('PATCH', `/api/projects/${b.id}`, 'admin', { district: 'yantian', reason: '行政区划调整' });
    const view = await srv.request('GET', `/api/projects/${b.id}?consistentWith=${moved.position}`, { token: 'admin' });
    expect(view.body).toMatchObject({ district: 'yantian', districtName: '盐田区' });
  });
});

describe('Idempotency-Key', () => {
  const body = (name: string) => ({ ...sampleProject, name });

  it('the same POST twice gives the same answer and appends once', async () => {
    const before = await srv.logSize();
    const headers = { 'idempotency-key': 'reg-1' };
    const a = await srv.request('POST', '/api/projects', { token: 'nanshan', body: body('幂等项目一'), headers });
    const b = await srv.request('POST', '/api/projects', { token: 'nanshan', body: body('幂等项目一'), headers });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body).toEqual(a.body);
    expect(b.headers.get('etag')).toBe(a.headers.get('etag'));
    expect(await srv.logSize()).toBe(before + 1);
  });

  it('concurrent requests with one key append once', async () => {
    const before = await srv.logSize();
    const headers = { 'idempotency-key': 'reg-concurrent' };
    const answers = await Promise.all(Array.from({ length: 8 }, () => srv.request('POST', '/api/projects', { token: 'nanshan', body: body('并发项目'), headers })));
    for (const a of answers) expect(a.status).toBe(201);
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    expect(await srv.logSize()).toBe(before + 1);
  });

  it('concurrent requests with one key append once even when looking up a stored answer takes time (a remote read store)', async () => {
    const reads = srv.services.reads;
    const slowReads = {
      // The answer comes back after a network round trip: later requests cannot see it yet either.
      findOne: async (collection: string, filter: Record<string, unknown>) => {
        const found = await reads.findOne(collection, filter);
        await new Promise((r) => setTimeout(r, 25));
        return found;
      },
    } as unknown as ReadStore;
    const original = srv.services.idempotency;
    srv.services.idempotency = new Idempotency(slowReads);
    try {
      const before = await srv.logSize();
      const headers = { 'idempotency-key': 'reg-concurrent-slow' };
      const answers = await Promise.all(Array.from({ length: 6 }, () => srv.request('POST', '/api/projects', { token: 'nanshan', body: body('慢查询并发项目'), headers })));
      for (const a of answers) expect(a.status).toBe(201);
      expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
      expect(await srv.logSize()).toBe(before + 1);
    } finally {
      srv.services.idempotency = original;
    }
  });

  it('the same key with a different body is refused', async () => {
    const headers = { 'idempotency-key': 'reg-2' };
    await srv.request('POST', '/api/projects', { token: 'nanshan', body: body('幂等项目二'), headers });
    const before = await srv.logSize();
    const res = await srv.request('POST', '/api/projects', { token: 'nanshan', body: body('另一个项目'), headers });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await srv.logSize()).toBe(before);
  });

  it('keys belong to their actor', async () => {
    const before = await srv.logSize();
    const headers = { 'idempotency-key': 'shared-key' };
    const a = await srv.request('POST', '/api/projects', { token: 'nanshan', body: body('甲'), headers });
    const b = await srv.request('POST', '/api/projects', { token: 'admin', body: body('甲'), headers });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.id).not.toBe(a.body.id);
    expect(await srv.logSize()).toBe(before + 2);
  });

  it('a retried PATCH returns the first revision', async () => {
    const { id } = await registerAs('nanshan', body('幂等更新'));
    const before = await srv.logSize();
    const headers = { 'idempotency-key': `patch-${id}` };
    const a = await srv.request('PATCH', `/api/projects/${id}`, { token: 'nanshan', body: { summary: '第一次', reason: '补充' }, headers });
    const b = await srv.request('PATCH', `/api/projects/${id}`, { token: 'nanshan', body: { summary: '第一次', reason: '补充' }, headers });
    expect(a.body).toEqual({ id, revision: 1, position: before + 1 });
    expect(b.body).toEqual(a.body);
    expect(await srv.logSize()).toBe(before + 1);
  });

  it('a refused command may be retried with its key', async () => {
    const { id } = await registerAs('nanshan', body('被拒后重试'));
    const headers = { 'idempotency-key': `pub-${id}` };
    const before = await srv.logSize();
    const refused = await srv.request('POST', `/api/projects/${id}/withdraw`, { token: 'nanshan', body: { reason: '退出' }, headers });
    expect(refused.status).toBe(422);
    expect((await srv.request('POST', `/api/projects/${id}/withdraw`, { token: 'nanshan', body: { reason: '退出' }, headers })).status).toBe(422);
    expect(await srv.logSize()).toBe(before);
  });

  it('after a restart (memory lost) the recorded answer is found in the log-built read model', async () => {
    const headers = { 'idempotency-key': 'survives-restart' };
    const a = await srv.request('POST', '/api/projects', { token: 'nanshan', body: body('重启之后'), headers });
    expect(a.status).toBe(201);
    await srv.services.runner.waitFor(a.body.position, 2000);
    srv.services.idempotency = new Idempotency(srv.services.reads);
    const before = await srv.logSize();
    const b = await srv.request('POST', '/api/projects', { token: 'nanshan', body: body('重启之后'), headers });
    expect(b.body).toEqual(a.body);
    expect(await srv.logSize()).toBe(before);
    const c = await srv.request('POST', '/api/projects', { token: 'nanshan', body: body('别的'), headers });
    expect(c.status).toBe(422);
    expect(c.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });
});

describe('search and map', () => {
  let s: TestServer;
  let clock = Date.parse('2026-04-01T02:00:00.000Z');
  const ids: Record<string, string> = {};

  const fixtures: Record<string, { token: TokenName; body: Record<string, unknown>; then: 'publish' | 'keep' | 'withdraw' }> = {
    A: {
      token: 'nanshan',
      body: { name: '深圳湾科技园创新大厦', district: 'nanshan', address: '南山区粤海街道高新南十道', useType: 'rnd', supplyModes: ['rent'], totalArea: 20000, location: { lng: 113.95, lat: 22.53 } },
      then: 'publish',
    },
    B: {
      token: 'futian',
      body: { name: '福田保税区厂房', district: 'futian', address: '福田区桂花路', useType: 'plant', supplyModes: ['sale'], totalArea: 8000, location: { lng: 114.03, lat: 22.51 } },
      then: 'publish',
    },
    C: {
      token: 'admin',
      body: { name: '宝安智造园', district: 'baoan', address: '宝安区福永街道', useType: 'plant', supplyModes: ['rent', 'sale'], totalArea: 50000, availableArea: 1000 },
      then: 'publish',
    },
    D: {
      token: 'admin',
      body: { name: '龙华数字创新中心', district: 'longhua', address: '龙华区民治街道', useType: 'office', supplyModes: ['rent'], totalArea: 15000, location: { lng: 114.03, lat: 22.65 } },
      then: 'publish',
    },
    E: {
      token: 'cityDept',
      body: { name: '光明科学城孵化器', district: 'guangming', address: '光明区光明街道', useType: 'rnd', supplyModes: ['rent'], totalArea: 30000, availableArea: 5000, location: { lng: 113.93, lat: 22.41 } },
      then: 'publish',
    },
    F: {
      token: 'nanshan',
      body: { name: '南山未发布项目', district: 'nanshan', address: '南山区西丽街道', useType: 'rnd', supplyModes: ['rent'], totalArea: 9000, location: { lng: 113.94, lat: 22.54 } },
      then: 'keep',
    },
    G: {
      token: 'futian',
      body: { name: '福田已退出项目', district: 'futian', address: '福田区福保街道', useType: 'plant', supplyModes: ['rent'], totalArea: 6000, location: { lng: 114.05, lat: 22.52 } },
      then: 'withdraw',
    },
  };
  let head = 0;

  beforeAll(async () => {
    s = await startServer({ clock: () => new Date((clock += 60_000)) });
    for (const [key, f] of Object.entries(fixtures)) {
      const reg = await s.request('POST', '/api/projects', { token: f.token, body: { managingDepartment: '房源管理部门', ...f.body } });
      expect(reg.status, JSON.stringify(reg.body)).toBe(201);
      ids[key] = reg.body.id;
      if (f.then !== 'keep') expect((await s.request('POST', `/api/projects/${reg.body.id}/publish`, { token: f.token })).status).toBe(200);
      if (f.then === 'withdraw') expect((await s.request('POST', `/api/projects/${reg.body.id}/withdraw`, { token: f.token, body: { reason: '退出' } })).status).toBe(200);
    }
    head = await s.logSize();
  });
  afterAll(async () => {
    await s?.close();
  });

  const keyOf = (projectId: string) => Object.entries(ids).find(([, v]) => v === projectId)?.[0] ?? projectId;
  async function search(query: string, token: TokenName | null = null) {
    const sep = query ? '&' : '';
    const res = await s.request('GET', `/api/projects?consistentWith=${head}${sep}${query}`, { token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return { ...res.body, keys: res.body.items.map((p: { projectId: string }) => keyOf(p.projectId)) as string[] };
  }
  const sorted = (keys: string[]) => [...keys].sort();

  it('lists published projects only, newest publication first, with total/page/pageSize', async () => {
    const r = await search('');
    expect(r.keys).toEqual(['E', 'D', 'C', 'B', 'A']);
    expect(r.total).toBe(5);
    expect(r.page).toBe(1);
    expect(r.pageSize).toBe(20);
    expect(r.items[0]).toMatchObject({ name: '光明科学城孵化器', status: 'published', districtName: '光明区' });
    expect(r.items[0]).not.toHaveProperty('nameGrams');
  });

  it('filters by district, use type and supply mode', async () => {
    expect((await search('district=nanshan')).keys).toEqual(['A']);
    expect((await search('district=luohu')).total).toBe(0);
    expect(sorted((await search('useType=plant')).keys)).toEqual(['B', 'C']);
    expect(sorted((await search('useType=rnd')).keys)).toEqual(['A', 'E']);
    expect(sorted((await search('supplyMode=sale')).keys)).toEqual(['B', 'C']);
    expect(sorted((await search('supplyMode=rent')).keys)).toEqual(['A', 'C', 'D', 'E']);
    expect((await search('useType=plant&supplyMode=rent')).keys).toEqual(['C']);
  });

  it('filters by total area (bounds inclusive) and by available area', async () => {
    expect(sorted((await search('minArea=15000')).keys)).toEqual(['A', 'C', 'D', 'E']);
    expect(sorted((await search('maxArea=15000')).keys)).toEqual(['B', 'D']);
    expect(sorted((await search('minArea=15000&maxArea=20000')).keys)).toEqual(['A', 'D']);
    expect((await search('minArea=20000.01&maxArea=29999')).total).toBe(0);
    expect(sorted((await search('minAvailableArea=10000')).keys)).toEqual(['A', 'D']);
    expect(sorted((await search('minAvailableArea=5000&maxArea=30000')).keys)).toEqual(['A', 'B', 'D', 'E']);
  });

  it('status: the public and enterprises may not list unpublished projects; an officer sees only its district', async () => {
    for (const token of [null, 'enterprise'] as const) {
      const res = await s.request('GET', '/api/projects?status=registered', { token });
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect((await search('status=registered', 'nanshan')).keys).toEqual(['F']);
    expect((await search('status=registered', 'futian')).keys).toEqual([]);
    expect((await search('status=registered&district=nanshan', 'futian')).keys).toEqual([]);
    expect((await search('status=registered', 'admin')).keys).toContain('F');
    expect((await search('status=registered', 'auditor')).keys).toContain('F');
    expect((await search('status=withdrawn', 'futian')).keys).toEqual(['G']);
    expect((await search('status=withdrawn', 'nanshan')).keys).toEqual([]);
    expect((await search('status=published', 'futian')).total).toBe(5);
  });

  it('Chinese substring search on name and address', async () => {
    const q = (text: string) => search(`q=${encodeURIComponent(text)}`);
    expect((await q('科技园')).keys).toEqual(['A']);
    expect(sorted((await q('园')).keys)).toEqual(['A', 'C']); // one character
    expect(sorted((await q('科')).keys)).toEqual(['A', 'E']);
    expect(sorted((await q('创新')).keys)).toEqual(['A', 'D']);
    expect((await q('创新 龙华')).keys).toEqual(['D']); // every term must match
    expect((await q('创新 深圳湾')).keys).toEqual(['A']);
    expect((await q('创新 光明')).keys).toEqual([]);
    expect((await q('桂花路')).keys).toEqual(['B']); // address
    expect(sorted((await q('街道')).keys)).toEqual(['A', 'C', 'D', 'E']);
    expect((await q('科技 园区')).keys).toEqual([]);
    expect((await q('技园创')).keys).toEqual(['A']);
    expect((await q('园科技')).keys).toEqual([]); // grams in another order are not a substring
    expect((await q('.*')).keys).toEqual([]); // regex characters are literal
    expect((await search(`q=${encodeURIComponent('未发布')}`, 'nanshan')).keys).toEqual([]); // still published only
    expect((await search(`q=${encodeURIComponent('未发布')}&status=registered`, 'nanshan')).keys).toEqual(['F']);
    expect((await search(`q=${encodeURIComponent('创新')}&district=longhua`)).keys).toEqual(['D']);
  });

  it('sorts and pages', async () => {
    expect((await search('sort=totalArea')).keys).toEqual(['B', 'D', 'A', 'E', 'C']);
    expect((await search('sort=-totalArea')).keys).toEqual(['C', 'E', 'A', 'D', 'B']);
    expect((await search('sort=availableArea')).keys).toEqual(['C', 'E', 'B', 'D', 'A']);
    expect((await search('sort=publishedAt')).keys).toEqual(['A', 'B', 'C', 'D', 'E']);
    const p2 = await search('sort=totalArea&pageSize=2&page=2');
    expect(p2).toMatchObject({ total: 5, page: 2, pageSize: 2 });
    expect(p2.keys).toEqual(['A', 'E']);
    const p3 = await search('sort=totalArea&pageSize=2&page=3');
    expect(p3.keys).toEqual(['C']);
    expect(p3.total).toBe(5);
    const p4 = await search('sort=totalArea&pageSize=2&page=4');
    expect(p4.keys).toEqual([]);
    expect(p4.total).toBe(5);
    const filtered = await search('useType=rnd&pageSize=1&sort=-totalArea');
    expect(filtered.keys).toEqual(['E']);
    expect(filtered.total).toBe(2);
  });

  describe('map view', () => {
    async function map(query: string, token: TokenName | null = null) {
      const res = await s.request('GET', `/api/map/projects?consistentWith=${head}${query ? `&${query}` : ''}`, { token });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.type).toBe('FeatureCollection');
      for (const f of res.body.features) {
        expect(f.type).toBe('Feature');
        expect(f.geometry.type).toBe('Point');
        const fixture = Object.values(fixtures).find((x) => x.body.name === f.properties.name)!;
        const loc = fixture.body.location as { lng: number; lat: number };
        expect(f.geometry.coordinates).toEqual([loc.lng, loc.lat]);
      }
      return sorted(res.body.features.map((f: { properties: { projectId: string } }) => keyOf(f.properties.projectId)));
    }

    it('shows published projects that have a location', async () => {
      expect(await map('')).toEqual(['A', 'B', 'D', 'E']);
    });

    it('within a bounding box', async () => {
      expect(await map('bbox=113.9,22.5,114.0,22.6')).toEqual(['A']);
      expect(await map('bbox=114.0,22.5,114.1,22.7')).toEqual(['B', 'D']);
      expect(await map('bbox=120,30,121,31')).toEqual([]);
      expect(await map('bbox=113.9,22.4,114.1,22.7&useType=rnd')).toEqual(['A', 'E']);
    });

    it('within a radius of a point, measured on the globe rather than in the bounding square', async () => {
      const near = 'near=114.03,22.51';
      expect(await map(`${near}&radius=3000`)).toEqual(['B']);
      expect(await map(`${near}&radius=12000`)).toEqual(['A', 'B']);
      // E lies ~15.1 km away, inside the 15 km bounding square but outside the circle.
      expect(await map(`${near}&radius=15000`)).toEqual(['A', 'B']);
      expect(await map(`${near}&radius=15300`)).toEqual(['A', 'B', 'E']);
      expect(await map(`${near}&radius=16000`)).toEqual(['A', 'B', 'D', 'E']);
      expect(await map(`${near}&radius=16000&supplyMode=sale`)).toEqual(['B']);
    });

    it('an officer may map its unpublished projects', async () => {
      expect(await map('status=registered', 'nanshan')).toEqual(['F']);
      const res = await s.request('GET', '/api/map/projects?status=registered');
      expect(res.status).toBe(403);
    });
  });
});
