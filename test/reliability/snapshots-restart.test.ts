// The server as `npm start` runs it (src/main.ts) keeps stream snapshots in DATA_DIR/snapshots.db, writes
// what waits when it stops, and after a restart decides on them: the same answers as on the whole stream.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SNAPSHOT_EVERY } from '../../src/application/command-handler.js';
import { domainFingerprint } from '../../src/application/domain-fingerprint.js';
import { projectStream } from '../../src/domain/project.js';
import { SqliteSnapshotStore } from '../../src/infra/snapshot-store.js';
import { SECRET, sampleProject, tokens } from '../api/harness.js';
import { type MainProcess, startMain } from './main-process.js';

type Server = MainProcess;
const start = (dir: string) => startMain({ DATA_DIR: dir, JWT_SECRET: SECRET, NATS_URL: '', EVENTSTORE_URL: '', MONGO_URL: '', EVENTS_FILE: '' });

async function call(server: Server, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(server.url + path, {
    method,
    headers: { authorization: `Bearer ${tokens.nanshan}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('snapshots through a restart of the server', () => {
  let dir: string;
  let server: Server | null = null;
  const stop = async () => {
    server!.proc.kill('SIGTERM');
    expect(await server!.exited).toBe(0);
    server = null;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'isp-snapshots-restart-'));
  });
  afterAll(() => {
    server?.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes one at the 16th event, keeps it through a stop, and decides on it after the restart', async () => {
    server = await start(dir);
    const reg = await call(server, 'POST', '/api/projects', sampleProject);
    expect(reg.status).toBe(201);
    const id = reg.body.id as string;
    for (let i = 1; i <= SNAPSHOT_EVERY + 2; i++) {
      const patch = await call(server, 'PATCH', `/api/projects/${id}`, { availableArea: 10_000 - i, reason: '租售情况变化' });
      expect(patch.body.revision).toBe(i);
    }
    await stop(); // its shutdown writes the snapshots waiting for their batch

    const snapshots = SqliteSnapshotStore.open(join(dir, 'snapshots.db'), domainFingerprint());
    const taken = snapshots.get(projectStream(id));
    snapshots.close();
    expect(taken?.revision).toBe(SNAPSHOT_EVERY - 1);
    expect(JSON.parse(taken!.state)).toMatchObject({ status: 'registered', fields: { availableArea: 10_000 - (SNAPSHOT_EVERY - 1) } });

    server = await start(dir);
    // A stale If-Match is refused as before, and the current one is accepted: the restarted server knows the head.
    expect((await call(server, 'PATCH', `/api/projects/${id}`, { availableArea: 1, reason: '更正' }, { 'if-match': '"3"' })).status).toBe(409);
    const next = await call(server, 'PATCH', `/api/projects/${id}`, { availableArea: 5000, summary: '重启之后', reason: '更正' }, { 'if-match': `"${SNAPSHOT_EVERY + 2}"` });
    expect(next.status).toBe(200);
    expect(next.body.revision).toBe(SNAPSHOT_EVERY + 3);
    const view = await call(server, 'GET', `/api/projects/${id}?consistentWith=${next.body.position as number}`);
    expect(view.body).toMatchObject({ availableArea: 5000, summary: '重启之后', name: sampleProject.name });
    await stop();
  }, 60_000);
});
