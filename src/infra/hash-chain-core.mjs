// The hash chain's encoding, in plain JavaScript so the log's writer thread (sqlite-append.worker.mjs)
// loads it without the TypeScript loader. hash-chain.ts re-exports it with its types (hash-chain-core.d.mts).
import { createHash } from 'node:crypto';

/** The predecessor hash of the first link of a chain. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * JSON with object keys sorted, so equal values always give equal text. Follows JSON.stringify's
 * rules (toJSON, undefined/functions dropped from objects and nulled in arrays, non-finite → null),
 * so canonicalJson(x) === canonicalJson(JSON.parse(canonicalJson(x))): a value read back from
 * storage hashes exactly like the value that was written.
 */
export function canonicalJson(value) {
  const text = encode(value, new Set());
  if (text === undefined) throw new TypeError('canonicalJson: value has no JSON representation');
  return text;
}

function encode(value, seen) {
  if (value === null) return 'null';
  if (typeof value === 'object' && typeof value.toJSON === 'function') value = value.toJSON();
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new TypeError('canonicalJson: BigInt is not JSON');
    case 'object': {
      if (value === null) return 'null';
      if (seen.has(value)) throw new TypeError('canonicalJson: circular structure');
      seen.add(value);
      let out;
      if (Array.isArray(value)) {
        out = '[' + value.map((v) => encode(v, seen) ?? 'null').join(',') + ']';
      } else {
        const parts = [];
        for (const key of Object.keys(value).sort()) {
          const v = encode(value[key], seen);
          if (v !== undefined) parts.push(JSON.stringify(key) + ':' + v);
        }
        out = '{' + parts.join(',') + '}';
      }
      seen.delete(value);
      return out;
    }
    default:
      return undefined; // undefined, function, symbol
  }
}

export function sha256Hex(text) {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * One link of the chain: sha256(prevHash + canonicalJson(envelope)). The envelope must not contain
 * its own hash; pass exactly the fields the chain covers (undefined fields are ignored).
 */
export function chainHash(prevHash, envelope) {
  return sha256Hex(prevHash + canonicalJson(envelope));
}

/**
 * canonicalJson of `fields` plus members whose canonical JSON is already at hand (`raw`), without
 * encoding those again: the same text as canonicalJson({ ...fields, ...parsed raw }).
 */
export function canonicalJsonWith(fields, raw) {
  const parts = [];
  for (const key of [...Object.keys(fields), ...Object.keys(raw)].sort()) {
    const v = key in raw ? raw[key] : encode(fields[key], new Set());
    if (v !== undefined) parts.push(JSON.stringify(key) + ':' + v);
  }
  return '{' + parts.join(',') + '}';
}

/** chainHash for an envelope whose data and metadata are already canonical JSON (as stored). */
export function chainHashRaw(prevHash, fields, dataJson, metadataJson) {
  return sha256Hex(prevHash + canonicalJsonWith(fields, { data: dataJson, metadata: metadataJson }));
}

// encode() leaves its set of open objects empty when done, so one can serve every call.
const shared = new Set();
const field = (key, v) => {
  const text = v === undefined ? undefined : encode(v, shared);
  return text === undefined ? '' : ',' + key + text;
};

/**
 * chainHashRaw for the log's own envelope (id, type, occurredAt, stream, revision, position, recordedAt,
 * data, metadata), its keys written in their sorted order without sorting them each time: the same text,
 * hence the same hash (a property test holds them equal), at a fraction of the cost for a verify of
 * millions of rows. Undefined fields are left out, as canonicalJson does.
 */
export function envelopeHash(prevHash, id, type, occurredAt, stream, revision, position, recordedAt, dataJson, metadataJson) {
  const text =
    '{"data":' + dataJson + field('"id":', id) + ',"metadata":' + metadataJson + field('"occurredAt":', occurredAt) + field('"position":', position) +
    field('"recordedAt":', recordedAt) + field('"revision":', revision) + field('"stream":', stream) + field('"type":', type) + '}';
  return createHash('sha256').update(prevHash, 'utf8').update(text, 'utf8').digest('hex');
}
