// The composition root refuses what would break the log: a second writer of an EventStoreDB log without
// the lock that orders the hash chain's writers across processes (NATS). Refused before connecting.
import { describe, expect, it } from 'vitest';
import { openStores } from '../../src/infra/compose.js';

const config = {
  DATA_DIR: '/nonexistent/never-made',
  EVENTSTORE_URL: 'esdb://127.0.0.1:1?tls=false',
  MONGO_URL: undefined,
  MONGO_DB: 'isp',
  READ_MODEL_FLUSH_MS: 500,
  MAX_APPEND_BYTES: 1024 * 1024,
  EVENTS_FILE: undefined,
  NATS_URL: undefined,
  NATS_PREFIX: 'isp',
  LOCK_TTL_MS: 30_000,
  LOCK_WAIT_MS: 10_000,
  LEADER_LEASE_MS: 10_000,
};

describe('openStores', () => {
  it('refuses to append beside the server on EventStoreDB without NATS_URL, naming the setting', async () => {
    await expect(openStores(config, { besideServer: true })).rejects.toThrow(/NATS_URL/);
  });
});
