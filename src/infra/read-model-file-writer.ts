// The writer thread of an embedded read-model file (read-model-writer.worker.mjs), as the store talks to it.
import { Worker } from 'node:worker_threads';
import { workerHeap } from './worker-heap.js';

/**
 * The writer thread's young generation: what it keeps is one message at a time. With the main thread's
 * (192 MB, 128 of semi-spaces) it had 135-193 MB of heap for 20-70 MB used over a 1M rebuild.
 */
const WRITER_YOUNG_MB = 24;

/**
 * The writer thread of a read-model file: requests are written in the order sent, each in one
 * transaction. A failed write is kept and thrown by the next commit, so the runner stops rather than
 * running ahead of what can be stored.
 */
export class FileWriter {
  private readonly worker: Worker;
  private next = 0;
  private readonly pending = new Map<number, () => void>();
  private exited = false;
  failure: Error | null = null;

  constructor(file: string) {
    this.worker = new Worker(new URL('./read-model-writer.worker.mjs', import.meta.url), { workerData: { file }, resourceLimits: workerHeap(WRITER_YOUNG_MB) });
    this.worker.unref(); // a store never closed must not keep the process alive (an unfinished write just rolls back)
    this.worker.on('message', (m: { id: number; ok: boolean; error?: string }) => {
      if (!m.ok) this.failure ??= new Error(`read-model file write failed: ${m.error}`);
      this.pending.get(m.id)?.();
      this.pending.delete(m.id);
    });
    this.worker.on('error', (e) => (this.failure ??= e));
    // A thread that ended (failed, or closed) answers nothing more: what waits on it must not wait forever.
    this.worker.on('exit', () => {
      this.exited = true;
      if (this.pending.size > 0) this.failure ??= new Error('read-model file writer stopped with writes unanswered');
      for (const resolve of this.pending.values()) resolve();
      this.pending.clear();
    });
  }

  /** `transfer`: buffers moved to the thread, not copied (they are unusable here after). */
  send(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<void> {
    if (this.exited) {
      if (message.kind !== 'close') this.failure ??= new Error('read-model file writer stopped');
      return Promise.resolve();
    }
    const id = this.next++;
    const done = new Promise<void>((resolve) => this.pending.set(id, resolve));
    this.worker.postMessage({ ...message, id }, transfer);
    return done;
  }

  /** Waits for every write sent so far, then stops the thread. */
  async close(): Promise<void> {
    await this.send({ kind: 'close' });
    await this.worker.terminate();
  }
}
