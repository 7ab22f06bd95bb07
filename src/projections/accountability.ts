// Accountability (追责): one document per violation case and one per sanction. Sanctions carry their
// subject's kind and a normalised key (an enterprise's credit code in upper case), so the bans on an
// applicant are found by credit code (see activeSanctionsOf in procedure-queries.ts).
import { type AccountabilityEvent, SANCTION_KIND_NAMES, VIOLATION_KIND_NAMES } from '../domain/accountability.js';
import { utc } from './doc-paths.js';
import { defineProjection, op } from './projection.js';

export const VIOLATIONS = 'violations';
export const SANCTIONS = 'sanctions';

/** How a subject id is looked up: credit codes are compared in upper case, as activeApplicationBans does. */
export const subjectKey = (id: string) => id.trim().toUpperCase();

export const accountability = defineProjection<AccountabilityEvent>({
  name: 'accountability-v1',
  collections: [VIOLATIONS, SANCTIONS],
  indexes: [
    { collection: VIOLATIONS, keys: { subjectKey: 1, subjectKind: 1 } },
    { collection: SANCTIONS, keys: { subjectKey: 1, subjectKind: 1, kind: 1 } },
    { collection: SANCTIONS, keys: { caseId: 1 } },
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
      const { caseId, sanctionId, subject, kind, until, reason, imposedBy } = event.data;
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
            ...(until !== undefined ? { until: utc(until) } : {}),
            reason,
            imposedBy,
            imposedAt: at,
          },
        }),
        op(VIOLATIONS, caseId, event, { inc: { sanctionCount: 1 }, set: { updatedAt: at } }),
      ];
    },
  },
});
