import { describe, expect, it } from 'vitest';
import { Forbidden, NotFound, RuleViolation } from '../../src/domain/shared.js';
import { type LeaseFacts, type TenancyCommand, type TenancyEvent, tenancyDecider } from '../../src/domain/tenancy.js';
import { actors, spec, testContext } from './decider-spec.js';

const given = spec(tenancyDecider);
const lease: LeaseFacts = {
  tenancyId: 'n-1.91440300MA5DXXXX1A',
  projectId: 'p-1',
  district: 'nanshan',
  creditCode: actors.enterprise.creditCode,
  noticeId: 'n-1',
  area: 1_000,
  unitIds: [],
  startsOn: '2026-03-01T00:00:00.000Z',
  endsOn: '2029-03-01T00:00:00.000Z',
  monthlyRent: 45_000,
};
const ref = { tenancyId: lease.tenancyId, projectId: 'p-1', district: 'nanshan' as const, creditCode: lease.creditCode };
const policy = { maxRenewals: 1, maxRenewalMonths: 36 };
const DURING = '2028-12-01T02:00:00.000Z';
const AFTER = '2029-03-01T00:00:00.000Z';
const renew = (over: Partial<Extract<TenancyCommand, { type: 'RenewTenancy' }>> = {}): TenancyCommand => ({ type: 'RenewTenancy', lease, endsOn: '2032-03-01T00:00:00.000Z', reason: '经营良好', policy, ...over });
const renewed: TenancyEvent = { type: 'TenancyRenewed', data: { ...ref, previousEndsOn: lease.endsOn, endsOn: '2032-03-01T00:00:00.000Z', monthlyRent: 45_000, renewal: 1, reason: '经营良好' } };
const ending = (how: 'exit' | 'recovery' | 'expiry', endedOn: string, reasons: string[]) => ({ type: 'TenancyEnded' as const, data: { ...ref, how, endedOn, area: 1_000, unitIds: [], reasons } });

describe('TenancyRenewed (续租)', () => {
  it('before the end, by the district, within the limits', () => given([]).when(renew(), testContext(actors.nanshan, DURING)).then([renewed]));
  it('with a new rent', () => given([]).when(renew({ monthlyRent: 48_000 }), testContext(actors.nanshan, DURING)).thenMatches((es) => expect(es[0]!.data).toMatchObject({ monthlyRent: 48_000, renewal: 1 })));
  it('not at or after the end', () => given([]).when(renew(), testContext(actors.nanshan, AFTER)).thenThrows(RuleViolation, 'TENANCY_ALREADY_DUE'));
  it('at most maxRenewals times', () => given([renewed]).when(renew({ endsOn: '2033-03-01T00:00:00.000Z' }), testContext(actors.nanshan, DURING)).thenThrows(RuleViolation, 'RENEWAL_LIMIT_REACHED'));
  it('to a later end, not longer than the policy allows', () => {
    given([]).when(renew({ endsOn: lease.endsOn }), testContext(actors.nanshan, DURING)).thenThrows(RuleViolation, 'RENEWAL_TERM_INVALID');
    given([]).when(renew({ endsOn: '2032-03-02T00:00:00.000Z' }), testContext(actors.nanshan, DURING)).thenThrows(RuleViolation, 'RENEWAL_TOO_LONG');
  });
  it('only the district’s department', () => {
    given([]).when(renew(), testContext(actors.futian, DURING)).thenThrows(Forbidden);
    given([]).when(renew(), testContext(actors.enterprise, DURING)).thenThrows(Forbidden);
  });
});

describe('TenancyEnded', () => {
  it('exit (退出) by the tenant, with a reason', () => {
    given([]).when({ type: 'ExitTenancy', lease, reason: '迁址' }, testContext(actors.enterprise, DURING)).then([ending('exit', DURING, ['迁址'])]);
    given([]).when({ type: 'ExitTenancy', lease, reason: '迁址' }, testContext(actors.enterprise2, DURING)).thenThrows(NotFound); // another enterprise's tenancy is as good as absent
    given([]).when({ type: 'ExitTenancy', lease, reason: ' ' }, testContext(actors.enterprise, DURING)).thenThrows(RuleViolation, 'REASON_REQUIRED');
  });
  it('recovery (收回) by the department, with grounds and reasons', () => {
    given([])
      .when({ type: 'RecoverTenancy', lease, grounds: 'breach', reasons: ['擅自转租'] }, testContext(actors.nanshan, DURING))
      .then([{ type: 'TenancyEnded', data: { ...ending('recovery', DURING, ['擅自转租']).data, grounds: 'breach' } }]);
    given([]).when({ type: 'RecoverTenancy', lease, grounds: 'breach', reasons: [] }, testContext(actors.nanshan, DURING)).thenThrows(RuleViolation, 'REASONS_REQUIRED');
  });
  it('expiry at endsOn (renewals move it), and not before', () => {
    given([]).when({ type: 'ExpireTenancy', lease }, testContext(actors.admin, AFTER)).then([ending('expiry', lease.endsOn, ['租期届满'])]);
    given([]).when({ type: 'ExpireTenancy', lease }, testContext(actors.admin, DURING)).thenThrows(RuleViolation, 'TENANCY_NOT_DUE');
    given([renewed]).when({ type: 'ExpireTenancy', lease }, testContext(actors.admin, AFTER)).thenThrows(RuleViolation, 'TENANCY_NOT_DUE');
  });
  it('once: an ended tenancy takes no command', () => {
    const exited = ending('exit', DURING, ['迁址']);
    given([exited]).when({ type: 'ExpireTenancy', lease }, testContext(actors.admin, AFTER)).thenThrows(RuleViolation, 'TENANCY_ENDED');
    given([exited]).when(renew(), testContext(actors.nanshan, DURING)).thenThrows(RuleViolation, 'TENANCY_ENDED');
  });
});

describe('MoveTenancy (换租)', () => {
  const x = { exchangeId: 'x-1', tenancyId: lease.tenancyId, approved: true, published: true };
  // 10,000 ㎡ on the market; the tenancy holds 1,000 of it; 8,500 are let to others: 500 available.
  const ledger = (held: number) => ({
    totalArea: 10_000,
    marketArea: 10_000,
    unitIds: [],
    holdings: [
      { key: lease.tenancyId, state: 'let' as const, area: 1_000, unitIds: [] },
      { key: 'other', state: 'let' as const, area: held, unitIds: [] },
    ],
  });
  const wanted = (area: number, held = 8_500) => ({ tenancyId: 'x-1', projectId: 'p-1', district: 'nanshan' as const, spaceClass: { useType: 'rnd', supplyModes: ['rent'] }, area, unitIds: [], ledger: ledger(held) });
  const move = (over: Partial<Extract<TenancyCommand, { type: 'MoveTenancy' }>> = {}): TenancyCommand => ({ type: 'MoveTenancy', lease, exchange: x, wanted: wanted(1_500), ...over });
  it('one event ends the old tenancy and starts the new one on available space (its own space counts as freed)', () => {
    given([])
      .when(move(), testContext(actors.nanshan, DURING))
      .thenMatches(([e, ...rest]) => {
        expect(rest).toEqual([]);
        expect(e).toMatchObject({ type: 'TenancyEnded', data: { how: 'exchange', exchangeId: 'x-1', successor: { tenancyId: 'x-1', area: 1_500, startsOn: DURING, endsOn: lease.endsOn, monthlyRent: lease.monthlyRent } } });
        expect((e!.data as { spaceIn?: { centi: object } }).spaceIn?.centi).toEqual({ let: 150_000 });
      });
  });
  it('refusals: the wanted space taken, an exchange not approved or not published, another tenancy’s exchange, an ended tenancy', () => {
    given([]).when(move({ wanted: wanted(1_500.5) }), testContext(actors.nanshan, DURING)).thenThrows(RuleViolation, 'WANTED_SPACE_NOT_AVAILABLE');
    given([]).when(move({ exchange: { ...x, approved: false } }), testContext(actors.nanshan, DURING)).thenThrows(RuleViolation, 'EXCHANGE_NOT_APPROVED');
    given([]).when(move({ exchange: { ...x, published: false } }), testContext(actors.nanshan, DURING)).thenThrows(RuleViolation, 'EXCHANGE_NOT_APPROVED');
    given([]).when(move({ exchange: { ...x, tenancyId: 'another' } }), testContext(actors.nanshan, DURING)).thenThrows(RuleViolation, 'EXCHANGE_MISMATCH');
    given([ending('exit', DURING, ['迁址'])]).when(move(), testContext(actors.nanshan, DURING)).thenThrows(RuleViolation, 'TENANCY_ENDED');
    given([]).when(move(), testContext(actors.futian, DURING)).thenThrows(Forbidden);
  });
});
