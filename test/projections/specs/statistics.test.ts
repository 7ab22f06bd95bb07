// Statistics read model: signed deltas into current totals, year/month/day buckets and per-event records.
import { describe, expect, it } from 'vitest';
import type { ApplicationEvent } from '../../../src/domain/application.js';
import type { SpaceDelta } from '../../../src/domain/ledger.js';
import type { NoticeEvent } from '../../../src/domain/notice.js';
import type { ProjectEvent, StatFigures } from '../../../src/domain/project.js';
import type { TenancyEvent } from '../../../src/domain/tenancy.js';
import { EmbeddedReadStore } from '../../../src/infra/embedded-read-store.js';
import type { ReadStore } from '../../../src/infra/read-store.js';
import { parseAsOf } from '../../../src/domain/time.js';
import { STATS_BUCKETS, STATS_DELTAS, STATS_NOW, accumulate, lineOf, nest, spaceFigures, statistics, statisticsAsOf } from '../../../src/projections/statistics.js';
import { project, projectionSpec, recorded } from '../projection-spec.js';

const spec = projectionSpec<ProjectEvent | NoticeEvent | ApplicationEvent | TenancyEvent>(statistics);
const rnd: StatFigures = { district: 'nanshan', useType: 'rnd', supplyModes: ['rent', 'sale'], totalArea: 1200.5 };
const plant: StatFigures = { district: 'futian', useType: 'plant', supplyModes: ['rent'], totalArea: 800 };
// 2027-01-31 23:30 CST: the last day of January in Shenzhen, though still the 31st in UTC too.
const late = '2027-01-31T15:30:00.000Z';

const published = (projectId: string, f: StatFigures, occurredAt?: string) =>
  ({ type: 'ProjectPublished', data: { projectId, ...f }, ...(occurredAt ? { occurredAt } : {}) }) as const;

describe('statistics', () => {
  it('a publication counts the project and its area (in hundredths of a ㎡) in every group', () =>
    spec.given([published('p-1', rnd)]).then(STATS_NOW, 'current', {
      c: {
        all: { projects: 1, areaCenti: 120050, marketCenti: 120050 },
        byDistrict: { nanshan: { projects: 1, areaCenti: 120050, marketCenti: 120050 } },
        byUseType: { rnd: { projects: 1, areaCenti: 120050, marketCenti: 120050 } },
        bySupplyMode: { rent: { projects: 1, areaCenti: 120050, marketCenti: 120050 }, sale: { projects: 1, areaCenti: 120050, marketCenti: 120050 } },
      },
    }));

  it('a withdrawal takes it out again; a change of figures moves it between groups', () =>
    spec
      .given([
        published('p-1', rnd),
        published('p-2', plant),
        { type: 'ProjectWithdrawn', data: { projectId: 'p-1', ...rnd, reason: '已租完' } },
        { type: 'ProjectUpdated', data: { projectId: 'p-2', changes: { district: 'nanshan' }, previous: { district: 'futian' }, reason: '区划调整', published: true, figures: { before: plant, after: { ...plant, district: 'nanshan' } } } },
        // A change that moves nothing counted changes nothing.
        { type: 'ProjectUpdated', data: { projectId: 'p-2', changes: { summary: '简介' }, previous: {}, reason: '完善', published: true } },
      ])
      .then(STATS_NOW, 'current', {
        c: {
          all: { projects: 1, areaCenti: 80000, marketCenti: 80000 },
          byDistrict: { nanshan: { projects: 1, areaCenti: 80000, marketCenti: 80000 }, futian: { projects: 0, areaCenti: 0, marketCenti: 0 } },
          byUseType: { rnd: { projects: 0, areaCenti: 0, marketCenti: 0 }, plant: { projects: 1, areaCenti: 80000, marketCenti: 80000 } },
          bySupplyMode: { rent: { projects: 1, areaCenti: 80000, marketCenti: 80000 }, sale: { projects: 0, areaCenti: 0, marketCenti: 0 } },
        },
      }));

  it('the buckets are the CST year, month and day of the business time', async () => {
    const given = spec.given([published('p-1', plant, late)]);
    const c = { all: { projects: 1, areaCenti: 80000, marketCenti: 80000 }, byDistrict: { futian: { projects: 1, areaCenti: 80000, marketCenti: 80000 } }, byUseType: { plant: { projects: 1, areaCenti: 80000, marketCenti: 80000 } }, bySupplyMode: { rent: { projects: 1, areaCenti: 80000, marketCenti: 80000 } } };
    await given.then(STATS_BUCKETS, 'y:2027', { kind: 'year', key: '2027', c });
    await given.then(STATS_BUCKETS, 'm:2027-01', { kind: 'month', key: '2027-01', c });
    await given.then(STATS_BUCKETS, 'd:2027-01-31', { kind: 'day', key: '2027-01-31', c });
    await given.then(STATS_DELTAS, '1', { day: '2027-01-31', occurredAt: late, recordedDay: '2027-01-31', recordedAt: late, c });
  });

  it('an event in the first hours of a CST day falls in that day, not the UTC one before it', () =>
    spec.given([published('p-1', plant, '2027-02-28T16:30:00.000Z')]).then(STATS_BUCKETS, 'm:2027-03', {
      kind: 'month',
      key: '2027-03',
      c: { all: { projects: 1, areaCenti: 80000, marketCenti: 80000 }, byDistrict: { futian: { projects: 1, areaCenti: 80000, marketCenti: 80000 } }, byUseType: { plant: { projects: 1, areaCenti: 80000, marketCenti: 80000 } }, bySupplyMode: { rent: { projects: 1, areaCenti: 80000, marketCenti: 80000 } } },
    }));

  it('the space ledger: held states are counted from the deltas the events carry; available and withheld are derived', async () => {
    const market: StatFigures = { ...plant, marketArea: 700 }; // 100 ㎡ withheld
    const space = (centi: SpaceDelta['centi']): SpaceDelta => ({ projectId: 'p-2', district: 'futian', useType: 'plant', supplyModes: ['rent'], centi });
    const ref = { noticeId: 'n-1', district: 'futian' as const, projectId: 'p-2' };
    const contract = { applicationId: 'a-1', noticeId: 'n-1', projectId: 'p-2', district: 'futian' as const, creditCode: 'C1', contractRef: 'HT-1', signedOn: '2027-02-01' };
    const given = spec.given([
      published('p-2', market),
      { type: 'NoticePublished', data: { ...ref, supplyMode: 'rent', area: 300, price: 50, eligibility: 'e', opensAt: 'x', closesAt: 'y', publicityWorkingDays: 5, space: space({ offered: 30000 }) } },
      { type: 'AllocationForfeited', data: { ...ref, applicationId: 'a-0', area: 0, reason: 'withdrawn' } }, // no delta: counts nothing
      { type: 'LeaseSigned', data: { ...contract, area: 250, space: space({ offered: -30000, let: 25000 }) } },
      { type: 'TenancyEnded', data: { tenancyId: 'a-1', projectId: 'p-2', district: 'futian', creditCode: 'C1', how: 'expiry', endedOn: 'z', area: 100, unitIds: [], reasons: [], space: space({ let: -10000 }) } },
    ]);
    await given.then(STATS_NOW, 'current', {
      c: {
        all: { projects: 1, areaCenti: 80000, marketCenti: 70000, offeredCenti: 0, letCenti: 15000 },
        byDistrict: { futian: { projects: 1, areaCenti: 80000, marketCenti: 70000, offeredCenti: 0, letCenti: 15000 } },
        byUseType: { plant: { projects: 1, areaCenti: 80000, marketCenti: 70000, offeredCenti: 0, letCenti: 15000 } },
        bySupplyMode: { rent: { projects: 1, areaCenti: 80000, marketCenti: 70000, offeredCenti: 0, letCenti: 15000 } },
      },
    });
    const total = new Map<string, number>();
    accumulate(total, { byDistrict: { futian: { projects: 1, areaCenti: 80000, marketCenti: 70000, offeredCenti: 0, letCenti: 15000 } } });
    expect(lineOf(total, 'byDistrict.futian')).toEqual({ projects: 1, totalArea: 800, availableArea: 550, offeredArea: 0, letArea: 150, soldArea: 0, withheldArea: 100 });
  });
});

describe('statistics: 换租 to another project', () => {
  const spaceOf = (projectId: string, district: 'nanshan' | 'futian', useType: string, centi: SpaceDelta['centi']): SpaceDelta => ({ projectId, district, useType, supplyModes: ['rent'], centi });
  const from = spaceOf('p-1', 'nanshan', 'rnd', { let: -90000 });
  const to = spaceOf('p-2', 'futian', 'plant', { let: 60000 });
  const events = [
    published('p-1', { district: 'nanshan', useType: 'rnd', supplyModes: ['rent'], totalArea: 5000 }),
    published('p-2', plant),
    { type: 'LeaseSigned' as const, data: { applicationId: 'a-1', noticeId: 'n-1', projectId: 'p-1', district: 'nanshan' as const, creditCode: 'C1', area: 900, contractRef: 'HT-1', signedOn: 'x', space: spaceOf('p-1', 'nanshan', 'rnd', { let: 90000 }) } },
    {
      type: 'TenancyEnded' as const,
      data: { tenancyId: 'a-1', projectId: 'p-1', district: 'nanshan' as const, creditCode: 'C1', how: 'exchange' as const, endedOn: 'z', area: 900, unitIds: [], reasons: ['换租'], space: from, exchangeId: 'x-1', spaceIn: to },
    },
  ] satisfies Parameters<typeof spec.given>[0];

  it('the move is one delta record of both sides, and the statistics as of then count both sides once', async () => {
    const given = spec.given(events);
    const both = spaceFigures(from);
    for (const [k, v] of spaceFigures(to)) both.set(k, (both.get(k) ?? 0) + v);
    for (const [k, v] of both) if (v === 0) both.delete(k);
    await given.then(STATS_DELTAS, '4', { day: '2027-01-04', occurredAt: '2027-01-04T02:04:00.000Z', recordedDay: '2027-01-04', recordedAt: '2027-01-04T02:04:00.000Z', c: nest(both) });
    await given.then(STATS_DELTAS, '4:in', null);
    const store = EmbeddedReadStore.open(null);
    await project(store, statistics, events.map((e, i) => recorded(e, i + 1)));
    const at = '2027-01-04T02:05:00.000Z';
    // The statistics as of then count both sides once.
    expect(await statisticsAsOf(store, at)).toMatchObject({ letArea: 600, byDistrict: expect.arrayContaining([expect.objectContaining({ district: 'futian', letArea: 600 }), expect.objectContaining({ district: 'nanshan', letArea: 0 })]) });
  });

  it('as of a date, the day counts whole from its bucket; as of an instant, from its records up to it: the same figures', async () => {
    const store = EmbeddedReadStore.open(null);
    const events = [
      published('p-0', rnd, '2027-01-30T08:00:00.000Z'),
      published('p-1', plant, '2027-01-31T01:00:00.000Z'), // 09:00 CST on the 31st
      published('p-2', rnd, late), // 23:30 CST on the 31st
      published('p-3', plant, '2027-01-31T16:30:00.000Z'), // 00:30 CST on 1 February
    ];
    await project(store, statistics, events.map((e, i) => recorded(e, i + 1)));
    const deltaReads: string[] = [];
    const counted: ReadStore = new Proxy(store, {
      get: (target, key) => (key === 'find' ? (c: string, ...rest: unknown[]) => (c === STATS_DELTAS && deltaReads.push(c), (target.find as (...a: unknown[]) => unknown)(c, ...rest)) : Reflect.get(target, key)),
    });
    const figures = async (asOf: string) => {
      const { asOf: _at, ...rest } = await statisticsAsOf(counted, asOf);
      return rest;
    };
    const endOf31st = parseAsOf('2027-01-31')!;
    const byDate = await figures(endOf31st);
    expect(deltaReads).toEqual([]);
    expect(byDate).toMatchObject({ projects: 3, totalArea: 3201 });
    // A millisecond earlier goes by the day's records: the same three projects.
    expect(await figures(new Date(Date.parse(endOf31st) - 1).toISOString())).toEqual(byDate);
    expect(deltaReads).toEqual([STATS_DELTAS]);
    expect(await figures('2027-01-31T15:00:00.000Z')).toMatchObject({ projects: 2, totalArea: 2000.5 });
    // A day without a bucket of its own, and the next day, by date.
    expect(await figures(parseAsOf('2027-01-29')!)).toMatchObject({ projects: 0, totalArea: 0 });
    expect(await figures(parseAsOf('2027-02-01')!)).toMatchObject({ projects: 4, totalArea: 4001 });
    expect(deltaReads).toHaveLength(2);
  });
});
