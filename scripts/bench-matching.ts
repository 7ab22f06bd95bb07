// npx tsx scripts/bench-matching.ts <data dir> [--seconds S] [--rate R] [--changes N] [--runs K] [--projects N] [--snapshots [--seed] [--snapshot-every N]]
//   [--warm] [--settle] [--profile F]: issue 8's matching rows
// alone, on a data dir built by bench-rebuild.ts --scenario --persist, with CPU figures. Works on a copy
// (<data dir>/run-<pid>, removed at the end) so runs start from the same state. Two parts:
// - the lag run of bench 7a: R commands/s for S s, half registrations in longgang, half updates of
//   published projects (one in five a change of supply mode), each timed from its answer until visible;
// - N single changes of candidate projects as bench 7d (market area 1 ㎡ ↔ whole), one at a time.
// For both: the demand matching's time per batch (its afterBatch), and the process's CPU per command.
// --runs K: the lag run K times, each with a new command handler (cold, as after a restart); --snapshots: with
// a snapshot store (command-handler.ts) in the copy, kept from run to run, as a server's DATA_DIR keeps it;
// --seed: beginning with the snapshots that a server writing the log would have taken (bench-rebuild.ts's log
// comes without; made once into <data dir>/snapshots-N.db); --snapshot-every N: the handler's snapshotEvery (16).
// --warm: first match every open demand as the end of a rebuild does (catchUp); without it the state is a
// restarted server's, whose runner warms the matching's memory in the background (it prints when that is done,
// and how long the event loop was held meanwhile); --settle: the runs begin once that is done. --profile F:
// a CPU profile of the lag runs alone, written to F (.cpuprofile: DevTools, or any reader of V8's format).
import { cpSync, existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { CommandHandler, SNAPSHOT_EVERY, snapshotMark } from '../src/application/command-handler.js';
import { domainFingerprint } from '../src/application/domain-fingerprint.js';
import { type ProjectCommand, type ProjectState, projectDecider, projectStream } from '../src/domain/project.js';
import { EmbeddedReadStore } from '../src/infra/embedded-read-store.js';
import { SqliteEventStore } from '../src/infra/sqlite-event-store.js';
import { SqliteSnapshotStore } from '../src/infra/snapshot-store.js';
import { DEMAND_CANDIDATES, demandMatching } from '../src/projections/demand-matching.js';
import { DEMANDS } from '../src/projections/demands.js';
import { allProjections } from '../src/projections/index.js';
import { PROJECTS } from '../src/projections/project-search.js';
import { ProjectionRunner } from '../src/projections/runner.js';
import { timeStreamLoads } from './bench-kit.js';
import { BENCH_ACTOR } from './bench-log.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { seconds: { type: 'string' }, rate: { type: 'string' }, changes: { type: 'string' }, runs: { type: 'string' }, projects: { type: 'string' }, snapshots: { type: 'boolean', default: false }, seed: { type: 'boolean', default: false }, 'snapshot-every': { type: 'string' }, warm: { type: 'boolean', default: false }, settle: { type: 'boolean', default: false }, profile: { type: 'string' } } });
const source = positionals[0];
if (!source) throw new Error('usage: bench-matching.ts <data dir> [--seconds S] [--rate R] [--changes N] [--runs K] [--projects N] [--snapshots [--seed] [--snapshot-every N]] [--warm] [--settle] [--profile F]');
const reads0 = readdirSync(source).find((f) => f.startsWith('reads-'));
if (!reads0) throw new Error(`no persisted read models (reads-*) in ${source}: build them with bench-rebuild.ts --persist`);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const f1 = (n: number) => n.toFixed(1);
const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
const snapshotEvery = Number(values['snapshot-every'] ?? SNAPSHOT_EVERY);
// Checked before the seeding, which would otherwise name a file after a bad count and fail halfway.
if (!Number.isInteger(snapshotEvery) || snapshotEvery < 1) throw new Error(`--snapshot-every takes a whole number ≥ 1, not ${values['snapshot-every']}`);
// --seed: made once per data dir and interval, before the copy, so its reads of the log do not leave the
// log's pages in the page cache for the runs (the copy passes the log first, then the larger read models).
const seeded = values.snapshots && values.seed ? join(source, `snapshots-${snapshotEvery}.db`) : null;
if (seeded && !existsSync(seeded)) seedSnapshots(seeded);
const dir = join(source, `run-${process.pid}`);
for (const f of readdirSync(source)) if (f.startsWith('events.db')) cpSync(join(source, f), join(dir, f));
if (seeded) cpSync(seeded, join(dir, 'snapshots.db'));
cpSync(join(source, reads0), join(dir, 'reads'), { recursive: true });

/**
 * Every project stream's snapshot at its newest revision r with (r + 1) a multiple of snapshotEvery. execute() takes
 * it at the decision that crosses a multiple: the same revision wherever decisions append one event each.
 */
function seedSnapshots(file: string): void {
  const t0 = performance.now();
  // Read-only: the data dir stays as bench-rebuild.ts left it.
  const log = new Database(join(source!, 'events.db'), { readonly: true });
  const streams = log.prepare("SELECT DISTINCT stream FROM events WHERE stream >= 'project-' AND stream < 'project.'").pluck().all() as string[];
  const read = log.prepare('SELECT id, type, data FROM events WHERE stream = ? ORDER BY revision');
  rmSync(`${file}.tmp`, { force: true });
  const store = SqliteSnapshotStore.open(`${file}.tmp`, domainFingerprint());
  let taken = 0;
  for (const stream of streams) {
    const recorded = read.all(stream) as { id: string; type: string; data: string }[];
    const at = snapshotMark(recorded.length - 1, snapshotEvery);
    if (at < 0) continue;
    let state: ProjectState = projectDecider.initialState;
    for (const e of recorded.slice(0, at + 1)) state = projectDecider.evolve(state, { type: e.type, data: JSON.parse(e.data) } as never);
    store.put(stream, { revision: at, eventId: recorded[at]!.id, state: JSON.stringify(state) });
    if (++taken % 10_000 === 0) store.flush();
  }
  store.close();
  log.close();
  renameSync(`${file}.tmp`, file);
  console.log(`seeded ${taken} snapshots of ${streams.length} project streams (every ${snapshotEvery} events) into ${file} in ${f1(performance.now() - t0)} ms`);
}

/** Bytes this process has had read from the disk itself (Linux; page-cache hits are not counted), NaN elsewhere. */
const diskRead = () => {
  try {
    return Number(/read_bytes: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? NaN);
  } catch {
    return NaN;
  }
};

// The matching's own time per batch: its afterBatch is synchronous work between a few store reads.
// CPU time (the machine is shared: wall time says little); what runs between its awaits is counted too.
const batches: { ms: number; events: number; ops: number }[] = [];
const afterBatch = demandMatching.afterBatch!;
demandMatching.afterBatch = async (store, batch, position) => {
  const c0 = process.cpuUsage();
  const ops = await afterBatch(store, batch, position);
  batches.push({ ms: cpuMs(process.cpuUsage(c0)), events: batch.length, ops: ops.length });
  return ops;
};
const summary = (from: number) => {
  const b = batches.slice(from);
  const times = b.map((x) => x.ms);
  const total = times.reduce((a, x) => a + x, 0);
  return `${b.length} batches (${f1(b.reduce((a, x) => a + x.events, 0) / Math.max(1, b.length))} events each), matching cpu ${f1(total)} ms in all, per batch p50 ${f1(pct(times, 50))} p99 ${f1(pct(times, 99))} max ${f1(Math.max(0, ...times))} ms, ${b.reduce((a, x) => a + x.ops, 0)} ops`;
};

const events = SqliteEventStore.open(join(dir, 'events.db'));
const reads = EmbeddedReadStore.open(join(dir, 'reads'));
if (values.warm) {
  const at = await reads.getCheckpoint(demandMatching.name);
  const t0 = performance.now();
  let ops = 0;
  await demandMatching.catchUp!(reads, at, async (part) => {
    ops += part.length;
    await reads.commit(demandMatching.name, part, at);
  });
  console.log(`catch-up match of every open demand: ${f1(performance.now() - t0)} ms, ${ops} ops (a list that differs from live matching's would be one)`);
}
const runner = new ProjectionRunner(events, reads, allProjections);
await runner.start();
const warmFrom = performance.now();
// How long the event loop was held at a stretch while the memory warmed (a server answers nothing then).
const startDelay = monitorEventLoopDelay({ resolution: 10 });
startDelay.enable();
const warmedNow = runner.warmed().then(() => {
  startDelay.disable();
  console.log(`the matching's memory warmed ${f1(performance.now() - warmFrom)} ms after the start; the event loop held for up to ${f1(startDelay.max / 1e6)} ms meanwhile`);
});
if (!(await runner.waitFor(await events.headPosition(), 600_000))) throw new Error('not caught up');
const snapshots = values.snapshots ? SqliteSnapshotStore.open(join(dir, 'snapshots.db'), domainFingerprint()) : undefined;
let commands = new CommandHandler(events, { snapshots, snapshotEvery });
// The streams' loads: how many, how many events they read and their time (synchronous: SQLite on this thread).
const { loads } = timeStreamLoads(events);
const openDemands = await reads.count(DEMANDS, { status: 'open' });
const published = (await reads.find(PROJECTS, { status: 'published' })).map((p) => ({ id: p._id, totalArea: Number(p.totalArea), modes: (p.supplyModes as string[]).length }));
// --projects N: the lag run updates only the first N of them (the bench's log has ~2,400), so runs after the
// first meet streams an earlier run loaded.
const updated = values.projects ? published.slice(0, Number(values.projects)) : published;
console.log(`${await events.headPosition()} events, ${openDemands} open demands, ${published.length} published projects`);
// --settle: the runs begin once the memory has warmed (a server's steady state); without it they overlap the warm-up.
if (values.settle) await warmedNow;

// The first batch builds the matching's index unless the warm-up has (a restarted server pays this once).
{
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const p = published[0]!;
  const r = await commands.execute(projectDecider, projectStream(p.id), p.id, { type: 'UpdateProject', changes: { managementFee: 5.5 }, reason: '物业管理费调整' }, { actor: BENCH_ACTOR });
  await runner.waitFor(r.position, 60_000);
  console.log(`first batch (one update): ${f1(performance.now() - t0)} ms, cpu ${f1(cpuMs(process.cpuUsage(c0)))} ms; ${summary(batches.length - 1)}`);
}

// 1. The lag run, --runs times.
const profiler = values.profile ? new Session() : null;
profiler?.connect();
await profiler?.post('Profiler.enable');
await profiler?.post('Profiler.start');
for (let run = 0; run < Number(values.runs ?? 1); run++) {
  if (run > 0) commands = new CommandHandler(events, { snapshots, snapshotEvery });
  Object.assign(loads, { count: 0, found: 0, events: 0, ms: 0 });
  const latencies: number[] = [];
  const rate = Number(values.rate ?? 1000);
  const total = Math.round(rate * Number(values.seconds ?? 5));
  const lags: number[] = [];
  const inFlight = new Set<Promise<void>>();
  const busy = new Set<string>();
  let errors = 0;
  const from = batches.length;
  const fire = (k: number) => {
    let id: string;
    let command: ProjectCommand;
    if (k % 2 === 0) {
      id = `b0000009-0000-4000-8000-${(k + run * total + process.pid * 1e7).toString(16).padStart(12, '0')}`;
      const units = [{ building: '1栋', floor: '6层', number: '601', area: 900 }];
      const fields = { name: `龙岗创新型产业用房${k}号`, district: 'longgang', address: '龙岗区坂田街道雪岗路2018号', useType: 'rnd', supplyModes: ['rent'], totalArea: 18_000, managingDepartment: '龙岗区住房和建设局', location: { lng: 114.07, lat: 22.63 } };
      command = { type: 'RegisterProject', projectId: id, fields, units } as unknown as ProjectCommand;
    } else {
      const p = updated[Math.floor(Math.random() * updated.length)]!;
      id = p.id;
      if (k % 10 === 1 && !busy.has(id)) {
        const two = p.modes === 2;
        p.modes = two ? 1 : 2;
        command = { type: 'UpdateProject', changes: { supplyModes: two ? ['rent'] : ['rent', 'sale'] }, reason: '经批准调整供应方式' };
      } else {
        command = { type: 'UpdateProject', changes: { managementFee: 5 + k / 1e7 }, reason: '物业管理费调整' };
      }
    }
    busy.add(id);
    const s0 = performance.now();
    const p = commands
      .execute(projectDecider, projectStream(id), id, command, { actor: BENCH_ACTOR })
      .then(async (result) => {
        const answered = performance.now();
        latencies.push(answered - s0);
        if (!(await runner.waitFor(result.position, 30_000))) throw new Error(`position ${result.position} not visible after 30 s`);
        lags.push(performance.now() - answered);
      })
      .catch((error: unknown) => {
        if (errors++ === 0) console.log(`  the first failed command: ${error instanceof Error ? error.message : String(error)}`);
      })
      .finally(() => {
        inFlight.delete(p);
        busy.delete(id);
      });
    inFlight.add(p);
  };
  const c0 = process.cpuUsage();
  const held = monitorEventLoopDelay({ resolution: 10 });
  held.enable();
  const read0 = diskRead();
  const t0 = performance.now();
  let issued = 0;
  while (issued < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
    while (issued < due) fire(issued++);
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuMs(process.cpuUsage(c0));
  held.disable();
  console.log(`lag run ${run + 1}: ${total} commands at ${Math.round(total / seconds)}/s${errors ? `, ${errors} failed` : ''}: lag p50 ${f1(pct(lags, 50))} p99 ${f1(pct(lags, 99))} max ${f1(Math.max(0, ...lags))} ms; command p99 ${f1(pct(latencies, 99))} ms; cpu ${f1(cpu / total)} ms per command; the event loop held up to ${f1(held.max / 1e6)} ms`);
  console.log(`  stream loads: ${loads.count} (${loads.found} found a stream), ${f1(loads.events / Math.max(1, loads.found))} events each of those, ${(loads.ms / Math.max(1, loads.count)).toFixed(3)} ms each, ${f1(loads.ms)} ms in all; read from the disk during the run ${f1((diskRead() - read0) / 2 ** 20)} MB`);
  snapshots?.flush();
  console.log(`  ${summary(from)}`);
}

if (profiler) {
  const { profile } = await profiler.post('Profiler.stop');
  writeFileSync(values.profile!, JSON.stringify(profile));
  profiler.disconnect();
}

// 2. Single changes of candidate projects.
{
  const n = Number(values.changes ?? 40);
  const listed = new Set<string>();
  for (const doc of await reads.find(DEMAND_CANDIDATES, {})) for (const c of (doc.candidates as { projectId: string }[] | undefined) ?? []) listed.add(c.projectId);
  const chosen = published.filter((p) => listed.has(p.id)).sort(() => Math.random() - 0.5).slice(0, Math.ceil(n / 2));
  const lags: number[] = [];
  const moved: number[] = [];
  const from = batches.length;
  const c0 = process.cpuUsage();
  for (let k = 0; k < n; k++) {
    const p = chosen[Math.floor(k / 2) % chosen.length]!;
    const before = await reads.count(DEMAND_CANDIDATES, { 'candidates.projectId': p.id });
    const r = await commands.execute(projectDecider, projectStream(p.id), p.id, { type: 'UpdateProject', changes: { availableArea: k % 2 === 0 ? 1 : p.totalArea }, reason: '租售情况变化，更新未租售用房面积' }, { actor: BENCH_ACTOR });
    const answered = performance.now();
    if (!(await runner.waitFor(r.position, 60_000))) throw new Error('not visible');
    lags.push(performance.now() - answered);
    moved.push(Math.abs((await reads.count(DEMAND_CANDIDATES, { 'candidates.projectId': p.id })) - before));
  }
  const cpu = cpuMs(process.cpuUsage(c0));
  console.log(`single changes: ${n}: lag p50 ${f1(pct(lags, 50))} p99 ${f1(pct(lags, 99))} max ${f1(Math.max(0, ...lags))} ms; lists moved per change median ${pct(moved, 50)} max ${Math.max(...moved)}; cpu ${f1(cpu / n)} ms per change (with the counts)`);
  console.log(`  ${summary(from)}`);
}

await runner.stop();
snapshots?.close();
await reads.close();
await events.close();
rmSync(dir, { recursive: true, force: true });
