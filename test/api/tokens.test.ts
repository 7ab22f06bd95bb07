// Which bearer tokens the API accepts (issue 10, "safe by default"): every token carries exp within the
// configured lifetime, iss/aud are checked when configured, alg none and unknown algorithms are refused,
// and tokens of an identity provider are verified against its JWKS (RS256/ES256) next to HS256.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, type GenerateKeyPairResult, type JWK, type JWTPayload, SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TokenVerifier, actorFromClaims } from '../../src/api/auth.js';
import { SECRET, type TestServer, sampleProject, startServer } from './harness.js';

const officer = { sub: 'officer-ns', role: 'housing_dept', district: 'nanshan', name: '南山区住房和建设局' };
const hmac = new TextEncoder().encode(SECRET);
const now = () => Math.floor(Date.now() / 1000);
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** An HS256 token with exactly the given claims (no exp unless given). */
const signed = (claims: JWTPayload, key: Uint8Array | CryptoKey = hmac, alg = 'HS256', kid?: string) =>
  new SignJWT(claims).setProtectedHeader({ alg, ...(kid ? { kid } : {}) }).sign(key);
const valid = (extra: JWTPayload = {}) => signed({ ...officer, iat: now(), exp: now() + 600, ...extra });

type Res = Awaited<ReturnType<TestServer['request']>>;

/** A command with this token: must be refused with `status` as problem+json, and append nothing. */
async function expectRefused(srv: TestServer, token: string, status = 401): Promise<Res> {
  const before = await srv.logSize();
  const res = await srv.request('POST', '/api/projects', { body: sampleProject, headers: { authorization: `Bearer ${token}` } });
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
  expect(await srv.logSize()).toBe(before);
  return res;
}

async function expectAccepted(srv: TestServer, token: string) {
  const res = await srv.request('POST', '/api/projects', { body: sampleProject, headers: { authorization: `Bearer ${token}` } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

describe('HS256 tokens, with issuer, audience and a maximum lifetime configured', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer({}, { auth: { issuer: 'https://sso.sz.gov.cn', audience: ['industrial-space'], maxLifetimeS: 3600 } });
  });
  afterAll(async () => srv?.close());
  const good = { iss: 'https://sso.sz.gov.cn', aud: 'industrial-space' };

  it('accepts a token with exp, the issuer and the audience', async () => {
    await expectAccepted(srv, await valid(good));
  });

  it('refuses a token without exp', async () => {
    const res = await expectRefused(srv, await signed({ ...officer, ...good, iat: now() }));
    expect(res.body.detail).toMatch(/exp/);
  });

  it('refuses a token with a wrong or missing audience', async () => {
    await expectRefused(srv, await valid({ ...good, aud: 'another-system' }));
    await expectRefused(srv, await valid({ iss: good.iss }));
  });

  it('refuses a token of another issuer, or of none', async () => {
    await expectRefused(srv, await valid({ ...good, iss: 'https://evil.example' }));
    await expectRefused(srv, await valid({ aud: good.aud }));
  });

  it('refuses a token valid for longer than the maximum lifetime', async () => {
    const res = await expectRefused(srv, await signed({ ...officer, ...good, iat: now(), exp: now() + 2 * 3600 }));
    expect(res.body.detail).toMatch(/longer than the 3600 s allowed/);
    // Without iat the lifetime counts from now.
    await expectRefused(srv, await signed({ ...officer, ...good, exp: now() + 2 * 3600 }));
  });

  it('refuses a token issued in the future, whose lifetime would count from then', async () => {
    const res = await expectRefused(srv, await signed({ ...officer, ...good, iat: now() + 10 * 365 * 86_400, exp: now() + 10 * 365 * 86_400 + 600 }));
    expect(res.body.detail).toMatch(/issued in the future/);
    // Within the clock tolerance it is accepted.
    expect((await srv.request('GET', '/api/deadlines', { headers: { authorization: `Bearer ${await signed({ ...officer, ...good, iat: now() + 20, exp: now() + 600 })}` } })).status).toBe(200);
  });

  it('refuses an expired token', async () => {
    await expectRefused(srv, await signed({ ...officer, ...good, iat: now() - 1200, exp: now() - 600 }));
  });

  it('refuses alg none, and HMAC algorithms other than HS256', async () => {
    const claims = { ...officer, ...good, iat: now(), exp: now() + 600 };
    const res = await expectRefused(srv, `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`);
    expect(res.body.detail).toMatch(/none/);
    await expectRefused(srv, `${b64({ alg: 'none' })}.${b64(claims)}.${(await valid(good)).split('.')[2]}`);
    await expectRefused(srv, await signed(claims, hmac, 'HS512'));
  });

  it('refuses RS256 when no key set is configured', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    await expectRefused(srv, await signed({ ...officer, ...good, iat: now(), exp: now() + 600 }, privateKey, 'RS256'));
  });
});

describe("an identity provider's JWKS next to HS256", () => {
  let rsa: GenerateKeyPairResult, ec: GenerateKeyPairResult, stranger: GenerateKeyPairResult;
  let jwks: Server;
  let jwksUrl: string;
  let keys: JWK[] = [];
  let fetched = 0;
  let srv: TestServer;
  let onlyJwks: TestServer;

  beforeAll(async () => {
    [rsa, ec, stranger] = await Promise.all([generateKeyPair('RS256'), generateKeyPair('ES256'), generateKeyPair('ES256')]);
    keys = [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ];
    jwks = createServer((_req, res) => {
      fetched++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    srv = await startServer({}, { auth: { jwksUrl } });
    onlyJwks = await startServer({}, { jwtSecret: undefined, auth: { jwksUrl, audience: ['industrial-space'] } });
  });
  afterAll(async () => {
    await srv?.close();
    await onlyJwks?.close();
    await new Promise((resolve) => jwks?.close(resolve));
  });

  const claims = () => ({ ...officer, aud: 'industrial-space', iat: now(), exp: now() + 600 });

  it('accepts RS256 and ES256 tokens signed with keys of the set, and still HS256', async () => {
    await expectAccepted(srv, await signed(claims(), rsa.privateKey, 'RS256', 'rsa-1'));
    await expectAccepted(srv, await signed(claims(), ec.privateKey, 'ES256', 'ec-1'));
    await expectAccepted(srv, await valid());
    expect(fetched).toBeGreaterThan(0);
  });

  it('refuses a token signed by a key outside the set, or with a key id of another key', async () => {
    await expectRefused(srv, await signed(claims(), stranger.privateKey, 'ES256', 'stranger'));
    await expectRefused(srv, await signed(claims(), stranger.privateKey, 'ES256', 'ec-1'));
  });

  it('refuses a token without exp even from the identity provider', async () => {
    const { exp: _exp, ...noExp } = claims();
    await expectRefused(srv, await signed(noExp, rsa.privateKey, 'RS256', 'rsa-1'));
  });

  it('with only a key set configured, HS256 tokens are refused and the audience is checked', async () => {
    await expectRefused(onlyJwks, await valid({ aud: 'industrial-space' }));
    await expectRefused(onlyJwks, await signed({ ...claims(), aud: 'other' }, ec.privateKey, 'ES256', 'ec-1'));
    await expectAccepted(onlyJwks, await signed(claims(), ec.privateKey, 'ES256', 'ec-1'));
  });

  it("answers 503 (not 401) when the key set cannot be fetched, since the token may be good", async () => {
    const down = await startServer({}, { jwtSecret: undefined, auth: { jwksUrl: 'http://127.0.0.1:9/jwks.json' } });
    try {
      const res = await expectRefused(down, await signed(claims(), ec.privateKey, 'ES256', 'ec-1'), 503);
      expect(res.headers.get('retry-after')).toBeTruthy();
    } finally {
      await down.close();
    }
  });
});

describe('the verified-token cache', () => {
  afterEach(() => vi.useRealTimers());

  it('answers a token again without verifying it, and never past its exp', async () => {
    const accepted: JWTPayload[] = [];
    const verifier = new TokenVerifier({ secret: SECRET }, (payload) => (accepted.push(payload), actorFromClaims(payload)));
    const token = await signed({ ...officer, iat: now(), exp: now() + 60 });
    const first = await verifier.verify(token);
    expect(await verifier.verify(token)).toBe(first);
    expect(accepted).toHaveLength(1); // the second answer came from the cache
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 120_000);
    await expect(verifier.verify(token)).rejects.toThrow(/expired/);
  });
});
