// The key frames' columns must answer a sorted page and a count exactly as the view's own find and count
// over the same documents, or not at all (null): for any history, moment, filter and sort, including
// values of other kinds where the columns read (arrays, objects, numbers where times are, odd text).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import type { Doc, DocOp, Filter } from '../../src/infra/read-store.js';
import { timeKey } from '../../src/projections/history-columns.js';
import { framesForTests, viewAt } from '../../src/projections/history-frames.js';

const C = 'things';
const H = 'things_history';
const COLUMNS = { equal: ['status', 'district', 'visible'], order: ['t', 'n', 'ledger.c'] };
const hour = (n: number) => new Date(Date.UTC(2016, 0, 1) + n * 3_600_000).toISOString();

const statusValue = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('published', 'registered', 'withdrawn') },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, true, 3, ['published'], { x: 1 }) },
);
const timeValue = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 50 }).map(hour) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(7, '2016-01-01', '2016-13-01T00:00:00.000Z', 'x', null, ['2016-01-01T00:00:00.000Z']) },
);
const numberValue = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: -3, max: 3 }) }, { weight: 1, arbitrary: fc.constantFrom<unknown>('3', 1.5, null) });
/** A change of one document: a few fields set, sometimes one unset. */
const change = fc.record(
  {
    status: statusValue,
    district: fc.constantFrom('nanshan', 'futian', 'qianhai'),
    visible: fc.boolean(),
    t: timeValue,
    n: numberValue,
    'ledger.c': numberValue,
    name: fc.constantFrom('甲', '乙', 'a', 'b'),
  },
  { requiredKeys: [] },
);
const row = fc.record({ doc: fc.integer({ min: 0, max: 25 }), change, unset: fc.option(fc.constantFrom('status', 't', 'n', 'ledger'), { nil: undefined }), back: fc.integer({ min: 0, max: 30 }) });

const FILTERS: Filter[] = [
  {},
  { status: 'published' },
  { status: { $in: ['published', 'withdrawn'] } },
  { $and: [{ status: 'published' }, { district: 'nanshan' }] },
  { visible: true },
  { status: 'nowhere' },
  { status: 'published', visible: false },
  { n: { $gte: 0 } }, // not an equality: the view answers
];
const SORTS: Record<string, 1 | -1>[] = [{ t: -1, _id: 1 }, { t: 1 }, { n: -1, _id: 1 }, { 'ledger.c': 1, _id: -1 }, { t: -1, n: 1 }, { name: 1, _id: 1 }];

describe('key frame columns', () => {
  it('answer a page and a count exactly as the view over the same documents, or leave them to it (property)', async () => {
    let answered = 0;
    let asked = 0;
    const fullEvery = framesForTests.fullEvery;
    framesForTests.fullEvery = 7;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 120 }), fc.array(fc.tuple(fc.integer({ min: -1, max: 125 }), fc.nat(FILTERS.length - 1), fc.nat(SORTS.length - 1), fc.integer({ min: 1, max: 12 })), { minLength: 1, maxLength: 8 }), async (rows, questions) => {
          const s = EmbeddedReadStore.open(null);
          await s.declareLogCollections([H]);
          const ops = rows.map((r, i): DocOp => {
            const position = i + 1;
            // Some rows dated back (imports): their documents are folded apart.
            const at = r.back < 3 ? hour(Math.max(0, position - 20)) : hour(position);
            const clash = r.unset !== undefined && Object.keys(r.change).some((k) => k === r.unset || k.startsWith(`${r.unset}.`));
            const op = JSON.stringify({ set: r.change, unset: r.unset && !clash ? [r.unset] : undefined });
            return { collection: H, id: `d${r.doc}@${position}`, position, set: { docId: `d${r.doc}`, position, occurredAt: at, recordedAt: at, op } };
          });
          await s.commit('h', ops, ops.length);
          for (const [moment, f, o, first] of questions) {
            const view = await viewAt(s, H, C, 'occurredAt', hour(moment), COLUMNS);
            const filter = FILTERS[f]!;
            const sort = SORTS[o]!;
            const plain = EmbeddedReadStore.fromDocs(new Map([[C, view.docs()]]), { frozen: true });
            asked++;
            const page = view.answer(filter, sort, first);
            if (page !== null) {
              answered++;
              expect(page.page.map((d: Doc) => d._id)).toEqual((await plain.find(C, filter, { sort, limit: first })).map((d) => d._id));
              expect(page.total).toBe(await plain.count(C, filter));
            }
            const count = view.answer(filter, undefined, 0);
            if (count !== null) expect(count.total).toBe(await plain.count(C, filter));
          }
          await s.close();
        }),
        { numRuns: 150 },
      );
    } finally {
      framesForTests.fullEvery = fullEvery;
    }
    // Not vacuous: most questions are the columns' to answer.
    expect(answered).toBeGreaterThan(asked / 4);
  });

  it('order times as their text orders them, and refuse any other text', () => {
    const times = fc.date({ min: new Date('0001-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }).map((d) => d.toISOString());
    fc.assert(
      fc.property(times, times, (a, b) => {
        expect(Math.sign(timeKey(a) - timeKey(b))).toBe(a < b ? -1 : a > b ? 1 : 0);
      }),
      { numRuns: 2_000 },
    );
    // Texts of the format, out-of-range fields too, in pairs that share the fields before one, differ by one
    // there, and have anything after (where a carry between fields would show): keyed, they order as the text.
    const text = (f: number[]) => `${pad(f[0]!, 4)}-${pad(f[1]!, 2)}-${pad(f[2]!, 2)}T${pad(f[3]!, 2)}:${pad(f[4]!, 2)}:${pad(f[5]!, 2)}.${pad(f[6]!, 3)}Z`;
    const pad = (n: number, w: number) => String(n).padStart(w, '0');
    const LIMITS = [9999, 99, 99, 99, 99, 99, 999];
    /** A field: mostly its edges (0, 1, the last in range, one past it), sometimes anything. */
    const RANGES = [9999, 12, 31, 23, 59, 59, 999];
    const field = (i: number) =>
      fc.oneof(
        { weight: 12, arbitrary: fc.constantFrom(0, 1, RANGES[i]!, Math.min(RANGES[i]! + 1, LIMITS[i]!)) },
        { weight: 6, arbitrary: fc.integer({ min: 0, max: RANGES[i]! }) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: LIMITS[i]! }) },
      );
    const fields = fc.tuple(...LIMITS.map((_, i) => field(i)));
    const pairs = fc.tuple(fields, fields, fc.nat(6)).map(([a, rest, k]) => {
      const b = a.map((v, i) => (i < k ? v : i === k ? Math.min(v + 1, LIMITS[i]!) : rest[i]!));
      return [text(a), text(b)] as const;
    });
    let keyed = 0;
    fc.assert(
      fc.property(pairs, ([a, b]) => {
        const [x, y] = [timeKey(a), timeKey(b)];
        if (Number.isNaN(x) || Number.isNaN(y)) return;
        keyed++;
        expect(Math.sign(x - y)).toBe(a < b ? -1 : a > b ? 1 : 0);
      }),
      { numRuns: 5_000 },
    );
    expect(keyed).toBeGreaterThan(500);
    for (const text of ['2016-01-01', '2016-01-01T00:00:00Z', '2016-13-01T00:00:00.000Z', '2016-01-01T24:00:00.000Z', '2016-01-01T00:60:00.000Z', '+02016-01-01T00:00:00.000Z', '2016-01-01T00:00:00.000+08:00', '2016-0a-01T00:00:00.000Z']) {
      expect(timeKey(text)).toBeNaN();
    }
  });
});
