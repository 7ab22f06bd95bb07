import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ALLOCATION_ALGORITHM, allocate } from '../../src/domain/allocation.js';
import type { ApplicationFacts } from '../../src/domain/application.js';
import { DEFAULT_CALENDAR } from '../../src/domain/calendar.js';
import {
  type NoticeCommand,
  type NoticeEvent,
  type ProjectSnapshot,
  noticeDecider,
  noticeSnapshot,
  noticeStream,
  projectSnapshot,
} from '../../src/domain/notice.js';
import { evolveProject, initialProjectState } from '../../src/domain/project.js';
import { Duplicate, Forbidden, NotFound, RuleViolation } from '../../src/domain/shared.js';
import { actors, spec, testContext } from './decider-spec.js';

const given = spec(noticeDecider);
const BEFORE = '2026-01-05T02:00:00.000Z'; // Monday, before the window
const DURING = '2026-01-15T02:00:00.000Z';
const AFTER_CLOSE = '2026-01-21T02:00:00.000Z'; // Wednesday 10:00 CST
const PUBLICITY_END = '2026-01-28T15:59:59.999Z'; // 5 working days after 01-21
const AFTER_PUBLICITY = '2026-01-29T02:00:00.000Z';
const at = (now: string, actor: Parameters<typeof testContext>[0] = actors.nanshan) => testContext(actor, now);

const project: ProjectSnapshot = {
  projectId: 'p-1',
  status: 'published',
  district: 'nanshan',
  supplyModes: ['rent'],
  totalArea: 20_000,
  availableArea: 5_000,
  unitIds: ['u-1', 'u-2'],
};
const terms = {
  area: 3_000,
  price: 65,
  eligibility: '南山区注册的高新技术企业',
  opensAt: '2026-01-10T01:00:00.000Z',
  closesAt: '2026-01-20T09:00:00.000Z',
};
const publish: NoticeCommand = { type: 'PublishNotice', noticeId: 'n-1', projectId: 'p-1', supplyMode: 'rent', project, ...terms };
const ref = { noticeId: 'n-1', district: 'nanshan' as const };
const published: NoticeEvent = { type: 'NoticePublished', data: { ...ref, projectId: 'p-1', supplyMode: 'rent', ...terms, publicityWorkingDays: 5 } };
const closed: NoticeEvent = { type: 'NoticeClosed', data: { ...ref, projectId: 'p-1' } };
// Commit–reveal: the notice commits to the lottery's seed when it is published.
const SEED = '2026-01-29 公证处摇号';
/** Computed here independently of the domain's helper: SHA-256 of the UTF-8 text, lower-case hex. */
const sha256 = (text: string) => createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');
const COMMITMENT = sha256(SEED);
const publishedCommitted: NoticeEvent = { type: 'NoticePublished', data: { ...ref, projectId: 'p-1', supplyMode: 'rent', ...terms, publicityWorkingDays: 5, lotterySeedSha256: COMMITMENT } };
const fact = (applicationId: string, over: Partial<ApplicationFacts> = {}): ApplicationFacts => ({
  applicationId,
  status: 'reviewed',
  creditCode: `CC-${applicationId}`,
  enterpriseName: `企业${applicationId}`,
  requestedArea: 1_000,
  qualified: true,
  reasons: [],
  score: 80,
  submittedPosition: 10,
  openObjections: 0,
  awaitingReview: false,
  ...over,
});
const entry = (f: ApplicationFacts) => ({ applicationId: f.applicationId, enterpriseName: f.enterpriseName, creditCode: f.creditCode, qualified: f.qualified === true, reasons: f.reasons });
const listed = [fact('a', { submittedPosition: 3, score: 70 }), fact('b', { submittedPosition: 1, score: 90 }), fact('c', { qualified: false, reasons: ['营业执照过期'], score: undefined }), fact('d', { submittedPosition: 2, score: 80, requestedArea: 2_500 })];
const publicity: NoticeEvent = {
  type: 'QualificationPublicityStarted',
  data: { ...ref, projectId: 'p-1', startsAt: AFTER_CLOSE, endsAt: PUBLICITY_END, list: listed.map(entry) },
};
const startPublicity: NoticeCommand = { type: 'StartPublicity', applications: listed, calendar: DEFAULT_CALENDAR };
const decide = (over: Partial<Extract<NoticeCommand, { type: 'DecideAllocation' }>> = {}): NoticeCommand => ({ type: 'DecideAllocation', method: 'ranking', applications: listed, ...over });
const rankedAllocations = [
  { applicationId: 'b', area: 1_000, rank: 1 },
  { applicationId: 'a', area: 1_000, rank: 3 },
];
const allocated: NoticeEvent = {
  type: 'AllocationDecided',
  data: {
    ...ref,
    projectId: 'p-1',
    method: 'ranking',
    algorithm: ALLOCATION_ALGORITHM,
    offeredArea: 3_000,
    inputs: [],
    order: ['b', 'd', 'a'],
    allocations: rankedAllocations,
    allocatedArea: 2_000,
  },
};
const resulted: NoticeEvent = { type: 'ResultPublished', data: { ...ref, projectId: 'p-1', supplyMode: 'rent', allocations: [], publishedAt: AFTER_PUBLICITY } };

describe('PublishNotice', () => {
  it('publishes for a published project, with a default publicity of 5 working days', () => {
    given([]).when(publish, at(BEFORE)).then([published]);
    expect(noticeStream('n-1')).toBe('notice-n-1');
  });
  it('records offered units and a per-notice publicity length', () => {
    given([])
      .when({ ...publish, unitIds: ['u-1'], publicityWorkingDays: 10 }, at(BEFORE))
      .thenMatches(([e]) => expect(e?.data).toMatchObject({ unitIds: ['u-1'], publicityWorkingDays: 10 }));
  });
  it('a window opening right now is allowed', () => given([]).when({ ...publish, opensAt: BEFORE }, at(BEFORE)).thenMatches((es) => expect(es).toHaveLength(1)));
  it('city_admin and a city department may publish anywhere', () => {
    given([]).when(publish, at(BEFORE, actors.admin)).then([published]);
    given([]).when(publish, at(BEFORE, actors.cityDept)).then([published]);
  });
  it('another district or an enterprise may not', () => {
    given([]).when(publish, at(BEFORE, actors.futian)).thenThrows(Forbidden);
    given([]).when(publish, at(BEFORE, actors.enterprise)).thenThrows(Forbidden);
  });
  it('refuses a second publication', () => given([published]).when(publish, at(BEFORE)).thenThrows(Duplicate, 'NOTICE_EXISTS'));
  it('refuses a snapshot of another project', () => given([]).when({ ...publish, projectId: 'p-2' }, at(BEFORE)).thenThrows(RuleViolation, 'PROJECT_MISMATCH'));
  it('only for a published project', () => {
    given([]).when({ ...publish, project: { ...project, status: 'registered' } }, at(BEFORE)).thenThrows(RuleViolation, 'PROJECT_NOT_PUBLISHED');
    given([]).when({ ...publish, project: { ...project, status: 'withdrawn' } }, at(BEFORE)).thenThrows(RuleViolation, 'PROJECT_NOT_PUBLISHED');
  });
  it('only a supply mode the project offers', () => given([]).when({ ...publish, supplyMode: 'sale' }, at(BEFORE)).thenThrows(RuleViolation, 'SUPPLY_MODE_NOT_OFFERED'));
  it('offered area positive and within the available area (total when none is given)', () => {
    given([]).when({ ...publish, area: 0 }, at(BEFORE)).thenThrows(RuleViolation, 'AREA_NOT_POSITIVE');
    given([]).when({ ...publish, area: 5_001 }, at(BEFORE)).thenThrows(RuleViolation, 'AREA_EXCEEDS_AVAILABLE');
    const { availableArea: _a, ...noAvailable } = project;
    given([]).when({ ...publish, area: 20_000, project: noAvailable }, at(BEFORE)).thenMatches((es) => expect(es).toHaveLength(1));
    given([]).when({ ...publish, area: 20_001, project: noAvailable }, at(BEFORE)).thenThrows(RuleViolation, 'AREA_EXCEEDS_AVAILABLE');
  });
  it('never offers space another notice under way already offers', () => {
    const busy: ProjectSnapshot = { ...project, holdings: [{ key: 'n-other', state: 'offered', area: 2_500, unitIds: ['u-2'] }] };
    given([]).when({ ...publish, area: 2_500, project: busy }, at(BEFORE)).thenMatches((es) => expect(es[0]!.type).toBe('NoticePublished'));
    given([]).when({ ...publish, area: 2_501, project: busy }, at(BEFORE)).thenThrows(RuleViolation, 'AREA_EXCEEDS_AVAILABLE');
    given([]).when({ ...publish, area: 1_000, unitIds: ['u-1'], project: busy }, at(BEFORE)).thenMatches((es) => expect(es).toHaveLength(1));
    given([]).when({ ...publish, area: 1_000, unitIds: ['u-2'], project: busy }, at(BEFORE)).thenThrows(RuleViolation, 'UNIT_ALREADY_OFFERED');
    // An amendment is judged against the others (the snapshot leaves the notice itself out).
    const amendArea: NoticeCommand = { type: 'AmendNotice', changes: { area: 2_600 }, reason: '扩大供应面积', project: busy };
    given([published]).when(amendArea, at(BEFORE)).thenThrows(RuleViolation, 'AREA_EXCEEDS_AVAILABLE');
  });
  it('units must be the project’s, each once', () => {
    given([]).when({ ...publish, unitIds: ['u-9'] }, at(BEFORE)).thenThrows(RuleViolation, 'UNIT_NOT_IN_PROJECT');
    given([]).when({ ...publish, unitIds: ['u-1', 'u-1'] }, at(BEFORE)).thenThrows(RuleViolation, 'UNIT_DUPLICATE');
  });
  it('price positive', () => {
    given([]).when({ ...publish, price: 0 }, at(BEFORE)).thenThrows(RuleViolation, 'PRICE_NOT_POSITIVE');
    given([]).when({ ...publish, price: Number.POSITIVE_INFINITY }, at(BEFORE)).thenThrows(RuleViolation, 'PRICE_NOT_POSITIVE');
  });
  it('eligibility required', () => given([]).when({ ...publish, eligibility: ' ' }, at(BEFORE)).thenThrows(RuleViolation, 'ELIGIBILITY_REQUIRED'));
  it('the window must be in the future', () => given([]).when(publish, at(DURING)).thenThrows(RuleViolation, 'NOTICE_WINDOW_IN_PAST'));
  it('the window must open before it closes', () => given([]).when({ ...publish, closesAt: terms.opensAt }, at(BEFORE)).thenThrows(RuleViolation, 'NOTICE_WINDOW_INVALID'));
  it('malformed times are refused', () => given([]).when({ ...publish, closesAt: 'soon' }, at(BEFORE)).thenThrows(RuleViolation, 'INVALID_TIME'));
  it('publicity lasts 1 to 30 whole working days', () => {
    for (const days of [0, 31, 2.5]) given([]).when({ ...publish, publicityWorkingDays: days }, at(BEFORE)).thenThrows(RuleViolation, 'PUBLICITY_DAYS_INVALID');
  });
  it('records a commitment to a lottery seed (its SHA-256), in lower case', () => {
    given([]).when({ ...publish, lotterySeedSha256: COMMITMENT }, at(BEFORE)).then([publishedCommitted]);
    given([]).when({ ...publish, lotterySeedSha256: COMMITMENT.toUpperCase() }, at(BEFORE)).then([publishedCommitted]);
  });
  it('a commitment is 64 hex digits', () => {
    for (const bad of ['', 'abc', `${COMMITMENT}0`, 'g'.repeat(64)]) {
      given([]).when({ ...publish, lotterySeedSha256: bad }, at(BEFORE)).thenThrows(RuleViolation, 'SEED_COMMITMENT_INVALID');
    }
  });
});

describe('AmendNotice', () => {
  const amend = (changes: object, reason = '调整租金'): Extract<NoticeCommand, { type: 'AmendNotice' }> => ({ type: 'AmendNotice', changes, reason, project });
  it('records the changed fields, their previous values and the reason', () => {
    given([published])
      .when(amend({ price: 60, eligibility: terms.eligibility }), at(BEFORE))
      .then([{ type: 'NoticeAmended', data: { ...ref, projectId: 'p-1', changes: { price: 60 }, previous: { price: 65 }, reason: '调整租金' } }]);
  });
  it('the amended terms apply afterwards', () => {
    const amended: NoticeEvent = { type: 'NoticeAmended', data: { ...ref, changes: { area: 1_000 }, previous: { area: 3_000 }, reason: 'r' } };
    expect(noticeSnapshot([published, amended].reduce(noticeDecider.evolve, noticeDecider.initialState))?.offeredArea).toBe(1_000);
  });
  it('not on a notice that does not exist', () => given([]).when(amend({ price: 60 }), at(BEFORE)).thenThrows(NotFound));
  it('only by the district', () => given([published]).when(amend({ price: 60 }), at(BEFORE, actors.futian)).thenThrows(Forbidden));
  it('only before the window opens', () => given([published]).when(amend({ price: 60 }), at(terms.opensAt)).thenThrows(RuleViolation, 'NOTICE_ALREADY_OPEN'));
  it('not once cancelled or closed', () => {
    given([published, { type: 'NoticeCancelled', data: { ...ref, reason: 'x' } }]).when(amend({ price: 60 }), at(BEFORE)).thenThrows(RuleViolation, 'NOTICE_CANCELLED');
    given([published, closed]).when(amend({ price: 60 }), at(BEFORE)).thenThrows(RuleViolation, 'NOTICE_ALREADY_CLOSED');
  });
  it('with a reason', () => given([published]).when(amend({ price: 60 }, ''), at(BEFORE)).thenThrows(RuleViolation, 'REASON_REQUIRED'));
  it('changing something among the terms', () => {
    given([published]).when(amend({ price: 65 }), at(BEFORE)).thenThrows(RuleViolation, 'NOTHING_CHANGED');
    given([published]).when(amend({ projectId: 'p-2', supplyMode: 'sale' }), at(BEFORE)).thenThrows(RuleViolation, 'NOTHING_CHANGED');
  });
  it('the amended terms obey the publication rules', () => {
    given([published]).when(amend({ price: -1 }), at(BEFORE)).thenThrows(RuleViolation, 'PRICE_NOT_POSITIVE');
    given([published]).when(amend({ closesAt: '2026-01-09T00:00:00.000Z' }), at(BEFORE)).thenThrows(RuleViolation, 'NOTICE_WINDOW_INVALID');
    given([published]).when(amend({ area: 9_999 }), at(BEFORE)).thenThrows(RuleViolation, 'AREA_EXCEEDS_AVAILABLE');
    given([published]).when({ ...amend({ price: 60 }), project: { ...project, status: 'withdrawn' } }, at(BEFORE)).thenThrows(RuleViolation, 'PROJECT_NOT_PUBLISHED');
  });
  it('with the notice’s own project', () => given([published]).when({ ...amend({ price: 60 }), project: { ...project, projectId: 'p-2' } }, at(BEFORE)).thenThrows(RuleViolation, 'PROJECT_MISMATCH'));
  it('the seed commitment is not a term: no amendment adds or changes it', () => {
    given([published]).when(amend({ lotterySeedSha256: COMMITMENT }), at(BEFORE)).thenThrows(RuleViolation, 'NOTHING_CHANGED');
    given([publishedCommitted]).when(amend({ lotterySeedSha256: sha256('another seed') }), at(BEFORE)).thenThrows(RuleViolation, 'NOTHING_CHANGED');
  });
});

describe('CancelNotice', () => {
  const cancel: NoticeCommand = { type: 'CancelNotice', reason: '项目调整' };
  const cancelled: NoticeEvent = { type: 'NoticeCancelled', data: { ...ref, projectId: 'p-1', reason: '项目调整' } };
  it('cancels with a reason, at any stage before the result', () => {
    given([published]).when(cancel, at(DURING)).then([cancelled]);
    given([published, closed, publicity, allocated]).when(cancel, at(AFTER_PUBLICITY, actors.admin)).then([cancelled]);
  });
  it('not after the result', () => given([published, closed, publicity, allocated, resulted]).when(cancel, at(AFTER_PUBLICITY)).thenThrows(RuleViolation, 'RESULT_ALREADY_PUBLISHED'));
  it('not twice', () => given([published, cancelled]).when(cancel, at(DURING)).thenThrows(RuleViolation, 'NOTICE_CANCELLED'));
  it('with a reason', () => given([published]).when({ type: 'CancelNotice', reason: '' }, at(DURING)).thenThrows(RuleViolation, 'REASON_REQUIRED'));
  it('not on a missing notice, not by another district', () => {
    given([]).when(cancel, at(DURING)).thenThrows(NotFound);
    given([published]).when(cancel, at(DURING, actors.futian)).thenThrows(Forbidden);
  });
});

describe('CloseNotice', () => {
  const close: NoticeCommand = { type: 'CloseNotice' };
  it('closes once the window is over', () => given([published]).when(close, at(terms.closesAt)).then([closed]));
  it('not early, not even by city_admin: cancel instead', () => given([published]).when(close, at(DURING, actors.admin)).thenThrows(RuleViolation, 'NOTICE_WINDOW_NOT_OVER'));
  it('not twice', () => given([published, closed]).when(close, at(AFTER_CLOSE)).thenThrows(RuleViolation, 'NOTICE_ALREADY_CLOSED'));
  it('not when cancelled', () => given([published, { type: 'NoticeCancelled', data: { ...ref, reason: 'x' } }]).when(close, at(AFTER_CLOSE)).thenThrows(RuleViolation, 'NOTICE_CANCELLED'));
  it('only by the district', () => given([published]).when(close, at(AFTER_CLOSE, actors.enterprise)).thenThrows(Forbidden));
});

describe('StartPublicity', () => {
  it('closes the notice if needed and lists every live reviewed application, qualified or not, for 5 working days', () => {
    const withdrawn = fact('w', { status: 'withdrawn', qualified: undefined });
    given([published])
      .when({ ...startPublicity, applications: [...listed, withdrawn] }, at(AFTER_CLOSE))
      .then([closed, publicity]);
  });
  it('on a closed notice only the publicity is recorded', () => given([published, closed]).when(startPublicity, at(AFTER_CLOSE)).then([publicity]));
  it('a closed notice may start publicity even before its closing time had passed', () => {
    given([published, closed]).when(startPublicity, at(DURING)).thenMatches(([e]) => expect(e?.type).toBe('QualificationPublicityStarted'));
  });
  it('the per-notice length and the calendar decide the end', () => {
    const long: NoticeEvent = { ...published, data: { ...published.data, publicityWorkingDays: 10 } } as NoticeEvent;
    given([long, closed]).when(startPublicity, at(AFTER_CLOSE)).thenMatches(([e]) => expect(e?.data).toMatchObject({ endsAt: '2026-02-04T15:59:59.999Z' }));
    given([published, closed])
      .when({ ...startPublicity, calendar: { holidays: ['2026-01-22'], workdays: [] } }, at(AFTER_CLOSE))
      .thenMatches(([e]) => expect(e?.data).toMatchObject({ endsAt: '2026-01-29T15:59:59.999Z' }));
  });
  it('an explicit end may lengthen the publicity, never shorten it', () => {
    given([published, closed])
      .when({ ...startPublicity, endsAt: '2026-02-01T00:00:00+08:00' }, at(AFTER_CLOSE))
      .thenMatches(([e]) => expect(e?.data).toMatchObject({ endsAt: '2026-01-31T16:00:00.000Z' }));
    given([published, closed]).when({ ...startPublicity, endsAt: '2026-01-27T00:00:00.000Z' }, at(AFTER_CLOSE)).thenThrows(RuleViolation, 'PUBLICITY_TOO_SHORT');
  });
  it('an empty list is published as such', () => {
    given([published, closed]).when({ ...startPublicity, applications: [] }, at(AFTER_CLOSE)).thenMatches(([e]) => expect(e?.data).toMatchObject({ list: [] }));
  });
  it('not while the window is open', () => given([published]).when(startPublicity, at(DURING)).thenThrows(RuleViolation, 'NOTICE_WINDOW_NOT_OVER'));
  it('not before every live application is reviewed', () => {
    for (const status of ['submitted', 'returned', 'resubmitted'] as const) {
      given([published]).when({ ...startPublicity, applications: [...listed, fact('x', { status, qualified: undefined })] }, at(AFTER_CLOSE)).thenThrows(RuleViolation, 'APPLICATIONS_NOT_REVIEWED');
    }
  });
  it('once', () => given([published, closed, publicity]).when(startPublicity, at(AFTER_PUBLICITY)).thenThrows(RuleViolation, 'PUBLICITY_ALREADY_STARTED'));
  it('each application once', () => given([published]).when({ ...startPublicity, applications: [fact('a'), fact('a')] }, at(AFTER_CLOSE)).thenThrows(RuleViolation, 'DUPLICATE_APPLICATION'));
  it('not on a cancelled or missing notice, only by the district', () => {
    given([published, { type: 'NoticeCancelled', data: { ...ref, reason: 'x' } }]).when(startPublicity, at(AFTER_CLOSE)).thenThrows(RuleViolation, 'NOTICE_CANCELLED');
    given([]).when(startPublicity, at(AFTER_CLOSE)).thenThrows(NotFound);
    given([published]).when(startPublicity, at(AFTER_CLOSE, actors.futian)).thenThrows(Forbidden);
  });
});

describe('DecideAllocation', () => {
  const history = [published, closed, publicity];
  it('ranking: qualified applicants by score, whole requests within the offered area', () => {
    given(history)
      .when(decide(), at(AFTER_PUBLICITY))
      .then([
        {
          type: 'AllocationDecided',
          data: {
            ...ref,
            projectId: 'p-1',
            method: 'ranking',
            algorithm: ALLOCATION_ALGORITHM,
            offeredArea: 3_000,
            inputs: [
              { applicationId: 'b', requestedArea: 1_000, score: 90, submittedPosition: 1 },
              { applicationId: 'd', requestedArea: 2_500, score: 80, submittedPosition: 2 },
              { applicationId: 'a', requestedArea: 1_000, score: 70, submittedPosition: 3 },
            ],
            order: ['b', 'd', 'a'],
            allocations: [
              { applicationId: 'b', area: 1_000, rank: 1 },
              { applicationId: 'a', area: 1_000, rank: 3 },
            ],
            allocatedArea: 2_000,
          },
        },
      ]);
  });
  it('leaves out a qualified application whose enterprise a sanction has barred since, and names it', () => {
    given(history)
      .when(decide({ barred: ['b', 'c'] }), at(AFTER_PUBLICITY))
      .thenMatches(([e]) => {
        const data = e!.data as { inputs: { applicationId: string }[]; order: string[]; allocations: { applicationId: string }[]; barred?: string[] };
        expect(data.inputs.map((i) => i.applicationId)).toEqual(['d', 'a']);
        expect(data.order).toEqual(['d', 'a']);
        expect(data.allocations.map((a) => a.applicationId)).toEqual(['d']);
        expect(data.barred).toEqual(['b']); // c is not qualified: nothing to leave out
      });
  });
  const committed = [publishedCommitted, closed, publicity];
  it('lottery: the committed seed mixed with the candidate list; the recorded inputs re-derive the same allocation', () => {
    // The candidates (qualified, in submission order): b (1), d (2), a (3).
    const candidatesSha256 = sha256(JSON.stringify(['b', 'd', 'a']));
    const effectiveSeed = `${SEED}:${candidatesSha256}`;
    given(committed)
      .when(decide({ method: 'lottery', seed: SEED }), at(AFTER_PUBLICITY))
      .thenMatches(([e]) => {
        if (e?.type !== 'AllocationDecided') throw new Error('expected an allocation');
        expect(e.data).toMatchObject({ seed: SEED, lotterySeedSha256: COMMITMENT, candidatesSha256, effectiveSeed, algorithm: ALLOCATION_ALGORITHM });
        const again = allocate(e.data.method, e.data.inputs, e.data.offeredArea, e.data.effectiveSeed);
        expect(again.allocations).toEqual(e.data.allocations);
        expect(again.order).toEqual(e.data.order);
        // The draw runs on the effective seed, not on the revealed seed alone.
        expect(e.data.order).toEqual(allocate('lottery', e.data.inputs, 3_000, effectiveSeed).order);
      });
  });
  it('lottery: the effective seed follows the candidate list, so a different list is a different draw', () => {
    const reversed = listed.map((f) => (f.applicationId === 'b' ? { ...f, qualified: false, reasons: ['异议成立'] } : f));
    given(committed)
      .when(decide({ method: 'lottery', seed: SEED, applications: reversed }), at(AFTER_PUBLICITY))
      .thenMatches(([e]) => {
        const expected = sha256(JSON.stringify(['d', 'a']));
        expect(e?.data).toMatchObject({ candidatesSha256: expected, effectiveSeed: `${SEED}:${expected}` });
      });
  });
  it('lottery: only on a notice that committed to its seed when published', () => {
    given(history).when(decide({ method: 'lottery', seed: SEED }), at(AFTER_PUBLICITY)).thenThrows(RuleViolation, 'SEED_NOT_COMMITTED');
    given(history).when(decide({ method: 'lottery' }), at(AFTER_PUBLICITY)).thenThrows(RuleViolation, 'SEED_NOT_COMMITTED');
  });
  it('lottery: only with the seed that hashes to the commitment', () => {
    given(committed).when(decide({ method: 'lottery', seed: 'another seed' }), at(AFTER_PUBLICITY)).thenThrows(RuleViolation, 'SEED_MISMATCH');
    given(committed).when(decide({ method: 'lottery', seed: `${SEED} ` }), at(AFTER_PUBLICITY)).thenThrows(RuleViolation, 'SEED_MISMATCH');
    given(committed).when(decide({ method: 'lottery', seed: COMMITMENT }), at(AFTER_PUBLICITY)).thenThrows(RuleViolation, 'SEED_MISMATCH');
  });
  it('a commitment does not oblige a lottery: other methods ignore it', () => {
    given(committed)
      .when(decide({ method: 'ranking' }), at(AFTER_PUBLICITY))
      .thenMatches(([e]) => {
        expect(e?.data).toMatchObject({ order: ['b', 'd', 'a'] });
        for (const key of ['seed', 'lotterySeedSha256', 'candidatesSha256', 'effectiveSeed']) expect(e?.data).not.toHaveProperty(key);
      });
  });
  it('first come: by submission position; a seed is not recorded when irrelevant', () => {
    given(history)
      .when(decide({ method: 'first_come', seed: 'ignored' }), at(AFTER_PUBLICITY))
      .thenMatches(([e]) => {
        expect(e?.data).toMatchObject({ order: ['b', 'd', 'a'], allocations: [{ applicationId: 'b', rank: 1 }, { applicationId: 'a', rank: 3 }] });
        expect(e?.data).not.toHaveProperty('seed');
        expect(e?.data).not.toHaveProperty('effectiveSeed');
      });
  });
  it('never more than offered', () => {
    const big = listed.map((f) => ({ ...f, requestedArea: 2_000 }));
    given(history).when(decide({ applications: big }), at(AFTER_PUBLICITY)).thenMatches(([e]) => expect(e?.data).toMatchObject({ allocatedArea: 2_000 }));
  });
  it('not before publicity, not while it runs', () => {
    given([published, closed]).when(decide(), at(AFTER_PUBLICITY)).thenThrows(RuleViolation, 'PUBLICITY_NOT_STARTED');
    given(history).when(decide(), at(PUBLICITY_END)).thenThrows(RuleViolation, 'PUBLICITY_NOT_OVER');
  });
  it('not with an objection unresolved or an upheld objection not yet answered by a new review', () => {
    given(history).when(decide({ applications: [...listed.slice(1), { ...listed[0]!, openObjections: 1 }] }), at(AFTER_PUBLICITY)).thenThrows(RuleViolation, 'OBJECTIONS_UNRESOLVED');
    given(history).when(decide({ applications: [...listed.slice(1), { ...listed[0]!, awaitingReview: true }] }), at(AFTER_PUBLICITY)).thenThrows(RuleViolation, 'REVIEW_PENDING');
  });
  it('the facts must be exactly the publicity list', () => {
    given(history).when(decide({ applications: [...listed, fact('z')] }), at(AFTER_PUBLICITY)).thenThrows(RuleViolation, 'APPLICATION_NOT_IN_PUBLICITY');
    given(history).when(decide({ applications: listed.slice(1) }), at(AFTER_PUBLICITY)).thenThrows(RuleViolation, 'APPLICATION_FACTS_MISSING');
    given(history).when(decide({ applications: [...listed, listed[0]!] }), at(AFTER_PUBLICITY)).thenThrows(RuleViolation, 'DUPLICATE_APPLICATION');
  });
  it('a re-review after an upheld objection counts: only qualified applicants get area', () => {
    const reversed = listed.map((f) => (f.applicationId === 'b' ? { ...f, qualified: false, reasons: ['异议成立'] } : f));
    given(history).when(decide({ applications: reversed }), at(AFTER_PUBLICITY)).thenMatches(([e]) => expect(e?.data).toMatchObject({ order: ['d', 'a'] }));
  });
  it('ranking needs every score, a lottery a seed, and the method must be known', () => {
    given(history).when(decide({ applications: listed.map((f) => ({ ...f, score: undefined })) }), at(AFTER_PUBLICITY)).thenThrows(RuleViolation, 'SCORE_REQUIRED');
    given(committed).when(decide({ method: 'lottery' }), at(AFTER_PUBLICITY)).thenThrows(RuleViolation, 'SEED_REQUIRED');
    given(committed).when(decide({ method: 'lottery', seed: '  ' }), at(AFTER_PUBLICITY)).thenThrows(RuleViolation, 'SEED_REQUIRED');
    given(history).when(decide({ method: 'auction' as never }), at(AFTER_PUBLICITY)).thenThrows(RuleViolation, 'ALLOCATION_METHOD_INVALID');
  });
  it('once', () => given([...history, allocated]).when(decide(), at(AFTER_PUBLICITY)).thenThrows(RuleViolation, 'ALLOCATION_ALREADY_DECIDED'));
  it('only by the district, not on a cancelled notice', () => {
    given(history).when(decide(), at(AFTER_PUBLICITY, actors.futian)).thenThrows(Forbidden);
    given([...history, { type: 'NoticeCancelled', data: { ...ref, reason: 'x' } }]).when(decide(), at(AFTER_PUBLICITY)).thenThrows(RuleViolation, 'NOTICE_CANCELLED');
  });
});

describe('PublishResult', () => {
  const result: NoticeCommand = { type: 'PublishResult' };
  it('publishes the allocation', () => {
    given([published, closed, publicity, allocated])
      .when(result, at(AFTER_PUBLICITY))
      .then([{ type: 'ResultPublished', data: { ...ref, projectId: 'p-1', supplyMode: 'rent', allocations: rankedAllocations, publishedAt: AFTER_PUBLICITY } }]);
  });
  it('only after the allocation', () => given([published, closed, publicity]).when(result, at(AFTER_PUBLICITY)).thenThrows(RuleViolation, 'ALLOCATION_NOT_DECIDED'));
  it('once', () => given([published, closed, publicity, allocated, resulted]).when(result, at(AFTER_PUBLICITY)).thenThrows(RuleViolation, 'RESULT_ALREADY_PUBLISHED'));
  it('only by the district', () => given([published, closed, publicity, allocated]).when(result, at(AFTER_PUBLICITY, actors.enterprise)).thenThrows(Forbidden));
});

describe('the project named on the notice', () => {
  const named = { ...publish, project: { ...project, name: '南山智园' } } as NoticeCommand;
  const publishedNamed: NoticeEvent = { type: 'NoticePublished', data: { ...ref, projectId: 'p-1', projectName: '南山智园', supplyMode: 'rent', ...terms, publicityWorkingDays: 5 } };
  it('NoticePublished carries the project’s name from the snapshot', () => given([]).when(named, at(BEFORE)).then([publishedNamed]));
  it('the publicity and the result carry it on', () => {
    given([publishedNamed, closed]).when(startPublicity, at(AFTER_CLOSE)).thenMatches((es) => expect(es[0]!.data).toMatchObject({ projectId: 'p-1', projectName: '南山智园' }));
    given([publishedNamed, closed, publicity, allocated])
      .when({ type: 'PublishResult' }, at(AFTER_PUBLICITY))
      .then([{ type: 'ResultPublished', data: { ...ref, projectId: 'p-1', projectName: '南山智园', supplyMode: 'rent', allocations: rankedAllocations, publishedAt: AFTER_PUBLICITY } }]);
  });
  it('a notice published before the name was carried goes on without it', () =>
    given([published, closed, publicity, allocated]).when({ type: 'PublishResult' }, at(AFTER_PUBLICITY)).thenMatches((es) => expect(es[0]!.data).not.toHaveProperty('projectName')));
});

describe('snapshots for other deciders', () => {
  it('noticeSnapshot gives the application decider what it needs', () => {
    const fold = (events: NoticeEvent[]) => noticeSnapshot(events.reduce(noticeDecider.evolve, noticeDecider.initialState));
    expect(fold([])).toBeUndefined();
    expect(fold([published])).toEqual({
      noticeId: 'n-1',
      status: 'published',
      district: 'nanshan',
      supplyMode: 'rent',
      opensAt: terms.opensAt,
      closesAt: terms.closesAt,
      offeredArea: 3_000,
      allocated: false,
      resultPublished: false,
      allocations: [],
      projectId: 'p-1',
    });
    expect(fold([published, closed, publicity, allocated, resulted])).toMatchObject({
      status: 'closed',
      publicity: { startsAt: AFTER_CLOSE, endsAt: PUBLICITY_END, applicationIds: ['a', 'b', 'c', 'd'] },
      allocated: true,
      resultPublished: true,
      resultPublishedAt: AFTER_PUBLICITY,
      allocations: [{ applicationId: 'b', area: 1_000 }, { applicationId: 'a', area: 1_000 }],
    });
    expect(fold([published, { type: 'NoticeCancelled', data: { ...ref, reason: 'x' } }])?.status).toBe('cancelled');
  });
  it('projectSnapshot reads a project’s state', () => {
    expect(projectSnapshot(initialProjectState)).toBeUndefined();
    const state = evolveProject(initialProjectState, {
      type: 'ProjectRegistered',
      data: { projectId: 'p-1', name: '南山智园', district: 'nanshan', address: '学苑大道', useType: 'rnd', supplyModes: ['rent'], totalArea: 20_000, availableArea: 5_000, units: [{ unitId: 'u-1', building: 'A', floor: '1', number: '101', area: 100 }, { unitId: 'u-2', building: 'A', floor: '1', number: '102', area: 100 }] },
    });
    expect(projectSnapshot(evolveProject(state, { type: 'ProjectPublished', data: { projectId: 'p-1', district: 'nanshan', useType: 'rnd', supplyModes: ['rent'], totalArea: 20_000 } }))).toEqual({ ...project, name: '南山智园', useType: 'rnd', unitAreas: { 'u-1': 100, 'u-2': 100 } });
  });
});

describe('the space each event moves (ledger.ts SpaceDelta, for statistics and the project documents)', () => {
  const classed = { ...project, useType: 'rnd' };
  const where = { projectId: 'p-1', district: 'nanshan', useType: 'rnd', supplyModes: [...project.supplyModes] };
  const publishedClassed: NoticeEvent = { ...published, data: { ...published.data, spaceClass: { useType: 'rnd', supplyModes: [...project.supplyModes] } } } as NoticeEvent;
  it('publication offers the area; an amendment moves the difference; a cancellation returns it', () => {
    given([]).when({ ...publish, project: classed } as NoticeCommand, at(BEFORE)).thenMatches(([e]) => expect((e!.data as { space?: unknown }).space).toEqual({ ...where, centi: { offered: terms.area * 100 } }));
    given([publishedClassed])
      .when({ type: 'AmendNotice', changes: { area: terms.area - 100 }, reason: '缩减', project: classed }, at(BEFORE))
      .thenMatches(([e]) => expect((e!.data as { space?: unknown }).space).toEqual({ ...where, centi: { offered: -100 * 100 } }));
    given([publishedClassed]).when({ type: 'CancelNotice', reason: '项目调整' }, at(DURING)).thenMatches(([e]) => expect((e!.data as { space?: unknown }).space).toEqual({ ...where, centi: { offered: -terms.area * 100 } }));
  });
  it('a notice recorded before the ledger carried the class moves nothing', () => {
    given([published]).when({ type: 'CancelNotice', reason: '项目调整' }, at(DURING)).thenMatches(([e]) => expect('space' in (e!.data as object)).toBe(false));
  });
});

describe('the per-enterprise cap (maxAreaPerEnterprise)', () => {
  const capped = (cap: number): NoticeEvent => ({ ...published, data: { ...published.data, maxAreaPerEnterprise: cap } }) as NoticeEvent;
  it('is a term: positive, at most the offered area', () => {
    given([]).when({ ...publish, maxAreaPerEnterprise: 1_500 } as NoticeCommand, at(BEFORE)).thenMatches(([e]) => expect(e!.data).toMatchObject({ maxAreaPerEnterprise: 1_500 }));
    given([]).when({ ...publish, maxAreaPerEnterprise: terms.area + 1 } as NoticeCommand, at(BEFORE)).thenThrows(RuleViolation, 'ENTERPRISE_CAP_INVALID');
    given([]).when({ ...publish, maxAreaPerEnterprise: 0 } as NoticeCommand, at(BEFORE)).thenThrows(RuleViolation, 'ENTERPRISE_CAP_INVALID');
  });
  it('per-notice deadlines are whole working days, 1 to 60 (DEADLINE_DAYS_INVALID)', () => {
    given([]).when({ ...publish, reviewWorkingDays: 0 } as NoticeCommand, at(BEFORE)).thenThrows(RuleViolation, 'DEADLINE_DAYS_INVALID');
    given([]).when({ ...publish, signingWorkingDays: 2.5 } as NoticeCommand, at(BEFORE)).thenThrows(RuleViolation, 'DEADLINE_DAYS_INVALID');
    given([])
      .when({ ...publish, reviewWorkingDays: 7, correctionWorkingDays: 3, objectionWorkingDays: 4, signingWorkingDays: 20 } as NoticeCommand, at(BEFORE))
      .thenMatches(([e]) => expect(e!.data).toMatchObject({ reviewWorkingDays: 7, correctionWorkingDays: 3, objectionWorkingDays: 4, signingWorkingDays: 20 }));
  });
  it('the allocation refuses an application over the cap (one recorded before the cap)', () => {
    given([capped(2_000), closed, publicity]).when(decide(), at(AFTER_PUBLICITY)).thenThrows(RuleViolation, 'AREA_EXCEEDS_ENTERPRISE_CAP');
    given([capped(2_500), closed, publicity]).when(decide(), at(AFTER_PUBLICITY)).thenMatches(([e]) => expect(e!.type).toBe('AllocationDecided'));
  });
});
