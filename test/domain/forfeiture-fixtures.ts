// One notice decided by ranking, shared by the forfeiture specs and the feed's result test: 3,000 ㎡ offered,
// b (1,000 ㎡) and a (1,000 ㎡) given space; d (2,500 ㎡) did not fit and e (800 ㎡) came last.
import { ALLOCATION_ALGORITHM } from '../../src/domain/allocation.js';
import type { NoticeEvent } from '../../src/domain/notice.js';

export const ref = { noticeId: 'n-1', district: 'nanshan' as const };
export const input = (applicationId: string, requestedArea: number, submittedPosition: number) => ({ applicationId, requestedArea, submittedPosition, score: 100 - submittedPosition });
export const published: NoticeEvent = {
  type: 'NoticePublished',
  data: { ...ref, projectId: 'p-1', supplyMode: 'rent', area: 3_000, price: 60, eligibility: '创新型企业', opensAt: '2026-01-05T02:00:00.000Z', closesAt: '2026-01-06T02:00:00.000Z', publicityWorkingDays: 5 },
};
export const decided: NoticeEvent = {
  type: 'AllocationDecided',
  data: {
    ...ref,
    projectId: 'p-1',
    method: 'ranking',
    algorithm: ALLOCATION_ALGORITHM,
    offeredArea: 3_000,
    inputs: [input('b', 1_000, 1), input('d', 2_500, 2), input('a', 1_000, 3), input('e', 800, 4)],
    order: ['b', 'd', 'a', 'e'],
    allocations: [{ applicationId: 'b', area: 1_000, rank: 1 }, { applicationId: 'a', area: 1_000, rank: 3 }],
    allocatedArea: 2_000,
  },
};
