// /ready answers 503 with the reason when the projections cannot start or fall behind for good, and
// /metrics shows each projection's position, lag and state, and the stream snapshots' failed reads and writes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { createServices } from '../../src/application/services.js';
import type { EventStore, RecordedEvent, SubscribeOptions } from '../../src/infra/event-store.js';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import type { ReadStore } from '../../src/infra/read-store.js';
import { SqliteEventStore } from '../../src/infra/sqlite-event-store.js';
import { SqliteSnapshotStore } from '../../src/infra/snapshot-store.js';
import { SECRET, sampleProject, startServer } from './harness.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('GET /ready', () => {
  it('is 503 with the reason when the projections could not start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'isp-ready-'));
    dirs.push(dir);
    const events = SqliteEventStore.open(join(dir, 'events.db'));
    const inner = EmbeddedReadStore.open(null);
    const reads = Object.create(inner) as ReadStore;
    reads.ensureIndexes = async () => {
      throw new Error('cannot create index projects.location_2dsphere');
    };
    const services = createServices(events, reads);
    const app = await buildApp(services, { jwtSecret: SECRET });
    await expect(services.runner.start()).rejects.toThrow('2dsphere');
    const res = await app.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(503);
    const body = res.json();
    expect(body.status).toBe('unavailable');
    expect(body.checks.projections).toMatchObject({ ok: false, state: 'failed' });
    expect(body.checks.projections.lastError).toContain('cannot create index projects.location_2dsphere');
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/projection_state\{state="failed"\} 1/);
    await app.close();
    await events.close();
  });

  it('is 503 while the subscription keeps failing, and ready again once it recovers', async () => {
    const srv = await startServer();
    try {
      expect((await srv.request('POST', '/api/projects', { token: 'admin', body: sampleProject })).status).toBe(201);
      const real = srv.services.events;
      let broken = true;
      // The real store, whose deliveries fail while `broken` (a dropped connection), for a new runner.
      const events = Object.create(real) as EventStore;
      events.subscribe = (after: number, handler: (b: RecordedEvent[]) => Promise<void>, options?: SubscribeOptions) =>
        real.subscribe(after, async (b) => {
          if (broken) throw new Error('EventStoreDB: connection reset');
          await handler(b);
        }, options);
      const services = createServices(events, EmbeddedReadStore.open(null), { retry: { initialDelayMs: 1, maxDelayMs: 5 } });
      const app = await buildApp(services, { jwtSecret: SECRET });
      await services.runner.start();
      while (services.runner.state !== 'retrying') await new Promise((r) => setTimeout(r, 2));
      const res = await app.inject({ method: 'GET', url: '/ready' });
      expect(res.statusCode).toBe(503);
      expect(res.json().checks.projections).toMatchObject({ ok: false, state: 'retrying', lag: 1 });
      expect(res.json().checks.projections.lastError).toContain('connection reset');
      broken = false;
      expect(await services.runner.waitFor(1, 5000)).toBe(true);
      const again = await app.inject({ method: 'GET', url: '/ready' });
      expect(again.statusCode).toBe(200);
      expect(again.json().checks.projections).toMatchObject({ ok: true, state: 'running', lag: 0, lastError: null });
      await services.runner.stop();
      await app.close();
    } finally {
      await srv.close();
    }
  });
});

describe('a closed app', () => {
  it('lets go of its services and read store, and /metrics still has the process metrics and its own', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const dir = mkdtempSync(join(tmpdir(), 'isp-closed-'));
    dirs.push(dir);
    const built = async (n: number) => {
      const events = SqliteEventStore.open(join(dir, `events-${n}.db`));
      const reads = EmbeddedReadStore.open(null);
      const services = createServices(events, reads);
      const app = await buildApp(services, { jwtSecret: SECRET });
      await services.runner.start();
      await app.inject({ method: 'GET', url: '/health' });
      const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      await app.close();
      await services.runner.stop();
      await events.close();
      await reads.close();
      return { metrics, reads: new WeakRef(reads) };
    };
    // Two apps in one process: each shows the process's collections and its own requests.
    for (const n of [1, 2]) {
      const { metrics, reads } = await built(n);
      expect(metrics).toMatch(/# TYPE nodejs_gc_duration_seconds histogram/);
      expect(metrics).toMatch(/process_cpu_user_seconds_total \d/);
      expect(metrics).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/health"[^}]*\} 1\n/);
      expect(metrics).toMatch(/projection_state\{state="running"\} 1/);
      for (let k = 0; k < 20 && reads.deref() !== undefined; k++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        gc();
      }
      expect(reads.deref()).toBeUndefined();
    }
  });
});

describe('GET /metrics with stream snapshots', () => {
  it('counts the snapshot store\'s failed reads, and the command is answered all the same', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'isp-snapshot-metrics-'));
    dirs.push(dir);
    const snapshots = SqliteSnapshotStore.open(join(dir, 'snapshots.db'), 'code-1');
    const srv = await startServer({ snapshots });
    try {
      const failures = async () => /^stream_snapshot_failures (\d+)$/m.exec((await srv.request('GET', '/metrics')).body as string)?.[1];
      expect(await failures()).toBe('0');
      const other = new Database(join(dir, 'snapshots.db'));
      other.exec('DROP TABLE snapshots'); // a damaged file, as far as the store can tell
      other.close();
      // A PATCH of an unknown project loads its stream cold: the snapshot's read fails, the load reads the log.
      const missing = await srv.request('PATCH', '/api/projects/00000000-0000-4000-8000-000000000001', { token: 'nanshan', body: { summary: '补充', reason: '补充' } });
      expect(missing.status).toBe(404);
      expect(await failures()).toBe('1');
    } finally {
      await srv.close();
      snapshots.close();
    }
  });

  it('has no snapshot gauge without a snapshot store', async () => {
    const srv = await startServer();
    try {
      expect((await srv.request('GET', '/metrics')).body).not.toContain('stream_snapshot_failures');
    } finally {
      await srv.close();
    }
  });
});
