// Rent exchange (换租), stream `exchange-<id>`: requested → reviewed (approved/rejected) → result published (public).
// Whether the enterprise is a current tenant comes in the command as a Tenancy snapshot: the command
// handler looks up the enterprise's lease (a LeaseSigned record, see application.ts) and passes it,
// or passes nothing when there is none. Likewise the enterprise's exchange requests still awaiting review
// (at most one per tenancy) and, when a project is wanted, that project's status arrive as data.
import type { ProjectStatus } from './project.js';
import {
  type DecisionContext,
  type District,
  type DomainEvent,
  Forbidden,
  NotFound,
  RuleViolation,
  assertNever,
  requireManager,
} from './shared.js';

/** The lease the enterprise holds now. */
export interface Tenancy {
  applicationId: string;
  projectId: string;
  district: District;
  /** Leased area, ㎡. */
  area: number;
  /** The tenant's unified social credit code. */
  creditCode: string;
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
      if (state.status !== 'none') throw new RuleViolation('EXCHANGE_EXISTS', 'the exchange request already exists');
      const t = command.tenancy;
      if (!t || t.creditCode !== actor.creditCode) throw new RuleViolation('NOT_A_TENANT', 'the enterprise holds no current lease');
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
      if (state.status !== 'requested') throw new RuleViolation('EXCHANGE_ALREADY_REVIEWED', 'the exchange request is already reviewed');
      if (blank(command.reason)) throw new RuleViolation('REASON_REQUIRED', 'a review must say why');
      const reviewer = { id: ctx.actor.id, ...(ctx.actor.name ? { name: ctx.actor.name } : {}) };
      return [{ type: 'ExchangeReviewed', data: { exchangeId: state.exchangeId, district: state.district, approved: command.approved, reason: command.reason.trim(), reviewer } }];
    }
    case 'PublishExchangeResult': {
      if (state.status === 'none') throw new NotFound('no such exchange request');
      requireManager(ctx.actor, state.district);
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
