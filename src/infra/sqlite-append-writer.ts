// The SQLite log's writing side: appends checked and encoded on the calling thread, and group commits
// (sqlite-group-commit.mjs) run by the writer thread, or inline for an in-memory log.
import { Worker } from 'node:worker_threads';
import { workerHeap } from './worker-heap.js';
import type Database from 'better-sqlite3';
import { AppendTooLarge, Unavailable, eventBytes } from './event-store.js';
import type { ExpectedRevision, NewEvent } from './event-store.js';
import { type GroupCommitReply, type GroupCommitRequest, createGroupCommit } from './sqlite-group-commit.mjs';

export type WriterReply = GroupCommitReply & { id?: number };

/** Who runs the group commits: the writer thread, or (an in-memory log) this thread. */
export interface GroupCommitter {
  request(message: GroupCommitRequest & { kind: 'append' }): Promise<GroupCommitReply>;
  close(): Promise<void>;
}

/**
 * The writer thread (sqlite-append.worker.mjs). Referenced only while a request is out, so a store
 * never closed does not keep the process alive, yet an awaited append always gets its answer.
 */
export class AppendWriter implements GroupCommitter {
  private readonly worker: Worker;
  private next = 0;
  private readonly pending = new Map<number, { resolve: (reply: WriterReply) => void; reject: (error: unknown) => void }>();
  private failure: Error | null = null;

  constructor(file: string, busyTimeoutMs: number) {
    this.worker = new Worker(new URL('./sqlite-append.worker.mjs', import.meta.url), {
      workerData: { file, busyTimeoutMs },
      // Plain JavaScript: none of the process's flags (a TypeScript loader, --input-type…) applies to it.
      execArgv: [],
      resourceLimits: workerHeap(),
    });
    this.worker.unref();
    this.worker.on('message', (reply: WriterReply) => {
      this.pending.get(reply.id!)?.resolve(reply);
      this.settled(reply.id!);
    });
    const fail = (error: unknown) => {
      this.failure ??= new Unavailable(`event log writer thread stopped: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      for (const [id, { reject }] of this.pending) {
        reject(this.failure);
        this.settled(id);
      }
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
  }

  request(message: (GroupCommitRequest & { kind: 'append' }) | { kind: 'close' }): Promise<GroupCommitReply> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.next++;
    const reply = new Promise<WriterReply>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    if (this.pending.size === 1) this.worker.ref();
    this.worker.postMessage({ ...message, id });
    return reply;
  }

  private settled(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
  }

  async close(): Promise<void> {
    if (!this.failure) await this.request({ kind: 'close' });
    await this.worker.terminate();
  }
}

/** The group commit on the store's own connection: for an in-memory log, which no other thread can open. */
export class InlineCommitter implements GroupCommitter {
  private readonly commit: (request: GroupCommitRequest) => GroupCommitReply;

  constructor(db: Database.Database) {
    this.commit = createGroupCommit(db);
  }

  async request(message: GroupCommitRequest): Promise<GroupCommitReply> {
    return this.commit(message);
  }

  async close(): Promise<void> {}
}

/**
 * Checks and encodes an append on the calling thread: the size limit, the envelope fields, and the
 * JSON text of data and metadata (computed once, for the limit and for the writer thread). The result
 * is the append as JSON text, data and metadata embedded as they are.
 */
export function encode(stream: string, events: NewEvent[], expected: ExpectedRevision, maxAppendBytes: number): string {
  let bytes = 0;
  const texts = events.map((event) => {
    const data = JSON.stringify(event.data) as string | undefined;
    const metadata = JSON.stringify(event.metadata) as string | undefined;
    bytes += eventBytes(data, metadata, event.type);
    return { data, metadata };
  });
  if (bytes > maxAppendBytes) throw new AppendTooLarge(stream, bytes, maxAppendBytes);
  const encoded = events.map((event, i) => {
    const { data, metadata } = texts[i]!;
    if (typeof event.id !== 'string' || typeof event.type !== 'string' || typeof event.occurredAt !== 'string') {
      throw new TypeError('event needs string id, type and occurredAt');
    }
    if (data === undefined || metadata === undefined) throw new TypeError('canonicalJson: value has no JSON representation');
    const imported = event.metadata?.imported === true;
    return `{"id":${JSON.stringify(event.id)},"type":${JSON.stringify(event.type)},"occurredAt":${JSON.stringify(event.occurredAt)},"imported":${imported},"data":${data},"metadata":${metadata}}`;
  });
  return `{"stream":${JSON.stringify(stream)},"expected":${JSON.stringify(expected)},"events":[${encoded.join(',')}]}`;
}

