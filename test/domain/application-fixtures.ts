// The notice both application test files apply to: published in nanshan, open 2026-01-10 09:00 CST to
// Tuesday 2026-01-20 17:00 CST, 3,000 ㎡ to rent; and the enterprise's application to it.
import { type NoticeSnapshot, applicationIdFor } from '../../src/domain/application.js';
import { actors } from './decider-spec.js';

export const APP = applicationIdFor('n-1', actors.enterprise.creditCode);

export const openNotice: NoticeSnapshot = {
  noticeId: 'n-1',
  status: 'published',
  district: 'nanshan',
  supplyMode: 'rent',
  opensAt: '2026-01-10T01:00:00.000Z',
  closesAt: '2026-01-20T09:00:00.000Z',
  offeredArea: 3_000,
  allocated: false,
  resultPublished: false,
  allocations: [],
};
