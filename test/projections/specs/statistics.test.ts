// Statistics read model: signed deltas into current totals, year/month/day buckets and per-event records.
import { describe, it } from 'vitest';
import type { ProjectEvent, StatFigures } from '../../../src/domain/project.js';
import { STATS_BUCKETS, STATS_DELTAS, STATS_NOW, statistics } from '../../../src/projections/statistics.js';
import { projectionSpec } from '../projection-spec.js';

const spec = projectionSpec<ProjectEvent>(statistics);
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
        all: { projects: 1, areaCenti: 120050 },
        byDistrict: { nanshan: { projects: 1, areaCenti: 120050 } },
        byUseType: { rnd: { projects: 1, areaCenti: 120050 } },
        bySupplyMode: { rent: { projects: 1, areaCenti: 120050 }, sale: { projects: 1, areaCenti: 120050 } },
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
          all: { projects: 1, areaCenti: 80000 },
          byDistrict: { nanshan: { projects: 1, areaCenti: 80000 }, futian: { projects: 0, areaCenti: 0 } },
          byUseType: { rnd: { projects: 0, areaCenti: 0 }, plant: { projects: 1, areaCenti: 80000 } },
          bySupplyMode: { rent: { projects: 1, areaCenti: 80000 }, sale: { projects: 0, areaCenti: 0 } },
        },
      }));

  it('the buckets are the CST year, month and day of the business time', async () => {
    const given = spec.given([published('p-1', plant, late)]);
    const c = { all: { projects: 1, areaCenti: 80000 }, byDistrict: { futian: { projects: 1, areaCenti: 80000 } }, byUseType: { plant: { projects: 1, areaCenti: 80000 } }, bySupplyMode: { rent: { projects: 1, areaCenti: 80000 } } };
    await given.then(STATS_BUCKETS, 'y:2027', { kind: 'year', key: '2027', c });
    await given.then(STATS_BUCKETS, 'm:2027-01', { kind: 'month', key: '2027-01', c });
    await given.then(STATS_BUCKETS, 'd:2027-01-31', { kind: 'day', key: '2027-01-31', c });
    await given.then(STATS_DELTAS, '1', { day: '2027-01-31', occurredAt: late, c });
  });

  it('an event in the first hours of a CST day falls in that day, not the UTC one before it', () =>
    spec.given([published('p-1', plant, '2027-02-28T16:30:00.000Z')]).then(STATS_BUCKETS, 'm:2027-03', {
      kind: 'month',
      key: '2027-03',
      c: { all: { projects: 1, areaCenti: 80000 }, byDistrict: { futian: { projects: 1, areaCenti: 80000 } }, byUseType: { plant: { projects: 1, areaCenti: 80000 } }, bySupplyMode: { rent: { projects: 1, areaCenti: 80000 } } },
    }));
});
