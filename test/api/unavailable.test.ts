// 503 for real: backing services that fail, not stubs. A write lock held by another connection makes
// appends fail (SQLITE_BUSY → Unavailable → 503, the log unchanged); a closed store makes /ready say so.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestServer, sampleProject, startServer } from './harness.js';
import { expectProblem } from './procedure-kit.js';

let srv: TestServer | null = null;
afterEach(async () => {
  await srv?.close();
  srv = null;
});

describe('503 when the event store cannot write', () => {
  it('another connection holding the write lock: 503 with Retry-After, nothing appended; once released, the command goes through', async () => {
    srv = await startServer({ busyTimeoutMs: 0 });
    expect((await srv.request('POST', '/api/projects', { token: 'nanshan', body: sampleProject })).status).toBe(201);
    const before = await srv.logSize();
    const other = new Database(join(srv.dir, 'events.db'), { timeout: 0 });
    try {
      other.exec('BEGIN IMMEDIATE');
      const res = await srv.request('POST', '/api/projects', { token: 'nanshan', body: { ...sampleProject, name: '锁住时提交的项目' } });
      expectProblem(res, 503);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await srv.logSize()).toBe(before);
      other.exec('ROLLBACK');
    } finally {
      other.close();
    }
    const after = await srv.request('POST', '/api/projects', { token: 'nanshan', body: { ...sampleProject, name: '解锁后提交的项目' } });
    expect(after.status, JSON.stringify(after.body)).toBe(201);
    expect(await srv.logSize()).toBe(before + 1);
    // The refused command left no trace: the audit trail names only the two that went through.
    const audit = await srv.request('GET', '/api/audit?type=ProjectRegistered', { token: 'auditor' });
    expect(audit.body.total).toBe(2);
    const server = srv;
    const names = await Promise.all(audit.body.items.map(async (e: { record: string }) => (await server.request('GET', `/api/projects/${e.record}`, { token: 'nanshan' })).body.name));
    expect(names.sort()).toEqual([sampleProject.name, '解锁后提交的项目'].sort());
  });
});

describe('/ready', () => {
  it('200 with every check ok while the backing services answer', async () => {
    srv = await startServer();
    const res = await srv.request('GET', '/ready');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ready', checks: { eventStore: { ok: true }, readStore: { ok: true }, projections: { ok: true } } });
  });

  it('503 naming the read store when it is closed', async () => {
    srv = await startServer();
    await srv.services.reads.close();
    const res = await srv.request('GET', '/ready');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'unavailable', checks: { eventStore: { ok: true }, readStore: { ok: false, error: expect.any(String) } } });
  });

  it('503 naming the event store when it is closed', async () => {
    srv = await startServer();
    await srv.services.runner.stop();
    await srv.services.events.close();
    const res = await srv.request('GET', '/ready');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'unavailable', checks: { eventStore: { ok: false, error: expect.any(String) }, readStore: { ok: true } } });
  });
});
