// The investigation copy as the README runs it: `npm run investigate -- --until <position> --out <dir>`, then
// `READ_ONLY=1 DATA_DIR=<dir> npm start` (src/main.ts in a process of its own): the platform as it stood at
// the cut, refusing every write.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { SECRET, sampleProject, tokens } from '../api/harness.js';
import { type MainProcess, startMain } from './main-process.js';

const run = promisify(execFile);
const dirs: string[] = [];
const servers: MainProcess[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'isp-inv-'));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  for (const s of servers) if (s.proc.exitCode === null) s.proc.kill('SIGKILL');
  await Promise.all(servers.map((s) => s.exited));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const ENV = { JWT_SECRET: SECRET, NATS_URL: '', EVENTSTORE_URL: '', MONGO_URL: '', CHECKPOINT_SIGNING_KEY: '' };
const call = async (url: string, method: string, path: string, body?: unknown) => {
  const res = await fetch(url + path, { method, headers: { authorization: `Bearer ${tokens.nanshan}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { items?: { name: string }[]; code?: string } };
};

describe('an investigation copy (READ_ONLY=1 npm start)', () => {
  it('shows the projects as at the cut and refuses every write with 403 READ_ONLY', async () => {
    const live = temp();
    const server = await startMain({ ...ENV, DATA_DIR: live }, 'the live server');
    servers.push(server);
    const publish = async (name: string) => {
      const created = await call(server.url, 'POST', '/api/projects', { ...sampleProject, name });
      expect(created.status).toBe(201);
      const published = await call(server.url, 'POST', `/api/projects/${created.body.id as string}/publish`);
      expect(published.status).toBe(200);
      return published.body.position as number;
    };
    const cut = await publish('调查前项目');
    await publish('调查后项目');
    server.proc.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    const copy = join(temp(), 'inv');
    await run(process.execPath, ['--import', 'tsx', 'scripts/investigate.ts', '--until', String(cut), '--out', copy], { env: { ...process.env, ...ENV, DATA_DIR: live } });
    const inv = await startMain({ ...ENV, DATA_DIR: copy, READ_ONLY: '1' }, 'the investigation server');
    servers.push(inv);
    expect((await fetch(`${inv.url}/ready`)).status).toBe(200);
    const listed = await call(inv.url, 'GET', '/api/projects?pageSize=100');
    expect(listed.body.items!.map((p) => p.name)).toEqual(['调查前项目']);
    const write = await call(inv.url, 'POST', '/api/projects', { ...sampleProject, name: '写入尝试' });
    expect([write.status, write.body.code]).toEqual([403, 'READ_ONLY']);
  });
});
