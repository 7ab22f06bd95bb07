// Applications read model: one document per application; objections by id; tenancies.
import { describe, expect, it } from 'vitest';
import type { ApplicationEvent } from '../../../src/domain/application.js';
import type { NoticeEvent } from '../../../src/domain/notice.js';
import { APPLICATIONS, OBJECTIONS, applications } from '../../../src/projections/applications.js';
import { projectionSpec } from '../projection-spec.js';
import { A1, E1, N, allocationDecided, at, declared, documents, leaseSigned, objectionFiled, objectionUpheld, officer, resultPublished, reviewed, submitted } from './fixtures.js';

const spec = projectionSpec<ApplicationEvent | NoticeEvent>(applications);
const base = {
  applicationId: A1,
  noticeId: N,
  district: 'nanshan',
  creditCode: E1.creditCode,
  enterpriseName: E1.name,
  requestedArea: 400,
  declared,
  documentSets: { p1: { kind: 'submitted', documents, at: at(1), position: 1 } },
  submittedAt: at(1),
  submittedPosition: 1,
  reasons: [],
  objections: {},
  openObjections: 0,
  awaitingReview: false,
  submissionCount: 1,
};

describe('applications', () => {
  it('a submitted application', () => spec.given([submitted(E1, 400)]).then(APPLICATIONS, A1, { ...base, status: 'submitted', updatedAt: at(1) }));

  it('returned for 补正, resubmitted with more documents, then reviewed', () => {
    const more = [{ name: '纳税证明.pdf', sha256: 'b'.repeat(64) }];
    const review = { qualified: true, reasons: [], score: 80, reviewer: officer, reviewedAt: at(4), position: 4 };
    return spec
      .given([
        submitted(E1, 400),
        { type: 'ApplicationReturned', data: { applicationId: A1, noticeId: N, missing: ['近三年纳税证明'] } },
        { type: 'ApplicationResubmitted', data: { applicationId: A1, noticeId: N, documents: more } },
        reviewed(A1, true, { score: 80 }),
      ])
      .then(APPLICATIONS, A1, {
        ...base,
        documentSets: { ...base.documentSets, p3: { kind: 'resubmitted', documents: more, at: at(3), position: 3 } },
        status: 'reviewed',
        returned: { missing: ['近三年纳税证明'], returnedAt: at(2) },
        resubmittedAt: at(3),
        qualified: true,
        score: 80,
        lastReview: review,
        reviews: { p4: review },
        reviewedAt: at(4),
        reviewCount: 1,
        updatedAt: at(4),
      });
  });

  it('an upheld objection awaits a new review, which answers it (and drops the score it no longer has)', async () => {
    const first = { qualified: true, reasons: [], score: 80, reviewer: officer, reviewedAt: at(2), position: 2 };
    const second = { qualified: false, reasons: ['研发投入占比不足'], reviewer: officer, reviewedAt: at(5), position: 5, answersObjections: ['o-1'], previous: { qualified: true, reasons: [], score: 80 } };
    const given = spec.given([submitted(E1, 400), reviewed(A1, true, { score: 80 }), objectionFiled, objectionUpheld, reviewed(A1, false, { answersObjections: ['o-1'], previous: { qualified: true, reasons: [], score: 80 } })]);
    await given.then(APPLICATIONS, A1, {
      ...base,
      status: 'reviewed',
      qualified: false,
      reasons: ['研发投入占比不足'],
      lastReview: second,
      reviews: { p2: first, p5: second },
      reviewedAt: at(5),
      reviewCount: 2,
      objections: {
        'o-1': {
          objectionId: 'o-1',
          content: '申报员工人数不实',
          filedBy: objectionFiled.data.filedBy,
          filedAt: at(3),
          position: 3,
          open: false,
          status: 'upheld',
          answered: true,
          resolution: { upheld: true, reason: '经核查属实', resolvedAt: at(4) },
        },
      },
      openObjections: 0,
      awaitingReview: false,
      updatedAt: at(5),
    });
    await given.then(OBJECTIONS, 'o-1', { objectionId: 'o-1', applicationId: A1, noticeId: N, filedAt: at(3), open: false, upheld: true, resolvedAt: at(4) });
  });

  it('allocated, then the signed lease on the application (the tenancy is kept by tenancies.ts)', async () => {
    const given = spec.given([submitted(E1, 400), allocationDecided, resultPublished, leaseSigned]);
    const doc = (await given.documents(APPLICATIONS)).get(A1);
    expect(doc).toMatchObject({
      allocation: { allocated: true, area: 400, rank: 1, method: 'first_come', decidedAt: at(2) },
      allocatedArea: 400,
      contract: { ...leaseSigned.data, kind: 'lease', recordedAt: at(4) },
    });
    expect(applications.collections).toEqual([APPLICATIONS, OBJECTIONS]);
  });

  it('an allocation ended unsigned keeps its area, marked; a 递补 gives one with its own deadline (replays change nothing)', async () => {
    const A2 = `${N}.91440300MA5DYYYY2B`;
    const decided = { ...allocationDecided, data: { ...allocationDecided.data, order: [A1, A2] } };
    const given = spec.given([
      submitted(E1, 400),
      decided,
      { ...resultPublished, data: { ...resultPublished.data, signingDueAt: '2027-01-20T15:59:59.999Z' } },
      { type: 'AllocationForfeited', data: { noticeId: N, district: 'nanshan', projectId: 'p-1', applicationId: A1, area: 400, reason: 'withdrawn' } },
      { type: 'WaitlistAllocated', data: { noticeId: N, district: 'nanshan', projectId: 'p-1', applicationId: A2, area: 400, rank: 2, replaces: A1, signingDueAt: '2027-01-21T15:59:59.999Z' } },
    ]);
    expect((await given.documents(APPLICATIONS)).get(A1)).toMatchObject({
      // The winner's deadline came with the result.
      allocation: { allocated: false, area: 400, rank: 1, method: 'first_come', decidedAt: at(2), signingDueAt: '2027-01-20T15:59:59.999Z', endedAt: at(4), endedHow: 'withdrawn' },
      allocatedArea: 0,
      updatedAt: at(4),
    });
    await given.then(APPLICATIONS, A2, {
      noticeId: N,
      district: 'nanshan',
      allocation: { allocated: true, area: 400, rank: 2, method: 'first_come', decidedAt: at(2), via: 'waitlist', replaces: A1, allocatedAt: at(5), signingDueAt: '2027-01-21T15:59:59.999Z' },
      allocatedArea: 400,
      updatedAt: at(5),
    });
  });

  it('a withdrawn application submitted again starts afresh', () =>
    spec
      .given([submitted(E1, 400), reviewed(A1, true, { score: 80 }), { type: 'ApplicationWithdrawn', data: { applicationId: A1, noticeId: N, reason: '不再需要' } }, submitted(E1, 300)])
      .then(APPLICATIONS, A1, {
        ...base,
        requestedArea: 300,
        documentSets: { p4: { kind: 'submitted', documents, at: at(4), position: 4 } },
        submittedAt: at(4),
        submittedPosition: 4,
        status: 'submitted',
        // Earlier reviews stay in the history; the current verdict is cleared.
        reviews: { p2: { qualified: true, reasons: [], score: 80, reviewer: officer, reviewedAt: at(2), position: 2 } },
        reviewCount: 1,
        submissionCount: 2,
        updatedAt: at(4),
      }));
});
