// The scheduler's due list (scheduler.ts) and the officers' deadline queues: one document per deadline,
// opened and closed by the events themselves (the due date is on the event that opens the clock), so the
// list survives restarts and rebuilds identically. Those that change state when they pass (`fires`: a
// winner's signing (签约), a 补正, a lease's end) are the scheduler's; review and objection handling are
// officers' duties, listed only. `officer`: who follows the deadline up — the officer who published the
// result (signing), returned the application (补正, and the review after the resubmission), upheld the
// objection (the new review), recorded the lease; a first review and an objection are the district's.
// A cancelled notice's duties end with it: its id is kept (DEADLINE_CANCELLED_NOTICES) and the queues
// leave its deadlines out (a 补正 still lapses: the scheduler does not ask the notice).
import type { ApplicationEvent } from '../domain/application.js';
import type { NoticeEvent } from '../domain/notice.js';
import type { TenancyEvent } from '../domain/tenancy.js';
import { utc } from './doc-paths.js';
import { defineProjection, op } from './projection.js';

export const DEADLINES = 'deadlines';
export const DEADLINE_CANCELLED_NOTICES = 'deadline_cancelled_notices';
export const DEADLINE_KINDS = ['review', 'correction', 'objection', 'signing', 'lease_end'] as const;
export type DeadlineKind = (typeof DEADLINE_KINDS)[number];

export const signingDeadlineId = (applicationId: string) => `signing:${applicationId}`;
export const leaseEndDeadlineId = (tenancyId: string) => `lease_end:${tenancyId}`;
export const reviewDeadlineId = (applicationId: string) => `review:${applicationId}`;
export const correctionDeadlineId = (applicationId: string) => `correction:${applicationId}`;
export const objectionDeadlineId = (objectionId: string) => `objection:${objectionId}`;

type At = { occurredAt: string; metadata: { actor: { id: string } } };
const done = (event: At, outcome: string) => ({ status: 'done', outcome, doneAt: utc(event.occurredAt) });
/** A deadline (re)opened: what an earlier closing wrote goes. */
const REOPENED = ['outcome', 'doneAt'];
/** Which kinds the scheduler fires when they pass; review and objection handling are only listed. */
const FIRES: Record<DeadlineKind, boolean> = { review: false, correction: true, objection: false, signing: true, lease_end: true };
/** An open deadline's fields (`fires` follows from its kind). */
const opened = (kind: DeadlineKind, dueAt: string, fields: Record<string, unknown>) => ({ kind, fires: FIRES[kind], status: 'open', dueAt: utc(dueAt), ...fields });

export const deadlines = defineProjection<NoticeEvent | ApplicationEvent | TenancyEvent>({
  name: 'deadlines-v3', // v3: a 递补 after an enterprise's 放弃 or the city's revocation is in the district's queue
  collections: [DEADLINES, DEADLINE_CANCELLED_NOTICES],
  indexes: [
    { collection: DEADLINES, keys: { fires: 1, status: 1, dueAt: 1 } },
    { collection: DEADLINES, keys: { status: 1, dueAt: 1 } },
    { collection: DEADLINES, keys: { district: 1, status: 1, dueAt: 1 } },
  ],
  handlers: {
    // ---- review (资质审查), 补正 and objection handling (异议处理): application events ----
    ApplicationSubmitted: (event) => {
      const { applicationId, noticeId, district, creditCode, reviewDueAt } = event.data;
      if (reviewDueAt === undefined) return [];
      return [
        op(DEADLINES, reviewDeadlineId(applicationId), event, {
          set: opened('review', reviewDueAt, { district, noticeId, applicationId, creditCode }),
          unset: [...REOPENED, 'officer'],
        }),
      ];
    },
    ApplicationWithdrawn: (event) => [
      op(DEADLINES, reviewDeadlineId(event.data.applicationId), event, { set: done(event, 'withdrawn') }),
      op(DEADLINES, correctionDeadlineId(event.data.applicationId), event, { set: done(event, 'withdrawn') }),
    ],
    ApplicationReturned: (event) => {
      const { applicationId, noticeId, district, correctionDueAt } = event.data;
      const officer = event.metadata.actor.id;
      // The review waits for the material: its clock starts again at the resubmission, with the same officer.
      const paused = op(DEADLINES, reviewDeadlineId(applicationId), event, { set: { ...done(event, 'returned'), officer } });
      if (correctionDueAt === undefined) return [paused];
      return [
        paused,
        op(DEADLINES, correctionDeadlineId(applicationId), event, {
          set: opened('correction', correctionDueAt, { district, noticeId, applicationId, officer }),
          unset: REOPENED,
        }),
      ];
    },
    ApplicationResubmitted: (event) => {
      const { applicationId, noticeId, district, reviewDueAt } = event.data;
      const corrected = op(DEADLINES, correctionDeadlineId(applicationId), event, { set: done(event, 'resubmitted') });
      if (reviewDueAt === undefined) return [corrected];
      return [
        corrected,
        op(DEADLINES, reviewDeadlineId(applicationId), event, {
          set: opened('review', reviewDueAt, { district, noticeId, applicationId }),
          unset: REOPENED,
        }),
      ];
    },
    ApplicationLapsed: (event) => [op(DEADLINES, correctionDeadlineId(event.data.applicationId), event, { set: done(event, 'lapsed') })],
    QualificationReviewed: (event) => [op(DEADLINES, reviewDeadlineId(event.data.applicationId), event, { set: done(event, 'reviewed') })],
    ObjectionFiled: (event) => {
      const { applicationId, noticeId, district, objectionId, resolveDueAt } = event.data;
      if (resolveDueAt === undefined) return [];
      return [
        op(DEADLINES, objectionDeadlineId(objectionId), event, {
          set: opened('objection', resolveDueAt, { district, noticeId, applicationId, objectionId }),
        }),
      ];
    },
    ObjectionResolved: (event) => {
      const { applicationId, noticeId, district, objectionId, upheld, reviewDueAt } = event.data;
      const resolved = op(DEADLINES, objectionDeadlineId(objectionId), event, { set: done(event, upheld ? 'upheld' : 'dismissed') });
      if (reviewDueAt === undefined) return [resolved];
      return [
        resolved,
        op(DEADLINES, reviewDeadlineId(applicationId), event, {
          set: opened('review', reviewDueAt, { district, noticeId, applicationId, officer: event.metadata.actor.id }),
          unset: REOPENED,
        }),
      ];
    },
    NoticeCancelled: (event) => [op(DEADLINE_CANCELLED_NOTICES, event.data.noticeId, event, { set: { cancelledAt: utc(event.occurredAt) } })],
    // ---- signing (签约) and lease end: notice, contract and tenancy events ----
    ResultPublished: (event) => {
      const { noticeId, projectId, district, allocations, signingDueAt } = event.data;
      if (signingDueAt === undefined) return [];
      const officer = event.metadata.actor.id;
      return allocations.map((a) =>
        op(DEADLINES, signingDeadlineId(a.applicationId), event, {
          set: opened('signing', signingDueAt, { district, projectId, noticeId, applicationId: a.applicationId, officer }),
        }),
      );
    },
    WaitlistAllocated: (event) => {
      const { noticeId, projectId, district, applicationId, signingDueAt } = event.data;
      if (signingDueAt === undefined) return [];
      // A 递补 a district officer's forfeiture made is that officer's; one the scheduler made, or an
      // enterprise's 放弃, or a revocation the city recorded, is no officer's in particular: the district's queue.
      const actor = event.metadata.actor;
      const officer = actor.role === 'housing_dept' ? { officer: actor.id } : {};
      return [
        op(DEADLINES, signingDeadlineId(applicationId), event, {
          set: opened('signing', signingDueAt, { district, projectId, noticeId, applicationId, ...officer }),
        }),
      ];
    },
    AllocationForfeited: (event) => [op(DEADLINES, signingDeadlineId(event.data.applicationId), event, { set: done(event, 'forfeited') })],
    LeaseSigned: (event) => {
      const c = event.data;
      const signed = op(DEADLINES, signingDeadlineId(c.applicationId), event, { set: done(event, 'signed') });
      if (!c.lease || c.projectId === undefined) return [signed];
      return [
        signed,
        op(DEADLINES, leaseEndDeadlineId(c.applicationId), event, {
          set: opened('lease_end', c.lease.endsOn, { district: c.district, projectId: c.projectId, noticeId: c.noticeId, tenancyId: c.applicationId, creditCode: c.creditCode, officer: event.metadata.actor.id }),
        }),
      ];
    },
    SaleCompleted: (event) => [op(DEADLINES, signingDeadlineId(event.data.applicationId), event, { set: done(event, 'signed') })],
    TenancyRenewed: (event) => [op(DEADLINES, leaseEndDeadlineId(event.data.tenancyId), event, { set: { dueAt: utc(event.data.endsOn) } })],
    TenancyEnded: (event) => {
      const ended = op(DEADLINES, leaseEndDeadlineId(event.data.tenancyId), event, { set: done(event, event.data.how) });
      const s = event.data.successor;
      if (!s) return [ended];
      return [
        ended,
        op(DEADLINES, leaseEndDeadlineId(s.tenancyId), event, {
          set: opened('lease_end', s.endsOn, { district: s.district, projectId: s.projectId, tenancyId: s.tenancyId, creditCode: s.creditCode, officer: event.metadata.actor.id }),
        }),
      ];
    },
  },
});
