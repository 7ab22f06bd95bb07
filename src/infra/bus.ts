// The bus port: live updates fanned out to every instance's WebSocket clients, and integration events
// for other systems. Adapters: LocalBus (one process, the embedded default) and NatsBus (nats-bus.ts).
import type { RecordedEvent } from './event-store.js';

/** Who may receive an update: everyone, or the enterprise and district it concerns (admins and auditors always). */
export type Audience = { public: true } | { public: false; creditCode?: string; district?: string; /** a record of several districts (a demand) */ districts?: string[] };

export interface LiveUpdate {
  topic: string;
  position: number;
  data: unknown;
  audience: Audience;
}

export interface Bus {
  publishLive(update: LiveUpdate): Promise<void>;
  onLive(listener: (update: LiveUpdate) => void): () => void;
  /**
   * Integration events, de-duplicated by event id so a re-publish after a crash is harmless.
   * `logIdentity` (EventStore.logIdentity) travels with them, so lastPublished() can be trusted.
   */
  publishEvents(events: RecordedEvent[], logIdentity?: string): Promise<void>;
  /**
   * The last integration event the bus holds (its log position and log identity): a checkpoint every
   * instance sees, so a new leader resumes where the last one stopped. Absent or null: unknown.
   */
  lastPublished?(): Promise<{ position: number; logIdentity: string | null } | null>;
  close(): Promise<void>;
}

/** What a bus does with a live listener that throws: the other listeners still get the update. */
export type ListenerErrors = (err: unknown) => void;

/** Each listener on its own: one that throws is reported, and neither the others nor the publisher see it. */
export function deliver(listeners: Iterable<(u: LiveUpdate) => void>, update: LiveUpdate, onError: ListenerErrors): void {
  for (const l of listeners) {
    try {
      l(update);
    } catch (err) {
      onError(err);
    }
  }
}

/** In-process: live updates reach this process's clients; integration events have nowhere to go. */
export class LocalBus implements Bus {
  private listeners = new Set<(u: LiveUpdate) => void>();

  constructor(private readonly onError: ListenerErrors = (err) => console.warn('live update listener failed', err)) {}

  async publishLive(update: LiveUpdate): Promise<void> {
    deliver([...this.listeners], update, this.onError);
  }

  onLive(listener: (update: LiveUpdate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async publishEvents(): Promise<void> {}

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
