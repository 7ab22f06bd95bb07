// Configuration from the environment (api.md, "Configuration and commands"). Everything is optional:
// without any variable the platform runs embedded in one process.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { MAX_PUBLICITY_WORKING_DAYS } from './domain/notice.js';
import type { AuthOptions } from './api/token-verifier.js';
import type { ProtectionOptions } from './api/protection.js';

const list = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
  .optional();

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATA_DIR: z.string().default('./data'),
  NODE_ENV: z.string().optional(),
  /** HS256 signing key. Without it (and without JWT_JWKS_URL), a development key is generated into DATA_DIR. */
  JWT_SECRET: z.string().min(16).optional(),
  /** An identity provider's JSON Web Key Set: RS256 / ES256 tokens are verified against it. */
  JWT_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  JWT_ISSUER: z.string().optional(),
  /** Accepted audiences, comma-separated. */
  JWT_AUDIENCE: list,
  /** The longest a token may be valid (exp − iat), in seconds. */
  JWT_MAX_LIFETIME_S: z.coerce.number().int().positive().default(86_400),
  /** Anonymous requests per client address per window (0: no limit). */
  RATE_LIMIT_MAX: z.coerce.number().int().min(0).default(600),
  RATE_LIMIT_WINDOW_S: z.coerce.number().int().positive().default(60),
  /** Whose X-Forwarded-For gives the client address: `true`, a hop count, or addresses/CIDRs, comma-separated. */
  TRUST_PROXY: z.string().optional(),
  /** Portal origins allowed to call the API from a browser, comma-separated (`*`: any). */
  CORS_ORIGINS: list.pipe(z.array(z.union([z.literal('*'), z.url().refine((u) => new URL(u).origin === u, 'an origin: scheme://host[:port], no path')])).optional()),
  EVENTSTORE_URL: z.string().optional(),
  MONGO_URL: z.string().optional(),
  MONGO_DB: z.string().default('industrial_space'),
  NATS_URL: z.string().optional(),
  /** Prefix of the NATS subjects, JetStream stream and KV buckets: one per deployment sharing a server. */
  NATS_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/).default('isp'),
  /**
   * The embedded log's file (default DATA_DIR/events.db). Instances on one host may share it (SQLite
   * WAL, one writer at a time), each with its own DATA_DIR for its read models, and NATS_URL set.
   */
  EVENTS_FILE: z.string().optional(),
  /** With NATS_URL: a cross-instance lock whose holder died is free after this long (ms). */
  LOCK_TTL_MS: z.coerce.number().int().min(1000).default(30_000),
  /** With NATS_URL: how long a command waits for a lock held by another instance before 503 (ms). */
  LOCK_WAIT_MS: z.coerce.number().int().min(100).default(10_000),
  /** With NATS_URL: the leader's lease; renewed at a third of it, taken over when it runs out (ms). */
  LEADER_LEASE_MS: z.coerce.number().int().min(1000).default(10_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * How long the embedded read models may wait in memory before being written to DATA_DIR (0: every batch).
   * Unset: the store's own default (DEFAULT_PERSIST_DELAY_MS, 500 ms, which says why).
   */
  READ_MODEL_FLUSH_MS: z.coerce.number().int().min(0).max(60_000).optional(),
  /**
   * A stream's state is kept (DATA_DIR/snapshots.db) each time its events reach a multiple of this, so a cold
   * load reads at most this many. Unset: the command handler's SNAPSHOT_EVERY (16). Lower it where the
   * machine's memory does not hold the log: each event a load reads is then a read from the disk.
   */
  SNAPSHOT_EVERY: z.coerce.number().int().min(1).max(10_000).optional(),
  /** How long `consistentWith` may wait before a 503. */
  CONSISTENCY_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
  /**
   * A JSON file `{ "holidays": ["YYYY-MM-DD", …], "workdays": [...] }` of public holidays and make-up
   * working days (调休), added to the built-in calendar: the State Council publishes each year's.
   */
  WORKING_CALENDAR_FILE: z.string().optional(),
  /**
   * Largest append, in bytes, on every event store: EventStoreDB's MaxAppendSize (1 MiB by default).
   * A request whose events would be larger is refused with 413 before anything is written.
   */
  MAX_APPEND_BYTES: z.coerce.number().int().min(4096).default(1024 * 1024),
  /** Publicity length of a notice unless the notice says otherwise; no longer than a notice may set (else every publicity would be refused). */
  PUBLICITY_WORKING_DAYS: z.coerce.number().int().positive().max(MAX_PUBLICITY_WORKING_DAYS).default(5),
  /** A demand's next follow-up (跟踪) is due this many working days after it is reported, matched, brokered or followed up. */
  DEMAND_FOLLOW_UP_WORKING_DAYS: z.coerce.number().int().positive().max(250).default(10),
  /** Deadlines of the procedure, in working days, unless a notice sets its own (issue 7). */
  REVIEW_WORKING_DAYS: z.coerce.number().int().positive().default(10),
  CORRECTION_WORKING_DAYS: z.coerce.number().int().positive().default(5),
  OBJECTION_WORKING_DAYS: z.coerce.number().int().positive().default(5),
  /** A winner who has not signed this many working days after the result forfeits (the scheduler records it). */
  SIGNING_WORKING_DAYS: z.coerce.number().int().positive().default(15),
  /** 续租 policy: how many renewals a lease may have, and how far one renewal may extend it. */
  TENANCY_MAX_RENEWALS: z.coerce.number().int().min(0).default(2),
  TENANCY_RENEWAL_MAX_MONTHS: z.coerce.number().int().positive().default(36),
  /** How often the deadline scheduler looks for what is due (0: not at all, e.g. a second read-only instance). */
  SCHEDULER_INTERVAL_MS: z.coerce.number().int().min(0).default(60_000),
  /**
   * Separation of duties (第六章): an officer never resolves an objection against his or her own review
   * (domain.md), so there is no switch for it. `true` is refused rather than ignored, so a deployment that
   * once set it learns that it no longer holds.
   */
  DUTIES_REVIEWER_MAY_RESOLVE: z.literal('false', { error: 'an officer never resolves an objection against his or her own review (domain.md): unset it' }).optional(),
  /** 'true' lets city_admin review, allocate and publish results in a district's procedure, and review and publish exchanges. */
  DUTIES_CITY_ADMIN_DECIDES: z.enum(['true', 'false']).default('false'),
  /** Ed25519 private key (PEM) signing the log checkpoints; or CHECKPOINT_SIGNING_KEY_FILE naming a PEM file. */
  CHECKPOINT_SIGNING_KEY: z.string().optional(),
  CHECKPOINT_SIGNING_KEY_FILE: z.string().optional(),
  /** How often a checkpoint is signed (when the log moved). */
  CHECKPOINT_INTERVAL_MS: z.coerce.number().int().min(1000).default(60_000),
  /** Serve DATA_DIR read-only (an investigation copy, see npm run investigate): every command gets 403. */
  READ_ONLY: z.enum(['0', '1', 'true', 'false']).default('0'),
  /** Where checkpoints are published as JSON lines (default DATA_DIR/checkpoints.jsonl). */
  CHECKPOINT_FILE: z.string().optional(),
});

export type Config = z.infer<typeof schema> & {
  /** NODE_ENV=production, or listening on an address other than loopback: no development shortcuts. */
  production: boolean;
};

/** A configuration the platform refuses to start with; the message says what to set. */
export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!result.success) throw new ConfigError(`invalid configuration:\n${z.prettifyError(result.error)}`);
  const parsed = result.data;
  return { ...parsed, production: parsed.NODE_ENV === 'production' || !isLoopback(parsed.HOST) };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Secrets that have been public (in this source, its compose file or its docs): never good in production. */
const PUBLIC_SECRETS = new Set(['industrial-space-platform-development-secret-change-me', 'change-me-compose-development-secret', 'test-secret-of-at-least-sixteen-chars']);
const MIN_PRODUCTION_SECRET = 32;
export const SECRET_FILE = 'jwt-secret';

/**
 * The keys tokens are verified with. In production one must be configured; in development, without
 * one, a random secret is generated once into DATA_DIR, so `npm run token` and `npm start` agree.
 */
export function authOptions(config: Config): AuthOptions & { generatedSecretFile?: string } {
  const common = {
    ...(config.JWT_ISSUER ? { issuer: config.JWT_ISSUER } : {}),
    ...(config.JWT_AUDIENCE?.length ? { audience: config.JWT_AUDIENCE } : {}),
    maxLifetimeS: config.JWT_MAX_LIFETIME_S,
  };
  const secret = config.JWT_SECRET;
  if (secret && config.production) {
    if (PUBLIC_SECRETS.has(secret)) throw new ConfigError('JWT_SECRET is a secret that has been published (in this source or its examples): choose a random one, e.g. `openssl rand -base64 48`.');
    if (secret.length < MIN_PRODUCTION_SECRET) throw new ConfigError(`JWT_SECRET must have at least ${MIN_PRODUCTION_SECRET} characters in production, e.g. \`openssl rand -base64 48\`.`);
  }
  if (secret || config.JWT_JWKS_URL) {
    return { ...common, ...(secret ? { secret } : {}), ...(config.JWT_JWKS_URL ? { jwksUrl: config.JWT_JWKS_URL } : {}) };
  }
  if (config.production) {
    const why = config.NODE_ENV === 'production' ? 'NODE_ENV=production' : `HOST=${config.HOST} is not a loopback address`;
    throw new ConfigError(
      `refusing to start: ${why} and no token signing key is configured. Set JWT_SECRET (a random string of at least ${MIN_PRODUCTION_SECRET} characters, e.g. \`openssl rand -base64 48\`) or JWT_JWKS_URL (your identity provider's key set).`,
    );
  }
  const file = join(config.DATA_DIR, SECRET_FILE);
  return { ...common, secret: developmentSecret(file), generatedSecretFile: file };
}

/** Reads DATA_DIR/jwt-secret, or creates it (0600) if it does not exist; two processes starting at once agree. */
function developmentSecret(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  mkdirSync(join(file, '..'), { recursive: true });
  try {
    writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600); // whatever the umask
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  return readFileSync(file, 'utf8').trim();
}

/** Rate limits, CORS and the proxy to believe, for buildApp. */
export function protectionOptions(config: Config): ProtectionOptions & { trustProxy?: boolean | string[] | ((address: string, hop: number) => boolean) } {
  const trust = config.TRUST_PROXY;
  return {
    rateLimit: { max: config.RATE_LIMIT_MAX, windowMs: config.RATE_LIMIT_WINDOW_S * 1000 },
    corsOrigins: config.CORS_ORIGINS ?? [],
    ...(trust === undefined || trust === 'false' ? {} : { trustProxy: trust === 'true' ? true : /^\d+$/.test(trust) ? hops(Number(trust)) : trust.split(',').map((x) => x.trim()) }),
  };
}

/** Believe this many proxies in front of us (Fastify's hop count, spelled as the function its types take). */
const hops = (n: number) => (_address: string, hop: number) => hop < n;
