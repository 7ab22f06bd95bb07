// The MongoDB read store. A commit is not one transaction (that would need a replica set); it does not
// have to be: every write carries the position guard, so a batch replayed after a crash changes nothing.
import {
  MongoBulkWriteError,
  MongoClient,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import type { AnyBulkWriteOperation, Db, Document, Filter as MongoFilter, IndexSpecification, WriteError } from 'mongodb';
import { checkDocOp, leafPaths, pathsOverlap } from './embedded-doc-ops.js';
import { checkLogOp } from './embedded-log-collections.js';
import { Unavailable } from './event-store.js';
import { linesOf } from './line-export.js';
import { type Doc, type DocOp, type ExportChunk, type ExportOptions, type Filter, type FindOptions, type IndexSpec, type NumberedBatch, type ReadStore, type StreamOptions, checkNumberedCollections, checkReservation, numberedOps } from './read-store.js';

const CHECKPOINTS = '_checkpoints';
const META = '_meta';
const DUPLICATE_KEY = 11000;
const NAMESPACE_NOT_FOUND = 26;
const INDEX_NOT_FOUND = 27;

const isConnectionError = (err: unknown) =>
  err instanceof MongoNetworkError ||
  err instanceof MongoServerSelectionError ||
  err instanceof MongoNotConnectedError ||
  err instanceof MongoTopologyClosedError;

/**
 * The update for one op. `_position` is only in $set; `setOnInsert` is flattened to leaf paths and loses
 * those that $set/$unset/$inc also write (MongoDB rejects two operators on one path; the embedded store
 * applies setOnInsert first, so the other operator wins there too).
 */
export function mongoUpdate(op: DocOp): Document {
  const update: Document = { $set: { ...op.set, _position: op.position } };
  if (op.unset?.length) update.$unset = Object.fromEntries(op.unset.map((p) => [p, '']));
  if (op.inc && Object.keys(op.inc).length > 0) update.$inc = { ...op.inc };
  const written = [...Object.keys(op.set ?? {}), ...(op.unset ?? []), ...Object.keys(op.inc ?? {})];
  const onInsert = leafPaths(op.setOnInsert).filter(([p]) => !written.some((w) => pathsOverlap(p, w)));
  if (onInsert.length > 0) update.$setOnInsert = Object.fromEntries(onInsert);
  return update;
}

/** Applies only when the document is missing or older than the op (see DocOp). */
export const mongoGuard = (op: DocOp): Document => ({
  _id: op.id,
  $or: [{ _position: { $lt: op.position } }, { _position: { $exists: false } }],
});


export class MongoReadStore implements ReadStore {
  private readonly indexSpecs: IndexSpec[] = [];
  /** Declared append-only (declareLogCollections): their ops are checked as log ops. */
  private readonly logNames = new Set<string>();
  /** reserveNumbers: the names this store has reserved under (their reservation is ahead of what is stored). */
  private readonly reserving = new Set<string>();

  private constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
  ) {}

  /** `dbName` defaults to the database of the URL. Throws Unavailable when no server answers. */
  static async connect(url: string, dbName?: string): Promise<MongoReadStore> {
    // Fail fast (the driver waits 30 s by default) unless the URL says otherwise.
    const client = new MongoClient(url, /serverSelectionTimeoutMS/i.test(url) ? {} : { serverSelectionTimeoutMS: 5_000 });
    try {
      await client.connect();
      await client.db(dbName).command({ ping: 1 });
    } catch (err) {
      await client.close().catch(() => undefined);
      throw new Unavailable(`MongoDB is unavailable: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    return new MongoReadStore(client, client.db(dbName));
  }

  private docs(collection: string) {
    return this.db.collection<Doc>(collection);
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!isConnectionError(err)) throw err;
      throw new Unavailable(`MongoDB unavailable during ${what}: ${(err as Error).message}`, { cause: err });
    }
  }

  async find(collection: string, filter: Filter, options: FindOptions = {}): Promise<Doc[]> {
    const { sort, skip, limit, projection } = options;
    // Only the options given: MongoDB rejects some explicit undefined values.
    const given = { ...(sort && { sort }), ...(skip && { skip }), ...(limit && { limit }), ...(projection && { projection }) };
    return this.call('find', () => this.docs(collection).find(filter as MongoFilter<Doc>, given).toArray());
  }

  exportLines(collection: string, filter: Filter, options: ExportOptions): AsyncIterable<ExportChunk> {
    return linesOf(this.stream(collection, filter, options), options.format);
  }

  async *stream(collection: string, filter: Filter, options: StreamOptions = {}): AsyncIterable<Doc[]> {
    const size = Math.max(1, options.batchSize ?? 1000);
    // Small pages (an export hands out 250 entries at a time) need not mean a round trip each.
    const given = { batchSize: Math.max(size, 1000), ...(options.sort && { sort: options.sort }), ...(options.projection && { projection: options.projection }) };
    const cursor = this.docs(collection).find(filter as MongoFilter<Doc>, given);
    try {
      let page: Doc[] = [];
      while (await this.call('stream', () => cursor.hasNext())) {
        page.push((await this.call('stream', () => cursor.next()))!);
        // The driver fetches `batchSize` documents per round trip: hand out what it already holds.
        if (page.length >= size || cursor.bufferedCount() === 0) {
          yield page;
          page = [];
        }
      }
      if (page.length > 0) yield page;
    } finally {
      await cursor.close();
    }
  }

  async findOne(collection: string, filter: Filter): Promise<Doc | null> {
    return this.call('findOne', () => this.docs(collection).findOne(filter as MongoFilter<Doc>));
  }

  async count(collection: string, filter: Filter): Promise<number> {
    return this.call('count', () => this.docs(collection).countDocuments(filter as MongoFilter<Doc>));
  }

  async aggregate(collection: string, pipeline: Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
    return this.call('aggregate', () => this.db.collection(collection).aggregate(pipeline).toArray());
  }

  /** MongoDB batches every commit already (bulkWrite): nothing to change for a catch-up. */
  async setBulk(): Promise<void> {}

  /** Append-only collections live on the server as any other; their ops are checked as the embedded store checks them. */
  async declareLogCollections(collections: string[]): Promise<void> {
    for (const c of collections) this.logNames.add(c);
  }

  async ensureIndexes(indexes: IndexSpec[]): Promise<void> {
    for (const spec of indexes) {
      if (!this.indexSpecs.some((s) => JSON.stringify(s) === JSON.stringify(spec))) this.indexSpecs.push(spec);
      await this.createIndex(spec);
      for (const keys of spec.replaces ?? []) await this.dropIndex(spec.collection, keys);
    }
  }

  /** An index by its keys, under the name the server gives it by default; none there is no error. */
  private async dropIndex(collection: string, keys: Record<string, 1 | -1>): Promise<void> {
    const name = Object.entries(keys).map(([f, d]) => `${f}_${d}`).join('_');
    await this.call('dropIndex', async () => {
      try {
        await this.db.collection(collection).dropIndex(name);
      } catch (err) {
        if (!(err instanceof MongoServerError && (err.code === INDEX_NOT_FOUND || err.code === NAMESPACE_NOT_FOUND))) throw err;
      }
    });
  }

  private createIndex(spec: IndexSpec): Promise<string> {
    return this.call('createIndex', () =>
      this.db.collection(spec.collection).createIndex(spec.keys as IndexSpecification, { unique: spec.unique ?? false }),
    );
  }

  /** The lines parsed into the ops commit takes: the driver sends documents, not text. */
  async appendNumbered(checkpointName: string, batch: NumberedBatch, checkpoint: number): Promise<void> {
    checkNumberedCollections(this.logNames, batch);
    await this.commit(checkpointName, [...numberedOps(batch), ...(batch.ops ?? [])], checkpoint);
  }

  async reserveNumbers(checkpointName: string, count: number): Promise<number> {
    checkReservation(count);
    // The first reservation goes on from what is numbered already (written before reservations were kept);
    // once one is made here, the reservation is ahead of every number written.
    const stored = this.reserving.has(checkpointName) ? 0 : await this.getCheckpoint(checkpointName);
    const reserved = await this.call('reserveNumbers', () =>
      this.db.collection<{ _id: string; position: number }>(CHECKPOINTS).findOneAndUpdate(
        { _id: `reserved:${checkpointName}` },
        [{ $set: { position: { $add: [{ $max: [{ $ifNull: ['$position', 0] }, stored] }, count] } } }],
        { upsert: true, returnDocument: 'after' },
      ),
    );
    if (!reserved) throw new Error(`MongoDB returned no reservation for ${checkpointName}`);
    this.reserving.add(checkpointName);
    return reserved.position - count + 1;
  }

  async commit(checkpointName: string, ops: DocOp[], checkpoint: number): Promise<void> {
    ops.forEach(checkDocOp); // before any write: a bad op must not leave the batch half applied
    for (const op of ops) if (this.logNames.has(op.collection)) checkLogOp(op);
    await this.refuseSecondWrites(ops);
    const byCollection = new Map<string, DocOp[]>();
    for (const op of ops) {
      const inCollection = byCollection.get(op.collection) ?? [];
      inCollection.push(op);
      byCollection.set(op.collection, inCollection);
    }
    for (const [collection, collectionOps] of byCollection) await this.writeInOrder(collection, collectionOps);
    await this.call('commit', () =>
      this.db.collection<{ _id: string; position: number }>(CHECKPOINTS).updateOne(
        { _id: checkpointName },
        { $set: { position: checkpoint } },
        { upsert: true },
      ),
    );
  }

  /**
   * A log document is written once, as on the embedded store: an op naming one stored at an earlier
   * position, or named twice in the batch, is refused before anything is written. The same op again (a
   * replay) passes, and the position guard ignores it. One look-up per log collection in the batch.
   */
  private async refuseSecondWrites(ops: DocOp[]): Promise<void> {
    const byCollection = new Map<string, Map<string, number>>();
    for (const op of ops) {
      if (!this.logNames.has(op.collection)) continue;
      let positions = byCollection.get(op.collection);
      if (!positions) byCollection.set(op.collection, (positions = new Map()));
      const earlier = positions.get(op.id);
      if (earlier !== undefined && earlier !== op.position) throw new Error(`log collection document ${op.collection}/${op.id} written twice`);
      positions.set(op.id, op.position);
    }
    for (const [collection, positions] of byCollection) {
      const stored = await this.call('commit', () => this.docs(collection).find({ _id: { $in: [...positions.keys()] } }, { projection: { _position: 1 } }).toArray());
      for (const d of stored) {
        if (typeof d._position === 'number' && d._position < positions.get(d._id)!) throw new Error(`log collection document ${collection}/${d._id} written twice`);
      }
    }
  }

  /**
   * Ordered on purpose: two ops on one document in a batch must apply in position order, and an unordered
   * bulk write may be reordered by the server (then the later op would make the guard skip the earlier).
   * An ordered bulk write stops at its first error, so after a guard skip it resumes with the next write;
   * skips only occur when a batch is replayed, so the normal path stays one round trip per collection.
   */
  private async writeInOrder(collection: string, ops: DocOp[]): Promise<void> {
    const writes: AnyBulkWriteOperation<Document>[] = ops.map((op) => ({ updateOne: { filter: mongoGuard(op), update: mongoUpdate(op), upsert: true } }));
    let from = 0;
    while (from < writes.length) {
      try {
        await this.call('commit', () => this.db.collection(collection).bulkWrite(writes.slice(from), { ordered: true }));
        return;
      } catch (err) {
        const first: WriteError | undefined = err instanceof MongoBulkWriteError ? [err.writeErrors].flat()[0] : undefined;
        if (!first || first.code !== DUPLICATE_KEY) throw err;
        const op = ops[from + first.index]!;
        if (!(await this.alreadyApplied(collection, op))) throw err;
        from += first.index + 1;
      }
    }
  }

  /**
   * A duplicate key on a guarded upsert means "the guard did not match, so it tried to insert" only if
   * the stored document is there with a position at or past the op's. Read it to know: a duplicate on
   * another unique index, or anything else, stays an error (the error's wording is never consulted).
   */
  private async alreadyApplied(collection: string, op: DocOp): Promise<boolean> {
    const stored = await this.call('commit', () => this.db.collection<Doc>(collection).findOne({ _id: op.id }, { projection: { _position: 1 } }));
    return typeof stored?._position === 'number' && stored._position >= op.position;
  }

  async getCheckpoint(checkpointName: string): Promise<number> {
    const found = await this.call('getCheckpoint', () =>
      this.db.collection<{ _id: string; position: number }>(CHECKPOINTS).findOne({ _id: checkpointName }),
    );
    return found?.position ?? 0;
  }

  async getMeta(key: string): Promise<string | null> {
    const found = await this.call('getMeta', () => this.db.collection<{ _id: string; value: string }>(META).findOne({ _id: key }));
    return found?.value ?? null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.call('setMeta', () => this.db.collection<{ _id: string; value: string }>(META).updateOne({ _id: key }, { $set: { value } }, { upsert: true }));
  }

  /**
   * The checkpoint goes first: a reset cut short (a crash, a lost connection) leaves a projection
   * without checkpoint, which the runner resets again and rebuilds, never a checkpoint over dropped
   * collections. (One transaction would need a replica set and still could not drop collections.)
   */
  async reset(checkpointName: string, collections: string[]): Promise<void> {
    await this.call('reset', () => this.db.collection<{ _id: string }>(CHECKPOINTS).deleteOne({ _id: checkpointName }));
    for (const collection of collections) {
      await this.call('reset', async () => {
        try {
          await this.db.collection(collection).drop();
        } catch (err) {
          if (!(err instanceof MongoServerError && err.code === NAMESPACE_NOT_FOUND)) throw err;
        }
      });
      // Dropping a collection drops its indexes: put back those this store was asked for.
      for (const spec of this.indexSpecs.filter((s) => s.collection === collection)) await this.createIndex(spec);
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
