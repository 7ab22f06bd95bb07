// Public feed read model: one document per public announcement; only public facts.
import { describe, expect, it } from 'vitest';
import type { ApplicationEvent } from '../../../src/domain/application.js';
import type { ExchangeEvent } from '../../../src/domain/exchange.js';
import type { NoticeEvent } from '../../../src/domain/notice.js';
import { PUBLIC_FEED, publicFeed } from '../../../src/projections/public-feed.js';
import { projectionSpec } from '../projection-spec.js';
import {
  A1,
  A1_KEY,
  A2,
  A2_KEY,
  E1,
  E2,
  N,
  allocationDecided,
  at,
  exchangePublished,
  noticeAmended,
  noticeClosed,
  noticePublished,
  objectionFiled,
  objectionUpheld,
  publicityStarted,
  resultPublished,
  reviewed,
  submitted,
  terms,
} from './fixtures.js';

const spec = projectionSpec<NoticeEvent | ApplicationEvent | ExchangeEvent>(publicFeed);
const header = (kind: string, kindName: string, title: string, n: number) => ({ kind, kindName, visible: true, district: 'nanshan', districtName: '南山区', title, publishedAt: at(n), position: n });
const entry1 = { applicationId: A1, enterpriseName: E1.name, creditCode: E1.creditCode, qualified: true, reasons: [], index: 0 };
const entry2 = { applicationId: A2, enterpriseName: E2.name, creditCode: E2.creditCode, qualified: false, reasons: ['研发投入占比不足'], index: 1 };
const applicants = [
  { applicationId: A1, enterpriseName: E1.name, creditCode: E1.creditCode },
  { applicationId: A2, enterpriseName: E2.name, creditCode: E2.creditCode },
];

describe('public feed', () => {
  it('a rental notice, amended: its public terms and what the amendment changed', () =>
    spec.given([noticePublished, noticeAmended]).then(PUBLIC_FEED, `rental_notice:${N}`, {
      ...header('rental_notice', '租售通告', '租售通告：南山区 项目 p-1（出租）', 1),
      noticeId: N,
      projectId: 'p-1',
      body: { supplyMode: 'rent', supplyModeName: '出租', ...terms, price: 60 },
      cancelled: false,
      amended: { amendedAt: at(2), reason: '价格调整', fields: ['price'] },
    }));

  it('the qualification publicity lists names and verdicts, never declared facts; the result waits, invisible', async () => {
    const given = spec.given([noticePublished, submitted(E1, 400), noticeClosed, publicityStarted]);
    await given.then(PUBLIC_FEED, `qualification_publicity:${N}`, {
      ...header('qualification_publicity', '资质审查结果公示', '资质审查结果公示：南山区 项目 p-1（2 家申请企业，1 家合格）', 4),
      noticeId: N,
      projectId: 'p-1',
      body: { startsAt: publicityStarted.data.startsAt, endsAt: publicityStarted.data.endsAt, list: { [A1_KEY]: entry1, [A2_KEY]: entry2 } },
    });
    await given.then(PUBLIC_FEED, `result:${N}`, { applicants });
    // The application's own events leave no trace in the feed.
    expect([...(await given.documents(PUBLIC_FEED)).keys()].sort()).toEqual([`qualification_publicity:${N}`, `rental_notice:${N}`, `result:${N}`]);
  });

  it('a verdict revised after an upheld objection replaces the entry in place, with the verdict it replaces (no score)', () =>
    spec
      .given([
        noticePublished,
        publicityStarted,
        objectionFiled,
        objectionUpheld,
        // A plain review (no objection answered) changes nothing public.
        reviewed(A2, false, { score: 10 }),
        reviewed(A1, false, { answersObjections: ['o-1'], previous: { qualified: true, reasons: [], score: 80 } }),
      ])
      .then(PUBLIC_FEED, `qualification_publicity:${N}`, {
        ...header('qualification_publicity', '资质审查结果公示', '资质审查结果公示：南山区 项目 p-1（2 家申请企业，1 家合格）', 2),
        noticeId: N,
        projectId: 'p-1',
        body: {
          startsAt: publicityStarted.data.startsAt,
          endsAt: publicityStarted.data.endsAt,
          list: {
            [A1_KEY]: { ...entry1, qualified: false, reasons: ['研发投入占比不足'], revisedAfterObjection: true, previous: { qualified: true, reasons: [] }, revisedAt: at(6) },
            [A2_KEY]: entry2,
          },
        },
        revisedAt: at(6),
        revisionCount: 1,
      }));

  it('the result: visible once published, with how it was allocated', () =>
    spec.given([noticePublished, publicityStarted, allocationDecided, resultPublished]).then(PUBLIC_FEED, `result:${N}`, {
      applicants,
      decision: { method: 'first_come', methodName: '先到先得' },
      ...header('result', '租售结果公布', '租售结果公布：南山区 项目 p-1（出租，1 家企业获配 400㎡）', 4),
      noticeId: N,
      projectId: 'p-1',
      body: { supplyMode: 'rent', supplyModeName: '出租', allocations: [{ applicationId: A1, area: 400, rank: 1 }], allocatedArea: 400 },
    }));

  const forfeited: Extract<NoticeEvent, { type: 'AllocationForfeited' }> = {
    type: 'AllocationForfeited',
    data: { noticeId: N, district: 'nanshan', projectId: 'p-1', applicationId: A1, area: 400, reason: 'withdrawn' },
  };
  const waitlisted: Extract<NoticeEvent, { type: 'WaitlistAllocated' }> = {
    type: 'WaitlistAllocated',
    data: { noticeId: N, district: 'nanshan', projectId: 'p-1', applicationId: A2, area: 300, rank: 2, replaces: A1 },
  };

  it('after the result, a forfeiture and its 递补 are kept as changes by log position; before it, the result holds them already', async () => {
    const after = spec.given([noticePublished, publicityStarted, allocationDecided, resultPublished, forfeited, waitlisted]);
    const published = { supplyMode: 'rent', supplyModeName: '出租', allocations: [{ applicationId: A1, area: 400, rank: 1 }], allocatedArea: 400 };
    await after.then(PUBLIC_FEED, `result:${N}`, {
      applicants,
      decision: { method: 'first_come', methodName: '先到先得' },
      ...header('result', '租售结果公布', '租售结果公布：南山区 项目 p-1（出租，1 家企业获配 400㎡）', 4),
      noticeId: N,
      projectId: 'p-1',
      body: {
        ...published,
        changes: {
          p5: { kind: 'withdrawn', applicationId: A1, area: 400, at: at(5), position: 5 },
          p6: { kind: 'waitlist', applicationId: A2, area: 300, rank: 2, replaces: A1, at: at(6), position: 6 },
        },
      },
    });
    // A withdrawal and its 递补 before the result, whose allocations already hold them, leave no change behind.
    const since = { ...resultPublished, data: { ...resultPublished.data, allocations: [{ applicationId: A2, area: 300, rank: 2 }] } };
    await spec.given([noticePublished, publicityStarted, allocationDecided, forfeited, waitlisted, since]).then(PUBLIC_FEED, `result:${N}`, {
      applicants,
      decision: { method: 'first_come', methodName: '先到先得' },
      ...header('result', '租售结果公布', '租售结果公布：南山区 项目 p-1（出租，1 家企业获配 300㎡）', 6),
      noticeId: N,
      projectId: 'p-1',
      body: { ...published, allocations: [{ applicationId: A2, area: 300, rank: 2 }], allocatedArea: 300 },
    });
  });

  it('a cancelled notice stays in the feed, marked', () =>
    spec.given([noticePublished, { type: 'NoticeCancelled', data: { noticeId: N, district: 'nanshan', reason: '项目调整' } }]).then(PUBLIC_FEED, `rental_notice:${N}`, {
      ...header('rental_notice', '租售通告', '租售通告：南山区 项目 p-1（出租）', 1),
      noticeId: N,
      projectId: 'p-1',
      body: { supplyMode: 'rent', supplyModeName: '出租', ...terms },
      cancelled: true,
      cancelReason: '项目调整',
      cancelledAt: at(2),
    }));

  it('an exchange result names the enterprise and the outcome', () =>
    spec.given([exchangePublished]).then(PUBLIC_FEED, 'exchange_result:x-1', {
      ...header('exchange_result', '换租结果公布', `换租结果公布：${E1.name}（南山区，同意换租）`, 1),
      exchangeId: 'x-1',
      projectId: 'p-1',
      body: { enterpriseName: E1.name, creditCode: E1.creditCode, approved: true, outcome: '同意换租', current: { projectId: 'p-1', area: 400 }, wanted: { area: 300 } },
    }));
});
