// Notices (租售通告): one document per notice with its terms and where its procedure stands, built from
// the notice stream's events alone. `status` is the decider's (published | closed | cancelled); `stage`
// is the finer step of the procedure: published → closed → publicity → allocated → result_published,
// or cancelled.
import type { NoticeEvent } from '../domain/notice.js';
import { historyKey, utc, withData } from './doc-paths.js';
import { defineProjection, op } from './projection.js';

export const NOTICES = 'notices';

export type NoticeStage = 'published' | 'closed' | 'publicity' | 'allocated' | 'result_published' | 'cancelled';

export const notices = defineProjection<NoticeEvent>({
  name: 'notices-v1',
  collections: [NOTICES],
  indexes: [
    { collection: NOTICES, keys: { district: 1, status: 1 } },
    { collection: NOTICES, keys: { projectId: 1 } },
    { collection: NOTICES, keys: { stage: 1 } },
  ],
  handlers: {
    NoticePublished: (event) => {
      const { noticeId, ...fields } = event.data;
      const at = utc(event.occurredAt);
      return [
        op(NOTICES, noticeId, event, {
          set: { ...fields, noticeId, status: 'published', stage: 'published', amendmentCount: 0, publishedAt: at, publishedPosition: event.position, updatedAt: at },
        }),
      ];
    },
    NoticeAmended: (event) => {
      const { noticeId, changes, previous, reason } = event.data;
      const at = utc(event.occurredAt);
      return [
        op(NOTICES, noticeId, event, {
          set: withData({ ...changes, amendedAt: at, updatedAt: at }, [`amendments.${historyKey(event.position)}`, { changes, previous, reason, amendedAt: at, position: event.position }]),
          inc: { amendmentCount: 1 },
        }),
      ];
    },
    NoticeCancelled: (event) => {
      const at = utc(event.occurredAt);
      return [op(NOTICES, event.data.noticeId, event, { set: { status: 'cancelled', stage: 'cancelled', cancelReason: event.data.reason, cancelledAt: at, updatedAt: at } })];
    },
    NoticeClosed: (event) => {
      const at = utc(event.occurredAt);
      return [op(NOTICES, event.data.noticeId, event, { set: { status: 'closed', stage: 'closed', closedAt: at, updatedAt: at } })];
    },
    QualificationPublicityStarted: (event) => {
      const { noticeId, startsAt, endsAt, list } = event.data;
      return [op(NOTICES, noticeId, event, { set: { stage: 'publicity', publicity: { startsAt, endsAt, list }, updatedAt: utc(event.occurredAt) } })];
    },
    AllocationDecided: (event) => {
      const { noticeId, method, seed, lotterySeedSha256, candidatesSha256, effectiveSeed, algorithm, offeredArea, order, allocations, allocatedArea } = event.data;
      const at = utc(event.occurredAt);
      const lottery = {
        ...(seed !== undefined ? { seed } : {}),
        ...(lotterySeedSha256 !== undefined ? { lotterySeedSha256 } : {}),
        ...(candidatesSha256 !== undefined ? { candidatesSha256 } : {}),
        ...(effectiveSeed !== undefined ? { effectiveSeed } : {}),
      };
      const allocation = { method, ...lottery, algorithm, offeredArea, order, allocations, allocatedArea, decidedAt: at };
      return [op(NOTICES, noticeId, event, { set: { stage: 'allocated', allocation, updatedAt: at } })];
    },
    ResultPublished: (event) => {
      const at = utc(event.occurredAt);
      return [op(NOTICES, event.data.noticeId, event, { set: { stage: 'result_published', result: { publishedAt: utc(event.data.publishedAt), allocations: event.data.allocations }, updatedAt: at } })];
    },
  },
});
