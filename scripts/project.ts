// Runs the projections alone, without the HTTP server (a separate projector process, or a rebuild).
//   npm run project                 follow the log forever
//   npm run project -- --until-caught-up [--rebuild] [--batch 500]
import { parseArgs } from 'node:util';
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
});
const started = Date.now();
if (values.rebuild) for (const p of allProjections) await stores.reads.reset(p.name, p.collections);
await runner.start();

async function finish(code: number) {
  await runner.stop();
  await stores.events.close();
  await stores.reads.close();
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
  console.log(JSON.stringify({ position: runner.position, head, ms: Date.now() - started }));
  await finish(0);
} else {
  process.on('SIGTERM', () => void finish(0));
  process.on('SIGINT', () => void finish(0));
}
