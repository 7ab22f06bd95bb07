// The access log kept as log collections (on disk with the embedded store): entries written before that,
// as one in-memory document each, are moved into them at first use, unchanged as the API shows them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ACCESS_ENTRIES, ACCESS_LOG, ACCESS_RECORDS, AccessLog, EARLIER_ENTRIES, EARLIER_RECORDS, RECORD_BUCKETS, type Recorded, entryLines, fieldsOf, isoClock, recordBucket } from '../../src/application/access-log.js';
import { LogCollections } from '../../src/infra/embedded-log-collections.js';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'access-log-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const officer = { id: 'officer-ns', name: '南山区经办人', role: 'housing_dept', district: 'nanshan' } as const;
const auditor = { id: 'auditor-1', role: 'auditor' } as const;

/** An entry as the earlier access log wrote it: one ordinary document, `records` a list. */
function earlier(seq: number, set: Record<string, unknown>) {
  return { collection: ACCESS_LOG, id: String(seq).padStart(16, '0'), position: seq, set: { seq, ...set } };
}

describe('the access log in log collections', () => {
  it('keeps the reads of a flush the store refused, writes them with the next, and records on', async () => {
    const reads = EmbeddedReadStore.open(null);
    const appendNumbered = reads.appendNumbered.bind(reads);
    let refusals = 1;
    reads.appendNumbered = async (...args) => {
      if (refusals-- > 0) throw new Error('store away');
      return appendNumbered(...args);
    };
    const log = new AccessLog(reads, () => '2027-03-02T02:00:00.000Z');
    log.record({ actor: officer, what: 'application', records: ['app-1'] });
    log.record({ actor: auditor, what: 'application', records: ['app-2'] });
    await expect(log.flush()).rejects.toThrow('store away');
    log.record({ actor: officer, what: 'application', records: ['app-3'] });
    await log.flush();
    const all = await log.search({}, 1, 50);
    expect(all.total).toBe(3);
    expect(all.items.flatMap((e) => e.records).sort()).toEqual(['app-1', 'app-2', 'app-3']);
    expect(all.items.map((e) => e.seq)).toEqual([3, 2, 1]); // the failed batch kept its numbers, written in the order recorded
    await reads.close();
  });

  it('writes a batch whose write landed though it was reported failed once, not twice', async () => {
    const reads = EmbeddedReadStore.open(null);
    const appendNumbered = reads.appendNumbered.bind(reads);
    let lost = 1;
    reads.appendNumbered = async (...args) => {
      await appendNumbered(...args);
      if (lost-- > 0) throw new Error('reply lost');
    };
    const log = new AccessLog(reads, () => '2027-03-02T02:00:00.000Z');
    log.record({ actor: officer, what: 'application', records: ['app-1'] });
    await expect(log.flush()).rejects.toThrow('reply lost');
    log.record({ actor: officer, what: 'application', records: ['app-2'] });
    await log.flush();
    expect((await log.search({}, 1, 50)).items.map((e) => [e.seq, e.records])).toEqual([[2, ['app-2']], [1, ['app-1']]]);
    await reads.close();
  });

  it('refuses a staff read it could not record once too many wait while the store refuses', async () => {
    const reads = EmbeddedReadStore.open(null);
    reads.appendNumbered = async () => {
      throw new Error('store away');
    };
    const log = new AccessLog(reads, () => '2027-03-02T02:00:00.000Z', { maxHeld: 2 });
    log.record({ actor: officer, what: 'application', records: ['app-1'] });
    await expect(log.flush()).rejects.toThrow('store away');
    log.record({ actor: officer, what: 'application', records: ['app-2'] });
    log.record({ actor: officer, what: 'application', records: ['app-3'] });
    expect(() => log.record({ actor: officer, what: 'application', records: ['app-4'] })).toThrow(/cannot be written/);
    await reads.close();
  });

  it('loses no entry when several instances record into one store (MongoDB shared by the platform\'s instances)', async () => {
    const reads = EmbeddedReadStore.open(null);
    const [a, b] = [new AccessLog(reads, () => '2027-03-02T02:00:00.000Z'), new AccessLog(reads, () => '2027-03-02T02:00:01.000Z')];
    for (let round = 0; round < 3; round++) {
      a.record({ actor: officer, what: 'application', records: [`app-a${round}`] });
      b.record({ actor: auditor, what: 'applications', records: [`app-b${round}`, 'app-x'] });
      await Promise.all([a.flush(), b.flush()]);
    }
    const all = await a.search({}, 1, 50);
    // Numbered each on from its own last, the second instance's entries took the first's numbers and were dropped as replays.
    expect(all.total).toBe(6);
    expect(all.items.map((e) => e.seq)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(all.items.flatMap((e) => e.records).sort()).toEqual(['app-a0', 'app-a1', 'app-a2', 'app-b0', 'app-b1', 'app-b2', 'app-x', 'app-x', 'app-x']);
    expect((await b.search({ record: 'app-x' }, 1, 50)).items.map((e) => e.actorId)).toEqual([auditor.id, auditor.id, auditor.id]);
    await reads.close();
  });

  it('moves entries kept the earlier way, then records after them; the old collection is emptied, and a store opened again finds them', async () => {
    const dir = tempDir();
    const old = EmbeddedReadStore.open(dir);
    await old.commit('access-log', [
      earlier(1, { at: '2027-03-01T02:00:00.000Z', actorId: officer.id, actorName: officer.name, role: officer.role, district: officer.district, what: 'application', records: ['app-1'], reason: '核查申报材料', requestId: 'req-1' }),
      earlier(2, { at: '2027-03-01T03:00:00.000Z', actorId: auditor.id, actorName: null, role: auditor.role, district: null, what: 'applications', records: ['app-1', 'app-2'] }),
    ], 2);
    await old.close();

    const reads = EmbeddedReadStore.open(dir);
    const log = new AccessLog(reads, () => '2027-03-02T02:00:00.000Z');
    log.record({ actor: officer, what: 'sanctions', records: ['sanction-9', 'sanction-9'] });
    const all = await log.search({}, 1, 50);
    expect(all.total).toBe(3);
    expect(all.items).toEqual([
      { id: '0000000000000003', seq: 3, at: '2027-03-02T02:00:00.000Z', actorId: officer.id, actorName: officer.name, role: officer.role, district: officer.district, what: 'sanctions', records: ['sanction-9'] },
      { id: '0000000000000002', seq: 2, at: '2027-03-01T03:00:00.000Z', actorId: auditor.id, actorName: null, role: auditor.role, district: null, what: 'applications', records: ['app-1', 'app-2'] },
      { id: '0000000000000001', seq: 1, at: '2027-03-01T02:00:00.000Z', actorId: officer.id, actorName: officer.name, role: officer.role, district: officer.district, what: 'application', records: ['app-1'], reason: '核查申报材料', requestId: 'req-1' },
    ]);
    const byRecord = await log.search({ record: 'app-1' }, 1, 50);
    expect(byRecord.items.map((e) => e.seq)).toEqual([2, 1]);
    expect(byRecord.total).toBe(2);
    expect((await log.search({ record: 'app-1', actor: auditor.id }, 1, 50)).items.map((e) => e.seq)).toEqual([2]);
    expect((await log.search({ record: 'app-2', from: '2027-03-01T02:30:00.000Z' }, 1, 1)).items.map((e) => e.seq)).toEqual([2]);
    expect((await log.search({ record: 'app-1' }, 2, 1)).items.map((e) => e.seq)).toEqual([1]);
    expect((await log.search({ record: 'app-1' }, 1, 1)).items.map((e) => e.seq)).toEqual([2]);
    expect((await log.search({ record: 'app-1' }, 3, 1)).items).toEqual([]);
    expect((await log.search({ record: 'sanction-9' }, 1, 50)).items.map((e) => e.records)).toEqual([['sanction-9']]);
    expect(await reads.count(ACCESS_LOG, {})).toBe(0);
    await reads.close();

    // On disk, as log documents: a store opened again finds them without holding them in memory.
    const again = EmbeddedReadStore.open(dir);
    expect(await again.count(ACCESS_ENTRIES, {})).toBe(3);
    // A read of one record names it on its entry; a read of several has one document per record.
    expect(await again.count(ACCESS_ENTRIES, { record: 'app-1' })).toBe(1);
    expect(await again.count(ACCESS_RECORDS, { record: 'app-1' })).toBe(1);
    expect(await again.count(ACCESS_RECORDS, {})).toBe(2);
    expect(await again.count(ACCESS_LOG, {})).toBe(0);
    const next = new AccessLog(again, () => '2027-03-03T02:00:00.000Z');
    next.record({ actor: auditor, what: 'application', records: ['app-2'] });
    expect((await next.search({ record: 'app-2' }, 1, 50)).items.map((e) => e.seq)).toEqual([4, 2]);
    await again.close();
  });

  it('moves entries of the first log collections (the record itself indexed) into those looked up by bucket', async () => {
    const dir = tempDir();
    const old = EmbeddedReadStore.open(dir);
    // As the earlier version wrote them: a read of one record names it, a read of several lists them (JSON
    // text) and has one document per record.
    await old.declareLogCollections([EARLIER_ENTRIES, EARLIER_RECORDS]);
    await old.ensureIndexes([{ collection: EARLIER_ENTRIES, keys: { record: 1 } }, { collection: EARLIER_RECORDS, keys: { record: 1 } }]);
    const at = '2027-03-01T02:00:00.000Z';
    await old.commit('access-log', [
      { collection: EARLIER_ENTRIES, id: '0000000000000001', position: 1, set: { seq: 1, at, actorId: officer.id, actorName: officer.name, role: officer.role, district: officer.district, what: 'application', record: 'app-1', reason: '核查', requestId: 'req-1' } },
      { collection: EARLIER_ENTRIES, id: '0000000000000002', position: 2, set: { seq: 2, at, actorId: auditor.id, actorName: null, role: auditor.role, district: null, what: 'applications', records: JSON.stringify(['app-1', 'app-2']) } },
      { collection: EARLIER_RECORDS, id: '0000000000000002:0', position: 2, set: { seq: 2, entry: '0000000000000002', record: 'app-1', at, actorId: auditor.id, what: 'applications' } },
      { collection: EARLIER_RECORDS, id: '0000000000000002:1', position: 2, set: { seq: 2, entry: '0000000000000002', record: 'app-2', at, actorId: auditor.id, what: 'applications' } },
    ], 2);
    await old.close();

    const reads = EmbeddedReadStore.open(dir);
    const log = new AccessLog(reads, () => '2027-03-02T02:00:00.000Z');
    log.record({ actor: officer, what: 'application', records: ['app-1'] });
    expect((await log.search({ record: 'app-1' }, 1, 50)).items.map((e) => [e.seq, e.records])).toEqual([[3, ['app-1']], [2, ['app-1', 'app-2']], [1, ['app-1']]]);
    expect((await log.search({ record: 'app-2' }, 1, 50)).total).toBe(1);
    expect((await log.search({}, 1, 50)).items.find((e) => e.seq === 1)).toEqual({ id: '0000000000000001', seq: 1, at, actorId: officer.id, actorName: officer.name, role: officer.role, district: officer.district, what: 'application', records: ['app-1'], reason: '核查', requestId: 'req-1' });
    expect([await reads.count(EARLIER_ENTRIES, {}), await reads.count(EARLIER_RECORDS, {})]).toEqual([0, 0]);
    expect(await reads.count(ACCESS_ENTRIES, { recordBucket: recordBucket('app-1'), record: 'app-1' })).toBe(2);
    await reads.close();
    // "Who read this record" walks the record's bucket in the file, not the whole log.
    const logs = new LogCollections(join(dir, 'read-models.db'));
    try {
      for (const c of [ACCESS_ENTRIES, ACCESS_RECORDS]) {
        expect(logs.explain(c, { recordBucket: recordBucket('app-1'), record: 'app-1' }, { _id: -1 }).join(' ')).toContain(`USING INDEX log__${c}__recordBucket_a`);
      }
      // Entries looked up by id when none is missing: said to match nothing in SQL, not tested row by row
      // (a search by record read the whole log that way: 0.85 s at 300,000 entries).
      expect(logs.exportQuery(ACCESS_ENTRIES, { _id: { $in: [] } }, undefined)!.sql).toMatch(/WHERE 0( |$)/);
    } finally {
      logs.close();
    }
  });

  it('puts a record in a bucket by its name alone, the same one forever (entries keep the bucket they were written with)', () => {
    expect([recordBucket('app-1'), recordBucket('b000000c-0000-4000-8000-000000003d89.91440300MA00006X51'), recordBucket('南山区')]).toEqual([6, 233, 13]);
    const seen = new Set(Array.from({ length: 10_000 }, (_, i) => recordBucket(`application-${i}`)));
    expect(seen.size).toBe(RECORD_BUCKETS); // every bucket used: names spread over them
    expect(Math.min(...seen)).toBe(0);
    expect(Math.max(...seen)).toBe(RECORD_BUCKETS - 1);
  });

  it('keeps what a read showed as it was when recorded, not the request\'s objects (changed after, they change nothing)', async () => {
    const reads = EmbeddedReadStore.open(null);
    const log = new AccessLog(reads, () => '2027-03-04T02:00:00.000Z');
    const actor = { ...officer } as { id: string; name: string; role: 'housing_dept'; district: 'nanshan' };
    const records = ['app-7', 'app-8'];
    log.record({ actor, what: 'applications', records, reason: '抽查' });
    actor.name = '改过的名字';
    records.push('app-9');
    const [entry] = (await log.search({}, 1, 10)).items;
    expect(entry).toMatchObject({ actorName: officer.name, records: ['app-7', 'app-8'], reason: '抽查' });
    await reads.close();
  });
});

describe('isoClock', () => {
  afterEach(() => vi.useRealTimers());
  it('tells the time now as ISO text, made again when the millisecond changes', () => {
    vi.useFakeTimers();
    const now = isoClock();
    vi.setSystemTime(new Date('2027-05-01T08:00:00.123Z'));
    expect(now()).toBe('2027-05-01T08:00:00.123Z');
    expect(now()).toBe('2027-05-01T08:00:00.123Z');
    vi.setSystemTime(new Date('2027-05-01T08:00:00.124Z'));
    expect(now()).toBe('2027-05-01T08:00:00.124Z');
    vi.setSystemTime(new Date('2026-01-01T00:00:00.000Z')); // a clock set back is followed too
    expect(now()).toBe('2026-01-01T00:00:00.000Z');
  });
});

describe('the access log\'s lines', () => {
  it('writes each entry\'s line as JSON.stringify writes its fields, whatever the text and however the reads share an actor or a time', () => {
    // Few values, so runs of reads share them (the line maker's reuse); any text, so escaping is exercised.
    const text = fc.oneof(fc.constantFrom('南山区经办人', 'a"b\\c', '\u2028', '\ud800', ''), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }));
    const entry: fc.Arbitrary<Recorded> = fc.record({
      at: fc.constantFrom('2027-03-01T02:00:00.000Z', '2027-03-01T02:00:00.001Z'),
      actorId: fc.oneof(fc.constantFrom('officer-ns', 'auditor-1'), text),
      actorName: fc.oneof(fc.constant(null), fc.constantFrom('南山区经办人'), text),
      role: fc.constantFrom('housing_dept', 'auditor', 'city_admin'),
      district: fc.constantFrom(null, 'nanshan', 'qianhai'),
      what: fc.oneof(fc.constantFrom('application', 'applications', 'sanctions'), text),
      records: fc.oneof(text, fc.array(text, { maxLength: 3 })),
      reason: fc.oneof(fc.constant(null), text),
      requestId: fc.oneof(fc.constant(null), text),
    });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 8 }), (entries) => {
        const lineOf = entryLines();
        for (const e of entries) expect(lineOf(e)).toBe(JSON.stringify(fieldsOf(e).fields));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps flushes apart when one outgrows the room its lines are written in, and the next writes over that room', async () => {
    const reads = EmbeddedReadStore.open(tempDir());
    const log = new AccessLog(reads, () => '2027-03-05T02:00:00.000Z', { maxBuffer: 10_000 });
    const long = '理由'.repeat(150_000); // 900 KB of UTF-8 in one line: more than a flush keeps (512 KB)
    log.record({ actor: officer, what: 'application', records: ['app-1'], reason: long });
    for (let i = 0; i < 3; i++) log.record({ actor: auditor, what: 'application', records: [`app-${i}`], requestId: `req-${i}` });
    await log.flush();
    log.record({ actor: officer, what: 'application', records: ['app-9'], reason: '短' });
    const { items, total } = await log.search({}, 1, 10);
    expect(total).toBe(5);
    expect(items.map((e) => [e.seq, e.records, e.reason, e.requestId])).toEqual([
      [5, ['app-9'], '短', undefined],
      [4, ['app-2'], undefined, 'req-2'],
      [3, ['app-1'], undefined, 'req-1'],
      [2, ['app-0'], undefined, 'req-0'],
      [1, ['app-1'], long, undefined],
    ]);
    await reads.close();
  });
});
