// Project search read model: one document per project.
import { describe, it } from 'vitest';
import type { ProjectEvent } from '../../../src/domain/project.js';
import { PROJECTS, projectSearch } from '../../../src/projections/project-search.js';
import { projectionSpec } from '../projection-spec.js';

const spec = projectionSpec<ProjectEvent>(projectSearch);
const t = (n: number) => new Date(Date.parse('2027-01-04T02:00:00.000Z') + n * 60_000).toISOString();
const fields = { name: '南山智园', district: 'nanshan', address: '留仙大道', useType: 'rnd', supplyModes: ['rent'], totalArea: 12000 } as const;
const unit = { unitId: 'u-1', building: 'A栋', floor: '3', number: '301', area: 100 };
const registered: ProjectEvent = { type: 'ProjectRegistered', data: { projectId: 'p-1', ...fields, supplyModes: ['rent'], location: { lng: 113.95, lat: 22.58 }, units: [unit] } };

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
      status: 'registered',
      registeredAt: t(1),
      updatedAt: t(1),
    }));

  it('updated, units added and removed, published then withdrawn', () =>
    spec
      .given([
        registered,
        { type: 'ProjectUpdated', data: { projectId: 'p-1', changes: { name: '南山云谷' }, previous: { name: '南山智园' }, reason: '更名', published: false } },
        { type: 'UnitsAdded', data: { projectId: 'p-1', units: [{ ...unit, unitId: 'u-2', number: '302' }] } },
        { type: 'UnitRemoved', data: { projectId: 'p-1', unitId: 'u-1', area: 100 } },
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
        status: 'withdrawn',
        registeredAt: t(1),
        publishedAt: t(5),
        withdrawnAt: t(6),
        withdrawReason: '已租完',
        updatedAt: t(6),
      }));
});
