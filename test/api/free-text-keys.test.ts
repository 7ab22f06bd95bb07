// Free text that names a member of Object.prototype, where a read model keys counters by it (a demand's
// industry): it must count as any other text, and neither stop the read models nor touch any prototype.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, sampleProject, startServer } from './harness.js';
import { Api, Clock } from './procedure-kit.js';

const clock = new Clock('2027-03-01T02:00:00.000Z');
let srv: TestServer;
let api: Api;
beforeAll(async () => {
  srv = await startServer({ clock: clock.read });
  api = new Api(srv, clock);
});
afterAll(async () => srv?.close());

const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];
const demand = (industry: string) => ({ industry, minArea: 100, maxArea: 200, districts: ['nanshan'], useType: 'rnd', supplyMode: 'rent', maxPrice: 100, neededBy: '2030-01-01' });

describe('a demand whose industry names a prototype member', () => {
  it('is counted under its own name; the read models go on; no prototype gains a field', async () => {
    for (const name of NAMES) await api.ok('enterprise', 'POST', '/api/demands', demand(name), 201);
    const stats = await api.read(null, '/api/statistics');
    expect(stats.status).toBe(200);
    const byIndustry = (stats.body.demand.byIndustry as { industry: string; openDemands: number }[]).map((l) => [l.industry, l.openDemands]);
    expect(byIndustry.sort()).toEqual(NAMES.map((n) => [n, 1]).sort());
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(({} as Record<string, unknown>).open).toBeUndefined();
    // Later events are still projected.
    const project = await api.ok('nanshan', 'POST', '/api/projects', sampleProject, 201);
    expect((await api.read(null, `/api/projects/${project.id as string}`)).status).toBe(404); // registered, not published
    expect((await api.read('nanshan', `/api/projects/${project.id as string}`)).status).toBe(200);
    expect((await srv.request('GET', '/ready')).status).toBe(200);
    expect((await srv.request('GET', '/metrics', { token: 'admin' })).status).toBe(200);
  });
});
