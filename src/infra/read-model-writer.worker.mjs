// Writes the embedded read models to their SQLite file off the main thread, in the order asked, each
// request one transaction (documents and checkpoints together). Plain JavaScript: a worker thread must
// load without the TypeScript loader.
import { closeSync, existsSync, fsyncSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { logDocText, logTable, logTableSql, numberedId, valueColumn, valueFieldsOf } from './log-tables.mjs';

const db = new Database(workerData.file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL'); // read models are disposable: losing the last commits only means replaying them
// The log collections' expression indexes grow with the log: with the default 2 MB page cache, inserts into
// them at 1M events mostly wait for pages.
const CACHE_SIZE = -65536;
db.pragma(`cache_size = ${CACHE_SIZE}`);
const BULK_CACHE_SIZE = -8192;
// Checkpoints every ~40 MB of WAL, not SQLite's default 4 MB: the log collections' indexes take random
// inserts (event, correlation and record ids), so each commit dirties hundreds of pages, and a page
// rewritten many times between checkpoints is copied back once. Replaying a command run's audit and
// history rows, 225 per commit: 78-86 → 64-67 µs of CPU and 117-127 → 80-86 µs of wall time per event.
db.pragma('wal_autocheckpoint = 10000');
// Index builds sort in small runs on helper threads, then merge: SQLite's sorter takes its run size from the
// page cache, and one 64 MB run sorted on one thread was the slowest way (the audit trail's record index at
// 1M rows: 2.3-2.5 s; with runs of 1 MB 2.1 s alone, 1.3 s with two helpers; all the log indexes of the 1M
// scenario file 18.5 -> 12.8-13.2 s). The cache is only sorting's memory then: a build reads its table once,
// in order. The writer's own settings are put back after.
const SORT_THREADS = Math.min(4, availableParallelism());
function buildIndexes(sqls) {
  db.pragma(`threads = ${SORT_THREADS}`);
  db.pragma('cache_size = -1000');
  try {
    for (const sql of sqls) db.exec(sql);
  } finally {
    db.pragma('threads = 0');
    db.pragma(`cache_size = ${CACHE_SIZE}`);
  }
}

// An update in place (the row keeps its rowid), not REPLACE's delete and insert.
const upsert = db.prepare('INSERT INTO docs (collection, id, json) VALUES (?, ?, ?) ON CONFLICT (collection, id) DO UPDATE SET json = excluded.json');
const saveCheckpoint = db.prepare('INSERT OR REPLACE INTO checkpoints (name, position) VALUES (?, ?)');
const dropDocs = db.prepare('DELETE FROM docs WHERE collection = ?');
const dropCheckpoint = db.prepare('DELETE FROM checkpoints WHERE name = ?');
const saveMeta = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
// Log collections (embedded-log-collections.ts): a table each, written once; a replay of the same op is ignored.
const logStatements = new Map();
function logStatementsOf(collection) {
  let s = logStatements.get(collection);
  if (!s) {
    db.exec(logTableSql(collection));
    const table = logTable(collection);
    // Each value column filled from the row's JSON as it is inserted (json_extract, as the index once computed it).
    const fields = valueFieldsOf(db, collection);
    const columns = fields.map((f) => `, ${valueColumn(f)}`).join('');
    const values = fields.map((f) => `, json_extract(@json, '$.${f}')`).join('');
    s = {
      // Named parameters name the JSON once. (An INSERT … SELECT from the two parameters, as this was
      // before, took ~40 % longer per row into the audit trail's eight indexes: 82-113 against 51-67 µs.)
      insert: db.prepare(`INSERT INTO ${table} (id, json${columns}) VALUES (@id, @json${values}) ON CONFLICT DO NOTHING`),
      storedPosition: db.prepare(`SELECT json_extract(json, '$._position') FROM ${table} WHERE id = ?`).pluck(),
      drop: db.prepare(`DELETE FROM ${table}`),
    };
    logStatements.set(collection, s);
  }
  return s;
}

/** A value column for each field (added and filled from the JSON when new), then the index. */
const indexSql = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?").pluck();
const logIndex = db.transaction((collection, fields, name, sql, replaced) => {
  logStatementsOf(collection);
  // Made before value columns, on json_extract: the same name, but a query on the columns cannot use it.
  if (indexSql.get(name)?.includes('json_extract(')) db.exec(`DROP INDEX "${name.replaceAll('"', '""')}"`);
  const table = logTable(collection);
  const have = new Set(valueFieldsOf(db, collection));
  for (const f of fields) {
    if (have.has(f)) continue;
    db.exec(`ALTER TABLE ${table} ADD COLUMN ${valueColumn(f)}`);
    db.exec(`UPDATE ${table} SET ${valueColumn(f)} = json_extract(json, '$.${f}')`);
    logStatements.delete(collection); // its insert names the columns
  }
  buildIndexes([sql]);
  // The indexes it takes the place of (IndexSpec.replaces): a file made before would keep writing them.
  for (const other of replaced ?? []) db.exec(`DROP INDEX IF EXISTS "${other.replaceAll('"', '""')}"`);
});

// Documents cross from the main thread as one string (measured ~20 % less of the main thread's time than
// arrays of rows, which are cloned element by element): fields split by \u0001, rows by \u0002; JSON text
// never holds either unescaped, and the rare id that does comes in `odd` as an array. Log documents cross
// as one flat array (collection, id, position, the op's set, next row…), their text made here: serialising
// a set on the main thread and cloning its text cost that thread ~2.5 µs for an access-log entry, cloning
// the set ~0.9 µs (joining the texts into one string made it flatten a rope of every piece: postMessage
// was 9 % of a rebuild's main thread at a million events).
function* rows(text, width) {
  if (text === '') return;
  for (const row of text.split('\u0002')) {
    const fields = row.split('\u0001');
    if (fields.length !== width) throw new Error(`a row of ${fields.length} fields, not ${width}`);
    yield fields;
  }
}

/** A log document, written once: a replay of the same op is ignored, another op on it refused. */
function insertLog(collection, id, position, json) {
  const log = logStatementsOf(collection);
  if (log.insert.run({ id, json }).changes === 0 && log.storedPosition.get(id) < position) {
    throw new Error(`log collection document ${collection}/${id} written twice`);
  }
}

function insertLogDocs(logDocs) {
  for (let i = 0; i < logDocs.length; i += 4) {
    const id = logDocs[i + 1];
    const position = logDocs[i + 2];
    insertLog(logDocs[i], id, position, logDocText(id, logDocs[i + 3], position));
  }
}

// Log documents sent ahead of a live flush (`logAhead`: the main thread clones them for this thread a
// thousand at a time, not all at the flush), kept here and inserted in the next transaction: the flush's, or
// one of their own before any other message, so every write keeps its order.
let aheadLogDocs = [];
function insertAhead() {
  const ahead = aheadLogDocs;
  aheadLogDocs = [];
  for (const logDocs of ahead) insertLogDocs(logDocs);
}
const writeAhead = db.transaction(insertAhead);

// `docs`: one text of rows, or several (a timed flush joins each slice's rows on the main thread, where
// joining them all at once held its event loop 2-9 ms).
const persist = db.transaction((docs, logDocs, checkpoints, odd) => {
  for (const text of typeof docs === 'string' ? [docs] : docs) for (const [collection, id, json] of rows(text, 3)) upsert.run(collection, id, json);
  for (const [collection, id, json] of odd.docs) upsert.run(collection, id, json);
  insertAhead();
  insertLogDocs(logDocs);
  for (const [name, position] of checkpoints) saveCheckpoint.run(name, position);
});

// Numbered documents (ReadStore.appendNumbered): the text of each made here from its line, `{…}`, with
// its number around it, as logDocText makes a set's (the main thread checked every line's braces).
const numbered = db.transaction((collection, lines, first, logDocs, checkpoint) => {
  const text = Buffer.from(lines.buffer, lines.byteOffset, lines.byteLength).toString('utf8');
  let n = first;
  for (let start = 0, end = text.indexOf('\n'); end !== -1; start = end + 1, end = text.indexOf('\n', start), n++) {
    const id = numberedId(n);
    const inner = text.slice(start + 1, end - 1);
    insertLog(collection, id, n, `{"_id":"${id}","seq":${n}${inner === '' ? '' : `,${inner}`},"_position":${n}}`);
  }
  insertLogDocs(logDocs);
  saveCheckpoint.run(checkpoint[0], checkpoint[1]);
});

// Bulk mode (a rebuild): the log collections' indexes are dropped and made again at the end, one sorted
// build each instead of millions of inserts into growing trees. A crash meanwhile leaves them missing
// until the next start, whose ensureIndexes creates them (IF NOT EXISTS) before anything reads.
let droppedIndexes = null;
const logIndexes = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name LIKE 'log\\_\\_%' ESCAPE '\\'");
function setBulk(on, unsynced) {
  if (on) {
    if (unsynced) beginUnsynced();
    // Without the log indexes, inserts append to their tables: the large page cache (for those indexes'
    // random inserts) would only hold pages written once. buildIndexes puts it back at the end.
    db.pragma(`cache_size = ${BULK_CACHE_SIZE}`);
    const found = logIndexes.all(); // when already in bulk: only those declared since
    for (const { name } of found) db.exec(`DROP INDEX "${name.replaceAll('"', '""')}"`);
    droppedIndexes = [...(droppedIndexes ?? []), ...found];
  } else {
    endUnsynced(); // before the builds: a crash during them only leaves indexes for the next start to make
    db.pragma(`cache_size = ${CACHE_SIZE}`);
    if (droppedIndexes === null) return;
    buildIndexes(droppedIndexes.map(({ sql }) => sql.replace(/^CREATE INDEX /, 'CREATE INDEX IF NOT EXISTS ')));
    droppedIndexes = null;
  }
}

// A rebuild into a file that holds nothing else (no checkpoint, no log row: nothing the log cannot give
// again) is written without fsyncs: at a million events the checkpoints' fsyncs (~2 GB through the WAL and
// back into the file) were a fifth of this thread's time, and this thread paces a rebuild. A power cut
// meanwhile could leave the file torn, so a marker beside it, made durable first, says so, and the next
// open throws the file away (EmbeddedReadStore.open) to rebuild it: what a crash during the bulk means
// anyway, its checkpoints being written only at its end. Leaving (the bulk's end, or a write the log cannot
// give again: `sync`) fsyncs the file and its WAL, then removes the marker.
const UNSYNCED = `${workerData.file}.unsynced`;
let unsynced = false;
const anyCheckpoint = db.prepare('SELECT 1 FROM checkpoints LIMIT 1').pluck();
const logTables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'log\\_\\_%' ESCAPE '\\'").pluck();
const holdsNothing = () => anyCheckpoint.get() === undefined && logTables.all().every((t) => db.prepare(`SELECT 1 FROM "${t.replaceAll('"', '""')}" LIMIT 1`).get() === undefined);
function fsyncPath(path) {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
function fsyncDir(path) {
  try {
    fsyncPath(path);
  } catch (error) {
    if (error?.code !== 'EISDIR' && error?.code !== 'EPERM') throw error; // a directory cannot be fsynced everywhere (Windows)
  }
}
function beginUnsynced() {
  if (unsynced || !holdsNothing()) return;
  writeFileSync(UNSYNCED, 'A rebuild was being written here without fsyncs: the next open discards read-models.db and rebuilds it.\n');
  fsyncPath(UNSYNCED);
  fsyncDir(dirname(UNSYNCED)); // the marker's name, too, before anything is written unsynced
  db.pragma('synchronous = OFF');
  unsynced = true;
}
function endUnsynced() {
  if (!unsynced) return;
  db.pragma('synchronous = NORMAL');
  for (const f of [workerData.file, `${workerData.file}-wal`]) if (existsSync(f)) fsyncPath(f);
  rmSync(UNSYNCED);
  fsyncDir(dirname(UNSYNCED));
  unsynced = false;
}
const reset = db.transaction((collections, name) => {
  dropCheckpoint.run(name);
  for (const c of collections) {
    dropDocs.run(c);
    if (logStatements.has(c) || db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(`log__${c}`)) logStatementsOf(c).drop.run();
  }
});

parentPort.on('message', (m) => {
  try {
    if (m.kind !== 'logAhead' && m.kind !== 'persist' && aheadLogDocs.length > 0) writeAhead();
    if (m.kind === 'logAhead') aheadLogDocs.push(m.logDocs);
    else if (m.kind === 'persist') persist(m.docs, m.logDocs, m.checkpoints, m.odd);
    else if (m.kind === 'numbered') numbered(m.collection, m.lines, m.first, m.logDocs, m.checkpoint);
    else if (m.kind === 'declare') for (const c of m.collections) logStatementsOf(c);
    else if (m.kind === 'logIndex') {
      logIndex(m.collection, m.fields, m.name, m.sql, m.replaced);
      if (droppedIndexes !== null) setBulk(true); // an index declared during a bulk waits for its end too
    } else if (m.kind === 'bulk') setBulk(m.on, m.unsynced === true);
    else if (m.kind === 'sync') endUnsynced();
    else if (m.kind === 'reset') reset(m.collections, m.name);
    else if (m.kind === 'meta') saveMeta.run(m.key, m.value);
    else if (m.kind === 'close') {
      endUnsynced(); // closed in the middle of a bulk: what was persisted is whole, keep it
      db.close();
    }
    parentPort.postMessage({ id: m.id, ok: true });
  } catch (error) {
    parentPort.postMessage({ id: m.id, ok: false, error: error instanceof Error ? error.message : String(error) });
  }
});
