// `npm run verify` (scripts/verify.ts): the chain and the newest signed checkpoint, on the embedded log
// or on EventStoreDB; it says plainly when there is no log or no server, with its own exit status.
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { checkpoint, signingKeyFrom } from '../../src/application/checkpoints.js';
import { FileAnchorLedger } from '../../src/infra/checkpoint-anchors.js';
import type { NewEvent } from '../../src/infra/event-store.js';
import { SqliteEventStore } from '../../src/infra/sqlite-event-store.js';

const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'isp-verify-'));
  dirs.push(dir);
  return dir;
};

function verify(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base = { ...process.env };
  for (const name of ['EVENTSTORE_URL', 'CHECKPOINT_SIGNING_KEY', 'CHECKPOINT_SIGNING_KEY_FILE', 'CHECKPOINT_FILE', 'DATA_DIR']) delete base[name];
  return new Promise((resolve) => {
    const child = spawn(join('node_modules', '.bin', 'tsx'), ['scripts/verify.ts'], { env: { ...base, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const ev = (n: number): NewEvent => {
  const requestId = randomUUID();
  return { id: randomUUID(), type: 'E', data: { n }, occurredAt: new Date().toISOString(), metadata: { actor: { id: 'u', role: 'city_admin' }, correlationId: requestId, causationId: null, requestId, schemaVersion: 1 } };
};

describe('npm run verify', () => {
  it('on the embedded log: 0 when the chain reaches the newest checkpoint, 1 once the newest events are gone', async () => {
    const dir = tempDir();
    const store = SqliteEventStore.open(join(dir, 'events.db'));
    for (let i = 0; i < 3; i++) await store.append(`s-${i % 2}`, [ev(i)], 'any');
    const anchor = await checkpoint(store, new FileAnchorLedger(join(dir, 'checkpoints.jsonl')), signingKeyFrom(pem), '2027-03-01T02:00:00.000Z');
    await store.append('s-0', [ev(9)], 'any');
    await store.close();
    expect(anchor?.position).toBe(3);

    const intact = await verify({ DATA_DIR: dir, CHECKPOINT_SIGNING_KEY: pem });
    expect(intact.code).toBe(0);
    expect(JSON.parse(intact.stdout)).toEqual({ ok: true, checked: 5, checkpoint: anchor });

    const raw = new Database(join(dir, 'events.db'));
    raw.prepare('DELETE FROM events WHERE position >= 3').run();
    raw.close();
    const cut = await verify({ DATA_DIR: dir, CHECKPOINT_SIGNING_KEY: pem });
    expect(cut.code).toBe(1);
    expect(JSON.parse(cut.stdout)).toMatchObject({ ok: false, firstBadPosition: 3 });
  }, 60_000);

  it('2 without a log to check', async () => {
    const result = await verify({ DATA_DIR: tempDir() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no log at .*events\.db/);
  }, 60_000);

  it('3 when EventStoreDB does not answer, saying so in one line without the credentials', async () => {
    const result = await verify({ DATA_DIR: tempDir(), EVENTSTORE_URL: 'esdb://admin:s3cret-pw@127.0.0.1:1?tls=false' });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/EventStoreDB at esdb:\/\/127\.0\.0\.1:1\?tls=false did not answer/);
    expect(result.stderr).not.toContain('s3cret-pw');
    expect(result.stdout).toBe('');
  }, 60_000);
});
