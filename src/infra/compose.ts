// The composition root's choice of adapters: embedded by default, EventStoreDB / MongoDB when configured.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import type { EsdbOptions } from './esdb-event-store.js';
import type { EventStore } from './event-store.js';
import type { ReadModelReset, ReadStore } from './read-store.js';
import { EmbeddedReadStore } from './embedded-read-store.js';
import { SqliteEventStore } from './sqlite-event-store.js';

export interface Stores {
  events: EventStore;
  reads: ReadStore;
  describe: { events: string; reads: string };
}

type StoreConfig = Pick<
  Config,
  'DATA_DIR' | 'EVENTSTORE_URL' | 'MONGO_URL' | 'MONGO_DB' | 'READ_MODEL_FLUSH_MS' | 'MAX_APPEND_BYTES' | 'EVENTS_FILE' | 'NATS_URL' | 'NATS_PREFIX' | 'LOCK_TTL_MS' | 'LOCK_WAIT_MS' | 'LEADER_LEASE_MS'
>;

/**
 * `resetOnOpen`: read models reset as the stores open (a rebuild); an embedded store never loads their
 * documents. `besideServer`: this process appends while a server may (`npm run tick`).
 */
export async function openStores(config: StoreConfig, options: { resetOnOpen?: readonly ReadModelReset[]; besideServer?: boolean } = {}): Promise<Stores> {
  if (config.EVENTSTORE_URL && !config.NATS_URL && options.besideServer) {
    // Refused before connecting: two writers each chaining onto the newest link would fork the chain for good.
    throw new Error('EVENTSTORE_URL without NATS_URL: the hash chain is then locked within one process, so this one may not append beside the server. Set NATS_URL (the lock every writer of the log shares), or run it inside the server (its scheduler does).');
  }
  mkdirSync(config.DATA_DIR, { recursive: true });
  let events: EventStore;
  let eventsKind = 'sqlite';
  if (config.EVENTSTORE_URL) {
    // Loaded only when asked for, so the embedded default never loads the gRPC client.
    const { EsdbEventStore } = await import('./esdb-event-store.js');
    events = await EsdbEventStore.connect(config.EVENTSTORE_URL, { maxAppendBytes: config.MAX_APPEND_BYTES, ...(await sharedChainLock(config)) });
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
    for (const p of options.resetOnOpen ?? []) await reads.reset(p.name, p.collections);
  } else {
    reads = EmbeddedReadStore.open(config.DATA_DIR, { persistDelayMs: config.READ_MODEL_FLUSH_MS, resetOnOpen: options.resetOnOpen });
  }
  return { events, reads, describe: { events: eventsKind, reads: readsKind } };
}

/**
 * Every process that appends to an EventStoreDB log (servers, seed, tick) takes the same lock for its
 * hash chain (see esdb-event-store.ts): with NATS, the cross-instance lock, held at most a third of its
 * lease; without, a lock within the process, so one process writes at a time.
 */
async function sharedChainLock(config: StoreConfig): Promise<Pick<EsdbOptions, 'chainLock' | 'chainLockBudgetMs' | 'onClose'>> {
  if (!config.NATS_URL) return {};
  const { NatsCoordination } = await import('./nats-lock.js');
  // Every setting, the lease's too: a connection sets the buckets' lifetimes (nats-lock.ts, bucket()).
  const coordination = await NatsCoordination.connect(config.NATS_URL, { prefix: config.NATS_PREFIX, lockTtlMs: config.LOCK_TTL_MS, lockWaitMs: config.LOCK_WAIT_MS, leaseTtlMs: config.LEADER_LEASE_MS });
  return { chainLock: coordination.locks(), chainLockBudgetMs: Math.floor(config.LOCK_TTL_MS / 3), onClose: () => coordination.close() };
}
