// NATS with credentials (docker-compose.secure.yml): the user and password (or token) in NATS_URL reach
// the server, and never the error messages. Against a real nats-server on a spare port, configured with
// the file compose ships (deploy/nats/nats-server.conf), its addresses and directory moved.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveUpdate } from '../../src/infra/bus.js';
import { NatsBus } from '../../src/infra/nats-bus.js';
import { NatsCoordination } from '../../src/infra/nats-lock.js';
import { natsConnectOptions, redactedNatsUrl } from '../../src/infra/nats-url.js';

const BINARY = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find((p) => existsSync(p));
if (!BINARY && process.env.CI) throw new Error('nats-server is not installed: .ci/run must install it');

describe('NATS_URL credentials', () => {
  it('become connect options, and are left out of the URL that is logged', () => {
    expect(natsConnectOptions('nats://isp:p%40ss@nats:4222')).toEqual({ servers: ['nats://nats:4222'], user: 'isp', pass: 'p@ss' });
    expect(natsConnectOptions('nats://s3cr3t-token@nats:4222')).toEqual({ servers: ['nats://nats:4222'], token: 's3cr3t-token' });
    expect(natsConnectOptions('nats://a:4222, nats://b:4222')).toEqual({ servers: ['nats://a:4222', 'nats://b:4222'] });
    expect(redactedNatsUrl('nats://isp:secret@nats:4222')).toBe('nats://nats:4222');
  });
});

describe.skipIf(!BINARY)('a nats-server that requires a password', () => {
  let server: ChildProcess;
  let port: number;
  let dir: string;
  beforeAll(async () => {
    port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    dir = mkdtempSync(join(tmpdir(), 'isp-nats-'));
    const shipped = readFileSync(join(import.meta.dirname, '..', '..', 'deploy', 'nats', 'nats-server.conf'), 'utf8');
    const conf = shipped
      .replace('listen: 0.0.0.0:4222', `listen: 127.0.0.1:${port}`)
      .replace(/^http: .*$/m, '')
      .replace('store_dir: /data', `store_dir: ${JSON.stringify(dir)}`);
    expect(conf).toContain(`listen: 127.0.0.1:${port}`);
    writeFileSync(join(dir, 'nats.conf'), conf);
    server = spawn(BINARY!, ['-c', join(dir, 'nats.conf')], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NATS_PASSWORD: 'correct-horse' } });
    // Ready when it says so (a positive signal, not a sleep).
    await new Promise<void>((resolve, reject) => {
      let log = '';
      server.stderr!.on('data', (c: Buffer) => {
        log += c.toString();
        if (log.includes('Server is ready')) resolve();
      });
      server.on('exit', (code) => reject(new Error(`nats-server exited (${code}): ${log}`)));
    });
  });
  afterAll(() => {
    server?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('connects with the credentials of the URL and carries live updates', async () => {
    const bus = await NatsBus.connect(`nats://isp:correct-horse@127.0.0.1:${port}`, { prefix: 'cred' });
    try {
      const got = new Promise<LiveUpdate>((resolve) => bus.onLive(resolve));
      const update: LiveUpdate = { topic: 'notices', position: 7, data: { n: 7 }, audience: { public: true } };
      await bus.publishLive(update);
      expect(await got).toEqual(update);
    } finally {
      await bus.close();
    }
  });

  it('coordinates (locks, the lease) with the credentials of the URL, as the bus does', async () => {
    const coordination = await NatsCoordination.connect(`nats://isp:correct-horse@127.0.0.1:${port}`, { prefix: 'cred' });
    try {
      expect(await coordination.locks().run('notice:n1', async () => 'held')).toBe('held');
    } finally {
      await coordination.close();
    }
    const wrong = await NatsCoordination.connect(`nats://isp:wrong-password@127.0.0.1:${port}`, { prefix: 'cred' }).catch((e: Error) => e);
    expect(wrong).toBeInstanceOf(Error);
    expect((wrong as Error).message).not.toContain('wrong-password');
  });

  it('is refused without them or with a wrong password, and the error does not show the password', async () => {
    await expect(NatsBus.connect(`nats://127.0.0.1:${port}`, { prefix: 'cred' })).rejects.toThrow(/did not answer/);
    const wrong = await NatsBus.connect(`nats://isp:wrong-password@127.0.0.1:${port}`, { prefix: 'cred' }).catch((e: Error) => e);
    expect(wrong).toBeInstanceOf(Error);
    expect((wrong as Error).message).not.toContain('wrong-password');
  });
});
