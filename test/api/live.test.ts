// Live updates over a real WebSocket: pushed after the read model reflects the change, scoped like reads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type TestServer, sampleProject, startServer, tokens } from './harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server.close());

function open(query = ''): Promise<{ ws: WebSocket; messages: unknown[]; next: (pred: (m: any) => boolean) => Promise<any> }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/api/live${query}`);
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
  const next = (pred: (m: any) => boolean) => // eslint-disable-line @typescript-eslint/no-explicit-any
    new Promise<any>((resolve, reject) => { // eslint-disable-line @typescript-eslint/no-explicit-any
      const found = messages.find(pred);
      if (found) return resolve(found);
      const timer = setTimeout(() => reject(new Error('no such message within 5 s')), 5000);
      waiters.push({ pred, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  return new Promise((resolve, reject) => {
    ws.on('open', () => resolve({ ws, messages, next }));
    ws.on('error', reject);
  });
}

describe('GET /api/live', () => {
  it('pushes a project and the statistics after publication, once the read model reflects it', async () => {
    const created = await server.request('POST', '/api/projects', { token: 'nanshan', body: sampleProject });
    const id = created.body.id;
    const client = await open();
    client.ws.send(JSON.stringify({ subscribe: [`project:${id}`, 'statistics'] }));
    await client.next((m) => Array.isArray(m.subscribed));
    const published = await server.request('POST', `/api/projects/${id}/publish`, { token: 'nanshan' });
    const pushed = await client.next((m) => m.topic === `project:${id}`);
    expect(pushed.position).toBe(published.body.position);
    expect(pushed.data.status).toBe('published');
    const stats = await client.next((m) => m.topic === 'statistics');
    expect(stats.data.projects).toBe(1);
    expect(stats.data.totalArea).toBe(sampleProject.totalArea);
    // Pushed only after the read model reflects it: a read at that moment already sees it.
    const read = await server.request('GET', `/api/projects/${id}`);
    expect(read.body.status).toBe('published');
    client.ws.close();
  });

  it('keeps an unpublished project from anonymous subscribers but not from its district officer', async () => {
    const anonymous = await open();
    const officer = await open(`?token=${tokens.nanshan}`);
    const created = await server.request('POST', '/api/projects', { token: 'nanshan', body: { ...sampleProject, name: '未发布项目' } });
    const id = created.body.id;
    for (const c of [anonymous, officer]) {
      c.ws.send(JSON.stringify({ subscribe: [`project:${id}`] }));
      await c.next((m) => Array.isArray(m.subscribed));
    }
    await server.request('PATCH', `/api/projects/${id}`, { token: 'nanshan', body: { summary: '补充简介', reason: '完善信息' } });
    const seen = await officer.next((m) => m.topic === `project:${id}`);
    expect(seen.data.summary).toBe('补充简介');
    await new Promise((r) => setTimeout(r, 100));
    expect(anonymous.messages.some((m) => (m as { topic?: string }).topic === `project:${id}`)).toBe(false);
    anonymous.ws.close();
    officer.ws.close();
  });

  it('answers an invalid message with an error and an invalid token by closing', async () => {
    const c = await open();
    c.ws.send('not json');
    expect((await c.next((m) => m.error)).error).toMatch(/JSON/);
    c.ws.send(JSON.stringify({ subscribe: ['no such topic!'] }));
    expect((await c.next((m) => /invalid message/.test(m.error ?? ''))).error).toBeTruthy();
    c.ws.close();
    const bad = new WebSocket(`${server.url.replace('http', 'ws')}/api/live?token=garbage`);
    const code = await new Promise((resolve) => bad.on('close', (c) => resolve(c)));
    expect(code).toBe(4401);
  });
});
