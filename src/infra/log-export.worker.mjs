// The two threads of one export (line-export.ts), a pipeline: `fetch` runs the export's query on a
// read-only connection of its own (one statement: the answer as it stood when asked, as WAL keeps it)
// and hands the rows' JSON on in batches; `lines` parses each row, makes its line with the format's line
// maker and posts a batch's lines joined as one string to the reader, then null. Making lines costs more
// than fetching, so while `lines` has batches waiting, `fetch` makes a batch's lines itself and hands on
// the chunk, which `lines` passes through in its turn: order kept, both threads busy. Each waits while
// `ahead` of its messages are untaken, and both stop once the reader has left. Plain JavaScript: loaded
// as it is, by the server and its tests alike.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** flow[0]: batches fetched and not yet taken by `lines`; flow[1]: chunks not yet taken by the reader; flow[2]: 1 once the reader left. */
const FETCHED = 0;
const MADE = 1;
const LEFT = 2;
const { role, port, flow: buffer, ahead, format } = workerData;
const flow = new Int32Array(buffer);
const line = (await import(format.module))[format.name];
if (typeof line !== 'function') throw new Error(`${format.module} exports no line maker named ${format.name}`);
/** A batch of rows' JSON as one chunk of lines. */
const chunkOf = (batch) => batch.map((json) => line(JSON.parse(json))).join('');

/** Waits until fewer than `ahead` are untaken at `slot`, then counts one more; false when the reader has left. */
function claim(slot) {
  for (let n = Atomics.load(flow, slot); n >= ahead; n = Atomics.load(flow, slot)) {
    if (Atomics.load(flow, LEFT) === 1) return false;
    Atomics.wait(flow, slot, n, 1000);
  }
  if (Atomics.load(flow, LEFT) === 1) return false;
  Atomics.add(flow, slot, 1);
  return true;
}

if (role === 'fetch') {
  const { file, sql, params, batchSize } = workerData;
  const db = new Database(file, { readonly: true });
  // Not memory-mapped: fetching alone went from ~250k to ~400k rows/s with `mmap_size`, but whole exports
  // were no faster (the parsing thread sets the pace) and every page touched counted in the server's RSS
  // (peak 4.1 GB against 2.9 GB at a million events).
  try {
    /** Hands a batch on, as its chunk of lines when `lines` already has two messages waiting. */
    const handOn = (batch) => {
      const message = Atomics.load(flow, FETCHED) >= 2 ? chunkOf(batch) : batch;
      if (!claim(FETCHED)) return false;
      port.postMessage(message);
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
    if (going && (batch.length === 0 || handOn(batch))) port.postMessage(null);
  } finally {
    db.close();
    port.close();
  }
} else {
  port.on('message', (message) => {
    if (message === null || Atomics.load(flow, LEFT) === 1) {
      if (message === null) parentPort.postMessage(null);
      port.close();
      return;
    }
    Atomics.sub(flow, FETCHED, 1);
    Atomics.notify(flow, FETCHED);
    const chunk = typeof message === 'string' ? message : chunkOf(message);
    if (claim(MADE)) parentPort.postMessage(chunk);
  });
}
