// The serving thread's side of the as-of thread (as-of-thread.ts): one thread per embedded store with a
// file, started at the first whole collection asked "as of", ended with the store. A view there is a
// read store of the collection as it stood at the moment; this side is the same port, each query a
// message. Answers cross by structured clone: a page of documents, a count, an aggregate.
import { Worker } from 'node:worker_threads';
import { Unavailable } from '../infra/event-store.js';
import { growingWorkerHeap } from '../infra/worker-heap.js';
import type { EmbeddedReadStore } from '../infra/embedded-read-store.js';
import type { Doc, Filter, FindOptions, ReadStore } from '../infra/read-store.js';
import { queriesOnly } from './as-of-view.js';
import type { ColumnSpec } from './history-columns.js';
import { framesForTests } from './history-frames.js';

type Field = 'occurredAt' | 'recordedAt';
type Question =
  | { kind: 'warm'; collections: { collection: string; history: string; columns: ColumnSpec }[] }
  | { kind: 'open'; collection: string; history: string; field: Field; at: string; fullEvery: number; columns: ColumnSpec }
  | { kind: 'query'; view: number; method: string; args: unknown[] }
  | { kind: 'builds' }
  | { kind: 'columnAnswers' };
export type AsOfRequest = Question & { id: number };
export type AsOfReply = { id: number; value?: unknown; error?: { name: string; message: string } };

/**
 * How soon another thread starts after one stopped unasked (a crash, or out of memory): 5 s, doubling while
 * they keep stopping with no answer between, up to 5 min. A thread that ran out of memory building its
 * frames would do it again at once, each time reading the whole file anew; questions meanwhile get a 503
 * saying when to ask again. The clock is replaceable (tests).
 */
export const asOfRestarts = { now: (): number => Date.now(), firstWaitMs: 5_000, longestWaitMs: 300_000 };

class AsOfThread {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private next = 1;
  /** Stops in a row with no answer between, and the moment before which no thread starts. */
  private stops = 0;
  private notBefore = 0;
  /** Threads started: each numbers its views from its own range (as-of-thread.ts). */
  private started = 0;

  constructor(private readonly file: string) {}

  private start(): Worker {
    const firstView = this.started++ * 2 ** 32;
    const worker = new Worker(new URL('./as-of.worker.mjs', import.meta.url), { workerData: { file: this.file, firstView }, execArgv: [], resourceLimits: growingWorkerHeap() });
    worker.unref(); // referenced only while a question waits (ask)
    worker.on('message', (reply: AsOfReply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      this.stops = 0; // it answered: its frames fit
      if (reply.error) waiting.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name }));
      else waiting.resolve(reply.value);
    });
    // A thread that failed or ended takes its questions with it (503: asked again after the wait, they start another).
    const lost = (e: Error) => {
      if (this.worker === worker) {
        this.worker = null; // not closed by us (close forgets it first): a wait before the next
        const wait = Math.min(asOfRestarts.firstWaitMs * 2 ** this.stops++, asOfRestarts.longestWaitMs);
        this.notBefore = asOfRestarts.now() + wait;
      }
      for (const w of this.pending.values()) w.reject(this.refusal(`the as-of thread stopped: ${e.message}`, e));
      this.pending.clear();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`it ended (exit code ${code})`)));
    return worker;
  }

  private refusal(why: string, cause?: Error): Unavailable {
    const seconds = Math.max(1, Math.ceil((this.notBefore - asOfRestarts.now()) / 1000));
    return new Unavailable(`${why}; ask again in ${seconds} s`, cause ? { cause, retryAfterSeconds: seconds } : { retryAfterSeconds: seconds });
  }

  ask(question: Question): Promise<unknown> {
    if (!this.worker && asOfRestarts.now() < this.notBefore) return Promise.reject(this.refusal('the as-of thread stopped'));
    const worker = (this.worker ??= this.start());
    const id = this.next++;
    if (this.pending.size === 0) worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...question, id } satisfies AsOfRequest);
    });
  }

  /** Ends the thread as a crash would, the store left open (tests). */
  async crash(): Promise<void> {
    await this.worker?.terminate();
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }
}

const threads = new WeakMap<EmbeddedReadStore, AsOfThread>();

function threadOf(store: EmbeddedReadStore, file: string): AsOfThread {
  const known = threads.get(store);
  if (known) return known;
  const thread = new AsOfThread(file);
  threads.set(store, thread);
  store.onClose(() => thread.close());
  return thread;
}

/** Builds the key frames of whole collections on the store's as-of thread (see warmKeyFrames). */
export async function warmRemote(store: EmbeddedReadStore, file: string, collections: { collection: string; history: string; columns: ColumnSpec }[]): Promise<void> {
  await threadOf(store, file).ask({ kind: 'warm', collections });
}

/** How many key frames the store's as-of thread has built (tests: a frame built ahead is not built again); null with no thread. */
export async function framesBuiltOnThread(store: EmbeddedReadStore): Promise<number | null> {
  const thread = threads.get(store);
  return thread ? ((await thread.ask({ kind: 'builds' })) as number) : null;
}

/** How many questions the store's as-of thread answered from its frames' columns (tests); null with no thread. */
export async function columnAnswersOnThread(store: EmbeddedReadStore): Promise<number | null> {
  const thread = threads.get(store);
  return thread ? ((await thread.ask({ kind: 'columnAnswers' })) as number) : null;
}

/** Ends the store's as-of thread as a crash would, its questions pending (tests: they get a 503). */
export async function crashThreadForTests(store: EmbeddedReadStore): Promise<void> {
  await threads.get(store)?.crash();
}

/** `collection` as it stood at the moment, as a read store whose queries run on the store's as-of thread. */
export async function remoteAt(store: EmbeddedReadStore, file: string, collection: string, history: string, field: Field, at: string, columns: ColumnSpec): Promise<ReadStore> {
  const thread = threadOf(store, file);
  const open = () => thread.ask({ kind: 'open', collection, history, field, at, fullEvery: framesForTests.fullEvery, columns }) as Promise<number>;
  let view = await open();
  const query = async (method: string, args: unknown[]): Promise<unknown> => {
    for (let tries = 0; tries < 3; tries++) {
      const reply = (await thread.ask({ kind: 'query', view, method, args })) as { result?: unknown; gone?: true };
      if (!reply.gone) return reply.result;
      view = await open(); // dropped there after many newer views: opened again, at the same moment
    }
    throw new Error('the as-of thread dropped the view three times: more views open at once than it keeps');
  };
  return queriesOnly({
    find: (c: string, filter: Filter, options?: FindOptions) => query('find', [c, filter, options]) as Promise<Doc[]>,
    findOne: (c: string, filter: Filter) => query('findOne', [c, filter]) as Promise<Doc | null>,
    count: (c: string, filter: Filter) => query('count', [c, filter]) as Promise<number>,
    aggregate: (c: string, pipeline: Record<string, unknown>[]) => query('aggregate', [c, pipeline]) as Promise<Record<string, unknown>[]>,
  });
}
