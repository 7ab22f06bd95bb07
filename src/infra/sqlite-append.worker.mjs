// The event log's writer thread: each request is one group commit (one IMMEDIATE transaction, one
// fsync under synchronous=FULL) of every append the main thread queued meanwhile. Canonical JSON, the
// hash chain, five index updates and the fsync run here, so the main thread keeps serving requests.
// Plain JavaScript: a worker thread must load without the TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { GENESIS_HASH, canonicalJson, chainHashRaw } from './hash-chain-core.mjs';

const db = new Database(workerData.file, { timeout: workerData.busyTimeoutMs });
db.pragma('synchronous = FULL'); // an acknowledged append survives power loss (journal_mode is WAL: set by the opener)

const COLUMNS = 'position, stream, revision, id, type, data, metadata, occurred_at, recorded_at, hash';
const insert = db.prepare(`INSERT INTO events (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
const lastRevision = db.prepare('SELECT max(revision) FROM events WHERE stream = ?').pluck();
const top = db.prepare('SELECT position, hash FROM events ORDER BY position DESC LIMIT 1');

/** Bounds the stream-head cache; it is only a cache, so dropping it is always safe. */
const MAX_CACHED_STREAMS = 100_000;
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

function satisfies(expected, actual) {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return actual === -1;
  if (expected === 'stream_exists') return actual >= 0;
  return actual === expected;
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
        hash = chainHashRaw(hash, fields, dataJson, metadataJson);
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

parentPort.on('message', (m) => {
  if (m.kind === 'close') {
    db.close();
    parentPort.postMessage({ id: m.id, outcomes: [] });
    return;
  }
  try {
    // IMMEDIATE: take the write lock before reading the head, so positions are assigned in order.
    parentPort.postMessage({ id: m.id, outcomes: writeBatch.immediate(JSON.parse(m.batch), m.recordedAt) });
  } catch (err) {
    heads.clear();
    cachedAtHead = -1;
    parentPort.postMessage({ id: m.id, failure: { message: err instanceof Error ? err.message : String(err), code: err?.code } });
  }
});
