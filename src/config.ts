// Configuration from the environment (api.md, "Configuration and commands"). Everything is optional:
// without any variable the platform runs embedded in one process.
import { z } from 'zod';

const DEV_SECRET = 'industrial-space-platform-development-secret-change-me';

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATA_DIR: z.string().default('./data'),
  JWT_SECRET: z.string().min(16).optional(),
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
  /** How long the embedded read models may wait in memory before being written to DATA_DIR (0: every batch). */
  READ_MODEL_FLUSH_MS: z.coerce.number().int().min(0).max(60_000).default(100),
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
  /** Publicity length of a notice unless the notice says otherwise. */
  PUBLICITY_WORKING_DAYS: z.coerce.number().int().positive().default(5),
  /** A demand's next follow-up (跟踪) is due this many working days after it is reported, matched, brokered or followed up. */
  DEMAND_FOLLOW_UP_WORKING_DAYS: z.coerce.number().int().positive().max(250).default(10),
});

export type Config = z.infer<typeof schema> & { jwtSecret: string; devSecret: boolean };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.parse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  return { ...parsed, jwtSecret: parsed.JWT_SECRET ?? DEV_SECRET, devSecret: parsed.JWT_SECRET === undefined };
}
