// The deadlines of an application's procedure (issue 7), in working days on the platform calendar: the
// notice's own terms, else the configured defaults (DeadlineRule). The events that open a clock carry its
// due date — a submission or resubmission the review's (counted from the window's close when that is
// later: the department reviews what the window collected), a return (补正) the resubmission's, an
// objection its handling's, an upheld objection the new review's. Only the 补正 deadline changes state when
// it passes: the scheduler appends ApplicationLapsed (视为放弃申请). Review and objection deadlines are
// officers' duties, shown in their queues. Pure: the calendar and the terms arrive as data.
import type { ApplicationEvent, ApplicationRecord } from './application.js';
import { type WorkingCalendar, addWorkingDays, instant } from './calendar.js';
import { type DecisionContext, RuleViolation, requireManager } from './shared.js';

/** How the procedure's deadlines are counted: the calendar and the configured defaults, in working days. */
export interface DeadlineRule {
  calendar: WorkingCalendar;
  reviewWorkingDays: number;
  correctionWorkingDays: number;
  objectionWorkingDays: number;
}
/** A notice's own terms (NoticeTerms, on its snapshot); absent, the rule's defaults apply. */
export interface DeadlineTerms {
  reviewWorkingDays?: number;
  correctionWorkingDays?: number;
  objectionWorkingDays?: number;
}

type DeadlineKind = 'review' | 'correction' | 'objection';

/** The end (CST) of the working day the clock of `kind` runs out, counted from `from`; none without a rule. */
export function dueAfter(kind: DeadlineKind, from: string, terms: DeadlineTerms, rule: DeadlineRule | undefined): string | undefined {
  if (!rule) return undefined;
  const key = `${kind}WorkingDays` as const;
  return addWorkingDays(from, terms[key] ?? rule[key], rule.calendar);
}

/** A review is due counted from the (re)submission, or from the window's close when that is later. */
export function reviewDue(now: string, notice: DeadlineTerms & { closesAt: string }, rule: DeadlineRule | undefined): string | undefined {
  return dueAfter('review', instant(now) < instant(notice.closesAt) ? notice.closesAt : now, notice, rule);
}

/**
 * A returned application awaits its material until the 补正 deadline, then lapses: it is never reviewed as
 * it stands. A return recorded before deadlines were counted has none: its material could be supplied
 * while the window was open, and afterwards it was reviewed as it stood.
 */
export function requireMaterialOrLapse(s: ApplicationRecord, now: number, closesAt: string): void {
  const due = s.correctionDueAt;
  if (due === undefined ? now < instant(closesAt) : now <= instant(due)) {
    throw new RuleViolation('APPLICATION_AWAITING_MATERIAL', `the application awaits the material it was returned for${due ? ` (due by ${due})` : ''}`);
  }
  if (due !== undefined) throw new RuleViolation('CORRECTION_DEADLINE_PASSED', `the material was due by ${due}: the application lapses`);
}

/** LapseApplication (the scheduler, as the supervising body): only a return whose 补正 deadline has passed. */
export function decideLapse(s: ApplicationRecord, ctx: DecisionContext): ApplicationEvent[] {
  requireManager(ctx.actor, s.district);
  if (s.status === 'lapsed') throw new RuleViolation('APPLICATION_LAPSED', 'the application has already lapsed');
  if (s.status !== 'returned') throw new RuleViolation('APPLICATION_NOT_RETURNED', 'only an application awaiting material can lapse');
  if (s.correctionDueAt === undefined) throw new RuleViolation('NO_CORRECTION_DEADLINE', 'no 补正 deadline was set for this return');
  if (instant(ctx.now, 'now') <= instant(s.correctionDueAt)) throw new RuleViolation('CORRECTION_DEADLINE_NOT_PASSED', `the material may be supplied until ${s.correctionDueAt}`);
  const { applicationId, noticeId, district, missing = [], correctionDueAt } = s;
  return [{ type: 'ApplicationLapsed', data: { applicationId, noticeId, district, missing, correctionDueAt } }];
}
