// The public notices feed (公告): one document per public announcement, of four kinds, newest first.
// Only public facts: the notice terms; for the qualification publicity (公示) and the results, the
// enterprises' names, credit codes and outcomes (public by design); never declared facts or documents.
//
// ResultPublished carries application ids only. Their enterprises are named on the publicity list, so
// QualificationPublicityStarted also prepares the (not yet visible) result document with the names;
// AllocationDecided adds the method (and a lottery's seed, commitment and draw); ResultPublished makes it
// visible and the query joins names to allocations. Every feed query filters on `visible: true`.
//
// After the result, a forfeiture (逾期未签约, 放弃, 撤销) and a 递补 are changes to it: each is kept under
// `body.changes`, keyed by log position, and the query gives the allocations as they stand (each with its
// status, a 递补 added with what it replaced), the changes in order, and the title and area counted from
// them. ResultPublished sets the whole body, so a change before it (already in its allocations) is dropped.
//
// The publicity list is kept keyed by application id (each entry with its place in the list), so a
// QualificationReviewed that answers upheld objections can replace that entry's verdict in place, marked
// revisedAfterObjection with the previous verdict; the query gives the list back as an array in list order
// and counts the title from it.
import { ALLOCATION_METHOD_NAMES } from '../domain/allocation.js';
import type { ApplicationEvent } from '../domain/application.js';
import type { ExchangeEvent } from '../domain/exchange.js';
import type { NoticeEvent } from '../domain/notice.js';
import { SUPPLY_MODE_NAMES, type SupplyMode } from '../domain/project.js';
import { DISTRICTS, type District } from '../domain/shared.js';
import type { RecordedEvent } from '../infra/event-store.js';
import { encodeKey, historyKey, keyedByData, utc, withData } from './doc-paths.js';
import { defineProjection, op } from './projection.js';

export const PUBLIC_FEED = 'public_feed';
export const FEED_KINDS = ['rental_notice', 'qualification_publicity', 'result', 'exchange_result'] as const;
export type FeedKind = (typeof FEED_KINDS)[number];
export const FEED_KIND_NAMES: Record<FeedKind, string> = {
  rental_notice: '租售通告',
  qualification_publicity: '资质审查结果公示',
  result: '租售结果公布',
  exchange_result: '换租结果公布',
};

/** What the feed filters on by equality and sorts by first: kept as columns of the key frames "as of" (history-columns.ts). */
export const FEED_COLUMNS = { equal: ['visible', 'kind', 'district'], order: ['publishedAt'] };

export const feedId = (kind: FeedKind, id: string) => `${kind}:${id}`;

const districtName = (d: District) => DISTRICTS[d] ?? d;
const modeName = (m: SupplyMode) => SUPPLY_MODE_NAMES[m] ?? m;
export const sumArea = (areas: number[]) => Math.round(areas.reduce((t, a) => t + a * 10_000, 0)) / 10_000;

/** How a title names the project: by its name (events older than projectName: by its id). */
export const projectLabel = (p: { projectId: string; projectName?: string }) => p.projectName ?? `项目 ${p.projectId}`;
/** The project's name, where the event carries it. */
const named = (p: { projectName?: string }) => (p.projectName !== undefined ? { projectName: p.projectName } : {});

/** The title of a publicity item, counted from its (current) list. */
export function publicityTitle(district: District, project: { projectId: string; projectName?: string }, list: { qualified: boolean }[]): string {
  const qualified = list.filter((x) => x.qualified).length;
  return `${FEED_KIND_NAMES.qualification_publicity}：${districtName(district)} ${projectLabel(project)}（${list.length} 家申请企业，${qualified} 家合格）`;
}

/** The title of a result, counted from its (current) allocations. */
export function resultTitle(district: District, project: { projectId: string; projectName?: string }, supplyMode: SupplyMode, allocations: { area: number }[]): string {
  const area = sumArea(allocations.map((a) => a.area));
  return `${FEED_KIND_NAMES.result}：${districtName(district)} ${projectLabel(project)}（${modeName(supplyMode)}，${allocations.length} 家企业获配 ${area}㎡）`;
}

/** A change to a published result: how an allocation ended, or a 递补. */
export const RESULT_CHANGE_NAMES = { signing_deadline: '逾期未签约', withdrawn: '放弃', revoked: '撤销', waitlist: '递补' } as const;
export type ResultChangeKind = keyof typeof RESULT_CHANGE_NAMES;

/** One change to the result document, kept by the position of the event that made it. */
function resultChange(event: Pick<RecordedEvent, 'occurredAt' | 'position'>, noticeId: string, change: { kind: ResultChangeKind; applicationId: string; area: number } & Record<string, unknown>) {
  const at = utc(event.occurredAt);
  return op(PUBLIC_FEED, feedId('result', noticeId), event, { set: withData({}, [`body.changes.${historyKey(event.position)}`, { ...change, at, position: event.position }]) });
}

/** The fields every visible item has. */
function header(kind: FeedKind, event: Pick<RecordedEvent, 'occurredAt' | 'position'>, district: District, title: string) {
  return { kind, kindName: FEED_KIND_NAMES[kind], visible: true, district, districtName: districtName(district), title, publishedAt: utc(event.occurredAt), position: event.position };
}

export const publicFeed = defineProjection<NoticeEvent | ApplicationEvent | ExchangeEvent>({
  name: 'public-feed-v4', // v3: items name their project (projectName, titles); v4: a result follows 递补 and forfeitures
  collections: [PUBLIC_FEED],
  indexes: [
    { collection: PUBLIC_FEED, keys: { visible: 1, publishedAt: -1, position: -1 } },
    { collection: PUBLIC_FEED, keys: { kind: 1, publishedAt: -1, position: -1 } },
    { collection: PUBLIC_FEED, keys: { district: 1, publishedAt: -1, position: -1 } },
  ],
  handlers: {
    NoticePublished: (event) => {
      const { noticeId, district, projectId, supplyMode, area, unitIds, price, eligibility, opensAt, closesAt, publicityWorkingDays, lotterySeedSha256 } = event.data;
      const title = `${FEED_KIND_NAMES.rental_notice}：${districtName(district)} ${projectLabel(event.data)}（${modeName(supplyMode)}）`;
      const body = {
        supplyMode,
        supplyModeName: modeName(supplyMode),
        area,
        ...(unitIds ? { unitIds } : {}),
        price,
        eligibility,
        opensAt,
        closesAt,
        publicityWorkingDays,
        // The commitment to a lottery's seed, public before anyone applies.
        ...(lotterySeedSha256 !== undefined ? { lotterySeedSha256 } : {}),
      };
      return [op(PUBLIC_FEED, feedId('rental_notice', noticeId), event, { set: { ...header('rental_notice', event, district, title), noticeId, projectId, ...named(event.data), body, cancelled: false } })];
    },
    NoticeAmended: (event) => {
      const changed = Object.fromEntries(Object.entries(event.data.changes).map(([k, v]) => [`body.${k}`, v]));
      return [
        op(PUBLIC_FEED, feedId('rental_notice', event.data.noticeId), event, {
          set: { ...changed, amended: { amendedAt: utc(event.occurredAt), reason: event.data.reason, fields: Object.keys(event.data.changes) } },
        }),
      ];
    },
    NoticeCancelled: (event) => [
      op(PUBLIC_FEED, feedId('rental_notice', event.data.noticeId), event, { set: { cancelled: true, cancelReason: event.data.reason, cancelledAt: utc(event.occurredAt) } }),
    ],
    QualificationPublicityStarted: (event) => {
      const { noticeId, district, projectId, startsAt, endsAt, list } = event.data;
      const title = publicityTitle(district, event.data, list);
      // Keyed by application id, `index` keeping the list order (see the header).
      const entries = keyedByData(
        list.map(({ applicationId, enterpriseName, creditCode, qualified, reasons }, index) => [encodeKey(applicationId), { applicationId, enterpriseName, creditCode, qualified, reasons, index }]),
      );
      return [
        op(PUBLIC_FEED, feedId('qualification_publicity', noticeId), event, {
          set: { ...header('qualification_publicity', event, district, title), noticeId, projectId, ...named(event.data), body: { startsAt, endsAt, list: entries } },
        }),
        // Names for the result, not visible until ResultPublished.
        op(PUBLIC_FEED, feedId('result', noticeId), event, {
          set: { applicants: list.map(({ applicationId, enterpriseName, creditCode }) => ({ applicationId, enterpriseName, creditCode })) },
        }),
      ];
    },
    ResultPublished: (event) => {
      const { noticeId, district, projectId, supplyMode, allocations } = event.data;
      const allocatedArea = sumArea(allocations.map((a) => a.area));
      const title = resultTitle(district, event.data, supplyMode, allocations);
      return [
        op(PUBLIC_FEED, feedId('result', noticeId), event, {
          set: {
            ...header('result', event, district, title),
            noticeId,
            projectId,
            ...named(event.data),
            body: { supplyMode, supplyModeName: modeName(supplyMode), allocations: allocations.map(({ applicationId, area, rank }) => ({ applicationId, area, rank })), allocatedArea },
          },
        }),
      ];
    },
    AllocationDecided: (event) => {
      // How the allocation was made is part of the public result (a lottery's seed lets anyone re-draw it).
      // The commitment, the candidates' digest and the effective seed let anyone check the seed and the draw.
      const { noticeId, method, seed, lotterySeedSha256, candidatesSha256, effectiveSeed } = event.data;
      const lottery = {
        ...(seed !== undefined ? { seed } : {}),
        ...(lotterySeedSha256 !== undefined ? { lotterySeedSha256 } : {}),
        ...(candidatesSha256 !== undefined ? { candidatesSha256 } : {}),
        ...(effectiveSeed !== undefined ? { effectiveSeed } : {}),
      };
      return [op(PUBLIC_FEED, feedId('result', noticeId), event, { set: { decision: { method, methodName: ALLOCATION_METHOD_NAMES[method] ?? method, ...lottery } } })];
    },
    // After the result: the change is public (who lost or gained which area, and why), as the result was.
    AllocationForfeited: (event) => {
      const { noticeId, applicationId, area, reason } = event.data;
      return [resultChange(event, noticeId, { kind: reason, applicationId, area })];
    },
    WaitlistAllocated: (event) => {
      const { noticeId, applicationId, area, rank, replaces } = event.data;
      return [resultChange(event, noticeId, { kind: 'waitlist', applicationId, area, rank, replaces })];
    },
    /** A new review answering upheld objections replaces the application's verdict on the publicity list. */
    QualificationReviewed: (event) => {
      const { noticeId, applicationId, qualified, reasons, answersObjections, previous } = event.data;
      // Only an answer to an objection: objections are filed only against applications on the list.
      if (!answersObjections || answersObjections.length === 0) return [];
      const entry = `body.list.${encodeKey(applicationId)}`;
      const at = utc(event.occurredAt);
      return [
        op(PUBLIC_FEED, feedId('qualification_publicity', noticeId), event, {
          set: {
            [`${entry}.qualified`]: qualified,
            [`${entry}.reasons`]: reasons,
            [`${entry}.revisedAfterObjection`]: true,
            // The verdict it replaces (never the score: scores are not public).
            ...(previous ? { [`${entry}.previous`]: { qualified: previous.qualified, reasons: previous.reasons } } : {}),
            [`${entry}.revisedAt`]: at,
            revisedAt: at,
          },
          inc: { revisionCount: 1 },
        }),
      ];
    },
    ExchangeResultPublished: (event) => {
      const { exchangeId, district, creditCode, enterpriseName, approved, current, wanted } = event.data;
      const who = enterpriseName ?? creditCode;
      const outcome = approved ? '同意换租' : '不同意换租';
      const title = `${FEED_KIND_NAMES.exchange_result}：${who}（${districtName(district)}，${outcome}）`;
      const body = {
        ...(enterpriseName ? { enterpriseName } : {}),
        creditCode,
        approved,
        outcome,
        current: { projectId: current.projectId, area: current.area },
        wanted: { ...(wanted.projectId ? { projectId: wanted.projectId } : {}), ...(wanted.unitId ? { unitId: wanted.unitId } : {}), area: wanted.area },
      };
      return [
        op(PUBLIC_FEED, feedId('exchange_result', exchangeId), event, { set: { ...header('exchange_result', event, district, title), exchangeId, projectId: current.projectId, body } }),
      ];
    },
  },
});
