// npm run bench [-- --events N | --quick | --curve] [--seconds S] [--keep] [--commands-only: figures 1–2 alone, for profiling]
// Profiles: node --cpu-prof --import tsx scripts/bench.ts …, with BENCH_CPU_PROF=<dir> for the child servers, the rebuild (scripts/project.ts) and verify.
// EVENTSTORE_URL / MONGO_URL: the same figures on those servers (3–8; the SQLite-only ceilings are skipped).
//   Point them at empty servers: the log is written there, and readAll walks everything in $all.
//   --curve: figures 1–2 once, 3–8 for 100,000 and 1,000,000 events, and the cost curve table (5M: --events 5000000, with
//   NODE_OPTIONS=--max-old-space-size=16384 for this process and its servers: the embedded read store outgrows 4 GB)
//
// Figures of the embedded stores (SQLite event log, embedded read store) on this machine, each beside
// its ceiling measured in the same run (a bare better-sqlite3 insert, a bare scan of the log, a bare
// Fastify route) or beside the goal it must meet. Everything runs in a temp dir; servers run as child
// processes on 127.0.0.1 so the load generator does not share their event loop. Prints a markdown
// table and writes it to .bench/last.md.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { buildApp } from '../src/api/app.js';
import { CommandHandler } from '../src/application/command-handler.js';
import { domainFingerprint } from '../src/application/domain-fingerprint.js';
import { type ProjectCommand, projectDecider, projectStream } from '../src/domain/project.js';
import { parseAsOf } from '../src/domain/time.js';
import { EmbeddedReadStore } from '../src/infra/embedded-read-store.js';
import type { EventStore, NewEvent } from '../src/infra/event-store.js';
import type { ReadStore } from '../src/infra/read-store.js';
import { SqliteEventStore } from '../src/infra/sqlite-event-store.js';
import { SqliteSnapshotStore } from '../src/infra/snapshot-store.js';
import { allProjections } from '../src/projections/index.js';
import { ProjectionRunner } from '../src/projections/runner.js';
import { createServices } from '../src/application/services.js';
import { statisticsAsOf } from '../src/projections/statistics.js';
import { BENCH_ACTOR, writeLog } from './bench-log.js';
import { accessLogFigures, asOfFigures, auditQueryFigures, csvExportFigures, verifyFigures } from './bench-audit.js';
import { deadlineFigures } from './bench-deadlines.js';
import { demandQueueRequest, matchingFigures } from './bench-demands.js';
import { ScenarioLog } from './bench-scenario-log.js';
import { type Compared, CONNECTIONS, type LoadResult, PROJECT_EXEC_ARGV, childEnv, ESDB_URL, MONGO_DB, MONGO_URL, ROOT, SECRET, int, load, log, mb, median, meets, ms, notes, officerHeaders, pct, percentile, registerBody, registerProjects, mixedRequests, row, rows, settings, started, startServer, timeStreamLoads } from './bench-kit.js';

// ---------------------------------------------------------------------------------------------------
// Options and output

const { values: args } = parseArgs({
  options: {
    events: { type: 'string' },
    quick: { type: 'boolean', default: false },
    seconds: { type: 'string' },
    keep: { type: 'boolean', default: false },
    curve: { type: 'boolean', default: false },
    'commands-only': { type: 'boolean', default: false },
  },
});
const QUICK = args.quick ?? false;
/** Rounds of each read row (a run of the server and one of the bare Fastify each, next to each other in time). */
const READ_ROUNDS = 3;
const CURVE = args.curve ?? false;
const N = Number((args.events ?? (QUICK ? '50000' : '1000000')).replace(/_/g, ''));
if (!Number.isInteger(N) || N < 1000) throw new Error(`--events must be a whole number ≥ 1000, not ${args.events}`);
const SECONDS = Number(args.seconds ?? (QUICK ? 2 : 5)); // per HTTP run
settings.seconds = SECONDS;
/** The untimed run before each command load (see commandFigures). */
const WARM_UP_SECONDS = QUICK ? 1 : 2;
const APPEND_SECONDS = QUICK ? 1.5 : 3;
const LAG_SECONDS = QUICK ? 3 : 5;
const AS_OF_SAMPLES = 300;

// ---------------------------------------------------------------------------------------------------
// Which stores: embedded by default; EventStoreDB / MongoDB when their URLs are set (then a server must answer).

const storesLabel = `${ESDB_URL ? 'EventStoreDB' : 'SQLite event log with WAL, synchronous=FULL and group commit'}; ${MONGO_URL ? `MongoDB (database ${MONGO_DB})` : 'embedded read store'}`;

async function openEvents(file: string): Promise<EventStore> {
  if (!ESDB_URL) return SqliteEventStore.open(file);
  const { EsdbEventStore } = await import('../src/infra/esdb-event-store.js');
  return EsdbEventStore.connect(ESDB_URL);
}

async function openReads(dir: string): Promise<ReadStore> {
  if (!MONGO_URL) return EmbeddedReadStore.open(dir);
  const { MongoReadStore } = await import('../src/infra/mongo-read-store.js');
  return MongoReadStore.connect(MONGO_URL, MONGO_DB);
}

/** The operator's rebuild (scripts/project.ts) on `dataDir`, in a child process: its times and peak memory. */
function rebuildInChild(dataDir: string): Promise<{ ms: number; caughtUpMs: number; maxRssMb: number }> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [...PROJECT_EXEC_ARGV, join(ROOT, 'scripts', 'project.ts'), '--until-caught-up', '--rebuild'], { env: childEnv({ DATA_DIR: dataDir }), maxBuffer: 1 << 24 }, (error, out, err) => {
      if (error) return reject(new Error(`the rebuild failed: ${err || error.message}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1)!) as { ms: number; caughtUpMs: number; maxRssMb: number });
    }),
  );
}

/** Fails at once, with what to do, when a configured server does not answer. */
async function checkServers(): Promise<void> {
  const within = <T>(what: string, p: Promise<T>) =>
    Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer within 10 s`)), 10_000))]);
  if (ESDB_URL) {
    try {
      const store = await within(`EVENTSTORE_URL ${ESDB_URL}`, openEvents(''));
      await within(`EVENTSTORE_URL ${ESDB_URL}`, store.headPosition());
      await store.close();
    } catch (e) {
      throw new Error(`the bench was asked to use EventStoreDB (EVENTSTORE_URL=${ESDB_URL}) but it does not answer: ${(e as Error).message}. Start one (docker compose up eventstore) or unset EVENTSTORE_URL.`);
    }
  }
  if (MONGO_URL) {
    try {
      const reads = await within(`MONGO_URL`, openReads(''));
      await within('MONGO_URL', reads.getCheckpoint('bench-probe'));
      await reads.close();
    } catch (e) {
      throw new Error(`the bench was asked to use MongoDB (MONGO_URL) but it does not answer: ${(e as Error).message}. Start one (docker compose up mongo) or unset MONGO_URL.`);
    }
  }
}

/** One point of the cost curve: how the figures grow with the log. */
interface CurvePoint {
  events: number;
  appendRate: number;
  rebuildRate: number;
  rebuildOfScan: number;
  rebuildPeak: number;
  startupMs: number;
  serverRss: number;
  readStoreHeap: number;
  searchP99: number;
  statisticsP99: number;
  asOfP99: number;
  auditP99: number;
}
const curve: CurvePoint[] = [];

// A collected heap for the read store's resident size (npm run bench runs without --expose-gc).
v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc') as () => void;
const heapUsed = () => {
  collect();
  return process.memoryUsage().heapUsed;
};

const fileSize = (f: string) => {
  let total = 0;
  for (const suffix of ['', '-wal']) {
    try {
      total += statSync(f + suffix).size;
    } catch {
      // no such file
    }
  }
  return total;
};

// ---------------------------------------------------------------------------------------------------
// Events and commands used throughout

function sampleEvent(i: number): NewEvent {
  const id = `b0000009-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
  return {
    id,
    type: 'ProjectRegistered',
    occurredAt: new Date().toISOString(),
    data: {
      projectId: id,
      name: `南山智园创新型产业用房${i}号`,
      district: 'nanshan',
      address: '南山区西丽街道留仙大道3370号',
      useType: 'rnd',
      supplyModes: ['rent'],
      totalArea: 12_000 + (i % 1000),
      availableArea: 12_000,
      managingDepartment: '南山区住房和建设局',
      location: { lng: 113.95, lat: 22.58 },
      managementFee: 12.5,
      units: [
        { unitId: `${id}-1`, building: 'A栋', floor: '5层', number: '501', area: 820 },
        { unitId: `${id}-2`, building: 'A栋', floor: '5层', number: '502', area: 640 },
      ],
    },
    metadata: { actor: BENCH_ACTOR, correlationId: id, causationId: null, requestId: id, schemaVersion: 1 },
  };
}

// ---------------------------------------------------------------------------------------------------
// 1. Durable append

async function appendFigures(dir: string) {
  log('1. durable single-event append through the port vs a bare better-sqlite3 insert');
  let files = 0;
  const measure = async (callers: number) => {
    const store = SqliteEventStore.open(join(dir, `append-${callers}-${++files}.db`));
    let i = 0;
    const until = performance.now() + APPEND_SECONDS * 1000;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: callers }, async () => {
        while (performance.now() < until) {
          const n = i++;
          await store.append(`project-bench-${n}`, [sampleEvent(n)], 'no_stream');
        }
      }),
    );
    const rate = i / ((performance.now() - t0) / 1000);
    await store.close();
    return rate;
  };
  const bare = (rowsPerTransaction: number) => {
    const db = new Database(join(dir, `bare-${rowsPerTransaction}-${++files}.db`));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, revision INTEGER NOT NULL, id TEXT NOT NULL,
      type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, occurred_at TEXT NOT NULL, recorded_at TEXT NOT NULL, hash TEXT NOT NULL);
      CREATE UNIQUE INDEX events_stream_revision ON events (stream, revision);`);
    const insert = db.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    let n = 0;
    const txn = db.transaction((count: number) => {
      for (let k = 0; k < count; k++) {
        const e = sampleEvent(++n);
        insert.run(n, `project-bench-${n}`, 0, e.id, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata), e.occurredAt, e.occurredAt, 'f'.repeat(64));
      }
    });
    const t0 = performance.now();
    while (performance.now() - t0 < APPEND_SECONDS * 1000) txn(rowsPerTransaction);
    const rate = n / ((performance.now() - t0) / 1000);
    db.close();
    return rate;
  };
  // Interleaved and repeated, best of two: fsync rates drift with whatever else the disk is doing.
  let [bare1, one, bare50, fifty] = [0, 0, 0, 0];
  for (let round = 0; round < 2; round++) {
    bare1 = Math.max(bare1, bare(1));
    one = Math.max(one, await measure(1));
    bare50 = Math.max(bare50, bare(CONNECTIONS));
    fifty = Math.max(fifty, await measure(CONNECTIONS));
  }
  row('durable append, 1 caller (appends/s)', int(one), `bare insert, own transaction, WAL + FULL: ${int(bare1)} rows/s`, pct(one, bare1));
  row(
    `durable append, ${CONNECTIONS} concurrent callers (appends/s)`,
    int(fifty),
    `bare insert, own transaction: ${int(bare1)} rows/s; ${CONNECTIONS} rows per transaction: ${int(bare50)} rows/s`,
    `${pct(fifty, bare1)} of the first, ${pct(fifty, bare50)} of the second`,
  );
}

// ---------------------------------------------------------------------------------------------------
// 2. Commands over HTTP

async function commandFigures(dir: string) {
  log(`2. commands over HTTP, ${CONNECTIONS} clients, on a fresh data dir`);
  const server = await startServer(['platform'], { DATA_DIR: join(dir, 'commands') });
  const headers = officerHeaders();
  try {
    const ids = await registerProjects(server.url, headers);
    // Each load runs once untimed first (WARM_UP_SECONDS): a fresh server's first seconds measure its JIT
    // compiling the command path, not the steady rate (fresh servers, 4 runs each: the first 8-18 % below
    // the next three in five of six; 9210e74's shorter path -14 to +4 %).
    const registerLoad = { method: 'POST', headers, body: JSON.stringify(registerBody(0)), requests: [{ method: 'POST', path: '/api/projects' }] };
    await load(server.url, registerLoad, WARM_UP_SECONDS);
    const register = await load(server.url, registerLoad);
    // The ceiling, measured right after on the same machine: parse, validate, one group-committed durable insert.
    const bareServer = await startServer(['bare-post', join(dir, 'bare-post.db')], {});
    let ceiling: Awaited<ReturnType<typeof load>>;
    try {
      const bareLoad = { method: 'POST', headers, body: JSON.stringify(registerBody(0)), requests: [{ method: 'POST', path: '/bare-post' }] };
      await load(bareServer.url, bareLoad, WARM_UP_SECONDS);
      ceiling = await load(bareServer.url, bareLoad);
    } finally {
      await bareServer.stop();
    }
    const ceilingText = `bare Fastify POST (parse, zod, one group-committed FULL insert): ${int(ceiling.perSecond)}/s, p99 ${ms(ceiling.p99)}; goal ≥ 3,000/s, p99 ≤ 50 ms, ≥ 60 % of bare`;
    const verdict = (r: Awaited<ReturnType<typeof load>>) =>
      `${pct(r.perSecond, ceiling.perSecond)} of bare: ${meets(r.perSecond >= 3000 && r.p99 <= 50 && r.perSecond >= 0.6 * ceiling.perSecond)}`;
    row(
      `commands/s over HTTP, ${CONNECTIONS} clients: POST /api/projects`,
      `${int(register.perSecond)}/s, p99 ${ms(register.p99)}${register.failed ? `, ${register.failed} failed` : ''}`,
      ceilingText,
      verdict(register),
    );
    const mixedLoad = { headers, requests: mixedRequests(ids) };
    await load(server.url, mixedLoad, WARM_UP_SECONDS);
    const mixed = await load(server.url, mixedLoad);
    row(
      `commands/s over HTTP, ${CONNECTIONS} clients: register + PATCH 1:1`,
      `${int(mixed.perSecond)}/s, p99 ${ms(mixed.p99)}${mixed.failed ? `, ${mixed.failed} not 2xx` : ''}`,
      ceilingText,
      verdict(mixed),
    );
    if (mixed.failed) notes.push(`register + PATCH: status codes ${JSON.stringify(Object.fromEntries(Object.entries(mixed.codes).map(([k, v]) => [k, v.count])))}`);
    const usage = await server.usage();
    return usage.maxRssBytes;
  } finally {
    await server.stop();
  }
}

// ---------------------------------------------------------------------------------------------------
// 3–6. The N-event log: build, scan, rebuild, as-of, lag

async function logFigures(dir: string, N: number) {
  const logDir = join(dir, `log-${N}`);
  mkdirSync(logDir, { recursive: true });
  const file = join(logDir, 'events.db');
  const events = await openEvents(file);
  log(`3. building a realistic log of ${int(N)} events through the port (big batches, one transaction each)`);
  const scenario = new ScenarioLog({ events: N });
  let lastReport = performance.now();
  const written = await writeLog(events, scenario.events(), {
    onProgress: (n) => {
      if (performance.now() - lastReport > 10_000) {
        lastReport = performance.now();
        log(`   … ${int(n)} events written`);
      }
    },
  });
  const head = await events.headPosition(); // a position: on EventStoreDB not a count of events
  const count = written.events;
  const generator = scenario.projects;
  log(`   ${int(written.events)} events, ${int(generator.states.size)} projects (${int(generator.published.length)} published at the end), ${Object.entries(generator.counts).map(([k, v]) => `${k} ${int(v)}`).join(', ')}`);
  log(`   beside them: ${int(scenario.openDemands.length)} open demands, ${int(scenario.deadlines.length)} open deadlines, ${int(scenario.enterprises.length)} enterprises; ${Object.entries(scenario.counts).map(([k, v]) => `${k} ${int(v)}`).join(', ')}`);
  row(`bulk load of the log through the port (events/s)`, `${int(written.events / (written.ms / 1000))} (${(written.ms / 1000).toFixed(1)} s)`, `${int(written.appends)} appends in ${int(written.transactions)} transactions`, 'informative');

  // Ceilings: reading the log back as fast as possible, with JSON parsing.
  log('4. bare scans of the log');
  let t0 = performance.now();
  let scanned = 0;
  for (let after = 0; ; ) {
    const batch = await events.readAll(after, 500);
    if (batch.length === 0) break;
    scanned += batch.length;
    after = batch[batch.length - 1]!.position;
  }
  const portScan = scanned / ((performance.now() - t0) / 1000);
  let rawScan = NaN;
  if (!ESDB_URL) try {
    const db = new Database(file, { readonly: true });
    t0 = performance.now();
    let n = 0;
    for (const r of db.prepare('SELECT data, metadata FROM events ORDER BY position').iterate() as Iterable<{ data: string; metadata: string }>) {
      JSON.parse(r.data);
      JSON.parse(r.metadata);
      n++;
    }
    rawScan = n / ((performance.now() - t0) / 1000);
    db.close();
  } catch (e) {
    notes.push(`raw better-sqlite3 scan failed (the store's schema may have changed): ${(e as Error).message}`);
  }

  log('5. full rebuild of every read model, as an operator runs it: npm run project -- --until-caught-up --rebuild, a process of its own');
  const rebuilt = await rebuildInChild(logDir);
  const rebuildSeconds = rebuilt.ms / 1000;
  const rebuild = count / rebuildSeconds;
  const rebuildPeak = rebuilt.maxRssMb * 1024 * 1024;
  const ceiling = Number.isFinite(rawScan) ? Math.max(rawScan, portScan) : portScan;
  row(
    `full rebuild of all read models, ${int(count)} events: npm run project -- --until-caught-up --rebuild in a process of its own (events/s until the store held it all; that process's peak memory)`,
    `${int(rebuild)} (${rebuildSeconds.toFixed(1)} s, caught up after ${(rebuilt.caughtUpMs / 1000).toFixed(1)} s); peak RSS ${mb(rebuildPeak)}`,
    `bare scan: readAll in batches of 500 ${int(portScan)}/s${Number.isFinite(rawScan) ? `; raw better-sqlite3 iterate + JSON.parse ${int(rawScan)}/s` : ''}; goal ≥ 50 %, peak ≤ 1 GB at 1M events`,
    `${pct(rebuild, portScan)} of readAll${Number.isFinite(rawScan) ? `, ${pct(rebuild, rawScan)} of raw` : ''}: ${meets(rebuild >= 0.5 * ceiling && (count < 1_000_000 || rebuildPeak <= 1024 ** 3))}`,
  );

  // The rows after it read what the rebuild wrote, loaded as a server loads it at its start.
  const heapBefore = heapUsed();
  const reads = await openReads(logDir);
  let failure: unknown = null;
  const runner = new ProjectionRunner(events, reads, allProjections, { onError: (e) => (failure = e) });
  await runner.start();
  while (!(await runner.waitFor(head, 10_000))) {
    if (failure) throw failure;
    log(`   … ${int(runner.position)} of ${int(head)}`);
  }
  const readStoreHeap = heapUsed() - heapBefore; // the documents and indexes the store keeps in memory (after GC)

  log(`6. as-of statistics at ${int(count)} events, ${AS_OF_SAMPLES} random dates`);
  const from = Date.parse('2014-12-01T00:00:00Z');
  const now = Date.now();
  const samples: number[] = [];
  for (let k = 0; k < AS_OF_SAMPLES; k++) {
    const t = from + Math.random() * (now - from);
    const asOf = k % 2 === 0 ? parseAsOf(new Date(t).toISOString().slice(0, 10))! : new Date(t).toISOString();
    const s0 = performance.now();
    await statisticsAsOf(reads, asOf < new Date().toISOString() ? asOf : new Date().toISOString());
    samples.push(performance.now() - s0);
  }
  samples.sort((a, b) => a - b);
  const asOfP99 = percentile(samples, 99);
  const auditP99 = await auditQueryFigures(reads, scenario, count, AS_OF_SAMPLES);
  await deadlineFigures(reads, scenario, count);
  row(`as-of statistics at ${int(count)} events: statisticsAsOf, p99 of ${AS_OF_SAMPLES} random dates`, `p99 ${ms(asOfP99)} (p50 ${ms(percentile(samples, 50))}, max ${ms(samples.at(-1)!)})`, 'goal p99 ≤ 20 ms', meets(asOfP99 <= 20));

  const modes = new Map<string, number>();
  for (const id of generator.published) {
    const s = generator.states.get(id)!.state;
    if (s.status !== 'none') modes.set(id, s.fields.supplyModes.length);
  }
  const lagOf = (label: string, waited: number, r: Awaited<ReturnType<typeof lagRun>>) =>
    row(
      `projection lag, append → visible, at a steady 1,000 commands/s: ${label}`,
      `p99 ${ms(r.p99)} (p50 ${ms(r.p50)}; ${int(r.rate)} commands/s issued, command p99 ${ms(r.commandP99)}${r.errors ? `, ${r.errors} failed` : ''}; after the start's warm-up, waited ${ms(waited)})`,
      'goal p99 ≤ 50 ms',
      meets(r.p99 <= 50),
    );
  // Snapshots as the server keeps them (DATA_DIR/snapshots.db): those its command handler would have taken
  // while writing the projects' streams (the log was written directly), so 7a's cold loads are a restarted
  // server's. A snapshot the log does not hold would be ignored (a whole stream read): checked on a sample.
  const snapshots = SqliteSnapshotStore.open(join(logDir, 'snapshots.db'), domainFingerprint());
  let taken = 0;
  for (const [stream, snapshot] of generator.snapshots()) {
    snapshots.put(stream, snapshot);
    if (taken++ % 500 === 0 && (await events.readStream(stream, { fromRevision: snapshot.revision }))[0]?.id !== snapshot.eventId) {
      throw new Error(`the bench's snapshot of ${stream} at revision ${snapshot.revision} is not at that event of the log`);
    }
  }
  snapshots.flush();
  log(`   ${int(taken)} project snapshots, as the command handler takes them`);
  // A steady state, as the goal says: the start's warm-up of matching's memory done (runner.warm). Under this
  // load it took ~12 s at 1M events, the lag p99 ~160 ms meanwhile (bench-matching.ts without --settle).
  log(`7a. projection lag at a steady 1,000 commands/s for ${LAG_SECONDS} s: the projection runner alone`);
  const warmedA = await warmWait(runner);
  lagOf('projection runner alone', warmedA, await lagRun(runner, new CommandHandler(events, { snapshots }), generator.published, modes, 0));
  await runner.stop();

  log(`7b. the same, wired as the server wires it (createServices + buildApp: live feed attached, no HTTP)`);
  const services = createServices(events, reads, { snapshots });
  const app = await buildApp(services, { jwtSecret: SECRET, logger: false });
  await app.ready();
  await services.runner.start();
  while (!(await services.runner.waitFor(await events.headPosition(), 10_000))) log('   … catching up');
  const warmedB = await warmWait(services.runner);
  lagOf('as wired by the server (live feed attached)', warmedB, await lagRun(services.runner, services.commands, generator.published, modes, 1));
  await matchingFigures(services, scenario, QUICK ? 40 : 100);
  await app.close();
  await services.runner.stop();
  snapshots.close();

  const benchRss = process.resourceUsage().maxRSS * 1024;
  await events.close();
  await reads.close();
  return {
    logDir, head, count, eventsBytes: fileSize(file), readsBytes: fileSize(join(logDir, 'read-models.db')), benchRss,
    appendRate: written.events / (written.ms / 1000), rebuildRate: rebuild, rebuildOfScan: rebuild / portScan, rebuildPeak, readStoreHeap, asOfP99, auditP99, scenario,
  };
}

/** How long the runner's start still had to warm its projections' memory (Projection.warm), in ms. */
async function warmWait(runner: ProjectionRunner): Promise<number> {
  const t0 = performance.now();
  await runner.warmed();
  return performance.now() - t0;
}

/** Issues commands at a fixed rate; for each, the time from its answer until every read model has it. */
async function lagRun(runner: ProjectionRunner, commands: CommandHandler, published: string[], modes: Map<string, number>, run: number) {
  const rate = 1000;
  const total = rate * LAG_SECONDS;
  const lags: number[] = [];
  const latencies: number[] = [];
  let errors = 0;
  let firstError: unknown = null;
  let issued = 0;
  const inFlight = new Set<Promise<void>>();
  const busy = new Set<string>(); // projects with a command in flight: a toggle there could cancel out
  const fire = (k: number) => {
    let id: string;
    let command: ProjectCommand;
    let undo: (() => void) | null = null;
    let appended = false;
    if (k % 2 === 0) {
      // Half are registrations of new projects…
      id = `b000000${5 + run}-0000-4000-8000-${k.toString(16).padStart(12, '0')}`;
      const body = registerBody(k);
      command = { type: 'RegisterProject', projectId: id, fields: { ...body, district: 'longgang', useType: 'rnd', supplyModes: ['rent'] }, units: body.units };
    } else {
      // …half updates of published ones; one in five moves the statistics (a change of supply mode).
      id = published[Math.floor(Math.random() * published.length)]!;
      if (k % 10 === 1 && !busy.has(id)) {
        const two = modes.get(id) === 2;
        modes.set(id, two ? 1 : 2);
        undo = () => modes.set(id, two ? 2 : 1); // a refused toggle leaves the project as it was
        command = { type: 'UpdateProject', changes: { supplyModes: two ? ['rent'] : ['rent', 'sale'] }, reason: '经批准调整供应方式' };
      } else {
        command = { type: 'UpdateProject', changes: { managementFee: 5 + (run * 1e6 + k) / 1e7 }, reason: '物业管理费调整' };
      }
    }
    busy.add(id);
    const s0 = performance.now();
    const p = commands
      .execute(projectDecider, projectStream(id), id, command, { actor: BENCH_ACTOR })
      .then(async (result) => {
        appended = true;
        const answered = performance.now();
        latencies.push(answered - s0);
        if (!(await runner.waitFor(result.position, 10_000))) throw new Error(`position ${result.position} not visible after 10 s`);
        lags.push(performance.now() - answered);
      })
      .catch((e: unknown) => {
        errors++;
        firstError ??= e;
        if (!appended) undo?.();
      })
      .finally(() => {
        inFlight.delete(p);
        busy.delete(id);
      });
    inFlight.add(p);
  };
  // Beside the figures, what the run cost (a note): the event loop's longest hold, the process's CPU a command
  // (every thread), and the commands' stream loads, whose SQLite reads run on this thread (bench-matching.ts prints the same).
  const { loads, restore } = timeStreamLoads(commands.events);
  const held = monitorEventLoopDelay({ resolution: 10 });
  held.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    while (issued < total) {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
      while (issued < due) fire(issued++);
      await new Promise((r) => setTimeout(r, 1));
    }
  } finally {
    restore();
  }
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(inFlight);
  held.disable();
  const cpu = process.cpuUsage(cpu0);
  lags.sort((a, b) => a - b);
  latencies.sort((a, b) => a - b);
  notes.push(
    `projection lag run ${run + 1}: the event loop held up to ${ms(held.max / 1e6)}; the process's CPU ${ms((cpu.user + cpu.system) / 1000 / total)} a command; ` +
      `${int(loads.count)} stream loads (${int(loads.found)} found a stream, ${(loads.events / Math.max(1, loads.found)).toFixed(1)} events each), ${ms(loads.ms / Math.max(1, loads.count))} each on this thread`,
  );
  if (firstError) notes.push(`projection lag run ${run + 1}: ${errors} commands failed, first: ${String((firstError as Error).message ?? firstError)}`);
  return { p99: percentile(lags, 99), p50: percentile(lags, 50), rate: total / seconds, commandP99: percentile(latencies, 99), errors };
}

// ---------------------------------------------------------------------------------------------------
// 8. Reads over HTTP on the N-event data dir, beside a bare Fastify

async function readFigures(dir: string, logDir: string, head: number, scenario: ScenarioLog) {
  await verifyFigures(logDir, head);
  log(`8. reads over HTTP on the ${int(head)}-event data dir (server start loads the read models)`);
  const server = await startServer(['platform'], { DATA_DIR: logDir });
  row(`server start on the ${int(head)}-event data dir`, `${(server.startupMs / 1000).toFixed(1)} s${server.warmMs === null ? '' : `, then the asOf key frames ${(server.warmMs / 1000).toFixed(1)} s (in the background in main.ts; awaited here)`}`, '—', 'informative');
  const paths = ['/api/projects', '/api/projects?q=科技&district=nanshan&sort=-totalArea', '/api/statistics'];
  const names = ['GET /api/projects (first page, newest first)', 'GET /api/projects?q=科技&district=nanshan&sort=-totalArea', 'GET /api/statistics'];
  const compared: Compared[] = [];
  const measured: Paired[] = [];
  let serverPeak = 0;
  try {
    for (const [i, path] of paths.entries()) {
      const url = encodeURI(path);
      const res = await fetch(server.url + url);
      const body = await res.text();
      if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${body.slice(0, 300)}`);
      compared.push({ name: names[i]!, body, run: () => load(server.url, { requests: [{ method: 'GET', path: url }] }) });
    }
    compared.push(await demandQueueRequest(server.url));
    const asOfBody = await (await fetch(`${server.url}/api/statistics?asOf=2017-09-30`)).text();
    // The bare Fastify runs beside the server, idle while the server is measured and the other way round:
    // each read is measured in rounds that alternate the two, next to each other in time, and the verdict
    // is the median of the rounds' ratios (this machine's speed drifts by more than the effects measured).
    const bodyFile = join(dir, 'bare-bodies.json');
    writeFileSync(bodyFile, JSON.stringify([...compared.map((c) => c.body), asOfBody]));
    const bare = await startServer(['bare', bodyFile], {});
    try {
      for (const [i, c] of compared.entries()) {
        const m = await pairedRounds(c.run, () => load(bare.url, { requests: [{ method: 'GET', path: `/bare/${i}` }] }));
        measured.push(m);
        const failed = m.ours.reduce((n, r) => n + r.failed, 0);
        row(
          `${c.name}: requests/s, ${CONNECTIONS} connections (${int(Buffer.byteLength(c.body))} B body; ${m.ours.length} round${m.ours.length === 1 ? '' : 's'}, each a run of the server and one of the bare Fastify, next to each other)`,
          `${int(m.perSecond)}/s, p99 ${ms(m.p99)} (median of the rounds: ${m.ours.map((r) => int(r.perSecond)).join(', ')}/s)${failed ? `, ${failed} failed` : ''}`,
          `bare Fastify, same body: ${int(m.barePerSecond)}/s, p99 ${ms(m.bareP99)} (${m.bare.map((r) => int(r.perSecond)).join(', ')}/s); goal ≥ 50 %`,
          `${pct(m.ratio, 1)} (median of the rounds' ratios: ${m.ratios.map((x) => pct(x, 1)).join(', ')}): ${meets(m.ratio >= 0.5)}`,
        );
      }
      const from = Date.parse('2014-12-01T00:00:00Z');
      const asOf = await load(server.url, {
        requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/api/statistics?asOf=${new Date(from + Math.random() * (Date.now() - from)).toISOString().slice(0, 10)}` }) }],
      });
      const c = await load(bare.url, { requests: [{ method: 'GET', path: `/bare/${compared.length}` }] });
      row(
        `GET /api/statistics?asOf=<random day>: requests/s, ${CONNECTIONS} connections`,
        `${int(asOf.perSecond)}/s, p99 ${ms(asOf.p99)}${asOf.failed ? `, ${asOf.failed} failed` : ''}`,
        `bare Fastify, same body: ${int(c.perSecond)}/s (the 20 ms goal is per request: statisticsAsOf row)`,
        `${pct(asOf.perSecond, c.perSecond)}; p99 under ${CONNECTIONS} connections ${asOf.p99 <= 20 ? '≤' : '>'} 20 ms`,
      );
    } finally {
      await bare.stop();
    }
    await asOfFigures(server.url, head, QUICK ? 50 : 100, QUICK ? 15_000 : 30_000);
    await csvExportFigures(server.url, head);
    await accessLogFigures(server, scenario);
    const usage = await server.usage();
    notes.push(`server on the ${int(head)}-event data dir: peak RSS ${mb(usage.maxRssBytes)}, RSS after the runs ${mb(usage.rssBytes)}`);
    serverPeak = usage.maxRssBytes;
  } finally {
    await server.stop();
  }
  return { serverPeak, startupMs: server.startupMs, searchP99: measured[1]!.p99, statisticsP99: measured[2]!.p99 };
}

/** Rounds of a read on the server and on the bare Fastify, next to each other in time, the first of each round alternating. */
interface Paired {
  ours: LoadResult[];
  bare: LoadResult[];
  ratios: number[];
  ratio: number;
  perSecond: number;
  p99: number;
  barePerSecond: number;
  bareP99: number;
}

async function pairedRounds(ours: () => Promise<LoadResult>, bare: () => Promise<LoadResult>): Promise<Paired> {
  const runs: { ours: LoadResult[]; bare: LoadResult[] } = { ours: [], bare: [] };
  for (let k = 0; k < (QUICK ? 1 : READ_ROUNDS); k++) {
    if (k % 2 === 0) {
      runs.ours.push(await ours());
      runs.bare.push(await bare());
    } else {
      runs.bare.push(await bare());
      runs.ours.push(await ours());
    }
  }
  const ratios = runs.ours.map((r, k) => r.perSecond / Math.max(runs.bare[k]!.perSecond, 1e-9));
  return {
    ...runs,
    ratios,
    ratio: median(ratios),
    perSecond: median(runs.ours.map((r) => r.perSecond)),
    p99: median(runs.ours.map((r) => r.p99)),
    barePerSecond: median(runs.bare.map((r) => r.perSecond)),
    bareP99: median(runs.bare.map((r) => r.p99)),
  };
}

// ---------------------------------------------------------------------------------------------------

/** Which code was measured: the stores and the runner are being tuned, so figures are tied to their sources. */
function sources(): string {
  const files = ['src/infra/sqlite-event-store.ts', 'src/infra/sqlite-append-writer.ts', 'src/infra/sqlite-group-commit.mjs', 'src/infra/embedded-read-store.ts', 'src/infra/embedded-file-sync.ts', 'src/infra/embedded-doc-ops.ts', 'src/infra/doc-realm.ts', 'src/application/command-handler.ts', 'src/infra/snapshot-store.ts', 'src/projections/runner.ts', 'src/api/live.ts', 'src/projections/index.ts'];
  const parts = files.map((f) => {
    try {
      return `${f.split('/').pop()} ${createHash('sha256').update(readFileSync(join(ROOT, f))).digest('hex').slice(0, 8)}`;
    } catch {
      return `${f.split('/').pop()} (missing)`;
    }
  });
  return `${parts.join(', ')}; projections: ${allProjections.map((p) => p.name).join(', ')}`;
}

async function main() {
  const cpus = os.cpus();
  const machine = `${cpus[0]?.model.trim() ?? 'unknown cpu'}, ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${os.platform()} ${os.release()}`;
  const dir = mkdtempSync(join(os.tmpdir(), 'isp-bench-'));
  const measured = sources();
  log(`machine: ${machine}`);
  log(`sources: ${measured}`);
  log(`${int(N)} events${QUICK ? ' (--quick)' : ''}; HTTP runs ${SECONDS} s each with ${CONNECTIONS} connections; data in ${dir}`);
  try {
    await checkServers();
    if (ESDB_URL) notes.push('figure 1 (durable append beside a bare better-sqlite3 insert) is for the SQLite log only: skipped');
    // Figures 1–2 with the curve too: one run's table then holds every goal and the curve (issue 11).
    const commandsPeak = (ESDB_URL ? null : await appendFigures(dir), await commandFigures(dir));
    for (const n of args['commands-only'] ? [] : CURVE ? [100_000, 1_000_000] : [N]) {
      const built = await logFigures(dir, n);
      const read = await readFigures(dir, built.logDir, built.count, built.scenario);
      row(`server peak memory (maxRSS) on the ${int(built.count)}-event data dir`, mb(read.serverPeak), commandsPeak === null ? '—' : `after the command runs on a small log: ${mb(commandsPeak)}`, 'informative');
      notes.push(`${int(built.count)} events on disk: events.db ${mb(built.eventsBytes)}, read-models.db ${mb(built.readsBytes)}; bench process peak RSS (the log written, the read models loaded from the file) ${mb(built.benchRss)}`);
      curve.push({
        events: built.count, appendRate: built.appendRate, rebuildRate: built.rebuildRate, rebuildOfScan: built.rebuildOfScan, rebuildPeak: built.rebuildPeak, startupMs: read.startupMs,
        serverRss: read.serverPeak, readStoreHeap: built.readStoreHeap, searchP99: read.searchP99, statisticsP99: read.statisticsP99, asOfP99: built.asOfP99, auditP99: built.auditP99,
      });
      if (CURVE) rmSync(built.logDir, { recursive: true, force: true }); // the 1M log needs the disk more
    }
  } finally {
    if (args.keep) log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  const total = (performance.now() - started) / 1000;
  const table = [
    '| figure | measured | ceiling / goal | ratio / verdict |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${[r.figure, r.measured, r.ceiling, r.verdict].map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`),
  ].join('\n');
  const curveTable = [
    '| events | bulk append (events/s) | rebuild (events/s, % of bare readAll; peak RSS) | server start | server maxRSS | read store heap after GC | search p99 (HTTP, 50 conn.) | statistics p99 (HTTP, 50 conn.) | as-of statistics p99 | audit query p99 |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...curve.map((c) =>
      `| ${int(c.events)} | ${int(c.appendRate)} | ${int(c.rebuildRate)} (${Math.round(100 * c.rebuildOfScan)} %; ${mb(c.rebuildPeak)}) | ${(c.startupMs / 1000).toFixed(1)} s | ${mb(c.serverRss)} | ${mb(c.readStoreHeap)} | ${ms(c.searchP99)} | ${ms(c.statisticsP99)} | ${ms(c.asOfP99)} | ${ms(c.auditP99)} |`),
  ].join('\n');
  const report = [
    `# Bench: ${CURVE ? 'cost curve, 100,000 and 1,000,000 events' : `${int(N)} events${QUICK ? ' (--quick)' : ''}`}`,
    '',
    `${new Date().toISOString()} · ${machine} · ${storesLabel} in ${os.tmpdir()} · HTTP runs ${SECONDS} s, ${CONNECTIONS} connections, autocannon in the bench process, servers in child processes · total ${total.toFixed(0)} s`,
    '',
    `Sources measured (sha256 prefixes): ${measured}`,
    '',
    table,
    '',
    'Cost curve:',
    '',
    curveTable,
    '',
    ...notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
  console.log(`\n${report}`);
  mkdirSync(join(ROOT, '.bench'), { recursive: true });
  writeFileSync(join(ROOT, '.bench', 'last.md'), report);
  log(`written to .bench/last.md`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
