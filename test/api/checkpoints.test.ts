// Anchored tamper evidence: signed checkpoints published outside the log catch what the chain alone
// cannot: the newest events removed from the stored file, or the whole chain recomputed after a rewrite.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { checkpoint, signingKeyFrom } from '../../src/application/checkpoints.js';
import { FileAnchorLedger } from '../../src/infra/checkpoint-anchors.js';
import { chainHashRaw, GENESIS_HASH } from '../../src/infra/hash-chain.js';
import { type TestServer, sampleProject, startServer } from './harness.js';

const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const key = signingKeyFrom(pem);
let srv: TestServer | undefined;
const ledgerDirs: string[] = [];
afterEach(async () => {
  await srv?.close();
  srv = undefined;
  for (const dir of ledgerDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function serverWithAnchors() {
  const ledgerDir = mkdtempSync(join(tmpdir(), 'isp-anchor-'));
  ledgerDirs.push(ledgerDir);
  const ledger = new FileAnchorLedger(join(ledgerDir, 'checkpoints.jsonl'));
  srv = await startServer({ anchors: { ledger, key } });
  return { srv, ledger };
}

const register = async (s: TestServer, n: number) => {
  for (let i = 0; i < n; i++) expect((await s.request('POST', '/api/projects', { token: 'nanshan', body: { ...sampleProject, name: `检查点项目${i}` } })).status).toBe(201);
};

describe('signed checkpoints', () => {
  it('are appended to the log, published, and reported by verify when they match', async () => {
    const { srv, ledger } = await serverWithAnchors();
    await register(srv, 3);
    const anchor = await checkpoint(srv.services.events, ledger, key, '2027-03-01T02:00:00.000Z');
    expect(anchor).toMatchObject({ position: 3, algorithm: 'Ed25519', keyId: key.keyId });
    expect(await checkpoint(srv.services.events, ledger, key, '2027-03-01T02:01:00.000Z')).toBeNull(); // nothing new to sign
    const logged = await srv.request('GET', '/api/streams/system-checkpoints/events', { token: 'auditor' });
    expect(logged.body.items.map((e: { type: string; data: { position: number } }) => [e.type, e.data.position])).toEqual([['LogCheckpointed', 3]]);
    expect(await ledger.read()).toEqual([anchor]);
    const res = await srv.request('GET', '/api/audit/verify', { token: 'auditor' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, checked: 4, checkpoint: anchor });
  });

  it('deleting the newest events from the stored SQLite file is detected against the last checkpoint', async () => {
    const { srv, ledger } = await serverWithAnchors();
    await register(srv, 4);
    await checkpoint(srv.services.events, ledger, key, '2027-03-01T02:00:00.000Z'); // covers 1..4, itself at 5
    await register(srv, 2); // 6, 7
    const anchor = await checkpoint(srv.services.events, ledger, key, '2027-03-01T03:00:00.000Z'); // covers 1..7
    expect(anchor?.position).toBe(7);
    expect((await srv.request('GET', '/api/audit/verify', { token: 'auditor' })).body).toMatchObject({ ok: true, checkpoint: { position: 7 } });

    const raw = new Database(join(srv.dir, 'events.db'));
    raw.prepare('DELETE FROM events WHERE position >= ?').run(6); // the newest events and the checkpoint after them
    raw.close();
    const res = await srv.request('GET', '/api/audit/verify', { token: 'auditor' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: false, firstBadPosition: 6 });
    expect(res.body.reason).toMatch(/removed/);
  });

  it('a chain recomputed after a rewrite verifies on its own, but not against the checkpoint', async () => {
    const { srv, ledger } = await serverWithAnchors();
    await register(srv, 3);
    await checkpoint(srv.services.events, ledger, key, '2027-03-01T02:00:00.000Z');
    const raw = new Database(join(srv.dir, 'events.db'));
    const rows = raw.prepare('SELECT * FROM events ORDER BY position').all() as { position: number; revision: number; id: string; type: string; stream: string; data: string; metadata: string; occurred_at: string; recorded_at: string }[];
    let prev = GENESIS_HASH;
    const update = raw.prepare('UPDATE events SET data = ?, hash = ? WHERE position = ?');
    for (const r of rows) {
      const data = r.position === 1 ? r.data.replace('检查点项目0', '改写项目0') : r.data;
      prev = chainHashRaw(prev, { id: r.id, type: r.type, occurredAt: r.occurred_at, stream: r.stream, revision: r.revision, position: r.position, recordedAt: r.recorded_at }, data, r.metadata);
      update.run(data, prev, r.position);
    }
    raw.close();
    const res = await srv.request('GET', '/api/audit/verify', { token: 'auditor' });
    expect(res.body).toMatchObject({ ok: false, firstBadPosition: 3 });
    expect(res.body.reason).toMatch(/rewritten/);
  });

  it('an anchor with a forged signature is ignored', async () => {
    const { srv, ledger } = await serverWithAnchors();
    await register(srv, 2);
    const other = signingKeyFrom(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    await ledger.publish({ position: 99, hash: 'f'.repeat(64), signedAt: '2027-03-01T02:00:00.000Z', keyId: key.keyId, algorithm: 'Ed25519', signature: 'AAAA' });
    await checkpoint(srv.services.events, new FileAnchorLedger(join(srv.dir, 'elsewhere.jsonl')), other, '2027-03-01T02:00:00.000Z');
    expect((await srv.request('GET', '/api/audit/verify', { token: 'auditor' })).body).toEqual({ ok: true, checked: 3 });
  });
});
