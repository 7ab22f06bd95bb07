// NATS adapter of the bus: live updates on a core subject every instance subscribes to; integration
// events into a JetStream stream, with the event id as the message id so duplicates are dropped.
import { type JetStreamClient, type JetStreamManager, type NatsConnection, type Subscription, JSONCodec, RetentionPolicy, connect, headers } from 'nats';
import { type Bus, type ListenerErrors, type LiveUpdate, deliver } from './bus.js';
import { type RecordedEvent, Unavailable } from './event-store.js';
import { natsConnectOptions, redactedNatsUrl } from './nats-url.js';

export interface NatsBusOptions {
  /** Prefix of every subject and the JetStream stream's name, so tests can stay apart. */
  prefix?: string;
  /** The largest event the log accepts (MAX_APPEND_BYTES): refused at connect if the server's max_payload is smaller. */
  maxEventBytes?: number;
  /** A live message that is not an update, or a listener that throws (default: console.warn). */
  onError?: ListenerErrors;
}

const codec = JSONCodec<unknown>();
const LOG_HEADER = 'Platform-Log-Identity';
/** On an event published without its data, which the server's max_payload could not carry. */
export const OMITTED_HEADER = 'Platform-Data-Omitted';
/** What a message carries beyond its body: the headers and the protocol's framing, with room to spare. */
const MESSAGE_ROOM = 1024;

export class NatsBus implements Bus {
  private listeners = new Set<(u: LiveUpdate) => void>();
  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly sub: Subscription,
    readonly prefix: string,
    private readonly jsm: JetStreamManager,
    private readonly maxPayload: number,
    onError: ListenerErrors,
  ) {
    void (async () => {
      for await (const m of sub) {
        // One bad message (or a listener that throws) must neither end live updates nor, as an unhandled
        // rejection, the process; it is reported.
        let update: LiveUpdate;
        try {
          update = codec.decode(m.data) as LiveUpdate;
        } catch (err) {
          onError(err);
          continue;
        }
        deliver([...this.listeners], update, onError);
      }
    })();
  }

  static async connect(url: string, options: NatsBusOptions = {}): Promise<NatsBus> {
    const prefix = options.prefix ?? 'isp';
    let nc: NatsConnection;
    try {
      // Reconnects for ever: an outage delays live updates and integration events (the publisher resumes
      // from its checkpoint), it must not end them for the life of the process.
      nc = await connect({ ...natsConnectOptions(url), name: 'industrial-space-platform', timeout: 3000, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
    } catch (cause) {
      throw new Unavailable(`NATS at ${redactedNatsUrl(url)} did not answer`, { cause });
    }
    const maxPayload = nc.info?.max_payload ?? Number.POSITIVE_INFINITY;
    if (options.maxEventBytes !== undefined && options.maxEventBytes > maxPayload) {
      await nc.close();
      // An event the log took but the bus cannot carry would stop the integration events behind it for good.
      throw new Error(`NATS at ${redactedNatsUrl(url)} takes messages of at most ${maxPayload} bytes (max_payload), less than MAX_APPEND_BYTES ${options.maxEventBytes}: raise max_payload or lower MAX_APPEND_BYTES`);
    }
    const jsm = await nc.jetstreamManager();
    const stream = NatsBus.streamName(prefix);
    const subjects = [`${prefix}.events.>`];
    try {
      await jsm.streams.info(stream);
    } catch {
      await jsm.streams.add({ name: stream, subjects, retention: RetentionPolicy.Limits, duplicate_window: 10 * 60 * 1e9 });
    }
    const sub = nc.subscribe(`${prefix}.live`);
    return new NatsBus(nc, nc.jetstream(), sub, prefix, jsm, maxPayload, options.onError ?? ((err) => console.warn('live update not delivered', err)));
  }

  static streamName(prefix: string): string {
    return `${prefix.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}_EVENTS`;
  }

  /** Subject of an integration event: `<prefix>.events.<stream kind>.<event type>`. */
  subjectOf(event: RecordedEvent): string {
    const kind = event.stream.split('-')[0]!.replace(/[^A-Za-z0-9_]/g, '_');
    return `${this.prefix}.events.${kind}.${event.type}`;
  }

  async publishLive(update: LiveUpdate): Promise<void> {
    this.nc.publish(`${this.prefix}.live`, codec.encode(update));
  }

  onLive(listener: (update: LiveUpdate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async publishEvents(events: RecordedEvent[], logIdentity?: string): Promise<void> {
    // Sequential awaits keep the stream in log order; msgID makes a repeat after a crash a no-op.
    for (const e of events) {
      const h = headers();
      if (logIdentity) h.set(LOG_HEADER, logIdentity);
      let body = codec.encode(e);
      if (body.length + MESSAGE_ROOM > this.maxPayload) {
        // The log took it, the bus cannot carry it: announced without its data (read from the log's
        // stream by its position), rather than holding every event after it.
        h.set(OMITTED_HEADER, 'data');
        body = codec.encode({ ...e, data: null });
      }
      await this.js.publish(this.subjectOf(e), body, { msgID: e.id, headers: h });
    }
  }

  async lastPublished(): Promise<{ position: number; logIdentity: string | null } | null> {
    const stream = NatsBus.streamName(this.prefix);
    const info = await this.jsm.streams.info(stream);
    if (info.state.messages === 0) return null;
    const m = await this.jsm.streams.getMessage(stream, { seq: info.state.last_seq });
    const event = codec.decode(m.data) as Partial<RecordedEvent>;
    if (typeof event.position !== 'number') return null;
    return { position: event.position, logIdentity: m.header?.get(LOG_HEADER) || null };
  }

  async close(): Promise<void> {
    this.sub.unsubscribe();
    this.listeners.clear();
    await this.nc.drain();
  }
}
