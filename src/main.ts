// Composition root: configuration → stores → projections → HTTP.
import { buildApp } from './api/app.js';
import { ConfigError, authOptions, loadConfig, protectionOptions } from './config.js';
import { type Bus, LocalBus } from './infra/bus.js';
import type { NatsCoordination } from './infra/nats-lock.js';
import { readCalendarFile } from './infra/calendar-file.js';
import { DEFAULT_CALENDAR, extendCalendar } from './domain/calendar.js';
import { openStores } from './infra/compose.js';
import { EventPublisher } from './projections/event-publisher.js';
import { createServices, warmAsOf } from './application/services.js';
import { domainFingerprint } from './application/domain-fingerprint.js';
import { SqliteSnapshotStore } from './infra/snapshot-store.js';
import { startScheduler } from './application/scheduler.js';
import { signingKeyFrom, startCheckpoints } from './application/checkpoints.js';
import { FileAnchorLedger } from './infra/checkpoint-anchors.js';
import { CutEventStore, readInvestigation } from './infra/cut-event-store.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// A configuration the platform refuses (production without a signing key…) stops it here, before
// anything opens, with the reason on one line rather than a stack trace.
const { config, auth } = (() => {
  try {
    const config = loadConfig();
    return { config, auth: authOptions(config) };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(`industrial-space-platform: ${e.message}`);
    process.exit(1);
  }
})();
// A bad calendar file stops the start before anything opens.
const calendarAdditions = readCalendarFile(config.WORKING_CALENDAR_FILE);
const calendar = (() => {
  try {
    return extendCalendar(DEFAULT_CALENDAR, calendarAdditions);
  } catch (e) {
    throw new Error(`WORKING_CALENDAR_FILE ${config.WORKING_CALENDAR_FILE}: ${(e as Error).message}`, { cause: e });
  }
})();
const readOnly = config.READ_ONLY === '1' || config.READ_ONLY === 'true';
const stores = await openStores(config);
if (readOnly) {
  // An investigation copy: the read models never move past its cut (a plain read-only DATA_DIR has none).
  const view = readInvestigation(config.DATA_DIR);
  if (view) stores.events = new CutEventStore(stores.events, view);
}
// Signed checkpoints when a key is configured: a bad key stops the start.
const signingPem = config.CHECKPOINT_SIGNING_KEY ?? (config.CHECKPOINT_SIGNING_KEY_FILE ? readFileSync(config.CHECKPOINT_SIGNING_KEY_FILE, 'utf8') : undefined);
const anchors = signingPem && !readOnly
  ? { ledger: new FileAnchorLedger(config.CHECKPOINT_FILE ?? join(config.DATA_DIR, 'checkpoints.jsonl')), key: signingKeyFrom(signingPem) }
  : undefined;
// A live update that could not be delivered (a listener that threw, a message that is not one) is logged.
const onLiveError = (err: unknown) => app.log.warn({ err }, 'live update not delivered');
let bus: Bus = new LocalBus(onLiveError);
let coordination: NatsCoordination | null = null;
if (config.NATS_URL) {
  const { NatsBus } = await import('./infra/nats-bus.js');
  bus = await NatsBus.connect(config.NATS_URL, { prefix: config.NATS_PREFIX, maxEventBytes: config.MAX_APPEND_BYTES, onError: onLiveError });
  // Several instances: cross-stream locks and the leader lease through NATS KV (see nats-lock.ts).
  const { NatsCoordination } = await import('./infra/nats-lock.js');
  coordination = await NatsCoordination.connect(config.NATS_URL, {
    prefix: config.NATS_PREFIX,
    lockTtlMs: config.LOCK_TTL_MS,
    lockWaitMs: config.LOCK_WAIT_MS,
    leaseTtlMs: config.LEADER_LEASE_MS,
  });
}
// The lease exists before the services, so live updates can ask whether this instance leads.
let onElected = async (): Promise<void> => undefined;
let onDemoted = async (): Promise<void> => undefined;
let leadershipChanges: Promise<void> = Promise.resolve(); // one change at a time, in order
const lease = coordination?.lease('leader', {
  onElected: () => (leadershipChanges = leadershipChanges.then(() => onElected()).catch((err) => app.log.error({ err }, 'taking the lead failed'))),
  onDemoted: () => (leadershipChanges = leadershipChanges.then(() => onDemoted()).catch((err) => app.log.error({ err }, 'handing the lead over failed'))),
  onError: (err) => app.log.warn({ err }, 'leader lease: NATS did not answer'),
});
// Streams' states for cold loads: a cache beside the log (see snapshot-store.ts); a read-only copy decides nothing.
const snapshots = readOnly ? undefined : SqliteSnapshotStore.open(join(config.DATA_DIR, 'snapshots.db'), domainFingerprint());
const services = createServices(stores.events, stores.reads, {
  snapshots,
  snapshotEvery: config.SNAPSHOT_EVERY,
  bus,
  calendar,
  consistencyTimeoutMs: config.CONSISTENCY_TIMEOUT_MS,
  publicityWorkingDays: config.PUBLICITY_WORKING_DAYS,
  demandFollowUpWorkingDays: config.DEMAND_FOLLOW_UP_WORKING_DAYS,
  onNotice: (message) => app.log.warn(message),
  onError: (err) => app.log.error({ err }, 'projections: failure, resubscribing from the checkpoint'),
  ...(coordination && lease ? { locks: coordination.locks(), leadership: lease } : {}),
  deadlines: {
    reviewWorkingDays: config.REVIEW_WORKING_DAYS,
    correctionWorkingDays: config.CORRECTION_WORKING_DAYS,
    objectionWorkingDays: config.OBJECTION_WORKING_DAYS,
    signingWorkingDays: config.SIGNING_WORKING_DAYS,
  },
  renewal: { maxRenewals: config.TENANCY_MAX_RENEWALS, maxRenewalMonths: config.TENANCY_RENEWAL_MAX_MONTHS },
  anchors,
  duties: { reviewerMayResolveObjection: false, cityAdminDecidesInDistricts: config.DUTIES_CITY_ADMIN_DECIDES === 'true' },
});
const app = await buildApp(services, { auth, ...protectionOptions(config), logger: { level: config.LOG_LEVEL }, readOnly });
if (auth.generatedSecretFile) app.log.warn(`JWT_SECRET is not set: tokens are signed with the development secret in ${auth.generatedSecretFile} (npm run token uses it too). Production needs JWT_SECRET or JWT_JWKS_URL.`);
app.log.info({ stores: stores.describe }, 'stores opened');
if (!anchors && !readOnly) app.log.warn('CHECKPOINT_SIGNING_KEY is not set: no signed checkpoints; removing the newest events would go unnoticed by verify.');
const stopCheckpoints = anchors
  ? startCheckpoints(stores.events, anchors, () => services.commands.now(), config.CHECKPOINT_INTERVAL_MS, (err) => app.log.error({ err }, 'checkpoint failed'))
  : () => undefined;
const publisher = config.NATS_URL && !readOnly
  ? new EventPublisher(stores.events, stores.reads, bus, { onError: (err, retryInMs) => app.log.warn({ err, retryInMs }, 'integration events: publish failed, retrying from the checkpoint') })
  : null;
// A read store shared by the instances (MongoDB) is written by the leader only; the others follow its
// checkpoints. Embedded read models belong to their process: every instance projects its own.
const sharedReads = stores.describe.reads !== 'embedded';
const startProjections = () => services.runner.start().catch((err) => app.log.error({ err }, 'projections could not start'));
if (lease) {
  onElected = async () => {
    app.log.info('leader: this instance publishes integration events and live updates' + (sharedReads ? ' and runs the projections' : ''));
    if (sharedReads) await startProjections();
    await publisher?.start();
  };
  onDemoted = async () => {
    app.log.warn('no longer the leader');
    await publisher?.stop();
    if (sharedReads) await services.runner.follow();
  };
  if (sharedReads) await services.runner.follow();
  else await startProjections();
  await lease.start();
} else {
  await startProjections();
  await publisher?.start();
}
await app.listen({ port: config.PORT, host: config.HOST });
void warmAsOf(services).catch((err) => app.log.warn({ err }, 'asOf key frames: not built ahead (the first asOf answer builds them)'));
// Deadlines that change state (a winner who did not sign, a lease at its end) are appended by the scheduler.
const stopScheduler = config.SCHEDULER_INTERVAL_MS > 0 && !readOnly ? startScheduler(services, config.SCHEDULER_INTERVAL_MS, (err) => app.log.error({ err }, 'deadline scheduler')) : () => {};

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  app.log.info({ signal }, 'shutting down');
  stopScheduler();
  stopCheckpoints();
  await app.close();
  await lease?.stop(); // hands the lease over at once instead of after its TTL
  await leadershipChanges;
  await services.runner.stop();
  // A failed last flush is logged, not an unhandled rejection that would leave the stores unclosed.
  await services.access.flush().catch((err) => app.log.error({ err }, 'access log: the last reads could not be written'));
  snapshots?.close();
  await publisher?.stop();
  await coordination?.close();
  await services.bus.close();
  await stores.events.close();
  await stores.reads.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
