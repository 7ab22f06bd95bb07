import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DemandCommand, type DemandEvent, type DemandSpec, MAX_DEMAND_FEEDBACK, MAX_DEMAND_MATCHES, MAX_DEMAND_STEPS, MAX_DEMAND_UPDATES, demandDecider, demandStream } from '../../src/domain/demand.js';
import { MAX_CANDIDATES, type Supply, byRank, matchDemand, rankDemand, rerank, scoreCandidate, scoreCeiling } from '../../src/domain/matching.js';
import { type Actor, Duplicate, Forbidden, NotFound, RuleViolation } from '../../src/domain/shared.js';
import { actors, spec, testContext } from './decider-spec.js';

const given = spec(demandDecider);
const NOW = '2026-03-02T02:00:00.000Z';
const DUE = '2026-03-09T15:59:59.999Z';
const at = (actor: Actor) => testContext(actor, NOW);

const want: DemandSpec = {
  industry: '集成电路设计',
  minArea: 800,
  maxArea: 1500,
  districts: ['nanshan', 'baoan'],
  useType: 'rnd',
  supplyMode: 'rent',
  maxPrice: 80,
  neededBy: '2026-09-30T16:00:00.000Z',
};
const report: DemandCommand = { type: 'ReportDemand', demandId: 'd-1', spec: want, followUpDueAt: DUE };
const reported: DemandEvent = {
  type: 'DemandReported',
  data: { demandId: 'd-1', creditCode: actors.enterprise.creditCode, enterpriseName: actors.enterprise.name, ...want, reportedAt: NOW, followUpDueAt: DUE },
};
const figures = { industry: '集成电路设计', districts: ['nanshan', 'baoan'], useType: 'rnd', minArea: 800, maxArea: 1500, reportedAt: NOW } as const;
const officer = { id: 'officer-ns', role: 'housing_dept', name: '南山区住房建设局' } as const;
const closed: DemandEvent = { type: 'DemandClosed', data: { demandId: 'd-1', outcome: 'settled', reason: '已入驻', by: officer, figures: { ...figures, districts: ['nanshan', 'baoan'] } } };

describe('ReportDemand (需求申报)', () => {
  it('an enterprise reports a demand for itself', () => {
    given([]).when(report, at(actors.enterprise)).then([reported]);
    expect(demandStream('d-1')).toBe('demand-d-1');
  });
  it('only an enterprise', () => {
    given([]).when(report, at(actors.nanshan)).thenThrows(Forbidden);
    given([]).when(report, at({ id: 'e', role: 'enterprise' })).thenThrows(Forbidden);
  });
  it('once per stream', () => given([reported]).when(report, at(actors.enterprise)).thenThrows(Duplicate, 'DEMAND_EXISTS'));
  it('an inconsistent demand is refused even past the route', () => {
    given([]).when({ ...report, spec: { ...want, minArea: 2000 } }, at(actors.enterprise)).thenThrows(RuleViolation, 'DEMAND_INVALID');
    given([]).when({ ...report, spec: { ...want, districts: [] } }, at(actors.enterprise)).thenThrows(RuleViolation, 'DEMAND_INVALID');
    given([]).when({ ...report, spec: { ...want, maxPrice: -1 } }, at(actors.enterprise)).thenThrows(RuleViolation, 'DEMAND_INVALID');
  });
  it('repeated districts count once', () => {
    given([])
      .when({ ...report, spec: { ...want, districts: ['nanshan', 'nanshan'] } }, at(actors.enterprise))
      .thenMatches(([e]) => expect(e?.data).toMatchObject({ districts: ['nanshan'] }));
  });
});

describe('UpdateDemand / WithdrawDemand (the enterprise, while open)', () => {
  it('records only what changed, with the figures before and after', () => {
    given([reported])
      .when({ type: 'UpdateDemand', changes: { maxArea: 2000, industry: '集成电路设计' } }, at(actors.enterprise))
      .then([{ type: 'DemandUpdated', data: { demandId: 'd-1', changes: { maxArea: 2000 }, previous: { maxArea: 1500 }, figures: { before: figures as never, after: { ...figures, maxArea: 2000 } as never } } }]);
  });
  it('nothing to change, an inconsistent result, another enterprise, an officer', () => {
    given([reported]).when({ type: 'UpdateDemand', changes: { maxArea: 1500 } }, at(actors.enterprise)).thenThrows(RuleViolation, 'NOTHING_TO_UPDATE');
    given([reported]).when({ type: 'UpdateDemand', changes: { maxArea: 500 } }, at(actors.enterprise)).thenThrows(RuleViolation, 'DEMAND_INVALID');
    given([reported]).when({ type: 'UpdateDemand', changes: { maxArea: 2000 } }, at(actors.enterprise2)).thenThrows(RuleViolation, 'NOT_DEMAND_OWNER');
    given([reported]).when({ type: 'UpdateDemand', changes: { maxArea: 2000 } }, at(actors.nanshan)).thenThrows(Forbidden);
    given([]).when({ type: 'UpdateDemand', changes: { maxArea: 2000 } }, at(actors.enterprise)).thenThrows(NotFound);
  });
  it('withdraw closes the demand as withdrawn', () => {
    given([reported])
      .when({ type: 'WithdrawDemand', reason: '已自行解决' }, at(actors.enterprise))
      .then([{ type: 'DemandWithdrawn', data: { demandId: 'd-1', reason: '已自行解决', figures: figures as never } }]);
  });
});

describe('officers: match, broker, follow up, close', () => {
  const broker: DemandCommand = { type: 'BrokerDemand', projectId: 'p-1', note: '约见园区运营方', followUpDueAt: DUE };
  it('an officer of a named district brokers', () => {
    given([reported]).when(broker, at(actors.nanshan)).then([{ type: 'DemandBrokered', data: { demandId: 'd-1', projectId: 'p-1', note: '约见园区运营方', by: officer, followUpDueAt: DUE } }]);
  });
  it('a city department and city_admin may act; an unrelated district, an enterprise and an auditor may not', () => {
    given([reported]).when(broker, at(actors.cityDept)).thenMatches((es) => expect(es).toHaveLength(1));
    given([reported]).when(broker, at(actors.admin)).thenMatches((es) => expect(es).toHaveLength(1));
    given([reported]).when(broker, at(actors.futian)).thenThrows(Forbidden);
    given([reported]).when(broker, at(actors.enterprise)).thenThrows(Forbidden);
    given([reported]).when(broker, at(actors.auditor)).thenThrows(Forbidden);
  });
  it('suggestions, follow-ups and notes must say something', () => {
    given([reported]).when({ type: 'MatchDemand', suggestions: [], followUpDueAt: DUE }, at(actors.nanshan)).thenThrows(RuleViolation, 'SUGGESTION_REQUIRED');
    given([reported]).when({ type: 'MatchDemand', suggestions: [{ projectId: 'p-1', reason: ' ' }], followUpDueAt: DUE }, at(actors.nanshan)).thenThrows(RuleViolation, 'REASON_REQUIRED');
    given([reported]).when({ type: 'FollowUpDemand', note: '', followUpDueAt: DUE }, at(actors.nanshan)).thenThrows(RuleViolation, 'NOTE_REQUIRED');
    given([reported]).when({ ...broker, note: '' }, at(actors.nanshan)).thenThrows(RuleViolation, 'NOTE_REQUIRED');
    given([reported]).when({ type: 'CloseDemand', outcome: 'unmet', reason: '' }, at(actors.nanshan)).thenThrows(RuleViolation, 'REASON_REQUIRED');
  });
  it('close records the outcome with the figures statistics count', () => {
    given([reported]).when({ type: 'CloseDemand', outcome: 'settled', reason: '已入驻' }, at(actors.nanshan)).then([closed]);
  });
  it('the enterprise gives feedback; another enterprise may not', () => {
    given([reported]).when({ type: 'GiveDemandFeedback', satisfied: true, note: '撮合及时' }, at(actors.enterprise)).then([{ type: 'DemandFeedbackGiven', data: { demandId: 'd-1', satisfied: true, note: '撮合及时' } }]);
    given([reported]).when({ type: 'GiveDemandFeedback', satisfied: true, note: '好' }, at(actors.enterprise2)).thenThrows(RuleViolation, 'NOT_DEMAND_OWNER');
  });
  it(`at most ${MAX_DEMAND_UPDATES} changes and ${MAX_DEMAND_FEEDBACK} feedback entries, each counted on its own`, () => {
    const updated = (n: number): DemandEvent => ({ type: 'DemandUpdated', data: { demandId: 'd-1', changes: { note: `第${n}次` }, previous: {}, figures: { before: figures as never, after: figures as never } } });
    const feedback: DemandEvent = { type: 'DemandFeedbackGiven', data: { demandId: 'd-1', satisfied: false, note: '仍在等待' } };
    const updates = Array.from({ length: MAX_DEMAND_UPDATES }, (_, i) => updated(i));
    const feedbacks = Array.from({ length: MAX_DEMAND_FEEDBACK }, () => feedback);
    const update: DemandCommand = { type: 'UpdateDemand', changes: { maxArea: 2000 } };
    const give: DemandCommand = { type: 'GiveDemandFeedback', satisfied: true, note: '好' };
    given([reported, ...updates.slice(1)]).when(update, at(actors.enterprise)).thenMatches(([e]) => expect(e?.type).toBe('DemandUpdated'));
    given([reported, ...updates]).when(update, at(actors.enterprise)).thenThrows(RuleViolation, 'DEMAND_UPDATE_LIMIT');
    given([reported, ...feedbacks.slice(1)]).when(give, at(actors.enterprise)).thenMatches(([e]) => expect(e?.type).toBe('DemandFeedbackGiven'));
    given([reported, ...feedbacks]).when(give, at(actors.enterprise)).thenThrows(RuleViolation, 'DEMAND_FEEDBACK_LIMIT');
    given([reported, ...feedbacks]).when(update, at(actors.enterprise)).thenMatches(([e]) => expect(e?.type).toBe('DemandUpdated'));
    given([reported, ...updates]).when(give, at(actors.enterprise)).thenMatches(([e]) => expect(e?.type).toBe('DemandFeedbackGiven'));
    // The officers' steps are not the enterprise's feedback.
    const by = { id: 'officer-ns', role: 'housing_dept' as const };
    const officers: DemandEvent[] = [
      { type: 'DemandMatched', data: { demandId: 'd-1', suggestions: [{ projectId: 'p-1', reason: '面积相符' }], by, followUpDueAt: DUE } },
      { type: 'DemandBrokered', data: { demandId: 'd-1', projectId: 'p-1', note: '撮合', by, followUpDueAt: DUE } },
      { type: 'DemandFollowedUp', data: { demandId: 'd-1', note: '回访', by, followUpDueAt: DUE } },
    ];
    const steps = Array.from({ length: MAX_DEMAND_FEEDBACK }, (_, i) => officers[i % 3]!);
    given([reported, ...steps]).when(give, at(actors.enterprise)).thenMatches(([e]) => expect(e?.type).toBe('DemandFeedbackGiven'));
    given([reported, ...steps]).when(update, at(actors.enterprise)).thenMatches(([e]) => expect(e?.type).toBe('DemandUpdated'));
  });
  it(`the officers: at most ${MAX_DEMAND_MATCHES} matches and ${MAX_DEMAND_STEPS} brokerings and follow-ups, each counted on its own`, () => {
    const by = { id: 'officer-ns', role: 'housing_dept' as const };
    const matched: DemandEvent = { type: 'DemandMatched', data: { demandId: 'd-1', suggestions: [{ projectId: 'p-1', reason: '面积相符' }], by, followUpDueAt: DUE } };
    const brokered: DemandEvent = { type: 'DemandBrokered', data: { demandId: 'd-1', projectId: 'p-1', note: '撮合', by, followUpDueAt: DUE } };
    const followed: DemandEvent = { type: 'DemandFollowedUp', data: { demandId: 'd-1', note: '回访', by, followUpDueAt: DUE } };
    const matches = Array.from({ length: MAX_DEMAND_MATCHES }, () => matched);
    const steps = Array.from({ length: MAX_DEMAND_STEPS }, (_, i) => (i % 2 ? brokered : followed));
    const match: DemandCommand = { type: 'MatchDemand', suggestions: [{ projectId: 'p-2', reason: '区位相符' }], followUpDueAt: DUE };
    const follow: DemandCommand = { type: 'FollowUpDemand', note: '回访', followUpDueAt: DUE };
    given([reported, ...matches.slice(1)]).when(match, at(actors.nanshan)).thenMatches(([e]) => expect(e?.type).toBe('DemandMatched'));
    given([reported, ...matches]).when(match, at(actors.nanshan)).thenThrows(RuleViolation, 'DEMAND_MATCH_LIMIT');
    given([reported, ...steps.slice(1)]).when(follow, at(actors.nanshan)).thenMatches(([e]) => expect(e?.type).toBe('DemandFollowedUp'));
    given([reported, ...steps]).when(follow, at(actors.nanshan)).thenThrows(RuleViolation, 'DEMAND_STEP_LIMIT');
    given([reported, ...steps]).when(broker, at(actors.nanshan)).thenThrows(RuleViolation, 'DEMAND_STEP_LIMIT');
    given([reported, ...matches]).when(follow, at(actors.nanshan)).thenMatches(([e]) => expect(e?.type).toBe('DemandFollowedUp'));
    given([reported, ...steps]).when(match, at(actors.nanshan)).thenMatches(([e]) => expect(e?.type).toBe('DemandMatched'));
    given([reported, ...steps, ...matches]).when({ type: 'CloseDemand', outcome: 'unmet', reason: '多次撮合未果' }, at(actors.nanshan)).thenMatches(([e]) => expect(e?.type).toBe('DemandClosed'));
  });
  it('nothing after close', () => {
    const withdrawn: DemandEvent = { type: 'DemandWithdrawn', data: { demandId: 'd-1', reason: 'x', figures: figures as never } };
    for (const history of [[reported, closed], [reported, withdrawn]]) {
      given(history).when({ type: 'FollowUpDemand', note: '回访', followUpDueAt: DUE }, at(actors.nanshan)).thenThrows(RuleViolation, 'DEMAND_CLOSED');
      given(history).when(broker, at(actors.nanshan)).thenThrows(RuleViolation, 'DEMAND_CLOSED');
      given(history).when({ type: 'CloseDemand', outcome: 'unmet', reason: 'x' }, at(actors.nanshan)).thenThrows(RuleViolation, 'DEMAND_CLOSED');
      given(history).when({ type: 'GiveDemandFeedback', satisfied: false, note: 'x' }, at(actors.enterprise)).thenThrows(RuleViolation, 'DEMAND_CLOSED');
      given(history).when({ type: 'UpdateDemand', changes: { maxArea: 2000 } }, at(actors.enterprise)).thenThrows(RuleViolation, 'DEMAND_CLOSED');
      given(history).when({ type: 'WithdrawDemand', reason: 'x' }, at(actors.enterprise)).thenThrows(RuleViolation, 'DEMAND_CLOSED');
    }
  });
});

describe('matching (供需匹配)', () => {
  const project: Supply = { projectId: 'p-1', district: 'nanshan', useType: 'rnd', supplyModes: ['rent'], availableArea: 1200, notices: [] };
  it('explains every point of the score in Chinese', () => {
    const c = scoreCandidate(want, project)!;
    expect(c.reasons).toEqual(['面积匹配 1,200㎡ 在 800–1,500㎡ 内', '位于意向区域 南山区', '用途一致：研发用房', '供应方式一致：出租']);
    expect(c.score).toBe(85);
  });
  it('an open notice within budget that closes before the need adds price and date', () => {
    const notice = { noticeId: 'n-1', supplyMode: 'rent' as const, price: 60, area: 1000, opensAt: '2026-04-01T00:00:00.000Z', closesAt: '2026-04-30T00:00:00.000Z' };
    const c = scoreCandidate(want, { ...project, notices: [notice] })!;
    expect(c.score).toBe(100);
    expect(c.reasons.slice(4)).toEqual(['租售通告价格 60元/㎡ 不超过预算 80元/㎡', '通告 2026-04-30 截止申请，早于需求时间 2026-09-30']);
    expect(scoreCandidate(want, { ...project, notices: [{ ...notice, price: 90 }] })!.score).toBe(85);
    // The cheapest fitting notice decides, here one that closes after the need (no date point); at one price, the first id.
    const later = { ...notice, noticeId: 'n-2', price: 55, closesAt: '2026-12-30T00:00:00.000Z' };
    const both = scoreCandidate(want, { ...project, notices: [notice, later, { ...notice, noticeId: 'n-3', supplyMode: 'sale', price: 10 }] })!;
    expect([both.score, both.reasons[4]]).toEqual([95, '租售通告价格 55元/㎡ 不超过预算 80元/㎡']);
    expect(scoreCandidate(want, { ...project, notices: [{ ...notice, price: 55, noticeId: 'n-9' }, later, { ...notice, price: 55, noticeId: 'n-5' }] })!.score).toBe(95);
  });
  it('another district or too little space is no candidate', () => {
    expect(scoreCandidate(want, { ...project, district: 'futian' })).toBeNull();
    expect(scoreCandidate(want, { ...project, availableArea: 799 })).toBeNull();
    expect(scoreCandidate(want, { ...project, availableArea: 5000 })!.reasons[0]).toBe('可供面积 5,000㎡ 足以满足 800–1,500㎡');
  });
  it('best first, ties by project id; at most MAX_CANDIDATES', () => {
    const many = Array.from({ length: MAX_CANDIDATES + 5 }, (_, i) => ({ ...project, projectId: `p-${String(i).padStart(2, '0')}`, useType: i % 2 ? ('rnd' as const) : ('office' as const) }));
    const list = matchDemand(want, [...many].reverse());
    expect(list).toHaveLength(MAX_CANDIDATES);
    expect(list[0]).toMatchObject({ projectId: 'p-01', score: 85 });
    expect(list).toEqual(matchDemand(want, many));
  });
  it('ranks by score before writing reasons, and gives what scoring every project would (property)', () => {
    const districts = ['nanshan', 'futian', 'baoan'] as const;
    const supplyOf = fc.record({
      projectId: fc.string({ minLength: 1, maxLength: 4 }),
      district: fc.constantFrom(...districts),
      useType: fc.constantFrom('rnd' as const, 'office' as const, 'plant' as const),
      supplyModes: fc.subarray(['rent', 'sale'] as const, { minLength: 1 }),
      availableArea: fc.integer({ min: 0, max: 3000 }),
      notices: fc.array(
        fc.record({ noticeId: fc.string({ maxLength: 3 }), supplyMode: fc.constantFrom('rent' as const, 'sale' as const), price: fc.integer({ min: 10, max: 120 }), area: fc.constant(100), opensAt: fc.constant('2026-04-01T00:00:00.000Z'), closesAt: fc.constantFrom('2026-04-30T00:00:00.000Z', '2026-12-30T00:00:00.000Z') }),
        { maxLength: 2 },
      ),
    });
    fc.assert(
      fc.property(fc.uniqueArray(supplyOf, { selector: (s) => s.projectId, maxLength: 60 }), (supply) => {
        const reference = supply.map((s) => scoreCandidate(want, s)).filter((c) => c !== null).sort(byRank).slice(0, MAX_CANDIDATES);
        expect(matchDemand(want, supply)).toEqual(reference);
      }),
      { numRuns: 300 },
    );
    // Projects changed (or gone) one by one: the head of the ranking stays exact (the start of every
    // candidate's ranking, all of it when complete), or asks for a new ranking.
    const ranking = (supply: Supply[]) => rankDemand(want, supply, 1000).ranks;
    fc.assert(
      fc.property(
        fc.uniqueArray(supplyOf, { selector: (s) => s.projectId, minLength: 1, maxLength: 60 }),
        fc.array(fc.tuple(supplyOf, fc.nat(), fc.boolean()), { minLength: 1, maxLength: 8 }),
        fc.constantFrom(MAX_CANDIDATES, MAX_CANDIDATES + 3),
        (start, changes, depth) => {
          let supply = start;
          let head = rankDemand(want, supply, depth);
          for (const [change, pick, gone] of changes) {
            const target = supply[pick % supply.length]!;
            const changed = { ...change, projectId: target.projectId };
            supply = gone && supply.length > 1 ? supply.filter((s) => s !== target) : supply.map((s) => (s === target ? changed : s));
            head = rerank(head, want, supply.includes(changed) ? changed : null, target.projectId, depth) ?? rankDemand(want, supply, depth);
            const all = ranking(supply);
            expect(head.ranks).toEqual(all.slice(0, head.ranks.length));
            expect(head.ranks.length).toBeLessThanOrEqual(depth);
            expect(head.ranks.length >= MAX_CANDIDATES || head.complete).toBe(true);
            if (head.complete) expect(head.ranks).toHaveLength(all.length);
          }
        },
      ),
      { numRuns: 500 },
    );
    // No demand of a use type and supply mode scores a project above its ceiling.
    fc.assert(
      fc.property(supplyOf, fc.constantFrom('rnd' as const, 'office' as const, 'plant' as const), fc.constantFrom('rent' as const, 'sale' as const), fc.integer({ min: 0, max: 3000 }), (supply, useType, supplyMode, maxArea) => {
        const demand = { ...want, useType, supplyMode, minArea: 0, maxArea, districts: [supply.district] };
        const score = scoreCandidate(demand, supply)!.score;
        expect(score).toBeLessThanOrEqual(scoreCeiling(supply, useType, supplyMode, supply.availableArea <= maxArea));
      }),
      { numRuns: 300 },
    );
  });
  it('one project changing keeps the head of the ranking exact, or asks for a new ranking', () => {
    const supply = Array.from({ length: 30 }, (_, i) => ({ ...project, projectId: `p-${String(i).padStart(2, '0')}`, useType: i % 3 ? ('rnd' as const) : ('plant' as const) }));
    const depth = MAX_CANDIDATES + 2;
    const head = rankDemand(want, supply, depth);
    expect(head).toMatchObject({ complete: false });
    expect(head.ranks).toHaveLength(depth);
    const improved = { ...supply[0]!, useType: 'rnd' as const };
    const next = supply.map((s) => (s.projectId === improved.projectId ? improved : s));
    expect(rerank(head, want, improved, improved.projectId, depth)).toEqual(rankDemand(want, next, depth));
    // Two leave: the head shortens to the list's length and stays exact; a third leaving asks for a new ranking.
    const one = rerank(head, want, null, 'p-01', depth)!;
    const two = rerank(one, want, null, 'p-02', depth)!;
    expect(two.ranks).toEqual(rankDemand(want, supply.filter((s) => !['p-01', 'p-02'].includes(s.projectId)), depth).ranks.slice(0, MAX_CANDIDATES));
    expect(rerank(two, want, null, 'p-04', depth)).toBeNull();
    // A project that does not concern the head leaves it as it was (the same object).
    const outside = supply.find((s) => !two.ranks.some((r) => r.projectId === s.projectId))!;
    expect(rerank(two, want, { ...outside, availableArea: 1 }, outside.projectId, depth)).toBe(two);
    // A complete head takes any candidate.
    const short = rankDemand(want, supply.slice(0, 5), depth);
    expect(short.complete).toBe(true);
    expect(rerank(short, want, { ...supply[9]!, useType: 'plant' }, 'p-09', depth)).toEqual(rankDemand(want, [...supply.slice(0, 5), { ...supply[9]!, useType: 'plant' }], depth));
  });
});
