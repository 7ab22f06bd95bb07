// The scheduler's due list (scheduler.ts) and the officers' deadline queues: one document per deadline
// that changes state when it passes — a winner's signing (签约) deadline, a lease's end — opened and
// closed by the events themselves, so the list survives restarts and rebuilds identically.
import type { ApplicationEvent } from '../domain/application.js';
import type { NoticeEvent } from '../domain/notice.js';
import type { TenancyEvent } from '../domain/tenancy.js';
import { utc } from './doc-paths.js';
import { defineProjection, op } from './projection.js';

export const DEADLINES = 'deadlines';
export type DeadlineKind = 'signing' | 'lease_end';

export const signingDeadlineId = (applicationId: string) => `signing:${applicationId}`;
export const leaseEndDeadlineId = (tenancyId: string) => `lease_end:${tenancyId}`;

export const deadlines = defineProjection<NoticeEvent | ApplicationEvent | TenancyEvent>({
  name: 'deadlines-v1',
  collections: [DEADLINES],
  indexes: [
    { collection: DEADLINES, keys: { status: 1, dueAt: 1 } },
    { collection: DEADLINES, keys: { district: 1, status: 1, dueAt: 1 } },
  ],
  handlers: {
    ResultPublished: (event) => {
      const { noticeId, projectId, district, allocations, signingDueAt } = event.data;
      if (signingDueAt === undefined) return [];
      const officer = event.metadata.actor.id;
      return allocations.map((a) =>
        op(DEADLINES, signingDeadlineId(a.applicationId), event, {
          set: { kind: 'signing', status: 'open', dueAt: utc(signingDueAt), district, projectId, noticeId, applicationId: a.applicationId, officer },
        }),
      );
    },
    WaitlistAllocated: (event) => {
      const { noticeId, projectId, district, applicationId, signingDueAt } = event.data;
      if (signingDueAt === undefined) return [];
      return [
        op(DEADLINES, signingDeadlineId(applicationId), event, {
          set: { kind: 'signing', status: 'open', dueAt: utc(signingDueAt), district, projectId, noticeId, applicationId, officer: event.metadata.actor.id },
        }),
      ];
    },
    AllocationForfeited: (event) => [op(DEADLINES, signingDeadlineId(event.data.applicationId), event, { set: { status: 'done', outcome: 'forfeited', doneAt: utc(event.occurredAt) } })],
    LeaseSigned: (event) => {
      const c = event.data;
      const signed = op(DEADLINES, signingDeadlineId(c.applicationId), event, { set: { status: 'done', outcome: 'signed', doneAt: utc(event.occurredAt) } });
      if (!c.lease || c.projectId === undefined) return [signed];
      return [
        signed,
        op(DEADLINES, leaseEndDeadlineId(c.applicationId), event, {
          set: { kind: 'lease_end', status: 'open', dueAt: utc(c.lease.endsOn), district: c.district, projectId: c.projectId, noticeId: c.noticeId, tenancyId: c.applicationId, creditCode: c.creditCode, officer: event.metadata.actor.id },
        }),
      ];
    },
    SaleCompleted: (event) => [op(DEADLINES, signingDeadlineId(event.data.applicationId), event, { set: { status: 'done', outcome: 'signed', doneAt: utc(event.occurredAt) } })],
    TenancyRenewed: (event) => [op(DEADLINES, leaseEndDeadlineId(event.data.tenancyId), event, { set: { dueAt: utc(event.data.endsOn) } })],
    TenancyEnded: (event) => {
      const done = op(DEADLINES, leaseEndDeadlineId(event.data.tenancyId), event, { set: { status: 'done', outcome: event.data.how, doneAt: utc(event.occurredAt) } });
      const s = event.data.successor;
      if (!s) return [done];
      return [
        done,
        op(DEADLINES, leaseEndDeadlineId(s.tenancyId), event, {
          set: { kind: 'lease_end', status: 'open', dueAt: utc(s.endsOn), district: s.district, projectId: s.projectId, tenancyId: s.tenancyId, creditCode: s.creditCode, officer: event.metadata.actor.id },
        }),
      ];
    },
  },
});
