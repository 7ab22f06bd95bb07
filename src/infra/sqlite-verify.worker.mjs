// One verify thread of the SQLite log: checks its range of positions (sqlite-chain-check.mjs) on a
// read-only connection of its own and posts the result. Plain JavaScript, as the writer thread.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { chainChecker } from './sqlite-chain-check.mjs';

const db = new Database(workerData.file, { readonly: true, timeout: workerData.busyTimeoutMs });
try {
  const run = chainChecker(db)(workerData.range);
  let step = run.next();
  while (!step.done) step = run.next();
  parentPort.postMessage(step.value);
} finally {
  db.close();
}
