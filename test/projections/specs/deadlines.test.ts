// Deadlines read model: review, 补正 and objection deadlines opened and closed by the application events
// (the due date on the event that opens the clock), and a cancelled notice kept for the queues.
import { describe, it } from 'vitest';
import type { ApplicationEvent } from '../../../src/domain/application.js';
import type { NoticeEvent } from '../../../src/domain/notice.js';
import { DEADLINES, DEADLINE_CANCELLED_NOTICES, deadlines } from '../../../src/projections/deadlines.js';
import type { Given } from '../projection-spec.js';
import { projectionSpec } from '../projection-spec.js';
import { A1, E1, N, at, declared, documents, officer } from './fixtures.js';

type E = ApplicationEvent | NoticeEvent;
const spec = projectionSpec<E>(deadlines);
const ids = { applicationId: A1, noticeId: N };
const REVIEW_DUE = '2027-01-20T15:59:59.999Z';
const CORRECTION_DUE = '2027-01-11T15:59:59.999Z';
const byOfficer = { metadata: { actor: officer } };

const submitted: Given<E> = {
  type: 'ApplicationSubmitted',
  data: { ...ids, district: 'nanshan', creditCode: E1.creditCode, enterpriseName: E1.name, requestedArea: 400, declared, documents, reviewDueAt: REVIEW_DUE },
};
const returned: Given<E> = { type: 'ApplicationReturned', data: { ...ids, missing: ['审计报告'], district: 'nanshan', correctionDueAt: CORRECTION_DUE }, ...byOfficer };
const review = { kind: 'review', fires: false, district: 'nanshan', noticeId: N, applicationId: A1 };
const correction = { kind: 'correction', fires: true, status: 'open', dueAt: CORRECTION_DUE, district: 'nanshan', noticeId: N, applicationId: A1, officer: officer.id };

describe('deadlines: review and 补正', () => {
  it('a submission opens its review, the district’s', () =>
    spec.given([submitted]).then(DEADLINES, `review:${A1}`, { ...review, status: 'open', dueAt: REVIEW_DUE, creditCode: E1.creditCode }));

  it('a return pauses the review (its officer noted) and opens the 补正, which the scheduler fires', async () => {
    await spec.given([submitted, returned]).then(DEADLINES, `review:${A1}`, { ...review, status: 'done', outcome: 'returned', doneAt: at(2), dueAt: REVIEW_DUE, creditCode: E1.creditCode, officer: officer.id });
    await spec.given([submitted, returned]).then(DEADLINES, `correction:${A1}`, correction);
  });

  it('a resubmission closes the 补正 and opens the review again, with the returning officer', async () => {
    const again = '2027-01-21T15:59:59.999Z';
    const resubmitted: Given<E> = { type: 'ApplicationResubmitted', data: { ...ids, documents, district: 'nanshan', reviewDueAt: again } };
    await spec.given([submitted, returned, resubmitted]).then(DEADLINES, `review:${A1}`, { ...review, status: 'open', dueAt: again, creditCode: E1.creditCode, officer: officer.id });
    await spec.given([submitted, returned, resubmitted]).then(DEADLINES, `correction:${A1}`, { ...correction, status: 'done', outcome: 'resubmitted', doneAt: at(3) });
  });

  it('a lapse closes the 补正', () => {
    const lapsed: Given<E> = { type: 'ApplicationLapsed', data: { ...ids, district: 'nanshan', missing: ['审计报告'], correctionDueAt: CORRECTION_DUE } };
    return spec.given([submitted, returned, lapsed]).then(DEADLINES, `correction:${A1}`, { ...correction, status: 'done', outcome: 'lapsed', doneAt: at(3) });
  });

  it('a return recorded before deadlines were counted opens no 补正', () =>
    spec.given([submitted, { type: 'ApplicationReturned', data: { ...ids, missing: ['审计报告'] } }]).then(DEADLINES, `correction:${A1}`, null));
});

describe('deadlines: objections', () => {
  const filed: Given<E> = { type: 'ObjectionFiled', data: { ...ids, objectionId: 'o-1', content: '不实', filedBy: { id: 'ent-2', role: 'enterprise' }, district: 'nanshan', resolveDueAt: '2027-01-13T15:59:59.999Z' } };
  const objection = { kind: 'objection', fires: false, status: 'open', dueAt: '2027-01-13T15:59:59.999Z', district: 'nanshan', noticeId: N, applicationId: A1, objectionId: 'o-1' };

  it('an objection opens its handling deadline, the district’s', () => spec.given([filed]).then(DEADLINES, 'objection:o-1', objection));

  it('upheld, it closes and the new review is due, the resolving officer’s', async () => {
    const upheld: Given<E> = { type: 'ObjectionResolved', data: { ...ids, objectionId: 'o-1', upheld: true, reason: '属实', district: 'nanshan', reviewDueAt: '2027-01-27T15:59:59.999Z' }, ...byOfficer };
    await spec.given([submitted, filed, upheld]).then(DEADLINES, 'objection:o-1', { ...objection, status: 'done', outcome: 'upheld', doneAt: at(3) });
    await spec.given([submitted, filed, upheld]).then(DEADLINES, `review:${A1}`, { ...review, status: 'open', dueAt: '2027-01-27T15:59:59.999Z', creditCode: E1.creditCode, officer: officer.id });
  });

  it('a cancelled notice is kept, so the queues leave its duties out', () =>
    spec.given([{ type: 'NoticeCancelled', data: { noticeId: N, district: 'nanshan', reason: '取消' } }]).then(DEADLINE_CANCELLED_NOTICES, N, { cancelledAt: at(1) }));
});

describe('deadlines: signing after a 递补', () => {
  const waitlisted = (actor: { id: string; role: 'city_admin' | 'housing_dept' }): Given<E> => ({
    type: 'WaitlistAllocated',
    data: { noticeId: N, district: 'nanshan', projectId: 'p-1', applicationId: A1, area: 400, rank: 3, replaces: 'n-1.other', signingDueAt: '2027-01-25T15:59:59.999Z' },
    metadata: { actor },
  });
  const signing = { kind: 'signing', fires: true, status: 'open', dueAt: '2027-01-25T15:59:59.999Z', district: 'nanshan', projectId: 'p-1', noticeId: N, applicationId: A1 };
  it('made by the scheduler: the district’s, not the scheduler’s', () => spec.given([waitlisted({ id: 'system:scheduler', role: 'city_admin' })]).then(DEADLINES, `signing:${A1}`, signing));
  it('made by an officer (a withdrawal): that officer’s', () => spec.given([waitlisted(officer)]).then(DEADLINES, `signing:${A1}`, { ...signing, officer: officer.id }));
});
