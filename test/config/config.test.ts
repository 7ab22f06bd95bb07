// Safe by default: production (NODE_ENV=production, or a HOST other than loopback) never runs without a
// configured signing key; in development the secret is generated once into DATA_DIR, so the server and
// `npm run token` agree; a secret that has been public is never accepted in production.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { TokenVerifier, actorFromClaims } from '../../src/api/auth.js';
import { ConfigError, SECRET_FILE, authOptions, isLoopback, loadConfig, protectionOptions } from '../../src/config.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'isp-config-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const strong = 'k'.repeat(24) + 'a-random-looking-tail-0123456789';

describe('refusing to start without a signing key', () => {
  it('refuses in production (NODE_ENV) and on a non-loopback HOST, and says what to set', () => {
    for (const env of [{ NODE_ENV: 'production' }, { HOST: '0.0.0.0' }, { HOST: '10.1.2.3' }, { HOST: '::' }]) {
      const config = loadConfig({ DATA_DIR: tempDir(), ...env });
      expect(config.production).toBe(true);
      expect(() => authOptions(config)).toThrow(ConfigError);
      expect(() => authOptions(config)).toThrow(/JWT_SECRET.*JWT_JWKS_URL/);
    }
  });

  it('accepts a configured secret or a key set in production', () => {
    expect(authOptions(loadConfig({ NODE_ENV: 'production', JWT_SECRET: strong })).secret).toBe(strong);
    const jwks = authOptions(loadConfig({ HOST: '0.0.0.0', JWT_JWKS_URL: 'https://sso.example/jwks.json', JWT_AUDIENCE: 'a, b' }));
    expect(jwks).toMatchObject({ jwksUrl: 'https://sso.example/jwks.json', audience: ['a', 'b'] });
    expect(jwks.secret).toBeUndefined();
  });

  it('never accepts a published or short secret in production', () => {
    for (const secret of ['industrial-space-platform-development-secret-change-me', 'change-me-compose-development-secret', 'sixteen-chars-ok-but-short']) {
      expect(() => authOptions(loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret }))).toThrow(ConfigError);
    }
  });

  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.0.0.2', 'localhost', '::1', '::ffff:127.0.0.1']) expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.10', '128.0.0.1', 'example.com']) expect(isLoopback(h), h).toBe(false);
  });

  it('npm start refuses with a one-line reason before opening anything', async () => {
    const dir = tempDir();
    const failed = await run(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'production', JWT_SECRET: '', JWT_JWKS_URL: '', DATA_DIR: dir, PORT: '0', EVENTSTORE_URL: '', MONGO_URL: '', NATS_URL: '' },
    }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed, 'the server started').not.toBeNull();
    expect(failed!.code).toBe(1);
    expect(failed!.stderr).toMatch(/refusing to start: NODE_ENV=production and no token signing key is configured\. Set JWT_SECRET/);
    expect(failed!.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(() => statSync(join(dir, 'events.db'))).toThrow(); // nothing opened
  });
});

describe('the development secret', () => {
  it('is generated once into DATA_DIR (0600) and read again, never a fixed string', () => {
    const dir = tempDir();
    const first = authOptions(loadConfig({ DATA_DIR: dir }));
    const again = authOptions(loadConfig({ DATA_DIR: dir }));
    const other = authOptions(loadConfig({ DATA_DIR: tempDir() }));
    expect(first.secret!.length).toBeGreaterThanOrEqual(32);
    expect(again.secret).toBe(first.secret);
    expect(other.secret).not.toBe(first.secret);
    expect(first.generatedSecretFile).toBe(join(dir, SECRET_FILE));
    expect(statSync(join(dir, SECRET_FILE)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, SECRET_FILE), 'utf8').trim()).toBe(first.secret);
  });

  it('signs the tokens of npm run token, which the server accepts', async () => {
    const dir = tempDir();
    const env = { ...process.env, DATA_DIR: dir, JWT_SECRET: '', JWT_JWKS_URL: '', NODE_ENV: '', HOST: '', JWT_ISSUER: 'local-sso', JWT_AUDIENCE: 'isp' };
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/token.ts', '--role', 'housing_dept', '--district', 'nanshan', '--sub', 'officer-1'], { cwd: ROOT, env });
    const auth = authOptions(loadConfig({ DATA_DIR: dir, JWT_ISSUER: 'local-sso', JWT_AUDIENCE: 'isp' }));
    const actor = await new TokenVerifier(auth, actorFromClaims).verify(stdout.trim());
    expect(actor).toMatchObject({ id: 'officer-1', role: 'housing_dept', district: 'nanshan' });
    // Another data directory has another secret: the same token is refused there.
    await expect(new TokenVerifier(authOptions(loadConfig({ DATA_DIR: tempDir() })), actorFromClaims).verify(stdout.trim())).rejects.toThrow(/signature/);
  });

  it('npm run token refuses a lifetime the server would refuse', async () => {
    const env = { ...process.env, DATA_DIR: tempDir(), JWT_SECRET: '', NODE_ENV: '', HOST: '', JWT_MAX_LIFETIME_S: '3600' };
    const failed = await run(process.execPath, ['--import', 'tsx', 'scripts/token.ts', '--role', 'city_admin', '--expiresIn', '2h'], { cwd: ROOT, env }).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 2, stderr: expect.stringMatching(/JWT_MAX_LIFETIME_S/) });
  });
});

describe('configuration of the protections', () => {
  it('reads rate limits, CORS origins and the proxy to trust', () => {
    const p = protectionOptions(loadConfig({ RATE_LIMIT_MAX: '50', RATE_LIMIT_WINDOW_S: '10', CORS_ORIGINS: 'https://portal.sz.gov.cn, http://localhost:5173', TRUST_PROXY: '10.0.0.0/8,127.0.0.1' }));
    expect(p).toEqual({ rateLimit: { max: 50, windowMs: 10_000 }, corsOrigins: ['https://portal.sz.gov.cn', 'http://localhost:5173'], trustProxy: ['10.0.0.0/8', '127.0.0.1'] });
    expect(protectionOptions(loadConfig({})).rateLimit!.max).toBeGreaterThan(0); // on by default
    expect(protectionOptions(loadConfig({})).trustProxy).toBeUndefined();
    expect(protectionOptions(loadConfig({ TRUST_PROXY: '1' })).trustProxy).toBeTypeOf('function');
  });

  it('refuses a CORS origin that is not an origin, and a bad number, with the variable named', () => {
    expect(() => loadConfig({ CORS_ORIGINS: 'https://portal.sz.gov.cn/path' })).toThrow(/CORS_ORIGINS/);
    expect(() => loadConfig({ RATE_LIMIT_MAX: 'lots' })).toThrow(/RATE_LIMIT_MAX/);
    expect(() => loadConfig({ JWT_JWKS_URL: 'ftp://x/jwks' })).toThrow(ConfigError);
  });
});

describe("the procedure's default terms", () => {
  it('takes a publicity of 1 to 30 working days, what a notice may set itself, and names the variable otherwise', () => {
    expect(loadConfig({ PUBLICITY_WORKING_DAYS: '30' }).PUBLICITY_WORKING_DAYS).toBe(30);
    for (const bad of ['31', '0', 'five']) expect(() => loadConfig({ PUBLICITY_WORKING_DAYS: bad }), bad).toThrow(/PUBLICITY_WORKING_DAYS/);
  });
});

describe('how often streams are snapshotted', () => {
  it('takes SNAPSHOT_EVERY as a whole number ≥ 1, unset leaving the handler its default, and names it when refused', () => {
    expect(loadConfig({ SNAPSHOT_EVERY: '4' }).SNAPSHOT_EVERY).toBe(4);
    expect(loadConfig({}).SNAPSHOT_EVERY).toBeUndefined();
    for (const bad of ['0', '-4', '2.5', 'often']) expect(() => loadConfig({ SNAPSHOT_EVERY: bad }), bad).toThrow(/SNAPSHOT_EVERY/);
  });
});

describe('separation of duties', () => {
  it('has no switch that lets an officer resolve an objection against his or her own review (domain.md)', () => {
    expect(() => loadConfig({ DUTIES_REVIEWER_MAY_RESOLVE: 'true' })).toThrow(ConfigError);
    expect(() => loadConfig({ DUTIES_REVIEWER_MAY_RESOLVE: 'true' })).toThrow(/never resolves an objection/);
    expect(() => loadConfig({ DUTIES_REVIEWER_MAY_RESOLVE: 'false' })).not.toThrow();
    expect(loadConfig({ DUTIES_CITY_ADMIN_DECIDES: 'true' }).DUTIES_CITY_ADMIN_DECIDES).toBe('true');
  });
});
