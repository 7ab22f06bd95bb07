// Where the embedded store keeps each log collection in its read-model file: a table of its own, so an
// index built at the end of a rebuild reads that collection's rows only (one table shared by every log
// collection made each of ~25 index builds scan all of them: the rebuild grew faster than the log).
// Plain JavaScript: the writer thread uses it too.

/** The table of one log collection, as a quoted SQL identifier. */
export const logTable = (collection) => `"log__${collection.replaceAll('"', '""')}"`;

/**
 * The column holding a document field an index names: the field's value as json_extract gives it, stored
 * at insert, so an index is built from the column (no JSON parsed per row and index) and a query compares
 * the column. Added (and filled from the JSON) when an index first names the field.
 */
export const valueColumn = (field) => `"v.${field.replaceAll('"', '""')}"`;

/** The fields that have a value column in a collection's table (none when it has no table). */
export const valueFieldsOf = (db, collection) =>
  db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(`log__${collection}`).filter((n) => n.startsWith('v.')).map((n) => n.slice(2));

/** Its schema: the id is unique (a replayed write is ignored), rows in the order written. */
export const logTableSql = (collection) => `CREATE TABLE IF NOT EXISTS ${logTable(collection)} (id TEXT NOT NULL UNIQUE, json TEXT NOT NULL)`;

/**
 * Moves the rows of the one shared table of earlier versions (log_docs) into a table per collection,
 * then drops it (and its indexes: the next ensureIndexes makes them on the new tables). One transaction.
 */
export function moveSharedLogTable(db) {
  const shared = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'log_docs'").get();
  if (!shared) return;
  db.transaction(() => {
    for (const { collection } of db.prepare('SELECT DISTINCT collection FROM log_docs').all()) {
      db.exec(logTableSql(collection));
      db.prepare(`INSERT OR IGNORE INTO ${logTable(collection)} (id, json) SELECT id, json FROM log_docs WHERE collection = ? ORDER BY rowid`).run(collection);
    }
    db.exec('DROP TABLE log_docs');
  })();
}

/** The document a log op writes: its id, its set (undefined becomes null, as the MongoDB driver stores it), its position. */
export function logDocOf(id, set, position) {
  const doc = { _id: id };
  for (const [k, v] of Object.entries(set ?? {})) doc[k] = v === undefined ? null : v;
  doc._position = position;
  return doc;
}

/** The id of a numbered log document (ReadStore.appendNumbered): its number in 16 digits. */
export const numberedId = (n) => String(n).padStart(16, '0');

const isDigit = (c) => c >= 48 && c <= 57;

/**
 * `JSON.stringify(logDocOf(id, set, position))` without making the document: the set's own text between
 * the id and the position. Where the two could differ (an undefined value, which the document turns into
 * null; an integer-like key, which an object puts first; a key named like the envelope's; nothing set), it
 * makes the document. The writer thread makes it: the main thread sends the set itself, cloned once by
 * postMessage (~0.9 µs for an access-log entry), where serialising it there and cloning the text took ~2.5 µs.
 */
export function logDocText(id, set, position) {
  let any = false;
  for (const k in set) {
    // A key starting with a digit may be integer-like (an object puts those first): the document decides.
    if (set[k] === undefined || k === '_id' || k === '_position' || isDigit(k.charCodeAt(0))) return JSON.stringify(logDocOf(id, set, position));
    any = true;
  }
  if (!any) return JSON.stringify(logDocOf(id, set, position));
  return `{"_id":${JSON.stringify(id)},${JSON.stringify(set).slice(1, -1)},"_position":${JSON.stringify(position)}}`;
}
