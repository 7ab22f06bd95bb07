// The read store port: disposable documents built by projections. Adapters: embedded-read-store.ts (mingo), mongo-read-store.ts.
import { numberedId } from './log-tables.mjs';

export type Filter = Record<string, unknown>; // MongoDB query language
export type Doc = Record<string, unknown> & { _id: string; _position?: number };

/**
 * One change to one document on behalf of one event. It is applied only when the document is missing
 * or its `_position` is lower than `position` (and then `_position` becomes `position`), so an event
 * delivered twice changes nothing. A projection emits at most one op per document per event.
 */
export interface DocOp {
  collection: string;
  id: string;
  position: number;
  set?: Record<string, unknown>; // dotted paths allowed
  unset?: string[];
  inc?: Record<string, number>;
  setOnInsert?: Record<string, unknown>;
}

export interface FindOptions {
  sort?: Record<string, 1 | -1>;
  skip?: number;
  limit?: number;
  projection?: Record<string, 0 | 1>;
}

export interface StreamOptions {
  sort?: Record<string, 1 | -1>;
  /** Documents per page handed out (default 1000). */
  batchSize?: number;
  projection?: Record<string, 0 | 1>;
}

/**
 * A chunk of an export's text: a string, or its UTF-8 bytes when it was made on another thread. Handed
 * over as bytes, a chunk is moved, not copied, and the socket writes it as it is: as strings, each chunk
 * (~200 KB of two-byte text) was copied into the serving thread's large-object space and encoded there,
 * and a 1M-event export's 100+ MB of them brought on full collections of a multi-gigabyte heap.
 */
export type ExportChunk = string | Uint8Array;

/**
 * Where an export's line maker is: a named export of a plain JavaScript module (a file URL), called with
 * each document and returning its text line (line break included). A module, not a function, so the
 * embedded store can run an export on a thread of its own.
 */
export interface LineFormat {
  module: string;
  name: string;
}

export interface ExportOptions {
  sort?: Record<string, 1 | -1>;
  /** Documents per chunk (default 1000). */
  batchSize?: number;
  format: LineFormat;
}

export interface IndexSpec {
  collection: string;
  keys: Record<string, 1 | -1 | '2dsphere'>;
  unique?: boolean;
  /** Indexes this one takes the place of (declared before, narrower): dropped where a store made them. */
  replaces?: Record<string, 1 | -1>[];
}

/** A read model reset by name (its checkpoint) and collections: what ReadStore.reset takes, as a value (a rebuild's resetOnOpen). */
export interface ReadModelReset {
  name: string;
  collections: string[];
}

export interface ReadStore {
  /**
   * Documents handed out are snapshots the caller must not change: the embedded store shares its own
   * (frozen) documents instead of copying them for every read; MongoDB's are fresh objects anyway.
   */
  find(collection: string, filter: Filter, options?: FindOptions): Promise<Doc[]>;
  findOne(collection: string, filter: Filter): Promise<Doc | null>;
  count(collection: string, filter: Filter): Promise<number>;
  /**
   * The documents matching `filter` in `sort` order, a page at a time as the consumer asks for the next
   * one, so an export never holds its whole answer: a server cursor on MongoDB; on the embedded store
   * (whose documents are in memory anyway) slices of one sorted list of shared documents.
   */
  stream(collection: string, filter: Filter, options?: StreamOptions): AsyncIterable<Doc[]>;
  /**
   * The documents of `stream`, each made a line by `format`, `batchSize` lines joined per chunk. The
   * embedded store makes a log collection's export on two threads of its own (fetching, parsing and
   * making a hundred thousand lines would otherwise hold the thread that serves requests for seconds);
   * elsewhere the lines are made from pages of `stream`. Chunks made on other threads come as UTF-8
   * bytes (`ExportChunk`), each holding whole characters.
   */
  exportLines(collection: string, filter: Filter, options: ExportOptions): AsyncIterable<ExportChunk>;
  aggregate(collection: string, pipeline: Record<string, unknown>[]): Promise<Record<string, unknown>[]>;
  /**
   * Declares append-only collections, before their indexes: each document is written once, by one
   * `set` op without arrays or dotted paths (the audit trail, the histories). MongoDB keeps them like any
   * other collection; the embedded store keeps them in its file instead of memory, where a million of
   * them would be most of its heap (embedded-log-collections.ts).
   */
  declareLogCollections(collections: string[]): Promise<void>;
  /**
   * A long catch-up (a rebuild) begins or ends: the store may then trade copy-on-write and frequent
   * flushes for speed (the embedded store does; MongoDB needs nothing). Answers read during it may mix
   * positions; they are behind the log anyway. `checkpointNames`: those the catch-up commits under (the
   * embedded store then skips fsyncs into a file that holds nothing else, until a write under another name).
   */
  setBulk(on: boolean, checkpointNames?: readonly string[]): Promise<void>;
  ensureIndexes(indexes: IndexSpec[]): Promise<void>;
  /** Applies the guarded ops in order and stores the checkpoint (atomically where the store can). */
  commit(checkpointName: string, ops: DocOp[], checkpoint: number): Promise<void>;
  /**
   * Appends numbered documents to a log collection (declareLogCollections) and stores the checkpoint, with
   * `ops` (to log collections too) in the same commit: line n of `lines` (UTF-8, one JSON object per line,
   * each ending in a line feed, holding none of `_id`, `seq`, `_position`) becomes the document numbered
   * `first + n`: `_id` that number in 16 digits, `seq` and `_position` the number. For a writer that makes
   * its documents' text itself (the access log, at its flush): the embedded store hands the text to its
   * writer thread as it is. Written once each, as commit writes log documents.
   */
  appendNumbered(checkpointName: string, batch: NumberedBatch, checkpoint: number): Promise<void>;
  /**
   * The first of `count` numbers for appendNumbered under `checkpointName` that no writer of this store
   * gets again: past its checkpoint and past every reservation before. Instances sharing a MongoDB
   * database reserve atomically (each numbering on from its own last would reuse numbers, and a replay's
   * guard would drop the second batch without a word); a reservation whose write fails leaves a gap.
   */
  reserveNumbers(checkpointName: string, count: number): Promise<number>;
  /** 0 when never stored. */
  getCheckpoint(checkpointName: string): Promise<number>;
  /**
   * Drops the collections and the checkpoint: the projection will be rebuilt from the log. The
   * checkpoint goes first (or together), so a reset cut short leaves a projection that starts over,
   * never collections emptied under a checkpoint that claims them built.
   */
  reset(checkpointName: string, collections: string[]): Promise<void>;
  /** A small named value kept with the checkpoints (the identity of the log they refer to); null when never set. */
  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string): Promise<void>;
  close(): Promise<void>;
}

/** Numbered documents as text (ReadStore.appendNumbered). */
export interface NumberedBatch {
  collection: string;
  lines: Uint8Array;
  first: number;
  ops?: DocOp[];
}

/** The id of a numbered document: its number in 16 digits (one rule, shared with the writer thread). */
export { numberedId };

/** A numbered batch's first number: a positive integer (every adapter refuses the batch otherwise). */
export function checkNumberedFirst(first: number): void {
  if (!Number.isSafeInteger(first) || first < 1) throw new Error(`numbered documents start at a positive integer, not ${first}`);
}

/** Numbered documents, and the ops beside them, go to log collections only (every adapter refuses them elsewhere). */
export function checkNumberedCollections(logNames: ReadonlySet<string>, batch: NumberedBatch): void {
  if (!logNames.has(batch.collection) || (batch.ops ?? []).some((op) => !logNames.has(op.collection))) throw new Error('numbered documents go to log collections only');
}

/** A reservation is of a positive whole number of numbers (every adapter refuses it otherwise). */
export function checkReservation(count: number): void {
  if (!Number.isSafeInteger(count) || count < 1) throw new Error(`numbers are reserved one or more at a time, not ${count}`);
}

/** A numbered batch as the ops commit would take (the adapters that parse the lines). */
export function numberedOps(batch: NumberedBatch): DocOp[] {
  checkNumberedFirst(batch.first);
  const text = Buffer.from(batch.lines.buffer, batch.lines.byteOffset, batch.lines.byteLength).toString('utf8');
  if (text !== '' && !text.endsWith('\n')) throw new Error('numbered documents: every line ends in a line feed');
  const lines = text === '' ? [] : text.slice(0, -1).split('\n');
  return lines.map((line, i): DocOp => {
    const n = batch.first + i;
    const fields: unknown = JSON.parse(line);
    if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) throw new Error(`numbered document ${n}: a line is one JSON object`);
    for (const k of ['_id', 'seq', '_position']) if (k in fields) throw new Error(`numbered document ${n}: ${k} is the store's to write`);
    return { collection: batch.collection, id: numberedId(n), position: n, set: { seq: n, ...(fields as Record<string, unknown>) } };
  });
}
