// /ready answers 503 with the reason when the projections cannot start or fall behind for good, and
// /metrics shows each projection's position, lag and state.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { createServices } from '../../src/application/services.js';
import type { EventStore, RecordedEvent, SubscribeOptions } from '../../src/infra/event-store.js';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import type { ReadStore } from '../../src/infra/read-store.js';
import { SqliteEventStore } from '../../src/infra/sqlite-event-store.js';
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
