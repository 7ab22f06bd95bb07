// The bus port: live updates fanned out to every instance's WebSocket clients, and integration events
// for other systems. Adapters: LocalBus (one process, the embedded default) and NatsBus (nats-bus.ts).
import { EventEmitter } from 'node:events';
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

/** In-process: live updates reach this process's clients; integration events have nowhere to go. */
export class LocalBus implements Bus {
  private emitter = new EventEmitter().setMaxListeners(0);

  async publishLive(update: LiveUpdate): Promise<void> {
    this.emitter.emit('live', update);
  }

  onLive(listener: (update: LiveUpdate) => void): () => void {
    this.emitter.on('live', listener);
    return () => this.emitter.off('live', listener);
  }

  async publishEvents(): Promise<void> {}

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}
