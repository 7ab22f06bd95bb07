// A subscription that ends with an error is opened again from the checkpoint, with backoff; a runner
// that cannot start or makes no progress says so through health(). The failing store is a wrapper over
// the real SQLite store whose deliveries fail, never a mocked driver.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Bus, LiveUpdate } from '../../src/infra/bus.js';
import type { EventStore, RecordedEvent, SubscribeOptions, Subscription } from '../../src/infra/event-store.js';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import type { ReadStore } from '../../src/infra/read-store.js';
import { SqliteEventStore } from '../../src/infra/sqlite-event-store.js';
import { EventPublisher } from '../../src/projections/event-publisher.js';
import { type Projection, op } from '../../src/projections/projection.js';
import { ProjectionRunner } from '../../src/projections/runner.js';

const metadata = { actor: { id: 'a', role: 'city_admin' }, correlationId: 'c', causationId: null, requestId: 'r', schemaVersion: 1 };
const tick = () => ({ id: randomUUID(), type: 'Tick', data: {}, occurredAt: new Date().toISOString(), metadata });

const counter: Projection = {
  name: 'ticks-v1',
  collections: ['ticks'],
  indexes: [{ collection: 'ticks', keys: { n: 1 } }],
  handles: new Set(['Tick']),
  apply: (e: RecordedEvent) => [op('ticks', 'all', e, { inc: { n: 1 } }), op('ticks', e.id, e, { set: { position: e.position } })],
};

/** The real store, but the first `failures` deliveries of a batch fail as a dropped connection would. */
function flaky(inner: EventStore, failures: number): EventStore & { failed: number } {
  const wrapper = Object.create(inner) as EventStore & { failed: number };
  wrapper.failed = 0;
  wrapper.subscribe = (after: number, handler: (batch: RecordedEvent[]) => Promise<void>, options?: SubscribeOptions): Subscription =>
    inner.subscribe(
      after,
      async (batch) => {
        if (wrapper.failed < failures) {
          wrapper.failed++;
          throw new Error('connection to the event store lost');
        }
        await handler(batch);
      },
      options,
    );
  return wrapper;
}

async function logOf(n: number): Promise<SqliteEventStore> {
  const events = SqliteEventStore.open(':memory:', { pollIntervalMs: 10 });
  for (let i = 0; i < n; i++) await events.append(`tick-${i % 3}`, [tick()], 'any');
  return events;
}

describe('ProjectionRunner after failures', () => {
  it('resubscribes from its checkpoint and ends with the read model a clean run builds', async () => {
    const inner = await logOf(40);
    const events = flaky(inner, 3);
    const reads = EmbeddedReadStore.open(null);
    const errors: unknown[] = [];
    const runner = new ProjectionRunner(events, reads, [counter], { batchSize: 7, retry: { initialDelayMs: 1, maxDelayMs: 5 }, onError: (e) => errors.push(e) });
    await runner.start();
    expect(await runner.waitFor(40, 5000)).toBe(true);
    expect(errors).toHaveLength(3);
    expect(String(errors[0])).toContain('connection to the event store lost');
    const health = runner.health(40);
    expect(health).toMatchObject({ state: 'running', ready: true, lag: 0, lastError: null });
    expect(await reads.findOne('ticks', { _id: 'all' })).toMatchObject({ n: 40 });
    expect(await reads.count('ticks', {})).toBe(41);
    await runner.stop();
    await inner.close();
  });

  it('reports the failure while it is retrying', async () => {
    const inner = await logOf(5);
    const events = flaky(inner, Number.POSITIVE_INFINITY);
    const reads = EmbeddedReadStore.open(null);
    let failures = 0;
    const runner = new ProjectionRunner(events, reads, [counter], { retry: { initialDelayMs: 1, maxDelayMs: 2 }, onError: () => failures++ });
    await runner.start();
    while (failures < 3) await new Promise((r) => setTimeout(r, 5));
    const health = runner.health(5);
    expect(health.state).toBe('retrying');
    expect(health.ready).toBe(false);
    expect(health.lastError).toContain('connection to the event store lost');
    expect(health.lag).toBe(5);
    await runner.stop();
    await inner.close();
  });

  it('is failed, not silently idle, when start() fails', async () => {
    const events = await logOf(1);
    const inner = EmbeddedReadStore.open(null);
    const reads = Object.create(inner) as ReadStore;
    reads.ensureIndexes = async () => {
      throw new Error('index ticks_n cannot be created');
    };
    const runner = new ProjectionRunner(events, reads, [counter]);
    await expect(runner.start()).rejects.toThrow('index ticks_n');
    expect(runner.health(1)).toMatchObject({ state: 'failed', ready: false, lastError: 'Error: index ticks_n cannot be created' });
    await events.close();
  });

  it('is stalled when it stays behind the head without progress', async () => {
    const inner = await logOf(3);
    const events = Object.create(inner) as EventStore;
    events.subscribe = () => ({ close: async () => undefined }); // a subscription that never delivers
    let now = 1_000_000;
    const runner = new ProjectionRunner(events, EmbeddedReadStore.open(null), [counter], { stallAfterMs: 30_000, monotonicNow: () => now });
    await runner.start();
    expect(runner.health(3)).toMatchObject({ state: 'running', stalled: false, ready: true });
    now += 30_001;
    expect(runner.health(3)).toMatchObject({ state: 'running', stalled: true, ready: false, lag: 3 });
    expect(runner.health(0)).toMatchObject({ stalled: false, ready: true }); // nothing to do is not a stall
    await runner.stop();
    await inner.close();
  });
});

describe('ProjectionRunner following another instance', () => {
  it('answers waitFor and health from the checkpoints another runner stores in the shared read store', async () => {
    const events = await logOf(12);
    const shared = EmbeddedReadStore.open(null); // stands for the MongoDB every instance reads
    const follower = new ProjectionRunner(events, shared, [counter]);
    await follower.follow(5);
    expect(follower.health(12)).toMatchObject({ state: 'following', lag: 12 });
    const leader = new ProjectionRunner(events, shared, [counter], { batchSize: 5 });
    await leader.start();
    expect(await follower.waitFor(12, 5000)).toBe(true);
    expect(follower.health(12)).toMatchObject({ state: 'following', ready: true, lag: 0, position: 12 });
    // Taking over: the follower starts projecting from the shared checkpoints, rebuilding nothing.
    await leader.stop();
    await follower.start();
    await events.append('tick-9', [tick()], 'any');
    expect(await follower.waitFor(13, 5000)).toBe(true);
    expect(await shared.findOne('ticks', { _id: 'all' })).toMatchObject({ n: 13 });
    await follower.stop();
    await events.close();
  });
});

describe('EventPublisher after bus failures', () => {
  it('publishes every event from its checkpoint again, none lost', async () => {
    const events = await logOf(25);
    const reads = EmbeddedReadStore.open(null);
    const received = new Map<string, number>();
    let failuresLeft = 3;
    const bus: Bus = {
      async publishLive(_u: LiveUpdate) {},
      onLive: () => () => undefined,
      async publishEvents(batch) {
        if (failuresLeft-- > 0) throw new Error('NATS unavailable');
        for (const e of batch) received.set(e.id, (received.get(e.id) ?? 0) + 1);
      },
      async close() {},
    };
    let errors = 0;
    const publisher = new EventPublisher(events, reads, bus, { batchSize: 4, retry: { initialDelayMs: 1, maxDelayMs: 4 }, onError: () => errors++ });
    await publisher.start();
    while (publisher.position < 25) await new Promise((r) => setTimeout(r, 5));
    expect(errors).toBe(3);
    expect(received.size).toBe(25);
    expect([...received.values()].every((n) => n === 1)).toBe(true);
    expect(await reads.getCheckpoint('integration-events')).toBe(25);
    await publisher.stop();
    await events.close();
  });
});

describe('EventPublisher after its checkpoint failed to move', () => {
  it('resumes where the bus says it got to, not from the stale checkpoint: no event published twice', async () => {
    const events = await logOf(25);
    const reads = EmbeddedReadStore.open(null);
    const received = new Map<string, number>();
    let last: { position: number; logIdentity: string | null } | null = null;
    const bus: Bus = {
      async publishLive(_u: LiveUpdate) {},
      onLive: () => () => undefined,
      async publishEvents(batch, logIdentity) {
        for (const e of batch) received.set(e.id, (received.get(e.id) ?? 0) + 1);
        last = { position: batch.at(-1)!.position, logIdentity: logIdentity ?? null };
      },
      lastPublished: async () => last,
      async close() {},
    };
    // The bus took the batch; the read store refused its checkpoint twice (past the bus's de-duplication window, say).
    let refusals = 2;
    const commit = reads.commit.bind(reads);
    reads.commit = async (name, ops, checkpoint) => {
      if (name === 'integration-events' && checkpoint > 0 && refusals-- > 0) throw new Error('read store away');
      return commit(name, ops, checkpoint);
    };
    const publisher = new EventPublisher(events, reads, bus, { batchSize: 4, retry: { initialDelayMs: 1, maxDelayMs: 4 } });
    await publisher.start();
    while (publisher.position < 25) await new Promise((r) => setTimeout(r, 5));
    expect(refusals).toBeLessThan(0);
    expect(received.size).toBe(25);
    expect([...received.entries()].filter(([, n]) => n > 1)).toEqual([]);
    await publisher.stop();
    await events.close();
  });
});

describe('ProjectionRunner at the end of a long catch-up', () => {
  /** A derived read model that only catches up. */
  const derivedWith = (catchUp: NonNullable<Projection['catchUp']>): Projection => ({
    name: 'derived-v1',
    collections: ['derived'],
    indexes: [],
    handles: new Set(),
    apply: () => [],
    catchUp,
  });

  it('calls beforeBulkEnd once the log is read, before the store leaves bulk mode and the derived models catch up; not without a bulk', async () => {
    const events = await logOf(30);
    const steps: string[] = [];
    const derived = derivedWith(async () => void steps.push('catch-up'));
    for (const bulkAfterLag of [0, 1_000]) {
      const reads = EmbeddedReadStore.open(null);
      const setBulk = reads.setBulk.bind(reads);
      reads.setBulk = (on, names) => {
        steps.push(`bulk ${on}`);
        return setBulk(on, names);
      };
      const runner = new ProjectionRunner(events, reads, [counter, derived], { batchSize: 10, bulkAfterLag, beforeBulkEnd: () => steps.push(`log read at ${runner.position}`) });
      await runner.start();
      expect(await runner.waitFor(30, 5000)).toBe(true);
      await runner.stop();
      await reads.close();
    }
    // The hook comes with the last batch (at 20 the runner has answered the batches before it).
    expect(steps).toEqual(['bulk true', 'log read at 20', 'bulk false', 'catch-up']);
    await events.close();
  });

  it('counts the events behind when positions are wider than one an event (EventStoreDB: byte offsets)', async () => {
    const inner = await logOf(30);
    // The real store, its head reported as a log of ~1 KB events would place it.
    const events = Object.create(inner) as EventStore;
    events.headPosition = async () => (await inner.headPosition()) * 1_000;
    const bulks: number[] = [];
    for (const bulkAfterLag of [1_000, 10]) {
      const reads = EmbeddedReadStore.open(null);
      const setBulk = reads.setBulk.bind(reads);
      reads.setBulk = (on, names) => {
        if (on) bulks.push(bulkAfterLag);
        return setBulk(on, names);
      };
      const runner = new ProjectionRunner(events, reads, [counter], { batchSize: 10, bulkAfterLag });
      await runner.start();
      expect(await runner.waitFor(30, 5000)).toBe(true);
      expect(await reads.findOne('ticks', { _id: 'all' })).toMatchObject({ n: 30 });
      await runner.stop();
      await reads.close();
    }
    // 30 events behind: not more than 1,000 (though 30,000 positions), more than 10.
    expect(bulks).toEqual([10]);
    await inner.close();
  });

  it("commits a derived model's catch-up in parts as it gives them, its checkpoint moving once the last is in", async () => {
    const events = await logOf(30);
    const reads = EmbeddedReadStore.open(null);
    // A part larger than the runner commits at a time, then one it takes whole.
    const derived = derivedWith(async (_store, position, commit) => {
      await commit(Array.from({ length: 2_500 }, (_, i) => ({ collection: 'derived', id: `d${i}`, position, set: { i } })));
      await commit([{ collection: 'derived', id: 'last', position, set: { i: -1 } }]);
    });
    const commits: [string, number, number][] = [];
    const commit = reads.commit.bind(reads);
    reads.commit = (name, ops, checkpoint) => {
      commits.push([name, ops.length, checkpoint]);
      return commit(name, ops, checkpoint);
    };
    const runner = new ProjectionRunner(events, reads, [counter, derived], { batchSize: 10, bulkAfterLag: 0 });
    await runner.start();
    expect(await runner.waitFor(30, 5000)).toBe(true);
    expect(commits.filter(([name]) => name === 'derived-v1')).toEqual([
      ['derived-v1', 1_000, 0],
      ['derived-v1', 1_000, 0],
      ['derived-v1', 500, 0],
      ['derived-v1', 1, 0],
      ['derived-v1', 0, 30],
    ]);
    expect(await reads.count('derived', {})).toBe(2_501);
    expect(await reads.getCheckpoint('derived-v1')).toBe(30);
    await runner.stop();
    await reads.close();
    await events.close();
  });
});
