// Writes the embedded read models to their SQLite file off the main thread, in the order asked, each
// request one transaction (documents and checkpoints together). Plain JavaScript: a worker thread must
// load without the TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const db = new Database(workerData.file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL'); // read models are disposable: losing the last commits only means replaying them
const upsert = db.prepare('INSERT OR REPLACE INTO docs (collection, id, json) VALUES (?, ?, ?)');
const saveCheckpoint = db.prepare('INSERT OR REPLACE INTO checkpoints (name, position) VALUES (?, ?)');
const dropDocs = db.prepare('DELETE FROM docs WHERE collection = ?');
const dropCheckpoint = db.prepare('DELETE FROM checkpoints WHERE name = ?');
const saveMeta = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
// Log collections (embedded-log-collections.ts): written once; a replay of the same op is ignored.
const insertLog = db.prepare('INSERT INTO log_docs (collection, id, json) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
const storedLogPosition = db.prepare("SELECT json_extract(json, '$._position') FROM log_docs WHERE collection = ? AND id = ?").pluck();
const dropLogDocs = db.prepare('DELETE FROM log_docs WHERE collection = ?');

const persist = db.transaction((docs, logDocs, checkpoints) => {
  for (const [collection, id, json] of docs) upsert.run(collection, id, json);
  for (const [collection, id, position, json] of logDocs) {
    if (insertLog.run(collection, id, json).changes === 0 && storedLogPosition.get(collection, id) < position) {
      throw new Error(`log collection document ${collection}/${id} written twice`);
    }
  }
  for (const [name, position] of checkpoints) saveCheckpoint.run(name, position);
});
const reset = db.transaction((collections, name) => {
  dropCheckpoint.run(name);
  for (const c of collections) {
    dropDocs.run(c);
    dropLogDocs.run(c);
  }
});

parentPort.on('message', (m) => {
  try {
    if (m.kind === 'persist') persist(m.docs, m.logDocs ?? [], m.checkpoints);
    else if (m.kind === 'sql') db.exec(m.sql);
    else if (m.kind === 'reset') reset(m.collections, m.name);
    else if (m.kind === 'meta') saveMeta.run(m.key, m.value);
    else if (m.kind === 'close') db.close();
    parentPort.postMessage({ id: m.id, ok: true });
  } catch (error) {
    parentPort.postMessage({ id: m.id, ok: false, error: error instanceof Error ? error.message : String(error) });
  }
});
