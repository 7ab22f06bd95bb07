// Verifies bearer tokens: HS256 with a shared secret (our own `npm run token`, small deployments) and
// RS256/ES256 from an identity provider's JWKS (the government SSO case), side by side: the token's
// header says which. Every token must carry `exp`, no longer after `iat` than the configured maximum;
// `iss` and `aud` are checked when configured. Anything else, `alg: none` included, is refused.
// HS256 is checked synchronously (fast-jwt): an asynchronous check would let requests with a cached
// token overtake earlier ones with a new token, and requests are otherwise handled in arrival order.
import { TokenError, createVerifier } from 'fast-jwt';
import { type JWTPayload, type JWTVerifyGetKey, createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify } from 'jose';

export interface AuthOptions {
  /** HS256 shared secret. */
  secret?: string;
  /** An identity provider's JSON Web Key Set (RS256 / ES256). */
  jwksUrl?: string;
  issuer?: string;
  /** Accepted audiences: a token must name one of them. */
  audience?: string[];
  /** The longest a token may be valid for, from `iat` (or from now, without `iat`) to `exp`. */
  maxLifetimeS?: number;
}

/** The token is refused (401). */
export class InvalidToken extends Error {}
/** The identity provider's key set cannot be fetched: the token may be fine, we cannot tell now (503). */
export class KeysUnavailable extends Error {}

const DEFAULT_MAX_LIFETIME_S = 86_400;
const ASYMMETRIC = ['RS256', 'ES256'];
/** Verified tokens kept, by their text, until they expire: verification is the costliest part of a request. */
const CACHE_ENTRIES = 10_000;
/** Clocks of the identity provider and ours may differ a little. */
export const CLOCK_TOLERANCE_S = 30;

export class TokenVerifier<T> {
  private readonly hs256?: (token: string) => JWTPayload;
  private readonly jwks?: JWTVerifyGetKey;
  private readonly maxLifetimeS: number;
  private readonly cache = new Map<string, { value: T; expiresAtMs: number }>();

  /** `accept` turns verified claims into what the caller needs (it may throw to refuse them). */
  constructor(
    private readonly options: AuthOptions,
    private readonly accept: (payload: JWTPayload) => T,
  ) {
    if (!options.secret && !options.jwksUrl) throw new Error('a token verifier needs a secret or a JWKS URL');
    if (options.secret) {
      this.hs256 = createVerifier({
        key: options.secret,
        algorithms: ['HS256'],
        // fast-jwt checks iss/aud only when present: configured, they are required.
        requiredClaims: ['exp', ...(options.issuer ? ['iss'] : []), ...(options.audience?.length ? ['aud'] : [])],
        clockTolerance: CLOCK_TOLERANCE_S * 1000,
        cache: false, // ours, below, keeps the accepted actor
        ...(options.issuer ? { allowedIss: options.issuer } : {}),
        ...(options.audience?.length ? { allowedAud: options.audience } : {}),
      });
    }
    if (options.jwksUrl) this.jwks = createRemoteJWKSet(new URL(options.jwksUrl));
    this.maxLifetimeS = options.maxLifetimeS ?? DEFAULT_MAX_LIFETIME_S;
  }

  async verify(token: string): Promise<T> {
    const now = Date.now();
    const hit = this.cache.get(token);
    if (hit && hit.expiresAtMs > now) return hit.value;
    if (hit) this.cache.delete(token);
    const payload = await this.check(token);
    const value = this.accept(payload);
    if (this.cache.size >= CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(token, { value, expiresAtMs: payload.exp! * 1000 });
    return value;
  }

  private async check(token: string): Promise<JWTPayload> {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new InvalidToken('the token is not a JWT');
    }
    let payload: JWTPayload;
    try {
      if (alg === 'HS256' && this.hs256) payload = this.hs256(token);
      else if (alg && ASYMMETRIC.includes(alg) && this.jwks) {
        const { issuer, audience } = this.options;
        payload = (await jwtVerify(token, this.jwks, { issuer, audience, requiredClaims: ['exp'], clockTolerance: CLOCK_TOLERANCE_S, algorithms: ASYMMETRIC })).payload;
      } else throw new InvalidToken(`tokens signed with ${alg ?? 'no algorithm'} are not accepted here`);
    } catch (e) {
      if (e instanceof InvalidToken) throw e;
      if (keySetUnreachable(e)) throw new KeysUnavailable("the identity provider's key set could not be fetched", { cause: e });
      throw new InvalidToken(reason(e));
    }
    const nowS = Math.floor(Date.now() / 1000);
    // Lifetime counts from iat: an iat in the future would stretch the longest lifetime allowed.
    if (payload.iat !== undefined && payload.iat > nowS + CLOCK_TOLERANCE_S) throw new InvalidToken('the token is issued in the future');
    const lifetime = payload.exp! - (payload.iat ?? nowS);
    if (lifetime > this.maxLifetimeS + CLOCK_TOLERANCE_S) {
      throw new InvalidToken(`the token is valid for ${lifetime} s, longer than the ${this.maxLifetimeS} s allowed`);
    }
    return payload;
  }
}

function reason(e: unknown): string {
  if (e instanceof TokenError) {
    if (e.code === TokenError.codes.expired) return 'the token has expired';
    if (e.code === TokenError.codes.invalidSignature) return 'the token signature does not verify';
    if (e.code === TokenError.codes.missingRequiredClaim || e.code === TokenError.codes.invalidClaimValue || e.code === TokenError.codes.inactive) return `the token is not accepted: ${e.message}`;
    return 'the token is invalid';
  }
  if (e instanceof errors.JWTExpired) return 'the token has expired';
  if (e instanceof errors.JWTClaimValidationFailed) return `the token's "${e.claim}" claim is not accepted: ${e.message}`;
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'the token signature does not verify';
  if (e instanceof errors.JWKSNoMatchingKey) return "no key of the identity provider's key set matches the token";
  return 'the token is invalid';
}

/** Fetching the key set failed (timeout, network, not 200, not a key set), as opposed to a bad token. */
function keySetUnreachable(e: unknown): boolean {
  if (e instanceof errors.JWKSTimeout || e instanceof errors.JWKSInvalid) return true;
  if (e instanceof TypeError && e.message === 'fetch failed') return true;
  return e instanceof errors.JOSEError && e.code === 'ERR_JOSE_GENERIC';
}
