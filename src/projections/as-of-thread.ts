// The thread that answers whole collections "as of" a moment for an embedded store with a file
// (as-of-remote.ts starts it). It holds the histories' key frames (history-frames.ts): at a million events
// they are a heap of hundreds of megabytes and most of a million objects, and on the thread serving
// requests every garbage collection had to mark them (the statistics answered a third slower with them
// built). Here they are marked only while this thread works. It reads the histories from the file
// through a read-only connection of its own; the serving thread has written what it committed first.
import { parentPort, workerData } from 'node:worker_threads';
import { LogCollections } from '../infra/embedded-log-collections.js';
import type { Doc, Filter, StreamOptions } from '../infra/read-store.js';
import { AsOfView } from './as-of-view.js';
import { type HistoryReads, buildAhead, framesForTests, viewAt } from './history-frames.js';
import type { AsOfReply, AsOfRequest } from './as-of-remote.js';

const logs = new LogCollections((workerData as { file: string }).file);

const rows: HistoryReads = {
  find: async (collection, filter, options) => logs.find(collection, filter, options),
  findOne: async (collection, filter) => logs.find(collection, filter, { limit: 1 })[0] ?? null,
  async *stream(collection: string, filter: Filter, options: StreamOptions = {}): AsyncGenerator<Doc[]> {
    yield* logs.pages(collection, filter, options.sort, Math.max(1, options.batchSize ?? 1000));
  },
};

/** Views opened, the most recent last: a request opens one and asks its queries of it at once. */
const views = new Map<number, AsOfView>();
const KEPT_VIEWS = 64;
// From where the serving thread says: a thread started after another stopped never reuses an id of the
// stopped one's views, which the serving thread may still ask of (they are gone: opened again).
let nextView = ((workerData as { firstView?: number }).firstView ?? 0) + 1;

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
      const view = new AsOfView(m.collection, await viewAt(rows, m.history, m.collection, m.field, m.at, m.columns));
      const id = nextView++;
      views.set(id, view);
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
      const run = view[m.method as Query] as (...args: unknown[]) => Promise<unknown>;
      return { result: await run.apply(view, m.args) };
    }
  }
}

/**
 * Views on frames built again since are dropped: each held a whole old set of frames (a gigabyte at a
 * million events) until 64 newer views pushed it out. Asked again, such a view is opened anew (as-of-remote.ts).
 */
function dropStale(): void {
  for (const [id, view] of views) if (view.stale()) views.delete(id);
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
