// Tenancies (租赁关系): one document per tenancy, from the lease recorded on the application's stream and
// the tenancy stream's renewals and ending. Each handler builds its op from its event alone.
import type { ApplicationEvent } from '../domain/application.js';
import type { TenancyEvent } from '../domain/tenancy.js';
import { historyKey, utc, withData } from './doc-paths.js';
import { defineProjection, op } from './projection.js';

// Not 'tenancies': the name applications-v1 gave its copy of the signed leases (an exchange request takes
// the enterprise's tenancy from here: exchangeTenancyOf()).
export const TENANCIES = 'tenancy_records';

export const tenancies = defineProjection<ApplicationEvent | TenancyEvent>({
  name: 'tenancies-v2',
  collections: [TENANCIES],
  indexes: [
    { collection: TENANCIES, keys: { district: 1, status: 1, endsOn: 1 } },
    { collection: TENANCIES, keys: { creditCode: 1 } },
    { collection: TENANCIES, keys: { projectId: 1 } },
  ],
  handlers: {
    LeaseSigned: (event) => {
      const c = event.data;
      if (!c.lease || c.projectId === undefined) return [];
      return [
        op(TENANCIES, c.applicationId, event, {
          set: {
            tenancyId: c.applicationId,
            applicationId: c.applicationId,
            noticeId: c.noticeId,
            projectId: c.projectId,
            district: c.district,
            creditCode: c.creditCode,
            area: c.area,
            unitIds: c.unitIds ?? [],
            contractRef: c.contractRef,
            signedOn: utc(c.signedOn),
            startsOn: utc(c.lease.startsOn),
            endsOn: utc(c.lease.endsOn),
            originalEndsOn: utc(c.lease.endsOn),
            monthlyRent: c.lease.monthlyRent,
            renewals: 0,
            status: 'active',
          },
        }),
      ];
    },
    TenancyRenewed: (event) => {
      const { tenancyId, endsOn, previousEndsOn, monthlyRent, renewal, reason } = event.data;
      return [
        op(TENANCIES, tenancyId, event, {
          set: withData(
            { endsOn: utc(endsOn), monthlyRent, renewals: renewal },
            [`renewalHistory.${historyKey(event.position)}`, { previousEndsOn: utc(previousEndsOn), endsOn: utc(endsOn), monthlyRent, renewal, ...(reason ? { reason } : {}), at: utc(event.occurredAt), position: event.position }],
          ),
        }),
      ];
    },
    TenancyEnded: (event) => {
      const { tenancyId, how, endedOn, reasons, grounds, exchangeId, successor: s } = event.data;
      const moved = exchangeId !== undefined && s ? { exchangeId, successorId: s.tenancyId } : {};
      const end = op(TENANCIES, tenancyId, event, { set: { status: 'ended', endedHow: how, endedOn: utc(endedOn), endReasons: reasons, ...(grounds ? { recoveryGrounds: grounds } : {}), ...moved } });
      if (!s) return [end];
      // 换租: the new tenancy starts in the same event, on the wanted space, for the rest of the term.
      const started = op(TENANCIES, s.tenancyId, event, {
        set: {
          tenancyId: s.tenancyId,
          exchangeId,
          predecessorId: tenancyId,
          projectId: s.projectId,
          district: s.district,
          creditCode: s.creditCode,
          area: s.area,
          unitIds: s.unitIds,
          startsOn: utc(s.startsOn),
          endsOn: utc(s.endsOn),
          originalEndsOn: utc(s.endsOn),
          monthlyRent: s.monthlyRent,
          renewals: 0,
          status: 'active',
        },
      });
      return [end, started];
    },
  },
});
