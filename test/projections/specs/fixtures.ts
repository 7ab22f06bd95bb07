// Events of one notice's procedure and one exchange, as the deciders record them, for the read model specs.
import type { ApplicationEvent } from '../../../src/domain/application.js';
import type { ExchangeEvent } from '../../../src/domain/exchange.js';
import type { NoticeEvent } from '../../../src/domain/notice.js';

export const at = (n: number) => new Date(Date.parse('2027-01-04T02:00:00.000Z') + n * 60_000).toISOString();

export const N = 'n-1';
export const E1 = { creditCode: '91440300MA5DXXXX1A', name: '深圳市创新科技有限公司' };
export const E2 = { creditCode: '91440300MA5DYYYY2B', name: '深圳市智造有限公司' };
export const A1 = `${N}.${E1.creditCode}`;
export const A2 = `${N}.${E2.creditCode}`;
/** A1 as a dotted-path segment: '.' is percent-encoded. */
export const A1_KEY = `n-1%2E${E1.creditCode}`;
export const A2_KEY = `n-1%2E${E2.creditCode}`;
export const terms = { area: 1000, price: 65, eligibility: '创新型企业', opensAt: '2027-01-05T02:00:00.000Z', closesAt: '2027-01-06T02:00:00.000Z', publicityWorkingDays: 5 };
export const officer = { id: 'officer-ns', role: 'housing_dept', district: 'nanshan', name: '南山区住房和建设局' } as const;
export const declared = { industry: '集成电路设计', employees: 80, annualRevenue: 30_000_000, rndShare: 0.15 };
export const documents = [{ name: '营业执照.pdf', sha256: 'a'.repeat(64) }];

export const noticePublished: Extract<NoticeEvent, { type: 'NoticePublished' }> = {
  type: 'NoticePublished', data: { noticeId: N, district: 'nanshan', projectId: 'p-1', supplyMode: 'rent', ...terms } };
export const noticeAmended: Extract<NoticeEvent, { type: 'NoticeAmended' }> = {
  type: 'NoticeAmended', data: { noticeId: N, district: 'nanshan', changes: { price: 60 }, previous: { price: 65 }, reason: '价格调整' } };
export const noticeClosed: Extract<NoticeEvent, { type: 'NoticeClosed' }> = {
  type: 'NoticeClosed', data: { noticeId: N, district: 'nanshan' } };
export const publicityStarted: Extract<NoticeEvent, { type: 'QualificationPublicityStarted' }> = {
  type: 'QualificationPublicityStarted',
  data: {
    noticeId: N,
    district: 'nanshan',
    projectId: 'p-1',
    startsAt: '2027-01-06T02:00:00.000Z',
    endsAt: '2027-01-13T02:00:00.000Z',
    list: [
      { applicationId: A1, enterpriseName: E1.name, creditCode: E1.creditCode, qualified: true, reasons: [] },
      { applicationId: A2, enterpriseName: E2.name, creditCode: E2.creditCode, qualified: false, reasons: ['研发投入占比不足'] },
    ],
  },
};
export const allocationDecided: Extract<NoticeEvent, { type: 'AllocationDecided' }> = {
  type: 'AllocationDecided',
  data: {
    noticeId: N,
    district: 'nanshan',
    projectId: 'p-1',
    method: 'first_come',
    algorithm: 'first_come-v1',
    offeredArea: 1000,
    inputs: [{ applicationId: A1, requestedArea: 400, submittedPosition: 3 }],
    order: [A1],
    allocations: [{ applicationId: A1, area: 400, rank: 1 }],
    allocatedArea: 400,
  },
};
export const resultPublished: Extract<NoticeEvent, { type: 'ResultPublished' }> = {
  type: 'ResultPublished',
  data: { noticeId: N, district: 'nanshan', projectId: 'p-1', supplyMode: 'rent', allocations: [{ applicationId: A1, area: 400, rank: 1 }], publishedAt: '2027-01-14T02:00:00.000Z' },
};

export const submitted = (e: typeof E1, requestedArea: number): ApplicationEvent => ({
  type: 'ApplicationSubmitted',
  data: { applicationId: `${N}.${e.creditCode}`, noticeId: N, district: 'nanshan', creditCode: e.creditCode, enterpriseName: e.name, requestedArea, declared, documents },
});
export const reviewed = (applicationId: string, qualified: boolean, extra: Partial<Extract<ApplicationEvent, { type: 'QualificationReviewed' }>['data']> = {}): ApplicationEvent => ({
  type: 'QualificationReviewed',
  data: { applicationId, noticeId: N, qualified, reasons: qualified ? [] : ['研发投入占比不足'], reviewer: officer, ...extra },
});
export const objectionFiled: Extract<ApplicationEvent, { type: 'ObjectionFiled' }> = {
  type: 'ObjectionFiled',
  data: { applicationId: A1, noticeId: N, objectionId: 'o-1', content: '申报员工人数不实', filedBy: { id: 'ent-2', role: 'enterprise', creditCode: E2.creditCode } },
};
export const objectionUpheld: Extract<ApplicationEvent, { type: 'ObjectionResolved' }> = {
  type: 'ObjectionResolved', data: { applicationId: A1, noticeId: N, objectionId: 'o-1', upheld: true, reason: '经核查属实' } };
export const leaseSigned: Extract<ApplicationEvent, { type: 'LeaseSigned' }> = {
  type: 'LeaseSigned', data: { applicationId: A1, noticeId: N, creditCode: E1.creditCode, area: 400, contractRef: '租赁合同-1', signedOn: '2027-01-15' } };

export const current = { applicationId: A1, projectId: 'p-1', area: 400 };
export const exchangeRequested: Extract<ExchangeEvent, { type: 'ExchangeRequested' }> = {
  type: 'ExchangeRequested',
  data: { exchangeId: 'x-1', district: 'nanshan', creditCode: E1.creditCode, enterpriseName: E1.name, current, wanted: { area: 300 }, reason: '缩减面积' },
};
export const exchangeReviewed: Extract<ExchangeEvent, { type: 'ExchangeReviewed' }> = {
  type: 'ExchangeReviewed', data: { exchangeId: 'x-1', district: 'nanshan', approved: true, reason: '同意', reviewer: { id: 'officer-ns' } } };
export const exchangePublished: Extract<ExchangeEvent, { type: 'ExchangeResultPublished' }> = {
  type: 'ExchangeResultPublished',
  data: { exchangeId: 'x-1', district: 'nanshan', creditCode: E1.creditCode, enterpriseName: E1.name, approved: true, current, wanted: { area: 300 }, publishedAt: '2027-02-01T02:00:00.000Z' },
};
