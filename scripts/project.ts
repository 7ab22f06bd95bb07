// Runs the projections alone, without the HTTP server (a separate projector process, or a rebuild).
//   npm run project                 follow the log forever
//   npm run project -- --until-caught-up [--rebuild] [--batch 500]
// With --until-caught-up it prints, once the stores are closed, {position, head, caughtUpMs, ms, maxRssMb}:
// the time until the projections reached the head, until the store held it all, and the peak memory.
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { loadConfig } from '../src/config.js';
import { openStores } from '../src/infra/compose.js';
import { allProjections } from '../src/projections/index.js';
import { ProjectionRunner } from '../src/projections/runner.js';

const { values } = parseArgs({
  options: {
    'until-caught-up': { type: 'boolean', default: false },
    rebuild: { type: 'boolean', default: false },
    batch: { type: 'string', default: '500' },
  },
});
const config = loadConfig();
const stores = await openStores(config);
let failed: unknown = null;
const runner = new ProjectionRunner(stores.events, stores.reads, allProjections, {
  batchSize: Number(values.batch),
  onError: (e) => (failed = e),
  onNotice: (message) => console.warn(message),
  beforeBulkEnd: tightenHeap,
});

/**
 * A rebuild's heap. While the log is read, V8 lets the old generation grow to up to four times what survived its last
 * full collection; `npm run project` caps that at twice (--heap-growing-percent=100). The end (every document
 * serialised for the file, the indexes, matching every open demand) makes garbage more than data: from there
 * 30 %, counted from a collection made now (gc(), given by --expose-gc; without it the next one V8 makes).
 * At 1M events the peak 1,160–1,407 → 906–1,023 MB, in about the same time (README, "Where a rebuild's memory goes").
 */
function tightenHeap(): void {
  setFlagsFromString('--heap-growing-percent=30');
  (globalThis as { gc?: () => void }).gc?.();
}
const started = Date.now();
if (values.rebuild) for (const p of allProjections) await stores.reads.reset(p.name, p.collections);
await runner.start();

async function finish(code: number, answer?: Record<string, unknown>) {
  await runner.stop();
  await stores.events.close();
  await stores.reads.close();
  // After the close: the time until the read store held everything (an embedded file's last writes and
  // indexes too), and the process's peak memory (the bench's rebuild row reads both).
  if (answer) console.log(JSON.stringify({ ...answer, ms: Date.now() - started, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }));
  process.exit(code);
}

if (values['until-caught-up']) {
  const head = await stores.events.headPosition();
  while (!(await runner.waitFor(head, 1000))) {
    if (failed) break;
  }
  if (failed) {
    console.error('projection failed:', failed);
    await finish(1);
  }
  await finish(0, { position: runner.position, head, caughtUpMs: Date.now() - started });
} else {
  process.on('SIGTERM', () => void finish(0));
  process.on('SIGINT', () => void finish(0));
}
