// Units in the procedure (allocation.ts rule 6): a notice that lists units allocates them whole, in its
// listed order, walking the derived order; 递补 passes a forfeited winner's units on; the per-enterprise
// cap still holds; a notice's units cannot add up to more than it offers.
import { describe, expect, it } from 'vitest';
import { ALLOCATION_ALGORITHM_UNITS, allocate, coverUnits } from '../../src/domain/allocation.js';
import type { ApplicationFacts } from '../../src/domain/application.js';
import { DEFAULT_CALENDAR } from '../../src/domain/calendar.js';
import { type NoticeCommand, type NoticeEvent, type ProjectSnapshot, noticeDecider, noticeSnapshot } from '../../src/domain/notice.js';
import { RuleViolation } from '../../src/domain/shared.js';
import { actors, spec, testContext } from './decider-spec.js';

const given = spec(noticeDecider);
const ref = { noticeId: 'n-1', district: 'nanshan' as const };
const BEFORE = '2026-01-05T02:00:00.000Z';
const AFTER_PUBLICITY = '2026-01-29T02:00:00.000Z';
const at = (now: string) => testContext(actors.nanshan, now);
// The notice lists 101 (1,200 ㎡), 102 (1,100 ㎡), 103 (700 ㎡): 3,000 ㎡.
const units = [
  { unitId: 'u-101', area: 1_200 },
  { unitId: 'u-102', area: 1_100 },
  { unitId: 'u-103', area: 700 },
];
const unitIds = units.map((u) => u.unitId);
const project: ProjectSnapshot = {
  projectId: 'p-1',
  status: 'published',
  district: 'nanshan',
  supplyModes: ['rent'],
  totalArea: 20_000,
  unitIds: [...unitIds, 'u-201'],
  unitAreas: { ...Object.fromEntries(units.map((u) => [u.unitId, u.area])), 'u-201': 500 },
};
const terms = { area: 3_000, unitIds, price: 65, eligibility: '南山区注册的高新技术企业', opensAt: '2026-01-10T01:00:00.000Z', closesAt: '2026-01-20T09:00:00.000Z' };
const candidate = (applicationId: string, requestedArea: number, submittedPosition: number) => ({ applicationId, requestedArea, submittedPosition });

describe('coverUnits and allocate with units', () => {
  it('each candidate in the derived order takes the first units left that cover its request; its area is theirs', () => {
    const outcome = allocate('first_come', [candidate('a', 1_000, 1), candidate('b', 1_500, 2), candidate('c', 700, 3), candidate('d', 600, 4)], 3_000, undefined, { offered: units });
    expect(outcome).toEqual({
      order: ['a', 'b', 'c', 'd'],
      // a: 101 covers 1,000; b: 102 (1,100) does not cover 1,500, 102+103 do; c: nothing is left; d neither.
      allocations: [
        { applicationId: 'a', area: 1_200, rank: 1, unitIds: ['u-101'] },
        { applicationId: 'b', area: 1_800, rank: 2, unitIds: ['u-102', 'u-103'] },
      ],
      allocatedArea: 3_000,
    });
  });
  it('a candidate the units left cannot cover, or whose cover exceeds the cap, gets nothing and the walk goes on', () => {
    const outcome = allocate('first_come', [candidate('a', 2_400, 1), candidate('b', 1_000, 2), candidate('c', 700, 3)], 3_000, undefined, { offered: units, cap: 1_150 });
    // a's cover (101+102+103 = 3,000) exceeds the cap; b's and c's (101, 1,200) too: nobody.
    expect(outcome.allocations).toEqual([]);
    // Listed smallest first: a's cover is all three (3,000 > 1,150); b's is 103+102 (1,800 > 1,150: units are
    // taken in the listed order, never picked around); c's is 103 (700).
    const listedSmallFirst = [...units].reverse();
    expect(allocate('first_come', [candidate('a', 2_400, 1), candidate('b', 1_000, 2), candidate('c', 700, 3)], 3_000, undefined, { offered: listedSmallFirst, cap: 1_150 }).allocations).toEqual([
      { applicationId: 'c', area: 700, rank: 3, unitIds: ['u-103'] },
    ]);
    // Without the cap, a takes them all.
    expect(allocate('first_come', [candidate('a', 2_400, 1), candidate('b', 1_000, 2)], 3_000, undefined, { offered: listedSmallFirst }).allocations).toEqual([
      { applicationId: 'a', area: 3_000, rank: 1, unitIds: ['u-103', 'u-102', 'u-101'] },
    ]);
  });
  it('coverUnits: the shortest prefix that covers, else nothing', () => {
    expect(coverUnits(units, 1_200)?.map((u) => u.unitId)).toEqual(['u-101']);
    expect(coverUnits(units, 1_200.0001)?.map((u) => u.unitId)).toEqual(['u-101', 'u-102']);
    expect(coverUnits(units, 3_000.01)).toBeUndefined();
    expect(coverUnits(units, 2_000, 2_299.99)).toBeUndefined();
  });
});

describe('a notice that lists units', () => {
  const publish: NoticeCommand = { type: 'PublishNotice', noticeId: 'n-1', projectId: 'p-1', supplyMode: 'rent', project, ...terms };
  it('UNITS_EXCEED_AREA: its units cannot add up to more than it offers', () => {
    given([]).when({ ...publish, area: 2_999 }, at(BEFORE)).thenThrows(RuleViolation, 'UNITS_EXCEED_AREA');
    given([]).when(publish, at(BEFORE)).thenMatches(([e]) => expect(e?.data).toMatchObject({ area: 3_000, unitIds }));
  });

  const fact = (applicationId: string, requestedArea: number, submittedPosition: number): ApplicationFacts => ({
    applicationId,
    status: 'reviewed',
    creditCode: `CC-${applicationId}`,
    enterpriseName: `企业${applicationId}`,
    requestedArea,
    qualified: true,
    reasons: [],
    score: 100 - submittedPosition,
    submittedPosition,
    openObjections: 0,
    awaitingReview: false,
  });
  const facts = [fact('a', 1_000, 1), fact('b', 1_500, 2), fact('c', 700, 3)];
  const history: NoticeEvent[] = [
    { type: 'NoticePublished', data: { ...ref, projectId: 'p-1', supplyMode: 'rent', ...terms, publicityWorkingDays: 5 } },
    { type: 'NoticeClosed', data: ref },
    {
      type: 'QualificationPublicityStarted',
      data: { ...ref, projectId: 'p-1', startsAt: '2026-01-21T02:00:00.000Z', endsAt: '2026-01-28T15:59:59.999Z', list: facts.map((f) => ({ applicationId: f.applicationId, enterpriseName: f.enterpriseName, creditCode: f.creditCode, qualified: true, reasons: [] })) },
    },
  ];
  const decide: NoticeCommand = { type: 'DecideAllocation', method: 'ranking', applications: facts, units: [...units, { unitId: 'u-201', area: 500 }] };
  const allocations = [
    { applicationId: 'a', area: 1_200, rank: 1, unitIds: ['u-101'] },
    { applicationId: 'b', area: 1_800, rank: 2, unitIds: ['u-102', 'u-103'] },
  ];

  it('the allocation assigns its units whole, recording them with their areas and the rule it used', () => {
    given(history)
      .when(decide, at(AFTER_PUBLICITY))
      .thenMatches(([e]) => {
        expect(e?.type).toBe('AllocationDecided');
        expect(e?.data).toMatchObject({ algorithm: ALLOCATION_ALGORITHM_UNITS, units, allocations, allocatedArea: 3_000, order: ['a', 'b', 'c'] });
        // The offer (3,000) becomes allocations of exactly their units' area.
        expect((e?.data as { space?: unknown }).space).toBeUndefined(); // no class on this notice: no delta
      });
  });
  it('the notice’s cap holds for each cover, and the event re-derives from what it records alone', () => {
    const capped = history.map((e) => (e.type === 'NoticePublished' ? ({ ...e, data: { ...e.data, maxAreaPerEnterprise: 1_500 } } as NoticeEvent) : e));
    given(capped)
      .when(decide, at(AFTER_PUBLICITY))
      .thenMatches(([e]) => {
        const d = (e as Extract<NoticeEvent, { type: 'AllocationDecided' }>).data;
        // b's cover (302+303, 1,800 ㎡) exceeds the 1,500 ㎡ cap: b gets nothing; c's is 302.
        expect(d.allocations).toEqual([allocations[0], { applicationId: 'c', area: 1_100, rank: 3, unitIds: ['u-102'] }]);
        expect(d.maxAreaPerEnterprise).toBe(1_500);
        const again = allocate(d.method, d.inputs, d.offeredArea, d.effectiveSeed, { offered: d.units!, cap: d.maxAreaPerEnterprise! });
        expect(again).toEqual({ order: d.order, allocations: d.allocations, allocatedArea: d.allocatedArea });
      });
  });
  it('UNIT_FACTS_MISSING: without the units’ areas it cannot allocate them', () => {
    given(history).when({ ...decide, units: units.slice(0, 2) }, at(AFTER_PUBLICITY)).thenThrows(RuleViolation, 'UNIT_FACTS_MISSING');
  });
  it('UNITS_EXCEED_AREA: a notice published before its units’ areas were checked cannot allocate more than it offered', () => {
    const bigger = [{ unitId: 'u-101', area: 1_201 }, ...units.slice(1)];
    given(history).when({ ...decide, units: bigger }, at(AFTER_PUBLICITY)).thenThrows(RuleViolation, 'UNITS_EXCEED_AREA');
  });

  const decided: NoticeEvent = {
    type: 'AllocationDecided',
    data: {
      ...ref,
      projectId: 'p-1',
      method: 'ranking',
      algorithm: ALLOCATION_ALGORITHM_UNITS,
      offeredArea: 3_000,
      units,
      inputs: facts.map((f) => ({ applicationId: f.applicationId, requestedArea: f.requestedArea, score: f.score!, submittedPosition: f.submittedPosition })),
      order: ['a', 'b', 'c'],
      allocations,
      allocatedArea: 3_000,
    },
  };
  const resulted: NoticeEvent = { type: 'ResultPublished', data: { ...ref, projectId: 'p-1', supplyMode: 'rent', allocations, publishedAt: AFTER_PUBLICITY } };
  const forfeit = (applicationId: string): NoticeCommand => ({ type: 'ForfeitAllocation', applicationId, reason: 'withdrawn', signed: false, signing: { calendar: DEFAULT_CALENDAR, workingDays: 5 } });

  it('the result and the application’s view of the notice name each winner’s units', () => {
    given([...history, decided]).when({ type: 'PublishResult' }, at(AFTER_PUBLICITY)).thenMatches(([e]) => expect(e?.data).toMatchObject({ allocations }));
    const state = [...history, decided, resulted].reduce(noticeDecider.evolve, noticeDecider.initialState);
    expect(noticeSnapshot(state)?.allocations).toEqual(allocations.map(({ applicationId, area, unitIds: u }) => ({ applicationId, area, unitIds: u })));
  });
  it('递补 passes the forfeited units to the next in the order whom they cover, with their area', () => {
    given([...history, decided, resulted])
      .when(forfeit('b'), at('2026-02-02T02:00:00.000Z'))
      .thenMatches((es) => {
        expect(es.map((e) => e.type)).toEqual(['AllocationForfeited', 'WaitlistAllocated']);
        // c asked for 700: of b's units (102, 103) in the listed order, 102 (1,100 ㎡) covers it.
        expect(es[1]!.data).toMatchObject({ applicationId: 'c', area: 1_100, unitIds: ['u-102'], rank: 3, replaces: 'b' });
      });
  });
  it('units that cover nobody left return to available (only the forfeiture)', () => {
    const smallFreed: NoticeEvent[] = [
      { ...decided, data: { ...decided.data, allocations: [{ applicationId: 'a', area: 700, rank: 1, unitIds: ['u-103'] }] } } as NoticeEvent,
      { ...resulted, data: { ...resulted.data, allocations: [{ applicationId: 'a', area: 700, rank: 1, unitIds: ['u-103'] }] } } as NoticeEvent,
    ];
    // b (1,500) and c (700)… c is covered by 103 (700): it gets it; then with c's forfeiture, b is not.
    given([...history, ...smallFreed])
      .when(forfeit('a'), at('2026-02-02T02:00:00.000Z'))
      .thenMatches((es) => expect(es[1]?.data).toMatchObject({ applicationId: 'c', area: 700, unitIds: ['u-103'] }));
    const cGot: NoticeEvent = { type: 'WaitlistAllocated', data: { ...ref, projectId: 'p-1', applicationId: 'c', area: 700, rank: 3, replaces: 'a', unitIds: ['u-103'] } };
    const aLost: NoticeEvent = { type: 'AllocationForfeited', data: { ...ref, projectId: 'p-1', applicationId: 'a', area: 700, reason: 'withdrawn' } };
    given([...history, ...smallFreed, aLost, cGot])
      .when(forfeit('c'), at('2026-02-02T02:00:00.000Z'))
      .thenMatches((es) => expect(es.map((e) => e.type)).toEqual(['AllocationForfeited']));
  });
});
