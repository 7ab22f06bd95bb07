// The event log's writer thread: each request is one group commit (one IMMEDIATE transaction, one
// fsync under synchronous=FULL) of every append the main thread queued meanwhile. Canonical JSON, the
// hash chain, two index updates and the fsync run here, so the main thread keeps serving requests.
// Plain JavaScript: a worker thread must load without the TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { createGroupCommit } from './sqlite-group-commit.mjs';

let db;
let commit;
try {
  db = new Database(workerData.file, { timeout: workerData.busyTimeoutMs });
  db.pragma('synchronous = FULL'); // an acknowledged append survives power loss (journal_mode is WAL: set by the opener)
  commit = createGroupCommit(db);
} catch (err) {
  db?.close();
  throw err; // the store sees the thread stop and answers Unavailable
}

parentPort.on('message', (m) => {
  if (m.kind === 'close') {
    db.close();
    parentPort.postMessage({ id: m.id, outcomes: [] });
    return;
  }
  parentPort.postMessage({ id: m.id, ...commit(m) });
});
