// docker-compose.yml and docker-compose.secure.yml validate (`docker-compose config -q`, Debian's
// docker-compose package; no engine needed), refuse to run without their secrets, and publish the
// backing services on loopback only. Skipped, saying so, where docker-compose is not installed.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const BINARY = (process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'docker-compose')).find((p) => existsSync(p));
if (!BINARY) console.warn('compose files not validated: docker-compose is not installed (apt-get install docker-compose)');

const SECURE_ENV = { ESDB_ADMIN_PASSWORD: 'a1', ESDB_OPS_PASSWORD: 'b2', MONGO_ROOT_PASSWORD: 'c3', MONGO_APP_PASSWORD: 'd4', NATS_PASSWORD: 'e5' };
const UNSET = { JWT_SECRET: '', ...Object.fromEntries(Object.keys(SECURE_ENV).map((k) => [k, ''])) };

async function compose(file: string, env: Record<string, string>, ...args: string[]) {
  // -p: a fixed project name, so the answer does not depend on the worktree's folder name.
  return run(BINARY!, ['-p', 'isp', '-f', file, ...args], { cwd: ROOT, env: { ...process.env, ...UNSET, ...env } }).then(
    ({ stdout }) => ({ ok: true, out: stdout }),
    (e: { stderr: string }) => ({ ok: false, out: e.stderr }),
  );
}

/** Published ports per service from `config` output: the lines `- <host>:<port>:<port>/tcp` under `ports:`. */
function published(config: string): Map<string, string[]> {
  const ports = new Map<string, string[]>();
  let service = '';
  let inPorts = false;
  for (const line of config.split('\n')) {
    const s = /^ {2}([a-z-]+):$/.exec(line);
    if (s) [service, inPorts] = [s[1]!, false];
    else if (/^ {4}ports:$/.test(line)) inPorts = true;
    else if (inPorts && /^ {4}- /.test(line)) ports.set(service, [...(ports.get(service) ?? []), line.trim().slice(2)]);
    else if (/^ {4}\S/.test(line)) inPorts = false;
  }
  return ports;
}

describe.skipIf(!BINARY)('compose files', () => {
  it('docker-compose.yml validates with JWT_SECRET, and fails with a clear message without it', async () => {
    expect(await compose('docker-compose.yml', { JWT_SECRET: 'x'.repeat(40) }, 'config', '-q')).toEqual({ ok: true, out: '' });
    const without = await compose('docker-compose.yml', {}, 'config', '-q');
    expect(without.ok).toBe(false);
    expect(without.out).toMatch(/set JWT_SECRET/);
  });

  it('docker-compose.secure.yml validates with its passwords, and fails without any one of them', async () => {
    expect(await compose('docker-compose.secure.yml', SECURE_ENV, 'config', '-q')).toEqual({ ok: true, out: '' });
    for (const name of Object.keys(SECURE_ENV)) {
      const res = await compose('docker-compose.secure.yml', { ...SECURE_ENV, [name]: '' }, 'config', '-q');
      expect(res.ok, name).toBe(false);
      expect(res.out).toMatch(new RegExp(`set ${name}`));
    }
  });

  it('publishes every port on loopback only, and restarts the app on failure', async () => {
    for (const [file, env] of [['docker-compose.yml', { JWT_SECRET: 'x'.repeat(40) }], ['docker-compose.secure.yml', SECURE_ENV]] as const) {
      const { ok, out } = await compose(file, env, 'config');
      expect(ok, out).toBe(true);
      const ports = published(out);
      expect([...ports.keys()].sort(), file).toEqual(['app', 'eventstore', 'mongo', 'nats']);
      for (const [service, list] of ports) for (const p of list) expect(p, `${file} ${service}`).toMatch(/^127\.0\.0\.1:/);
      expect(out).toMatch(/^ {4}restart: on-failure$/m);
      expect(out).toMatch(/isWritablePrimary/);
      expect(out).not.toMatch(/change-me|changeit/);
    }
  });
});
