// Stream snapshots: a cold load of a long stream reads one row and the events after it, and reaches the
// same state as reading every event; a snapshot the log does not back, or of other code, is not used.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandHandler, SNAPSHOT_EVERY, snapshotMark } from '../../src/application/command-handler.js';
import { domainFingerprint } from '../../src/application/domain-fingerprint.js';
import { type ProjectCommand, projectDecider, projectStream } from '../../src/domain/project.js';
import type { Actor } from '../../src/domain/shared.js';
import type { EventStore } from '../../src/infra/event-store.js';
import { SqliteEventStore } from '../../src/infra/sqlite-event-store.js';
import { SqliteSnapshotStore } from '../../src/infra/snapshot-store.js';

const officer: Actor = { id: 'officer-1', role: 'housing_dept', district: 'nanshan', name: '南山区住房和建设局' };
const stream = projectStream('p1');
const register: ProjectCommand = {
  type: 'RegisterProject',
  projectId: 'p1',
  fields: { name: '南头科技研发中心', district: 'nanshan', address: '南山区南头街道中山园路142号', useType: 'rnd', supplyModes: ['rent'], totalArea: 26_661 },
};
const update = (i: number): ProjectCommand => ({ type: 'UpdateProject', changes: { managementFee: 5 + i / 100 }, reason: '物业管理费调整' });

/** The store, with the number of events each readStream answered. */
function counting(store: EventStore): { store: EventStore; reads: number[] } {
  const reads: number[] = [];
  const proxy = new Proxy(store, {
    get(target, key) {
      if (key === 'readStream') {
        return async (...args: Parameters<EventStore['readStream']>) => {
          const events = await target.readStream(...args);
          reads.push(events.length);
          return events;
        };
      }
      const value = Reflect.get(target, key) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: proxy, reads };
}

describe('snapshotMark', () => {
  it('is the newest revision ≤ the one given after which the events are a multiple of every (-1: none)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1, max: 500 }), fc.integer({ min: 1, max: 40 }), (revision, every) => {
        let newest = -1;
        for (let r = 0; r <= revision; r++) if ((r + 1) % every === 0) newest = r;
        expect(snapshotMark(revision, every)).toBe(newest);
      }),
    );
    expect(snapshotMark(SNAPSHOT_EVERY - 2)).toBe(-1);
    expect(snapshotMark(SNAPSHOT_EVERY - 1)).toBe(SNAPSHOT_EVERY - 1);
  });
});

describe('CommandHandler with snapshots', () => {
  let dir: string;
  let events: SqliteEventStore;
  let snapshots: SqliteSnapshotStore;
  const clock = () => new Date('2026-01-05T02:00:00.000Z');
  /** `n` events on p1: the registration and n - 1 updates, through a handler of its own. */
  const append = async (n: number, store: SqliteSnapshotStore | null = snapshots) => {
    const h = new CommandHandler(events, { clock, snapshots: store ?? undefined });
    await h.execute(projectDecider, stream, 'p1', register, { actor: officer });
    for (let i = 1; i < n; i++) await h.execute(projectDecider, stream, 'p1', update(i), { actor: officer });
  };
  const truth = () => new CommandHandler(events).load(projectDecider, stream);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'isp-snapshots-'));
    events = SqliteEventStore.open(join(dir, 'events.db'));
    snapshots = SqliteSnapshotStore.open(join(dir, 'snapshots.db'), 'code-1');
  });
  afterEach(async () => {
    snapshots.close();
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes them every snapshotEvery events where that is given, and refuses a count that is not a whole number ≥ 1', async () => {
    const h = new CommandHandler(events, { clock, snapshots, snapshotEvery: 4 });
    await h.execute(projectDecider, stream, 'p1', register, { actor: officer });
    for (let i = 1; i < 10; i++) await h.execute(projectDecider, stream, 'p1', update(i), { actor: officer });
    snapshots.flush();
    expect(snapshots.get(stream)?.revision).toBe(7); // the 8th event: the newest multiple of 4 among 10
    const { store, reads } = counting(events);
    const cold = await new CommandHandler(store, { clock, snapshots, snapshotEvery: 4 }).load(projectDecider, stream);
    expect(reads).toEqual([3]); // revisions 7, 8 and 9
    expect(cold).toStrictEqual(await truth());
    for (const bad of [0, -1, 2.5, Number.NaN]) expect(() => new CommandHandler(events, { snapshotEvery: bad })).toThrow(RangeError);
  });

  it('takes one each time a stream reaches a multiple of SNAPSHOT_EVERY events, and a cold load reads the tail only', async () => {
    const n = 2 * SNAPSHOT_EVERY + 9;
    await append(n);
    snapshots.flush();
    expect(snapshots.get(stream)?.revision).toBe(2 * SNAPSHOT_EVERY - 1);
    const { store, reads } = counting(events);
    const cold = await new CommandHandler(store, { clock, snapshots }).load(projectDecider, stream);
    expect(reads).toEqual([n - (2 * SNAPSHOT_EVERY - 1)]); // the snapshot's own event and the 9 after it
    expect(cold).toStrictEqual(await truth());
    expect(cold.revision).toBe(n - 1);
    // …and decides on it as on the whole stream.
    const next = await new CommandHandler(store, { clock, snapshots }).execute(projectDecider, stream, 'p1', update(99), { actor: officer });
    expect(next.revision).toBe(n);
  });

  it('takes none for a short stream', async () => {
    await append(SNAPSHOT_EVERY - 1);
    snapshots.flush();
    expect(snapshots.get(stream)).toBeUndefined();
  });

  it('takes one when a cold load read many, so the next cold load reads one event', async () => {
    await append(SNAPSHOT_EVERY + 4, null); // written without snapshots
    const first = counting(events);
    await new CommandHandler(first.store, { snapshots }).load(projectDecider, stream);
    expect(first.reads).toEqual([SNAPSHOT_EVERY + 4]);
    snapshots.flush();
    const second = counting(events);
    expect(await new CommandHandler(second.store, { snapshots }).load(projectDecider, stream)).toStrictEqual(await truth());
    expect(second.reads).toEqual([1]);
  });

  it('ignores a snapshot whose event the log does not hold there (a log restored or replaced), and reads every event', async () => {
    await append(SNAPSHOT_EVERY + 4, null);
    const wrong = JSON.stringify({ ...(await truth()).state, units: [] });
    snapshots.put(stream, { revision: 5, eventId: 'not-in-this-log', state: wrong });
    const { store, reads } = counting(events);
    expect(await new CommandHandler(store, { snapshots }).load(projectDecider, stream)).toStrictEqual(await truth());
    expect(reads).toEqual([SNAPSHOT_EVERY + 4 - 5, SNAPSHOT_EVERY + 4]); // the tail from revision 5, then the whole stream
    // A snapshot beyond the log's end (a log cut short): the stream as the log has it.
    snapshots.put('project-absent', { revision: 40, eventId: 'gone', state: wrong });
    expect(await new CommandHandler(events, { snapshots }).load(projectDecider, 'project-absent')).toEqual({ state: projectDecider.initialState, revision: -1 });
  });
});

describe('SqliteSnapshotStore', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'isp-snapshot-store-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const snap = (revision: number) => ({ revision, eventId: `e${revision}`, state: JSON.stringify({ revision }) });

  it('keeps snapshots across a reopen, and never an older over a newer, from any process', () => {
    const file = join(dir, 'snapshots.db');
    const a = SqliteSnapshotStore.open(file, 'code-1');
    const b = SqliteSnapshotStore.open(file, 'code-1');
    a.put('s', snap(31));
    expect(a.get('s')).toEqual(snap(31)); // waiting for its batch, already answered
    a.put('s', snap(15));
    expect(a.get('s')).toEqual(snap(31));
    a.flush();
    b.put('s', snap(15)); // another process, later, with an older state
    b.close();
    a.close();
    const c = SqliteSnapshotStore.open(file, 'code-1');
    expect(c.get('s')).toEqual(snap(31));
    expect(c.get('other')).toBeUndefined();
    c.close();
  });

  it('uses no snapshot of other code, and deletes them when opened by new code', () => {
    const file = join(dir, 'snapshots.db');
    const old = SqliteSnapshotStore.open(file, 'code-1');
    old.put('s', snap(31));
    old.close(); // closing writes what waits
    const next = SqliteSnapshotStore.open(file, 'code-2');
    expect(next.get('s')).toBeUndefined();
    next.put('s', snap(15)); // the new code's, though older: the other code's does not count
    next.close();
    const back = SqliteSnapshotStore.open(file, 'code-1');
    expect(back.get('s')).toBeUndefined(); // deleted when code-2 opened the file, then replaced by code-2's
    back.close();
    const again = SqliteSnapshotStore.open(file, 'code-2');
    expect(again.get('s')).toBeUndefined(); // code-1's open deleted code-2's in turn
    again.close();
  });

  it('answers a failed read as a miss, so the command reads the whole stream instead of failing', async () => {
    const file = join(dir, 'snapshots.db');
    const store = SqliteSnapshotStore.open(file, 'code-1');
    store.put('s', snap(31));
    store.flush();
    const other = new Database(file);
    other.exec('DROP TABLE snapshots'); // a damaged file, as far as the store can tell
    other.close();
    expect(store.get('s')).toBeUndefined();
    expect(store.failures).toBe(1);
    const events = SqliteEventStore.open(':memory:');
    const handler = new CommandHandler(events, { snapshots: store });
    await handler.execute(projectDecider, stream, 'p1', register, { actor: officer });
    expect((await new CommandHandler(events, { snapshots: store }).load(projectDecider, stream)).revision).toBe(0);
    await events.close();
    store.close();
  });

  it('fingerprints the domain code: another file there gives another fingerprint', () => {
    const domain = join(dir, 'domain');
    mkdirSync(domain);
    writeFileSync(join(domain, 'project.ts'), 'export const a = 1;');
    const one = domainFingerprint(domain);
    expect(domainFingerprint(domain)).toBe(one);
    writeFileSync(join(domain, 'project.ts'), 'export const a = 2;');
    expect(domainFingerprint(domain)).not.toBe(one);
    expect(domainFingerprint()).toMatch(/^[0-9a-f]{32}$/); // the platform's own domain folder
  });
});
