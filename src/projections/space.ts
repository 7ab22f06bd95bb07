// The space ledger's read side: one document per record that holds space of a project — a notice under
// way (offered), an allocation (allocated, then let or sold by its contract) — built from each event alone.
// A project's figures are summed from its documents at read time (ledger.ts), so no handler reads.
// A cancelled notice takes its allocations with it: the query drops allocations of cancelled notices.
import type { ApplicationEvent } from '../domain/application.js';
import type { NoticeEvent } from '../domain/notice.js';
import type { TenancyEvent } from '../domain/tenancy.js';
import { defineProjection, op } from './projection.js';

export const SPACE = 'space_holdings';

/** Document ids: a notice's offer and an application's allocation share one collection. */
export const offerKey = (noticeId: string) => `notice:${noticeId}`;
export const allocationKey = (applicationId: string) => `allocation:${applicationId}`;

export const space = defineProjection<NoticeEvent | ApplicationEvent | TenancyEvent>({
  name: 'space-v1',
  collections: [SPACE],
  indexes: [
    { collection: SPACE, keys: { projectId: 1 } },
    { collection: SPACE, keys: { noticeId: 1 } },
  ],
  handlers: {
    NoticePublished: (event) => {
      const { noticeId, projectId, district, area, unitIds = [] } = event.data;
      return [op(SPACE, offerKey(noticeId), event, { set: { kind: 'offer', noticeId, projectId, district, state: 'offered', area, unitIds } })];
    },
    NoticeAmended: (event) => {
      const { area, unitIds } = event.data.changes;
      if (area === undefined && unitIds === undefined) return [];
      return [op(SPACE, offerKey(event.data.noticeId), event, { set: { ...(area !== undefined ? { area } : {}), ...(unitIds !== undefined ? { unitIds } : {}) } })];
    },
    NoticeCancelled: (event) => [op(SPACE, offerKey(event.data.noticeId), event, { set: { state: 'released', noticeCancelled: true } })],
    AllocationDecided: (event) => {
      const { noticeId, projectId, district, method, allocations } = event.data;
      return [
        // The offer becomes the allocations; what they do not take is available again.
        op(SPACE, offerKey(noticeId), event, { set: { state: 'allocated_out' } }),
        ...allocations.map((a) =>
          op(SPACE, allocationKey(a.applicationId), event, {
            set: { kind: 'allocation', noticeId, projectId, district, applicationId: a.applicationId, rank: a.rank, state: 'allocated', status: 'allocated', via: method, area: a.area, unitIds: a.unitIds ?? [] },
          }),
        ),
      ];
    },
    AllocationForfeited: (event) => {
      const status = event.data.reason === 'revoked' ? 'revoked' : 'forfeited';
      return [op(SPACE, allocationKey(event.data.applicationId), event, { set: { state: 'released', status, forfeitReason: event.data.reason } })];
    },
    WaitlistAllocated: (event) => {
      const { noticeId, projectId, district, applicationId, area, rank, replaces, unitIds = [] } = event.data;
      return [
        op(SPACE, allocationKey(applicationId), event, {
          set: { kind: 'allocation', noticeId, projectId, district, applicationId, rank, state: 'allocated', status: 'allocated', via: 'waitlist', replaces, area, unitIds },
        }),
      ];
    },
    LeaseSigned: (event) => [op(SPACE, allocationKey(event.data.applicationId), event, { set: { state: 'let', status: 'signed', area: event.data.area, contractRef: event.data.contractRef } })],
    // A tenancy's id is its application's: its end returns the let space to available.
    TenancyEnded: (event) => {
      const released = op(SPACE, allocationKey(event.data.tenancyId), event, { set: { state: 'released', endedHow: event.data.how } });
      const s = event.data.successor;
      if (!s) return [released];
      // 换租: the new tenancy holds the wanted space from the same event (key: its id, the exchange's).
      return [
        released,
        op(SPACE, allocationKey(s.tenancyId), event, {
          set: { kind: 'exchange', projectId: s.projectId, district: s.district, applicationId: s.tenancyId, exchangeId: event.data.exchangeId, state: 'let', area: s.area, unitIds: s.unitIds },
        }),
      ];
    },
    SaleCompleted: (event) => [op(SPACE, allocationKey(event.data.applicationId), event, { set: { state: 'sold', status: 'signed', area: event.data.area, contractRef: event.data.contractRef } })],
  },
});
