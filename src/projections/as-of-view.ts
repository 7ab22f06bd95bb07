// A whole collection as it stood at a moment, as a read-only store: a sorted page and a count on the key
// frames' columns where they can answer (history-columns.ts), anything else by a store over the documents,
// made at the first question that needs it. The as-of thread keeps these (as-of-thread.ts); MongoDB and
// the in-memory store use them in process (history.ts).
import { EmbeddedReadStore } from '../infra/embedded-read-store.js';
import type { Doc, ExportChunk, Filter, FindOptions, ReadStore, StreamOptions } from '../infra/read-store.js';
import type { ViewAt } from './history-frames.js';

export class AsOfView {
  private store: ReadStore | undefined;
  /** Counts answered with a page, by filter: the count a request asks next is the same scan's. */
  private readonly totals = new Map<string, number>();

  constructor(
    private readonly collection: string,
    private readonly at: ViewAt,
  ) {}

  /** True once the frames under it were built again (see ViewAt). */
  stale(): boolean {
    return this.at.stale();
  }

  private documents(): ReadStore {
    // The documents are frozen versions made by applyDocOp: the store takes them as they are.
    return (this.store ??= EmbeddedReadStore.fromDocs(new Map([[this.collection, this.at.docs()]]), { frozen: true }));
  }

  async find(collection: string, filter: Filter, options: FindOptions = {}): Promise<Doc[]> {
    if (collection === this.collection && options.sort && options.limit && !options.projection) {
      const skip = options.skip ?? 0;
      const answer = this.at.answer(filter, options.sort, skip + options.limit);
      if (answer !== null) {
        this.totals.set(JSON.stringify(filter), answer.total);
        return answer.page.slice(skip);
      }
    }
    return this.documents().find(collection, filter, options);
  }

  async count(collection: string, filter: Filter): Promise<number> {
    if (collection === this.collection) {
      const total = this.totals.get(JSON.stringify(filter)) ?? this.at.answer(filter, undefined, 0)?.total;
      if (total !== undefined) return total;
    }
    return this.documents().count(collection, filter);
  }

  findOne(collection: string, filter: Filter): Promise<Doc | null> {
    return this.documents().findOne(collection, filter);
  }

  aggregate(collection: string, pipeline: Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
    return this.documents().aggregate(collection, pipeline);
  }
}

type Queries = Pick<ReadStore, 'find' | 'findOne' | 'count' | 'aggregate'>;

/** A read store that answers queries only (an as-of view, here or on the as-of thread); writes throw. */
export function queriesOnly(q: Queries): ReadStore {
  const readOnly = (): never => {
    throw new Error('an as-of view answers find, findOne, count, aggregate and stream only');
  };
  return {
    find: (c, filter, options) => q.find(c, filter, options),
    findOne: (c, filter) => q.findOne(c, filter),
    count: (c, filter) => q.count(c, filter),
    aggregate: (c, pipeline) => q.aggregate(c, pipeline),
    async *stream(c: string, filter: Filter, options: StreamOptions = {}): AsyncGenerator<Doc[]> {
      const docs = await q.find(c, filter, { sort: options.sort, projection: options.projection });
      const size = Math.max(1, options.batchSize ?? 1000);
      for (let i = 0; i < docs.length; i += size) yield docs.slice(i, i + size);
    },
    // eslint-disable-next-line require-yield
    async *exportLines(): AsyncGenerator<ExportChunk> {
      readOnly();
    },
    declareLogCollections: async () => readOnly(),
    setBulk: async () => readOnly(),
    ensureIndexes: async () => readOnly(),
    commit: async () => readOnly(),
    appendNumbered: async () => readOnly(),
    reserveNumbers: async () => readOnly(),
    getCheckpoint: async () => 0,
    reset: async () => readOnly(),
    getMeta: async () => null,
    setMeta: async () => readOnly(),
    close: async () => undefined,
  };
}
