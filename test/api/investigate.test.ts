// An isolated replay: `npm run investigate -- --until <t>` builds every read model up to a moment in
// another directory, and a READ_ONLY server on it shows what the platform showed then, refusing commands.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { createServices } from '../../src/application/services.js';
import { CutEventStore, readInvestigation } from '../../src/infra/cut-event-store.js';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import { SqliteEventStore } from '../../src/infra/sqlite-event-store.js';
import { SECRET, type TestServer, sampleProject, startServer, tokens } from './harness.js';

let now = Date.parse('2027-03-01T02:00:00.000Z');
let live: TestServer;
let projectId = '';
let out = '';
const BEFORE_RENAME = '2027-03-01T02:30:00.000Z';

function investigate(args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(join('node_modules', '.bin', 'tsx'), ['scripts/investigate.ts', ...args], { env: { ...process.env, DATA_DIR: live.dir, LOG_LEVEL: 'silent' } });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('exit', (code) => resolve({ code, stderr, stdout }));
  });
}

beforeAll(async () => {
  live = await startServer({ clock: () => new Date(now) });
  const reg = await live.request('POST', '/api/projects', { token: 'nanshan', body: sampleProject });
  expect(reg.status).toBe(201);
  projectId = reg.body.id;
  now += 3_600_000; // an hour later the officer renames it
  const ren = await live.request('PATCH', `/api/projects/${projectId}`, { token: 'nanshan', body: { name: '南山智园崇文园区（更名）', reason: '名称规范' } });
  expect(ren.status).toBe(200);
  out = mkdtempSync(join(tmpdir(), 'isp-investigation-'));
  rmSync(out, { recursive: true });
});
afterAll(async () => {
  await live?.close();
  if (out) rmSync(out, { recursive: true, force: true });
});

describe('npm run investigate and a READ_ONLY server', () => {
  let app: FastifyInstance;
  let url = '';
  let copy: SqliteEventStore;

  it('rebuilds the read models up to the moment into another directory, with a progress bar', async () => {
    const liveSize = await live.logSize();
    const res = await investigate(['--until', BEFORE_RENAME, '--out', out]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/\[#+\] 100\.0%/);
    expect(existsSync(join(out, 'events.db'))).toBe(true);
    expect(readInvestigation(out)).toEqual({ cut: 1, head: 1 });
    expect(await live.logSize()).toBe(liveSize); // the live log and read models are untouched
    const current = await live.request('GET', `/api/projects/${projectId}`, { token: 'nanshan' });
    expect(current.body.name).toBe('南山智园崇文园区（更名）');
  });

  it('refuses an --out that is not empty, or no --until', async () => {
    expect((await investigate(['--until', BEFORE_RENAME, '--out', out])).code).toBe(2);
    expect((await investigate(['--out', join(out, 'x')])).code).toBe(2);
  });

  it('serves what the platform showed then, and refuses every command with 403', async () => {
    copy = SqliteEventStore.open(join(out, 'events.db'));
    const events = new CutEventStore(copy, readInvestigation(out)!);
    const reads = EmbeddedReadStore.open(out);
    const services = createServices(events, reads);
    app = await buildApp(services, { jwtSecret: SECRET, readOnly: true });
    await services.runner.start();
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    const then = (await (await fetch(`${url}/api/projects/${projectId}`, { headers: { authorization: `Bearer ${tokens.nanshan}` } })).json()) as { name: string };
    expect(then.name).toBe(sampleProject.name);
    const trail = (await (await fetch(`${url}/api/audit?record=${projectId}`, { headers: { authorization: `Bearer ${tokens.auditor}` } })).json()) as { items: { type: string }[] };
    expect(trail.items.map((e: { type: string }) => e.type)).toEqual(['ProjectRegistered']);

    const before = await copy.headPosition();
    const post = await fetch(`${url}/api/projects`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.nanshan}` }, body: JSON.stringify(sampleProject) });
    expect(post.status).toBe(403);
    expect(post.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await post.json()) as { code: string }).code).toBe('READ_ONLY');
    expect(await copy.headPosition()).toBe(before);
    await app.close();
    await services.runner.stop();
    await reads.close();
    await events.close();
  });
});
