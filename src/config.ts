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
  /** Separation of duties (第六章): 'true' lets the reviewing officer resolve objections against the review. */
  DUTIES_REVIEWER_MAY_RESOLVE: z.enum(['true', 'false']).default('false'),
  /** 'true' lets city_admin review, allocate and publish results in a district's procedure. */
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

export type Config = z.infer<typeof schema> & { jwtSecret: string; devSecret: boolean };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.parse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  return { ...parsed, jwtSecret: parsed.JWT_SECRET ?? DEV_SECRET, devSecret: parsed.JWT_SECRET === undefined };
}
