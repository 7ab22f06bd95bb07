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
import { CHILD_EXEC_ARGV, ESDB_URL, ROOT, SECRET, type AutocannonRequest, type Server, type Usage, int, load, loadCounted, log, median, meets, ms, notes, percentile, row, settle } from './bench-kit.js';
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
 * The access-log row's slices: 16 pairs of 2 s. Runs of 5 s, one each way after a full collection, moved
 * by up to 70 % between neighbours on this shared machine (the GET's main-thread CPU at 170 and 290 µs in
 * two runs a few seconds apart, with the same promotion): single rounds read −40 to +6 %, three rounds 14
 * and 44 %. Slices of one load, switched on/off/off/on, share the machine's state far more closely: four
 * runs of this row read −2.5 to 9.1 % (median 6.2 %).
 */
const ACCESS_SLICE_S = 2;
const ACCESS_PAIRS = 16;

/**
 * The same staff GET (one application, as an officer of its district, with X-Access-Reason) with the
 * access log recording and switched off in the server, in slices of one load (50 connections). The verdict
 * is on the server's main thread (its CPU time per answered request: what bounds GET throughput; Linux's
 * per-thread schedstat, in ns) plus its share of the old generation's collections: what a slice promotes,
 * at a full collection's time per live byte (measured before the load). The process's CPU per request
 * (every thread: the writer thread's inserts of the log's entries too) and requests/s are shown beside.
 * A warm-up run first, not counted (compiling, and the log's one-time preparation). Switching off writes
 * what was recorded at once, so its cost falls in the slice that recorded it. The slices go on, off, off,
 * on, …; a pair is two neighbours, one each way, and the cost is the median of the pairs' ratios. A pair
 * a full collection fell in (the server counts them; the old generation shrank) is left out: its ~0.4–2 s
 * pause would decide that pair, and the promotion that brought it on is already charged.
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
  log(`9d. access log cost: GET /api/applications/:id (${ids.length} applications) as an officer with X-Access-Reason, a warm-up, then recording on / off in ${2 * ACCESS_PAIRS} slices of ${ACCESS_SLICE_S} s of one load`);
  const requests: AutocannonRequest[] = [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/api/applications/${ids[Math.floor(Math.random() * ids.length)]}` }) }];
  await server.accessLog(true);
  await load(server.url, { headers, requests }); // the warm-up
  await settle(server.url);
  const collected = await server.collect();
  const microsPerByte = collected.ms !== null && collected.oldBytes > 0 ? (collected.ms * 1000) / collected.oldBytes : 0;
  if (collected.ms === null) notes.push('access log row: the server could not collect (no --expose-gc): old-generation collections are not counted');

  const setting = (i: number) => i % 4 === 0 || i % 4 === 3; // on, off, off, on: a drift over four slices cancels
  const running = loadCounted(server.url, { headers, requests }, 2 * ACCESS_PAIRS * ACCESS_SLICE_S + 2);
  await new Promise((r) => setTimeout(r, 1000)); // the connections open and the load steadies
  const mark = async () => {
    const answered = running.answered();
    return { answered, ...(await server.usage()) };
  };
  const cpuOf = (u: Usage) => u.mainCpuMicros ?? u.mainMicros;
  await server.accessLog(setting(0));
  let before = await mark();
  const slices: { recording: boolean; main: number; cpu: number; promoted: number; scavenges: number; perSecond: number; full: boolean }[] = [];
  for (let i = 0; i < 2 * ACCESS_PAIRS; i++) {
    const t = performance.now();
    await new Promise((r) => setTimeout(r, ACCESS_SLICE_S * 1000));
    await server.accessLog(i + 1 < 2 * ACCESS_PAIRS && setting(i + 1)); // turning off writes this slice's entries first
    const after = await mark();
    const n = Math.max(1, after.answered - before.answered);
    slices.push({
      recording: setting(i),
      main: (cpuOf(after) - cpuOf(before)) / n,
      cpu: (after.cpuMicros - before.cpuMicros) / n,
      promoted: (after.oldBytes - before.oldBytes) / n,
      scavenges: ((after.minorGcMicros ?? 0) - (before.minorGcMicros ?? 0)) / n,
      perSecond: (n * 1000) / (performance.now() - t),
      full: after.majorGcs > before.majorGcs || after.oldBytes < before.oldBytes,
    });
    before = after;
  }
  const result = await running.done;
  await server.accessLog(true);
  type Slice = (typeof slices)[number];
  const pairs = Array.from({ length: ACCESS_PAIRS }, (_, k): { on: Slice; off: Slice } => {
    const [a, b] = [slices[2 * k]!, slices[2 * k + 1]!];
    return a.recording ? { on: a, off: b } : { on: b, off: a };
  });
  const clean = pairs.filter((p) => !p.on.full && !p.off.full);
  // A small heap (100,000 events) is collected every few seconds: then every pair is kept and the row says so
  // (it threw before, ending the whole bench run).
  const kept = clean.length < ACCESS_PAIRS / 2 ? pairs : clean;
  const keptText = kept === clean ? `${kept.length} of ${ACCESS_PAIRS} pairs kept` : `full collections in ${ACCESS_PAIRS - clean.length} of ${ACCESS_PAIRS} pairs, so all kept`;
  const withGc = (x: Slice) => x.main + Math.max(0, x.promoted) * microsPerByte;
  const ratios = kept.map((p) => withGc(p.on) / withGc(p.off) - 1).sort((a, b) => a - b);
  const cost = median(ratios);
  const direct = median(kept.map((p) => p.on.main / p.off.main)) - 1;
  const cpuCost = median(kept.map((p) => p.on.cpu / p.off.cpu)) - 1;
  const alone = median(await accessLogAlone());
  const us = (x: number) => `${Math.round(x)} µs`;
  const kb = (x: number) => `${(x / 1024).toFixed(1)} KB`;
  const pc = (x: number) => `${(x * 100).toFixed(1)} %`;
  const side = (take: (p: (typeof kept)[number]) => Slice) => {
    const xs = kept.map(take);
    return `main thread CPU ${us(median(xs.map((x) => x.main)))} (slices ${us(Math.min(...xs.map((x) => x.main)))}–${us(Math.max(...xs.map((x) => x.main)))}), young-generation pauses ${us(median(xs.map((x) => x.scavenges)))}, promoted ${kb(median(xs.map((x) => x.promoted)))}, process CPU ${us(median(xs.map((x) => x.cpu)))}, ${int(median(xs.map((x) => x.perSecond)))}/s`;
  };
  const failed = result.non2xx + result.errors + result.timeouts;
  row(
    `access log cost: GET /api/applications/:id as an officer with X-Access-Reason, 50 connections, recording vs not (server main-thread CPU time per answered request plus its share of the old generation's collections: bytes it promoted × a full collection's time per live byte; ${ACCESS_PAIRS} pairs of ${ACCESS_SLICE_S} s slices of one load, on/off/off/on, after a warm-up; cost = median of the pairs' ratios; pairs a full collection fell in left out; process CPU and requests/s beside)`,
    `recording: ${side((p) => p.on)} (medians of the slices kept)${failed ? `; ${failed} failed` : ''}`,
    `same GET, recording switched off: ${side((p) => p.off)}; ${collected.ms === null ? 'no full collection (not counted)' : `a full collection ${collected.ms.toFixed(0)} ms for ${int(collected.oldBytes / 2 ** 20)} MB live, so ${(microsPerByte * 1024).toFixed(2)} µs per KB promoted`}; the log alone in the bench process: ${alone.toFixed(1)} µs of main thread per read recorded and written; goal cost ≤ 5 % of GET throughput`,
    `cost ${pc(cost)} of the main thread (pairs' quartiles ${pc(ratios[Math.floor(ratios.length / 4)]!)} to ${pc(ratios[Math.floor((3 * ratios.length) / 4)]!)}, ${keptText}; without the promotions' share ${pc(direct)}; process CPU ${pc(cpuCost)}): ${meets(cost <= 0.05)}`,
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
