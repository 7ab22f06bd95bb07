// What protects the API on the open internet: a rate limit per client address on anonymous requests
// (429 problem+json with Retry-After, other clients still served), security headers, CORS for the
// configured portals only, and 413 problem+json for bodies over the limit.
import { Agent, request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, sampleProject, startServer, tokens } from './harness.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** GETs `path` from the given local address (127.0.0.1 and 127.0.0.2 are two clients on loopback). */
function get(base: string, path: string, from: string, agent: Agent, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, base), { agent, localAddress: from, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** `count` requests, `concurrency` at a time over keep-alive connections from one address. */
async function hammer(base: string, path: string, from: string, count: number, concurrency = 25): Promise<Answer[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const answers: Answer[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        answers.push(await get(base, path, from, agent));
      }
    }),
  );
  agent.destroy();
  return answers;
}

const MAX = 100;

describe('rate limit on anonymous requests, per client address', () => {
  let srv: TestServer;
  let proxied: TestServer;
  beforeAll(async () => {
    srv = await startServer({}, { rateLimit: { max: MAX, windowMs: 60_000 } });
    proxied = await startServer({}, { rateLimit: { max: 5, windowMs: 60_000 }, trustProxy: ['127.0.0.1'] });
  });
  afterAll(async () => {
    await srv?.close();
    await proxied?.close();
  });

  it('2,000 requests from one client to a public read: 429 problem+json past the limit, while another client is served', async () => {
    const answers = await hammer(srv.url, '/api/projects', '127.0.0.1', 2000);
    const ok = answers.filter((a) => a.status === 200);
    const limited = answers.filter((a) => a.status === 429);
    expect(ok.length + limited.length).toBe(2000);
    expect(ok.length).toBe(MAX);
    for (const a of limited) {
      expect(a.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(Number(a.headers['retry-after'])).toBeGreaterThan(0);
      expect(JSON.parse(a.body)).toMatchObject({ status: 429, title: 'Too Many Requests', detail: expect.stringMatching(/retry in \d+ s/) });
    }
    const agent = new Agent();
    try {
      // Another client address is served; so is the first client with a login, and the probes.
      expect((await get(srv.url, '/api/projects', '127.0.0.2', agent)).status).toBe(200);
      expect((await get(srv.url, '/api/statistics', '127.0.0.1', agent, { authorization: `Bearer ${tokens.nanshan}` })).status).toBe(200);
      expect((await get(srv.url, '/health', '127.0.0.1', agent)).status).toBe(200);
      // Every anonymous route shares the budget: the notices feed is limited too.
      expect((await get(srv.url, '/api/notices', '127.0.0.1', agent)).status).toBe(429);
      // A bad token does not buy a way around it either: it is a 401.
      expect((await get(srv.url, '/api/projects', '127.0.0.1', agent, { authorization: 'Bearer forged' })).status).toBe(401);
    } finally {
      agent.destroy();
    }
  });

  it('an untrusted X-Forwarded-For changes nothing; from a trusted proxy it names the client', async () => {
    const agent = new Agent();
    try {
      const spoof = (n: number) => ({ 'x-forwarded-for': `203.0.113.${n}` });
      // 127.0.0.3 is no trusted proxy: a client inventing forwarded addresses is still one client.
      const untrusted = [];
      for (let n = 0; n < 10; n++) untrusted.push((await get(proxied.url, '/api/projects', '127.0.0.3', agent, spoof(n))).status);
      expect(untrusted).toEqual([200, 200, 200, 200, 200, 429, 429, 429, 429, 429]);
      // proxied trusts 127.0.0.1: each forwarded address has its own budget of 5…
      for (let i = 0; i < 5; i++) expect((await get(proxied.url, '/api/projects', '127.0.0.1', agent, spoof(1))).status).toBe(200);
      expect((await get(proxied.url, '/api/projects', '127.0.0.1', agent, spoof(1))).status).toBe(429);
      expect((await get(proxied.url, '/api/projects', '127.0.0.1', agent, spoof(2))).status).toBe(200);
    } finally {
      agent.destroy();
    }
  });
});

describe('security headers, CORS and body limits', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer({}, { corsOrigins: ['https://portal.sz.gov.cn'] });
  });
  afterAll(async () => srv?.close());

  it('sets security headers on answers and errors alike', async () => {
    for (const res of [await srv.request('GET', '/api/projects'), await srv.request('GET', '/api/nothing-here')]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
      expect(res.headers.get('content-security-policy')).not.toMatch(/upgrade-insecure-requests/);
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
    const docs = await fetch(`${srv.url}/docs/static/index.html`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(docs.headers.get('content-security-policy')).not.toMatch(/upgrade-insecure-requests/);
  });

  it('allows the configured portal origin, and no other, to call from a browser', async () => {
    const preflight = (origin: string) =>
      fetch(`${srv.url}/api/projects`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,idempotency-key,x-access-reason' },
      });
    const allowed = await preflight('https://portal.sz.gov.cn');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://portal.sz.gov.cn');
    // Every request header the API reads, so a browser portal may send it.
    for (const h of ['authorization', 'content-type', 'if-match', 'idempotency-key', 'x-correlation-id', 'x-access-reason']) expect(allowed.headers.get('access-control-allow-headers')).toContain(h);
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const read = await srv.request('GET', '/api/projects', { headers: { origin: 'https://portal.sz.gov.cn' } });
    expect(read.headers.get('access-control-allow-origin')).toBe('https://portal.sz.gov.cn');
    expect(read.headers.get('access-control-expose-headers')).toMatch(/retry-after/);
    expect(read.headers.get('access-control-expose-headers')).toMatch(/\betag\b/); // a command's revision, for If-Match
  });

  it('without CORS_ORIGINS no origin is allowed', async () => {
    const plain = await startServer();
    try {
      const res = await plain.request('GET', '/api/projects', { headers: { origin: 'https://portal.sz.gov.cn' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await plain.close();
    }
  });

  it('answers a body over the limit with 413 problem+json and appends nothing', async () => {
    const before = await srv.logSize();
    const huge = { ...sampleProject, name: 'x'.repeat(2 * 1024 * 1024) };
    const res = await srv.request('POST', '/api/projects', { token: 'nanshan', body: huge });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 413, title: expect.any(String), detail: expect.any(String) });
    expect(await srv.logSize()).toBe(before);
  });
});
