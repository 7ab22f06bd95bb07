// One of the two threads of an export pair (line-export.ts), kept for export after export: its code stays
// compiled and warm. Each job is a pipeline: `fetch` runs the export's query on a read-only connection of
// the job's own (one statement: the answer as it stood when asked, as WAL keeps it) and hands the rows'
// JSON on in batches; `lines` parses each row, makes its line with the format's line maker and posts a
// batch's lines as one chunk of UTF-8 bytes (moved, not copied) to the reader, then null. Making lines
// costs more than fetching, so while `lines` has batches waiting, `fetch` makes a batch's lines itself and
// hands on the chunk, which `lines` passes through in its turn: order kept, both threads busy. Each waits
// while `ahead` of its messages are untaken, and both stop once the reader has left. A job's end is told
// to the pair's owner by 'free'. Plain JavaScript: loaded as it is, by the server and its tests alike.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { lineMaker } from './line-makers.mjs';

/** flow[0]: batches fetched and not yet taken by `lines`; flow[1]: chunks not yet taken by the reader; flow[2]: 1 once the reader left. */
const FETCHED = 0;
const MADE = 1;
const LEFT = 2;
const { role } = workerData;

let scratch = Buffer.allocUnsafeSlow(1 << 20);
/**
 * A batch of rows' JSON as one chunk of lines in UTF-8, of its own memory (moved to the reader, not
 * copied). Each line is written into a scratch buffer as it is made: joining a batch's lines into one
 * string first and encoding that took twice as long (6.7 against 3.5 µs per row of a 1M-event audit trail).
 */
function chunkOf(batch, line) {
  const lines = batch.map((json) => line(JSON.parse(json)));
  let most = 0;
  for (const l of lines) most += 3 * l.length; // UTF-8 takes at most 3 bytes per UTF-16 unit
  if (most > scratch.length) scratch = Buffer.allocUnsafeSlow(most);
  let size = 0;
  for (const l of lines) size += scratch.write(l, size);
  const chunk = new Uint8Array(size);
  chunk.set(scratch.subarray(0, size));
  return chunk;
}
/** Posts a batch (rows' JSON, copied) or a chunk (bytes, moved). */
const post = (to, message) => (message instanceof Uint8Array ? to.postMessage(message, [message.buffer]) : to.postMessage(message));

/** Waits until fewer than `ahead` are untaken at `slot`, then counts one more; false when the reader has left. */
function claim(flow, ahead, slot) {
  for (let n = Atomics.load(flow, slot); n >= ahead; n = Atomics.load(flow, slot)) {
    if (Atomics.load(flow, LEFT) === 1) return false;
    Atomics.wait(flow, slot, n, 1000);
  }
  if (Atomics.load(flow, LEFT) === 1) return false;
  Atomics.add(flow, slot, 1);
  return true;
}

/** A fetch job: the rows in batches to `port`, then null (also when the reader left, so `lines` ends its job). */
async function fetchJob({ file, sql, params, batchSize, format, port, flow: buffer, ahead }) {
  const flow = new Int32Array(buffer);
  const line = await lineMaker(format);
  // Not memory-mapped: fetching alone went from ~250k to ~400k rows/s with `mmap_size`, but whole exports
  // were no faster (the parsing thread sets the pace) and every page touched counted in the server's RSS
  // (peak 4.1 GB against 2.9 GB at a million events).
  const db = new Database(file, { readonly: true });
  try {
    /** Hands a batch on, as its chunk of lines when `lines` already has two messages waiting. */
    const handOn = (batch) => {
      const message = Atomics.load(flow, FETCHED) >= 2 ? chunkOf(batch, line) : batch;
      if (!claim(flow, ahead, FETCHED)) return false;
      post(port, message);
      return true;
    };
    let batch = [];
    let going = true;
    for (const json of db.prepare(sql).pluck().iterate(...params)) {
      batch.push(json);
      if (batch.length >= batchSize) {
        going = handOn(batch);
        if (!going) break;
        batch = [];
      }
    }
    if (going && batch.length > 0) handOn(batch);
    port.postMessage(null);
  } finally {
    db.close();
    port.close();
  }
}

/** A lines job: chunks from the batches on `port` to `out`, then null; ends at the null `fetch` always sends. */
async function linesJob({ format, port, out, flow: buffer, ahead }) {
  const flow = new Int32Array(buffer);
  const line = await lineMaker(format);
  await new Promise((resolve) => {
    port.on('message', (message) => {
      const left = Atomics.load(flow, LEFT) === 1;
      if (message === null) {
        if (!left) out.postMessage(null);
        resolve();
        return;
      }
      Atomics.sub(flow, FETCHED, 1);
      Atomics.notify(flow, FETCHED);
      if (left) return;
      const chunk = message instanceof Uint8Array ? message : chunkOf(message, line);
      if (claim(flow, ahead, MADE)) post(out, chunk);
    });
  });
  port.close();
  out.close();
}

// Jobs come one at a time (the owner sends the next only after 'free'); a failure ends the thread, and
// its owner drops the pair.
parentPort.on('message', async (job) => {
  await (role === 'fetch' ? fetchJob(job) : linesJob(job));
  parentPort.postMessage('free');
});
