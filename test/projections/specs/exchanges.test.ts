// Exchanges read model: one document per exchange request.
import { describe, it } from 'vitest';
import type { ExchangeEvent } from '../../../src/domain/exchange.js';
import { EXCHANGES, exchanges } from '../../../src/projections/exchanges.js';
import { projectionSpec } from '../projection-spec.js';
import { E1, at, current, exchangePublished, exchangeRequested, exchangeReviewed } from './fixtures.js';

const spec = projectionSpec<ExchangeEvent>(exchanges);
const base = {
  exchangeId: 'x-1',
  district: 'nanshan',
  districtName: '南山区',
  creditCode: E1.creditCode,
  enterpriseName: E1.name,
  tenancy: current,
  wanted: { area: 300 },
  reason: '缩减面积',
  requestedAt: at(1),
  requestedPosition: 1,
};

describe('exchanges', () => {
  it('a request', () => spec.given([exchangeRequested]).then(EXCHANGES, 'x-1', { ...base, status: 'requested', updatedAt: at(1) }));

  it('reviewed, then published', () =>
    spec.given([exchangeRequested, exchangeReviewed, exchangePublished]).then(EXCHANGES, 'x-1', {
      ...base,
      status: 'published',
      approved: true,
      review: { approved: true, reason: '同意', reviewer: { id: 'officer-ns' }, reviewedAt: at(2) },
      publishedAt: '2027-02-01T02:00:00.000Z',
      updatedAt: at(3),
    }));
});
