// Forwards the log to the bus as integration events, with its own checkpoint: after a crash it
// re-publishes from the checkpoint and the bus drops what it already has (msgID = event id).
import type { Bus } from '../infra/bus.js';
import type { EventStore, Subscription } from '../infra/event-store.js';
import type { ReadStore } from '../infra/read-store.js';

export class EventPublisher {
  private subscription: Subscription | null = null;

  constructor(
    private readonly events: EventStore,
    private readonly reads: ReadStore,
    private readonly bus: Bus,
    private readonly checkpointName = 'integration-events',
  ) {}

  async start(): Promise<void> {
    const from = await this.reads.getCheckpoint(this.checkpointName);
    this.subscription = this.events.subscribe(from, async (batch) => {
      if (batch.length === 0) return;
      await this.bus.publishEvents(batch);
      await this.reads.commit(this.checkpointName, [], batch[batch.length - 1]!.position);
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    this.subscription = null;
  }
}
