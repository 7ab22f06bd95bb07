// Applications (在线申请及审核): one document per application, the review queues and an enterprise's own
// records; objections by id (to resolve one by its id alone). Tenancies are tenancies.ts's, which follows
// their ends and 换租 moves (applications-v1 kept a copy of the signed leases that nothing read).
// Built from events alone: counters are `inc`s and histories are keyed by log position, so a replayed
// event (guarded by its position) changes nothing.
//
// What the application events do not carry comes from the notice events that do: AllocationDecided
// (district) marks each candidate's allocation; AllocationForfeited ends one (its `endedHow`: the
// forfeiture's reason) and WaitlistAllocated gives one by 递补 (`via: 'waitlist'`, what it `replaces`,
// its own signing deadline).
// ObjectionFiled carries no district: findObjection() takes it from the application's document.
import type { ApplicationEvent } from '../domain/application.js';
import type { NoticeEvent } from '../domain/notice.js';
import type { DocOp } from '../infra/read-store.js';
import { encodeKey, historyKey, keyedByData, utc, withData } from './doc-paths.js';
import { type Recorded, defineProjection, op } from './projection.js';

export const APPLICATIONS = 'applications';
export const OBJECTIONS = 'objections';

/** Fields a fresh submission clears (a withdrawn application may be submitted again on its stream). */
const CLEARED_ON_SUBMIT = ['returned', 'resubmittedAt', 'lapsedAt', 'qualified', 'score', 'lastReview', 'reviewedAt', 'withdrawnAt', 'withdrawReason', 'allocation', 'allocatedArea', 'contract'];

/** The path of this event's entry in a history kept by log position. */
const entryOf = (event: { position: number }) => historyKey(event.position);

/** A signed lease or a completed sale: the contract on the application. */
function contractOps(event: Recorded<Extract<ApplicationEvent, { type: 'LeaseSigned' | 'SaleCompleted' }>>): DocOp[] {
  const at = utc(event.occurredAt);
  const contract = { ...event.data, kind: event.type === 'LeaseSigned' ? 'lease' : 'sale', recordedAt: at };
  return [op(APPLICATIONS, event.data.applicationId, event, { set: { contract, updatedAt: at } })];
}

export const applications = defineProjection<ApplicationEvent | NoticeEvent>({
  name: 'applications-v3', // v3: the allocation follows forfeitures and 递补
  collections: [APPLICATIONS, OBJECTIONS],
  indexes: [
    { collection: APPLICATIONS, keys: { noticeId: 1, status: 1, submittedPosition: 1 } },
    { collection: APPLICATIONS, keys: { creditCode: 1, submittedPosition: 1 } },
    { collection: APPLICATIONS, keys: { district: 1, status: 1, submittedPosition: 1 } },
    { collection: APPLICATIONS, keys: { status: 1 } },
    { collection: OBJECTIONS, keys: { applicationId: 1 } },
  ],
  handlers: {
    ApplicationSubmitted: (event) => {
      const { applicationId, noticeId, district, creditCode, enterpriseName, requestedArea, declared, documents } = event.data;
      const at = utc(event.occurredAt);
      return [
        op(APPLICATIONS, applicationId, event, {
          set: {
            applicationId,
            noticeId,
            district,
            creditCode,
            enterpriseName,
            requestedArea,
            declared,
            documentSets: keyedByData([[entryOf(event), { kind: 'submitted', documents, at, position: event.position }]]),
            status: 'submitted',
            submittedAt: at,
            submittedPosition: event.position,
            reasons: [],
            objections: {},
            openObjections: 0,
            awaitingReview: false,
            updatedAt: at,
          },
          unset: CLEARED_ON_SUBMIT,
          inc: { submissionCount: 1 },
        }),
      ];
    },
    ApplicationWithdrawn: (event) => {
      const at = utc(event.occurredAt);
      return [
        op(APPLICATIONS, event.data.applicationId, event, {
          set: { status: 'withdrawn', withdrawnAt: at, ...(event.data.reason !== undefined ? { withdrawReason: event.data.reason } : {}), updatedAt: at },
        }),
      ];
    },
    ApplicationReturned: (event) => {
      const at = utc(event.occurredAt);
      // The enterprise sees by when the material is due (its 补正 deadline, if one was counted).
      const due = event.data.correctionDueAt !== undefined ? { dueAt: utc(event.data.correctionDueAt) } : {};
      return [op(APPLICATIONS, event.data.applicationId, event, { set: { status: 'returned', returned: { missing: event.data.missing, returnedAt: at, ...due }, updatedAt: at } })];
    },
    ApplicationLapsed: (event) => {
      const at = utc(event.occurredAt);
      return [op(APPLICATIONS, event.data.applicationId, event, { set: { status: 'lapsed', lapsedAt: at, updatedAt: at } })];
    },
    ApplicationResubmitted: (event) => {
      const at = utc(event.occurredAt);
      return [
        op(APPLICATIONS, event.data.applicationId, event, {
          set: withData({ status: 'resubmitted', resubmittedAt: at, updatedAt: at }, [`documentSets.${entryOf(event)}`, { kind: 'resubmitted', documents: event.data.documents, at, position: event.position }]),
        }),
      ];
    },
    QualificationReviewed: (event) => {
      const { applicationId, qualified, reasons, score, reviewer, answersObjections, previous } = event.data;
      const at = utc(event.occurredAt);
      const review = {
        qualified,
        reasons,
        ...(score !== undefined ? { score } : {}),
        reviewer,
        reviewedAt: at,
        position: event.position,
        ...(answersObjections ? { answersObjections } : {}),
        ...(previous ? { previous } : {}),
      };
      // A review answers every upheld objection still waiting (see ReviewQualification).
      const answered = (answersObjections ?? []).map((o): [string, boolean] => [`objections.${encodeKey(o)}.answered`, true]);
      return [
        op(APPLICATIONS, applicationId, event, {
          set: withData(
            { status: 'reviewed', qualified, reasons, ...(score !== undefined ? { score } : {}), lastReview: review, reviewedAt: at, awaitingReview: false, updatedAt: at },
            [`reviews.${entryOf(event)}`, review],
            ...answered,
          ),
          ...(score === undefined ? { unset: ['score'] } : {}),
          inc: { reviewCount: 1 },
        }),
      ];
    },
    ObjectionFiled: (event) => {
      const { applicationId, objectionId, noticeId, content, filedBy } = event.data;
      const at = utc(event.occurredAt);
      return [
        op(APPLICATIONS, applicationId, event, {
          set: withData({ updatedAt: at }, [`objections.${encodeKey(objectionId)}`, { objectionId, content, filedBy, filedAt: at, position: event.position, open: true, status: 'open', answered: false }]),
          inc: { openObjections: 1 },
        }),
        op(OBJECTIONS, objectionId, event, { set: { objectionId, applicationId, noticeId, filedAt: at, open: true } }),
      ];
    },
    ObjectionResolved: (event) => {
      const { applicationId, objectionId, upheld, reason } = event.data;
      const at = utc(event.occurredAt);
      const key = `objections.${encodeKey(objectionId)}`;
      const resolution = { upheld, reason, resolvedAt: at };
      return [
        op(APPLICATIONS, applicationId, event, {
          set: { [`${key}.open`]: false, [`${key}.status`]: upheld ? 'upheld' : 'dismissed', [`${key}.resolution`]: resolution, ...(upheld ? { awaitingReview: true } : {}), updatedAt: at },
          inc: { openObjections: -1 },
        }),
        op(OBJECTIONS, objectionId, event, { set: { open: false, upheld, resolvedAt: at } }),
      ];
    },
    LeaseSigned: contractOps,
    SaleCompleted: contractOps,
    AllocationDecided: (event) => {
      const { noticeId, district, method, order, allocations } = event.data;
      const at = utc(event.occurredAt);
      const given = new Map(allocations.map((a) => [a.applicationId, a]));
      // One op per application: `order` lists each candidate once (the decider's canonical order).
      return [...new Set(order)].map((applicationId, i) => {
        const a = given.get(applicationId);
        return op(APPLICATIONS, applicationId, event, {
          set: { noticeId, district, allocation: { allocated: a !== undefined, area: a?.area ?? 0, rank: a?.rank ?? i + 1, method, decidedAt: at }, allocatedArea: a?.area ?? 0 },
        });
      });
    },
    // The winners' signing deadline (a 递补's comes with it, below).
    ResultPublished: (event) => {
      const { allocations, signingDueAt } = event.data;
      if (signingDueAt === undefined) return [];
      const due = utc(signingDueAt);
      return allocations.map((a) => op(APPLICATIONS, a.applicationId, event, { set: { 'allocation.signingDueAt': due } }));
    },
    // The space allocated ends unsigned (a missed signing deadline, 放弃, a revocation): the area it had stays.
    AllocationForfeited: (event) => {
      const at = utc(event.occurredAt);
      return [
        op(APPLICATIONS, event.data.applicationId, event, {
          set: { 'allocation.allocated': false, 'allocation.endedAt': at, 'allocation.endedHow': event.data.reason, allocatedArea: 0, updatedAt: at },
        }),
      ];
    },
    WaitlistAllocated: (event) => {
      const { applicationId, area, rank, replaces, signingDueAt, unitIds } = event.data;
      const at = utc(event.occurredAt);
      const given = {
        'allocation.allocated': true,
        'allocation.area': area,
        'allocation.rank': rank,
        'allocation.via': 'waitlist',
        'allocation.replaces': replaces,
        'allocation.allocatedAt': at,
        ...(signingDueAt !== undefined ? { 'allocation.signingDueAt': utc(signingDueAt) } : {}),
        ...(unitIds?.length ? { 'allocation.unitIds': unitIds } : {}),
      };
      return [op(APPLICATIONS, applicationId, event, { set: { ...given, allocatedArea: area, updatedAt: at } })];
    },
  },
});
