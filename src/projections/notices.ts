// Notices (租售通告): one document per notice with its terms and where its procedure stands, built from
// the notice stream's events alone. `status` is the decider's (published | closed | cancelled); `stage`
// is the finer step of the procedure: published → closed → publicity → allocated → result_published,
// or cancelled.
import type { NoticeEvent } from '../domain/notice.js';
import type { RecordedEvent } from '../infra/event-store.js';
import type { DocOp } from '../infra/read-store.js';
import { historyKey, utc } from './doc-paths.js';
import { type Projection, op } from './projection.js';

export const NOTICES = 'notices';

export const NOTICE_EVENT_TYPES = [
  'NoticePublished',
  'NoticeAmended',
  'NoticeCancelled',
  'NoticeClosed',
  'QualificationPublicityStarted',
  'AllocationDecided',
  'ResultPublished',
] as const;

export type NoticeStage = 'published' | 'closed' | 'publicity' | 'allocated' | 'result_published' | 'cancelled';

export const notices: Projection = {
  name: 'notices-v1',
  collections: [NOTICES],
  indexes: [
    { collection: NOTICES, keys: { district: 1, status: 1 } },
    { collection: NOTICES, keys: { projectId: 1 } },
    { collection: NOTICES, keys: { stage: 1 } },
  ],
  handles: new Set<string>(NOTICE_EVENT_TYPES),
  apply(event: RecordedEvent): DocOp[] {
    const e = event as unknown as NoticeEvent;
    const id = e.data.noticeId;
    const at = utc(event.occurredAt);
    switch (e.type) {
      case 'NoticePublished': {
        const { noticeId, ...fields } = e.data;
        return [
          op(NOTICES, id, event, {
            set: { ...fields, noticeId, status: 'published', stage: 'published', amendmentCount: 0, publishedAt: at, publishedPosition: event.position, updatedAt: at },
          }),
        ];
      }
      case 'NoticeAmended': {
        const { changes, previous, reason } = e.data;
        return [
          op(NOTICES, id, event, {
            set: {
              ...changes,
              [`amendments.${historyKey(event.position)}`]: { changes, previous, reason, amendedAt: at, position: event.position },
              amendedAt: at,
              updatedAt: at,
            },
            inc: { amendmentCount: 1 },
          }),
        ];
      }
      case 'NoticeCancelled':
        return [op(NOTICES, id, event, { set: { status: 'cancelled', stage: 'cancelled', cancelReason: e.data.reason, cancelledAt: at, updatedAt: at } })];
      case 'NoticeClosed':
        return [op(NOTICES, id, event, { set: { status: 'closed', stage: 'closed', closedAt: at, updatedAt: at } })];
      case 'QualificationPublicityStarted': {
        const { startsAt, endsAt, list } = e.data;
        return [op(NOTICES, id, event, { set: { stage: 'publicity', publicity: { startsAt, endsAt, list }, updatedAt: at } })];
      }
      case 'AllocationDecided': {
        const { method, seed, lotterySeedSha256, candidatesSha256, effectiveSeed, algorithm, offeredArea, order, allocations, allocatedArea } = e.data;
        const lottery = {
          ...(seed !== undefined ? { seed } : {}),
          ...(lotterySeedSha256 !== undefined ? { lotterySeedSha256 } : {}),
          ...(candidatesSha256 !== undefined ? { candidatesSha256 } : {}),
          ...(effectiveSeed !== undefined ? { effectiveSeed } : {}),
        };
        const allocation = { method, ...lottery, algorithm, offeredArea, order, allocations, allocatedArea, decidedAt: at };
        return [op(NOTICES, id, event, { set: { stage: 'allocated', allocation, updatedAt: at } })];
      }
      case 'ResultPublished':
        return [
          op(NOTICES, id, event, {
            set: { stage: 'result_published', result: { publishedAt: utc(e.data.publishedAt), allocations: e.data.allocations }, updatedAt: at },
          }),
        ];
      default:
        return [];
    }
  },
};
