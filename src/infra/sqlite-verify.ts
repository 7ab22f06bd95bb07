// SqliteEventStore.verify: the chain check (sqlite-chain-check.mjs) inline, or, on a large log in a
// file, split into position ranges checked at once by threads of their own. Every row stores its own
// link, so a range can start from the stored hash before it: when every range holds and each ends on
// the link the next one started from, the whole chain holds, and the first range that fails fails
// where one pass would. Anything else (rows removed or added between the split and the check) is
// settled by one pass, so the answer is always the one pass's.
import { readFileSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { workerHeap } from './worker-heap.js';
import type Database from 'better-sqlite3';
import type { VerifyOptions, VerifyResult } from './event-store.js';
import { GENESIS_HASH } from './hash-chain.js';
import { type ChainRange, type ChainRangeResult, chainChecker } from './sqlite-chain-check.mjs';

export interface VerifyTuning {
  /**
   * Threads that share the check of a log in a file; 1 checks inline. Default: the physical cores
   * (physicalCores), up to 4.
   */
  threads?: number;
  /** Fewest rows a thread is started for (starting one costs tens of ms). Default 20,000. */
  minRowsPerThread?: number;
}

let cores: number | null = null;

/**
 * The cores the OS reports (Linux: distinct package and core ids), a core's hyperthreads counted once:
 * they share its SHA unit and caches (on an AMD host whose 2 vCPUs were one core's two threads, two verify
 * threads were slower than one; on an Intel host reporting 2 cores of 1 thread, two took 1M events from
 * 143–186k to 223–241k events/s). Unknown: half the logical CPUs. Read once.
 */
export function physicalCores(): number {
  cores ??= countCores();
  return cores;
}

function countCores(): number {
  const logical = availableParallelism();
  try {
    const seen = new Set<string>();
    for (const cpu of readdirSync('/sys/devices/system/cpu')) {
      if (!/^cpu\d+$/.test(cpu)) continue;
      const topology = `/sys/devices/system/cpu/${cpu}/topology`;
      seen.add(`${readFileSync(`${topology}/physical_package_id`, 'utf8').trim()}:${readFileSync(`${topology}/core_id`, 'utf8').trim()}`);
    }
    if (seen.size > 0) return Math.min(seen.size, logical);
  } catch {
    // not Linux, or no topology exposed
  }
  return Math.max(1, Math.floor(logical / 2));
}

/** The rows before position 1 are checked too (inserted rows there break the chain). */
const START: ChainRange = { after: Number.MIN_SAFE_INTEGER, prevHash: GENESIS_HASH, expected: 1 };

const answer = (r: ChainRangeResult, checkedBefore = 0): VerifyResult => {
  const checked = checkedBefore + r.checked;
  if (!r.ok) return { ok: false, checked, firstBadPosition: r.firstBadPosition! };
  return r.link ? { ok: true, checked, link: r.link } : { ok: true, checked };
};

/** One pass on this thread, yielding between batches so appends and requests run. */
async function inline(db: Database.Database, linkAt: number | undefined): Promise<VerifyResult> {
  const run = chainChecker(db)({ ...START, linkAt });
  for (let step = run.next(); ; step = run.next()) {
    if (step.done) return answer(step.value);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function thread(file: string, busyTimeoutMs: number, range: ChainRange): Promise<ChainRangeResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./sqlite-verify.worker.mjs', import.meta.url), { workerData: { file, busyTimeoutMs, range }, execArgv: [], resourceLimits: workerHeap() });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`verify thread exited with code ${code}`)));
  });
}

export async function verifyChain(db: Database.Database, file: string | null, busyTimeoutMs: number, options: VerifyOptions, tuning: VerifyTuning): Promise<VerifyResult> {
  // Two queries: SQLite reads min() or max() alone from the end of the table, both at once by a scan.
  const first = db.prepare('SELECT min(position) FROM events').pluck().get() as number | null;
  const span = first === null ? 0 : (db.prepare('SELECT max(position) FROM events').pluck().get() as number) - first + 1;
  const threads = Math.min(tuning.threads ?? Math.min(4, physicalCores()), Math.floor(span / (tuning.minRowsPerThread ?? 20_000)));
  if (!file || first === null || threads < 2) return inline(db, options.linkAt);
  // The ranges end on rows that exist, each range after the first starting from that row's stored link.
  const lastAt = db.prepare('SELECT position, hash FROM events WHERE position <= ? ORDER BY position DESC LIMIT 1').raw();
  const ranges: ChainRange[] = [{ ...START, linkAt: options.linkAt }];
  for (let k = 1; k < threads; k++) {
    const edge = lastAt.get(first + Math.floor((k * span) / threads) - 1) as [number, string] | undefined;
    const previous = ranges[ranges.length - 1]!;
    if (!edge || edge[0] <= previous.after) continue;
    previous.until = edge[0];
    ranges.push({ after: edge[0], prevHash: edge[1], expected: edge[0] + 1, linkAt: options.linkAt });
  }
  const results = await Promise.all(ranges.map((range) => thread(file, busyTimeoutMs, range)));
  let checked = 0;
  let link: VerifyResult['link'];
  for (const [k, r] of results.entries()) {
    if (!r.ok) return answer(r, checked);
    const next = ranges[k + 1];
    if (next && (r.last?.position !== next.after || r.last.hash !== next.prevHash)) return inline(db, options.linkAt);
    checked += r.checked;
    link ??= r.link;
  }
  return link ? { ok: true, checked, link } : { ok: true, checked };
}
