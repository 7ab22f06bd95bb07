// Applications (在线申请及审核): one document per application, the review queues and an enterprise's own
// records; objections by id (to resolve one by its id alone); tenancies (for exchange requests).
// Built from events alone: counters are `inc`s and histories are keyed by log position, so a replayed
// event (guarded by its position) changes nothing.
//
// What the application events do not carry comes from the notice events that do: AllocationDecided
// (district) marks each candidate's allocation; ResultPublished (projectId, district, supplyMode)
// prepares the tenancy of each allocated rent application, which LeaseSigned (creditCode, area) completes.
// ObjectionFiled carries no district: findObjection() takes it from the application's document.
import type { ApplicationEvent } from '../domain/application.js';
import type { NoticeEvent } from '../domain/notice.js';
import type { RecordedEvent } from '../infra/event-store.js';
import type { DocOp } from '../infra/read-store.js';
import { encodeKey, historyKey, utc } from './doc-paths.js';
import { type Projection, op } from './projection.js';

export const APPLICATIONS = 'applications';
export const OBJECTIONS = 'objections';
export const TENANCIES = 'tenancies';

const APPLICATION_EVENT_TYPES = [
  'ApplicationSubmitted',
  'ApplicationWithdrawn',
  'ApplicationReturned',
  'ApplicationResubmitted',
  'QualificationReviewed',
  'ObjectionFiled',
  'ObjectionResolved',
  'LeaseSigned',
  'SaleCompleted',
] as const;

/** Fields a fresh submission clears (a withdrawn application may be submitted again on its stream). */
const CLEARED_ON_SUBMIT = ['returned', 'resubmittedAt', 'qualified', 'score', 'lastReview', 'reviewedAt', 'withdrawnAt', 'withdrawReason', 'allocation', 'allocatedArea', 'contract'];

function applicationOps(event: RecordedEvent, e: ApplicationEvent): DocOp[] {
  const at = utc(event.occurredAt);
  const id = e.data.applicationId;
  const entry = historyKey(event.position);
  switch (e.type) {
    case 'ApplicationSubmitted': {
      const { applicationId, noticeId, district, creditCode, enterpriseName, requestedArea, declared, documents } = e.data;
      return [
        op(APPLICATIONS, id, event, {
          set: {
            applicationId,
            noticeId,
            district,
            creditCode,
            enterpriseName,
            requestedArea,
            declared,
            documentSets: { [entry]: { kind: 'submitted', documents, at, position: event.position } },
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
    }
    case 'ApplicationWithdrawn':
      return [
        op(APPLICATIONS, id, event, {
          set: { status: 'withdrawn', withdrawnAt: at, ...(e.data.reason !== undefined ? { withdrawReason: e.data.reason } : {}), updatedAt: at },
        }),
      ];
    case 'ApplicationReturned':
      return [op(APPLICATIONS, id, event, { set: { status: 'returned', returned: { missing: e.data.missing, returnedAt: at }, updatedAt: at } })];
    case 'ApplicationResubmitted':
      return [
        op(APPLICATIONS, id, event, {
          set: { status: 'resubmitted', [`documentSets.${entry}`]: { kind: 'resubmitted', documents: e.data.documents, at, position: event.position }, resubmittedAt: at, updatedAt: at },
        }),
      ];
    case 'QualificationReviewed': {
      const { qualified, reasons, score, reviewer, answersObjections, previous } = e.data;
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
      const answered = Object.fromEntries((answersObjections ?? []).map((o) => [`objections.${encodeKey(o)}.answered`, true]));
      return [
        op(APPLICATIONS, id, event, {
          set: {
            status: 'reviewed',
            qualified,
            reasons,
            ...(score !== undefined ? { score } : {}),
            lastReview: review,
            [`reviews.${entry}`]: review,
            reviewedAt: at,
            // A review answers every upheld objection still waiting (see ReviewQualification).
            awaitingReview: false,
            ...answered,
            updatedAt: at,
          },
          ...(score === undefined ? { unset: ['score'] } : {}),
          inc: { reviewCount: 1 },
        }),
      ];
    }
    case 'ObjectionFiled': {
      const { objectionId, noticeId, content, filedBy } = e.data;
      return [
        op(APPLICATIONS, id, event, {
          set: { [`objections.${encodeKey(objectionId)}`]: { objectionId, content, filedBy, filedAt: at, position: event.position, open: true, status: 'open', answered: false }, updatedAt: at },
          inc: { openObjections: 1 },
        }),
        op(OBJECTIONS, objectionId, event, { set: { objectionId, applicationId: id, noticeId, filedAt: at, open: true } }),
      ];
    }
    case 'ObjectionResolved': {
      const { objectionId, upheld, reason } = e.data;
      const key = `objections.${encodeKey(objectionId)}`;
      const resolution = { upheld, reason, resolvedAt: at };
      return [
        op(APPLICATIONS, id, event, {
          set: { [`${key}.open`]: false, [`${key}.status`]: upheld ? 'upheld' : 'dismissed', [`${key}.resolution`]: resolution, ...(upheld ? { awaitingReview: true } : {}), updatedAt: at },
          inc: { openObjections: -1 },
        }),
        op(OBJECTIONS, objectionId, event, { set: { open: false, upheld, resolvedAt: at } }),
      ];
    }
    case 'LeaseSigned':
    case 'SaleCompleted': {
      const contract = { ...e.data, kind: e.type === 'LeaseSigned' ? 'lease' : 'sale', recordedAt: at };
      const ops = [op(APPLICATIONS, id, event, { set: { contract, updatedAt: at } })];
      if (e.type === 'LeaseSigned') {
        const { applicationId, noticeId, creditCode, area, contractRef, signedOn } = e.data;
        ops.push(op(TENANCIES, id, event, { set: { applicationId, noticeId, creditCode, area, contractRef, signedOn, leased: true, signedPosition: event.position, recordedAt: at } }));
      }
      return ops;
    }
    default:
      return [];
  }
}

function noticeOps(event: RecordedEvent, e: NoticeEvent): DocOp[] {
  const at = utc(event.occurredAt);
  switch (e.type) {
    case 'AllocationDecided': {
      const { noticeId, district, method, order, allocations } = e.data;
      const given = new Map(allocations.map((a) => [a.applicationId, a]));
      // One op per application: `order` lists each candidate once (the decider's canonical order).
      return [...new Set(order)].map((applicationId, i) => {
        const a = given.get(applicationId);
        return op(APPLICATIONS, applicationId, event, {
          set: { noticeId, district, allocation: { allocated: a !== undefined, area: a?.area ?? 0, rank: a?.rank ?? i + 1, method, decidedAt: at }, allocatedArea: a?.area ?? 0 },
        });
      });
    }
    case 'ResultPublished': {
      const { noticeId, district, projectId, supplyMode, allocations } = e.data;
      if (supplyMode !== 'rent') return [];
      const seen = new Set<string>();
      return allocations
        .filter((a) => !seen.has(a.applicationId) && seen.add(a.applicationId))
        .map((a) => op(TENANCIES, a.applicationId, event, { set: { applicationId: a.applicationId, noticeId, projectId, district, allocatedArea: a.area } }));
    }
    default:
      return [];
  }
}

export const applications: Projection = {
  name: 'applications-v1',
  collections: [APPLICATIONS, OBJECTIONS, TENANCIES],
  indexes: [
    { collection: APPLICATIONS, keys: { noticeId: 1, status: 1, submittedPosition: 1 } },
    { collection: APPLICATIONS, keys: { creditCode: 1, submittedPosition: 1 } },
    { collection: APPLICATIONS, keys: { district: 1, status: 1, submittedPosition: 1 } },
    { collection: APPLICATIONS, keys: { status: 1 } },
    { collection: OBJECTIONS, keys: { applicationId: 1 } },
    { collection: TENANCIES, keys: { creditCode: 1, signedPosition: -1 } },
  ],
  handles: new Set<string>([...APPLICATION_EVENT_TYPES, 'AllocationDecided', 'ResultPublished']),
  apply(event: RecordedEvent): DocOp[] {
    if (event.type === 'AllocationDecided' || event.type === 'ResultPublished') return noticeOps(event, event as unknown as NoticeEvent);
    return applicationOps(event, event as unknown as ApplicationEvent);
  },
};
