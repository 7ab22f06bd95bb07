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
  /** Publicity length of a notice unless the notice says otherwise. */
  PUBLICITY_WORKING_DAYS: z.coerce.number().int().positive().default(5),
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
});

export type Config = z.infer<typeof schema> & { jwtSecret: string; devSecret: boolean };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.parse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  return { ...parsed, jwtSecret: parsed.JWT_SECRET ?? DEV_SECRET, devSecret: parsed.JWT_SECRET === undefined };
}
