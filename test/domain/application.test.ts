import { describe, expect, it } from 'vitest';
import {
  type ApplicationCommand,
  type ApplicationEvent,
  type ApplicationRecord,
  MAX_OBJECTIONS_PER_ACTOR,
  MAX_RETURNS,
  type NoticeSnapshot,
  applicationDecider,
  applicationFacts,
  applicationIdFor,
  applicationStream,
} from '../../src/domain/application.js';
import { type Actor, DEFAULT_DUTIES, Duplicate, Forbidden, IMPORTED_DUTIES, NotFound, RuleViolation } from '../../src/domain/shared.js';
import { APP, openNotice } from './application-fixtures.js';
import { actors, spec, testContext } from './decider-spec.js';

const given = spec(applicationDecider);
const BEFORE = '2026-01-05T02:00:00.000Z';
const DURING = '2026-01-15T02:00:00.000Z';
const AFTER_CLOSE = '2026-01-21T02:00:00.000Z';
const IN_PUBLICITY = '2026-01-23T02:00:00.000Z';
const PUBLICITY_END = '2026-01-28T15:59:59.999Z';
const AFTER_PUBLICITY = '2026-01-29T02:00:00.000Z';
const at = (now: string, actor: Actor = actors.enterprise) => testContext(actor, now);

const notice = openNotice;
const inPublicity: NoticeSnapshot = { ...notice, status: 'closed', publicity: { startsAt: AFTER_CLOSE, endsAt: PUBLICITY_END, applicationIds: [APP] } };
const allocatedNotice: NoticeSnapshot = { ...inPublicity, allocated: true };
const resultNotice: NoticeSnapshot = { ...allocatedNotice, resultPublished: true, resultPublishedAt: AFTER_PUBLICITY, allocations: [{ applicationId: APP, area: 1_000 }] };
const cancelledNotice: NoticeSnapshot = { ...notice, status: 'cancelled' };

const declared = { industry: '新一代信息技术', employees: 120, annualRevenue: 50_000_000, rndShare: 0.12 };
const hash = 'ab'.repeat(32);
const submit: Extract<ApplicationCommand, { type: 'SubmitApplication' }> = {
  type: 'SubmitApplication',
  applicationId: APP,
  notice,
  sanctions: [],
  enterpriseName: '深圳市创新科技有限公司',
  requestedArea: 1_000,
  declared,
  documents: [{ name: '营业执照.pdf', sha256: hash.toUpperCase() }],
};
const ids = { applicationId: APP, noticeId: 'n-1' };
const submitted: ApplicationEvent = {
  type: 'ApplicationSubmitted',
  data: { ...ids, district: 'nanshan', creditCode: actors.enterprise.creditCode, enterpriseName: '深圳市创新科技有限公司', requestedArea: 1_000, declared, documents: [{ name: '营业执照.pdf', sha256: hash }] },
};
const withdrawn: ApplicationEvent = { type: 'ApplicationWithdrawn', data: { ...ids, previousStatus: 'submitted' } };
const returned: ApplicationEvent = { type: 'ApplicationReturned', data: { ...ids, missing: ['审计报告'], previousStatus: 'submitted' } };
const resubmitted: ApplicationEvent = { type: 'ApplicationResubmitted', data: { ...ids, documents: [{ name: '审计报告.pdf', sha256: hash }] } };
const reviewer = { id: 'officer-ns', role: 'housing_dept' as const, district: 'nanshan' as const, name: '南山区住房建设局' };
const reviewed: ApplicationEvent = { type: 'QualificationReviewed', data: { ...ids, qualified: true, reasons: [], score: 85, reviewer, previousStatus: 'submitted' } };
/** An event as recorded after another status than submitted. */
const leaving = (e: ApplicationEvent, previousStatus: ApplicationRecord['status']): ApplicationEvent => ({ ...e, data: { ...e.data, previousStatus } }) as ApplicationEvent;
const objected: ApplicationEvent = {
  type: 'ObjectionFiled',
  data: { ...ids, objectionId: 'id-1', content: '该企业实际员工不足', filedBy: { id: 'ent-2', role: 'enterprise', name: actors.enterprise2.name, creditCode: actors.enterprise2.creditCode } },
};
const upheld: ApplicationEvent = { type: 'ObjectionResolved', data: { ...ids, objectionId: 'id-1', upheld: true, reason: '核实属实' } };
const dismissed: ApplicationEvent = { type: 'ObjectionResolved', data: { ...ids, objectionId: 'id-1', upheld: false, reason: '无证据' } };
const review = (over: Partial<Extract<ApplicationCommand, { type: 'ReviewQualification' }>> = {}): ApplicationCommand => ({
  type: 'ReviewQualification',
  notice: { ...notice, status: 'closed' },
  qualified: true,
  reasons: [],
  score: 85,
  ...over,
});
const fold = (events: ApplicationEvent[]) => events.reduce(applicationDecider.evolve, applicationDecider.initialState) as ApplicationRecord;

describe('SubmitApplication', () => {
  it('an enterprise applies for itself while the window is open', () => {
    given([]).when(submit, at(DURING)).then([submitted]);
    expect(applicationStream(APP)).toBe(`application-n-1.${actors.enterprise.creditCode}`);
    expect(applicationIdFor('n-1', actors.enterprise.creditCode.toLowerCase())).toBe(APP);
  });
  it('after a withdrawal it may apply again on the same stream', () => given([submitted, withdrawn]).when(submit, at(DURING)).then([leaving(submitted, 'withdrawn')]));
  it('one live application per enterprise per notice', () => {
    given([submitted]).when(submit, at(DURING)).thenThrows(Duplicate, 'APPLICATION_ALREADY_LIVE');
    given([submitted, reviewed]).when(submit, at(DURING)).thenThrows(Duplicate, 'APPLICATION_ALREADY_LIVE');
  });
  it('only an enterprise, for itself', () => {
    given([]).when(submit, at(DURING, actors.nanshan)).thenThrows(Forbidden);
    given([]).when(submit, at(DURING, { id: 'x', role: 'enterprise' })).thenThrows(Forbidden);
    given([submitted, withdrawn]).when(submit, at(DURING, actors.enterprise2)).thenThrows(Forbidden);
  });
  it('the snapshot must be the stream’s notice', () => given([submitted, withdrawn]).when({ ...submit, notice: { ...notice, noticeId: 'n-2' } }, at(DURING)).thenThrows(RuleViolation, 'NOTICE_MISMATCH'));
  it('the notice’s per-enterprise cap (maxAreaPerEnterprise) bounds the request', () => {
    given([]).when({ ...submit, notice: { ...notice, maxAreaPerEnterprise: 999 } }, at(DURING)).thenThrows(RuleViolation, 'AREA_EXCEEDS_ENTERPRISE_CAP');
    given([]).when({ ...submit, notice: { ...notice, maxAreaPerEnterprise: 1_000 } }, at(DURING)).then([submitted]);
  });
  it('a barred enterprise is refused until the ban ends', () => {
    given([]).when({ ...submit, sanctions: [{ until: '2027-01-01T00:00:00.000Z', reason: '提供虚假材料' }] }, at(DURING)).thenThrows(RuleViolation, 'ENTERPRISE_BARRED');
    given([]).when({ ...submit, sanctions: [{ until: '2026-01-15T01:59:59.000Z', reason: '提供虚假材料' }] }, at(DURING)).then([submitted]);
  });
  it('only on an open notice, inside its window', () => {
    given([]).when({ ...submit, notice: cancelledNotice }, at(DURING)).thenThrows(RuleViolation, 'NOTICE_NOT_OPEN');
    given([]).when({ ...submit, notice: { ...notice, status: 'closed' } }, at(DURING)).thenThrows(RuleViolation, 'NOTICE_NOT_OPEN');
    given([]).when(submit, at(BEFORE)).thenThrows(RuleViolation, 'NOTICE_WINDOW_NOT_YET_OPEN');
    given([]).when(submit, at(notice.closesAt)).thenThrows(RuleViolation, 'NOTICE_WINDOW_CLOSED');
    given([]).when(submit, at(notice.opensAt)).then([submitted]);
  });
  it('names the enterprise', () => given([]).when({ ...submit, enterpriseName: ' ' }, at(DURING)).thenThrows(RuleViolation, 'ENTERPRISE_NAME_REQUIRED'));
  it('asks for a positive area no larger than offered', () => {
    given([]).when({ ...submit, requestedArea: 0 }, at(DURING)).thenThrows(RuleViolation, 'AREA_NOT_POSITIVE');
    given([]).when({ ...submit, requestedArea: 3_001 }, at(DURING)).thenThrows(RuleViolation, 'AREA_EXCEEDS_OFFERED');
  });
  it('declares sensible facts', () => {
    for (const bad of [{ employees: -1 }, { employees: 1.5 }, { annualRevenue: -1 }, { rndShare: 12 }, { industry: '' }]) {
      given([]).when({ ...submit, declared: { ...declared, ...bad } }, at(DURING)).thenThrows(RuleViolation, 'DECLARED_FACTS_INVALID');
    }
  });
  it('attaches named documents with SHA-256 digests', () => {
    given([]).when({ ...submit, documents: [] }, at(DURING)).thenThrows(RuleViolation, 'DOCUMENTS_REQUIRED');
    given([]).when({ ...submit, documents: [{ name: 'a.pdf', sha256: 'abc' }] }, at(DURING)).thenThrows(RuleViolation, 'DOCUMENT_INVALID');
    given([]).when({ ...submit, documents: [{ name: '', sha256: hash }] }, at(DURING)).thenThrows(RuleViolation, 'DOCUMENT_INVALID');
  });
});

describe('WithdrawApplication', () => {
  it('the owner withdraws before a decision, with or without a reason', () => {
    given([submitted]).when({ type: 'WithdrawApplication' }, at(DURING)).then([withdrawn]);
    given([submitted, returned]).when({ type: 'WithdrawApplication', reason: '另有选址' }, at(DURING)).then([{ type: 'ApplicationWithdrawn', data: { ...ids, reason: '另有选址', previousStatus: 'returned' } }]);
  });
  it('only the owner', () => {
    // To another enterprise its application is as good as absent.
    given([submitted]).when({ type: 'WithdrawApplication' }, at(DURING, actors.enterprise2)).thenThrows(NotFound);
    given([submitted]).when({ type: 'WithdrawApplication' }, at(DURING, actors.nanshan)).thenThrows(Forbidden);
  });
  it('not after the review, not twice, not before submitting', () => {
    given([submitted, reviewed]).when({ type: 'WithdrawApplication' }, at(DURING)).thenThrows(RuleViolation, 'APPLICATION_ALREADY_REVIEWED');
    given([submitted, withdrawn]).when({ type: 'WithdrawApplication' }, at(DURING)).thenThrows(RuleViolation, 'APPLICATION_WITHDRAWN');
    given([]).when({ type: 'WithdrawApplication' }, at(DURING)).thenThrows(NotFound);
  });
});

describe('ReturnApplication (补正)', () => {
  const ret = (missing = [' 审计报告 ', ''], n: NoticeSnapshot = notice): ApplicationCommand => ({ type: 'ReturnApplication', notice: n, missing });
  it('the district officer sends it back for missing material', () => {
    given([submitted]).when(ret(), at(DURING, actors.nanshan)).then([returned]);
    given([submitted, returned, resubmitted]).when(ret(), at(DURING, actors.cityDept)).then([leaving(returned, 'resubmitted')]);
  });
  it('not city_admin, which supervises, unless configuration lets it decide in districts', () => {
    given([submitted]).when(ret(), at(DURING, actors.admin)).thenThrows(Forbidden);
    given([submitted]).when(ret(), { ...at(DURING, actors.admin), duties: { ...DEFAULT_DUTIES, cityAdminDecidesInDistricts: true } }).then([returned]);
  });
  it('only the district', () => {
    given([submitted]).when(ret(), at(DURING, actors.futian)).thenThrows(Forbidden);
    given([submitted]).when(ret(), at(DURING)).thenThrows(Forbidden);
  });
  it('only before the review, on a live application', () => {
    given([submitted, returned]).when(ret(), at(DURING, actors.nanshan)).thenThrows(RuleViolation, 'APPLICATION_ALREADY_RETURNED');
    given([submitted, reviewed]).when(ret(), at(DURING, actors.nanshan)).thenThrows(RuleViolation, 'APPLICATION_ALREADY_REVIEWED');
    given([submitted, withdrawn]).when(ret(), at(DURING, actors.nanshan)).thenThrows(RuleViolation, 'APPLICATION_WITHDRAWN');
    given([]).when(ret(), at(DURING, actors.nanshan)).thenThrows(NotFound);
  });
  it('says what is missing', () => given([submitted]).when(ret([' ']), at(DURING, actors.nanshan)).thenThrows(RuleViolation, 'MISSING_ITEMS_REQUIRED'));
  it(`at most ${MAX_RETURNS} times a submission, counted afresh when the enterprise applies again`, () => {
    const cycles = Array.from({ length: MAX_RETURNS }, () => [returned, resubmitted]).flat();
    given([submitted, ...cycles.slice(2)]).when(ret(), at(DURING, actors.nanshan)).then([leaving(returned, 'resubmitted')]);
    given([submitted, ...cycles]).when(ret(), at(DURING, actors.nanshan)).thenThrows(RuleViolation, 'RETURN_LIMIT');
    given([submitted, ...cycles, withdrawn, submitted]).when(ret(), at(DURING, actors.nanshan)).then([returned]);
  });
  it('not on a cancelled or another notice', () => {
    given([submitted]).when(ret(undefined, cancelledNotice), at(DURING, actors.nanshan)).thenThrows(RuleViolation, 'NOTICE_CANCELLED');
    given([submitted]).when(ret(undefined, { ...notice, noticeId: 'n-2' }), at(DURING, actors.nanshan)).thenThrows(RuleViolation, 'NOTICE_MISMATCH');
  });
});

describe('ResubmitApplication', () => {
  const resubmit = (documents = [{ name: '审计报告.pdf', sha256: hash }], n: NoticeSnapshot = notice): ApplicationCommand => ({ type: 'ResubmitApplication', notice: n, documents });
  it('the owner supplies the material', () => given([submitted, returned]).when(resubmit(), at(DURING)).then([resubmitted]));
  it('keeps the earlier documents too', () => expect(fold([submitted, returned, resubmitted]).documents).toHaveLength(2));
  it('only the owner', () => {
    given([submitted, returned]).when(resubmit(), at(DURING, actors.enterprise2)).thenThrows(NotFound);
    given([submitted, returned]).when(resubmit(), at(DURING, actors.nanshan)).thenThrows(Forbidden);
  });
  it('only when returned', () => {
    given([submitted]).when(resubmit(), at(DURING)).thenThrows(RuleViolation, 'APPLICATION_NOT_RETURNED');
    given([submitted, returned, resubmitted]).when(resubmit(), at(DURING)).thenThrows(RuleViolation, 'APPLICATION_NOT_RETURNED');
    given([]).when(resubmit(), at(DURING)).thenThrows(NotFound);
  });
  it('with documents', () => given([submitted, returned]).when(resubmit([]), at(DURING)).thenThrows(RuleViolation, 'DOCUMENTS_REQUIRED'));
  it('not on a cancelled or another notice', () => {
    given([submitted, returned]).when(resubmit(undefined, cancelledNotice), at(DURING)).thenThrows(RuleViolation, 'NOTICE_CANCELLED');
    given([submitted, returned]).when(resubmit(undefined, { ...notice, noticeId: 'n-2' }), at(DURING)).thenThrows(RuleViolation, 'NOTICE_MISMATCH');
  });
});

describe('ReviewQualification (资质审查)', () => {
  it('the district officer records the decision, the reviewer coming from the token', () => {
    given([submitted]).when(review(), at(AFTER_CLOSE, actors.nanshan)).then([reviewed]);
    given([submitted, returned, resubmitted]).when(review(), at(DURING, actors.nanshan)).then([leaving(reviewed, 'resubmitted')]);
  });
  it('a negative decision gives reasons', () => {
    given([submitted]).when(review({ qualified: false, reasons: [' '] }), at(AFTER_CLOSE, actors.nanshan)).thenThrows(RuleViolation, 'REASONS_REQUIRED');
    given([submitted])
      .when(review({ qualified: false, reasons: ['研发投入不达标'], score: undefined }), at(AFTER_CLOSE, actors.nanshan))
      .then([{ type: 'QualificationReviewed', data: { ...ids, qualified: false, reasons: ['研发投入不达标'], reviewer, previousStatus: 'submitted' } }]);
  });
  it('a score must be a number', () => given([submitted]).when(review({ score: Number.NaN }), at(AFTER_CLOSE, actors.nanshan)).thenThrows(RuleViolation, 'SCORE_INVALID'));
  it('not while returned and the window is open; after it closes the application is reviewed as it stands', () => {
    given([submitted, returned]).when(review(), at(DURING, actors.nanshan)).thenThrows(RuleViolation, 'APPLICATION_AWAITING_MATERIAL');
    given([submitted, returned]).when(review({ qualified: false, reasons: ['未按期补正'] }), at(AFTER_CLOSE, actors.nanshan)).thenMatches(([e]) => expect(e?.type).toBe('QualificationReviewed'));
  });
  it('only the district (a city department too)', () => {
    given([submitted]).when(review(), at(AFTER_CLOSE, actors.futian)).thenThrows(Forbidden);
    given([submitted]).when(review(), at(AFTER_CLOSE, actors.enterprise)).thenThrows(Forbidden);
    given([submitted]).when(review(), at(AFTER_CLOSE, actors.cityDept)).thenMatches((es) => expect(es).toHaveLength(1));
  });
  it('once, unless an upheld objection asks for a new review', () => {
    given([submitted, reviewed]).when(review(), at(AFTER_CLOSE, actors.nanshan)).thenThrows(RuleViolation, 'APPLICATION_ALREADY_REVIEWED');
    given([submitted, reviewed, objected, dismissed]).when(review(), at(AFTER_PUBLICITY, actors.nanshan)).thenThrows(RuleViolation, 'APPLICATION_ALREADY_REVIEWED');
  });
  it('a new review answers the upheld objection and keeps the previous decision in the record', () => {
    const rereview: ApplicationEvent = {
      type: 'QualificationReviewed',
      data: { ...ids, qualified: false, reasons: ['员工人数不达标'], reviewer, answersObjections: ['id-1'], previous: { qualified: true, reasons: [], score: 85 }, previousStatus: 'reviewed' },
    };
    given([submitted, reviewed, objected, upheld])
      .when(review({ notice: inPublicity, qualified: false, reasons: ['员工人数不达标'], score: undefined }), at(AFTER_PUBLICITY, actors.nanshan))
      .then([rereview]);
    given([submitted, reviewed, objected, upheld, rereview]).when(review(), at(AFTER_PUBLICITY, actors.nanshan)).thenThrows(RuleViolation, 'APPLICATION_ALREADY_REVIEWED');
    expect(fold([submitted, reviewed, objected, upheld, rereview]).review).toEqual({ qualified: false, reasons: ['员工人数不达标'] });
  });
  it('reverses the decision objected to: the verdict, or for a scored notice the score', () => {
    const again = (over: Parameters<typeof review>[0]) => given([submitted, reviewed, objected, upheld]).when(review({ notice: inPublicity, ...over }), at(AFTER_PUBLICITY, actors.nanshan));
    again({}).thenThrows(RuleViolation, 'REVIEW_NOT_REVERSED');
    again({ reasons: ['复核维持'] }).thenThrows(RuleViolation, 'REVIEW_NOT_REVERSED');
    const rescored = fold([submitted, reviewed, objected, upheld, ...applicationDecider.decide(review({ notice: inPublicity, score: 70 }), fold([submitted, reviewed, objected, upheld]), at(AFTER_PUBLICITY, actors.nanshan))]);
    expect(rescored.review).toEqual({ qualified: true, reasons: [], score: 70 });
  });
  it('not on a withdrawn application, a cancelled notice, or after the allocation', () => {
    given([submitted, withdrawn]).when(review(), at(AFTER_CLOSE, actors.nanshan)).thenThrows(RuleViolation, 'APPLICATION_WITHDRAWN');
    given([submitted]).when(review({ notice: cancelledNotice }), at(AFTER_CLOSE, actors.nanshan)).thenThrows(RuleViolation, 'NOTICE_CANCELLED');
    given([submitted, reviewed, objected, upheld]).when(review({ notice: allocatedNotice }), at(AFTER_PUBLICITY, actors.nanshan)).thenThrows(RuleViolation, 'ALLOCATION_ALREADY_DECIDED');
    given([]).when(review(), at(AFTER_CLOSE, actors.nanshan)).thenThrows(NotFound);
  });
});

describe('FileObjection (异议)', () => {
  const object = (content = ' 该企业实际员工不足 ', n: NoticeSnapshot = inPublicity): ApplicationCommand => ({ type: 'FileObjection', notice: n, content });
  it('anyone authenticated objects during the publicity; the filer is recorded', () => {
    given([submitted, reviewed]).when(object(), at(IN_PUBLICITY, actors.enterprise2)).then([objected]);
    given([submitted, reviewed]).when(object(), at(PUBLICITY_END, actors.futian)).thenMatches(([e]) => expect(e?.data).toMatchObject({ objectionId: 'id-1', filedBy: { id: 'officer-ft' } }));
  });
  it('never anonymously, and not by an auditor', () => {
    given([submitted, reviewed]).when(object(), at(IN_PUBLICITY, { id: '', role: 'enterprise' })).thenThrows(Forbidden);
    given([submitted, reviewed]).when(object(), at(IN_PUBLICITY, actors.auditor)).thenThrows(Forbidden);
  });
  it('only inside the publicity period', () => {
    given([submitted, reviewed]).when(object(undefined, { ...notice, status: 'closed' }), at(AFTER_CLOSE)).thenThrows(RuleViolation, 'OUTSIDE_PUBLICITY_PERIOD');
    given([submitted, reviewed]).when(object(), at('2026-01-21T01:59:59.999Z')).thenThrows(RuleViolation, 'OUTSIDE_PUBLICITY_PERIOD');
    given([submitted, reviewed]).when(object(), at(AFTER_PUBLICITY)).thenThrows(RuleViolation, 'OUTSIDE_PUBLICITY_PERIOD');
  });
  it('to another enterprise, an application on no begun list is as good as absent, whatever else is wrong', () => {
    const cancelled = { ...notice, status: 'cancelled' as const };
    given([submitted, reviewed]).when(object(undefined, cancelled), at(IN_PUBLICITY, actors.enterprise2)).thenThrows(NotFound);
    given([submitted, reviewed]).when(object(undefined, cancelled), at(IN_PUBLICITY, actors.futian)).thenThrows(RuleViolation, 'NOTICE_CANCELLED');
  });
  it('only on an application on the list', () => {
    given([submitted, reviewed]).when(object(undefined, { ...inPublicity, publicity: { ...inPublicity.publicity!, applicationIds: ['other'] } }), at(IN_PUBLICITY)).thenThrows(RuleViolation, 'APPLICATION_NOT_IN_PUBLICITY');
  });
  it('with content', () => given([submitted, reviewed]).when(object('  '), at(IN_PUBLICITY)).thenThrows(RuleViolation, 'OBJECTION_CONTENT_REQUIRED'));
  it(`at most ${MAX_OBJECTIONS_PER_ACTOR} by one person, resolved ones included; others may still object`, () => {
    const filed = Array.from({ length: MAX_OBJECTIONS_PER_ACTOR }, (_, i): ApplicationEvent => ({ ...objected, data: { ...objected.data, objectionId: `o-${i}` } } as ApplicationEvent));
    const resolvedFirst: ApplicationEvent = { type: 'ObjectionResolved', data: { ...ids, objectionId: 'o-0', upheld: false, reason: '无证据' } };
    given([submitted, reviewed, ...filed.slice(1)]).when(object(), at(IN_PUBLICITY, actors.enterprise2)).thenMatches(([e]) => expect(e?.type).toBe('ObjectionFiled'));
    given([submitted, reviewed, ...filed, resolvedFirst]).when(object(), at(IN_PUBLICITY, actors.enterprise2)).thenThrows(RuleViolation, 'OBJECTION_LIMIT');
    given([submitted, reviewed, ...filed]).when(object(), at(IN_PUBLICITY, actors.futian)).thenMatches(([e]) => expect(e?.data).toMatchObject({ filedBy: { id: 'officer-ft' } }));
  });
  it('not on a missing application, a cancelled or another notice', () => {
    given([]).when(object(), at(IN_PUBLICITY)).thenThrows(NotFound);
    given([submitted, reviewed]).when(object(undefined, { ...inPublicity, status: 'cancelled' }), at(IN_PUBLICITY)).thenThrows(RuleViolation, 'NOTICE_CANCELLED');
    given([submitted, reviewed]).when(object(undefined, { ...inPublicity, noticeId: 'n-2' }), at(IN_PUBLICITY)).thenThrows(RuleViolation, 'NOTICE_MISMATCH');
  });
});

describe('ResolveObjection', () => {
  const resolve = (over: Partial<Extract<ApplicationCommand, { type: 'ResolveObjection' }>> = {}): ApplicationCommand => ({
    type: 'ResolveObjection',
    notice: inPublicity,
    objectionId: 'id-1',
    upheld: true,
    reason: '核实属实',
    ...over,
  });
  it('an officer of the district upholds or dismisses, during or after the publicity', () => {
    given([submitted, reviewed, objected]).when(resolve(), at(IN_PUBLICITY, actors.cityDept)).then([upheld]);
    given([submitted, reviewed, objected]).when(resolve({ upheld: false, reason: '无证据' }), at(AFTER_PUBLICITY, actors.cityDept)).then([dismissed]);
  });
  it('REVIEWER_CANNOT_RESOLVE_OBJECTION: not the officer who made the review decision, unless configured', () => {
    given([submitted, reviewed, objected]).when(resolve(), at(IN_PUBLICITY, actors.nanshan)).thenThrows(RuleViolation, 'REVIEWER_CANNOT_RESOLVE_OBJECTION');
    given([submitted, reviewed, objected]).when(resolve(), { ...at(IN_PUBLICITY, actors.nanshan), duties: { ...DEFAULT_DUTIES, reviewerMayResolveObjection: true } }).then([upheld]);
    given([submitted, reviewed, objected]).when(resolve(), { ...at(IN_PUBLICITY, actors.nanshan), duties: IMPORTED_DUTIES }).then([upheld]);
  });
  it('not city_admin by default', () => given([submitted, reviewed, objected]).when(resolve(), at(IN_PUBLICITY, actors.admin)).thenThrows(Forbidden));
  it('an upheld objection leaves the application awaiting a new review', () => {
    expect(applicationFacts(fold([submitted, reviewed, objected]), 7)).toMatchObject({ openObjections: 1, awaitingReview: false, submittedPosition: 7 });
    expect(applicationFacts(fold([submitted, reviewed, objected, upheld]), 7)).toMatchObject({ openObjections: 0, awaitingReview: true });
    expect(applicationFacts(fold([submitted, reviewed, objected, dismissed]), 7)).toMatchObject({ openObjections: 0, awaitingReview: false, qualified: true, score: 85 });
  });
  it('once', () => given([submitted, reviewed, objected, upheld]).when(resolve(), at(IN_PUBLICITY, actors.cityDept)).thenThrows(RuleViolation, 'OBJECTION_ALREADY_RESOLVED'));
  it('an objection that exists', () => given([submitted, reviewed, objected]).when(resolve({ objectionId: 'obj-9' }), at(IN_PUBLICITY, actors.nanshan)).thenThrows(NotFound));
  it('with a reason', () => given([submitted, reviewed, objected]).when(resolve({ reason: '' }), at(IN_PUBLICITY, actors.nanshan)).thenThrows(RuleViolation, 'REASON_REQUIRED'));
  it('only the district', () => given([submitted, reviewed, objected]).when(resolve(), at(IN_PUBLICITY, actors.enterprise2)).thenThrows(Forbidden));
  it('not after the allocation', () => given([submitted, reviewed, objected]).when(resolve({ notice: allocatedNotice }), at(AFTER_PUBLICITY, actors.nanshan)).thenThrows(RuleViolation, 'ALLOCATION_ALREADY_DECIDED'));
});

describe('LeaseSigned / SaleCompleted (contract recorded back)', () => {
  const lease = (over: Partial<Extract<ApplicationCommand, { type: 'RecordLease' }>> = {}): Extract<ApplicationCommand, { type: 'RecordLease' }> => ({
    type: 'RecordLease',
    notice: resultNotice,
    area: 1_000,
    contractRef: '深南租〔2026〕015号',
    signedOn: '2026-02-10',
    lease: { startsOn: '2026-03-01', endsOn: '2029-02-28', monthlyRent: 45_000 },
    ...over,
  });
  const contract = { ...ids, creditCode: actors.enterprise.creditCode, area: 1_000, contractRef: '深南租〔2026〕015号', signedOn: '2026-02-10', lease: { startsOn: '2026-03-01', endsOn: '2029-02-28', monthlyRent: 45_000 } };
  const { lease: _lease, ...sold } = contract;
  const history = [submitted, reviewed];
  // The contract of 2026-02-10 is recorded the day after (the result was published on 2026-01-29).
  const RECORDED = '2026-02-11T02:00:00.000Z';
  it('records the lease of an allocated applicant after the result', () => given(history).when(lease(), at(RECORDED, actors.nanshan)).then([{ type: 'LeaseSigned', data: contract }]));
  it('a sale on a sale notice', () => {
    given(history)
      .when({ ...lease(), type: 'RecordSale', sale: { price: 9_000_000, resaleRestriction: ' 十年内不得转让 ' }, notice: { ...resultNotice, supplyMode: 'sale' } }, at(RECORDED, actors.nanshan))
      .then([{ type: 'SaleCompleted', data: { ...sold, sale: { price: 9_000_000, resaleRestriction: '十年内不得转让' } } }]);
    given(history).when({ ...lease(), type: 'RecordSale', notice: { ...resultNotice, supplyMode: 'sale' } }, at(RECORDED, actors.nanshan)).thenThrows(RuleViolation, 'SALE_PRICE_REQUIRED');
    given(history).when({ ...lease(), type: 'RecordSale' }, at(RECORDED, actors.nanshan)).thenThrows(RuleViolation, 'SUPPLY_MODE_MISMATCH');
  });
  it('a lease with its term and rent', () => {
    given(history).when(lease({ lease: undefined }), at(RECORDED, actors.nanshan)).thenThrows(RuleViolation, 'LEASE_TERMS_REQUIRED');
    given(history).when(lease({ lease: { startsOn: '2026-03-01', endsOn: '2026-03-01', monthlyRent: 1 } }), at(RECORDED, actors.nanshan)).thenThrows(RuleViolation, 'LEASE_TERM_INVALID');
    given(history).when(lease({ lease: { startsOn: '2026-03-01', endsOn: '2027-03-01', monthlyRent: -1 } }), at(RECORDED, actors.nanshan)).thenThrows(RuleViolation, 'RENT_INVALID');
  });
  it('only after the result, only for an allocated applicant', () => {
    given(history).when(lease({ notice: allocatedNotice }), at(RECORDED, actors.nanshan)).thenThrows(RuleViolation, 'RESULT_NOT_PUBLISHED');
    given(history).when(lease({ notice: { ...resultNotice, allocations: [] } }), at(RECORDED, actors.nanshan)).thenThrows(RuleViolation, 'NOT_ALLOCATED');
  });
  it('once, within the allocated area, with a reference and a date', () => {
    given([...history, { type: 'LeaseSigned', data: contract }]).when(lease(), at(RECORDED, actors.nanshan)).thenThrows(RuleViolation, 'CONTRACT_ALREADY_RECORDED');
    given(history).when(lease({ area: 0 }), at(RECORDED, actors.nanshan)).thenThrows(RuleViolation, 'AREA_NOT_POSITIVE');
    given(history).when(lease({ area: 1_001 }), at(RECORDED, actors.nanshan)).thenThrows(RuleViolation, 'CONTRACT_AREA_EXCEEDS_ALLOCATION');
    given(history).when(lease({ contractRef: ' ' }), at(RECORDED, actors.nanshan)).thenThrows(RuleViolation, 'CONTRACT_REF_REQUIRED');
    given(history).when(lease({ signedOn: 'last week' }), at(RECORDED, actors.nanshan)).thenThrows(RuleViolation, 'INVALID_TIME');
  });
  it('allocated units are let whole: the contract covers all their area and names them (CONTRACT_AREA_UNITS_MISMATCH)', () => {
    const ofUnits = { ...resultNotice, allocations: resultNotice.allocations.map((a) => ({ ...a, unitIds: ['u-1', 'u-2'] })) };
    given(history).when(lease({ notice: ofUnits, area: 999 }), at(RECORDED, actors.nanshan)).thenThrows(RuleViolation, 'CONTRACT_AREA_UNITS_MISMATCH');
    given(history).when(lease({ notice: ofUnits }), at(RECORDED, actors.nanshan)).then([{ type: 'LeaseSigned', data: { ...contract, unitIds: ['u-1', 'u-2'] } }]);
  });
  it('only the district', () => given(history).when(lease(), at(RECORDED)).thenThrows(Forbidden));
  it('not signed before the result was published (its very instant is fine)', () => {
    given(history).when(lease({ signedOn: '2026-01-28' }), at(RECORDED, actors.nanshan)).thenThrows(RuleViolation, 'CONTRACT_BEFORE_RESULT');
    given(history).when(lease({ signedOn: '2026-01-29T01:59:59.999Z' }), at(RECORDED, actors.nanshan)).thenThrows(RuleViolation, 'CONTRACT_BEFORE_RESULT');
    given(history).when(lease({ signedOn: AFTER_PUBLICITY }), at(RECORDED, actors.nanshan)).thenMatches(([e]) => expect(e?.data).toMatchObject({ signedOn: AFTER_PUBLICITY }));
    given(history)
      .when({ ...lease({ signedOn: '2026-01-20' }), type: 'RecordSale', notice: { ...resultNotice, supplyMode: 'sale' } }, at(RECORDED, actors.nanshan))
      .thenThrows(RuleViolation, 'CONTRACT_BEFORE_RESULT');
  });
  it('not signed later than now (now itself is fine)', () => {
    given(history).when(lease({ signedOn: '2026-02-12' }), at(RECORDED, actors.nanshan)).thenThrows(RuleViolation, 'CONTRACT_IN_FUTURE');
    given(history).when(lease(), at('2026-02-09T23:59:59.999Z', actors.nanshan)).thenThrows(RuleViolation, 'CONTRACT_IN_FUTURE');
    given(history).when(lease({ signedOn: RECORDED }), at(RECORDED, actors.nanshan)).thenMatches(([e]) => expect(e?.data).toMatchObject({ signedOn: RECORDED }));
  });
});

describe('applicationFacts', () => {
  it('gives the notice decider what it needs', () => {
    expect(applicationFacts(fold([submitted]), 3)).toEqual({
      applicationId: APP,
      status: 'submitted',
      creditCode: actors.enterprise.creditCode,
      enterpriseName: '深圳市创新科技有限公司',
      requestedArea: 1_000,
      reasons: [],
      submittedPosition: 3,
      openObjections: 0,
      awaitingReview: false,
    });
    expect(applicationFacts(fold([submitted, withdrawn]), 3).status).toBe('withdrawn');
  });
});
