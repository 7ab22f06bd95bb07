// Notices read model: one document per notice, its terms and the step its procedure has reached.
import { describe, it } from 'vitest';
import type { NoticeEvent } from '../../../src/domain/notice.js';
import { NOTICES, notices } from '../../../src/projections/notices.js';
import { projectionSpec } from '../projection-spec.js';
import { N, allocationDecided, at, noticeAmended, noticeClosed, noticePublished, publicityStarted, resultPublished, terms } from './fixtures.js';

const spec = projectionSpec<NoticeEvent>(notices);
const base = { noticeId: N, district: 'nanshan', projectId: 'p-1', supplyMode: 'rent', ...terms, amendmentCount: 0, publishedAt: at(1), publishedPosition: 1 };

describe('notices', () => {
  it('a published notice: its terms, published', () => spec.given([noticePublished]).then(NOTICES, N, { ...base, status: 'published', stage: 'published', updatedAt: at(1) }));

  it('an amendment changes the terms and keeps the change in the history', () =>
    spec.given([noticePublished, noticeAmended]).then(NOTICES, N, {
      ...base,
      price: 60,
      status: 'published',
      stage: 'published',
      amendmentCount: 1,
      amendments: { p2: { changes: { price: 60 }, previous: { price: 65 }, reason: '价格调整', amendedAt: at(2), position: 2 } },
      amendedAt: at(2),
      updatedAt: at(2),
    }));

  it('closed, publicity, allocated, result published', () =>
    spec.given([noticePublished, noticeClosed, publicityStarted, allocationDecided, resultPublished]).then(NOTICES, N, {
      ...base,
      status: 'closed',
      stage: 'result_published',
      closedAt: at(2),
      publicity: { startsAt: publicityStarted.data.startsAt, endsAt: publicityStarted.data.endsAt, list: publicityStarted.data.list },
      allocation: { method: 'first_come', algorithm: 'first_come-v1', offeredArea: 1000, order: allocationDecided.data.order, allocations: allocationDecided.data.allocations, allocatedArea: 400, decidedAt: at(4) },
      result: { publishedAt: '2027-01-14T02:00:00.000Z', allocations: resultPublished.data.allocations },
      updatedAt: at(5),
    }));

  it('a cancelled notice', () =>
    spec
      .given([noticePublished, { type: 'NoticeCancelled', data: { noticeId: N, district: 'nanshan', reason: '项目调整' } }])
      .then(NOTICES, N, { ...base, status: 'cancelled', stage: 'cancelled', cancelReason: '项目调整', cancelledAt: at(2), updatedAt: at(2) }));
});
