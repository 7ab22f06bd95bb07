// The listing decider (房源项目), rule by rule: given past events, when a command, then events or a refusal.
import { describe, expect, it } from 'vitest';
import {
  type NewUnit,
  type ProjectCommand,
  type ProjectEvent,
  type ProjectFields,
  type ProjectState,
  type Unit,
  MAX_UNITS_PER_PROJECT,
  projectDecider,
} from '../../src/domain/project.js';
import { type Actor, Duplicate, Forbidden, NotFound, RuleViolation } from '../../src/domain/shared.js';
import { actors, spec, testContext } from './decider-spec.js';

const given = spec<ProjectCommand, ProjectEvent, ProjectState>(projectDecider);
const ctx = (actor: Actor = actors.nanshan) => testContext(actor);

const P = 'p-1';
const fields: ProjectFields = {
  name: '南山智园崇文园区',
  district: 'nanshan',
  address: '南山区留仙大道3370号',
  useType: 'rnd',
  supplyModes: ['rent'],
  totalArea: 12000,
  managingDepartment: '南山区住房和建设局',
};
const unitA: Unit = { unitId: 'u-a', building: 'A栋', floor: '3', number: '301', area: 500 };
const unitB: Unit = { unitId: 'u-b', building: 'A栋', floor: '3', number: '302', area: 700 };

const register = (f: ProjectFields = fields, units?: NewUnit[]): ProjectCommand => ({ type: 'RegisterProject', projectId: P, fields: f, ...(units ? { units } : {}) });

function registered(f: Partial<ProjectFields> = {}, units: Unit[] = []): ProjectEvent {
  const all = { ...fields, ...f };
  return { type: 'ProjectRegistered', data: { projectId: P, ...all, availableArea: all.availableArea ?? all.totalArea, units } };
}
const published = (f: Partial<ProjectFields> = {}): ProjectEvent => {
  const all = { ...fields, ...f };
  return { type: 'ProjectPublished', data: { projectId: P, district: all.district, useType: all.useType, supplyModes: all.supplyModes, totalArea: all.totalArea, marketArea: all.availableArea ?? all.totalArea } };
};
const withdrawn: ProjectEvent = {
  type: 'ProjectWithdrawn',
  data: { projectId: P, reason: '项目调整', district: 'nanshan', useType: 'rnd', supplyModes: ['rent'], totalArea: 12000 },
};
const update = (changes: Partial<ProjectFields>, reason = '面积复核'): ProjectCommand => ({ type: 'UpdateProject', changes, reason });

describe('RegisterProject (录入)', () => {
  it('records every field, with availableArea defaulting to totalArea and fresh unit ids', () => {
    const units: NewUnit[] = [
      { building: 'A栋', floor: '3', number: '301', area: 500 },
      { building: 'A栋', floor: '3', number: '302', area: 700 },
    ];
    given([])
      .when(register(fields, units), ctx())
      .then([
        {
          type: 'ProjectRegistered',
          data: {
            projectId: P,
            ...fields,
            availableArea: 12000,
            units: [
              { unitId: 'id-1', building: 'A栋', floor: '3', number: '301', area: 500 },
              { unitId: 'id-2', building: 'A栋', floor: '3', number: '302', area: 700 },
            ],
          },
        },
      ]);
  });

  it('keeps an availableArea it is given and records no units when none are sent', () => {
    given([])
      .when(register({ ...fields, availableArea: 3000 }), ctx())
      .then([{ type: 'ProjectRegistered', data: { projectId: P, ...fields, availableArea: 3000, units: [] } }]);
  });

  it('availableArea may equal totalArea but not exceed it', () => {
    given([])
      .when(register({ ...fields, availableArea: 12000 }), ctx())
      .thenMatches((events) => expect(events).toHaveLength(1));
    given([])
      .when(register({ ...fields, availableArea: 12000.5 }), ctx())
      .thenThrows(RuleViolation, 'AVAILABLE_EXCEEDS_TOTAL_AREA');
  });

  describe('district scope', () => {
    it('an officer of the district may register there', () => {
      given([]).when(register(), ctx(actors.nanshan)).then([registered()]);
    });
    it("another district's officer may not", () => {
      given([]).when(register(), ctx(actors.futian)).thenThrows(Forbidden);
    });
    it("a city-level department ('city') may register in any district", () => {
      given([]).when(register(), ctx(actors.cityDept)).then([registered()]);
      given([]).when(register({ ...fields, district: 'futian' }), ctx(actors.cityDept)).then([registered({ district: 'futian' })]);
    });
    it('city_admin may register in any district', () => {
      given([]).when(register({ ...fields, district: 'shenshan' }), ctx(actors.admin)).then([registered({ district: 'shenshan' })]);
    });
    it('an enterprise or an auditor may not register at all', () => {
      given([]).when(register(), ctx(actors.enterprise)).thenThrows(Forbidden);
      given([]).when(register(), ctx(actors.auditor)).thenThrows(Forbidden);
    });
  });

  describe('areas are positive', () => {
    for (const key of ['totalArea', 'availableArea', 'landArea'] as const) {
      // Nothing left to let or sell is a real state: availableArea may be 0, never negative.
      for (const bad of key === 'availableArea' ? [-1] : [0, -1]) {
        it(`${key} = ${bad} is refused`, () => {
          given([])
            .when(register({ ...fields, [key]: bad }), ctx())
            .thenThrows(RuleViolation, 'AREA_NOT_POSITIVE');
        });
      }
    }
    it('availableArea = 0 (all let or sold) is accepted', () => {
      given([])
        .when(register({ ...fields, availableArea: 0 }), ctx())
        .thenMatches((events) => expect((events[0]!.data as { availableArea: number }).availableArea).toBe(0));
    });
    it('a NaN totalArea is refused', () => {
      given([])
        .when(register({ ...fields, totalArea: Number.NaN }), ctx())
        .thenThrows(RuleViolation, 'AREA_NOT_POSITIVE');
    });
    it('a unit of no area is refused', () => {
      given([])
        .when(register(fields, [{ building: 'A', floor: '1', number: '101', area: 0 }]), ctx())
        .thenThrows(RuleViolation, 'AREA_NOT_POSITIVE');
    });
  });

  it('needs at least one supply mode', () => {
    given([])
      .when(register({ ...fields, supplyModes: [] }), ctx())
      .thenThrows(RuleViolation, 'SUPPLY_MODE_REQUIRED');
  });

  it('units may fill the total area exactly but never exceed it', () => {
    const half = (n: string): NewUnit => ({ building: 'B', floor: '1', number: n, area: 6000 });
    given([])
      .when(register(fields, [half('1'), half('2')]), ctx())
      .thenMatches((events) => expect(events[0]!.type).toBe('ProjectRegistered'));
    given([])
      .when(register(fields, [half('1'), half('2'), { building: 'B', floor: '1', number: '3', area: 0.01 }]), ctx())
      .thenThrows(RuleViolation, 'UNITS_EXCEED_TOTAL_AREA');
  });

  it('the same unit (building, floor, number) may not be listed twice', () => {
    const u: NewUnit = { building: 'A栋', floor: '3', number: '301', area: 100 };
    given([])
      .when(register(fields, [u, { ...u, area: 200 }]), ctx())
      .thenThrows(RuleViolation, 'UNIT_DUPLICATE');
    // Same number on another floor is another unit.
    given([])
      .when(register(fields, [u, { ...u, floor: '4' }]), ctx())
      .thenMatches((events) => expect((events[0]!.data as { units: Unit[] }).units).toHaveLength(2));
  });

  it('a project is registered only once, whatever its state', () => {
    given([registered()]).when(register(), ctx()).thenThrows(Duplicate, 'PROJECT_EXISTS');
    given([registered(), published()]).when(register(), ctx()).thenThrows(Duplicate, 'PROJECT_EXISTS');
    given([registered(), published(), withdrawn]).when(register(), ctx()).thenThrows(Duplicate, 'PROJECT_EXISTS');
  });
});

describe('UpdateProject (动态更新)', () => {
  it('records only what changed, the old values and the reason', () => {
    given([registered()])
      .when(update({ name: '南山智园崇文园区二期', address: fields.address, useType: 'office' }, '更名'), ctx())
      .then([
        {
          type: 'ProjectUpdated',
          data: {
            projectId: P,
            changes: { name: '南山智园崇文园区二期', useType: 'office' },
            previous: { name: fields.name, useType: 'rnd' },
            reason: '更名',
            published: false,
          },
        },
      ]);
  });

  it('previous holds undefined for an optional field that had no value', () => {
    given([registered()])
      .when(update({ owner: '深圳市投资控股有限公司' }), ctx())
      .thenMatches(([e]) => {
        expect(e!.type).toBe('ProjectUpdated');
        const data = e!.data as { changes: object; previous: Record<string, unknown> };
        expect(data.changes).toEqual({ owner: '深圳市投资控股有限公司' });
        expect('owner' in data.previous).toBe(true);
        expect(data.previous.owner).toBeUndefined();
      });
  });

  it('a later update sees the earlier one', () => {
    const first: ProjectEvent = {
      type: 'ProjectUpdated',
      data: { projectId: P, changes: { name: '新名' }, previous: { name: fields.name }, reason: 'r', published: false },
    };
    given([registered(), first])
      .when(update({ name: '再改名' }), ctx())
      .thenMatches(([e]) => expect((e!.data as { previous: object }).previous).toEqual({ name: '新名' }));
    given([registered(), first]).when(update({ name: '新名' }), ctx()).thenThrows(RuleViolation, 'NOTHING_CHANGED');
  });

  it('must say why', () => {
    given([registered()]).when(update({ name: '新名' }, ''), ctx()).thenThrows(RuleViolation, 'REASON_REQUIRED');
    given([registered()]).when(update({ name: '新名' }, '  \n '), ctx()).thenThrows(RuleViolation, 'REASON_REQUIRED');
  });

  it('must change something real', () => {
    given([registered()]).when(update({}), ctx()).thenThrows(RuleViolation, 'NOTHING_CHANGED');
    given([registered()])
      .when(update({ name: fields.name, totalArea: 12000, supplyModes: ['rent'], availableArea: 12000 }), ctx())
      .thenThrows(RuleViolation, 'NOTHING_CHANGED');
    given([registered()]).when(update({ name: undefined }), ctx()).thenThrows(RuleViolation, 'NOTHING_CHANGED');
  });

  it('an update of a published project that leaves the counted figures alone carries no figures', () => {
    given([registered(), published()])
      .when(update({ name: '新名', summary: '简介' }), ctx())
      .then([
        {
          type: 'ProjectUpdated',
          data: { projectId: P, changes: { name: '新名', summary: '简介' }, previous: { name: fields.name, summary: undefined }, reason: '面积复核', published: true },
        },
      ]);
  });

  it('an update of a published project that changes a counted figure carries them before and after', () => {
    given([registered(), published()])
      .when(update({ totalArea: 15000, supplyModes: ['rent', 'sale'] }), ctx())
      .then([
        {
          type: 'ProjectUpdated',
          data: {
            projectId: P,
            changes: { totalArea: 15000, supplyModes: ['rent', 'sale'] },
            previous: { totalArea: 12000, supplyModes: ['rent'] },
            reason: '面积复核',
            published: true,
            figures: {
              before: { district: 'nanshan', useType: 'rnd', supplyModes: ['rent'], totalArea: 12000, marketArea: 12000 },
              after: { district: 'nanshan', useType: 'rnd', supplyModes: ['rent', 'sale'], totalArea: 15000, marketArea: 12000 },
            },
          },
        },
      ]);
  });

  it('a use type change of a published project moves the figures too', () => {
    given([registered(), published()])
      .when(update({ useType: 'plant' }), ctx())
      .thenMatches(([e]) => {
        const data = e!.data as { figures?: { before: { useType: string }; after: { useType: string } } };
        expect(data.figures?.before.useType).toBe('rnd');
        expect(data.figures?.after.useType).toBe('plant');
      });
  });

  it('a registered (unpublished) project counts nowhere: no figures even when the area changes', () => {
    given([registered()])
      .when(update({ totalArea: 15000 }), ctx())
      .thenMatches(([e]) => {
        expect(e!.data).toMatchObject({ published: false, changes: { totalArea: 15000 } });
        expect('figures' in (e!.data as object)).toBe(false);
      });
  });

  it('an update of a published project says so (published: true)', () => {
    given([registered(), published()])
      .when(update({ summary: 'x' }), ctx())
      .thenMatches(([e]) => expect((e!.data as { published: boolean }).published).toBe(true));
  });

  describe('scope', () => {
    it("another district's officer may not update", () => {
      given([registered()]).when(update({ name: '新名' }), ctx(actors.futian)).thenThrows(Forbidden);
    });
    it('an enterprise or auditor may not update', () => {
      given([registered()]).when(update({ name: '新名' }), ctx(actors.enterprise)).thenThrows(Forbidden);
      given([registered()]).when(update({ name: '新名' }), ctx(actors.auditor)).thenThrows(Forbidden);
    });
    it('moving to another district needs scope there too', () => {
      given([registered()]).when(update({ district: 'futian' }), ctx(actors.nanshan)).thenThrows(Forbidden);
      given([registered()]).when(update({ district: 'futian' }), ctx(actors.futian)).thenThrows(Forbidden);
    });
    it('a city-level department or city_admin may move it, and a published move carries the figures', () => {
      given([registered()])
        .when(update({ district: 'futian' }), ctx(actors.cityDept))
        .thenMatches(([e]) => expect(e!.data).toMatchObject({ changes: { district: 'futian' }, previous: { district: 'nanshan' } }));
      given([registered(), published()])
        .when(update({ district: 'futian' }), ctx(actors.admin))
        .thenMatches(([e]) =>
          expect((e!.data as { figures: unknown }).figures).toEqual({
            before: { district: 'nanshan', useType: 'rnd', supplyModes: ['rent'], totalArea: 12000, marketArea: 12000 },
            after: { district: 'futian', useType: 'rnd', supplyModes: ['rent'], totalArea: 12000, marketArea: 12000 },
          }),
        );
    });
  });

  describe('areas', () => {
    it('shrinking totalArea below the units is refused', () => {
      given([registered({}, [unitA, unitB])])
        .when(update({ totalArea: 1199, availableArea: 1000 }), ctx())
        .thenThrows(RuleViolation, 'UNITS_EXCEED_TOTAL_AREA');
      given([registered({}, [unitA, unitB])])
        .when(update({ totalArea: 1200, availableArea: 1000 }), ctx())
        .thenMatches(([e]) => expect(e!.type).toBe('ProjectUpdated'));
    });
    it('shrinking totalArea below availableArea is refused unless availableArea comes down too', () => {
      given([registered()]).when(update({ totalArea: 10000 }), ctx()).thenThrows(RuleViolation, 'AVAILABLE_EXCEEDS_TOTAL_AREA');
      given([registered()]).when(update({ availableArea: 12001 }), ctx()).thenThrows(RuleViolation, 'AVAILABLE_EXCEEDS_TOTAL_AREA');
      given([registered()])
        .when(update({ totalArea: 10000, availableArea: 10000 }), ctx())
        .thenMatches(([e]) => expect(e!.data).toMatchObject({ previous: { totalArea: 12000, availableArea: 12000 } }));
    });
    it('areas stay positive and supply modes non-empty', () => {
      given([registered()]).when(update({ totalArea: 0 }), ctx()).thenThrows(RuleViolation, 'AREA_NOT_POSITIVE');
      given([registered()]).when(update({ landArea: -5 }), ctx()).thenThrows(RuleViolation, 'AREA_NOT_POSITIVE');
      given([registered()]).when(update({ supplyModes: [] }), ctx()).thenThrows(RuleViolation, 'SUPPLY_MODE_REQUIRED');
    });
  });
});

describe('AddUnits / RemoveUnit (房源精细管理)', () => {
  it('adds units with fresh ids', () => {
    given([registered({}, [unitA])])
      .when({ type: 'AddUnits', units: [{ building: 'B栋', floor: '1', number: '101', area: 300 }] }, ctx())
      .then([{ type: 'UnitsAdded', data: { projectId: P, units: [{ unitId: 'id-1', building: 'B栋', floor: '1', number: '101', area: 300 }] } }]);
  });

  it(`at most ${MAX_UNITS_PER_PROJECT} units in all, however many calls bring them`, () => {
    const many = (n: number, from = 0): Unit[] => Array.from({ length: n }, (_, i) => ({ unitId: `u-${from + i}`, building: 'A栋', floor: '1', number: String(from + i), area: 1 }));
    const big = { totalArea: 1_000_000 };
    const add = (n: number): ProjectCommand => ({ type: 'AddUnits', units: many(n, MAX_UNITS_PER_PROJECT).map(({ unitId: _id, ...u }) => u) });
    given([registered(big, many(MAX_UNITS_PER_PROJECT - 1))]).when(add(1), ctx()).thenMatches(([e]) => expect(e!.type).toBe('UnitsAdded'));
    given([registered(big, many(MAX_UNITS_PER_PROJECT - 1))]).when(add(2), ctx()).thenThrows(RuleViolation, 'PROJECT_UNIT_LIMIT');
    given([]).when(register({ ...fields, ...big }, many(MAX_UNITS_PER_PROJECT + 1).map(({ unitId: _id, ...u }) => u)), ctx()).thenThrows(RuleViolation, 'PROJECT_UNIT_LIMIT');
  });

  it('also on a published project', () => {
    given([registered(), published()])
      .when({ type: 'AddUnits', units: [{ building: 'B栋', floor: '1', number: '101', area: 300 }] }, ctx())
      .thenMatches(([e]) => expect(e!.type).toBe('UnitsAdded'));
  });

  it('refuses nothing to add, a unit already listed, and units beyond the total area', () => {
    given([registered({}, [unitA])]).when({ type: 'AddUnits', units: [] }, ctx()).thenThrows(RuleViolation, 'NO_UNITS');
    given([registered({}, [unitA])])
      .when({ type: 'AddUnits', units: [{ building: 'A栋', floor: '3', number: '301', area: 10 }] }, ctx())
      .thenThrows(RuleViolation, 'UNIT_DUPLICATE');
    given([registered({}, [unitA])])
      .when({ type: 'AddUnits', units: [{ building: 'C', floor: '1', number: '1', area: 11500.01 }] }, ctx())
      .thenThrows(RuleViolation, 'UNITS_EXCEED_TOTAL_AREA');
    given([registered({}, [unitA])])
      .when({ type: 'AddUnits', units: [{ building: 'C', floor: '1', number: '1', area: 11500 }] }, ctx())
      .thenMatches(([e]) => expect(e!.type).toBe('UnitsAdded'));
  });

  it('counts units added by earlier events', () => {
    const added: ProjectEvent = { type: 'UnitsAdded', data: { projectId: P, units: [{ ...unitB, area: 11000 }] } };
    given([registered({}, [unitA]), added])
      .when({ type: 'AddUnits', units: [{ building: 'C', floor: '1', number: '1', area: 501 }] }, ctx())
      .thenThrows(RuleViolation, 'UNITS_EXCEED_TOTAL_AREA');
    given([registered({}, [unitA]), added])
      .when({ type: 'AddUnits', units: [{ ...unitB, area: 1 }] }, ctx())
      .thenThrows(RuleViolation, 'UNIT_DUPLICATE');
  });

  it('removes a unit, recording its area and an optional reason', () => {
    given([registered({}, [unitA, unitB])])
      .when({ type: 'RemoveUnit', unitId: 'u-b', reason: '合并单元' }, ctx())
      .then([{ type: 'UnitRemoved', data: { projectId: P, unitId: 'u-b', area: 700, reason: '合并单元' } }]);
    given([registered({}, [unitA, unitB])])
      .when({ type: 'RemoveUnit', unitId: 'u-a' }, ctx())
      .then([{ type: 'UnitRemoved', data: { projectId: P, unitId: 'u-a', area: 500 } }]);
  });

  it('an unknown or already removed unit is NotFound', () => {
    given([registered({}, [unitA])]).when({ type: 'RemoveUnit', unitId: 'nope' }, ctx()).thenThrows(NotFound);
    const removed: ProjectEvent = { type: 'UnitRemoved', data: { projectId: P, unitId: 'u-a', area: 500 } };
    given([registered({}, [unitA]), removed]).when({ type: 'RemoveUnit', unitId: 'u-a' }, ctx()).thenThrows(NotFound);
  });

  it('a removed unit frees its area and its number', () => {
    const removed: ProjectEvent = { type: 'UnitRemoved', data: { projectId: P, unitId: 'u-a', area: 500 } };
    given([registered({ totalArea: 1000, availableArea: 1000 }, [unitA]), removed])
      .when({ type: 'AddUnits', units: [{ building: 'A栋', floor: '3', number: '301', area: 1000 }] }, ctx())
      .thenMatches(([e]) => expect(e!.type).toBe('UnitsAdded'));
  });

  it("another district's officer may not touch the units", () => {
    given([registered({}, [unitA])]).when({ type: 'AddUnits', units: [{ building: 'C', floor: '1', number: '1', area: 1 }] }, ctx(actors.futian)).thenThrows(Forbidden);
    given([registered({}, [unitA])]).when({ type: 'RemoveUnit', unitId: 'u-a' }, ctx(actors.futian)).thenThrows(Forbidden);
  });
});

describe('UpdateProject with units: the whole list after the update (api.md: PATCH takes what POST does)', () => {
  const unitC: Unit = { unitId: 'u-c', building: 'B栋', floor: '1', number: '101', area: 300 };
  const bare = ({ unitId: _id, ...u }: Unit): NewUnit => u;
  const withUnits = (units: NewUnit[], changes: Partial<ProjectFields> = {}): ProjectCommand => ({ type: 'UpdateProject', changes, reason: '单元重新测绘', units });
  const held = (unitIds: string[]) => [{ key: 'n-1', state: 'offered' as const, area: 500, unitIds }];

  it('keeps the units listed as they are, removes the others, adds the new; a changed area is a removal and an addition', () => {
    given([registered({}, [unitA, unitB, unitC])])
      .when(withUnits([bare(unitA), { ...bare(unitB), area: 650 }, { building: 'C栋', floor: '2', number: '201', area: 80 }]), ctx())
      .then([
        { type: 'UnitsRemoved', data: { projectId: P, units: [{ unitId: 'u-b', area: 700 }, { unitId: 'u-c', area: 300 }], reason: '单元重新测绘' } },
        { type: 'UnitsAdded', data: { projectId: P, units: [{ unitId: 'id-1', ...bare(unitB), area: 650 }, { unitId: 'id-2', building: 'C栋', floor: '2', number: '201', area: 80 }] } },
      ]);
  });

  it('with fields changed too: the update first, then the units; an empty list removes them all', () => {
    given([registered({}, [unitA])])
      .when(withUnits([], { name: '南山智园' }), ctx())
      .thenMatches((events) => expect(events.map((e) => e.type)).toEqual(['ProjectUpdated', 'UnitsRemoved']));
  });

  it('units removed together leave the state together; a project past the unit cap from before it still takes field updates', () => {
    const many = (n: number): Unit[] => Array.from({ length: n }, (_, i) => ({ unitId: `u-${i}`, building: 'A栋', floor: '1', number: String(i), area: 1 }));
    const gone: ProjectEvent = { type: 'UnitsRemoved', data: { projectId: P, units: [{ unitId: 'u-a', area: 500 }, { unitId: 'u-b', area: 700 }], reason: '重新测绘' } };
    given([registered({}, [unitA, unitB]), gone]).when({ type: 'RemoveUnit', unitId: 'u-a' }, ctx()).thenThrows(NotFound);
    given([registered({}, [unitA, unitB]), gone]).when(withUnits([bare(unitA)]), ctx()).then([{ type: 'UnitsAdded', data: { projectId: P, units: [{ unitId: 'id-1', ...bare(unitA) }] } }]);
    const big = registered({ totalArea: 1_000_000 }, many(MAX_UNITS_PER_PROJECT + 1));
    given([big]).when(update({ name: '南山智园二期' }), ctx()).thenMatches(([e]) => expect(e!.type).toBe('ProjectUpdated'));
    given([big]).when(withUnits(many(MAX_UNITS_PER_PROJECT + 1).map(bare)), ctx()).thenThrows(RuleViolation, 'PROJECT_UNIT_LIMIT');
  });

  it('a unit listed twice is refused before any other check of the list', () => {
    given([registered({}, [unitA, unitB])]).when({ ...withUnits([bare(unitB), bare(unitB)]), holdings: held(['u-a']) } as ProjectCommand, ctx()).thenThrows(RuleViolation, 'UNIT_DUPLICATE');
  });

  it('the same list and no field changed is nothing to do', () => {
    given([registered({}, [unitA, unitB])]).when(withUnits([bare(unitB), bare(unitA)]), ctx()).thenThrows(RuleViolation, 'NOTHING_CHANGED');
  });

  it('a unit held by a notice, an allocation or a tenancy may be neither dropped nor changed', () => {
    given([registered({}, [unitA, unitB])]).when({ ...withUnits([bare(unitB)]), holdings: held(['u-a']) } as ProjectCommand, ctx()).thenThrows(RuleViolation, 'UNIT_HELD');
    given([registered({}, [unitA, unitB])]).when({ ...withUnits([{ ...bare(unitA), area: 400 }, bare(unitB)]), holdings: held(['u-a']) } as ProjectCommand, ctx()).thenThrows(RuleViolation, 'UNIT_HELD');
    given([registered({}, [unitA, unitB])])
      .when({ ...withUnits([bare(unitA)]), holdings: held(['u-a']) } as ProjectCommand, ctx())
      .then([{ type: 'UnitsRemoved', data: { projectId: P, units: [{ unitId: 'u-b', area: 700 }], reason: '单元重新测绘' } }]);
  });

  it('the list is checked as a registration is: within the total area (the new one, if it changes), once each', () => {
    given([registered({}, [unitA])]).when(withUnits([bare(unitA), { building: 'C', floor: '1', number: '1', area: 11600 }]), ctx()).thenThrows(RuleViolation, 'UNITS_EXCEED_TOTAL_AREA');
    given([registered({}, [unitA])]).when(withUnits([bare(unitA), bare(unitA)]), ctx()).thenThrows(RuleViolation, 'UNIT_DUPLICATE');
    given([registered({}, [unitA, unitB])]).when(withUnits([bare(unitA)], { totalArea: 600, availableArea: 600 }), ctx()).thenMatches((events) => expect(events.map((e) => e.type)).toEqual(['ProjectUpdated', 'UnitsRemoved']));
    given([registered({}, [unitA, unitB])]).when(withUnits([bare(unitA), bare(unitB)], { totalArea: 600, availableArea: 600 }), ctx()).thenThrows(RuleViolation, 'UNITS_EXCEED_TOTAL_AREA');
  });
});

describe('PublishProject (发布)', () => {
  it('publishes with the figures statistics count', () => {
    given([registered()])
      .when({ type: 'PublishProject' }, ctx())
      .then([{ type: 'ProjectPublished', data: { projectId: P, district: 'nanshan', useType: 'rnd', supplyModes: ['rent'], totalArea: 12000, marketArea: 12000 } }]);
  });

  it('publishes the figures as updated before publication', () => {
    const upd: ProjectEvent = {
      type: 'ProjectUpdated',
      data: { projectId: P, changes: { totalArea: 9000, availableArea: 9000, supplyModes: ['sale'] }, previous: {}, reason: 'r', published: false },
    };
    given([registered(), upd])
      .when({ type: 'PublishProject' }, ctx(actors.admin))
      .then([{ type: 'ProjectPublished', data: { projectId: P, district: 'nanshan', useType: 'rnd', supplyModes: ['sale'], totalArea: 9000, marketArea: 9000 } }]);
  });

  it('needs complete data: without a managing department it is PROJECT_INCOMPLETE', () => {
    const { managingDepartment: _omit, ...incomplete } = fields;
    given([registered({ ...incomplete, managingDepartment: undefined })])
      .when({ type: 'PublishProject' }, ctx())
      .thenThrows(RuleViolation, 'PROJECT_INCOMPLETE');
    given([registered({ managingDepartment: '   ' })])
      .when({ type: 'PublishProject' }, ctx())
      .thenThrows(RuleViolation, 'PROJECT_INCOMPLETE');
    let message = '';
    try {
      projectDecider.decide({ type: 'PublishProject' }, projectDecider.evolve(projectDecider.initialState, registered({ managingDepartment: undefined, address: ' ' })), ctx());
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('managingDepartment');
    expect(message).toContain('address');
  });

  it('publishing twice is refused', () => {
    given([registered(), published()]).when({ type: 'PublishProject' }, ctx()).thenThrows(RuleViolation, 'PROJECT_ALREADY_PUBLISHED');
  });

  it("another district's officer, an enterprise or an auditor may not publish", () => {
    given([registered()]).when({ type: 'PublishProject' }, ctx(actors.futian)).thenThrows(Forbidden);
    given([registered()]).when({ type: 'PublishProject' }, ctx(actors.enterprise)).thenThrows(Forbidden);
    given([registered()]).when({ type: 'PublishProject' }, ctx(actors.auditor)).thenThrows(Forbidden);
    given([registered()]).when({ type: 'PublishProject' }, ctx(actors.cityDept)).then([published()]);
  });
});

describe('WithdrawProject (退出)', () => {
  it('withdraws a published project with the reason and its current figures', () => {
    const upd: ProjectEvent = {
      type: 'ProjectUpdated',
      data: { projectId: P, changes: { totalArea: 20000 }, previous: { totalArea: 12000 }, reason: 'r', published: true },
    };
    given([registered(), published(), upd])
      .when({ type: 'WithdrawProject', reason: '房源已全部租售' }, ctx())
      .then([{ type: 'ProjectWithdrawn', data: { projectId: P, reason: '房源已全部租售', district: 'nanshan', useType: 'rnd', supplyModes: ['rent'], totalArea: 20000, marketArea: 12000 } }]);
  });

  it('only a published project can be withdrawn', () => {
    given([registered()]).when({ type: 'WithdrawProject', reason: '不再供应' }, ctx()).thenThrows(RuleViolation, 'PROJECT_NOT_PUBLISHED');
  });

  it('needs a reason', () => {
    given([registered(), published()]).when({ type: 'WithdrawProject', reason: '' }, ctx()).thenThrows(RuleViolation, 'REASON_REQUIRED');
    given([registered(), published()]).when({ type: 'WithdrawProject', reason: ' \t' }, ctx()).thenThrows(RuleViolation, 'REASON_REQUIRED');
  });

  it("another district's officer may not withdraw", () => {
    given([registered(), published()]).when({ type: 'WithdrawProject', reason: 'x' }, ctx(actors.futian)).thenThrows(Forbidden);
  });
});

describe('after withdrawal nothing more may be done', () => {
  const commands: ProjectCommand[] = [
    update({ name: '新名' }),
    { type: 'AddUnits', units: [{ building: 'C', floor: '1', number: '1', area: 1 }] },
    { type: 'RemoveUnit', unitId: 'u-a' },
    { type: 'PublishProject' },
    { type: 'WithdrawProject', reason: '再次退出' },
  ];
  for (const command of commands) {
    it(`${command.type} → PROJECT_WITHDRAWN`, () => {
      given([registered({}, [unitA]), published(), withdrawn]).when(command, ctx()).thenThrows(RuleViolation, 'PROJECT_WITHDRAWN');
      given([registered({}, [unitA]), published(), withdrawn]).when(command, ctx(actors.admin)).thenThrows(RuleViolation, 'PROJECT_WITHDRAWN');
    });
  }
});

describe('commands on a project that does not exist', () => {
  const commands: ProjectCommand[] = [
    update({ name: '新名' }),
    { type: 'AddUnits', units: [{ building: 'C', floor: '1', number: '1', area: 1 }] },
    { type: 'RemoveUnit', unitId: 'u-a' },
    { type: 'PublishProject' },
    { type: 'WithdrawProject', reason: 'x' },
  ];
  for (const command of commands) {
    it(`${command.type} → NotFound`, () => {
      given([]).when(command, ctx(actors.admin)).thenThrows(NotFound);
    });
  }
});

describe('evolve', () => {
  it('folds the lifecycle into the state', () => {
    const events: ProjectEvent[] = [
      registered({}, [unitA]),
      { type: 'UnitsAdded', data: { projectId: P, units: [unitB] } },
      { type: 'UnitRemoved', data: { projectId: P, unitId: 'u-a', area: 500 } },
      { type: 'ProjectUpdated', data: { projectId: P, changes: { name: '新名' }, previous: { name: fields.name }, reason: 'r', published: false } },
      published(),
    ];
    const state = events.reduce(projectDecider.evolve, projectDecider.initialState);
    expect(state).toEqual({
      status: 'published',
      projectId: P,
      fields: { ...fields, name: '新名', availableArea: 12000 },
      units: [unitB],
    });
    expect(projectDecider.evolve(state, withdrawn).status).toBe('withdrawn');
  });
});
