// What a client sends for tracing reaches the official record only as a plain short id, and a live
// socket's token (api.md: `?token=` on /api/live) never reaches the server's log.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, sampleProject, startServer, tokens } from './harness.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const lines: string[] = [];
let srv: TestServer;
beforeAll(async () => {
  const stream = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
  srv = await startServer({}, { logger: { level: 'info', stream } });
});
afterAll(async () => srv?.close());

const metadataOf = async (id: string) => (await srv.request('GET', `/api/streams/project-${id}/events`, { token: 'auditor' })).body.items[0].metadata;

describe('trace ids and the log', () => {
  it('keeps a plain X-Request-Id and X-Correlation-Id; replaces an overlong or odd one', async () => {
    const kept = await srv.request('POST', '/api/projects', { token: 'nanshan', body: sampleProject, headers: { 'x-request-id': 'gw-2027:03/01.abc', 'x-correlation-id': 'case_1-2' } });
    expect(await metadataOf(kept.body.id)).toMatchObject({ requestId: 'gw-2027:03/01.abc', correlationId: 'case_1-2' });
    const odd = await srv.request('POST', '/api/projects', { token: 'nanshan', body: sampleProject, headers: { 'x-request-id': 'r'.repeat(8_004), 'x-correlation-id': 'a b "c"' } });
    expect(odd.status).toBe(201);
    const meta = await metadataOf(odd.body.id);
    expect(meta.requestId).toMatch(UUID);
    expect(meta.correlationId).toBe(meta.requestId);
  });

  it('logs a request to /api/live without its token', async () => {
    const token = tokens.auditor;
    await fetch(`${srv.url}/api/live?topics=statistics&token=${token}`);
    await fetch(`${srv.url}/api/live?%74oken=${token}`); // the query parser decodes the name: so does the log
    const logged = lines.filter((l) => l.includes('/api/live'));
    expect(logged.length).toBeGreaterThan(1);
    expect(logged.join('\n')).toContain('token=redacted');
    expect(lines.join('\n')).not.toContain(token.split('.')[2]!); // not even the signature
  });
});
