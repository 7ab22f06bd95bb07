// Rent exchanges (换租): one document per exchange request, with its review and publication.
import type { ExchangeEvent } from '../domain/exchange.js';
import { DISTRICTS } from '../domain/shared.js';
import { utc } from './doc-paths.js';
import { defineProjection, op } from './projection.js';

export const EXCHANGES = 'exchanges';

export const exchanges = defineProjection<ExchangeEvent>({
  name: 'exchanges-v1',
  collections: [EXCHANGES],
  indexes: [
    { collection: EXCHANGES, keys: { creditCode: 1, requestedPosition: 1 } },
    { collection: EXCHANGES, keys: { district: 1, status: 1, requestedPosition: 1 } },
    { collection: EXCHANGES, keys: { status: 1 } },
  ],
  handlers: {
    ExchangeRequested: (event) => {
      const { exchangeId, district, creditCode, enterpriseName, current, wanted, reason } = event.data;
      const at = utc(event.occurredAt);
      return [
        op(EXCHANGES, exchangeId, event, {
          set: {
            exchangeId,
            district,
            districtName: DISTRICTS[district] ?? district,
            creditCode,
            ...(enterpriseName ? { enterpriseName } : {}),
            tenancy: current,
            wanted,
            reason,
            status: 'requested',
            requestedAt: at,
            requestedPosition: event.position,
            updatedAt: at,
          },
        }),
      ];
    },
    ExchangeReviewed: (event) => {
      const { exchangeId, approved, reason, reviewer } = event.data;
      const at = utc(event.occurredAt);
      return [op(EXCHANGES, exchangeId, event, { set: { status: 'reviewed', approved, review: { approved, reason, reviewer, reviewedAt: at }, updatedAt: at } })];
    },
    ExchangeResultPublished: (event) => [
      op(EXCHANGES, event.data.exchangeId, event, { set: { status: 'published', approved: event.data.approved, publishedAt: utc(event.data.publishedAt), updatedAt: utc(event.occurredAt) } }),
    ],
  },
});
