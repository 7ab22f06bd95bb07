// Project search read model: one document per project.
import { describe, expect, it } from 'vitest';
import type { ApplicationEvent } from '../../../src/domain/application.js';
import type { NoticeEvent } from '../../../src/domain/notice.js';
import type { ProjectEvent } from '../../../src/domain/project.js';
import type { TenancyEvent } from '../../../src/domain/tenancy.js';
import { PROJECTS, projectSearch } from '../../../src/projections/project-search.js';
import { projectionSpec } from '../projection-spec.js';

const spec = projectionSpec<ProjectEvent | NoticeEvent | ApplicationEvent | TenancyEvent>(projectSearch);
const t = (n: number) => new Date(Date.parse('2027-01-04T02:00:00.000Z') + n * 60_000).toISOString();
const fields = { name: '南山智园', district: 'nanshan', address: '留仙大道', useType: 'rnd', supplyModes: ['rent'], totalArea: 12000 } as const;
const unit = { unitId: 'u-1', building: 'A栋', floor: '3', number: '301', area: 100 };
const registered: ProjectEvent = { type: 'ProjectRegistered', data: { projectId: 'p-1', ...fields, supplyModes: ['rent'], location: { lng: 113.95, lat: 22.58 }, units: [unit] } };

const fresh = { marketCenti: 1200000, availableCenti: 1200000, offeredCenti: 0, allocatedCenti: 0, letCenti: 0, soldCenti: 0, withheldCenti: 0 };

describe('project search', () => {
  it('a registered project: its fields, search grams, names, point and units by id', () =>
    spec.given([registered]).then(PROJECTS, 'p-1', {
      projectId: 'p-1',
      ...fields,
      supplyModes: ['rent'],
      location: { lng: 113.95, lat: 22.58 },
      nameGrams: ['南山', '山智', '智园'],
      addressGrams: ['留仙', '仙大', '大道'],
      districtName: '南山区',
      useTypeName: '研发用房',
      geo: { type: 'Point', coordinates: [113.95, 22.58] },
      units: { 'u-1': unit },
      marketArea: 12000,
      ledger: fresh,
      status: 'registered',
      registeredAt: t(1),
      updatedAt: t(1),
    }));

  it('updated, units added and removed, published then withdrawn', () =>
    spec
      .given([
        registered,
        { type: 'ProjectUpdated', data: { projectId: 'p-1', changes: { name: '南山云谷' }, previous: { name: '南山智园' }, reason: '更名', published: false } },
        { type: 'UnitsAdded', data: { projectId: 'p-1', units: [{ ...unit, unitId: 'u-2', number: '302' }, { ...unit, unitId: 'u-3', number: '303' }, { ...unit, unitId: 'u-4', number: '304' }] } },
        { type: 'UnitRemoved', data: { projectId: 'p-1', unitId: 'u-1', area: 100 } },
        { type: 'UnitsRemoved', data: { projectId: 'p-1', units: [{ unitId: 'u-3', area: 100 }, { unitId: 'u-4', area: 100 }], reason: '重新测绘' } },
        { type: 'ProjectPublished', data: { projectId: 'p-1', district: 'nanshan', useType: 'rnd', supplyModes: ['rent'], totalArea: 12000 } },
        { type: 'ProjectWithdrawn', data: { projectId: 'p-1', district: 'nanshan', useType: 'rnd', supplyModes: ['rent'], totalArea: 12000, reason: '已租完' } },
      ])
      .then(PROJECTS, 'p-1', {
        projectId: 'p-1',
        ...fields,
        name: '南山云谷',
        supplyModes: ['rent'],
        location: { lng: 113.95, lat: 22.58 },
        nameGrams: ['南山', '山云', '云谷'],
        addressGrams: ['留仙', '仙大', '大道'],
        districtName: '南山区',
        useTypeName: '研发用房',
        geo: { type: 'Point', coordinates: [113.95, 22.58] },
        units: { 'u-2': { ...unit, unitId: 'u-2', number: '302' } },
        marketArea: 12000,
        ledger: fresh,
        status: 'withdrawn',
        registeredAt: t(1),
        publishedAt: t(6),
        withdrawnAt: t(7),
        withdrawReason: '已租完',
        updatedAt: t(7),
      }));

  it('the ledger on the document: the typed figure is the market area; the deltas the events carry move the derived figures', () => {
    const space = (centi: Record<string, number>) => ({ projectId: 'p-1', district: 'nanshan', useType: 'rnd', supplyModes: ['rent'], centi });
    const ref = { noticeId: 'n-1', district: 'nanshan' as const, projectId: 'p-1' };
    return spec
      .given([
        registered,
        { type: 'ProjectUpdated', data: { projectId: 'p-1', changes: { availableArea: 10000 }, previous: { availableArea: 12000 }, reason: '自用', published: false } },
        { type: 'NoticePublished', data: { ...ref, supplyMode: 'rent', area: 3000, price: 50, eligibility: 'e', opensAt: 'x', closesAt: 'y', publicityWorkingDays: 5, space: space({ offered: 300000 }) } },
        { type: 'AllocationDecided', data: { ...ref, method: 'first_come', algorithm: 'a', offeredArea: 3000, inputs: [], order: [], allocations: [], allocatedArea: 2300, space: space({ offered: -300000, allocated: 230000 }) } },
        { type: 'NoticeAmended', data: { ...ref, changes: { price: 40 }, previous: { price: 50 }, reason: 'r' } }, // moves no space
      ])
      .then(PROJECTS, 'p-1', expect.objectContaining({
        marketArea: 10000,
        ledger: { marketCenti: 1000000, availableCenti: 770000, offeredCenti: 0, allocatedCenti: 230000, letCenti: 0, soldCenti: 0, withheldCenti: 200000 },
      }) as Record<string, unknown>);
  });

  describe('open notices (?openNotice=): from NoticePublished until NoticeClosed or NoticeCancelled', () => {
    const space = (centi: Record<string, number>) => ({ projectId: 'p-1', district: 'nanshan', useType: 'rnd', supplyModes: ['rent', 'sale'], centi });
    const terms = { price: 50, eligibility: 'e', opensAt: 'x', closesAt: 'y', publicityWorkingDays: 5 };
    const ref = (noticeId: string) => ({ noticeId, district: 'nanshan' as const, projectId: 'p-1' });
    const published = (noticeId: string, supplyMode: 'rent' | 'sale', area: number): NoticeEvent => ({
      type: 'NoticePublished',
      data: { ...ref(noticeId), supplyMode, area, ...terms, space: space({ offered: area * 100 }) },
    });
    const cancelled = (noticeId: string, area: number): NoticeEvent => ({ type: 'NoticeCancelled', data: { ...ref(noticeId), reason: '撤回', space: space({ offered: -area * 100 }) } });
    const open = (openNotices: Record<string, string> | undefined, offeredCenti: number) =>
      expect.objectContaining({ ...(openNotices ? { openNotices } : {}), ledger: expect.objectContaining({ offeredCenti }) }) as Record<string, unknown>;

    it('each notice by id while it is open, in the same op as its ledger change; a close, then a cancel, ends it once', async () => {
      await spec.given([registered, published('n-1', 'rent', 1000), published('n.2', 'sale', 500)]).then(PROJECTS, 'p-1', open({ 'n-1': 'rent', 'n%2E2': 'sale' }, 150000));
      await spec
        .given([registered, published('n-1', 'rent', 1000), published('n.2', 'sale', 500), { type: 'NoticeClosed', data: ref('n-1') }])
        .then(PROJECTS, 'p-1', open({ 'n%2E2': 'sale' }, 150000));
      // The last to end leaves an empty map, whose project `openNotice=false` finds.
      await spec
        .given([registered, published('n-1', 'rent', 1000), published('n.2', 'sale', 500), { type: 'NoticeClosed', data: ref('n-1') }, cancelled('n.2', 500), cancelled('n-1', 1000)])
        .then(PROJECTS, 'p-1', open({}, 0));
    });

    it('amendments leave it open; a project without notices has no map', async () => {
      await spec.given([registered]).then(PROJECTS, 'p-1', expect.not.objectContaining({ openNotices: expect.anything() }) as Record<string, unknown>);
      await spec
        .given([registered, published('n-1', 'rent', 1000), { type: 'NoticeAmended', data: { ...ref('n-1'), changes: { price: 40 }, previous: { price: 50 }, reason: 'r' } }])
        .then(PROJECTS, 'p-1', open({ 'n-1': 'rent' }, 100000));
    });

    it('events recorded before they named the project: a cancel by its delta, a close by the publicity that follows it', async () => {
      const { projectId: _p, ...bare } = ref('n-1');
      await spec.given([registered, published('n-1', 'rent', 1000), { type: 'NoticeCancelled', data: { ...bare, reason: '撤回', space: space({ offered: -100000 }) } }]).then(PROJECTS, 'p-1', open({}, 0));
      await spec.given([registered, published('n-1', 'rent', 1000), { type: 'NoticeClosed', data: bare }]).then(PROJECTS, 'p-1', open({ 'n-1': 'rent' }, 100000));
      await spec
        .given([registered, published('n-1', 'rent', 1000), { type: 'NoticeClosed', data: bare }, { type: 'QualificationPublicityStarted', data: { ...ref('n-1'), startsAt: 'a', endsAt: 'b', list: [] } }])
        .then(PROJECTS, 'p-1', open({}, 100000));
    });
  });
});
