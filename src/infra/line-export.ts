// Exports as text lines (ReadStore.exportLines): in this thread from pages of documents, or, for the
// embedded store's log collections, on two threads of their own (log-export.worker.mjs) that read the
// file, make the lines and hand over one string per chunk. At a million events a CSV export of one
// district kept the serving thread busy for seconds, a fifth of it collecting the garbage of a
// multi-gigabyte heap; the threads' heaps are small and the serving thread only writes the chunks.
import { availableParallelism } from 'node:os';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { Doc, LineFormat } from './read-store.js';

const lineMakers = new Map<string, Promise<(doc: Doc) => string>>();

/** The line maker a format names (loaded once). */
export function lineMaker(format: LineFormat): Promise<(doc: Doc) => string> {
  const key = `${format.module}#${format.name}`;
  let maker = lineMakers.get(key);
  if (!maker) {
    maker = import(format.module).then((m: Record<string, unknown>) => {
      const f = m[format.name];
      if (typeof f !== 'function') throw new Error(`${format.module} exports no line maker named ${format.name}`);
      return f as (doc: Doc) => string;
    });
    lineMakers.set(key, maker);
  }
  return maker;
}

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
 * The documents an export must reach to be made on threads: below it, in the serving thread. Each export's
 * threads start afresh (~40 ms) and run their code cold: at 100k events an export of one district (16,811
 * entries) took 0.27 s in the serving thread and 0.3 s on threads with more CPU; of 1,057 entries, ~190 ms on
 * threads. From a few tens of thousands the threads win (167,469 entries: 61-72k rows/s here, 116-146k there).
 */
export const EXPORT_THREADS_FROM = 20_000;

/** Batches a thread may make ahead of the next: bounded, so a slow client never fills memory. */
const AHEAD = 8;
/**
 * Threads for exports at once: an export takes two (fetching rows, making lines: on a two-core machine
 * the pair made 135-145k lines/s where one thread doing both made 85-110k); exports beyond run in the
 * serving thread. The OS shares the cores between these and the thread that serves requests.
 */
const MAX_THREADS = Math.max(2, availableParallelism());
let threads = 0;

/** Whether another export may have its two threads now. */
export const exportThreadsFree = () => threads + 2 <= MAX_THREADS;
/** Threads held by exports now. */
export const exportThreadsInUse = () => threads;

/**
 * The chunks of a file export, made on two threads (log-export.worker.mjs), in order, as UTF-8 bytes moved
 * to this thread (read-store.ts, ExportChunk). Left early (the client went away) or failed, both threads
 * are told to stop and terminated.
 */
export async function* linesOnThreads(job: FileExport): AsyncIterable<Uint8Array> {
  const flow = new Int32Array(new SharedArrayBuffer(12)); // the worker file says what each slot counts
  const { port1, port2 } = new MessageChannel();
  const { format, batchSize, ...query } = job;
  const url = new URL('./log-export.worker.mjs', import.meta.url);
  // Plain JavaScript on both sides: no loader of the parent's (`--import tsx` made each export 150 ms slower to start).
  const options = { execArgv: [] };
  threads += 2;
  const fetch = new Worker(url, { workerData: { role: 'fetch', ...query, format, batchSize, port: port1, flow: flow.buffer, ahead: AHEAD }, transferList: [port1], ...options });
  const lines = new Worker(url, { workerData: { role: 'lines', format, port: port2, flow: flow.buffer, ahead: AHEAD }, transferList: [port2], ...options });
  const chunks: Uint8Array[] = [];
  let done = false;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const woken = () => {
    wake?.();
    wake = null;
  };
  lines.on('message', (m: Uint8Array | null) => {
    if (m === null) done = true;
    else chunks.push(m);
    woken();
  });
  for (const worker of [fetch, lines]) {
    worker.on('error', (error) => {
      failure ??= error;
      woken();
    });
    worker.on('exit', (code) => {
      if (code !== 0 && !done) failure ??= new Error(`an export thread stopped (exit code ${code}) before the last chunk`);
      woken();
    });
  }
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
    threads -= 2;
    if (!done || failure) {
      Atomics.store(flow, 2, 1);
      Atomics.notify(flow, 0);
      Atomics.notify(flow, 1);
      await Promise.all([fetch.terminate(), lines.terminate()]);
    }
  }
}
