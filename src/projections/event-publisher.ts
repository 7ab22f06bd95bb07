// Forwards the log to the bus as integration events, with its own checkpoint: after a crash, or when
// the bus (NATS) was away, it re-publishes from the checkpoint and the bus drops what it already has
// (JetStream de-duplication, msgID = event id). A failed publish ends the subscription; followLog opens
// it again from the checkpoint with backoff, so an outage delays events and loses none.
import type { Bus } from '../infra/bus.js';
import type { EventStore } from '../infra/event-store.js';
import type { ReadStore } from '../infra/read-store.js';
import { type FollowedLog, type RetryOptions, followLog } from './follow-log.js';

export interface PublisherOptions {
  checkpointName?: string;
  retry?: RetryOptions;
  batchSize?: number;
  onError?: (error: unknown, retryInMs: number) => void;
}

export class EventPublisher {
  private followed: FollowedLog | null = null;
  private published = 0;
  private failure: unknown = null;
  private readonly checkpointName: string;

  constructor(
    private readonly events: EventStore,
    private readonly reads: ReadStore,
    private readonly bus: Bus,
    private readonly options: PublisherOptions = {},
  ) {
    this.checkpointName = options.checkpointName ?? 'integration-events';
  }

  /** The position of the last event the bus acknowledged. */
  get position(): number {
    return this.published;
  }

  /** The last failure, cleared by the next published batch. */
  get error(): unknown {
    return this.failure;
  }

  async start(): Promise<void> {
    await this.stop();
    // The checkpoint is a position in one log: in another (or a recreated) one, publish from its start.
    const identityKey = `log-identity:${this.checkpointName}`;
    const identity = await this.events.logIdentity();
    const stored = await this.reads.getMeta(identityKey);
    if (stored !== identity) {
      // None stored (a store from before identities): keep the checkpoint unless it is past the head.
      const foreign = stored !== null || (await this.reads.getCheckpoint(this.checkpointName)) > (await this.events.headPosition());
      if (foreign) await this.reads.reset(this.checkpointName, []);
      await this.reads.setMeta(identityKey, identity);
    }
    // The bus's own last event is the checkpoint every instance shares: a new leader (its own read
    // store never saw the last one's progress) resumes there instead of re-publishing the whole log; and
    // so does every reopen after a failure, since a batch the bus took may have missed our checkpoint
    // (the read store away) for longer than the bus's de-duplication window.
    const resumeAt = async (): Promise<number> => {
      const own = await this.reads.getCheckpoint(this.checkpointName);
      const onBus = await this.bus.lastPublished?.().catch(() => null); // unknown: our own checkpoint, de-duplication does the rest
      if (!onBus || onBus.logIdentity !== identity || onBus.position <= own) return own;
      await this.reads.commit(this.checkpointName, [], onBus.position);
      return onBus.position;
    };
    this.published = await resumeAt();
    this.followed = followLog(
      this.events,
      resumeAt,
      async (batch) => {
        if (batch.length === 0) return;
        await this.bus.publishEvents(batch, identity);
        const last = batch[batch.length - 1]!.position;
        await this.reads.commit(this.checkpointName, [], last);
        this.published = last;
        this.failure = null;
      },
      {
        ...this.options.retry,
        batchSize: this.options.batchSize ?? 100,
        onError: (error, retryInMs) => {
          this.failure = error;
          this.options.onError?.(error, retryInMs);
        },
      },
    );
  }

  async stop(): Promise<void> {
    const followed = this.followed;
    this.followed = null;
    await followed?.close();
  }
}
