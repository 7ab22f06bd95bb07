// The SQLite log's chain check over a range of positions, shared by SqliteEventStore.verify (inline) and
// its verify threads (sqlite-verify.worker.mjs). Plain JavaScript: a worker thread loads it without the
// TypeScript loader.
import { hash } from 'node:crypto';
import { envelopeHash } from './hash-chain-core.mjs';

const BATCH = 500;
/** Room before each envelope for the previous link, written in place: the hashed text is prev + envelope. */
const ROOM = 64;
/** Bytes of a stored hash (hex SHA-256), at the end of each entry. */
const HASH = 64;
const TEXT_FIELDS = ['id', 'occurred_at', 'recorded_at', 'stream', 'type'];
/**
 * Where SQLite's text is provably envelopeHash's: data and metadata stored as text (the canonical JSON
 * the writer hashed), a whole-number revision, every text field one that JSON writes without escapes
 * (json_quote adds none, so neither would JSON.stringify; NULL fails too), and a stored hash of 64 bytes.
 * Any other row is hashed field by field as before, so the answer is the same either way.
 */
const PLAIN =
  `typeof(data) = 'text' AND typeof(metadata) = 'text' AND typeof(revision) = 'integer' AND typeof(hash) = 'text' AND length(CAST(hash AS BLOB)) = ${HASH} AND ` +
  TEXT_FIELDS.map((c) => `json_quote(${c}) = '"' || ${c} || '"'`).join(' AND ');
/** ROOM bytes, the canonical envelope (envelopeHash's text, keys sorted), then the stored hash. */
const ENTRY =
  `concat('${'0'.repeat(ROOM)}', '{"data":', data, ',"id":"', id, '","metadata":', metadata, ',"occurredAt":"', occurred_at, '","position":', position,` +
  ` ',"recordedAt":"', recorded_at, '","revision":', revision, ',"stream":"', stream, '","type":"', type, '"}', hash)`;
/**
 * One batch as one row: the positions, each entry's length (-1: not plain), and the entries end to end as
 * one blob. Per row, better-sqlite3's values cost more than the hash: a batch's four values do not.
 */
export const BATCH_SQL =
  `SELECT group_concat(position), group_concat(coalesce(length(entry), -1)), CAST(group_concat(entry, '') AS BLOB) FROM (` +
  `SELECT position, CASE WHEN ${PLAIN} THEN CAST(${ENTRY} AS BLOB) END AS entry FROM events` +
  ` WHERE position > ? AND position <= ? ORDER BY position LIMIT ${BATCH})`;

/**
 * A checker of the chain on `db`: check(range) is a generator that checks the rows with `after` <
 * position (≤ `until` when given) in batches, yielding between them, and returns
 * { ok, checked, firstBadPosition?, link?, last? } (last: the final row's position and hash).
 * `prevHash` is the link before the range and `expected` its first position; positions must follow on.
 */
export function chainChecker(db) {
  const batches = db.prepare(BATCH_SQL).raw();
  const full = db.prepare('SELECT position, stream, revision, id, type, data, metadata, occurred_at, recorded_at, hash FROM events WHERE position = ?');
  return function* check({ after, until = null, prevHash, expected, linkAt }) {
    let checked = 0;
    let link;
    let last;
    for (;;) {
      // Both bounds plain, so SQLite walks the rowids between them: with `? IS NULL OR position <= ?` it
      // used the lower one only, and a range's last (empty) batch read every row after the range.
      const [positions, lengths, entries] = batches.get(after, until ?? Number.MAX_SAFE_INTEGER);
      if (positions === null) return { ok: true, checked, ...(link ? { link } : {}), ...(last ? { last } : {}) };
      const sizes = lengths.split(',');
      let at = 0;
      for (const [i, text] of positions.split(',').entries()) {
        const position = Number(text);
        checked++;
        if (position !== expected) return { ok: false, checked, firstBadPosition: Math.min(position, expected) };
        const size = Number(sizes[i]);
        let computed;
        let stored;
        if (size >= 0) {
          entries.write(prevHash, at, ROOM, 'latin1');
          computed = hash('sha256', entries.subarray(at, at + size - HASH), 'hex');
          stored = entries.toString('latin1', at + size - HASH, at + size);
          at += size;
        } else {
          const r = full.get(position);
          computed = envelopeHash(prevHash, r.id, r.type, r.occurred_at, r.stream, r.revision, r.position, r.recorded_at, r.data, r.metadata);
          stored = r.hash;
        }
        if (computed !== stored) return { ok: false, checked, firstBadPosition: position };
        if (position === linkAt) link = { position, hash: computed };
        prevHash = computed;
        expected = position + 1;
        after = position;
      }
      last = { position: after, hash: prevHash };
      yield;
    }
  };
}
