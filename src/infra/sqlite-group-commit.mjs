// The event log's group commit (see sqlite-append.worker.mjs, which runs it on a thread). Plain
// JavaScript, so a worker thread loads it without the TypeScript loader. An in-memory log (':memory:', one
// connection only) runs it on the calling thread instead.
import { GENESIS_HASH, canonicalJson, envelopeHash } from './hash-chain-core.mjs';

const COLUMNS = 'position, stream, revision, id, type, data, metadata, occurred_at, recorded_at, hash';
/** Bounds the stream-head cache; it is only a cache, so dropping it is always safe. */
const MAX_CACHED_STREAMS = 100_000;

function satisfies(expected, actual) {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return actual === -1;
  if (expected === 'stream_exists') return actual >= 0;
  return actual === expected;
}

/**
 * The group commit on `db`: takes one request ({ batch: JSON text of the appends, recordedAt? }) and
 * answers { outcomes } (one per append) or { failure } (the transaction failed: nothing was written).
 */
export function createGroupCommit(db) {
  const insert = db.prepare(`INSERT INTO events (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const lastRevision = db.prepare('SELECT max(revision) FROM events WHERE stream = ?').pluck();
  const top = db.prepare('SELECT position, hash FROM events ORDER BY position DESC LIMIT 1');
  /** Last revision per stream (-1: none), valid while the log head is `cachedAtHead`. */
  const heads = new Map();
  let cachedAtHead = -1;

  function streamHead(stream) {
    let revision = heads.get(stream);
    if (revision === undefined) {
      revision = lastRevision.get(stream) ?? -1;
      setStreamHead(stream, revision);
    }
    return revision;
  }

  function setStreamHead(stream, revision) {
    if (heads.size >= MAX_CACHED_STREAMS && !heads.has(stream)) heads.clear();
    heads.set(stream, revision);
  }

  /**
   * Runs inside the transaction; a refused append writes nothing and costs the others nothing.
   * The batch arrives as JSON text made by JSON.stringify on the main thread (which applied toJSON), so
   * canonicalJson of the parsed data is the text canonicalJson gives the original value.
   */
  function write(batch, recordedAtGiven) {
    const head = top.get();
    let position = head?.position ?? 0;
    let prevHash = head?.hash ?? GENESIS_HASH;
    // Another process appended since we last wrote: our cached stream heads may be stale.
    if (position !== cachedAtHead) heads.clear();
    // Stamped inside the write lock, so recordedAt never goes back along positions, across processes too.
    const recordedAt = recordedAtGiven ?? new Date().toISOString();
    const outcomes = [];
    for (const { stream, events, expected } of batch) {
      const actual = streamHead(stream);
      if (!satisfies(expected, actual)) {
        outcomes.push({ wrongExpected: actual });
        continue;
      }
      let rows;
      let hash = prevHash;
      try {
        rows = events.map((event, i) => {
          const occurredAt = event.imported ? event.occurredAt : recordedAt;
          const fields = { id: event.id, type: event.type, occurredAt, stream, revision: actual + 1 + i, position: position + 1 + i, recordedAt };
          const dataJson = canonicalJson(event.data);
          const metadataJson = canonicalJson(event.metadata);
          hash = envelopeHash(hash, fields.id, fields.type, occurredAt, stream, fields.revision, fields.position, recordedAt, dataJson, metadataJson);
          return [fields.position, stream, fields.revision, event.id, event.type, dataJson, metadataJson, occurredAt, recordedAt, hash];
        });
      } catch (err) {
        outcomes.push({ error: err instanceof Error ? err.message : String(err) });
        continue;
      }
      for (const row of rows) insert.run(...row);
      position += rows.length;
      prevHash = hash;
      setStreamHead(stream, actual + rows.length);
      outcomes.push({ revision: actual + rows.length, position });
    }
    cachedAtHead = position;
    return outcomes;
  }

  const writeBatch = db.transaction(write);
  return (request) => {
    try {
      // IMMEDIATE: take the write lock before reading the head, so positions are assigned in order.
      return { outcomes: writeBatch.immediate(JSON.parse(request.batch), request.recordedAt) };
    } catch (err) {
      heads.clear();
      cachedAtHead = -1;
      return { failure: { message: err instanceof Error ? err.message : String(err), code: err?.code } };
    }
  };
}
