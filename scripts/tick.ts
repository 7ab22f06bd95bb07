// Runs the deadline scheduler until nothing is due (operations, and the crash test):
//   SCHEDULER_NOW=<ISO time> npx tsx scripts/tick.ts   the business clock to judge "due" by (default: now)
// Prints one line per deadline fired. Safe to run beside the server: each deadline fires exactly once.
import { createServices } from '../src/application/services.js';
import { tick } from '../src/application/scheduler.js';
import { loadConfig } from '../src/config.js';
import { openStores } from '../src/infra/compose.js';

const config = loadConfig();
const now = process.env.SCHEDULER_NOW;
const stores = await openStores(config);
const services = createServices(stores.events, stores.reads, { ...(now ? { clock: () => new Date(now) } : {}), consistencyTimeoutMs: 60_000 });
void services.runner.start();
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
