// A server process for the bench, so the load generator (autocannon, in the parent) does not share its
// event loop. Forked with IPC by scripts/bench.ts:
//   bench-server.ts services     the real API and projections on DATA_DIR (JWT_SECRET from the env);
//                                { type: 'access-log', on } switches the access log's recording (cost row)
//   bench-server.ts bare <file>  a bare Fastify answering pre-computed bodies: GET /bare/<i> → bodies[i]
//   bench-server.ts bare-post <db>  the ceiling of a command: POST /bare-post parses and validates the
//                                body (zod, the shape of POST /api/projects) and inserts it durably (WAL,
//                                synchronous=FULL), group-committed: one transaction per macrotask
// It reports { type: 'ready', url, startupMs } and answers { type: 'usage' } with its peak memory and CPU
// times, { type: 'collect' } with a full collection (the access-log row) and { type: 'root-map' } with
// whether V8's root map still takes transitions (bench-gc-states.ts).
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import Database from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { buildApp } from '../src/api/app.js';
import { authOptions, loadConfig } from '../src/config.js';
import { openStores } from '../src/infra/compose.js';
import { createServices, warmAsOf } from '../src/application/services.js';
import { domainFingerprint } from '../src/application/domain-fingerprint.js';
import { SqliteSnapshotStore } from '../src/infra/snapshot-store.js';
import { rootMapTakesTransitions } from './root-map.js';

type Message = { type: 'usage' } | { type: 'stop' } | { type: 'access-log'; on: boolean } | { type: 'collect' } | { type: 'root-map' };

const send = (message: unknown) => process.send?.(message);
const t0 = performance.now();
const [mode, file] = process.argv.slice(2);
let app: FastifyInstance;
let close: () => Promise<void>;
/** The platform's access log, switchable for the access-log cost row (same route, same reads, recording or not). */
let switchAccessLog: (on: boolean) => Promise<void> = async () => undefined;
// Full (mark-compact) collections so far: the access-log row leaves out the slices one fell in. And the
// young generation's collections' pauses: what a request's surviving garbage costs the main thread.
let majorGcs = 0;
let minorGcMicros = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) majorGcs++;
    else if (kind === constants.NODE_PERFORMANCE_GC_MINOR) minorGcMicros += entry.duration * 1000;
  }
}).observe({ entryTypes: ['gc'] });
/** Until the read models have caught up (the server could answer), and then the asOf key frames' build. */
let startedMs: number | null = null;
let warmMs: number | null = null;

if (mode === 'bare') {
  const bodies = JSON.parse(readFileSync(file!, 'utf8')) as string[];
  app = Fastify({ logger: false });
  bodies.forEach((body, i) => app.get(`/bare/${i}`, async (_req, reply) => reply.type('application/json; charset=utf-8').send(body)));
  close = () => app.close();
} else if (mode === 'bare-post') {
  app = bareCommandRoute(file!);
  close = () => app.close();
} else {
  const config = loadConfig();
  const stores = await openStores(config);
  const snapshots = SqliteSnapshotStore.open(join(config.DATA_DIR, 'snapshots.db'), domainFingerprint()); // as main.ts
  const services = createServices(stores.events, stores.reads, { snapshots });
  // Switched by a flag its one wrapper reads, the wrapper set before the first request. Assigning the log's
  // `record` at a switch changed a field V8 had taken as constant: at the first switch it threw away the
  // log's compiled code (--trace-deopt: "code dependencies") and compiled it again within a measured slice.
  const record = services.access.record.bind(services.access);
  let recording = true;
  services.access.record = (read) => {
    if (recording) record(read);
  };
  switchAccessLog = async (on) => {
    recording = on;
    if (on) return;
    // What was recorded is written now, not in the next slice of the access-log row (its flush waits up to
    // 1 s; the store sends a flush's lines to its writer at once): its cost falls in the slice that recorded it.
    await services.access.flush();
  };
  app = await buildApp(services, { auth: authOptions(config), logger: false }); // no rate limit: the bench is one client
  await services.runner.start();
  const head = await stores.events.headPosition();
  while (!(await services.runner.waitFor(head, 1000))) {
    if (services.runner.error) throw services.runner.error;
  }
  // main.ts builds the asOf key frames in the background after the catch-up; here the bench waits for them,
  // so the building does not share the CPU with the first rows measured (its time is reported apart).
  startedMs = performance.now() - t0;
  await warmAsOf(services).catch(() => undefined);
  warmMs = performance.now() - t0 - startedMs;
  close = async () => {
    await app.close();
    await services.runner.stop();
    snapshots.close();
    await stores.events.close();
    await stores.reads.close();
  };
}

const url = await app.listen({ port: 0, host: '127.0.0.1' });
send({ type: 'ready', url, startupMs: startedMs ?? performance.now() - t0, warmMs });

process.on('message', (message: Message) => {
  if (message.type === 'usage') {
    const cpu = process.cpuUsage(); // every thread of the process: the writer threads' share of a request too
    // The main thread's busy time (its event loop not waiting): what bounds a server's requests per second.
    const mainMicros = performance.eventLoopUtilization().active * 1000;
    send({ type: 'usage', maxRssBytes: process.resourceUsage().maxRSS * 1024, rssBytes: process.memoryUsage().rss, cpuMicros: cpu.user + cpu.system, mainMicros, mainCpuMicros: mainThreadCpu(), majorGcs, minorGcMicros, ...oldGeneration() });
  } else if (message.type === 'access-log') {
    void switchAccessLog(message.on).then(() => send({ type: 'access-log', on: message.on }));
  } else if (message.type === 'root-map') {
    send({ type: 'root-map', free: rootMapTakesTransitions() });
  } else if (message.type === 'collect') {
    // A full collection now (--expose-gc, bench children only): a run started after it meets none of the
    // old generation's own, which in a 3 GB heap cost ~2 s of main thread and land in whichever run they fall.
    const gc = (globalThis as { gc?: () => void }).gc;
    const t = performance.now();
    gc?.();
    const ms = performance.now() - t;
    send({ type: 'collect', ms: gc ? ms : null, ...oldGeneration() });
  } else if (message.type === 'stop') {
    void close().finally(() => process.exit(0));
  }
});
/**
 * CPU time of the main thread alone (Linux: its task's time on a CPU in ns, from schedstat; else utime +
 * stime in clock ticks of 10 ms), or null. Busy time (event-loop utilisation) is wall time: on two cores
 * shared with the load generator and the writer threads, a main thread waiting for a core counts as busy,
 * which moved runs of one setting by ±15 %.
 */
function mainThreadCpu(): number | null {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1000;
  } catch {
    try {
      const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10_000; // utime, stime (fields 14 and 15 of stat)
    } catch {
      return null;
    }
  }
}

/** Bytes in the old generation's spaces: what survived young-generation collections since the last full one. */
function oldGeneration(): { oldBytes: number } {
  let oldBytes = 0;
  for (const s of getHeapSpaceStatistics()) if (s.space_name !== 'new_space' && s.space_name !== 'new_large_object_space') oldBytes += s.space_used_size;
  return { oldBytes };
}

process.on('disconnect', () => void close().finally(() => process.exit(0)));

/** The bare command route: what any durable POST must at least do, with nothing of the platform. */
function bareCommandRoute(dbFile: string): FastifyInstance {
  const db = new Database(dbFile);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE IF NOT EXISTS commands (position INTEGER PRIMARY KEY, id TEXT NOT NULL, body TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO commands (id, body) VALUES (?, ?)');
  const commit = db.transaction((rows: [string, string][]) => {
    for (const [id, body] of rows) insert.run(id, body);
  });
  const unit = z.object({ building: z.string().min(1).max(50), floor: z.string().min(1).max(20), number: z.string().min(1).max(20), area: z.number().positive() });
  const body = z.object({
    name: z.string().min(1).max(100),
    district: z.string().min(1),
    address: z.string().min(1).max(200),
    useType: z.string().min(1),
    supplyModes: z.array(z.enum(['rent', 'sale'])).min(1),
    totalArea: z.number().positive(),
    managingDepartment: z.string().min(1).max(100),
    location: z.object({ lng: z.number().min(-180).max(180), lat: z.number().min(-90).max(90) }),
    units: z.array(unit).max(500).optional(),
  });
  let queue: { row: [string, string]; done: () => void }[] = [];
  const flush = () => {
    const batch = queue;
    queue = [];
    commit(batch.map((q) => q.row));
    for (const q of batch) q.done();
  };
  const bare = Fastify({ logger: false });
  bare.post('/bare-post', async (req, reply) => {
    const parsed = body.safeParse(req.body);
    if (!parsed.success) return reply.code(400).send({ errors: parsed.error.issues });
    const id = randomUUID();
    await new Promise<void>((done) => {
      if (queue.length === 0) setImmediate(flush);
      queue.push({ row: [id, JSON.stringify(parsed.data)], done });
    });
    return reply.code(201).send({ id });
  });
  bare.addHook('onClose', () => db.close());
  return bare;
}
