// npx tsx --expose-gc --max-semi-space-size=64 scripts/bench-frames.ts <read-models.db> [--views 50]: the `asOf`
// key frames (src/projections/history-frames.ts) of the public feed and the project search built from a
// read-model file as the server's as-of thread builds them, with their time, CPU and memory, then a few
// views of the projects as of random days answered from the columns. The file: one that
// `bench-rebuild.ts <dir> --scenario --persist` wrote (its reads-<pid>/read-models.db).
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import { LogCollections } from '../src/infra/embedded-log-collections.js';
import type { Doc, Filter, StreamOptions } from '../src/infra/read-store.js';
import { type HistoryReads, buildAhead, viewAt } from '../src/projections/history-frames.js';
import { PROJECTS, PROJECT_COLUMNS } from '../src/projections/project-search.js';
import { FEED_COLUMNS, PUBLIC_FEED } from '../src/projections/public-feed.js';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { views: { type: 'string' } } });
const [file] = positionals;
if (!file) throw new Error('usage: bench-frames.ts <read-models.db> [--views 50]');
const logs = new LogCollections(file);
// What the as-of thread reads through (as-of-thread.ts).
const rows: HistoryReads = {
  find: async (collection, filter, options) => logs.find(collection, filter, options),
  findOne: async (collection, filter) => logs.find(collection, filter, { limit: 1 })[0] ?? null,
  async *stream(collection: string, filter: Filter, options: StreamOptions = {}): AsyncGenerator<Doc[]> {
    yield* logs.pages(collection, filter, options.sort, Math.max(1, options.batchSize ?? 1000));
  },
};
const gc = (globalThis as { gc?: () => void }).gc;
const mb = (n: number) => `${Math.round(n / 1048576).toLocaleString('en-US')} MB`;
function memory(when: string): void {
  const m = process.memoryUsage();
  const old = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')!;
  console.log(`${when}: heap used ${mb(m.heapUsed)} of ${mb(m.heapTotal)} committed (old space ${mb(old.space_used_size)} of ${mb(old.space_size)}), RSS ${mb(m.rss)}, peak RSS ${mb(process.resourceUsage().maxRSS * 1024)}`);
}

memory('start');
for (const [collection, columns] of [[PUBLIC_FEED, FEED_COLUMNS], [PROJECTS, PROJECT_COLUMNS]] as const) {
  const started = performance.now();
  const cpu = process.cpuUsage();
  await buildAhead(rows, [{ collection, history: `${collection}_history`, columns }]);
  const used = process.cpuUsage(cpu);
  const count = logs.count(`${collection}_history`, {});
  console.log(`${collection}: ${count.toLocaleString('en-US')} history rows swept in ${((performance.now() - started) / 1000).toFixed(1)} s, CPU ${((used.user + used.system) / 1e6).toFixed(1)} s`);
}
memory('after the builds');
if (gc) {
  gc();
  gc();
  memory('after two full collections (live)');
} else console.log('(run with --expose-gc for the live heap)');

// Views of the projects as of random days, a first page of the published, as the search asks.
const times: number[] = [];
const first = Date.UTC(2019, 0, 1);
for (let k = 0; k < Number(values.views ?? 50); k++) {
  const at = new Date(first + Math.random() * (Date.now() - first)).toISOString();
  const started = performance.now();
  const view = await viewAt(rows, `${PROJECTS}_history`, PROJECTS, 'occurredAt', at, PROJECT_COLUMNS);
  if (view.answer({ status: 'published' }, { publishedAt: -1, _id: 1 }, 20) === null) throw new Error('the columns did not answer the first page');
  times.push(performance.now() - started);
}
times.sort((a, b) => a - b);
const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(2);
if (times.length > 0) console.log(`${times.length} views as of random days, a first page each: p50 ${at(0.5)} ms, max ${at(1)} ms`);
logs.close();
