// Rent exchange (换租), stream `exchange-<id>`: requested → reviewed (approved/rejected) → result published (public).
// Whether the enterprise is a current tenant comes in the command as a Tenancy snapshot from the tenancies
// read model (tenancy.ts keeps the ends and the 换租 successors): its live tenancy, else the one that ended
// last, or nothing when it never held one. Likewise the enterprise's exchange requests still awaiting
// review (at most one per tenancy) and, when a project is wanted, that project's status arrive as data.
// Reviewing and publishing the result are the district's decisions (requireDistrictDecider).
import { instant } from './calendar.js';
import type { ProjectStatus } from './project.js';
import type { Ending } from './tenancy.js';
import {
  type DecisionContext,
  type District,
  type DomainEvent,
  Duplicate,
  Forbidden,
  NotFound,
  RuleViolation,
  assertNever,
  requireDistrictDecider,
  requireManager,
} from './shared.js';

/** The enterprise's tenancy: the one it holds now, else the one that ended last (see exchangeTenancyOf() in tenancy-queries.ts). */
export interface Tenancy {
  /** The tenancy's id: the lease's application, or, for a tenancy a 换租 move started, that exchange's id. */
  applicationId: string;
  projectId: string;
  district: District;
  /** Leased area, ㎡. */
  area: number;
  /** The tenant's unified social credit code. */
  creditCode: string;
  /** 'ended' once exited, recovered, expired or replaced by a 换租 move. */
  status: 'active' | 'ended';
  /** The end of the current term (renewals included): the lease ends then even before the scheduler records it. */
  endsOn: string;
  endedHow?: Ending;
  endedOn?: string;
}
export interface WantedSpace {
  projectId?: string;
  unitId?: string;
  area: number;
}
/** An exchange request of the enterprise that is not yet reviewed (see openExchangesOf() in procedure-queries.ts). */
export interface OpenExchange {
  exchangeId: string;
  /** The tenancy (lease) it starts from. */
  applicationId: string;
}
/** The wanted project as RequestExchange needs it (a ProjectSnapshot from projectSnapshot() in notice.ts fits). */
export interface WantedProject {
  projectId: string;
  status: ProjectStatus;
}
interface CurrentSpace {
  applicationId: string;
  projectId: string;
  area: number;
}

interface Ref {
  exchangeId: string;
  district: District;
}
export type ExchangeEvent =
  | DomainEvent<'ExchangeRequested', Ref & { creditCode: string; enterpriseName?: string; current: CurrentSpace; wanted: WantedSpace; reason: string }>
  | DomainEvent<'ExchangeReviewed', Ref & { approved: boolean; reason: string; reviewer: { id: string; name?: string } }>
  | DomainEvent<
      'ExchangeResultPublished',
      Ref & { creditCode: string; enterpriseName?: string; approved: boolean; current: CurrentSpace; wanted: WantedSpace; publishedAt: string }
    >;

export type ExchangeCommand =
  | {
      type: 'RequestExchange';
      exchangeId: string;
      tenancy?: Tenancy | null;
      /** The enterprise's requests still awaiting review. */
      openExchanges: OpenExchange[];
      /** The project named in wanted.projectId, when one is. */
      wantedProject?: WantedProject | null;
      wanted: WantedSpace;
      reason: string;
    }
  | { type: 'ReviewExchange'; approved: boolean; reason: string }
  | { type: 'PublishExchangeResult' };

export type ExchangeStatus = 'requested' | 'reviewed' | 'published';
export type ExchangeState =
  | { status: 'none' }
  | {
      status: ExchangeStatus;
      exchangeId: string;
      district: District;
      creditCode: string;
      enterpriseName?: string;
      current: CurrentSpace;
      wanted: WantedSpace;
      approved?: boolean;
    };
export const initialExchangeState: ExchangeState = { status: 'none' };

const blank = (s: string | undefined) => !s || !s.trim();

export function decideExchange(command: ExchangeCommand, state: ExchangeState, ctx: DecisionContext): ExchangeEvent[] {
  switch (command.type) {
    case 'RequestExchange': {
      const { actor } = ctx;
      if (actor.role !== 'enterprise' || blank(actor.creditCode)) throw new Forbidden('only a tenant enterprise may ask for an exchange');
      if (state.status !== 'none') throw new Duplicate('EXCHANGE_EXISTS', 'the exchange request already exists');
      const t = command.tenancy;
      if (!t || t.creditCode !== actor.creditCode) throw new RuleViolation('NOT_A_TENANT', 'the enterprise holds no current lease');
      // Only a live tenancy moves: an ended one has nothing left to exchange (its space is available again).
      if (t.status !== 'active') throw new RuleViolation('TENANCY_ENDED', `tenancy ${t.applicationId} ended (${t.endedHow ?? 'ended'}) on ${t.endedOn ?? 'an earlier date'}`);
      if (instant(ctx.now) >= instant(t.endsOn)) throw new RuleViolation('TENANCY_ENDED', `tenancy ${t.applicationId} ran until ${t.endsOn}`);
      const open = command.openExchanges.find((x) => x.applicationId === t.applicationId);
      if (open) throw new RuleViolation('EXCHANGE_ALREADY_OPEN', `exchange request ${open.exchangeId} for this lease awaits review`);
      if (!(command.wanted.area > 0)) throw new RuleViolation('AREA_NOT_POSITIVE', 'the wanted area must be positive');
      if (blank(command.reason)) throw new RuleViolation('REASON_REQUIRED', 'an exchange request must say why');
      const { projectId, unitId, area } = command.wanted;
      if (projectId) {
        const p = command.wantedProject;
        if (p && p.projectId !== projectId) throw new RuleViolation('PROJECT_MISMATCH', 'the project snapshot is not the wanted project');
        if (p?.status !== 'published') throw new RuleViolation('PROJECT_NOT_PUBLISHED', `project ${projectId} is not a published project`);
      }
      return [
        {
          type: 'ExchangeRequested',
          data: {
            exchangeId: command.exchangeId,
            district: t.district,
            creditCode: t.creditCode,
            ...(actor.name ? { enterpriseName: actor.name } : {}),
            current: { applicationId: t.applicationId, projectId: t.projectId, area: t.area },
            wanted: { ...(projectId ? { projectId } : {}), ...(unitId ? { unitId } : {}), area },
            reason: command.reason.trim(),
          },
        },
      ];
    }
    case 'ReviewExchange': {
      if (state.status === 'none') throw new NotFound('no such exchange request');
      requireManager(ctx.actor, state.district);
      requireDistrictDecider(ctx, 'review exchanges');
      if (state.status !== 'requested') throw new RuleViolation('EXCHANGE_ALREADY_REVIEWED', 'the exchange request is already reviewed');
      if (blank(command.reason)) throw new RuleViolation('REASON_REQUIRED', 'a review must say why');
      const reviewer = { id: ctx.actor.id, ...(ctx.actor.name ? { name: ctx.actor.name } : {}) };
      return [{ type: 'ExchangeReviewed', data: { exchangeId: state.exchangeId, district: state.district, approved: command.approved, reason: command.reason.trim(), reviewer } }];
    }
    case 'PublishExchangeResult': {
      if (state.status === 'none') throw new NotFound('no such exchange request');
      requireManager(ctx.actor, state.district);
      requireDistrictDecider(ctx, 'publish exchange results');
      if (state.status === 'requested') throw new RuleViolation('EXCHANGE_NOT_REVIEWED', 'the exchange request has not been reviewed');
      if (state.status === 'published') throw new RuleViolation('EXCHANGE_RESULT_ALREADY_PUBLISHED', 'the result is already published');
      const { exchangeId, district, creditCode, enterpriseName, current, wanted, approved } = state;
      return [
        {
          type: 'ExchangeResultPublished',
          data: { exchangeId, district, creditCode, ...(enterpriseName ? { enterpriseName } : {}), approved: approved === true, current, wanted, publishedAt: ctx.now },
        },
      ];
    }
    default:
      return assertNever(command);
  }
}

export function evolveExchange(state: ExchangeState, event: ExchangeEvent): ExchangeState {
  switch (event.type) {
    case 'ExchangeRequested': {
      const { exchangeId, district, creditCode, enterpriseName, current, wanted } = event.data;
      return { status: 'requested', exchangeId, district, creditCode, ...(enterpriseName ? { enterpriseName } : {}), current, wanted };
    }
    case 'ExchangeReviewed':
      if (state.status === 'none') return state;
      return { ...state, status: 'reviewed', approved: event.data.approved };
    case 'ExchangeResultPublished':
      if (state.status === 'none') return state;
      return { ...state, status: 'published' };
    default:
      return assertNever(event);
  }
}

export const exchangeDecider = { initialState: initialExchangeState, decide: decideExchange, evolve: evolveExchange };
export const exchangeStream = (id: string) => `exchange-${id}`;
