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
