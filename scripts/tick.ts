// Runs the deadline scheduler until nothing is due (operations, and the crash test):
//   SCHEDULER_NOW=<ISO time> npm run tick   the business clock to judge "due" by (default: now)
// Prints one line per deadline fired. Safe to run beside the server: each deadline fires exactly once
// (on EventStoreDB only with NATS_URL, whose lock orders the hash chain's writers: refused without).
// Counts as the server does (the working calendar and the deadline settings of the configuration), so a
// 递补 it appends gets the signing deadline the server would give it.
import { createServices } from '../src/application/services.js';
import { tick } from '../src/application/scheduler.js';
import { loadConfig } from '../src/config.js';
import { DEFAULT_CALENDAR, extendCalendar } from '../src/domain/calendar.js';
import { readCalendarFile } from '../src/infra/calendar-file.js';
import { openStores } from '../src/infra/compose.js';

const config = loadConfig();
const now = process.env.SCHEDULER_NOW;
const stores = await openStores(config, { besideServer: true });
const services = createServices(stores.events, stores.reads, {
  ...(now ? { clock: () => new Date(now) } : {}),
  consistencyTimeoutMs: 60_000,
  calendar: extendCalendar(DEFAULT_CALENDAR, readCalendarFile(config.WORKING_CALENDAR_FILE)),
  deadlines: {
    reviewWorkingDays: config.REVIEW_WORKING_DAYS,
    correctionWorkingDays: config.CORRECTION_WORKING_DAYS,
    objectionWorkingDays: config.OBJECTION_WORKING_DAYS,
    signingWorkingDays: config.SIGNING_WORKING_DAYS,
  },
});
await services.runner.start(); // before the first tick: its stop() below must not race the start
const limit = Number(process.env.TICK_LIMIT ?? 100);
for (;;) {
  const { fired, settled } = await tick(services, { limit });
  for (const id of fired) console.log(`fired ${id}`);
  for (const s of settled) console.log(`settled ${s.id} ${s.code}`);
  if (fired.length === 0) break;
}
await services.runner.stop();
await stores.events.close();
await stores.reads.close();
