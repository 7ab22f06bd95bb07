// Composition root: configuration → stores → projections → HTTP.
import { buildApp } from './api/app.js';
import { loadConfig } from './config.js';
import type { Bus } from './infra/bus.js';
import { readCalendarFile } from './infra/calendar-file.js';
import { DEFAULT_CALENDAR, extendCalendar } from './domain/calendar.js';
import { openStores } from './infra/compose.js';
import { EventPublisher } from './projections/event-publisher.js';
import { createServices } from './application/services.js';
import { signingKeyFrom, startCheckpoints } from './application/checkpoints.js';
import { FileAnchorLedger } from './infra/checkpoint-anchors.js';
import { CutEventStore, readInvestigation } from './infra/cut-event-store.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const config = loadConfig();
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
let bus: Bus | undefined;
if (config.NATS_URL) {
  const { NatsBus } = await import('./infra/nats-bus.js');
  bus = await NatsBus.connect(config.NATS_URL);
}
const services = createServices(stores.events, stores.reads, {
  bus,
  calendar,
  consistencyTimeoutMs: config.CONSISTENCY_TIMEOUT_MS,
  publicityWorkingDays: config.PUBLICITY_WORKING_DAYS,
  anchors,
  duties: { reviewerMayResolveObjection: config.DUTIES_REVIEWER_MAY_RESOLVE === 'true', cityAdminDecidesInDistricts: config.DUTIES_CITY_ADMIN_DECIDES === 'true' },
});
const app = await buildApp(services, { jwtSecret: config.jwtSecret, logger: { level: config.LOG_LEVEL }, readOnly });
if (config.devSecret) app.log.warn('JWT_SECRET is not set: using the development secret. Never run like this in production.');
app.log.info({ stores: stores.describe }, 'stores opened');
services.runner.start().catch((err) => app.log.error({ err }, 'projections stopped'));
if (!anchors) app.log.warn('CHECKPOINT_SIGNING_KEY is not set: no signed checkpoints; removing the newest events would go unnoticed by verify.');
const stopCheckpoints = anchors
  ? startCheckpoints(stores.events, anchors, () => services.commands.now(), config.CHECKPOINT_INTERVAL_MS, (err) => app.log.error({ err }, 'checkpoint failed'))
  : () => undefined;
const publisher = bus && !readOnly ? new EventPublisher(stores.events, stores.reads, bus) : null;
await publisher?.start();
await app.listen({ port: config.PORT, host: config.HOST });

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  app.log.info({ signal }, 'shutting down');
  stopCheckpoints();
  await app.close();
  await services.runner.stop();
  await services.access.flush();
  await publisher?.stop();
  await services.bus.close();
  await stores.events.close();
  await stores.reads.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
