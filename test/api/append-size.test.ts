// A request whose events would be larger than one append may be (EventStoreDB's limit, configurable) is
// refused with 413 problem+json and records nothing, on the embedded store as on EventStoreDB.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { type Services, createServices } from '../../src/application/services.js';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import { SqliteEventStore } from '../../src/infra/sqlite-event-store.js';
import { SECRET, sampleProject, tokens } from './harness.js';

const LIMIT = 8192;
let dir: string;
let services: Services;
let app: Awaited<ReturnType<typeof buildApp>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'isp-append-size-'));
  services = createServices(SqliteEventStore.open(join(dir, 'events.db'), { maxAppendBytes: LIMIT }), EmbeddedReadStore.open(null));
  app = await buildApp(services, { jwtSecret: SECRET });
  await services.runner.start();
});
afterAll(async () => {
  await app.close();
  await services.runner.stop();
  await services.events.close();
  rmSync(dir, { recursive: true, force: true });
});

const units = (n: number) => Array.from({ length: n }, (_, i) => ({ building: 'A栋', floor: String(1 + (i % 30)), number: `${1000 + i}`, area: 1 }));
const post = (body: unknown) =>
  app.inject({ method: 'POST', url: '/api/projects', headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });

describe('append size', () => {
  it('refuses events over the limit with 413 problem+json and appends nothing', async () => {
    const before = await services.events.headPosition();
    const res = await post({ ...sampleProject, units: units(300) });
    expect(res.statusCode, res.body).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json();
    expect(body).toMatchObject({ status: 413, code: 'APPEND_TOO_LARGE', limit: LIMIT });
    expect(body.size).toBeGreaterThan(LIMIT);
    expect(body.detail).toContain('nothing was recorded');
    expect(await services.events.headPosition()).toBe(before);
  });

  it('accepts the same request under the limit', async () => {
    const res = await post({ ...sampleProject, units: units(5) });
    expect(res.statusCode).toBe(201);
  });
});
