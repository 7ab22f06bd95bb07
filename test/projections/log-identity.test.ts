// Checkpoints are positions in one log. Read models kept while the log was wiped and recreated (or
// swapped for another) are rebuilt from the new log, with a notice, instead of skipping its events.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../src/infra/event-store.js';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import { SqliteEventStore } from '../../src/infra/sqlite-event-store.js';
import { type Projection, op } from '../../src/projections/projection.js';
import { ProjectionRunner } from '../../src/projections/runner.js';

const metadata = { actor: { id: 'a', role: 'city_admin' }, correlationId: 'c', causationId: null, requestId: 'r', schemaVersion: 1 };
const counter: Projection = {
  name: 'ticks-v1',
  collections: ['ticks'],
  indexes: [],
  handles: new Set(['Tick']),
  apply: (e: RecordedEvent) => [op('ticks', 'all', e, { inc: { n: 1 } }), op('ticks', e.id, e, { set: { at: e.position } })],
};

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

async function run(eventsFile: string, readsDir: string, ticks: number) {
  const events = SqliteEventStore.open(eventsFile);
  for (let i = 0; i < ticks; i++) await events.append('tick-1', [{ id: randomUUID(), type: 'Tick', data: {}, occurredAt: new Date().toISOString(), metadata }], 'any');
  const reads = EmbeddedReadStore.open(readsDir, { persistDelayMs: 0 });
  const notices: string[] = [];
  const runner = new ProjectionRunner(events, reads, [counter], { onNotice: (m) => notices.push(m) });
  await runner.start();
  const head = await events.headPosition();
  expect(await runner.waitFor(head, 5000)).toBe(true);
  const all = await reads.findOne('ticks', { _id: 'all' });
  const docs = await reads.count('ticks', {});
  const identity = await events.logIdentity();
  await runner.stop();
  await reads.close();
  await events.close();
  return { n: all?.n, docs, notices, identity, head };
}

describe('read models tied to their log', () => {
  it('rebuilds when events.db was wiped and recreated while read-models.db was kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'isp-identity-'));
    dirs.push(dir);
    const first = await run(join(dir, 'events.db'), dir, 5);
    expect(first).toMatchObject({ n: 5, docs: 6, notices: [] });

    // The same log again: resumes, no rebuild.
    const again = await run(join(dir, 'events.db'), dir, 1);
    expect(again).toMatchObject({ n: 6, docs: 7, notices: [], identity: first.identity });

    for (const f of ['events.db', 'events.db-wal', 'events.db-shm']) rmSync(join(dir, f), { force: true });
    // A new log with fewer events than the checkpoint: without the identity the runner would wait at 6.
    const wiped = await run(join(dir, 'events.db'), dir, 2);
    expect(wiped.identity).not.toBe(first.identity);
    expect(wiped).toMatchObject({ n: 2, docs: 3, head: 2 });
    expect(wiped.notices).toHaveLength(1);
    expect(wiped.notices[0]).toContain(`built from log ${first.identity}`);
  });

  it('rebuilds when pointed at another log with more events (which it would otherwise half skip)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'isp-identity-'));
    dirs.push(dir);
    await run(join(dir, 'a.db'), dir, 3);
    const other = await run(join(dir, 'b.db'), dir, 7);
    expect(other).toMatchObject({ n: 7, docs: 8 });
    expect(other.notices).toHaveLength(1);
  });
});
