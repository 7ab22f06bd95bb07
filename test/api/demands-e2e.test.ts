// Demands end to end over real HTTP (issue 8, "Done when"): an enterprise reports a demand; a project that
// fits is published later and appears among the candidates with reasons, and the enterprise's socket gets
// the push; an unrelated district's officer does not see the demand; broker, feedback, close; a follow-up
// after close is 422; statistics and the district map show the demand, then the settled outcome.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type TestServer, sampleProject, startServer, tokens } from './harness.js';
import { Api, Clock, DAY, E_HARNESS2, expectProblem } from './procedure-kit.js';

// Monday 2027-03-01, 10:00 CST.
const clock = new Clock('2027-03-01T02:00:00.000Z');
let srv: TestServer;
let api: Api;
beforeAll(async () => {
  srv = await startServer({ clock: clock.read, demandFollowUpWorkingDays: 5 });
  api = new Api(srv, clock);
});
afterAll(async () => srv?.close());

const demandBody = {
  industry: '集成电路设计',
  minArea: 800,
  maxArea: 1500,
  districts: ['nanshan', 'baoan'],
  useType: 'rnd',
  supplyMode: 'rent',
  maxPrice: 80,
  neededBy: '2027-09-30',
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function socket(token: string): Promise<{ ws: WebSocket; next: (pred: (m: any) => boolean) => Promise<any> }> {
  const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/api/live?token=${token}`);
  const messages: unknown[] = [];
  const waiters: { pred: (m: unknown) => boolean; resolve: (m: unknown) => void }[] = [];
  ws.on('message', (raw) => {
    const m = JSON.parse(raw.toString());
    messages.push(m);
    for (const w of [...waiters]) if (w.pred(m)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(m);
    }
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const next = (pred: (m: any) => boolean) =>
    new Promise<unknown>((resolve, reject) => {
      const found = messages.find(pred);
      if (found) return resolve(found);
      const timer = setTimeout(() => reject(new Error('no such message within 5 s')), 5000);
      waiters.push({ pred, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  return new Promise((resolve, reject) => {
    ws.on('open', () => resolve({ ws, next }));
    ws.on('error', reject);
  });
}

/**
 * The queue's text (kept per version of each demand's documents) is exactly the texts of its demands
 * read one by one, as documents, candidates and the clock move.
 */
async function expectQueueText(token: keyof typeof tokens, path = '/api/demands') {
  const text = async (p: string) => (await fetch(srv.url + p, { headers: { authorization: `Bearer ${tokens[token]}` } })).text();
  const list = await text(path);
  const { items, total, page, pageSize } = JSON.parse(list) as { items: { id: string }[]; total: number; page: number; pageSize: number };
  const one = await Promise.all(items.map((d) => text(`/api/demands/${d.id}`)));
  expect(list).toBe(`{"items":[${one.join(',')}],"total":${total},"page":${page},"pageSize":${pageSize}}`);
}

describe('a demand from report to settlement', () => {
  let demandId: string;
  let projectId: string;

  it('the enterprise reports; no candidate yet; the follow-up is due in 5 working days', async () => {
    const res = await api.ok('enterprise', 'POST', '/api/demands', demandBody, 201);
    demandId = res.id;
    expect(res).toMatchObject({ revision: 0, position: expect.any(Number) });
    const view = await api.read('enterprise', `/api/demands/${demandId}`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ id: demandId, status: 'open', districts: ['nanshan', 'baoan'], districtNames: ['南山区', '宝安区'], areaBand: '1000-3000', candidates: [], overdue: false });
    expect(view.body.neededBy).toBe('2027-09-30T15:59:59.999Z');
    expect(view.body.followUpDueAt).toBe('2027-03-08T15:59:59.999Z'); // Mon + 5 working days, end of day CST
    await expectQueueText('enterprise');
  });

  it('a fitting project published later becomes a candidate with reasons, pushed to the enterprise', async () => {
    const client = await socket(tokens.enterprise);
    client.ws.send(JSON.stringify({ subscribe: [`demand:${demandId}`] }));
    await client.next((m) => Array.isArray(m.subscribed));
    clock.advance(DAY);
    // A project in a district the demand does not name never appears.
    await api.publishedProject('futian', { totalArea: 1200 });
    projectId = await api.publishedProject('nanshan', { totalArea: 1200, name: '南山智园C1栋' });
    const pushed = await client.next((m) => m.topic === `demand:${demandId}`);
    expect(pushed.data.newCandidates).toEqual([projectId]);
    expect(pushed.data.candidates).toEqual([
      { projectId, score: 85, reasons: ['面积匹配 1,200㎡ 在 800–1,500㎡ 内', '位于意向区域 南山区', '用途一致：研发用房', '供应方式一致：出租'] },
    ]);
    // The read at that moment already shows it.
    const list = await srv.request('GET', '/api/demands', { token: 'enterprise' });
    expect(list.body.items.find((d: { id: string }) => d.id === demandId).candidates).toHaveLength(1);
    await expectQueueText('enterprise');
    client.ws.close();
  });

  it('an unrelated district neither lists nor reads it, nor receives its pushes; the named district does', async () => {
    const futian = await api.read('futian', '/api/demands');
    expect(futian.body.items.map((d: { id: string }) => d.id)).not.toContain(demandId);
    expectProblem(await srv.request('GET', `/api/demands/${demandId}`, { token: 'futian' }), 404);
    expectProblem(await srv.request('GET', `/api/demands/${demandId}`, { token: 'enterprise2' }), 404);
    expectProblem(await srv.request('GET', '/api/demands?district=nanshan', { token: 'futian' }), 403);
    const nanshan = await api.read('nanshan', '/api/demands?status=open&areaBand=1000-3000&industry=集成电路设计');
    expect(nanshan.body.items.map((d: { id: string }) => d.id)).toEqual([demandId]);
    const other = await api.read('enterprise2', '/api/demands');
    expect(other.body.total).toBe(0);
    expect((await api.read('auditor', '/api/demands')).body.total).toBe(1);
  });

  it('an overdue follow-up shows in the officer’s queue, and a follow-up moves the due date', async () => {
    expect((await api.read('nanshan', '/api/demands?overdue=true')).body.total).toBe(0);
    await expectQueueText('nanshan'); // kept, then the clock alone moves its overdue flag
    clock.to('2027-03-09T02:00:00.000Z'); // Tuesday: the follow-up was due Monday night
    const overdue = await api.read('nanshan', '/api/demands?overdue=true');
    expect(overdue.body.items.map((d: { id: string; overdue: boolean }) => [d.id, d.overdue])).toEqual([[demandId, true]]);
    await expectQueueText('nanshan');
    await api.ok('nanshan', 'POST', `/api/demands/${demandId}/follow-up`, { note: '电话回访，企业仍有需求' });
    expect((await api.read('nanshan', '/api/demands?overdue=true')).body.total).toBe(0);
    await expectQueueText('nanshan');
  });

  it('statistics and the district map show the open demand', async () => {
    const stats = await api.read(null, '/api/statistics');
    expect(stats.body.demand).toMatchObject({ reported: 1, openDemands: 1, openArea: 1500, outcomes: { settled: 0, withdrawn: 0, unmet: 0 }, medianDaysToSettle: null });
    expect(stats.body.demand.byIndustry).toEqual([{ industry: '集成电路设计', openDemands: 1, openArea: 1500 }]);
    expect(stats.body.demand.byAreaBand.find((b: { areaBand: string }) => b.areaBand === '1000-3000')).toMatchObject({ openDemands: 1, openArea: 1500 });
    const map = await api.read(null, '/api/map/districts');
    const byId = Object.fromEntries(map.body.districts.map((d: { id: string }) => [d.id, d]));
    expect(byId.nanshan).toMatchObject({ name: '南山区', supplyArea: 1200, demandArea: 1500, openDemands: 1, gap: 300 });
    expect(byId.baoan).toMatchObject({ supplyArea: 0, demandArea: 1500, gap: 1500 });
    expect(byId.futian).toMatchObject({ supplyArea: 1200, demandArea: 0, gap: -1200 });
  });

  it('broker, feedback, close as settled; nothing after close', async () => {
    await expectQueueText('nanshan');
    await api.ok('nanshan', 'POST', `/api/demands/${demandId}/match`, { suggestions: [{ projectId, score: 90, reason: '面积、用途均匹配' }] });
    await expectQueueText('nanshan'); // the demand's document moved, its candidates did not
    await api.ok('nanshan', 'POST', `/api/demands/${demandId}/broker`, { projectId, note: '已约见园区运营方看房' });
    await api.ok('enterprise', 'POST', `/api/demands/${demandId}/feedback`, { satisfied: true, note: '撮合及时，已看房' });
    clock.advance(3 * DAY);
    await api.ok('nanshan', 'POST', `/api/demands/${demandId}/close`, { outcome: 'settled', reason: '企业已签约入驻' });
    const view = await api.read('enterprise', `/api/demands/${demandId}`);
    expect(view.body).toMatchObject({ status: 'closed', outcome: 'settled', satisfied: true, candidates: [] });
    expect(view.body.brokerings).toEqual([expect.objectContaining({ projectId, note: '已约见园区运营方看房' })]);
    expect(view.body.followUps).toHaveLength(1);
    expect(view.body.feedback).toEqual([expect.objectContaining({ satisfied: true })]);
    await expectQueueText('enterprise');
    const before = await srv.logSize();
    const res = await srv.request('POST', `/api/demands/${demandId}/follow-up`, { token: 'nanshan', body: { note: '再次回访' } });
    expectProblem(res, 422, 'DEMAND_CLOSED');
    expect(await srv.logSize()).toBe(before);
  });

  it('statistics show the settled outcome now, and the open demand as of before', async () => {
    const stats = await api.read(null, '/api/statistics');
    expect(stats.body.demand).toMatchObject({ reported: 1, openDemands: 0, openArea: 0, outcomes: { settled: 1, withdrawn: 0, unmet: 0 }, medianDaysToSettle: 11 }); // reported 03-01 10:00, settled 03-12 10:00 CST
    const then = await api.read(null, '/api/statistics?asOf=2027-03-05');
    expect(then.body.demand).toMatchObject({ reported: 1, openDemands: 1, openArea: 1500, outcomes: { settled: 0 } });
    const map = await api.read(null, '/api/map/districts');
    expect(map.body.districts.find((d: { id: string }) => d.id === 'nanshan')).toMatchObject({ demandArea: 0, gap: -1200 });
    const mapThen = await api.read(null, '/api/map/districts?asOf=2027-03-05');
    expect(mapThen.body.districts.find((d: { id: string }) => d.id === 'nanshan')).toMatchObject({ demandArea: 1500, supplyArea: 1200 });
  });

  it('a rebuild gives the same candidates', async () => {
    // A second open demand that keeps its candidate, so the comparison is not of empty lists.
    await expectQueueText('nanshan', '/api/demands?page=5'); // an empty page: only its total moves
    const open = await api.ok(E_HARNESS2, 'POST', '/api/demands', { ...demandBody, districts: ['nanshan'] }, 201);
    await expectQueueText('nanshan', '/api/demands?page=5');
    expect((await api.read('nanshan', '/api/demands?page=5')).body.total).toBe((await api.read('nanshan', '/api/demands')).body.total);
    const before = (await api.read('admin', '/api/demands?status=open')).body.items.map((d: { id: string; candidates: unknown }) => [d.id, d.candidates]);
    expect(before).toEqual([[open.id, [expect.objectContaining({ projectId, score: 85 })]]]);
    await srv.services.runner.rebuild();
    const after = (await api.read('admin', '/api/demands?status=open')).body.items.map((d: { id: string; candidates: unknown }) => [d.id, d.candidates]);
    expect(after).toEqual(before);
  });
});

describe('refusals append nothing', () => {
  const refused = async (token: Parameters<TestServer['request']>[2] extends infer O ? (O extends { token?: infer T } ? T : never) : never, method: string, path: string, body: unknown, status: number, code?: string) => {
    const before = await srv.logSize();
    const res = await srv.request(method, path, { token, body });
    expectProblem(res, status, code);
    expect(await srv.logSize()).toBe(before);
    return res;
  };

  it('inconsistent demands are 400 with field errors', async () => {
    const e1 = await refused('enterprise', 'POST', '/api/demands', { ...demandBody, minArea: 2000 }, 400);
    expect(e1.body.errors).toContainEqual(expect.objectContaining({ path: 'body.minArea' }));
    const e2 = await refused('enterprise', 'POST', '/api/demands', { ...demandBody, districts: ['atlantis'] }, 400);
    expect(e2.body.errors[0].path).toMatch(/^body\.districts/);
    const e3 = await refused('enterprise', 'POST', '/api/demands', { ...demandBody, maxPrice: -1 }, 400);
    expect(e3.body.errors[0].path).toBe('body.maxPrice');
    const e4 = await refused('enterprise', 'POST', '/api/demands', { ...demandBody, neededBy: '2020-01-01' }, 400);
    expect(e4.body.errors).toEqual([{ path: 'body.neededBy', message: 'must be in the future' }]);
    await refused('enterprise', 'POST', '/api/demands', { ...demandBody, districts: [] }, 400);
    await refused('enterprise', 'POST', '/api/demands', { ...demandBody, actor: 'someone-else' }, 400);
  });

  it('rule refusals are 422 with a stable code', async () => {
    const { id } = await api.ok('enterprise', 'POST', '/api/demands', { ...demandBody, districts: ['futian'] }, 201);
    await refused('enterprise2', 'PATCH', `/api/demands/${id}`, { maxArea: 3000 }, 422, 'NOT_DEMAND_OWNER');
    await refused('enterprise2', 'POST', `/api/demands/${id}/feedback`, { satisfied: false, note: '无' }, 422, 'NOT_DEMAND_OWNER');
    await refused('enterprise', 'PATCH', `/api/demands/${id}`, { maxArea: 1500 }, 422, 'NOTHING_TO_UPDATE');
    await refused('enterprise', 'PATCH', `/api/demands/${id}`, { maxArea: 500 }, 422, 'DEMAND_INVALID');
    await refused('enterprise', 'PATCH', `/api/demands/${id}`, { maxArea: 500, minArea: 600 }, 400);
    await refused('nanshan', 'POST', `/api/demands/${id}/follow-up`, { note: '回访' }, 403);
    await refused('futian', 'POST', `/api/demands/${id}/broker`, { projectId: 'no-such-project', note: '介绍' }, 404);
    await refused('futian', 'POST', '/api/demands/no-such-demand/follow-up', { note: '回访' }, 404);
    await api.ok('enterprise', 'POST', `/api/demands/${id}/withdraw`, { reason: '已自行解决' });
    await refused('enterprise', 'POST', `/api/demands/${id}/withdraw`, {}, 422, 'DEMAND_CLOSED');
    await refused('enterprise', 'PATCH', `/api/demands/${id}`, { maxArea: 3000 }, 422, 'DEMAND_CLOSED');
    await refused('futian', 'POST', `/api/demands/${id}/close`, { outcome: 'unmet', reason: '无' }, 422, 'DEMAND_CLOSED');
  });

  it('a withdrawal needs no body: its reason is optional', async () => {
    const { id } = await api.ok('enterprise', 'POST', '/api/demands', { ...demandBody, districts: ['futian'] }, 201);
    const done = await api.ok('enterprise', 'POST', `/api/demands/${id}/withdraw`); // no body at all
    const demand = await api.ok('enterprise', 'GET', `/api/demands/${id}?consistentWith=${done.position}`);
    expect(demand.status).toBe('closed');
    expect(demand.outcome).toBe('withdrawn');
  });
});

describe('the map of projects', () => {
  it('shows a project’s space state and leaves out projects without a location', async () => {
    const { location: _none, ...unplaced } = sampleProject;
    const hidden = await api.publishedProject('nanshan', { ...unplaced, location: undefined, name: '无坐标项目' });
    const map = await api.read(null, '/api/map/projects');
    const ids = map.body.features.map((f: { id: string }) => f.id);
    expect(ids).not.toContain(hidden);
    expect(map.body.features.length).toBeGreaterThan(0);
    for (const f of map.body.features) {
      expect(f.geometry.coordinates).not.toEqual([0, 0]);
      expect(['available', 'taken', 'unknown']).toContain(f.properties.spaceState);
    }
  });
});
