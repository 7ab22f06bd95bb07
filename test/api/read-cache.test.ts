// Anonymous listing reads are answered from the first answer's text until the read models move.
import { describe, expect, it } from 'vitest';
import { sampleProject, useServer } from './harness.js';

const srv = useServer();

async function publish(name: string) {
  const created = await srv.request('POST', '/api/projects', { token: 'nanshan', body: { ...sampleProject, name } });
  const published = await srv.request('POST', `/api/projects/${created.body.id}/publish`, { token: 'nanshan' });
  expect(await srv.services.runner.waitFor(published.body.position, 5000)).toBe(true);
  return created.body.id as string;
}

describe('the public read cache', () => {
  it('answers a repeated anonymous listing from cache, and never a stale one', async () => {
    await publish('缓存测试一号楼');
    const first = await srv.request('GET', '/api/projects?q=缓存测试');
    const second = await srv.request('GET', '/api/projects?q=缓存测试');
    expect(first.headers.get('x-read-cache')).toBeNull();
    expect(second.headers.get('x-read-cache')).toBe('hit');
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('content-type')).toMatch(/^application\/json/);

    await publish('缓存测试二号楼'); // the read models move: the cached answer is no longer served
    const third = await srv.request('GET', '/api/projects?q=缓存测试');
    expect(third.headers.get('x-read-cache')).toBeNull();
    expect(third.body.total).toBe(first.body.total + 1);
  });

  it('never caches a request with a token, nor an error', async () => {
    await srv.request('GET', '/api/projects?status=registered', { token: 'nanshan' });
    const again = await srv.request('GET', '/api/projects?status=registered', { token: 'nanshan' });
    expect(again.headers.get('x-read-cache')).toBeNull();
    await srv.request('GET', '/api/projects?pageSize=0');
    const bad = await srv.request('GET', '/api/projects?pageSize=0');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-read-cache')).toBeNull();
  });
});
