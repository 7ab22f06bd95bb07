// Rent exchanges (换租): one document per exchange request, with its review and publication.
import type { ExchangeEvent } from '../domain/exchange.js';
import { DISTRICTS } from '../domain/shared.js';
import type { RecordedEvent } from '../infra/event-store.js';
import type { DocOp } from '../infra/read-store.js';
import { utc } from './doc-paths.js';
import { type Projection, op } from './projection.js';

export const EXCHANGES = 'exchanges';

export const exchanges: Projection = {
  name: 'exchanges-v1',
  collections: [EXCHANGES],
  indexes: [
    { collection: EXCHANGES, keys: { creditCode: 1, requestedPosition: 1 } },
    { collection: EXCHANGES, keys: { district: 1, status: 1, requestedPosition: 1 } },
    { collection: EXCHANGES, keys: { status: 1 } },
  ],
  handles: new Set(['ExchangeRequested', 'ExchangeReviewed', 'ExchangeResultPublished']),
  apply(event: RecordedEvent): DocOp[] {
    const e = event as unknown as ExchangeEvent;
    const id = e.data.exchangeId;
    const at = utc(event.occurredAt);
    switch (e.type) {
      case 'ExchangeRequested': {
        const { exchangeId, district, creditCode, enterpriseName, current, wanted, reason } = e.data;
        return [
          op(EXCHANGES, id, event, {
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
      }
      case 'ExchangeReviewed': {
        const { approved, reason, reviewer } = e.data;
        return [op(EXCHANGES, id, event, { set: { status: 'reviewed', approved, review: { approved, reason, reviewer, reviewedAt: at }, updatedAt: at } })];
      }
      case 'ExchangeResultPublished':
        return [op(EXCHANGES, id, event, { set: { status: 'published', approved: e.data.approved, publishedAt: utc(e.data.publishedAt), updatedAt: at } })];
      default:
        return [];
    }
  },
};
