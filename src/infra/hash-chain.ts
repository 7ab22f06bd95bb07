// Tamper evidence for the event log: canonical JSON and a SHA-256 hash chain over envelopes.
// Any party with read access can recompute the chain and compare it with the stored hashes.
// The code is plain JavaScript (hash-chain-core.mjs) because the log's writer thread runs it too.
export { GENESIS_HASH, canonicalJson, canonicalJsonWith, chainHash, chainHashRaw, envelopeHash, sha256Hex } from './hash-chain-core.mjs';
