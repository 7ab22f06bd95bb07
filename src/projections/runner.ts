// Runs projections over the log: one subscription from the lowest checkpoint, each projection skipping
// what it has already stored. Each batch's changes and its checkpoint are committed together; the
// position guard on every document makes a batch replayed after a crash change nothing. A subscription
// that ends with an error is opened again from the checkpoints (followLog), and health() tells /ready
// and /metrics what state the runner is in, so it never stops silently.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { EventStore, RecordedEvent } from '../infra/event-store.js';
import type { ReadStore } from '../infra/read-store.js';
import { type FollowedLog, type RetryOptions, followLog } from './follow-log.js';
import type { Projection } from './projection.js';

export interface RunnerOptions {
  batchSize?: number;
  /** Called after every committed batch (live updates, metrics). */
  onBatch?: (events: RecordedEvent[], position: number) => void;
  /** Every failure: of start(), of a batch, of the subscription. The runner retries by itself. */
  onError?: (error: unknown) => void;
  /** Backoff of the resubscription after a failure. */
  retry?: RetryOptions;
  /** Behind the head and without progress for this long: stalled, /ready says so (ms). Default 30 000. */
  stallAfterMs?: number;
  /** Operational time (progress, stalls); never a business rule. Default Date.now. */
  monotonicNow?: () => number;
  /** Behind the head by more than this many events at start: catch up in the store's bulk mode. Default 10 000. */
  bulkAfterLag?: number;
  /** Things an operator should know, e.g. a rebuild because the log is not the one the read models came from. */
  onNotice?: (message: string) => void;
  /**
   * A long catch-up has read the log up to the head it aimed at; its end follows (the store's file and
   * indexes, the derived read models): work that makes garbage more than data. The operator's rebuild
   * tightens its heap here (scripts/project.ts).
   */
  beforeBulkEnd?: () => void;
}

const BULK_AFTER_LAG = 10_000;
/** A catch-up's ops committed at a time (see handle). */
const CATCH_UP_PART = 1_000;

/** Where the read store keeps the identity of the log its checkpoints refer to. */
export const LOG_IDENTITY_KEY = 'log-identity:projections';

/**
 * starting: start() running · running: following the log · retrying: the subscription failed and is
 * being reopened · failed: start() failed · following: another instance projects, this one watches
 * the shared checkpoints · stopped.
 */
export type RunnerState = 'starting' | 'running' | 'retrying' | 'failed' | 'following' | 'stopped';

export interface RunnerHealth {
  state: RunnerState;
  ready: boolean;
  position: number;
  head: number;
  lag: number;
  stalled: boolean;
  lastError: string | null;
  projections: { name: string; position: number; lag: number }[];
}

export class ProjectionRunner {
  private checkpoints = new Map<string, number>();
  private processed = 0;
  private followed: FollowedLog | null = null;
  private waiters = new Set<{ position: number; resolve: (ok: boolean) => void }>();
  private failure: unknown = null;
  private current: RunnerState = 'stopped';
  private lastProgressAt: number;
  private batchListeners = new Set<(events: RecordedEvent[], position: number) => void>();
  private pollTimer: NodeJS.Timeout | null = null;
  /** While catching up a long way (a rebuild): the head to reach before the store leaves bulk mode. */
  private bulkUntil: number | null = null;
  /** The projections' memory being built since the last start (Projection.warm); each start or stop moves the generation on. */
  private warming: Promise<void> = Promise.resolve();
  private generation = 0;

  constructor(
    private readonly events: EventStore,
    private readonly store: ReadStore,
    readonly projections: Projection[],
    private readonly options: RunnerOptions = {},
  ) {
    this.lastProgressAt = this.now();
  }

  private now(): number {
    return (this.options.monotonicNow ?? Date.now)();
  }

  /** Called after every committed batch, once the read models reflect it (live updates). */
  onBatch(listener: (events: RecordedEvent[], position: number) => void): () => void {
    this.batchListeners.add(listener);
    return () => this.batchListeners.delete(listener);
  }

  /** The position every read model has reached. */
  get position(): number {
    return this.processed;
  }

  /** The last failure while it lasts: cleared by the next committed batch. */
  get error(): unknown {
    return this.failure;
  }

  get state(): RunnerState {
    return this.current;
  }

  /** What /ready and /metrics report, against the log's head. */
  health(head: number): RunnerHealth {
    const lag = Math.max(0, head - this.processed);
    const stalled = lag > 0 && this.now() - this.lastProgressAt > (this.options.stallAfterMs ?? 30_000);
    const active = this.current === 'running' || this.current === 'following';
    return {
      state: this.current,
      ready: active && !stalled,
      position: this.processed,
      head,
      lag,
      stalled,
      lastError: this.failure === null ? null : describe(this.failure),
      projections: this.projections.map((p) => {
        const position = this.checkpoints.get(p.name) ?? 0;
        return { name: p.name, position, lag: Math.max(0, head - position) };
      }),
    };
  }

  /**
   * More than `events` events between the checkpoints and the head. Positions are counts of events on
   * SQLite but the log's byte offsets on EventStoreDB (~1 KB an event), so a wide gap is counted.
   */
  private async behindByMore(head: number, events: number): Promise<boolean> {
    if (head - this.processed <= events) return false;
    return (await this.events.countAfter(this.processed, events + 1)) > events;
  }

  async start(): Promise<void> {
    await this.stop();
    this.current = 'starting';
    this.lastProgressAt = this.now();
    try {
      await this.store.declareLogCollections(this.projections.flatMap((p) => p.logCollections ?? []));
      await this.store.ensureIndexes(this.projections.flatMap((p) => p.indexes));
      await this.checkLogIdentity();
      await this.loadCheckpoints(true);
      // Set, not raised (a rebuild starts again from 0); then a waitFor registered while start() ran is
      // answered by the checkpoints themselves: with nothing left to project, no batch would ever answer it.
      this.processed = Math.min(...this.checkpoints.values());
      this.advanceTo(this.processed);
      const head = await this.events.headPosition();
      if (await this.behindByMore(head, this.options.bulkAfterLag ?? BULK_AFTER_LAG)) {
        await this.store.setBulk(true, this.projections.map((p) => p.name));
        this.bulkUntil = head;
      }
    } catch (error) {
      this.fail(error, 'failed');
      throw error;
    }
    this.followed = followLog(this.events, () => this.resumeFrom(), (batch) => this.handle(batch), {
      ...this.options.retry,
      batchSize: this.options.batchSize ?? 500,
      onError: (error) => this.fail(error, 'retrying'),
    });
    this.current = 'running';
    // A long catch-up ends by building that memory itself (catchUp).
    if (this.bulkUntil === null) this.warm();
  }

  private warm(): void {
    const generation = ++this.generation;
    const active = () => this.generation === generation;
    this.warming = Promise.all(this.projections.map((p) => p.warm?.(this.store, active))).then(
      () => undefined,
      // Not a batch's failure: the first batch that needs the memory builds it.
      (error: unknown) => {
        if (active()) this.options.onError?.(error);
      },
    );
  }

  /** Resolves once the memory the projections build at a start (Projection.warm) is built, or given up. */
  warmed(): Promise<void> {
    return this.warming;
  }

  /**
   * Another instance runs the projections into the shared read store: follow its checkpoints, so
   * `waitFor` and health() answer here too.
   */
  async follow(intervalMs = 100): Promise<void> {
    await this.stop();
    this.current = 'following';
    const poll = async () => {
      try {
        await this.loadCheckpoints(false);
        this.advanceTo(Math.min(...this.checkpoints.values()));
        if (this.failure !== null && this.current === 'following') this.failure = null;
      } catch (error) {
        this.failure = error;
        this.options.onError?.(error);
      }
      if (this.current === 'following') this.pollTimer = setTimeout(() => void poll(), intervalMs);
    };
    await poll();
  }

  /** Drops every read model and its checkpoint, then projects the whole log again. */
  async rebuild(): Promise<void> {
    await this.stop();
    for (const p of this.projections) await this.store.reset(p.name, p.collections);
    await this.start();
  }

  async stop(): Promise<void> {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = null;
    const followed = this.followed;
    this.followed = null;
    this.current = 'stopped';
    this.generation++;
    await followed?.close();
    await this.warming;
    if (this.bulkUntil !== null) {
      this.bulkUntil = null;
      await this.store.setBulk(false);
    }
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

  /**
   * Checkpoints are positions in one particular log. Pointed at another log, or at this one wiped and
   * recreated, they would skip its first events or wait for positions it never reaches: rebuild. A
   * read store from before identities (none stored) adopts the log unless a checkpoint is past its head.
   */
  private async checkLogIdentity(): Promise<void> {
    const identity = await this.events.logIdentity();
    const stored = await this.store.getMeta(LOG_IDENTITY_KEY);
    if (stored === identity) return;
    let reason: string | null = stored === null ? null : `the read models were built from log ${stored}, this is log ${identity}`;
    if (stored === null) {
      const head = await this.events.headPosition();
      for (const p of this.projections) {
        const checkpoint = await this.store.getCheckpoint(p.name);
        if (checkpoint > head) reason = `checkpoint ${p.name} at ${checkpoint} is past the log's head ${head}`;
      }
    }
    if (reason !== null) {
      this.options.onNotice?.(`rebuilding every read model: ${reason}`);
      // Resets first: cut short, the old identity stays and the next start resets again.
      for (const p of this.projections) await this.store.reset(p.name, p.collections);
    }
    await this.store.setMeta(LOG_IDENTITY_KEY, identity);
  }

  private async loadCheckpoints(resetNew: boolean): Promise<void> {
    for (const p of this.projections) {
      const checkpoint = await this.store.getCheckpoint(p.name);
      // Never run under this name (new, or its version was bumped): whatever its collections hold was
      // built by an earlier version, and the position guard would keep it. Start them empty.
      if (resetNew && checkpoint === 0) await this.store.reset(p.name, p.collections);
      this.checkpoints.set(p.name, checkpoint);
    }
  }

  /** After a failure the in-memory checkpoints may be ahead of what the store kept: read them again. */
  private async resumeFrom(): Promise<number> {
    if (this.current === 'retrying') {
      await this.loadCheckpoints(false);
      this.current = 'running';
    }
    return Math.min(...this.checkpoints.values());
  }

  private fail(error: unknown, state: RunnerState): void {
    this.failure = error;
    this.current = state;
    this.options.onError?.(error);
  }

  private advanceTo(position: number): void {
    if (position > this.processed || this.processed === 0) this.lastProgressAt = this.now();
    this.processed = Math.max(this.processed, position);
    for (const w of this.waiters) if (w.position <= this.processed) w.resolve(true);
  }

  private async handle(batch: RecordedEvent[]): Promise<void> {
    if (batch.length === 0) return;
    const last = batch[batch.length - 1]!.position;
    for (const p of this.projections) {
      const from = this.checkpoints.get(p.name) ?? 0;
      if (last <= from) continue;
      // Derived read models wait for the end of a long catch-up (their checkpoint stays: a crash before
      // the end resumes them from there, and every batch since covers what they missed).
      if (p.catchUp && this.bulkUntil !== null) continue;
      const ops = [];
      if (p.afterBatch) ops.push(...(await p.afterBatch(this.store, batch.filter((e) => e.position > from), last)));
      else for (const e of batch) if (e.position > from && p.handles.has(e.type)) ops.push(...p.apply(e));
      await this.store.commit(p.name, ops, last);
      this.checkpoints.set(p.name, last);
    }
    if (this.bulkUntil !== null && last >= this.bulkUntil) {
      // Bulk mode ends first: the store's file then builds its indexes on its own thread while the
      // derived read models catch up here (at a million events: ~35 s of matching beside ~50 s of indexes).
      this.bulkUntil = null;
      this.options.beforeBulkEnd?.();
      await this.store.setBulk(false);
      try {
        for (const p of this.projections) {
          const from = this.checkpoints.get(p.name) ?? 0;
          if (!p.catchUp || from >= last) continue;
          // In parts, a turn of the event loop between them (matching's 10,000 lists at 1M events: ~1.9 s
          // in one commit); the checkpoint moves once the last is in, so a crash before it catches up again.
          let parts = 0;
          await p.catchUp(this.store, last, async (ops) => {
            for (let i = 0; i < ops.length; i += CATCH_UP_PART) {
              if (parts++ > 0) await nextTurn();
              await this.store.commit(p.name, ops.slice(i, i + CATCH_UP_PART), from);
            }
          });
          await this.store.commit(p.name, [], last);
          this.checkpoints.set(p.name, last);
        }
      } catch (error) {
        // As before the end: the retry replays from the derived models' checkpoints and catches them up again.
        this.bulkUntil = last;
        await this.store.setBulk(true, this.projections.map((p) => p.name));
        throw error;
      }
    }
    this.failure = null;
    this.current = 'running';
    this.advanceTo(last);
    this.options.onBatch?.(batch, last);
    for (const l of this.batchListeners) l(batch, last);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
