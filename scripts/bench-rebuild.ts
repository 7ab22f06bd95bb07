// npx tsx --max-semi-space-size=64 scripts/bench-rebuild.ts <dir> [--events N] [--scenario] [--without <projection>[,…]] [--persist] [--batch B] [--timeline]: the rebuild
// figure alone, for profiling; --scenario: the bench's whole log (procedures and demands too, bench-scenario-log.ts);
// --without: leave projections out (names, comma-separated, e.g. demand-matching-v1) to see what they cost
// (node --max-semi-space-size=64 --import tsx --cpu-prof scripts/bench-rebuild.ts …). Builds <dir>/events.db once (kept between
// runs), then rebuilds every read model from it into an in-memory read store (--persist: into a file, as the
// bench and the server do) and prints events/s beside a bare readAll scan of the same log. Without --persist the
// log collections stay in memory too: the 1M scenario log then exceeds Node's default 4 GB heap. It prints what
// the resident memory was made of at its peak (sampled); --timeline: memory and position every second.
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { EmbeddedReadStore } from '../src/infra/embedded-read-store.js';
import { SqliteEventStore } from '../src/infra/sqlite-event-store.js';
import { AUDIT_TRAIL } from '../src/projections/audit-trail.js';
import { allProjections } from '../src/projections/index.js';
import { ProjectionRunner } from '../src/projections/runner.js';
import { LogGenerator, writeLog } from './bench-log.js';
import { ScenarioLog } from './bench-scenario-log.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { events: { type: 'string' }, scenario: { type: 'boolean', default: false }, without: { type: 'string' }, persist: { type: 'boolean', default: false }, batch: { type: 'string' }, timeline: { type: 'boolean', default: false } } });
const dir = positionals[0];
if (!dir) throw new Error('usage: bench-rebuild.ts <dir> [--events N] [--scenario] [--without <projection>[,…]] [--persist] [--batch B] [--timeline]');
mkdirSync(dir, { recursive: true });
const file = join(dir, 'events.db');
const fresh = !existsSync(file);
const events = SqliteEventStore.open(file);
if (fresh) {
  const size = Number(values.events ?? 50_000);
  const written = await writeLog(events, values.scenario ? new ScenarioLog({ events: size }).events() : new LogGenerator({ events: size }).events());
  console.log(`wrote ${written.events} events in ${(written.ms / 1000).toFixed(1)} s`);
}
const head = await events.headPosition();

let t0 = performance.now();
for (let after = 0; ; ) {
  const batch = await events.readAll(after, 500);
  if (batch.length === 0) break;
  after = batch[batch.length - 1]!.position;
}
const scan = head / ((performance.now() - t0) / 1000);

const readDir = join(dir, `reads-${process.pid}`);
const reads = EmbeddedReadStore.open(values.persist ? readDir : null);
let failure: unknown = null;
const left = new Set(values.without?.split(',') ?? []);
const projections = allProjections.filter((p) => !left.has(p.name));
if (projections.length !== allProjections.length - left.size) throw new Error(`not every one of ${values.without} is a projection's name`);
const runner = new ProjectionRunner(events, reads, projections, { onError: (e) => (failure = e), ...(values.batch ? { batchSize: Number(values.batch) } : {}) });
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
// The resident memory at its peak, in parts: the main thread's heap, and the rest (the threads' heaps, SQLite's
// caches, malloc's arenas, code). Sampled: the peak found is within a sample of the true one.
const mb = (n: number) => `${Math.round(n / 2 ** 20)} MB`;
let peak = process.memoryUsage();
let samples = 0;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  if (m.rss > peak.rss) peak = m;
  if (values.timeline && ++samples % 10 === 0) {
    console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s: position ${runner.position}, RSS ${mb(m.rss)}, main heap ${mb(m.heapTotal)} (used ${mb(m.heapUsed)})`);
  }
}, 100);
t0 = performance.now();
const cpu0 = process.cpuUsage();
await runner.start();
while (!(await runner.waitFor(head, 5_000))) if (failure) throw failure;
const projected = (performance.now() - t0) / 1000;
// Done when the file holds it all too: the writer thread's last writes and the log collections' indexes.
await reads.count(AUDIT_TRAIL, { _id: '' });
const seconds = (performance.now() - t0) / 1000;
console.log(`read models at the head after ${projected.toFixed(1)} s; the file (last writes, log indexes) ${(seconds - projected).toFixed(1)} s later`);
loopDelay.disable();
console.log(`the event loop held for up to ${(loopDelay.max / 1e6).toFixed(0)} ms at a stretch (p99 ${(loopDelay.percentile(99) / 1e6).toFixed(0)} ms)`);
clearInterval(sampler);
console.log(`at the sampled peak: RSS ${mb(peak.rss)} = the main thread's heap ${mb(peak.heapTotal)} (used ${mb(peak.heapUsed)}) + the rest ${mb(peak.rss - peak.heapTotal)}`);
const cpu = process.cpuUsage(cpu0);
console.log(`cpu ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (user ${(cpu.user / 1e6).toFixed(1)}); by thread: ${threadCpu()}`);
console.log(
  `${head} events: rebuild ${Math.round(head / seconds)} events/s (${seconds.toFixed(1)} s), bare readAll ${Math.round(scan)} events/s: ` +
    `${Math.round((100 * head) / seconds / scan)} %; peak RSS ${Math.round((process.resourceUsage().maxRSS * 1024) / 2 ** 20)} MB`,
);
await runner.stop();
await reads.close();
await events.close();

/** Linux: each thread's CPU seconds since it started (utime + stime), the busiest first, by name. */
function threadCpu(): string {
  const tick = 100; // USER_HZ
  const rows: [string, number][] = [];
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      rows.push([tid === String(process.pid) ? 'main' : name, (Number(f[11]) + Number(f[12])) / tick]);
    }
  } catch {
    return 'not on Linux';
  }
  return rows.sort((a, b) => b[1] - a[1]).filter(([, s]) => s >= 0.5).map(([n, s]) => `${n} ${s.toFixed(1)} s`).join(', ');
}
