// What the platform showed on a date: the feed and one notice ?asOf= / ?asRecordedAt= a moment before a change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import { asOfRestarts, crashThreadForTests } from '../../src/projections/as-of-remote.js';
import { type TestServer, startServer } from './harness.js';
import { Api, Clock, expectProblem } from './procedure-kit.js';

const clock = new Clock('2027-03-01T02:00:00.000Z');
let srv: TestServer;
let api: Api;
let noticeId = '';
let beforeNotice = '';
let beforeAmendment = '';
let beforeRename = '';
let projectId = '';

beforeAll(async () => {
  srv = await startServer({ clock: clock.read });
  api = new Api(srv, clock);
  projectId = await api.publishedProject();
  clock.advance(60_000);
  beforeNotice = new Date(clock.ms).toISOString();
  clock.advance(60_000);
  noticeId = (await api.notice({ projectId, opensIn: 3_600_000 })).noticeId;
  clock.advance(60_000);
  beforeAmendment = new Date(clock.ms).toISOString();
  clock.advance(60_000);
  await api.ok('nanshan', 'POST', `/api/notices/${noticeId}/amend`, { price: 70, reason: '租金标准调整' });
  clock.advance(60_000);
  beforeRename = new Date(clock.ms).toISOString();
  clock.advance(60_000);
  await api.ok('nanshan', 'PATCH', `/api/projects/${projectId}`, { name: '前海深港青年梦工场二期', reason: '名称规范' });
});
afterAll(async () => {
  await srv?.close();
});

describe('asOf and asRecordedAt', () => {
  it('one notice as it stood before its amendment, and now', async () => {
    const now = await api.read(null, `/api/notices/${noticeId}`);
    expect(now.body).toMatchObject({ price: 70, amendmentCount: 1 });
    for (const q of [`asOf=${beforeAmendment}`, `asRecordedAt=${beforeAmendment}`]) {
      const then = await srv.request('GET', `/api/notices/${noticeId}?${q}`);
      expect(then.status).toBe(200);
      expect(then.body).toMatchObject({ noticeId, price: 65, amendmentCount: 0, amendments: [] });
    }
    expect((await srv.request('GET', `/api/notices/${noticeId}?asOf=${beforeNotice}`)).status).toBe(404);
  });

  it('the feed as it stood: the notice is not in it before it was published', async () => {
    const now = await api.read(null, '/api/notices?kind=rental_notice');
    expect(now.body.items.map((i: { noticeId?: string; id: string }) => i.noticeId ?? i.id).join()).toContain(noticeId);
    const then = await srv.request('GET', `/api/notices?kind=rental_notice&asOf=${beforeNotice}`);
    expect(then.status).toBe(200);
    expect(then.body.total).toBe(now.body.total - 1);
    const after = await srv.request('GET', `/api/notices?kind=rental_notice&asRecordedAt=${beforeAmendment}`);
    expect(after.body.total).toBe(now.body.total);
  });

  it('a search, the map and one project as they stood before the rename', async () => {
    const now = await api.read(null, `/api/projects?q=${encodeURIComponent('梦工场二期')}`);
    expect(now.body.items.map((p: { projectId?: string; id?: string }) => p.projectId ?? p.id)).toContain(projectId);
    for (const q of [`asOf=${beforeRename}`, `asRecordedAt=${beforeRename}`]) {
      const then = await srv.request('GET', `/api/projects?q=${encodeURIComponent('梦工场二期')}&${q}`);
      expect(then.status).toBe(200);
      expect(then.body.total).toBe(now.body.total - 1);
      const map = await srv.request('GET', `/api/map/projects?${q}`);
      const feature = map.body.features.find((f: { id: string }) => f.id === projectId);
      expect(feature.properties.name).not.toBe('前海深港青年梦工场二期');
    }
    const one = await srv.request('GET', `/api/projects/${projectId}?asRecordedAt=${beforeRename}`);
    expect(one.status).toBe(200);
    expect(one.body.name).not.toBe('前海深港青年梦工场二期');
    expect((await srv.request('GET', `/api/projects/${projectId}`)).body.name).toBe('前海深港青年梦工场二期');
  });

  it('503 with Retry-After while the as-of thread that stopped waits to be started again, then answers as before', async () => {
    const search = (name: string) => srv.request('GET', `/api/projects?q=${encodeURIComponent(name)}&asOf=${beforeRename}`);
    const before = await search('梦工场');
    expect(before.status).toBe(200);
    expect(srv.services.reads).toBeInstanceOf(EmbeddedReadStore);
    const clock = asOfRestarts.now;
    let now = Date.now();
    asOfRestarts.now = () => now;
    try {
      await crashThreadForTests(srv.services.reads as EmbeddedReadStore);
      const refused = await search('梦工');
      expectProblem(refused, 503);
      expect(refused.headers.get('retry-after')).toBe('5');
      now += 5_000;
      const again = await search('梦工');
      expect(again.status).toBe(200);
      expect(again.body.total).toBe(before.body.total);
    } finally {
      asOfRestarts.now = clock;
    }
  });

  it('bad or doubled moments are 400 with the field', async () => {
    const bad = await srv.request('GET', `/api/notices/${noticeId}?asOf=yesterday`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('querystring.asOf');
    const both = await srv.request('GET', `/api/notices?asOf=2027-03-01&asRecordedAt=2027-03-01`);
    expect(both.status).toBe(400);
    expect(both.body.errors[0].path).toBe('querystring.asRecordedAt');
  });
});
