import { describe, expect, it } from 'vitest';
import {
  type AccountabilityCommand,
  type AccountabilityEvent,
  type Holding,
  accountabilityDecider,
  accountabilityStream,
  activeApplicationBans,
  sanctionsOf,
} from '../../src/domain/accountability.js';
import { applicationDecider } from '../../src/domain/application.js';
import { type Actor, Forbidden, NotFound, RuleViolation } from '../../src/domain/shared.js';
import { actors, spec, testContext } from './decider-spec.js';

const given = spec(accountabilityDecider);
const NOW = '2026-03-02T02:00:00.000Z';
const at = (actor: Actor = actors.admin, now = NOW) => testContext(actor, now);
const CC = actors.enterprise.creditCode;

const record: Extract<AccountabilityCommand, { type: 'RecordViolation' }> = {
  type: 'RecordViolation',
  caseId: 'case-1',
  subject: { kind: 'enterprise', id: CC, name: actors.enterprise.name },
  kind: 'false_material',
  description: ' 申报员工人数与社保记录不符 ',
  evidence: ['evt-101', ' evt-102 ', 'evt-101', ''],
  evidenceOnRecord: ['evt-101', 'evt-102'],
};
const recorded: AccountabilityEvent = {
  type: 'ViolationRecorded',
  data: {
    caseId: 'case-1',
    subject: { kind: 'enterprise', id: CC, name: actors.enterprise.name },
    kind: 'false_material',
    description: '申报员工人数与社保记录不符',
    evidence: ['evt-101', 'evt-102'],
    recorder: { id: 'admin-1', name: '市规划国土委' },
  },
};
const ban: AccountabilityCommand = { type: 'ImposeSanction', kind: 'application_ban', until: '2028-03-02T00:00:00+08:00', reason: '提供虚假材料，三年内不得申请' };
const banned: AccountabilityEvent = {
  type: 'SanctionImposed',
  data: {
    caseId: 'case-1',
    sanctionId: 'id-1',
    subject: recorded.data.subject,
    kind: 'application_ban',
    until: '2028-03-01T16:00:00.000Z',
    reason: '提供虚假材料，三年内不得申请',
    imposedBy: { id: 'admin-1', name: '市规划国土委' },
  },
};
const staffCase: AccountabilityEvent = { ...recorded, data: { ...recorded.data, subject: { kind: 'staff', id: 'officer-ns' }, kind: 'information_leak' } } as AccountabilityEvent;

describe('RecordViolation (追责)', () => {
  it('city_admin records a finding with its evidence (deduplicated) and the recorder from the token', () => {
    given([]).when(record, at()).then([recorded]);
    expect(accountabilityStream('case-1')).toBe('accountability-case-1');
  });
  it('only city_admin', () => {
    for (const actor of [actors.nanshan, actors.cityDept, actors.auditor, actors.enterprise]) given([]).when(record, at(actor)).thenThrows(Forbidden);
  });
  it('one violation per case', () => given([recorded]).when(record, at()).thenThrows(RuleViolation, 'VIOLATION_ALREADY_RECORDED'));
  it('an identified subject of a known kind', () => {
    given([]).when({ ...record, subject: { kind: 'enterprise', id: ' ' } }, at()).thenThrows(RuleViolation, 'SUBJECT_REQUIRED');
    given([]).when({ ...record, subject: { kind: 'person' as never, id: 'x' } }, at()).thenThrows(RuleViolation, 'SUBJECT_KIND_INVALID');
  });
  it('a known kind of violation', () => given([]).when({ ...record, kind: 'rudeness' as never }, at()).thenThrows(RuleViolation, 'VIOLATION_KIND_INVALID'));
  it('a description', () => given([]).when({ ...record, description: '' }, at()).thenThrows(RuleViolation, 'DESCRIPTION_REQUIRED'));
  it('evidence as event ids', () => {
    given([]).when({ ...record, evidence: [] }, at()).thenThrows(RuleViolation, 'EVIDENCE_REQUIRED');
    given([]).when({ ...record, evidence: [' '] }, at()).thenThrows(RuleViolation, 'EVIDENCE_REQUIRED');
  });
  it('evidence that is on record: an id the log does not hold is refused, naming it', () => {
    let caught: unknown;
    try {
      accountabilityDecider.decide({ ...record, evidenceOnRecord: ['evt-102', 'evt-999'] }, accountabilityDecider.initialState, at());
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(RuleViolation);
    expect(caught).toMatchObject({ code: 'EVIDENCE_NOT_FOUND', details: { missing: ['evt-101'] } });
    expect((caught as Error).message).toContain('evt-101');
    given([]).when({ ...record, evidenceOnRecord: [] }, at()).thenThrows(RuleViolation, 'EVIDENCE_NOT_FOUND');
  });
});

describe('ImposeSanction', () => {
  it('bars an enterprise from applying until a date', () => given([recorded]).when(ban, at()).then([banned]));
  it('other sanctions need no end date, and may fall on any subject', () => {
    given([staffCase])
      .when({ type: 'ImposeSanction', kind: 'disciplinary_referral', reason: '移送区纪委监委' }, at())
      .thenMatches(([e]) => {
        expect(e?.data).toMatchObject({ kind: 'disciplinary_referral', subject: { kind: 'staff', id: 'officer-ns' } });
        expect(e?.data).not.toHaveProperty('until');
      });
  });
  it('only after a violation in the same case', () => given([]).when(ban, at()).thenThrows(NotFound));
  it('only city_admin', () => given([recorded]).when(ban, at(actors.nanshan)).thenThrows(Forbidden));
  it('a ban is for enterprises, and has an end in the future', () => {
    given([staffCase]).when(ban, at()).thenThrows(RuleViolation, 'SANCTION_SUBJECT_MISMATCH');
    given([recorded]).when({ type: 'ImposeSanction', kind: 'application_ban', reason: 'r' }, at()).thenThrows(RuleViolation, 'SANCTION_UNTIL_REQUIRED');
    given([recorded]).when({ ...ban, until: NOW } as AccountabilityCommand, at()).thenThrows(RuleViolation, 'SANCTION_UNTIL_IN_PAST');
    given([recorded]).when({ type: 'ImposeSanction', kind: 'public_criticism', until: '2020-01-01', reason: 'r' }, at()).thenThrows(RuleViolation, 'SANCTION_UNTIL_IN_PAST');
    given([recorded]).when({ ...ban, until: 'forever' } as AccountabilityCommand, at()).thenThrows(RuleViolation, 'INVALID_TIME');
  });
  it('a known kind, with a reason', () => {
    given([recorded]).when({ type: 'ImposeSanction', kind: 'fine' as never, reason: 'r' }, at()).thenThrows(RuleViolation, 'SANCTION_KIND_INVALID');
    given([recorded]).when({ ...ban, reason: ' ' } as AccountabilityCommand, at()).thenThrows(RuleViolation, 'REASON_REQUIRED');
  });
  it('several sanctions may follow one violation', () => {
    const state = [recorded, banned, { ...banned, data: { ...banned.data, sanctionId: 'id-2', kind: 'public_criticism' } } as AccountabilityEvent].reduce(
      accountabilityDecider.evolve,
      accountabilityDecider.initialState,
    );
    expect(state.status === 'recorded' && state.sanctions.map((s) => s.sanctionId)).toEqual(['id-1', 'id-2']);
  });
});

describe('enforcement: active bans feed SubmitApplication', () => {
  const sanctions = sanctionsOf([recorded, banned, staffCase]);
  it('sanctionsOf collects the sanctions of any events', () => expect(sanctions.map((s) => s.sanctionId)).toEqual(['id-1']));
  it('a ban is active for its enterprise until its end', () => {
    expect(activeApplicationBans(sanctions, CC.toLowerCase(), NOW)).toEqual([{ until: '2028-03-01T16:00:00.000Z', reason: '提供虚假材料，三年内不得申请' }]);
    expect(activeApplicationBans(sanctions, CC, '2028-03-01T16:00:00.000Z')).toEqual([]);
    expect(activeApplicationBans(sanctions, actors.enterprise2.creditCode, NOW)).toEqual([]);
    expect(activeApplicationBans([{ ...sanctions[0]!, kind: 'public_criticism' }], CC, NOW)).toEqual([]);
  });
  it('a barred enterprise’s application is refused', () => {
    const notice = {
      noticeId: 'n-1',
      status: 'published' as const,
      district: 'nanshan' as const,
      supplyMode: 'rent' as const,
      opensAt: '2026-03-01T00:00:00.000Z',
      closesAt: '2026-03-10T00:00:00.000Z',
      offeredArea: 3_000,
      allocated: false,
      resultPublished: false,
      allocations: [],
    };
    spec(applicationDecider)([])
      .when(
        {
          type: 'SubmitApplication',
          applicationId: 'n-1.X',
          notice,
          sanctions: activeApplicationBans(sanctions, CC, NOW),
          enterpriseName: '深圳市创新科技有限公司',
          requestedArea: 100,
          declared: { industry: '软件', employees: 10, annualRevenue: 1, rndShare: 0.1 },
          documents: [{ name: 'a.pdf', sha256: '0'.repeat(64) }],
        },
        at(actors.enterprise),
      )
      .thenThrows(RuleViolation, 'ENTERPRISE_BARRED');
  });
});

describe('revocation (撤销): a finding of false material takes back what the application holds', () => {
  const revoke = (holding?: Holding): AccountabilityCommand => ({ type: 'ImposeSanction', kind: 'revocation', reason: '以虚假材料取得配租资格', applicationId: 'n-1.X', ...(holding ? { holding } : {}) });
  const allocation: Holding = { kind: 'allocation', applicationId: 'n-1.X', creditCode: CC.toLowerCase(), noticeId: 'n-1', area: 300 };
  const tenancy: Holding = { kind: 'tenancy', applicationId: 'n-1.X', creditCode: CC, tenancyId: 'x-9', area: 300 };
  it('records what it revokes: a live allocation, or an active tenancy (its 换租 successor included)', () => {
    given([recorded])
      .when(revoke(allocation), at())
      .thenMatches(([e]) => expect(e?.data).toMatchObject({ kind: 'revocation', revokes: { what: 'allocation', applicationId: 'n-1.X', noticeId: 'n-1', area: 300 } }));
    given([recorded])
      .when(revoke(tenancy), at())
      .thenMatches(([e]) => {
        expect(e?.data).toMatchObject({ kind: 'revocation', revokes: { what: 'tenancy', applicationId: 'n-1.X', tenancyId: 'x-9', area: 300 } });
        expect(e?.data).not.toHaveProperty('until');
      });
  });
  it('only on a finding of false material against the enterprise whose application it is', () => {
    const breach = { ...recorded, data: { ...recorded.data, kind: 'procedure_breach' } } as AccountabilityEvent;
    given([breach]).when(revoke(allocation), at()).thenThrows(RuleViolation, 'REVOCATION_NEEDS_FALSE_MATERIAL');
    const staff = { ...recorded, data: { ...recorded.data, subject: { kind: 'staff', id: 'officer-ns' } } } as AccountabilityEvent;
    given([staff]).when(revoke(allocation), at()).thenThrows(RuleViolation, 'SANCTION_SUBJECT_MISMATCH');
    given([recorded]).when({ ...revoke(allocation), holding: { ...allocation, creditCode: actors.enterprise2.creditCode } } as AccountabilityCommand, at()).thenThrows(RuleViolation, 'APPLICATION_NOT_OF_SUBJECT');
  });
  it('names an application that holds something, and has no end date', () => {
    given([recorded]).when({ type: 'ImposeSanction', kind: 'revocation', reason: 'r' }, at()).thenThrows(RuleViolation, 'APPLICATION_REQUIRED');
    given([recorded]).when(revoke(), at()).thenThrows(NotFound);
    given([recorded]).when(revoke({ kind: 'none', applicationId: 'n-1.X', creditCode: CC }), at()).thenThrows(RuleViolation, 'NOTHING_TO_REVOKE');
    given([recorded]).when(revoke({ kind: 'sale', applicationId: 'n-1.X', creditCode: CC }), at()).thenThrows(RuleViolation, 'NOTHING_TO_REVOKE');
    given([recorded]).when({ ...revoke(allocation), until: '2030-01-01T00:00:00Z' } as AccountabilityCommand, at()).thenThrows(RuleViolation, 'SANCTION_UNTIL_NOT_APPLICABLE');
  });
});

describe('DecideAppeal (申诉)', () => {
  const LATER = '2027-01-04T02:00:00.000Z';
  const lift: AccountabilityCommand = { type: 'DecideAppeal', sanctionId: 'id-1', decision: 'lift', reasons: [' 经复核，材料瑕疵系笔误 ', ''] };
  const shorten: AccountabilityCommand = { type: 'DecideAppeal', sanctionId: 'id-1', decision: 'shorten', until: '2027-03-02T00:00:00+08:00', reasons: ['情节较轻'] };
  const lifted: AccountabilityEvent = {
    type: 'SanctionAppealDecided',
    data: { caseId: 'case-1', sanctionId: 'id-1', appealId: 'id-1', decision: 'lift', reasons: ['经复核，材料瑕疵系笔误'], decidedAt: NOW, decidedBy: { id: 'admin-1', name: '市规划国土委' } },
  };
  const shortened: AccountabilityEvent = {
    type: 'SanctionAppealDecided',
    data: { ...lifted.data, decision: 'shorten', until: '2027-03-01T16:00:00.000Z', previousUntil: '2028-03-01T16:00:00.000Z', reasons: ['情节较轻'] },
  };
  it('lifts a sanction, with reasons, by city_admin', () => {
    given([recorded, banned]).when(lift, at()).then([lifted]);
    given([recorded, banned]).when(lift, at(actors.enterprise)).thenThrows(Forbidden);
  });
  it('shortens a ban to an earlier end in the future', () => {
    given([recorded, banned]).when(shorten, at()).then([shortened]);
    given([recorded, banned]).when({ ...shorten, until: '2029-01-01T00:00:00Z' } as AccountabilityCommand, at()).thenThrows(RuleViolation, 'SHORTEN_NOT_EARLIER');
    given([recorded, banned]).when({ ...shorten, until: '2026-01-01T00:00:00Z' } as AccountabilityCommand, at()).thenThrows(RuleViolation, 'SANCTION_UNTIL_IN_PAST');
    given([recorded, banned]).when({ type: 'DecideAppeal', sanctionId: 'id-1', decision: 'shorten', reasons: ['r'] }, at()).thenThrows(RuleViolation, 'SANCTION_UNTIL_REQUIRED');
    const criticism = { ...banned, data: { ...banned.data, kind: 'public_criticism', until: undefined } } as AccountabilityEvent;
    given([recorded, criticism]).when(shorten, at()).thenThrows(RuleViolation, 'SANCTION_HAS_NO_END');
  });
  it('upholds a sanction, changing nothing', () => {
    given([recorded, banned])
      .when({ type: 'DecideAppeal', sanctionId: 'id-1', decision: 'uphold', reasons: ['维持'] }, at())
      .thenMatches(([e]) => expect(e?.data).toMatchObject({ decision: 'uphold', reasons: ['维持'] }));
    const state = [recorded, banned, { ...lifted, data: { ...lifted.data, decision: 'uphold' } } as AccountabilityEvent].reduce(accountabilityDecider.evolve, accountabilityDecider.initialState);
    expect(state.status === 'recorded' && state.sanctions[0]).toMatchObject({ until: '2028-03-01T16:00:00.000Z' });
    expect(state.status === 'recorded' && state.sanctions[0]).not.toHaveProperty('liftedAt');
  });
  it('needs reasons, a known decision and a sanction of the case still in force', () => {
    given([recorded, banned]).when({ ...lift, reasons: [' '] } as AccountabilityCommand, at()).thenThrows(RuleViolation, 'REASONS_REQUIRED');
    given([recorded, banned]).when({ ...lift, decision: 'pardon' } as never, at()).thenThrows(RuleViolation, 'APPEAL_DECISION_INVALID');
    given([recorded, banned]).when({ ...lift, sanctionId: 'id-9' } as AccountabilityCommand, at()).thenThrows(NotFound);
    given([]).when(lift, at()).thenThrows(NotFound);
    given([recorded, banned, lifted]).when(lift, at()).thenThrows(RuleViolation, 'SANCTION_NOT_IN_FORCE');
    given([recorded, banned]).when(lift, at(actors.admin, '2028-03-02T00:00:00.000Z')).thenThrows(RuleViolation, 'SANCTION_NOT_IN_FORCE');
  });
  it('a revocation is carried out: it can be upheld, not lifted or shortened', () => {
    const revoked = { ...banned, data: { ...banned.data, kind: 'revocation', until: undefined, revokes: { what: 'allocation', applicationId: 'n-1.X', noticeId: 'n-1', area: 300 } } } as AccountabilityEvent;
    given([recorded, revoked]).when(lift, at()).thenThrows(RuleViolation, 'REVOCATION_CARRIED_OUT');
    given([recorded, revoked]).when({ type: 'DecideAppeal', sanctionId: 'id-1', decision: 'uphold', reasons: ['维持'] }, at()).thenMatches((events) => expect(events).toHaveLength(1));
  });
  it('a lifted ban no longer bars, a shortened one bars until its new end', () => {
    expect(activeApplicationBans(sanctionsOf([recorded, banned, lifted]), CC, LATER)).toEqual([]);
    const short = sanctionsOf([recorded, banned, shortened]);
    expect(activeApplicationBans(short, CC, LATER)).toEqual([{ until: '2027-03-01T16:00:00.000Z', reason: '提供虚假材料，三年内不得申请' }]);
    expect(activeApplicationBans(short, CC, '2027-03-01T16:00:00.000Z')).toEqual([]);
    const state = [recorded, banned, shortened].reduce(accountabilityDecider.evolve, accountabilityDecider.initialState);
    expect(state.status === 'recorded' && state.sanctions[0]?.until).toBe('2027-03-01T16:00:00.000Z');
  });
});
