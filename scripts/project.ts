// Runs the projections alone, without the HTTP server (a separate projector process, or a rebuild).
//   npm run project                 follow the log forever
//   npm run project -- --until-caught-up [--rebuild] [--batch 500] [--progress 10]
// With --until-caught-up it prints, once the stores are closed, {position, head, caughtUpMs, ms, maxRssMb}:
// the time until the projections reached the head, until the store held it all, and the peak memory.
// While behind the head it says how far it is every --progress seconds (0: never), on stderr.
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { openStores } from '../src/infra/compose.js';
import { keepHeapRoom } from '../src/infra/heap-room.js';
import { allProjections } from '../src/projections/index.js';
import { ProjectionRunner } from '../src/projections/runner.js';
import { Progress, roughly } from './project-progress.js';

const { values } = parseArgs({
  options: {
    'until-caught-up': { type: 'boolean', default: false },
    rebuild: { type: 'boolean', default: false },
    batch: { type: 'string', default: '500' },
    progress: { type: 'string', default: '10' },
  },
});
const progressEvery = Number(values.progress);
if (!(progressEvery >= 0)) throw new Error(`--progress takes seconds (0: never), not ${values.progress}`);
const config = loadConfig();
// A rebuild resets every read model as the stores open: an embedded file's documents are never loaded to be dropped.
const stores = await openStores(config, values.rebuild ? { resetOnOpen: allProjections } : {});
let failed: unknown = null;
// The heap's room above what survives kept near 200 MB, 30 % from the log's end (heap-room.ts). At 1M
// events (README, "Where a rebuild's memory goes"): the peak 1,160–1,407 MB without, 902–1,050 MB with it.
const heap = keepHeapRoom(200);
const runner = new ProjectionRunner(stores.events, stores.reads, allProjections, {
  batchSize: Number(values.batch),
  onError: (e) => (failed = e),
  onNotice: (message) => console.warn(message),
  beforeBulkEnd: () => heap.tighten(),
});

const started = Date.now();
await runner.start();
if (progressEvery > 0) {
  const progress = new Progress(runner.position, started);
  const tick = setInterval(() => {
    void stores.events.headPosition().then(
      (head) => {
        const line = progress.line({ position: runner.position, head, atMs: Date.now() });
        if (line) console.warn(line);
      },
      () => undefined, // the runner reports a log that fails; a missed line is no failure
    );
  }, progressEvery * 1000);
  tick.unref();
}

async function finish(code: number, answer?: Record<string, unknown>) {
  await runner.stop();
  await stores.events.close();
  // The store lets go of its documents at once, then waits for its file; collected meanwhile, the process
  // waits with what is live only (after a rebuild: the file's index builds, ~10 s at 1M events).
  const closing = stores.reads.close();
  heap.stop();
  await closing;
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
  if (progressEvery > 0) console.warn(`caught up with the log's head ${head.toLocaleString('en-US')} after ${roughly(Date.now() - started)}; closing the read store (an embedded file's last writes and indexes)`);
  await finish(0, { position: runner.position, head, caughtUpMs: Date.now() - started });
} else {
  process.on('SIGTERM', () => void finish(0));
  process.on('SIGINT', () => void finish(0));
}
