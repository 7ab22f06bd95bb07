// The event store as deciders and projections read it: every event in its type's current shape (see
// domain/schemas.ts). Appends, the hash chain and verification go to the stored events untouched.
import { type SchemaRegistry, currentVersion, upcast } from '../domain/schemas.js';
import type { EventStore, RecordedEvent, ReadStreamOptions, SubscribeOptions, Subscription } from '../infra/event-store.js';

export class UpcastingEventStore implements EventStore {
  constructor(
    readonly inner: EventStore,
    private readonly registry: SchemaRegistry,
  ) {}

  /** Unchanged (the same object) unless its stored version is older than today's. */
  private current = (e: RecordedEvent): RecordedEvent => {
    const stored = e.metadata?.schemaVersion ?? 1;
    if (stored === currentVersion(this.registry, e.type)) return e;
    return { ...e, data: upcast(this.registry, e.type, stored, e.data) };
  };

  append: EventStore['append'] = (stream, events, expected) => this.inner.append(stream, events, expected);

  async readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return (await this.inner.readStream(stream, options)).map(this.current);
  }

  async readAll(afterPosition: number, limit: number): Promise<RecordedEvent[]> {
    return (await this.inner.readAll(afterPosition, limit)).map(this.current);
  }

  async eventsById(ids: readonly string[]): Promise<RecordedEvent[]> {
    return (await this.inner.eventsById(ids)).map(this.current);
  }

  headPosition(): Promise<number> {
    return this.inner.headPosition();
  }

  countAfter(afterPosition: number, atMost: number): Promise<number> {
    return this.inner.countAfter(afterPosition, atMost);
  }

  async lastEvent(): Promise<RecordedEvent | null> {
    const last = await this.inner.lastEvent();
    return last && this.current(last);
  }

  /** The log it reads: an investigation copy or an upcasting view is the same log (the read models' checkpoints stay valid). */
  logIdentity(): Promise<string> {
    return this.inner.logIdentity();
  }

  subscribe(afterPosition: number, handler: (batch: RecordedEvent[]) => Promise<void>, options?: SubscribeOptions): Subscription {
    return this.inner.subscribe(afterPosition, (batch) => handler(batch.map(this.current)), options);
  }

  verify: EventStore['verify'] = (options) => this.inner.verify(options);

  close(): Promise<void> {
    return this.inner.close();
  }
}
