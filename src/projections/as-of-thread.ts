// The thread that answers whole collections "as of" a moment for an embedded store with a file
// (as-of-remote.ts starts it). It holds the histories' key frames (history-frames.ts): at a million events
// they are a heap of hundreds of megabytes and most of a million objects, and on the thread serving
// requests every garbage collection had to mark them (the statistics answered a third slower with them
// built). Here they are marked only while this thread works. It reads the histories from the file
// through a read-only connection of its own; the serving thread has written what it committed first.
import { parentPort, workerData } from 'node:worker_threads';
import { LogCollections } from '../infra/embedded-log-collections.js';
import { EmbeddedReadStore } from '../infra/embedded-read-store.js';
import type { Doc, Filter, FindOptions, ReadStore, StreamOptions } from '../infra/read-store.js';
import { type HistoryReads, type ViewAt, buildAhead, framesForTests, viewAt } from './history-frames.js';
import type { AsOfReply, AsOfRequest } from './as-of-remote.js';

const logs = new LogCollections((workerData as { file: string }).file);

const rows: HistoryReads = {
  find: async (collection, filter, options) => logs.find(collection, filter, options),
  findOne: async (collection, filter) => logs.find(collection, filter, { limit: 1 })[0] ?? null,
  async *stream(collection: string, filter: Filter, options: StreamOptions = {}): AsyncGenerator<Doc[]> {
    yield* logs.pages(collection, filter, options.sort, Math.max(1, options.batchSize ?? 1000));
  },
};

/**
 * Views opened, the most recent last: a request opens one and asks its queries of it at once. A sorted
 * page and a count are answered from the frames' columns where they can be (history-columns.ts), else by
 * a read store over the documents, made at the first question that needs it.
 */
interface View {
  collection: string;
  at: ViewAt;
  store?: ReadStore;
  /** Counts answered with a page, by filter: the count asked next is the same scan's. */
  totals: Map<string, number>;
}
const views = new Map<number, View>();
const KEPT_VIEWS = 64;
let nextView = 1;

type Query = 'find' | 'findOne' | 'count' | 'aggregate';
const QUERIES = new Set<string>(['find', 'findOne', 'count', 'aggregate'] satisfies Query[]);

async function answer(m: AsOfRequest): Promise<unknown> {
  switch (m.kind) {
    case 'warm':
      await buildAhead(rows, m.collections);
      dropStale();
      return null;
    case 'open': {
      framesForTests.fullEvery = m.fullEvery;
      const at = await viewAt(rows, m.history, m.collection, m.field, m.at, m.columns);
      const id = nextView++;
      views.set(id, { collection: m.collection, at, totals: new Map() });
      dropStale();
      if (views.size > KEPT_VIEWS) views.delete(views.keys().next().value!);
      return id;
    }
    case 'builds':
      return framesForTests.builds;
    case 'columnAnswers':
      return framesForTests.columnAnswers;
    case 'query': {
      const view = views.get(m.view);
      if (!view) return { gone: true };
      if (!QUERIES.has(m.method)) throw new Error(`no query ${m.method} on an as-of view`);
      const columnar = fromColumns(view, m.method, m.args);
      if (columnar !== undefined) return { result: columnar };
      // The documents are frozen versions made by applyDocOp: the store takes them as they are.
      const store = (view.store ??= EmbeddedReadStore.fromDocs(new Map([[view.collection, view.at.docs()]]), { frozen: true }));
      const run = store[m.method as Query] as (...args: unknown[]) => Promise<unknown>;
      return { result: await run.apply(store, m.args) };
    }
  }
}

/**
 * Views on frames built again since are dropped: each held a whole old set of frames (a gigabyte at a
 * million events) until 64 newer views pushed it out. Asked again, such a view is opened anew (as-of-remote.ts).
 */
function dropStale(): void {
  for (const [id, view] of views) if (view.at.stale()) views.delete(id);
}

/** A sorted page or a count from the columns; undefined when they cannot answer it. */
function fromColumns(view: View, method: string, args: unknown[]): unknown {
  const [collection, filter, options] = args as [string, Filter, FindOptions | undefined];
  if (collection !== view.collection) return undefined;
  const key = JSON.stringify(filter);
  if (method === 'count') {
    const known = view.totals.get(key);
    if (known !== undefined) return known;
    return view.at.answer(filter, undefined, 0)?.total;
  }
  if (method !== 'find' || !options?.sort || !options.limit || options.projection) return undefined;
  const skip = options.skip ?? 0;
  const answer = view.at.answer(filter, options.sort, skip + options.limit);
  if (answer === null) return undefined;
  view.totals.set(key, answer.total);
  return answer.page.slice(skip);
}

parentPort!.on('message', (m: AsOfRequest) => {
  answer(m).then(
    (value) => parentPort!.postMessage({ id: m.id, value } satisfies AsOfReply),
    (e: unknown) => {
      const error = e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
      parentPort!.postMessage({ id: m.id, error } satisfies AsOfReply);
    },
  );
});
