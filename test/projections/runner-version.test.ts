// A projection whose version (name) changes rebuilds from empty collections, not on top of the old ones.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../src/infra/event-store.js';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import { SqliteEventStore } from '../../src/infra/sqlite-event-store.js';
import { type Projection, op } from '../../src/projections/projection.js';
import { ProjectionRunner } from '../../src/projections/runner.js';

const counter = (name: string, field: string): Projection => ({
  name,
  collections: ['counts'],
  indexes: [],
  handles: new Set(['Tick']),
  apply: (e: RecordedEvent) => [op('counts', 'all', e, { inc: { [field]: 1 } })],
});

describe('ProjectionRunner and projection versions', () => {
  it('drops what an earlier version built when the name changes', async () => {
    const events = SqliteEventStore.open(':memory:');
    const reads = EmbeddedReadStore.open(null);
    const metadata = { actor: { id: 'a', role: 'city_admin' as const }, correlationId: 'c', causationId: null, requestId: 'r', schemaVersion: 1 };
    for (let i = 0; i < 3; i++) await events.append('tick-1', [{ id: randomUUID(), type: 'Tick', data: {}, occurredAt: new Date().toISOString(), metadata }], 'any');
    const v1 = new ProjectionRunner(events, reads, [counter('counts-v1', 'ticks')]);
    await v1.start();
    expect(await v1.waitFor(3, 5000)).toBe(true);
    await v1.stop();
    expect(await reads.findOne('counts', { _id: 'all' })).toMatchObject({ ticks: 3 });

    const v2 = new ProjectionRunner(events, reads, [counter('counts-v2', 'n')]);
    await v2.start();
    expect(await v2.waitFor(3, 5000)).toBe(true);
    await v2.stop();
    const doc = await reads.findOne('counts', { _id: 'all' });
    expect(doc).toMatchObject({ n: 3 });
    expect(doc).not.toHaveProperty('ticks'); // nothing of v1 survives

    // A restart under the same name keeps what it built and resumes.
    const again = new ProjectionRunner(events, reads, [counter('counts-v2', 'n')]);
    await again.start();
    expect(await again.waitFor(3, 5000)).toBe(true);
    await again.stop();
    expect(await reads.findOne('counts', { _id: 'all' })).toMatchObject({ n: 3 });
    await events.close();
  });
});

describe('the read models', () => {
  it('each own their collections (a rebuild of one must not wipe another)', async () => {
    const { allProjections } = await import('../../src/projections/index.js');
    const collections = allProjections.flatMap((p) => p.collections);
    expect(new Set(collections).size).toBe(collections.length);
    expect(new Set(allProjections.map((p) => p.name)).size).toBe(allProjections.length);
  });
});
