// Shared pieces of the bench (scripts/bench.ts, its scenario modules bench-deadlines.ts,
// bench-demands.ts, bench-audit.ts, and bench-commands-ab.ts): the table's rows and notes, number formats,
// child servers, the HTTP load generator and the command loads. Nothing here measures by itself.
import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSigner } from 'fast-jwt';
import type { EventStore } from '../src/infra/event-store.js';

export const CONNECTIONS = 50;
export const SECRET = 'bench-secret-of-at-least-sixteen-characters';
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
/** The Node/V8 flags an npm script gives (`tsx <flags> <file>`): a child runs as `npm run <name>` would. */
export function scriptFlags(name: string): string[] {
  const scripts = (require(join(ROOT, 'package.json')) as { scripts: Record<string, string> }).scripts;
  return scripts[name]!.split(/\s+/).filter((a) => a.startsWith('--'));
}
/**
 * BENCH_CPU_PROF=<dir>: the child processes (servers, npm run verify, the rebuild) write CPU profiles there.
 * BENCH_CHILD_FLAGS="--trace-gc …": more Node/V8 flags for them (a collector's trace of a server).
 */
const EXTRA_FLAGS = [...(process.env.BENCH_CHILD_FLAGS ?? '').split(' ').filter(Boolean), ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])];
/** A server child: `npm start`'s flags, and gc() for the memory rows. */
export const CHILD_EXEC_ARGV = ['--import', 'tsx', '--expose-gc', ...scriptFlags('start'), ...EXTRA_FLAGS];
/** The rebuild child: `npm run project`'s flags. */
export const PROJECT_EXEC_ARGV = ['--import', 'tsx', ...scriptFlags('project'), ...EXTRA_FLAGS];
/** The headers of the Longgang housing officer whose commands the command loads send (a JSON body). */
export function officerHeaders(): Record<string, string> {
  const token = createSigner({ key: SECRET, expiresIn: 3_600_000 })({ sub: 'bench-officer', role: 'housing_dept', district: 'longgang', name: '龙岗区住房和建设局' });
  return { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
}
/** Seconds per HTTP run: set once by bench.ts from its options. */
export const settings = { seconds: 5 };

export interface AutocannonRequest {
  method?: string;
  path?: string;
  body?: string;
  headers?: Record<string, string>;
  setupRequest?: (request: AutocannonRequest) => AutocannonRequest;
}
export interface AutocannonResult {
  duration: number;
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latency: { p50: number; p99: number; average: number; max: number };
  statusCodeStats: Record<string, { count: number }>;
}
const autocannon = require('autocannon') as (options: {
  url: string;
  connections: number;
  duration: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  requests?: AutocannonRequest[];
}) => Promise<AutocannonResult> & { on(event: 'response', listener: (client: unknown, statusCode: number) => void): void };


// Which stores: embedded by default; EventStoreDB / MongoDB when their URLs are set (then a server must answer).
export const ESDB_URL = process.env.EVENTSTORE_URL || '';
export const MONGO_URL = process.env.MONGO_URL || '';
export const MONGO_DB = `isp_bench_${Date.now().toString(36)}`; // a fresh database per run; drop it afterwards

export interface Row {
  figure: string;
  measured: string;
  ceiling: string;
  verdict: string;
}
export const rows: Row[] = [];
export const notes: string[] = [];
export const row = (figure: string, measured: string, ceiling: string, verdict: string) => {
  rows.push({ figure, measured, ceiling, verdict });
  log(`  → ${figure}: ${measured} | ${ceiling} | ${verdict}`);
};
export const started = performance.now();
export const log = (line: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`);
export const int = (n: number) => Math.round(n).toLocaleString('en-US');
export const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1)) + ' ms';
export const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024).toLocaleString('en-US')} MB`;
export const pct = (a: number, b: number) => `${Math.round((100 * a) / b)} %`;
export const meets = (ok: boolean) => (ok ? '✅ meets goal' : '❌ below goal');
/** The middle value (the upper one of an even count), of values in any order. */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

// ---------------------------------------------------------------------------------------------------
// Child servers

/** What a child server reports of itself (bench-server.ts, 'usage'). */
export interface Usage {
  maxRssBytes: number;
  rssBytes: number;
  /** CPU time of every thread of the process. */
  cpuMicros: number;
  /** The main thread's busy time (event-loop utilisation). */
  mainMicros: number;
  /** The main thread's CPU time (Linux), else null. */
  mainCpuMicros: number | null;
  /** Full (mark-compact) collections so far. */
  majorGcs: number;
  /** The young generation's collections' pauses so far (the platform server only; else undefined). */
  minorGcMicros?: number;
  oldBytes: number;
}

export interface Server {
  url: string;
  startupMs: number;
  /** The platform server: how long the asOf key frames took to build after the start (null for bare servers). */
  warmMs: number | null;
  usage(): Promise<Usage>;
  /** A full collection in the server: its duration (null without --expose-gc) and the old generation left. */
  collect(): Promise<{ ms: number | null; oldBytes: number }>;
  /** The platform server only: turns the access log's recording on or off (the access-log cost row). */
  accessLog(on: boolean): Promise<void>;
  /** Whether V8's root map in the server still takes transitions (src/infra/doc-realm.ts). */
  rootMapTakesTransitions(): Promise<boolean>;
  stop(): Promise<void>;
}

/** The environment of the bench's child processes (servers, the rebuild): this run's stores and secret, no NATS. */
export function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...process.env, ...env, EVENTSTORE_URL: ESDB_URL, MONGO_URL, MONGO_DB, NATS_URL: '', JWT_SECRET: SECRET, LOG_LEVEL: 'silent' };
}

export function startServer(args: string[], env: NodeJS.ProcessEnv): Promise<Server> {
  const child: ChildProcess = fork(join(ROOT, 'scripts', 'bench-server.ts'), args, {
    execArgv: CHILD_EXEC_ARGV,
    env: childEnv(env),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T>(type: string) =>
    new Promise<T>((res, rej) => {
      const onMessage = (m: { type: string }) => {
        if (m.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        res(m as T);
      };
      const onExit = (code: number | null) => rej(new Error(`bench server ${args.join(' ')} exited with ${code}`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  return next<{ url: string; startupMs: number; warmMs: number | null }>('ready').then(({ url, startupMs, warmMs }) => ({
    url,
    startupMs,
    warmMs,
    usage() {
      const answer = next<Usage>('usage');
      child.send({ type: 'usage' });
      return answer;
    },
    collect() {
      const answer = next<{ ms: number | null; oldBytes: number }>('collect');
      child.send({ type: 'collect' });
      return answer;
    },
    async rootMapTakesTransitions() {
      const answer = next<{ free: boolean }>('root-map');
      child.send({ type: 'root-map' });
      return (await answer).free;
    },
    async accessLog(on: boolean) {
      const answer = next<{ on: boolean }>('access-log');
      child.send({ type: 'access-log', on });
      if ((await answer).on !== on) throw new Error('the bench server did not switch its access log');
    },
    stop: () =>
      new Promise<void>((res) => {
        child.once('exit', () => res());
        child.send({ type: 'stop' });
      }),
  }));
}

/**
 * Counts and times an event store's stream loads (the commands' cold loads) until restored: how many, the events
 * they read, and their time on the calling thread, where the SQLite adapter reads (awaiting would time the queue too).
 */
export function timeStreamLoads(events: EventStore): { loads: { count: number; found: number; events: number; ms: number }; restore: () => void } {
  const readStream = events.readStream;
  const loads = { count: 0, found: 0, events: 0, ms: 0 };
  events.readStream = (stream, options) => {
    const t0 = performance.now();
    const got = readStream.call(events, stream, options);
    loads.ms += performance.now() - t0;
    loads.count++;
    return got.then((read) => ((loads.events += read.length), (loads.found += read.length > 0 ? 1 : 0), read));
  };
  return { loads, restore: () => void (events.readStream = readStream) };
}

/** The body of the command loads' POST /api/projects (a project with two units), numbered. */
export function registerBody(i: number) {
  return {
    name: `龙岗天安云谷创新型产业用房${i}号`,
    district: 'longgang',
    address: '龙岗区坂田街道雪岗路2018号',
    useType: 'rnd',
    supplyModes: ['rent'],
    totalArea: 18_000,
    managingDepartment: '龙岗区住房和建设局',
    location: { lng: 114.07, lat: 22.63 },
    units: [
      { building: '1栋', floor: '6层', number: '601', area: 900 },
      { building: '1栋', floor: '6层', number: '602', area: 720 },
    ],
  };
}

/** Registers 500 projects, 50 at a time, for the mixed load to PATCH (one stream each, so clients rarely collide). */
export async function registerProjects(url: string, headers: Record<string, string>): Promise<string[]> {
  const ids: string[] = [];
  for (let b = 0; b < 10; b++) {
    const made = await Promise.all(
      Array.from({ length: 50 }, (_, k) =>
        fetch(`${url}/api/projects`, { method: 'POST', headers, body: JSON.stringify(registerBody(b * 50 + k)) }).then((r) => r.json() as Promise<{ id: string }>),
      ),
    );
    ids.push(...made.map((m) => m.id));
  }
  return ids;
}

/** The mixed command load: a registration, then a PATCH of one of `ids` (management fee, with a reason), in turn. */
export function mixedRequests(ids: string[]): AutocannonRequest[] {
  let fee = 0;
  return [
    { method: 'POST', path: '/api/projects', body: JSON.stringify(registerBody(1)) },
    {
      method: 'PATCH',
      setupRequest: (req) => ({
        ...req,
        path: `/api/projects/${ids[Math.floor(Math.random() * ids.length)]}`,
        body: JSON.stringify({ managementFee: 5 + (++fee % 10_000) / 100, reason: '物业管理费调整' }),
      }),
    },
  ];
}

/** Waits until the server answers promptly: the requests of the previous run may still be queued there. */
export async function settle(url: string): Promise<void> {
  const deadline = performance.now() + 120_000;
  while (performance.now() < deadline) {
    const t = performance.now();
    await fetch(`${url}/health`).then((r) => r.arrayBuffer());
    if (performance.now() - t < 10) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function load(url: string, options: Omit<Parameters<typeof autocannon>[0], 'url' | 'connections' | 'duration'>, seconds = settings.seconds) {
  await settle(url);
  const r = await autocannon({ url, connections: CONNECTIONS, duration: seconds, ...options });
  const ok = r['2xx'];
  return { perSecond: ok / r.duration, answered: ok, p99: r.latency.p99, p50: r.latency.p50, failed: r.non2xx + r.errors + r.timeouts, codes: r.statusCodeStats };
}

export type LoadResult = Awaited<ReturnType<typeof load>>;

/** A load like `load`, with the count of 2xx answers so far readable while it runs (the access-log row's slices). */
export function loadCounted(url: string, options: Omit<Parameters<typeof autocannon>[0], 'url' | 'connections' | 'duration'>, seconds: number) {
  let answered = 0;
  const run = autocannon({ url, connections: CONNECTIONS, duration: seconds, ...options });
  run.on('response', (_client, statusCode) => {
    if (statusCode >= 200 && statusCode < 300) answered++;
  });
  return { answered: () => answered, done: Promise.resolve(run) };
}

/** A read measured on the platform, to be set beside a bare Fastify serving the same body. */
export interface Compared {
  name: string;
  body: string;
  /** One run of the read on the platform (the same request each time). */
  run: () => Promise<LoadResult>;
}
