// Exports as text lines (ReadStore.exportLines): in this thread from pages of documents, or, for the
// embedded store's log collections, on two threads of their own (log-export.worker.mjs) that read the
// file, make the lines and hand over each chunk as UTF-8 bytes. At a million events a CSV export of one
// district kept the serving thread busy for seconds, a fifth of it collecting the garbage of a
// multi-gigabyte heap; the threads' heaps are small and the serving thread only writes the chunks.
import { availableParallelism } from 'node:os';
import { MessageChannel, Worker } from 'node:worker_threads';
import { lineMaker } from './line-makers.mjs';
import { workerHeap } from './worker-heap.js';
import type { Doc, LineFormat } from './read-store.js';

/** Pages of documents as chunks of lines, in this thread. */
export async function* linesOf(pages: AsyncIterable<Doc[]>, format: LineFormat): AsyncIterable<string> {
  const line = await lineMaker(format);
  for await (const page of pages) yield page.map(line).join('');
}

/** An export read from a SQLite file: one query whose rows are documents' JSON, in order. */
export interface FileExport {
  file: string;
  sql: string;
  params: unknown[];
  format: LineFormat;
  batchSize: number;
}

/**
 * The documents an export must reach to be made on threads: below it, in the serving thread. A pair's
 * threads are kept from export to export (warm), but the first export starts them (~40 ms) and runs their
 * code cold: at 100k events an export of one district (16,811 entries) took 0.27 s in the serving thread
 * and 0.3 s on threads started for it; of 1,057 entries, ~190 ms on such threads. From a few tens of
 * thousands the threads win (167,469 entries: 61-72k rows/s here, 116-146k there).
 */
export const EXPORT_THREADS_FROM = 5_000;

/** Batches a thread may make ahead of the next: bounded, so a slow client never fills memory. */
const AHEAD = 8;
/**
 * Threads for exports at once: an export takes two (fetching rows, making lines: on a two-core machine
 * the pair made 135-145k lines/s where one thread doing both made 85-110k); exports beyond run in the
 * serving thread. The OS shares the cores between these and the thread that serves requests.
 */
const MAX_THREADS = Math.max(2, availableParallelism());
/** An idle pair's threads stop after this long: kept warm for the next export, not for ever. */
const IDLE_MS = 5 * 60_000;
let threads = 0;

/** Whether another export may have its two threads now. */
export const exportThreadsFree = () => threads + 2 <= MAX_THREADS;
/** Threads held by exports now. */
export const exportThreadsInUse = () => threads;

/** Two threads of log-export.worker.mjs, one job at a time; `free` counts those done with the current job. */
interface Pair {
  fetch: Worker;
  lines: Worker;
  free: number;
  onFree: (() => void) | null;
  idle: NodeJS.Timeout | null;
  /** Its threads were told to stop, or one stopped: the pair is not used again. */
  stopped: boolean;
}
const idlePairs: Pair[] = [];
let pairsStarted = 0;

function newPair(): Pair {
  const url = new URL('./log-export.worker.mjs', import.meta.url);
  // Plain JavaScript: no loader of the parent's (`--import tsx` made each thread 150 ms slower to start).
  const pair: Pair = { fetch: new Worker(url, { workerData: { role: 'fetch' }, execArgv: [], resourceLimits: workerHeap() }), lines: new Worker(url, { workerData: { role: 'lines' }, execArgv: [], resourceLimits: workerHeap() }), free: 2, onFree: null, idle: null, stopped: false };
  for (const worker of [pair.fetch, pair.lines]) {
    worker.on('message', () => {
      if (++pair.free === 2) pair.onFree?.();
    });
    // A job's own listeners report a failure; this one keeps an idle thread's failure from throwing here.
    worker.on('error', () => {});
    worker.on('exit', () => {
      if (pair.stopped) return;
      void stopPair(pair);
      pair.onFree?.();
    });
  }
  pairsStarted++;
  return pair;
}

/** Ends a pair's threads (a job that failed or was left early, or an idle pair timed out). */
function stopPair(pair: Pair): Promise<unknown> {
  if (pair.idle) clearTimeout(pair.idle);
  const at = idlePairs.indexOf(pair);
  if (at >= 0) idlePairs.splice(at, 1);
  if (!pair.stopped) pairsStarted--;
  pair.stopped = true;
  return Promise.all([pair.fetch.terminate(), pair.lines.terminate()]);
}

/** Keeps a pair for the next export, its threads not holding the process open meanwhile. */
function keepPair(pair: Pair): void {
  for (const worker of [pair.fetch, pair.lines]) worker.unref();
  pair.idle = setTimeout(() => void stopPair(pair), IDLE_MS).unref();
  idlePairs.push(pair);
}

function takePair(): Pair {
  const pair = idlePairs.pop() ?? newPair();
  if (pair.idle) clearTimeout(pair.idle);
  pair.idle = null;
  for (const worker of [pair.fetch, pair.lines]) worker.ref();
  pair.free = 0;
  return pair;
}

/** Threads started for exports and not stopped (busy or idle), for tests. */
export const exportThreadsStarted = () => 2 * pairsStarted;

/**
 * The chunks of a file export, made on a pair of threads (log-export.worker.mjs), in order, as UTF-8 bytes
 * moved to this thread (read-store.ts, ExportChunk). Finished, the pair waits for the next export; left
 * early (the client went away) or failed, both threads are told to stop and terminated.
 */
export async function* linesOnThreads(job: FileExport): AsyncIterable<Uint8Array> {
  const flow = new Int32Array(new SharedArrayBuffer(12)); // the worker file says what each slot counts
  const rows = new MessageChannel();
  const out = new MessageChannel();
  const { format, batchSize, ...query } = job;
  threads += 2;
  const pair = takePair();
  const chunks: Uint8Array[] = [];
  let done = false;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const woken = () => {
    wake?.();
    wake = null;
  };
  out.port2.on('message', (m: Uint8Array | null) => {
    if (m === null) done = true;
    else chunks.push(m);
    woken();
  });
  const onError = (error: Error) => {
    failure ??= error;
    woken();
  };
  const onExit = (code: number) => {
    if (!done) failure ??= new Error(`an export thread stopped (exit code ${code}) before the last chunk`);
    woken();
  };
  for (const worker of [pair.fetch, pair.lines]) worker.on('error', onError).on('exit', onExit);
  pair.fetch.postMessage({ ...query, format, batchSize, port: rows.port1, flow: flow.buffer, ahead: AHEAD }, [rows.port1]);
  pair.lines.postMessage({ format, port: rows.port2, out: out.port1, flow: flow.buffer, ahead: AHEAD }, [rows.port2, out.port1]);
  try {
    for (;;) {
      const chunk = chunks.shift();
      if (chunk !== undefined) {
        Atomics.sub(flow, 1, 1);
        Atomics.notify(flow, 1);
        // A Buffer over the moved bytes: written to a socket as they are (a plain Uint8Array is too, but Node's streams wrap it first).
        yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        continue;
      }
      if (failure) throw failure;
      if (done) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    out.port2.close();
    for (const worker of [pair.fetch, pair.lines]) worker.off('error', onError).off('exit', onExit);
    if (done && !failure) {
      // Both threads say 'free' right after the last chunk.
      if (pair.free < 2 && !pair.stopped) await new Promise<void>((resolve) => (pair.onFree = resolve));
      pair.onFree = null;
      if (pair.stopped) await stopPair(pair);
      else keepPair(pair);
    } else {
      Atomics.store(flow, 2, 1);
      Atomics.notify(flow, 0);
      Atomics.notify(flow, 1);
      await stopPair(pair);
    }
    threads -= 2;
  }
}
