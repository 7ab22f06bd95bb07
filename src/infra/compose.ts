// The composition root's choice of adapters: embedded by default, EventStoreDB / MongoDB when configured.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import type { EventStore } from './event-store.js';
import type { ReadStore } from './read-store.js';
import { EmbeddedReadStore } from './embedded-read-store.js';
import { SqliteEventStore } from './sqlite-event-store.js';

export interface Stores {
  events: EventStore;
  reads: ReadStore;
  describe: { events: string; reads: string };
}

export async function openStores(config: Pick<Config, 'DATA_DIR' | 'EVENTSTORE_URL' | 'MONGO_URL' | 'MONGO_DB' | 'READ_MODEL_FLUSH_MS' | 'MAX_APPEND_BYTES' | 'EVENTS_FILE'>): Promise<Stores> {
  mkdirSync(config.DATA_DIR, { recursive: true });
  let events: EventStore;
  let eventsKind = 'sqlite';
  if (config.EVENTSTORE_URL) {
    // Loaded only when asked for, so the embedded default never loads the gRPC client.
    const { EsdbEventStore } = await import('./esdb-event-store.js');
    events = await EsdbEventStore.connect(config.EVENTSTORE_URL, { maxAppendBytes: config.MAX_APPEND_BYTES });
    eventsKind = 'eventstoredb';
  } else {
    events = SqliteEventStore.open(config.EVENTS_FILE ?? join(config.DATA_DIR, 'events.db'), { maxAppendBytes: config.MAX_APPEND_BYTES });
  }
  let reads: ReadStore;
  let readsKind = 'embedded';
  if (config.MONGO_URL) {
    const { MongoReadStore } = await import('./mongo-read-store.js');
    reads = await MongoReadStore.connect(config.MONGO_URL, config.MONGO_DB);
    readsKind = 'mongodb';
  } else {
    reads = EmbeddedReadStore.open(config.DATA_DIR, { persistDelayMs: config.READ_MODEL_FLUSH_MS });
  }
  return { events, reads, describe: { events: eventsKind, reads: readsKind } };
}
