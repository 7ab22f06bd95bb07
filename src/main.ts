// Composition root: configuration → stores → projections → HTTP.
import { buildApp } from './api/app.js';
import { ConfigError, authOptions, loadConfig, protectionOptions } from './config.js';
import type { Bus } from './infra/bus.js';
import { readCalendarFile } from './infra/calendar-file.js';
import { DEFAULT_CALENDAR, extendCalendar } from './domain/calendar.js';
import { openStores } from './infra/compose.js';
import { EventPublisher } from './projections/event-publisher.js';
import { createServices } from './application/services.js';

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
const stores = await openStores(config);
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
});
const app = await buildApp(services, { auth, ...protectionOptions(config), logger: { level: config.LOG_LEVEL } });
if (auth.generatedSecretFile) app.log.warn(`JWT_SECRET is not set: tokens are signed with the development secret in ${auth.generatedSecretFile} (npm run token uses it too). Production needs JWT_SECRET or JWT_JWKS_URL.`);
app.log.info({ stores: stores.describe }, 'stores opened');
services.runner.start().catch((err) => app.log.error({ err }, 'projections stopped'));
const publisher = bus ? new EventPublisher(stores.events, stores.reads, bus) : null;
await publisher?.start();
await app.listen({ port: config.PORT, host: config.HOST });

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  app.log.info({ signal }, 'shutting down');
  await app.close();
  await services.runner.stop();
  await publisher?.stop();
  await services.bus.close();
  await stores.events.close();
  await stores.reads.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
