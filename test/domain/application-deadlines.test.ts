// Review, 补正 and objection deadlines on the application's events, and the lapse of a 补正 not made in time.
import { describe, expect, it } from 'vitest';
import {
  type ApplicationCommand,
  type ApplicationEvent,
  type DeadlineRule,
  applicationDecider,
  applicationFacts,
} from '../../src/domain/application.js';
import { DEFAULT_CALENDAR } from '../../src/domain/calendar.js';
import { Forbidden, RuleViolation } from '../../src/domain/shared.js';
import { APP, openNotice } from './application-fixtures.js';
import { actors, spec, testContext } from './decider-spec.js';

const given = spec(applicationDecider);
const at = (now: string, actor: (typeof actors)[keyof typeof actors] = actors.enterprise) => testContext(actor, now);
const rule: DeadlineRule = { calendar: DEFAULT_CALENDAR, reviewWorkingDays: 10, correctionWorkingDays: 5, objectionWorkingDays: 5 };

const DURING = '2026-01-15T02:00:00.000Z'; // Thursday, the window open
const AFTER_CLOSE = '2026-01-21T02:00:00.000Z'; // Wednesday
const ids = { applicationId: APP, noticeId: 'n-1' };
const notice = openNotice;
const declared = { industry: '新一代信息技术', employees: 120, annualRevenue: 50_000_000, rndShare: 0.12 };
const documents = [{ name: '营业执照.pdf', sha256: 'ab'.repeat(32) }];
const submit: ApplicationCommand = { type: 'SubmitApplication', applicationId: APP, notice, sanctions: [], enterpriseName: '深圳市创新科技有限公司', requestedArea: 1_000, declared, documents, deadlines: rule };
const submitted: ApplicationEvent = {
  type: 'ApplicationSubmitted',
  data: { ...ids, district: 'nanshan', creditCode: actors.enterprise.creditCode, enterpriseName: '深圳市创新科技有限公司', requestedArea: 1_000, declared, documents },
};
// Returned on Thursday 2026-01-15: five working days, Friday to the next Thursday.
const CORRECTION_DUE = '2026-01-22T15:59:59.999Z';
const returned: ApplicationEvent = { type: 'ApplicationReturned', data: { ...ids, missing: ['审计报告'], district: 'nanshan', correctionDueAt: CORRECTION_DUE, previousStatus: 'submitted' } };
const legacyReturned: ApplicationEvent = { type: 'ApplicationReturned', data: { ...ids, missing: ['审计报告'] } };
const lapsed: ApplicationEvent = { type: 'ApplicationLapsed', data: { ...ids, district: 'nanshan', missing: ['审计报告'], correctionDueAt: CORRECTION_DUE } };
const AFTER_DUE = '2026-01-22T16:00:00.000Z';
const resubmit: ApplicationCommand = { type: 'ResubmitApplication', notice, documents: [{ name: '审计报告.pdf', sha256: 'cd'.repeat(32) }], deadlines: rule };
const review: ApplicationCommand = { type: 'ReviewQualification', notice: { ...notice, status: 'closed' }, qualified: true, reasons: [] };
const lapse: ApplicationCommand = { type: 'LapseApplication' };

describe('the due dates on the events that open each clock', () => {
  it('a submission: the review is due 10 working days after the window closes (not before it)', () => {
    // Closes Tuesday 2026-01-20: Wednesday 21st … Tuesday 3 February is the tenth working day.
    given([]).when(submit, at(DURING)).thenMatches(([e]) => expect(e!.data).toMatchObject({ reviewDueAt: '2026-02-03T15:59:59.999Z' }));
  });
  it('a return (补正): the material is due 5 working days on, in the application’s district queue', () => {
    given([submitted]).when({ type: 'ReturnApplication', notice, missing: ['审计报告'], deadlines: rule }, at(DURING, actors.nanshan)).then([returned]);
  });
  it('the notice’s own term counts instead of the configured default', () => {
    const own = { ...notice, correctionWorkingDays: 2, reviewWorkingDays: 1 };
    given([submitted])
      .when({ type: 'ReturnApplication', notice: own, missing: ['审计报告'], deadlines: rule }, at(DURING, actors.nanshan))
      .thenMatches(([e]) => expect(e!.data).toMatchObject({ correctionDueAt: '2026-01-19T15:59:59.999Z' }));
    given([]).when({ ...submit, notice: own }, at(DURING)).thenMatches(([e]) => expect(e!.data).toMatchObject({ reviewDueAt: '2026-01-21T15:59:59.999Z' }));
  });
  it('a resubmission after the window closed: the review is due 10 working days from then', () => {
    given([submitted, returned]).when(resubmit, at(AFTER_CLOSE)).thenMatches(([e]) => expect(e!.data).toMatchObject({ district: 'nanshan', reviewDueAt: '2026-02-04T15:59:59.999Z' }));
  });
  it('an objection: handled within 5 working days; upheld, the new review within 10', () => {
    const publicity = { ...notice, status: 'closed' as const, publicity: { startsAt: AFTER_CLOSE, endsAt: '2026-01-28T15:59:59.999Z', applicationIds: [APP] } };
    const reviewed: ApplicationEvent = { type: 'QualificationReviewed', data: { ...ids, qualified: true, reasons: [], reviewer: { id: 'officer-ns', role: 'housing_dept', district: 'nanshan' } } };
    const filed = { type: 'FileObjection' as const, notice: publicity, content: '员工人数不实', deadlines: rule };
    given([submitted, reviewed])
      .when(filed, at('2026-01-23T02:00:00.000Z', actors.enterprise2))
      .thenMatches(([e]) => expect(e!.data).toMatchObject({ district: 'nanshan', resolveDueAt: '2026-01-30T15:59:59.999Z' }));
    const objected: ApplicationEvent = { type: 'ObjectionFiled', data: { ...ids, objectionId: 'o-1', content: '员工人数不实', filedBy: { id: 'ent-2', role: 'enterprise' } } };
    const resolve = (upheld: boolean): ApplicationCommand => ({ type: 'ResolveObjection', notice: publicity, objectionId: 'o-1', upheld, reason: '核查', deadlines: rule });
    const other = { ...actors.nanshan, id: 'officer-ns-2' };
    given([submitted, reviewed, objected]).when(resolve(true), at('2026-01-29T02:00:00.000Z', other)).thenMatches(([e]) => expect(e!.data).toMatchObject({ upheld: true, reviewDueAt: '2026-02-12T15:59:59.999Z' }));
    given([submitted, reviewed, objected]).when(resolve(false), at('2026-01-29T02:00:00.000Z', other)).thenMatches(([e]) => expect(e!.data).not.toHaveProperty('reviewDueAt'));
  });
  it('without a rule no due date is put on the event (as before deadlines were counted)', () => {
    const { deadlines: _rule, ...bare } = submit as Extract<ApplicationCommand, { type: 'SubmitApplication' }>;
    given([]).when(bare, at(DURING)).thenMatches(([e]) => expect(e!.data).not.toHaveProperty('reviewDueAt'));
  });
});

describe('the 补正 deadline', () => {
  it('the material may be supplied up to the last millisecond of the last working day, not after (CORRECTION_DEADLINE_PASSED)', () => {
    given([submitted, returned]).when(resubmit, at(CORRECTION_DUE)).thenMatches(([e]) => expect(e!.type).toBe('ApplicationResubmitted'));
    given([submitted, returned]).when(resubmit, at(AFTER_DUE)).thenThrows(RuleViolation, 'CORRECTION_DEADLINE_PASSED');
  });
  it('a returned application is not reviewed as it stands: it awaits the material, then lapses', () => {
    given([submitted, returned]).when(review, at(AFTER_CLOSE, actors.nanshan)).thenThrows(RuleViolation, 'APPLICATION_AWAITING_MATERIAL');
    given([submitted, returned]).when(review, at(AFTER_DUE, actors.nanshan)).thenThrows(RuleViolation, 'CORRECTION_DEADLINE_PASSED');
    // A return recorded before deadlines were counted keeps the old rule: reviewed as it stands once the window closed.
    given([submitted, legacyReturned]).when(review, at(AFTER_CLOSE, actors.nanshan)).thenMatches(([e]) => expect(e!.type).toBe('QualificationReviewed'));
  });
  it('passed, it lapses (the scheduler, as city_admin): once, only after the deadline, only while returned', () => {
    given([submitted, returned]).when(lapse, at(AFTER_DUE, actors.admin)).then([lapsed]);
    given([submitted, returned]).when(lapse, at(CORRECTION_DUE, actors.admin)).thenThrows(RuleViolation, 'CORRECTION_DEADLINE_NOT_PASSED');
    given([submitted, returned, lapsed]).when(lapse, at(AFTER_DUE, actors.admin)).thenThrows(RuleViolation, 'APPLICATION_LAPSED');
    const resubmitted: ApplicationEvent = { type: 'ApplicationResubmitted', data: { ...ids, documents } };
    given([submitted, returned, resubmitted]).when(lapse, at(AFTER_DUE, actors.admin)).thenThrows(RuleViolation, 'APPLICATION_NOT_RETURNED');
    given([submitted, legacyReturned]).when(lapse, at(AFTER_DUE, actors.admin)).thenThrows(RuleViolation, 'NO_CORRECTION_DEADLINE');
  });
  it('the lapse is the department’s: not the enterprise’s, not another district’s', () => {
    given([submitted, returned]).when(lapse, at(AFTER_DUE, actors.enterprise)).thenThrows(Forbidden);
    given([submitted, returned]).when(lapse, at(AFTER_DUE, actors.futian)).thenThrows(Forbidden);
    given([submitted, returned]).when(lapse, at(AFTER_DUE, actors.nanshan)).then([lapsed]);
  });
  it('a lapsed application is out: not resubmitted, reviewed, returned or withdrawn (APPLICATION_LAPSED)', () => {
    const history = [submitted, returned, lapsed];
    given(history).when(resubmit, at(AFTER_DUE)).thenThrows(RuleViolation, 'APPLICATION_LAPSED');
    given(history).when(review, at(AFTER_DUE, actors.nanshan)).thenThrows(RuleViolation, 'APPLICATION_LAPSED');
    given(history).when({ type: 'ReturnApplication', notice, missing: ['其他'], deadlines: rule }, at(AFTER_DUE, actors.nanshan)).thenThrows(RuleViolation, 'APPLICATION_LAPSED');
    given(history).when({ type: 'WithdrawApplication' }, at(AFTER_DUE)).thenThrows(RuleViolation, 'APPLICATION_LAPSED');
    const state = history.reduce(applicationDecider.evolve, applicationDecider.initialState);
    expect(state.status === 'none' ? undefined : applicationFacts(state, 1).status).toBe('lapsed');
  });
  it('like a withdrawal, the enterprise may apply again while the window is open', () => {
    const early = { ...notice, closesAt: '2026-01-30T09:00:00.000Z' };
    given([submitted, returned, lapsed]).when({ ...submit, notice: early }, at(AFTER_DUE)).thenMatches(([e]) => expect(e!.type).toBe('ApplicationSubmitted'));
    given([submitted, returned, lapsed]).when(submit, at(AFTER_DUE)).thenThrows(RuleViolation, 'NOTICE_WINDOW_CLOSED');
  });
});
