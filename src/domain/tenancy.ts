// Tenancy (租赁关系), stream `tenancy-<id>`: started by the recorded lease (LeaseSigned on the application's
// stream — the lease is the tenancy's first fact, so recording it and starting the tenancy are one append),
// renewed (续租) before its end within the policy's limits, ended by the tenant's exit (退出), by the
// department's recovery (收回: breach, sanction) with reasons, or by expiry at `endsOn` (the scheduler).
// The lease arrives in every command as data (leaseFacts() builds it); the stream holds what followed.
import type { ContractRecord } from './application.js';
import { instant } from './calendar.js';
import { type SpaceClass, type SpaceDelta, type SpaceLedger, requireAvailable, spaceDelta } from './ledger.js';
import { type DecisionContext, type District, type DomainEvent, Forbidden, NotFound, RuleViolation, assertNever, requireManager } from './shared.js';

/** The recorded lease, as the tenancy's commands need it. */
export interface LeaseFacts {
  tenancyId: string;
  projectId: string;
  district: District;
  creditCode: string;
  noticeId?: string;
  area: number;
  unitIds: string[];
  startsOn: string;
  endsOn: string;
  monthlyRent: number;
  spaceClass?: SpaceClass;
}

/** From a LeaseSigned record (undefined for a sale, or a lease recorded before terms were kept). */
export function leaseFacts(c: ContractRecord): LeaseFacts | undefined {
  if (!c.lease || c.projectId === undefined || c.district === undefined) return undefined;
  return { tenancyId: c.applicationId, projectId: c.projectId, district: c.district, creditCode: c.creditCode, noticeId: c.noticeId, area: c.area, unitIds: c.unitIds ?? [], ...c.lease, ...(c.spaceClass ? { spaceClass: c.spaceClass } : {}) };
}

/** The policy's renewal limits (configuration). */
export interface RenewalPolicy {
  maxRenewals: number;
  /** The longest a single renewal may extend the lease, in months. */
  maxRenewalMonths: number;
}

export const ENDINGS = ['exit', 'recovery', 'expiry', 'exchange'] as const;
export type Ending = (typeof ENDINGS)[number];
export const RECOVERY_GROUNDS = ['breach', 'sanction'] as const;
export type RecoveryGrounds = (typeof RECOVERY_GROUNDS)[number];

interface Ref {
  tenancyId: string;
  projectId: string;
  district: District;
  creditCode: string;
}
/** What an unknown tenancy is answered with: the same words whether it is absent or another enterprise's. */
export const UNKNOWN_TENANCY = 'no such tenancy';

export type TenancyEvent =
  | DomainEvent<'TenancyRenewed', Ref & { previousEndsOn: string; endsOn: string; monthlyRent: number; renewal: number; reason?: string }>
  | DomainEvent<
      'TenancyEnded',
      Ref & {
        space?: SpaceDelta;
        /** 换租: the exchange, the tenancy that starts in the same event and the space it takes. */
        exchangeId?: string;
        successor?: LeaseFacts;
        spaceIn?: SpaceDelta;
        how: Ending; endedOn: string; area: number; unitIds: string[]; reasons: string[]; grounds?: RecoveryGrounds; accountabilityId?: string }>;

export type TenancyCommand =
  | { type: 'RenewTenancy'; lease: LeaseFacts; endsOn: string; monthlyRent?: number; reason?: string; policy: RenewalPolicy }
  | { type: 'ExitTenancy'; lease: LeaseFacts; reason: string }
  | { type: 'RecoverTenancy'; lease: LeaseFacts; grounds: RecoveryGrounds; reasons: string[]; accountabilityId?: string }
  | { type: 'ExpireTenancy'; lease: LeaseFacts }
  /**
   * 换租: the approved, published exchange moves the tenancy. The old tenancy ends and the new one starts in
   * one event; the wanted space must be available (the wanted project's ledger, read at the log's head).
   */
  | { type: 'MoveTenancy'; lease: LeaseFacts; exchange: ExchangeFacts; wanted: WantedFacts };

/** The exchange as MoveTenancy needs it (from the exchange stream). */
export interface ExchangeFacts {
  exchangeId: string;
  tenancyId: string;
  approved: boolean;
  published: boolean;
}
/** The wanted space: its project (grouping and ledger), the area and units; the new tenancy's id. */
export interface WantedFacts {
  tenancyId: string;
  projectId: string;
  district: District;
  spaceClass?: SpaceClass;
  area: number;
  unitIds: string[];
  ledger: SpaceLedger;
}

export type TenancyState =
  | { status: 'none' }
  | { status: 'active'; endsOn: string; monthlyRent: number; renewals: number }
  | { status: 'ended'; how: Ending; endedOn: string };
export const initialTenancyState: TenancyState = { status: 'none' };

/** The tenancy's current term: the lease's, moved by renewals. */
function current(state: TenancyState, lease: LeaseFacts): { endsOn: string; monthlyRent: number; renewals: number } {
  if (state.status === 'ended') throw new RuleViolation('TENANCY_ENDED', `the tenancy ended (${state.how}) on ${state.endedOn}`);
  return state.status === 'active' ? state : { endsOn: lease.endsOn, monthlyRent: lease.monthlyRent, renewals: 0 };
}

const ref = (l: LeaseFacts): Ref => ({ tenancyId: l.tenancyId, projectId: l.projectId, district: l.district, creditCode: l.creditCode });
const blank = (s: string | undefined) => !s || !s.trim();

function ended(l: LeaseFacts, how: Ending, endedOn: string, reasons: string[], extra: { grounds?: RecoveryGrounds; accountabilityId?: string } = {}): TenancyEvent {
  const moves = spaceDelta({ projectId: l.projectId, district: l.district, spaceClass: l.spaceClass }, { let: [-l.area] });
  return { type: 'TenancyEnded', data: { ...ref(l), how, endedOn, area: l.area, unitIds: l.unitIds, reasons, ...extra, ...moves } };
}

export function decideTenancy(command: TenancyCommand, state: TenancyState, ctx: DecisionContext): TenancyEvent[] {
  const now = instant(ctx.now, 'now');
  const { lease } = command;
  if (!lease) throw new NotFound('no such tenancy');
  switch (command.type) {
    case 'RenewTenancy': {
      requireManager(ctx.actor, lease.district);
      const term = current(state, lease);
      if (now >= instant(term.endsOn)) throw new RuleViolation('TENANCY_ALREADY_DUE', `the lease ended at ${term.endsOn}; a renewal comes before the end`);
      if (term.renewals >= command.policy.maxRenewals) throw new RuleViolation('RENEWAL_LIMIT_REACHED', `a lease is renewed at most ${command.policy.maxRenewals} time(s)`);
      const ends = instant(command.endsOn, 'endsOn');
      if (!(ends > instant(term.endsOn))) throw new RuleViolation('RENEWAL_TERM_INVALID', `a renewal ends after the current end (${term.endsOn})`);
      const limit = new Date(term.endsOn);
      limit.setUTCMonth(limit.getUTCMonth() + command.policy.maxRenewalMonths);
      if (ends > limit.getTime()) throw new RuleViolation('RENEWAL_TOO_LONG', `a renewal extends the lease by at most ${command.policy.maxRenewalMonths} months`);
      const monthlyRent = command.monthlyRent ?? term.monthlyRent;
      if (!(monthlyRent >= 0) || !Number.isFinite(monthlyRent)) throw new RuleViolation('RENT_INVALID', 'the monthly rent must be a number ≥ 0');
      return [
        {
          type: 'TenancyRenewed',
          data: { ...ref(lease), previousEndsOn: term.endsOn, endsOn: new Date(ends).toISOString(), monthlyRent, renewal: term.renewals + 1, ...(blank(command.reason) ? {} : { reason: command.reason!.trim() }) },
        },
      ];
    }
    case 'ExitTenancy': {
      // Another enterprise's tenancy is as good as absent to it (its read answers 404 too).
      if (ctx.actor.role === 'enterprise' && ctx.actor.creditCode !== lease.creditCode) throw new NotFound(UNKNOWN_TENANCY);
      if (ctx.actor.role !== 'enterprise') throw new Forbidden('only the tenant enterprise may exit its lease');
      current(state, lease);
      if (blank(command.reason)) throw new RuleViolation('REASON_REQUIRED', 'an exit must say why');
      return [ended(lease, 'exit', ctx.now, [command.reason.trim()])];
    }
    case 'RecoverTenancy': {
      requireManager(ctx.actor, lease.district);
      current(state, lease);
      const reasons = command.reasons.map((r) => r.trim()).filter((r) => r);
      if (reasons.length === 0) throw new RuleViolation('REASONS_REQUIRED', 'a recovery must give its reasons');
      if (!RECOVERY_GROUNDS.includes(command.grounds)) throw new RuleViolation('GROUNDS_INVALID', `grounds are ${RECOVERY_GROUNDS.join(' or ')}`);
      return [ended(lease, 'recovery', ctx.now, reasons, { grounds: command.grounds, ...(command.accountabilityId ? { accountabilityId: command.accountabilityId } : {}) })];
    }
    case 'MoveTenancy': {
      requireManager(ctx.actor, lease.district);
      const term = current(state, lease);
      const x = command.exchange;
      if (x.tenancyId !== lease.tenancyId) throw new RuleViolation('EXCHANGE_MISMATCH', `exchange ${x.exchangeId} is not for this tenancy`);
      if (!x.published || !x.approved) throw new RuleViolation('EXCHANGE_NOT_APPROVED', 'only an approved exchange whose result is published moves the tenancy');
      const w = command.wanted;
      try {
        // The old tenancy's space is freed in the same decision: judged without it.
        requireAvailable(w.ledger, w.area, w.unitIds, lease.tenancyId);
      } catch (e) {
        if (e instanceof RuleViolation) throw new RuleViolation('WANTED_SPACE_NOT_AVAILABLE', `the wanted space is not available: ${e.message}`);
        throw e;
      }
      const successor: LeaseFacts = {
        tenancyId: w.tenancyId,
        projectId: w.projectId,
        district: w.district,
        creditCode: lease.creditCode,
        area: w.area,
        unitIds: w.unitIds,
        startsOn: ctx.now,
        endsOn: term.endsOn,
        monthlyRent: term.monthlyRent,
        ...(w.spaceClass ? { spaceClass: w.spaceClass } : {}),
      };
      const moved = spaceDelta({ projectId: w.projectId, district: w.district, spaceClass: w.spaceClass }, { let: [w.area] });
      const end = ended(lease, 'exchange', ctx.now, ['换租']);
      return [{ ...end, data: { ...end.data, exchangeId: x.exchangeId, successor, ...(moved.space ? { spaceIn: moved.space } : {}) } } as TenancyEvent];
    }
    case 'ExpireTenancy': {
      const term = current(state, lease);
      if (now < instant(term.endsOn)) throw new RuleViolation('TENANCY_NOT_DUE', `the lease runs until ${term.endsOn}`);
      return [ended(lease, 'expiry', term.endsOn, ['租期届满'])];
    }
    default:
      return assertNever(command);
  }
}

export function evolveTenancy(state: TenancyState, event: TenancyEvent): TenancyState {
  switch (event.type) {
    case 'TenancyRenewed':
      return { status: 'active', endsOn: event.data.endsOn, monthlyRent: event.data.monthlyRent, renewals: event.data.renewal };
    case 'TenancyEnded':
      return { status: 'ended', how: event.data.how, endedOn: event.data.endedOn };
    default:
      return assertNever(event);
  }
}

export const tenancyDecider = { initialState: initialTenancyState, decide: decideTenancy, evolve: evolveTenancy };
export const tenancyStream = (id: string) => `tenancy-${id}`;
