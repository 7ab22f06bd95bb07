// Accountability (追责): one document per violation case and one per sanction. Sanctions carry their
// subject's kind and a normalised key (an enterprise's credit code in upper case), so the bans on an
// applicant are found by credit code (see activeSanctionsOf in procedure-queries.ts).
import { APPEAL_DECISION_NAMES, type AccountabilityEvent, SANCTION_KIND_NAMES, VIOLATION_KIND_NAMES } from '../domain/accountability.js';
import type { NoticeEvent } from '../domain/notice.js';
import type { TenancyEvent } from '../domain/tenancy.js';
import { utc } from './doc-paths.js';
import { defineProjection, op } from './projection.js';

export const VIOLATIONS = 'violations';
export const SANCTIONS = 'sanctions';
/** One document per appeal decision, by its appealId. */
export const SANCTION_APPEALS = 'sanction_appeals';
/** One document per event that carried out a revocation (the forfeiture or the recovery naming the case). */
export const SANCTION_EFFECTS = 'sanction_effects';

/** How a subject id is looked up: credit codes are compared in upper case, as activeApplicationBans does. */
export const subjectKey = (id: string) => id.trim().toUpperCase();

type Handled = AccountabilityEvent | Extract<NoticeEvent, { type: 'AllocationForfeited' }> | Extract<TenancyEvent, { type: 'TenancyEnded' }>;

export const accountability = defineProjection<Handled>({
  name: 'accountability-v2',
  collections: [VIOLATIONS, SANCTIONS, SANCTION_APPEALS, SANCTION_EFFECTS],
  indexes: [
    { collection: VIOLATIONS, keys: { subjectKey: 1, subjectKind: 1 } },
    { collection: SANCTIONS, keys: { subjectKey: 1, subjectKind: 1, kind: 1 } },
    { collection: SANCTIONS, keys: { caseId: 1 } },
    { collection: SANCTION_APPEALS, keys: { caseId: 1, decidedAt: 1 } },
    { collection: SANCTION_EFFECTS, keys: { caseId: 1 } },
  ],
  handlers: {
    ViolationRecorded: (event) => {
      const { caseId, subject, kind, description, evidence, recorder } = event.data;
      const at = utc(event.occurredAt);
      return [
        op(VIOLATIONS, caseId, event, {
          set: {
            caseId,
            subject,
            subjectKind: subject.kind,
            subjectKey: subjectKey(subject.id),
            kind,
            kindName: VIOLATION_KIND_NAMES[kind] ?? kind,
            description,
            evidence,
            recorder,
            recordedAt: at,
            updatedAt: at,
          },
          setOnInsert: { sanctionCount: 0 },
        }),
      ];
    },
    SanctionImposed: (event) => {
      const { caseId, sanctionId, subject, kind, until, reason, imposedBy, revokes } = event.data;
      const at = utc(event.occurredAt);
      return [
        op(SANCTIONS, sanctionId, event, {
          set: {
            sanctionId,
            caseId,
            subject,
            subjectKind: subject.kind,
            subjectKey: subjectKey(subject.id),
            kind,
            kindName: SANCTION_KIND_NAMES[kind] ?? kind,
            // until: the end in force (appeals move it); imposedUntil: as imposed, for the effect as of a date.
            ...(until !== undefined ? { until: utc(until), imposedUntil: utc(until) } : {}),
            reason,
            ...(revokes ? { revokes } : {}),
            imposedBy,
            imposedAt: at,
          },
        }),
        op(VIOLATIONS, caseId, event, { inc: { sanctionCount: 1 }, set: { updatedAt: at } }),
      ];
    },
    SanctionAppealDecided: (event) => {
      const { caseId, sanctionId, appealId, decision, until, previousUntil, reasons, decidedAt, decidedBy } = event.data;
      const at = utc(event.occurredAt);
      const change = decision === 'shorten' && until !== undefined ? { until: utc(until) } : decision === 'lift' ? { liftedAt: utc(decidedAt) } : {};
      return [
        op(SANCTION_APPEALS, appealId, event, {
          set: {
            appealId,
            caseId,
            sanctionId,
            decision,
            decisionName: APPEAL_DECISION_NAMES[decision] ?? decision,
            ...(until !== undefined ? { until: utc(until) } : {}),
            ...(previousUntil !== undefined ? { previousUntil: utc(previousUntil) } : {}),
            reasons,
            decidedAt: utc(decidedAt),
            decidedBy,
          },
        }),
        op(SANCTIONS, sanctionId, event, { set: { ...change, updatedAt: at } }),
        op(VIOLATIONS, caseId, event, { inc: { appealCount: 1 }, set: { updatedAt: at } }),
      ];
    },
    // A revocation carried out: the notice's forfeiture or the tenancy's recovery that names the case.
    AllocationForfeited: (event) => {
      const { accountabilityId, applicationId, noticeId, area } = event.data;
      if (!accountabilityId) return [];
      return [op(SANCTION_EFFECTS, event.id, event, { set: { caseId: accountabilityId, what: 'allocation', applicationId, noticeId, area, stream: event.stream, at: utc(event.occurredAt) } })];
    },
    TenancyEnded: (event) => {
      const { accountabilityId, tenancyId, area, how } = event.data;
      if (!accountabilityId || how !== 'recovery') return [];
      return [op(SANCTION_EFFECTS, event.id, event, { set: { caseId: accountabilityId, what: 'tenancy', tenancyId, area, stream: event.stream, at: utc(event.occurredAt) } })];
    },
  },
});
