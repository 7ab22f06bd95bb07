import { describe, expect, it } from 'vitest';
import { type ExchangeCommand, type ExchangeEvent, type Tenancy, exchangeDecider, exchangeStream } from '../../src/domain/exchange.js';
import { type Actor, DEFAULT_DUTIES, Duplicate, Forbidden, NotFound, RuleViolation } from '../../src/domain/shared.js';
import { actors, spec, testContext } from './decider-spec.js';

const given = spec(exchangeDecider);
const NOW = '2026-03-02T02:00:00.000Z';
const at = (actor: Actor) => testContext(actor, NOW);

const tenancy: Tenancy = { applicationId: 'app-1', projectId: 'p-1', district: 'nanshan', area: 1_000, creditCode: actors.enterprise.creditCode, status: 'active', endsOn: '2029-02-28T16:00:00.000Z' };
/** DUTIES_CITY_ADMIN_DECIDES=true. */
const adminDecides = (actor: Actor) => ({ ...at(actor), duties: { ...DEFAULT_DUTIES, cityAdminDecidesInDistricts: true } });
const request: Extract<ExchangeCommand, { type: 'RequestExchange' }> = {
  type: 'RequestExchange',
  exchangeId: 'x-1',
  tenancy,
  openExchanges: [],
  wantedProject: { projectId: 'p-2', status: 'published' },
  wanted: { projectId: 'p-2', area: 1_500 },
  reason: ' 业务扩张，需要更大面积 ',
};
const ref = { exchangeId: 'x-1', district: 'nanshan' as const };
const current = { applicationId: 'app-1', projectId: 'p-1', area: 1_000 };
const requested: ExchangeEvent = {
  type: 'ExchangeRequested',
  data: { ...ref, creditCode: actors.enterprise.creditCode, enterpriseName: actors.enterprise.name, current, wanted: { projectId: 'p-2', area: 1_500 }, reason: '业务扩张，需要更大面积' },
};
const reviewCmd: ExchangeCommand = { type: 'ReviewExchange', approved: true, reason: '符合换租条件' };
const reviewed: ExchangeEvent = { type: 'ExchangeReviewed', data: { ...ref, approved: true, reason: '符合换租条件', reviewer: { id: 'officer-ns', name: '南山区住房建设局' } } };
const publishCmd: ExchangeCommand = { type: 'PublishExchangeResult' };
const published: ExchangeEvent = {
  type: 'ExchangeResultPublished',
  data: { ...ref, creditCode: actors.enterprise.creditCode, enterpriseName: actors.enterprise.name, approved: true, current, wanted: { projectId: 'p-2', area: 1_500 }, publishedAt: NOW },
};

describe('RequestExchange (换租申请)', () => {
  it('a current tenant asks to move, in its tenancy’s district', () => {
    given([]).when(request, at(actors.enterprise)).then([requested]);
    expect(exchangeStream('x-1')).toBe('exchange-x-1');
  });
  it('a wanted unit may be named', () => {
    given([]).when({ ...request, wanted: { unitId: 'u-7', area: 800 } }, at(actors.enterprise)).thenMatches(([e]) => expect(e?.data).toMatchObject({ wanted: { unitId: 'u-7', area: 800 } }));
  });
  it('only an enterprise', () => {
    given([]).when(request, at(actors.nanshan)).thenThrows(Forbidden);
    given([]).when(request, at({ id: 'e', role: 'enterprise' })).thenThrows(Forbidden);
  });
  it('only a current tenant, for its own lease', () => {
    given([]).when({ ...request, tenancy: undefined }, at(actors.enterprise)).thenThrows(RuleViolation, 'NOT_A_TENANT');
    given([]).when({ ...request, tenancy: null }, at(actors.enterprise)).thenThrows(RuleViolation, 'NOT_A_TENANT');
    given([]).when(request, at(actors.enterprise2)).thenThrows(RuleViolation, 'NOT_A_TENANT');
  });
  it('not from a tenancy that ended: exit, recovery, expiry, or replaced by a 换租 move', () => {
    for (const endedHow of ['exit', 'recovery', 'expiry', 'exchange'] as const) {
      const ended = { ...request, tenancy: { ...tenancy, status: 'ended' as const, endedHow, endedOn: '2026-03-01T02:00:00.000Z' } };
      given([]).when(ended, at(actors.enterprise)).thenThrows(RuleViolation, 'TENANCY_ENDED');
    }
  });
  it('not from a lease whose term is over, even before the scheduler records its expiry', () => {
    given([]).when({ ...request, tenancy: { ...tenancy, endsOn: NOW } }, at(actors.enterprise)).thenThrows(RuleViolation, 'TENANCY_ENDED');
  });
  it('from a tenancy a 换租 move started: the request starts from it (its id is that exchange’s)', () => {
    const successor: Tenancy = { ...tenancy, applicationId: 'x-0', projectId: 'p-2', area: 800 };
    given([])
      .when({ ...request, tenancy: successor }, at(actors.enterprise))
      .thenMatches(([e]) => expect(e?.data).toMatchObject({ current: { applicationId: 'x-0', projectId: 'p-2', area: 800 } }));
  });
  it('a positive wanted area and a reason', () => {
    given([]).when({ ...request, wanted: { area: 0 } }, at(actors.enterprise)).thenThrows(RuleViolation, 'AREA_NOT_POSITIVE');
    given([]).when({ ...request, reason: '' }, at(actors.enterprise)).thenThrows(RuleViolation, 'REASON_REQUIRED');
  });
  it('once per stream', () => given([requested]).when(request, at(actors.enterprise)).thenThrows(Duplicate, 'EXCHANGE_EXISTS'));
  it('at most one open (not yet reviewed) request per lease', () => {
    given([]).when({ ...request, openExchanges: [{ exchangeId: 'x-0', applicationId: 'app-1' }] }, at(actors.enterprise)).thenThrows(RuleViolation, 'EXCHANGE_ALREADY_OPEN');
  });
  it('an open request on another lease of the enterprise does not count', () => {
    given([]).when({ ...request, openExchanges: [{ exchangeId: 'x-0', applicationId: 'app-old' }] }, at(actors.enterprise)).then([requested]);
  });
  it('a wanted project must be a published one', () => {
    for (const status of ['registered', 'withdrawn'] as const) {
      given([]).when({ ...request, wantedProject: { projectId: 'p-2', status } }, at(actors.enterprise)).thenThrows(RuleViolation, 'PROJECT_NOT_PUBLISHED');
    }
    given([]).when({ ...request, wantedProject: undefined }, at(actors.enterprise)).thenThrows(RuleViolation, 'PROJECT_NOT_PUBLISHED');
    given([]).when({ ...request, wantedProject: null }, at(actors.enterprise)).thenThrows(RuleViolation, 'PROJECT_NOT_PUBLISHED');
  });
  it('the project snapshot must be the wanted project’s', () => {
    given([]).when({ ...request, wantedProject: { projectId: 'p-9', status: 'published' } }, at(actors.enterprise)).thenThrows(RuleViolation, 'PROJECT_MISMATCH');
  });
  it('no project snapshot is needed when no project is wanted', () => {
    given([])
      .when({ ...request, wantedProject: undefined, wanted: { area: 900 } }, at(actors.enterprise))
      .thenMatches(([e]) => expect(e?.data).toMatchObject({ wanted: { area: 900 } }));
  });
});

describe('ReviewExchange', () => {
  it('the district officer approves or rejects with a reason', () => {
    given([requested]).when(reviewCmd, at(actors.nanshan)).then([reviewed]);
    given([requested]).when({ type: 'ReviewExchange', approved: false, reason: '无可用房源' }, at(actors.cityDept)).thenMatches(([e]) => expect(e?.data).toMatchObject({ approved: false, reviewer: { id: 'officer-city' } }));
  });
  it('a district decision: city_admin supervises and does not review, unless configured (DUTIES_CITY_ADMIN_DECIDES)', () => {
    given([requested]).when(reviewCmd, at(actors.admin)).thenThrows(Forbidden);
    given([requested]).when({ type: 'ReviewExchange', approved: false, reason: '无可用房源' }, adminDecides(actors.admin)).thenMatches(([e]) => expect(e?.data).toMatchObject({ approved: false, reviewer: { id: 'admin-1' } }));
  });
  it('only the district', () => {
    given([requested]).when(reviewCmd, at(actors.futian)).thenThrows(Forbidden);
    given([requested]).when(reviewCmd, at(actors.enterprise)).thenThrows(Forbidden);
  });
  it('with a reason', () => given([requested]).when({ type: 'ReviewExchange', approved: true, reason: ' ' }, at(actors.nanshan)).thenThrows(RuleViolation, 'REASON_REQUIRED'));
  it('once', () => {
    given([requested, reviewed]).when(reviewCmd, at(actors.nanshan)).thenThrows(RuleViolation, 'EXCHANGE_ALREADY_REVIEWED');
    given([requested, reviewed, published]).when(reviewCmd, at(actors.nanshan)).thenThrows(RuleViolation, 'EXCHANGE_ALREADY_REVIEWED');
  });
  it('not on a request that does not exist', () => given([]).when(reviewCmd, at(actors.nanshan)).thenThrows(NotFound));
});

describe('PublishExchangeResult (换租结果公布)', () => {
  it('publishes the reviewed outcome, approved or rejected', () => {
    given([requested, reviewed]).when(publishCmd, at(actors.nanshan)).then([published]);
    const rejected: ExchangeEvent = { type: 'ExchangeReviewed', data: { ...ref, approved: false, reason: '无可用房源', reviewer: { id: 'officer-ns' } } };
    given([requested, rejected]).when(publishCmd, at(actors.nanshan)).thenMatches(([e]) => expect(e?.data).toMatchObject({ approved: false }));
  });
  it('only after the review, once', () => {
    given([requested]).when(publishCmd, at(actors.nanshan)).thenThrows(RuleViolation, 'EXCHANGE_NOT_REVIEWED');
    given([requested, reviewed, published]).when(publishCmd, at(actors.nanshan)).thenThrows(RuleViolation, 'EXCHANGE_RESULT_ALREADY_PUBLISHED');
  });
  it('only the district', () => given([requested, reviewed]).when(publishCmd, at(actors.futian)).thenThrows(Forbidden));
  it('a district decision: city_admin does not publish it, unless configured (DUTIES_CITY_ADMIN_DECIDES)', () => {
    given([requested, reviewed]).when(publishCmd, at(actors.admin)).thenThrows(Forbidden);
    given([requested, reviewed]).when(publishCmd, adminDecides(actors.admin)).then([published]);
  });
  it('not on a request that does not exist', () => given([]).when(publishCmd, at(actors.nanshan)).thenThrows(NotFound));
});
