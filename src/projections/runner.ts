// Runs projections over the log: one subscription from the lowest checkpoint, each projection skipping
// what it has already stored. Each batch's changes and its checkpoint are committed together; the
// position guard on every document makes a batch replayed after a crash change nothing.
import type { EventStore, RecordedEvent, Subscription } from '../infra/event-store.js';
import type { ReadStore } from '../infra/read-store.js';
import type { Projection } from './projection.js';

export interface RunnerOptions {
  batchSize?: number;
  /** Called after every committed batch (live updates, metrics). */
  onBatch?: (events: RecordedEvent[], position: number) => void;
  onError?: (error: unknown) => void;
}

export class ProjectionRunner {
  private checkpoints = new Map<string, number>();
  private processed = 0;
  private subscription: Subscription | null = null;
  private waiters = new Set<{ position: number; resolve: (ok: boolean) => void }>();
  private failure: unknown = null;
  private batchListeners = new Set<(events: RecordedEvent[], position: number) => void>();

  constructor(
    private readonly events: EventStore,
    private readonly store: ReadStore,
    readonly projections: Projection[],
    private readonly options: RunnerOptions = {},
  ) {}

  /** Called after every committed batch, once the read models reflect it (live updates). */
  onBatch(listener: (events: RecordedEvent[], position: number) => void): () => void {
    this.batchListeners.add(listener);
    return () => this.batchListeners.delete(listener);
  }

  /** The position every read model has reached. */
  get position(): number {
    return this.processed;
  }

  get error(): unknown {
    return this.failure;
  }

  async start(): Promise<void> {
    await this.store.ensureIndexes(this.projections.flatMap((p) => p.indexes));
    for (const p of this.projections) {
      const checkpoint = await this.store.getCheckpoint(p.name);
      // Never run under this name (new, or its version was bumped): whatever its collections hold was
      // built by an earlier version, and the position guard would keep it. Start them empty.
      if (checkpoint === 0) await this.store.reset(p.name, p.collections);
      this.checkpoints.set(p.name, checkpoint);
    }
    this.processed = Math.min(...this.checkpoints.values());
    this.subscription = this.events.subscribe(this.processed, (batch) => this.handle(batch), {
      batchSize: this.options.batchSize ?? 500,
    });
  }

  /** Drops every read model and its checkpoint, then projects the whole log again. */
  async rebuild(): Promise<void> {
    await this.stop();
    for (const p of this.projections) await this.store.reset(p.name, p.collections);
    await this.start();
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    this.subscription = null;
  }

  /** Resolves true once every read model has processed `position`, false after `timeoutMs`. */
  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    if (this.processed >= position) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        position,
        resolve: (ok: boolean) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(ok);
        },
      };
      const timer = setTimeout(() => waiter.resolve(false), timeoutMs);
      this.waiters.add(waiter);
    });
  }

  private async handle(batch: RecordedEvent[]): Promise<void> {
    if (batch.length === 0) return;
    const last = batch[batch.length - 1]!.position;
    try {
      for (const p of this.projections) {
        const from = this.checkpoints.get(p.name) ?? 0;
        if (last <= from) continue;
        const ops = [];
        if (p.afterBatch) ops.push(...(await p.afterBatch(this.store, batch.filter((e) => e.position > from), last)));
        else for (const e of batch) if (e.position > from && p.handles.has(e.type)) ops.push(...p.apply(e));
        await this.store.commit(p.name, ops, last);
        this.checkpoints.set(p.name, last);
      }
    } catch (error) {
      this.failure = error;
      this.options.onError?.(error);
      throw error;
    }
    this.processed = last;
    for (const w of this.waiters) if (w.position <= last) w.resolve(true);
    this.options.onBatch?.(batch, last);
    for (const l of this.batchListeners) l(batch, last);
  }
}
