// One contract for every EventStore adapter, plus what only the SQLite adapter promises.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyedLock } from '../../src/application/keyed-lock.js';
import { CutEventStore } from '../../src/infra/cut-event-store.js';
import { EsdbEventStore } from '../../src/infra/esdb-event-store.js';
import {
  AppendTooLarge,
  DEFAULT_MAX_APPEND_BYTES,
  WrongExpectedRevision,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type RecordedEvent,
} from '../../src/infra/event-store.js';
import { chainHash } from '../../src/infra/hash-chain.js';
import { SqliteEventStore } from '../../src/infra/sqlite-event-store.js';
import { type Traits, chainCases } from './event-store-chain.js';

const actor = { id: 'user-1', role: 'city_admin' as const, district: 'nanshan' as const, name: '张三' };

/** A live event; with `occurredAt`, a record imported from the legacy platform that keeps its own time. */
function ev(type: string, data: unknown, occurredAt?: string): NewEvent {
  const metadata = { actor, correlationId: randomUUID(), causationId: null, requestId: randomUUID(), schemaVersion: 1, ...(occurredAt ? { imported: true } : {}) };
  return { id: randomUUID(), type, data, occurredAt: occurredAt ?? new Date().toISOString(), metadata };
}

async function waitFor(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function refusal(p: Promise<unknown>): Promise<WrongExpectedRevision> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(WrongExpectedRevision);
  return err as WrongExpectedRevision;
}

const tmpDirs: string[] = [];
function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'event-store-'));
  tmpDirs.push(dir);
  return path.join(dir, 'events.db');
}
afterAll(() => tmpDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));


function eventStoreContract(name: string, open: () => Promise<EventStore>, traits: Traits, enabled = true): void {
  (enabled ? describe : describe.skip)(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    let prefix: string; // unique streams per test, so a shared server's other data does not interfere
    let base: number; // log head before the test
    const s = (n: string) => `${prefix}-${n}`;
    const ours = async (after = base) => (await store.readAll(after, 10_000)).filter((e) => e.stream.startsWith(prefix));

    beforeEach(async () => {
      store = await open();
      prefix = `t${randomUUID().slice(0, 8)}`;
      base = await store.headPosition();
    });
    afterEach(async () => store.close());

    it('round-trips the full envelope', async () => {
      const before = new Date().toISOString();
      const sent = [ev('UnitListed', { unitId: 'u1', area: 1234.5, tags: ['厂房', 'M0'], nested: { a: [1, { b: null }] } }), ev('UnitPriced', { price: 88 }, '2019-03-01T08:00:00.000Z')];
      const result = await store.append(s('unit'), sent, 'no_stream');
      const after = new Date().toISOString();
      const got = await store.readStream(s('unit'));
      expect(got).toHaveLength(2);
      got.forEach((e, i) => {
        // A live event happened when it was recorded; an imported one keeps its historical time.
        const occurredAt = sent[i]!.metadata.imported ? sent[i]!.occurredAt : e.recordedAt;
        expect(e).toMatchObject({ ...sent[i], occurredAt, stream: s('unit'), revision: i });
        expect([e.data, e.metadata]).toEqual([sent[i]!.data, sent[i]!.metadata]); // exact, not partial
        expect(e.recordedAt >= before && e.recordedAt <= after).toBe(true);
        expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
      });
      expect(got[1]!.position).toBeGreaterThan(got[0]!.position);
      expect(result).toEqual({ revision: 1, position: got[1]!.position });
      expect(await store.headPosition()).toBe(result.position);
      expect(await ours()).toEqual(got);
      expect(await store.readStream(s('missing'))).toEqual([]);
    });

    it('numbers revisions from 0 per stream and positions in append order', async () => {
      const r1 = await store.append(s('a'), [ev('A', 1)], 'any');
      const r2 = await store.append(s('b'), [ev('B', 1)], 'any');
      const r3 = await store.append(s('a'), [ev('A', 2), ev('A', 3)], 'any');
      expect([r1.revision, r2.revision, r3.revision]).toEqual([0, 0, 2]);
      expect(r1.position).toBeGreaterThan(base);
      expect(r2.position).toBeGreaterThan(r1.position);
      expect(r3.position).toBeGreaterThan(r2.position);
      expect((await store.readStream(s('a'))).map((e) => e.revision)).toEqual([0, 1, 2]);
      if (traits.densePositions) expect((await ours()).map((e) => e.position)).toEqual([1, 2, 3, 4].map((n) => base + n));
    });

    it('checks no_stream, stream_exists, any and exact expected revisions', async () => {
      expect((await store.append(s('x'), [ev('X', 0)], 'no_stream')).revision).toBe(0);
      let err = await refusal(store.append(s('x'), [ev('X', 1)], 'no_stream'));
      expect([err.stream, err.expected, err.actual]).toEqual([s('x'), 'no_stream', 0]);
      err = await refusal(store.append(s('y'), [ev('Y', 0)], 'stream_exists'));
      expect(err.actual).toBe(-1);
      expect((await store.append(s('x'), [ev('X', 1)], 'stream_exists')).revision).toBe(1);
      expect((await store.append(s('z'), [ev('Z', 0)], 'any')).revision).toBe(0);
      expect((await store.append(s('z'), [ev('Z', 1)], 'any')).revision).toBe(1);
      expect((await store.append(s('x'), [ev('X', 2)], 1)).revision).toBe(2);
      err = await refusal(store.append(s('x'), [ev('X', 3)], 1));
      expect([err.expected, err.actual]).toEqual([1, 2]);
      expect((await refusal(store.append(s('x'), [ev('X', 3)], 7))).actual).toBe(2);
      expect((await refusal(store.append(s('w'), [ev('W', 0)], 0))).actual).toBe(-1);
    });

    it('leaves stream and log exactly as before on every refused append', async () => {
      await store.append(s('x'), [ev('X', 0), ev('X', 1)], 'no_stream');
      const snapshot = async () => ({ x: await store.readStream(s('x')), y: await store.readStream(s('y')), head: await store.headPosition(), all: await ours() });
      const before = await snapshot();
      const attempts: [string, NewEvent[], ExpectedRevision][] = [
        [s('x'), [ev('X', 9)], 'no_stream'],
        [s('y'), [ev('Y', 9)], 'stream_exists'],
        [s('y'), [ev('Y', 9)], 0],
        [s('x'), [ev('X', 9)], 0],
        [s('x'), [ev('X', 9)], 2],
        [s('x'), [ev('X', 7), ev('X', 8), ev('X', 9)], 0],
        [s('y'), [ev('Y', 7), ev('Y', 8)], 'stream_exists'],
      ];
      for (const [stream, events, expected] of attempts) {
        await refusal(store.append(stream, events, expected));
        expect(await snapshot()).toEqual(before);
      }
      const next = await store.append(s('x'), [ev('X', 2)], 1);
      expect(next.revision).toBe(2); // no revision was burnt by the refusals
      if (traits.densePositions) expect(next.position).toBe(before.head + 1);
    });

    it('lets exactly one of many concurrent appends with the same expected revision win', async () => {
      await store.append(s('c'), [ev('C', 0)], 'no_stream');
      const contenders = Array.from({ length: 20 }, (_, i) => ev('C', i));
      const settled = await Promise.allSettled(contenders.map((e) => store.append(s('c'), [e], 0)));
      const won = settled.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of settled) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(WrongExpectedRevision);
      const stream = await store.readStream(s('c'));
      expect(stream).toHaveLength(2);
      expect(contenders.map((e) => e.id)).toContain(stream[1]!.id);
      const fresh = await Promise.allSettled(contenders.slice(0, 5).map((e) => store.append(s('n'), [e], 'no_stream')));
      expect(fresh.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    });

    it('lands many concurrent appends to different streams with distinct, ordered positions', async () => {
      const n = 200;
      const appends = Array.from({ length: n }, (_, i) => ({ stream: s(`p${i}`), event: ev('P', { i }) }));
      // Refused appends mixed into the same ticks must not take the others down with them.
      const doomed = Array.from({ length: 10 }, (_, i) => store.append(s(`p${i * 7}`), [ev('P', 'late')], 5));
      const results = await Promise.all(appends.map((a) => store.append(a.stream, [a.event], 'no_stream')));
      for (const d of doomed) await refusal(d);
      const log = await ours();
      expect(log.map((e) => e.id).sort()).toEqual(appends.map((a) => a.event.id).sort());
      const positions = log.map((e) => e.position);
      expect(new Set(positions).size).toBe(n);
      positions.slice(1).forEach((p, i) => expect(p).toBeGreaterThan(positions[i]!));
      const byId = new Map(log.map((e) => [e.id, e.position]));
      results.forEach((r, i) => expect(r).toEqual({ revision: 0, position: byId.get(appends[i]!.event.id) }));
      if (traits.densePositions) expect(positions).toEqual(positions.map((_, i) => base + 1 + i));
    });

    it('reads a stream up to a revision and as it stood at a business time', async () => {
      const days = ['2020-01-01', '2020-01-02', '2020-01-03', '2020-01-04', '2020-01-05'];
      await store.append(s('h'), days.map((d, i) => ev('H', i, `${d}T00:00:00.000Z`)), 'no_stream');
      const revs = async (o: Parameters<EventStore['readStream']>[1]) => (await store.readStream(s('h'), o)).map((e) => e.revision);
      expect(await revs({ toRevision: 2 })).toEqual([0, 1, 2]);
      expect(await revs({ toRevision: 0 })).toEqual([0]);
      expect(await revs({ toRevision: 99 })).toEqual([0, 1, 2, 3, 4]);
      expect(await revs({ occurredUntil: '2020-01-03T00:00:00.000Z' })).toEqual([0, 1, 2]); // inclusive
      expect(await revs({ occurredUntil: '2020-01-02T23:59:59.999Z' })).toEqual([0, 1]);
      expect(await revs({ occurredUntil: '2019-12-31T00:00:00.000Z' })).toEqual([]);
      expect(await revs({ toRevision: 1, occurredUntil: '2020-01-04T00:00:00.000Z' })).toEqual([0, 1]);
      // The tail after a snapshot: from a revision on, alone and with the other bounds.
      expect(await revs({ fromRevision: 3 })).toEqual([3, 4]);
      expect(await revs({ fromRevision: 0 })).toEqual([0, 1, 2, 3, 4]);
      expect(await revs({ fromRevision: 4 })).toEqual([4]);
      expect(await revs({ fromRevision: 5 })).toEqual([]);
      expect(await revs({ fromRevision: 1, toRevision: 2 })).toEqual([1, 2]);
      expect(await revs({ fromRevision: 3, toRevision: 2 })).toEqual([]);
      expect(await revs({ fromRevision: 2, occurredUntil: '2020-01-04T00:00:00.000Z' })).toEqual([2, 3]);
      expect((await store.readStream(s('h'), { fromRevision: 3 })).map((e) => e.data)).toEqual([3, 4]);
      expect(await store.readStream(s('none'), { fromRevision: 2 })).toEqual([]);
    });

    it('pages through the whole log in order', async () => {
      for (let i = 0; i < 25; i++) await store.append(s(`g${i % 3}`), [ev('G', i)], 'any');
      const whole = await ours();
      expect(whole).toHaveLength(25);
      const paged: RecordedEvent[] = [];
      let pages = 0;
      for (let after = base; ; pages++) {
        const page = await store.readAll(after, 7);
        expect(page.length).toBeLessThanOrEqual(7);
        if (page.length === 0) break;
        paged.push(...page);
        after = page[page.length - 1]!.position;
      }
      expect(paged.filter((e) => e.stream.startsWith(prefix))).toEqual(whole);
      if (traits.densePositions) expect(pages).toBe(4);
      expect(whole.map((e) => e.data)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    });

    it('counts the events after a position, up to a bound', async () => {
      for (let i = 0; i < 5; i++) await store.append(s('c'), [ev('C', i)], 'any');
      const mine = await ours();
      expect(await store.countAfter(base, 100)).toBe(5);
      expect(await store.countAfter(base, 3)).toBe(3);
      expect(await store.countAfter(mine[1]!.position, 100)).toBe(3);
      expect(await store.countAfter(mine[4]!.position, 100)).toBe(0);
      expect(await store.countAfter(base, 0)).toBe(0);
    });

    it('subscribes: catches up, then receives live appends in order, exactly once', async () => {
      for (let i = 0; i < 10; i++) await store.append(s('l'), [ev('L', i)], 'any');
      const got: RecordedEvent[] = [];
      let inFlight = 0;
      let maxInFlight = 0;
      const sub = store.subscribe(base, async (batch) => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        expect(batch.length).toBeLessThanOrEqual(3);
        await sleep(5);
        got.push(...batch.filter((e) => e.stream.startsWith(prefix)));
        inFlight--;
      }, { batchSize: 3 });
      await waitFor(() => got.length >= 10, 'catch-up');
      await Promise.all([0, 1, 2, 3, 4].map((i) => store.append(s(`live${i % 2}`), [ev('L', 10 + i)], 'any')));
      await waitFor(() => got.length >= 15, 'live events');
      // A sentinel appended last arrives after any duplicate of an earlier event would have.
      await store.append(s('l'), [ev('L', 'sentinel')], 'any');
      await waitFor(() => got.some((e) => e.data === 'sentinel'), 'the sentinel');
      const log = await ours();
      expect(got.map((e) => e.id)).toEqual(log.map((e) => e.id));
      expect(got).toHaveLength(16);
      expect(maxInFlight).toBe(1); // the next batch waits for the handler
      await sub.close();
      // An event after close reaches a subscription still open, and not the closed one.
      const probe: RecordedEvent[] = [];
      const open = store.subscribe(log.at(-1)!.position, async (batch) => void probe.push(...batch));
      await store.append(s('l'), [ev('L', 'after close')], 'any');
      await waitFor(() => probe.some((e) => e.data === 'after close'), 'the event after close, on an open subscription');
      await open.close();
      expect(got).toHaveLength(16);
    });

    it('subscribes from a middle position', async () => {
      for (let i = 0; i < 6; i++) await store.append(s('m'), [ev('M', i)], 'any');
      const log = await ours();
      const got: RecordedEvent[] = [];
      const sub = store.subscribe(log[2]!.position, async (batch) => void got.push(...batch));
      await waitFor(() => got.length >= 3, 'events after the middle');
      await store.append(s('m'), [ev('M', 6)], 'any');
      await waitFor(() => got.length >= 4, 'live event');
      expect(got.map((e) => e.data)).toEqual([3, 4, 5, 6]);
      await sub.close();
    });

    it('stops a subscription whose handler throws', async () => {
      await store.append(s('t'), [ev('T', 0)], 'no_stream');
      let calls = 0;
      const sub = store.subscribe(base, async () => {
        calls++;
        throw new Error('projection bug');
      });
      await waitFor(() => calls > 0, 'first batch');
      await store.append(s('t'), [ev('T', 1)], 0);
      // A healthy subscription from the same place receiving T1 is the signal that it was delivered.
      const probe: RecordedEvent[] = [];
      const healthy = store.subscribe(base, async (batch) => void probe.push(...batch));
      await waitFor(() => probe.some((e) => e.stream === s('t') && e.data === 1), 'T1 on a healthy subscription');
      await healthy.close();
      expect(calls).toBe(1);
      await sub.close();
    });

    it('refuses an append over the append limit (EventStoreDB\'s 1 MiB) with AppendTooLarge and writes nothing', async () => {
      await store.append(s('big'), [ev('Small', { n: 1 })], 'no_stream');
      const head = await store.headPosition();
      const half = 'x'.repeat(DEFAULT_MAX_APPEND_BYTES / 2);
      const err = await store.append(s('big'), [ev('Big', { half }), ev('Big', { half })], 0).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(AppendTooLarge);
      expect((err as AppendTooLarge).limit).toBe(DEFAULT_MAX_APPEND_BYTES);
      expect(await store.headPosition()).toBe(head);
      expect(await store.readStream(s('big'))).toHaveLength(1);
      await store.append(s('big'), [ev('Big', { half })], 0); // one half fits
    });

    it('finds events by id, in log order, and leaves out ids it does not hold', async () => {
      const first = [ev('A', 0), ev('B', 1)];
      const second = [ev('C', 2)];
      await store.append(s('x'), first, 'no_stream');
      await store.append(s('y'), second, 'no_stream');
      const unknown = randomUUID();
      const got = await store.eventsById([second[0]!.id, unknown, first[0]!.id, second[0]!.id]);
      expect(got.map((e) => e.id)).toEqual([first[0]!.id, second[0]!.id]);
      const [a, c] = got;
      expect(a).toMatchObject({ stream: s('x'), revision: 0, type: 'A', data: 0, metadata: first[0]!.metadata });
      expect(c).toMatchObject({ stream: s('y'), revision: 0, type: 'C', data: 2 });
      expect(c!.position).toBeGreaterThan(a!.position);
      // The same envelope as every other read.
      expect(c).toEqual((await store.readStream(s('y')))[0]);
      expect(await store.eventsById([unknown])).toEqual([]);
      expect(await store.eventsById([])).toEqual([]);
    });

    it('has a log identity that stays the same', async () => {
      const identity = await store.logIdentity();
      expect(identity).toMatch(/^[0-9a-f-]{36}$/);
      expect(await store.logIdentity()).toBe(identity);
    });

    chainCases({ store: () => store, base: () => base, prefix: () => prefix, s, ev, traits });

    it('verifies an intact log', async () => {
      await store.append(s('v'), [ev('V', 0), ev('V', 1)], 'no_stream');
      await store.append(s('w'), [ev('W', 0)], 'no_stream');
      const result = await store.verify();
      expect(result.ok).toBe(true);
      expect(result.firstBadPosition).toBeUndefined();
      if (traits.densePositions) expect(result.checked).toBe(base + 3);
      else expect(result.checked).toBeGreaterThanOrEqual(3);
    });
  });
}

// verify() checks in one pass, or in position ranges at once on threads (a large log's way, forced here
// on five events: ranges (…, 2] and (2, …)); both must give the one pass's answer.
describe.each([
  ['one pass', { threads: 1 }],
  ['two threads', { threads: 2, minRowsPerThread: 1 }],
])('SqliteEventStore: tamper evidence (%s)', (_how, tuning) => {
  /** A file with 5 events at positions 1..5, opened by the store, and a raw connection to tamper with. */
  async function fiveEvents(streams = ['unit-a', 'unit-b']) {
    const file = tempFile();
    const store = SqliteEventStore.open(file, { verify: tuning });
    for (let i = 0; i < 5; i++) await store.append(streams[i % 2]!, [ev('E', { amount: i })], 'any');
    return { file, store, raw: new Database(file) };
  }

  it.each([
    ['altered data', 3, (raw: Database.Database) => raw.prepare(`UPDATE events SET data = '{"amount":999}' WHERE position = 3`).run()],
    ['altered data at the end of a range', 2, (raw: Database.Database) => raw.prepare(`UPDATE events SET data = '{"amount":999}' WHERE position = 2`).run()],
    ['altered occurredAt', 2, (raw: Database.Database) => raw.prepare(`UPDATE events SET occurred_at = '2001-01-01T00:00:00.000Z' WHERE position = 2`).run()],
    ['altered stored hash', 4, (raw: Database.Database) => raw.prepare(`UPDATE events SET hash = upper(hash) WHERE position = 4`).run()],
    ['a stored hash split over two rows', 2, (raw: Database.Database) => raw.exec(
      'UPDATE events SET hash = substr(hash, 1, 63) WHERE position = 2; UPDATE events SET hash = \'x\' || hash WHERE position = 3;')],
    ['removed row', 3, (raw: Database.Database) => raw.prepare('DELETE FROM events WHERE position = 3').run()],
    ['removed row at the end of a range', 2, (raw: Database.Database) => raw.prepare('DELETE FROM events WHERE position = 2').run()],
    ['swapped rows', 2, (raw: Database.Database) => raw.exec(
      'UPDATE events SET position = -1 WHERE position = 2; UPDATE events SET position = 2 WHERE position = 4; UPDATE events SET position = 4 WHERE position = -1;')],
    ['inserted row below the start', 0, (raw: Database.Database) => raw.exec(
      `INSERT INTO events SELECT 0, stream, 99, id, type, data, metadata, occurred_at, recorded_at, hash FROM events WHERE position = 1`)],
  ])('verify() reports %s at the right position', async (_what, bad, tamper) => {
    const { store, raw } = await fiveEvents();
    expect(await store.verify()).toEqual({ ok: true, checked: 5 });
    tamper(raw);
    const result = await store.verify();
    expect(result.ok).toBe(false);
    expect(result.firstBadPosition).toBe(bad);
    raw.close();
    await store.close();
  });

  it('checks rows whose fields JSON must escape (hashed field by field) like any other', async () => {
    const { store, raw } = await fiveEvents(['unit-"quoted"', 'unit-\\back\nline']);
    expect(await store.verify({ linkAt: 3 })).toMatchObject({ ok: true, checked: 5, link: { position: 3 } });
    raw.prepare(`UPDATE events SET data = '{"amount":999}' WHERE position = 4`).run();
    expect(await store.verify()).toEqual({ ok: false, checked: 4, firstBadPosition: 4 });
    raw.close();
    await store.close();
  });

  it('re-hashing an altered row moves the break to the next row instead of hiding it', async () => {
    const { store, raw } = await fiveEvents();
    for (const at of [3, 2]) { // 2 ends the first range
      const [prev, row] = await store.readAll(at - 2, 2);
      const forged = { ...row!, data: { amount: 999 } };
      const { hash: _old, ...envelope } = forged;
      raw.prepare('UPDATE events SET data = ?, hash = ? WHERE position = ?')
        .run(JSON.stringify(forged.data), chainHash(prev!.hash!, envelope), at);
      expect(await store.verify()).toMatchObject({ ok: false, firstBadPosition: at + 1 });
    }
    raw.close();
    await store.close();
  });
});

describe('SqliteEventStore: durability, other processes', () => {
  it('survives close and reopen, and continues positions and revisions', async () => {
    const file = tempFile();
    let store = SqliteEventStore.open(file);
    await store.append('unit-1', [ev('A', 0), ev('A', 1)], 'no_stream');
    await store.append('unit-2', [ev('B', 0)], 'no_stream');
    const pending = store.append('unit-1', [ev('A', 2)], 1); // not awaited: close() must still write it
    await store.close();
    await expect(pending).resolves.toEqual({ revision: 2, position: 4 });
    store = SqliteEventStore.open(file);
    const all = await store.readAll(0, 100);
    expect(all.map((e) => [e.stream, e.revision, e.position, e.data])).toEqual([['unit-1', 0, 1, 0], ['unit-1', 1, 2, 1], ['unit-2', 0, 3, 0], ['unit-1', 2, 4, 2]]);
    expect(await store.headPosition()).toBe(4);
    await refusal(store.append('unit-1', [ev('A', 'stale')], 1));
    expect(await store.append('unit-1', [ev('A', 3)], 2)).toEqual({ revision: 3, position: 5 });
    expect(await store.verify()).toEqual({ ok: true, checked: 5 });
    await store.close();
  });

  it('a second instance on the same file sees appends through its subscription, and writers stay consistent', async () => {
    const file = tempFile();
    const writer = SqliteEventStore.open(file);
    const other = SqliteEventStore.open(file, { pollIntervalMs: 50 });
    const got: RecordedEvent[] = [];
    const sub = other.subscribe(0, async (batch) => void got.push(...batch));
    await writer.append('unit-1', [ev('A', 0)], 'no_stream');
    await writer.append('unit-1', [ev('A', 1), ev('A', 2)], 0);
    await waitFor(() => got.length >= 3, 'events from the other instance');
    expect(got.map((e) => e.position)).toEqual([1, 2, 3]);
    expect(got).toEqual(await writer.readAll(0, 10));
    // The other instance writes too: the first one's cached head of unit-1 (2) is now stale.
    expect(await other.append('unit-1', [ev('A', 3)], 2)).toEqual({ revision: 3, position: 4 });
    expect((await refusal(writer.append('unit-1', [ev('A', 'stale')], 2))).actual).toBe(3);
    expect(await writer.append('unit-1', [ev('A', 4)], 3)).toEqual({ revision: 4, position: 5 });
    await waitFor(() => got.length >= 5, 'both writers\u2019 events');
    expect(got.map((e) => e.position)).toEqual([1, 2, 3, 4, 5]);
    expect(await writer.verify()).toEqual({ ok: true, checked: 5 });
    await sub.close();
    await Promise.all([writer.close(), other.close()]);
  });

  it('wakes in-process subscribers on append without waiting for the poll, and reports a handler error', async () => {
    const store = SqliteEventStore.open(tempFile(), { pollIntervalMs: 60_000 });
    const got: RecordedEvent[] = [];
    const sub = store.subscribe(0, async (batch) => void got.push(...batch));
    await sleep(50); // the subscription is idle now
    await store.append('s', [ev('A', 0)], 'no_stream');
    await waitFor(() => got.length === 1, 'an immediate wake-up', 1000);
    await sub.close();
    const failure = new Error('projection bug');
    const errors: unknown[] = [];
    store.subscribe(0, () => Promise.reject(failure), { onError: (e) => errors.push(e) });
    await waitFor(() => errors.length > 0, 'onError');
    expect(errors).toEqual([failure]);
    await store.close();
  });

  it('refuses a malformed event without failing the appends committed with it', async () => {
    const store = SqliteEventStore.open(tempFile());
    const bad = store.append('bad', [ev('A', 0), ev('A', { n: 1n })], 'no_stream'); // BigInt is not JSON
    const good = store.append('good', [ev('A', 0)], 'no_stream');
    await expect(bad).rejects.toThrow(TypeError);
    await expect(good).resolves.toEqual({ revision: 0, position: 1 });
    expect(await store.readStream('bad')).toEqual([]);
    expect(await store.verify()).toEqual({ ok: true, checked: 1 });
    await store.close();
  });

  it('keeps its log identity across reopen; another file has another', async () => {
    const file = tempFile();
    const store = SqliteEventStore.open(file);
    const identity = await store.logIdentity();
    await store.close();
    const reopened = SqliteEventStore.open(file);
    expect(await reopened.logIdentity()).toBe(identity);
    await reopened.close();
    const other = SqliteEventStore.open(tempFile());
    expect(await other.logIdentity()).not.toBe(identity);
    await other.close();
  });

  it('answers eventsById from an index on the id, created when an older file is opened', async () => {
    const file = tempFile();
    const store = SqliteEventStore.open(file);
    const sent = ev('A', 0);
    await store.append('s', [sent], 'no_stream');
    await store.close();
    const raw = new Database(file);
    raw.exec('DROP INDEX events_id'); // a file from before the index
    raw.close();
    const reopened = SqliteEventStore.open(file);
    expect((await reopened.eventsById([sent.id])).map((e) => e.id)).toEqual([sent.id]);
    await reopened.close();
    const check = new Database(file, { readonly: true });
    const plan = check.prepare('EXPLAIN QUERY PLAN SELECT * FROM events WHERE id IN (?)').all('x') as { detail: string }[];
    check.close();
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING INDEX events_id/);
  });

  it('an investigation cut does not find an event after the cut', async () => {
    const store = SqliteEventStore.open(tempFile());
    const [before, after] = [ev('A', 0), ev('B', 1)];
    const { position } = await store.append('s', [before], 'no_stream');
    await store.append('s', [after], 0);
    const cut = new CutEventStore(store, { cut: position, head: position });
    expect((await cut.eventsById([before.id, after.id])).map((e) => e.id)).toEqual([before.id]);
    expect([await cut.countAfter(0, 10), await store.countAfter(0, 10)]).toEqual([1, 2]);
    await store.close();
  });

  it('puts the file in WAL mode', async () => {
    const file = tempFile();
    const store = SqliteEventStore.open(file);
    await store.append('s', [ev('A', 0)], 'no_stream');
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    await store.close();
  });
});

const sqliteFiles = new WeakMap<EventStore, string>();
eventStoreContract(
  'SQLite',
  async () => {
    const file = tempFile();
    const store = SqliteEventStore.open(file, { pollIntervalMs: 50 });
    sqliteFiles.set(store, file);
    return store;
  },
  // The file's write lock orders the writers: nothing to share between them.
  { densePositions: true, linkCoversPosition: true, peer: async (store) => SqliteEventStore.open(sqliteFiles.get(store)!, { pollIntervalMs: 50 }) },
);

const esdbUrl = process.env.EVENTSTORE_URL;
if (!esdbUrl) console.warn('EventStoreDB leg skipped: EVENTSTORE_URL not set');
// Every writer of the log shares the chain lock: in production the NATS lock (compose.ts), here one in
// process standing in for it, so the second instance is a second client with its own connection.
const chainLock = new KeyedLock();
eventStoreContract(
  'EventStoreDB',
  () => EsdbEventStore.connect(esdbUrl ?? '', { chainLock }),
  { densePositions: false, linkCoversPosition: false, peer: () => EsdbEventStore.connect(esdbUrl ?? '', { chainLock }) },
  Boolean(esdbUrl),
);

(esdbUrl ? describe : describe.skip)('EsdbEventStore: a bounded verify and a cheap head', () => {
  it('answers verify as partial beyond the scan bound, and the head is the last appended event', async () => {
    const store = await EsdbEventStore.connect(esdbUrl ?? '', { verifyScanLimit: 2, chainLock });
    try {
      const stream = `bound-${randomUUID()}`;
      const { position } = await store.append(stream, [ev('A', 0), ev('B', 1), ev('C', 2)], 'no_stream');
      expect(await store.headPosition()).toBe(position);
      expect((await store.verify()).partial).toBe(true);
    } finally {
      await store.close();
    }
  });
});
