// Live updates over a real WebSocket: pushed after the read model reflects the change, scoped like reads.
import { createSigner } from 'fast-jwt';
import { describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { SECRET, sampleProject, tokens } from './harness.js';
import { openLive, pushesOn, subscribe } from './live-client.js';
import { applicationIdOf, DAY, E_HARNESS, E_HARNESS2, useProcedureServer } from './procedure-kit.js';

/** README: a socket follows at most 200 topics. */
const MAX_TOPICS_PER_SOCKET = 200;
const { srv: server, api, clock } = useProcedureServer('2027-04-05T02:00:00.000Z');

describe('GET /api/live', () => {
  it('pushes a project and the statistics after publication, once the read model reflects it', async () => {
    const created = await server.request('POST', '/api/projects', { token: 'nanshan', body: sampleProject });
    const id = created.body.id;
    // Unpublished, the project is its district's: the officer follows it.
    const client = await openLive(server.url, `?token=${tokens.nanshan}`);
    expect((await subscribe(client, [`project:${id}`, 'statistics'])).subscribed).toEqual([`project:${id}`, 'statistics']);
    const published = await server.request('POST', `/api/projects/${id}/publish`, { token: 'nanshan' });
    const pushed = await client.next((m) => m.topic === `project:${id}`);
    expect(pushed.position).toBe(published.body.position);
    expect(pushed.data.status).toBe('published');
    const stats = await client.next((m) => m.topic === 'statistics');
    expect(stats.data.projects).toBeGreaterThanOrEqual(1);
    // Pushed only after the read model reflects it: a read at that moment already sees it.
    const read = await server.request('GET', `/api/projects/${id}`);
    expect(read.body.status).toBe('published');
    client.close();
  });

  it('refuses an unpublished project to an anonymous subscriber (the socket stays open) and pushes it to its district officer', async () => {
    const marker = await api.publishedProject('nanshan');
    const anonymous = await openLive(server.url);
    const officer = await openLive(server.url, `?token=${tokens.nanshan}`);
    const created = await server.request('POST', '/api/projects', { token: 'nanshan', body: { ...sampleProject, name: '未发布项目' } });
    const id = created.body.id;
    expect(await subscribe(anonymous, [`project:${id}`, `project:${marker}`])).toEqual({ subscribed: [`project:${marker}`], refused: [`project:${id}`] });
    expect(await subscribe(officer, [`project:${id}`, `project:${marker}`])).toEqual({ subscribed: [`project:${id}`, `project:${marker}`], refused: [] });
    await server.request('PATCH', `/api/projects/${id}`, { token: 'nanshan', body: { summary: '补充简介', reason: '完善信息' } });
    const seen = await officer.next((m) => m.topic === `project:${id}`);
    expect(seen.data.summary).toBe('补充简介');
    // A later change everyone follows: once it arrives, the private one would have arrived before it.
    await server.request('PATCH', `/api/projects/${marker}`, { token: 'nanshan', body: { summary: '标记', reason: '标记' } });
    await anonymous.next((m) => m.topic === `project:${marker}` && m.data.summary === '标记');
    expect(pushesOn(anonymous, `project:${id}`)).toEqual([]);
    expect(anonymous.ws.readyState).toBe(WebSocket.OPEN);
    anonymous.close();
    officer.close();
  });

  it('pushes a verdict revised after an upheld objection to notice:<id> subscribers', async () => {
    const flow = await api.flow({ applicants: [{ who: E_HARNESS, area: 400, score: 80 }, { who: E_HARNESS2, area: 300, score: 70 }], until: 'publicity' });
    const appId = applicationIdOf(flow.noticeId, E_HARNESS);
    const client = await openLive(server.url);
    expect((await subscribe(client, [`notice:${flow.noticeId}`, 'notices'])).subscribed).toEqual([`notice:${flow.noticeId}`, 'notices']);
    await api.ok(E_HARNESS2, 'POST', `/api/notices/${flow.noticeId}/objections`, { applicationId: appId, content: '申报员工人数不实' }, 201);
    const [objectionId] = await api.objectionsOf(appId);
    clock.advance(DAY);
    // The officer who reviewed may not resolve an objection against the review (第六章): the city's department does.
    await api.ok('cityDept', 'POST', `/api/objections/${objectionId}/resolve`, { upheld: true, reason: '经核查，申报人数不实' });
    const review = await api.ok('nanshan', 'POST', `/api/applications/${encodeURIComponent(appId)}/review`, { qualified: false, reasons: ['申报材料与事实不符'] });
    const revised = (m: { data?: { publicity?: { list?: { applicationId: string; revisedAfterObjection?: boolean }[] } } }) =>
      m.data?.publicity?.list?.some((e) => e.applicationId === appId && e.revisedAfterObjection === true) === true;
    const pushed = await client.next((m) => m.topic === `notice:${flow.noticeId}` && revised(m));
    expect(pushed.position).toBe(review.position);
    const entry = pushed.data.publicity.list.find((e: { applicationId: string }) => e.applicationId === appId);
    expect(entry).toMatchObject({ qualified: false, previous: { qualified: true } });
    expect(entry.reasons).toBeUndefined(); // a 公示 names the verdict; reasons are for the applicant and officers
    // The public feed's subscribers get the revised publicity too.
    const feed = await client.next((m) => m.topic === 'notices' && m.position === review.position);
    expect(feed.data.items.length).toBeGreaterThan(0);
    client.close();
  });

  it('checks what a socket follows again when another token replaces the first', async () => {
    const created = await server.request('POST', '/api/projects', { token: 'nanshan', body: { ...sampleProject, name: '换令牌项目' } });
    const topic = `project:${created.body.id}`;
    const client = await openLive(server.url);
    expect(await subscribe(client, [topic], tokens.nanshan)).toEqual({ subscribed: [topic], refused: [] });
    const before = client.messages.length;
    client.send({ token: tokens.enterprise });
    const answer = await client.next((m) => Array.isArray(m.subscribed) && client.messages.indexOf(m) >= before);
    expect(answer.subscribed).toEqual([]);
    expect(client.messages.slice(before)).toContainEqual({ error: expect.any(String), code: 'TOPIC_FORBIDDEN', subscription: topic });
    client.close();
  });

  it('closes a socket with 4401 once its token has expired, and pushes it nothing after', async () => {
    const short = createSigner({ key: SECRET, expiresIn: 120_000 })({ sub: 'officer-ns', role: 'housing_dept', district: 'nanshan' });
    const created = await server.request('POST', '/api/projects', { token: 'nanshan', body: { ...sampleProject, name: '到期测试项目' } });
    const topic = `project:${created.body.id}`;
    const officer = await openLive(server.url, `?token=${short}`);
    expect((await subscribe(officer, [topic])).subscribed).toEqual([topic]);
    const closed = new Promise<number>((resolve) => officer.ws.on('close', (code) => resolve(code)));
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 10 * 60_000); // past its exp and the 30 s tolerance; the harness's tokens live an hour
      await server.request('PATCH', `/api/projects/${created.body.id}`, { token: 'nanshan', body: { summary: '到期后的修改', reason: '完善信息' } });
      expect(await Promise.race([closed, officer.next((m) => m.topic === topic).then(() => 'pushed')])).toBe(4401);
    } finally {
      vi.useRealTimers();
    }
    expect(pushesOn(officer, topic)).toEqual([]);
  });

  it('follows at most MAX_TOPICS_PER_SOCKET topics on one socket; more are refused by name', async () => {
    const c = await openLive(server.url);
    const topics = Array.from({ length: MAX_TOPICS_PER_SOCKET + 1 }, (_, i) => `notice:n-cap-${i}`);
    expect((await subscribe(c, topics.slice(0, 100))).subscribed).toHaveLength(100);
    expect((await subscribe(c, topics.slice(100, 200))).subscribed).toHaveLength(MAX_TOPICS_PER_SOCKET);
    const before = c.messages.length;
    expect((await subscribe(c, topics.slice(200))).subscribed).toHaveLength(MAX_TOPICS_PER_SOCKET);
    expect(c.messages.slice(before).filter((m) => m.code === 'TOPIC_LIMIT').map((m) => m.subscription)).toEqual([topics[200]]);
    c.close();
  });

  it('records a staff socket sent an application in the access log, as a read would be', async () => {
    const flow = await api.flow({ applicants: [{ who: E_HARNESS, area: 400, score: 80 }], until: 'submitted' });
    const appId = applicationIdOf(flow.noticeId, E_HARNESS);
    const officer = await openLive(server.url, `?token=${tokens.nanshan}`);
    const owner = await openLive(server.url, `?token=${tokens.enterprise}`);
    for (const c of [officer, owner]) expect((await subscribe(c, [`application:${appId}`])).subscribed).toEqual([`application:${appId}`]);
    const access = async () => (await server.request('GET', `/api/audit/access?record=${encodeURIComponent(appId)}`, { token: 'auditor' })).body.items as { actorId: string; requestId: string | null }[];
    expect(await access()).toEqual([]); // following it reads nothing yet
    const review = await api.ok('nanshan', 'POST', `/api/applications/${encodeURIComponent(appId)}/review`, { qualified: true, reasons: [] });
    for (const c of [officer, owner]) expect((await c.next((m) => m.topic === `application:${appId}` && m.position === review.position)).data.declared).toBeDefined();
    const entries = await access();
    expect(entries.map((e) => e.actorId)).toEqual(['officer-ns']); // the enterprise's own record: not staff
    expect(entries[0]!.requestId).toEqual(expect.any(String));
    officer.close();
    owner.close();
  });

  it('answers an invalid message with an error and an invalid token by closing', async () => {
    const c = await openLive(server.url);
    c.ws.send('not json');
    expect((await c.next((m) => m.error)).error).toMatch(/JSON/);
    c.send({ subscribe: ['no such topic!'] });
    expect((await c.next((m) => /invalid message/.test(m.error ?? ''))).error).toBeTruthy();
    c.close();
    const bad = new WebSocket(`${server.url.replace('http', 'ws')}/api/live?token=garbage`);
    const code = await new Promise((resolve) => bad.on('close', (c) => resolve(c)));
    expect(code).toBe(4401);
  });
});
