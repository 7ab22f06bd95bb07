// Forfeiture and 递补 on the notice stream, and the ledger's refusals on the project stream.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CALENDAR } from '../../src/domain/calendar.js';
import { type NoticeCommand, type NoticeEvent, noticeDecider } from '../../src/domain/notice.js';
import { type ProjectEvent, projectDecider } from '../../src/domain/project.js';
import { Forbidden, NotFound, RuleViolation } from '../../src/domain/shared.js';
import { actors, spec, testContext } from './decider-spec.js';
import { decided, input, published, ref } from './forfeiture-fixtures.js';

const given = spec(noticeDecider);
const RESULT = '2026-02-02T02:00:00.000Z'; // Monday
const DUE = '2026-02-09T15:59:59.999Z'; // the end (CST) of the fifth working day after
const AFTER_DUE = '2026-02-10T02:00:00.000Z';
const signing = { calendar: DEFAULT_CALENDAR, workingDays: 5 };
const history: NoticeEvent[] = [published, decided];
const publish: NoticeCommand = { type: 'PublishResult', signing };
const resulted: NoticeEvent = {
  type: 'ResultPublished',
  data: { ...ref, projectId: 'p-1', supplyMode: 'rent', allocations: [{ applicationId: 'b', area: 1_000, rank: 1 }, { applicationId: 'a', area: 1_000, rank: 3 }], publishedAt: RESULT, signingDueAt: DUE },
};
const forfeit = (over: Partial<Extract<NoticeCommand, { type: 'ForfeitAllocation' }>> = {}): NoticeCommand => ({ type: 'ForfeitAllocation', applicationId: 'a', reason: 'signing_deadline', signed: false, signing, ...over });
const at = (now: string) => testContext(actors.nanshan, now);

describe('ResultPublished sets the signing deadline', () => {
  it('in working days from the result', () => given(history).when(publish, at(RESULT)).then([resulted]));
});

describe('放弃: the enterprise allocated the space declines it (reason withdrawn)', () => {
  const owner = actors.enterprise.creditCode;
  const as = (actor: typeof actors.enterprise) => testContext(actor, RESULT);
  it('the owner declines before signing, and 递补 follows; another enterprise, or another reason, is refused', () => {
    given([...history, resulted])
      .when(forfeit({ reason: 'withdrawn', owner, detail: '另有选址' }), as(actors.enterprise))
      .thenMatches((es) => expect(es.map((e) => [e.type, (e.data as { applicationId: string }).applicationId])).toEqual([['AllocationForfeited', 'a'], ['WaitlistAllocated', 'e']]));
    given([...history, resulted]).when(forfeit({ reason: 'withdrawn', owner }), as(actors.enterprise2)).thenThrows(NotFound);
    given([...history, resulted]).when(forfeit({ reason: 'withdrawn' }), as(actors.enterprise)).thenThrows(NotFound);
    given([...history, resulted]).when(forfeit({ reason: 'revoked', owner }), as(actors.enterprise)).thenThrows(Forbidden);
  });
});

describe('递补 passes over an enterprise barred by a sanction since the allocation', () => {
  const withF: NoticeEvent[] = [
    history[0]!,
    {
      type: 'AllocationDecided',
      data: { ...(history[1]!.data as object), inputs: [input('b', 1_000, 1), input('d', 2_500, 2), input('a', 1_000, 3), input('e', 800, 4), input('f', 700, 5)], order: ['b', 'd', 'a', 'e', 'f'] },
    } as NoticeEvent,
    resulted,
  ];
  it('the next who fits and is not barred gets the space; the forfeiture names who was passed over', () => {
    given(withF)
      .when(forfeit({ barred: ['e', 'd'] }), at(AFTER_DUE))
      .then([
        { type: 'AllocationForfeited', data: { ...ref, projectId: 'p-1', applicationId: 'a', area: 1_000, reason: 'signing_deadline', barred: ['e'] } },
        { type: 'WaitlistAllocated', data: { ...ref, projectId: 'p-1', applicationId: 'f', area: 700, rank: 5, replaces: 'a', signingDueAt: '2026-02-24T15:59:59.999Z' } },
      ]);
  });
  it('with everyone who fits barred, the space returns to available', () => {
    given(withF)
      .when(forfeit({ barred: ['e', 'f'] }), at(AFTER_DUE))
      .then([{ type: 'AllocationForfeited', data: { ...ref, projectId: 'p-1', applicationId: 'a', area: 1_000, reason: 'signing_deadline', barred: ['e', 'f'] } }]);
  });
});

describe('AllocationForfeited and WaitlistAllocated (递补)', () => {
  const forfeitedA: NoticeEvent = { type: 'AllocationForfeited', data: { ...ref, projectId: 'p-1', applicationId: 'a', area: 1_000, reason: 'signing_deadline' } };
  it('the next in the derived order whose whole request fits the freed area gets it (d asks too much; e fits), with its own deadline (past the Spring Festival)', () => {
    given([...history, resulted])
      .when(forfeit(), at(AFTER_DUE))
      .then([forfeitedA, { type: 'WaitlistAllocated', data: { ...ref, projectId: 'p-1', applicationId: 'e', area: 800, rank: 4, replaces: 'a', signingDueAt: '2026-02-24T15:59:59.999Z' } }]);
  });
  it('with nobody left who fits, the space returns to available (only the forfeiture)', () => {
    const waitlisted: NoticeEvent = { type: 'WaitlistAllocated', data: { ...ref, projectId: 'p-1', applicationId: 'e', area: 800, rank: 4, replaces: 'a', signingDueAt: '2026-02-24T15:59:59.999Z' } };
    given([...history, resulted, forfeitedA, waitlisted])
      .when(forfeit({ applicationId: 'b' }), at(AFTER_DUE))
      .thenMatches((es) => expect(es.map((e) => e.type)).toEqual(['AllocationForfeited']));
  });
  it('a 递补 winner can forfeit in turn, and one who lost an allocation never gets it back', () => {
    const waitlisted: NoticeEvent = { type: 'WaitlistAllocated', data: { ...ref, projectId: 'p-1', applicationId: 'e', area: 800, rank: 4, replaces: 'a', signingDueAt: '2026-02-24T15:59:59.999Z' } };
    given([...history, resulted, forfeitedA, waitlisted])
      .when(forfeit({ applicationId: 'e' }), at('2026-02-25T02:00:00.000Z'))
      .thenMatches((es) => expect(es.map((e) => e.type)).toEqual(['AllocationForfeited']));
  });
  it('refused before the deadline, for a signed or unknown allocation, and twice', () => {
    given([...history, resulted]).when(forfeit(), at('2026-02-09T15:00:00.000Z')).thenThrows(RuleViolation, 'SIGNING_DEADLINE_NOT_PASSED');
    given([...history, resulted]).when(forfeit({ signed: true }), at(AFTER_DUE)).thenThrows(RuleViolation, 'ALLOCATION_SIGNED');
    given([...history, resulted]).when(forfeit({ applicationId: 'd' }), at(AFTER_DUE)).thenThrows(RuleViolation, 'NOT_ALLOCATED');
    given([...history, resulted, forfeitedA]).when(forfeit(), at(AFTER_DUE)).thenThrows(RuleViolation, 'NOT_ALLOCATED');
    given(history).when(forfeit(), at(AFTER_DUE)).thenThrows(RuleViolation, 'NO_SIGNING_DEADLINE');
    given([history[0]!]).when(forfeit(), at(AFTER_DUE)).thenThrows(RuleViolation, 'ALLOCATION_NOT_DECIDED');
  });
  it('a withdrawal or revocation needs no deadline', () => {
    given(history).when(forfeit({ reason: 'revoked' }), at(RESULT)).thenMatches((es) => expect(es[0]!.data).toMatchObject({ applicationId: 'a', reason: 'revoked' }));
  });
  it('a revocation names its accountability case, and the space still goes to the next in the order (递补)', () => {
    given([...history, resulted])
      .when(forfeit({ reason: 'revoked', accountabilityId: 'case-7' }), at(RESULT))
      .thenMatches((es) => {
        expect(es.map((e) => e.type)).toEqual(['AllocationForfeited', 'WaitlistAllocated']);
        expect(es[0]!.data).toMatchObject({ applicationId: 'a', reason: 'revoked', accountabilityId: 'case-7' });
      });
  });
});

describe('the project’s ledger refusals', () => {
  const project = spec(projectDecider);
  const registered: ProjectEvent = {
    type: 'ProjectRegistered',
    data: { projectId: 'p-1', name: '南山智园', district: 'nanshan', address: '学苑大道', useType: 'rnd', supplyModes: ['rent'], totalArea: 20_000, availableArea: 20_000, managingDepartment: '南山区住建局', units: [{ unitId: 'u-1', building: 'A', floor: '1', number: '101', area: 100 }] },
  };
  const pub: ProjectEvent = { type: 'ProjectPublished', data: { projectId: 'p-1', district: 'nanshan', useType: 'rnd', supplyModes: ['rent'], totalArea: 20_000 } };
  const offered = [{ key: 'n-1', state: 'offered' as const, area: 5_000, unitIds: ['u-1'] }];
  const ctx = testContext(actors.nanshan);
  it('no withdrawal while space is offered or allocated', () => {
    project([registered, pub]).when({ type: 'WithdrawProject', reason: '退出', holdings: offered }, ctx).thenThrows(RuleViolation, 'PROJECT_HAS_PROCEDURES_UNDER_WAY');
    project([registered, pub]).when({ type: 'WithdrawProject', reason: '退出', holdings: [{ ...offered[0]!, state: 'let' }] }, ctx).thenThrows(RuleViolation, 'PROJECT_HAS_TENANCIES');
    // Sold space leaves the statistics with the project.
    project([registered, pub])
      .when({ type: 'WithdrawProject', reason: '退出', holdings: [{ ...offered[0]!, state: 'sold' }] }, ctx)
      .thenMatches((es) => expect(es[0]).toMatchObject({ type: 'ProjectWithdrawn', data: { soldArea: 5_000, marketArea: 20_000 } }));
  });
  it('no regrouping (district, use type, supply modes) while space is held', () => {
    project([registered, pub]).when({ type: 'UpdateProject', changes: { useType: 'plant' }, reason: '改变用途', holdings: offered }, ctx).thenThrows(RuleViolation, 'PROJECT_SPACE_HELD');
    project([registered, pub]).when({ type: 'UpdateProject', changes: { useType: 'plant' }, reason: '改变用途', holdings: [] }, ctx).thenMatches((es) => expect(es[0]!.type).toBe('ProjectUpdated'));
  });
  it('a held unit is not removed', () => project([registered, pub]).when({ type: 'RemoveUnit', unitId: 'u-1', holdings: offered }, ctx).thenThrows(RuleViolation, 'UNIT_HELD'));
  it('the market area stays between what is held and the total', () => {
    project([registered, pub]).when({ type: 'UpdateProject', changes: { availableArea: 4_999 }, reason: '自用', holdings: offered }, ctx).thenThrows(RuleViolation, 'AREA_COMMITTED');
    project([registered, pub]).when({ type: 'UpdateProject', changes: { totalArea: 4_000 }, reason: '测绘', holdings: offered }, ctx).thenThrows(RuleViolation, 'AVAILABLE_EXCEEDS_TOTAL_AREA');
    project([registered, pub]).when({ type: 'UpdateProject', changes: { availableArea: 5_000 }, reason: '自用', holdings: offered }, ctx).thenMatches((es) => expect(es[0]!.type).toBe('ProjectUpdated'));
  });
});

describe('per-notice deadlines (signingWorkingDays, reviewWorkingDays, …)', () => {
  const own = (days: number): NoticeEvent[] => [{ ...history[0]!, data: { ...history[0]!.data, signingWorkingDays: days } } as NoticeEvent, ...history.slice(1)];
  it('the notice’s own signingWorkingDays counts the signing deadline instead of the configured default', () => {
    // Monday 2026-02-02 + 1 working day: the end (CST) of Tuesday.
    given(own(1)).when(publish, at(RESULT)).thenMatches(([e]) => expect(e!.data).toMatchObject({ signingDueAt: '2026-02-03T15:59:59.999Z' }));
    given(history).when(publish, at(RESULT)).thenMatches(([e]) => expect(e!.data).toMatchObject({ signingDueAt: DUE }));
  });
});
