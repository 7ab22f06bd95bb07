// Issue 9's rows: the audit read model asked by actor, its CSV export over HTTP, what the platform showed
// on a date (the notices feed and the project search with ?asOf=), `npm run verify`'s rate on the
// embedded log, and what the access log (X-Access-Reason) costs a staff GET.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSigner } from 'fast-jwt';
import { AccessLog } from '../src/application/access-log.js';
import type { Actor } from '../src/domain/shared.js';
import { EmbeddedReadStore } from '../src/infra/embedded-read-store.js';
import type { ReadStore } from '../src/infra/read-store.js';
import { searchAudit } from '../src/projections/audit-queries.js';
import { CHILD_EXEC_ARGV, ESDB_URL, ROOT, SECRET, type Server, int, load, log, median, meets, ms, notes, percentile, row, settle } from './bench-kit.js';
import type { ScenarioLog } from './bench-scenario-log.js';

const sign = createSigner({ key: SECRET, expiresIn: 3_600_000 });

/** searchAudit by actor (newest 50 with the total), the question GET /api/audit?actor= asks the read model. */
export async function auditQueryFigures(reads: ReadStore, scenario: ScenarioLog, events: number, samples: number): Promise<number> {
  const officers = [...scenario.officers.values()].flat();
  log(`6b. the audit read model at ${int(events)} events: searchAudit by actor, ${samples} questions (officers and enterprises, newest 50 with the total)`);
  const times: number[] = [];
  let largest = 0;
  for (let k = 0; k < samples; k++) {
    const actor = k % 2 === 0 ? officers[Math.floor(Math.random() * officers.length)]! : scenario.enterprises[Math.floor(Math.random() * scenario.enterprises.length)]!;
    const s0 = performance.now();
    const { items, total } = await searchAudit(reads, { actor: actor.id }, 1, 50);
    times.push(performance.now() - s0);
    largest = Math.max(largest, total);
    if (total > 0 && items.length === 0) throw new Error(`audit query by ${actor.id}: total ${total} but no entries`);
  }
  times.sort((a, b) => a - b);
  const p99 = percentile(times, 99);
  row(
    `audit query by actor at ${int(events)} events: searchAudit on the audit read model, newest 50 with total (${officers.length} officers, ${int(scenario.enterprises.length)} enterprises; up to ${int(largest)} entries each), p99 of ${samples}`,
    `p99 ${ms(p99)} (p50 ${ms(percentile(times, 50))})`,
    'goal p99 ≤ 50 ms (issue 9)',
    meets(p99 <= 50),
  );
  return p99;
}

/** `npm run verify` on the log: the script itself (its own timing of verifyLog), in a child process. */
export async function verifyFigures(logDir: string, events: number): Promise<void> {
  if (ESDB_URL) {
    notes.push('npm run verify checks the embedded log only: its row is skipped on EventStoreDB');
    return;
  }
  log(`9a. npm run verify on the ${int(events)}-event log`);
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((res, rej) =>
    execFile(process.execPath, [...CHILD_EXEC_ARGV, join(ROOT, 'scripts', 'verify.ts'), '--data-dir', logDir], { env: { ...process.env, DATA_DIR: logDir, JWT_SECRET: SECRET, CHECKPOINT_SIGNING_KEY: '', CHECKPOINT_SIGNING_KEY_FILE: '' }, maxBuffer: 1 << 24 }, (error, out, err) =>
      // exit 1 is "not intact": still an answer to report
      error && (error as { code?: unknown }).code !== 1 ? rej(new Error(`verify failed: ${err || error.message}`)) : res({ stdout: out, stderr: err }),
    ),
  );
  const answer = JSON.parse(stdout) as { ok: boolean; checked: number };
  const timing = /(\d+) events in ([\d.]+) s/.exec(stderr);
  if (!timing) throw new Error(`verify printed no timing: ${stderr}`);
  const rate = Number(timing[1]) / Number(timing[2]);
  row(
    `npm run verify on the ${int(events)}-event embedded log (hash chain, no signed checkpoint configured): events/s`,
    `${int(rate)} (${int(answer.checked)} events in ${timing[2]} s${answer.ok ? '' : ', NOT intact'})`,
    'goal ≥ 200,000 events/s (issue 9)',
    meets(answer.ok && rate >= 200_000),
  );
}

/** One request at a time, random dates, up to `samples` or `budgetMs`: per-request latency, as the goal is stated. */
async function sequential(url: string, path: (date: string) => string, samples: number, budgetMs: number) {
  const from = Date.parse('2014-12-01T00:00:00Z');
  const times: number[] = [];
  const until = performance.now() + budgetMs;
  let items = 0;
  while (times.length < samples && performance.now() < until) {
    const date = new Date(from + Math.random() * (Date.now() - 86_400_000 - from)).toISOString().slice(0, 10);
    const s0 = performance.now();
    const res = await fetch(url + path(date));
    const text = await res.text();
    times.push(performance.now() - s0);
    if (res.status !== 200) throw new Error(`${path(date)} answered ${res.status}: ${text.slice(0, 300)}`);
    items += ((JSON.parse(text) as { items?: unknown[] }).items ?? []).length;
  }
  times.sort((a, b) => a - b);
  return { p99: percentile(times, 99), p50: percentile(times, 50), n: times.length, items };
}

export async function asOfFigures(url: string, events: number, samples: number, budgetMs: number): Promise<void> {
  for (const [name, path] of [
    ['GET /api/notices?asOf=<random day> (the public feed as it stood)', (d: string) => `/api/notices?asOf=${d}`],
    ['GET /api/projects?asOf=<random day> (the project search as it stood)', (d: string) => `/api/projects?asOf=${d}`],
  ] as const) {
    log(`9b. ${name}: one request at a time, up to ${samples} or ${budgetMs / 1000} s`);
    const r = await sequential(url, path, samples, budgetMs);
    row(
      `${name} at ${int(events)} events: one client, p99 of ${r.n}`,
      `p99 ${ms(r.p99)} (p50 ${ms(r.p50)}; ${int(r.items / Math.max(r.n, 1))} items per answer)`,
      'goal p99 ≤ 50 ms (issue 9)',
      meets(r.p99 <= 50),
    );
  }
}

/** A GET read to the end: its line feeds and bytes. */
function readLines(url: string, headers: Record<string, string>): Promise<{ lines: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`CSV export answered ${res.statusCode}`));
        return;
      }
      let lines = 0;
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.byteLength;
        // Each row ends in CRLF and no field of these entries holds a line break: line feeds count rows.
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      });
      res.on('end', () => resolve({ lines, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** GET /api/audit with Accept: text/csv over HTTP, read to the end; the rows counted against the JSON total. */
export async function csvExportFigures(url: string, events: number): Promise<void> {
  const headers = { authorization: `Bearer ${sign({ sub: 'bench-auditor', role: 'auditor', name: '市纪检监察审计员' })}` };
  const query = '/api/audit?district=nanshan';
  const expected = ((await (await fetch(`${url}${query}&pageSize=1`, { headers })).json()) as { total: number }).total;
  log(`9c. CSV export over HTTP: GET ${query} (${int(expected)} entries), Accept: text/csv, three times`);
  // One export untimed first (it pays for compiling the export's code and reading the audit trail's pages
  // into the cache: 15-50 % slower here), then three one after another, the median taken; each is shown.
  // Read with node:http, not fetch: on this two-core machine fetch's web streams took ~0.6 s of CPU per
  // export from the server (the same server: 84-115k rows/s read with fetch, 116-146k with node:http).
  const runs: { rate: number; rows: number; bytes: number; seconds: number }[] = [];
  const warm = performance.now();
  const first = await readLines(url + query, { ...headers, accept: 'text/csv' });
  const warmRate = (first.lines - 1) / ((performance.now() - warm) / 1000);
  for (let k = 0; k < 3; k++) {
    const s0 = performance.now();
    const { lines, bytes } = await readLines(url + query, { ...headers, accept: 'text/csv' });
    const seconds = (performance.now() - s0) / 1000;
    const rows = lines - 1; // the header
    if (rows !== expected) notes.push(`CSV export: ${int(rows)} rows read, the JSON answer's total is ${int(expected)}`);
    runs.push({ rate: rows / seconds, rows, bytes, seconds });
  }
  const median = [...runs].sort((a, b) => a.rate - b.rate)[1]!;
  row(
    `audit CSV export over HTTP at ${int(events)} events: GET /api/audit?district=nanshan, Accept: text/csv, read to the end (rows/s, median of 3 exports after one untimed)`,
    `${int(median.rate)} (${int(median.rows)} rows, ${int(median.bytes / 2 ** 20)} MiB in ${median.seconds.toFixed(2)} s; the three: ${runs.map((r) => int(r.rate)).join(', ')}; the untimed first: ${int(warmRate)})`,
    'goal ≥ 100,000 rows/s (issue 9)',
    meets(runs.every((r) => r.rows === expected) && median.rate >= 100_000),
  );
}

/**
 * Rounds of the access-log row. Adjacent 5 s runs of one setting differ by 10–11 % (SD of the rounds' ratios
 * in two runs of 15 rounds on the 1M data dir), against a 5 % goal: the median of five rounds moved by about
 * as much as the goal; of nine, by about a quarter less. Each round adds ~11 s.
 */
const ACCESS_ROUNDS = 9;

/**
 * The same staff GET (one application, as an officer of its district, with X-Access-Reason) with the
 * access log recording and switched off in the server. Requests/s on this shared two-core machine moved 2×
 * between two runs of one configuration, so the verdict is on the server's main-thread busy time per
 * answered request (its event loop: what bounds GET throughput); the process's CPU per request (every
 * thread, the writer thread's share of the log's flushes included) and requests/s are shown beside.
 * A warm-up run first, not counted (the first run of a route was 2.5× slower than the rest: compiling,
 * and the access log's one-time preparation); then nine rounds of one run each way, next to each other in
 * time, in alternating order; the cost is the median of the nine rounds' ratios (a pair shares the
 * machine's drift, which moved single runs by ±10 %). The main thread's time is its CPU time (Linux's
 * per-thread counters): its busy time counted waiting for one of the two cores too. Each run starts
 * after a full collection in the server: one of a 3 GB heap (~2 s of main thread, every ~45 s of this
 * load) decided the verdict of whichever run it fell in (measured with --trace-gc: the row swung from −6
 * to +14 %). What a run promotes to the old generation is counted instead, at a full collection's time
 * per live byte.
 */
export async function accessLogFigures(server: Server, scenario: ScenarioLog): Promise<void> {
  const district = 'nanshan';
  const ids = scenario.applications.filter((a) => a.district === district).map((a) => a.applicationId);
  if (ids.length === 0) {
    notes.push('access log row: no application in nanshan in this log');
    return;
  }
  const token = sign({ sub: 'bench-officer-nanshan-2', role: 'housing_dept', district, name: '南山区住房和建设局经办人2' });
  const headers = { authorization: `Bearer ${token}`, 'x-access-reason': encodeURIComponent('资格复核') };
  const probe = await fetch(`${server.url}/api/applications/${ids[0]}`, { headers });
  if (probe.status !== 200) throw new Error(`GET /api/applications/:id answered ${probe.status}: ${(await probe.text()).slice(0, 300)}`);
  log(`9d. access log cost: GET /api/applications/:id (${ids.length} applications) as an officer with X-Access-Reason, recording on / off, a warm-up and ${ACCESS_ROUNDS} rounds`);
  const run = async () => {
    await settle(server.url);
    const collected = await server.collect();
    const before = await server.usage();
    const r = await load(server.url, { headers, requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/api/applications/${ids[Math.floor(Math.random() * ids.length)]}` }) }] });
    const after = await server.usage();
    const n = Math.max(1, r.answered);
    return {
      ...r,
      // The main thread's CPU time where the OS tells it (busy time counts waiting for a core), else busy time.
      main: after.mainCpuMicros !== null && before.mainCpuMicros !== null ? (after.mainCpuMicros - before.mainCpuMicros) / n : (after.mainMicros - before.mainMicros) / n,
      busy: (after.mainMicros - before.mainMicros) / n,
      cpu: (after.cpuMicros - before.cpuMicros) / n,
      promoted: (after.oldBytes - collected.oldBytes) / n,
      collectMs: collected.ms,
      liveBytes: collected.oldBytes,
    };
  };
  await server.accessLog(true);
  await run(); // the warm-up
  const on: Awaited<ReturnType<typeof run>>[] = [];
  const off: typeof on = [];
  for (let round = 0; round < ACCESS_ROUNDS; round++) {
    for (const recording of round % 2 === 0 ? [false, true] : [true, false]) {
      await server.accessLog(recording);
      (recording ? on : off).push(await run());
    }
  }
  await server.accessLog(true);
  const failed = [...on, ...off].reduce((n, r) => n + r.failed, 0);
  // A full collection marks what is live, so the next comes after about as much again has been promoted:
  // each byte promoted costs about (a full collection's time / the live old generation) of main thread.
  const collects = [...on, ...off].map((r) => r.collectMs).filter((x): x is number => x !== null);
  const collectMs = collects.length > 0 ? median(collects) : null;
  const live = median([...on, ...off].map((r) => r.liveBytes));
  const microsPerByte = collectMs !== null && live > 0 ? (collectMs * 1000) / live : 0;
  if (collectMs === null) notes.push('access log row: the server could not collect (no --expose-gc): old-generation collections are not counted');
  const collectedIn = [...on, ...off].filter((r) => r.promoted < 0).length;
  if (collectedIn > 0) notes.push(`access log row: ${collectedIn} run(s) met a full collection of their own (less in the old generation after than before)`);
  const withGc = (r: (typeof on)[number]) => r.main + Math.max(0, r.promoted) * microsPerByte;
  const us = (x: number) => `${Math.round(x)} µs`;
  const kb = (x: number) => `${(x / 1024).toFixed(1)} KB`;
  const runs = (rs: typeof on) =>
    `main thread CPU ${rs.map((r) => us(r.main)).join(', ')} (busy ${rs.map((r) => us(r.busy)).join(', ')}); promoted per request ${rs.map((r) => kb(r.promoted)).join(', ')}; process CPU ${rs.map((r) => us(r.cpu)).join(', ')}; ${rs.map((r) => `${int(r.perSecond)}/s`).join(', ')}`;
  const [mainOn, mainOff] = [median(on.map(withGc)), median(off.map(withGc))];
  const alone = median(await accessLogAlone());
  const cost = median(on.map((r, i) => withGc(r) / withGc(off[i]!))) - 1;
  const direct = median(on.map((r, i) => r.main / off[i]!.main)) - 1;
  const cpuCost = median(on.map((r, i) => r.cpu / off[i]!.cpu)) - 1;
  row(
    'access log cost: GET /api/applications/:id as an officer with X-Access-Reason, 50 connections, recording vs not (server main-thread CPU time per answered request, each run after a full collection, plus its share of the old generation\'s collections: bytes it promoted × a full collection\'s time per live byte; nine rounds of a run each way after a warm-up; cost = median of the rounds\' ratios; process CPU and requests/s beside)',
    `${us(mainOn)} recording (${runs(on)})${failed ? `, ${failed} failed` : ''}`,
    `same GET, recording switched off: ${us(mainOff)} (${runs(off)}); ${collectMs === null ? 'no full collection (not counted)' : `a full collection ${collectMs.toFixed(0)} ms for ${int(live / 2 ** 20)} MB live, so ${(microsPerByte * 1024).toFixed(2)} µs per KB promoted`}; the log alone in the bench process: ${alone.toFixed(1)} µs of main thread per read recorded and written, ${((100 * alone) / mainOff).toFixed(1)} % of that GET; goal cost ≤ 5 % of GET throughput`,
    `cost ${(cost * 100).toFixed(1)} % of the main thread (in the runs alone ${(direct * 100).toFixed(1)} %; process CPU ${(cpuCost * 100).toFixed(1)} %): ${meets(cost <= 0.05)}`,
  );
}

/**
 * The access log alone, in this process, on an embedded read store of its own: main-thread time (event
 * loop not idle) per read, from record() until the entry is written, three rounds of 20,000 reads. A
 * cross-check of the row over HTTP, whose noise on this machine is of the size of the cost.
 */
async function accessLogAlone(): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'isp-access-'));
  const reads = EmbeddedReadStore.open(dir);
  try {
    const access = new AccessLog(reads, () => new Date().toISOString());
    const actor: Actor = { id: 'bench-officer-nanshan-2', role: 'housing_dept', district: 'nanshan', name: '南山区住房和建设局经办人2' };
    const round = async (count: number) => {
      const before = performance.eventLoopUtilization();
      for (let i = 0; i < count; i++) {
        access.record({ actor, what: 'application', records: [`b0000001-0000-4000-8000-${String(i).padStart(12, '0')}`], reason: '资格复核', requestId: `bench-${i}` });
      }
      await access.flush();
      return (performance.eventLoopUtilization(before).active * 1000) / count;
    };
    await round(2_000); // compiling, and the log's one-time preparation
    return [await round(20_000), await round(20_000), await round(20_000)];
  } finally {
    await reads.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
