// Space demand (产业空间需求, 第五章), stream `demand-<id>`: an enterprise reports what it needs; officers
// of the named districts suggest matches, broker (撮合), follow up (跟踪) and close it; the enterprise
// gives feedback (反馈). open → closed (settled | withdrawn | unmet); nothing after close.
// The follow-up due time is computed by the use case from the configured working days and the
// calendar, and arrives in the command as data (the decider has no clock of its own beyond ctx.now).
import type { SupplyMode, UseType } from './project.js';
import {
  type Actor,
  type DecisionContext,
  DISTRICTS,
  type District,
  type DomainEvent,
  Duplicate,
  Forbidden,
  NotFound,
  RuleViolation,
  assertNever,
  mayManageDistrict,
} from './shared.js';

export const DEMAND_OUTCOMES = ['settled', 'withdrawn', 'unmet'] as const;
export type DemandOutcome = (typeof DEMAND_OUTCOMES)[number];
export const DEMAND_OUTCOME_NAMES: Record<DemandOutcome, string> = { settled: '已落实', withdrawn: '已撤回', unmet: '未满足' };

/** What the enterprise says it needs: the binding fields of api.md (POST /api/demands). */
export interface DemandSpec {
  industry: string;
  minArea: number;
  maxArea: number;
  districts: District[];
  useType: UseType;
  supplyMode: SupplyMode;
  /** Yuan per ㎡ (per month for rent). */
  maxPrice: number;
  /** ISO-8601: when the space is needed. */
  neededBy: string;
  note?: string;
}
export type DemandChanges = Partial<DemandSpec>;

/** The figures the supply–demand statistics count, carried by the events that move them (no lookups). */
export interface DemandFigures {
  industry: string;
  districts: District[];
  useType: UseType;
  minArea: number;
  maxArea: number;
  reportedAt: string;
}

/** An officer's matching suggestion (供需匹配): a project, optionally a score, and why. */
export interface MatchSuggestion {
  projectId: string;
  score?: number;
  reason: string;
}

interface Officer {
  id: string;
  name?: string;
  role: Actor['role'];
}
interface Ref {
  demandId: string;
}
export type DemandEvent =
  | DomainEvent<'DemandReported', Ref & DemandSpec & { creditCode: string; enterpriseName?: string; reportedAt: string; followUpDueAt: string }>
  | DomainEvent<'DemandUpdated', Ref & { changes: DemandChanges; previous: DemandChanges; figures: { before: DemandFigures; after: DemandFigures } }>
  | DomainEvent<'DemandWithdrawn', Ref & { reason: string; figures: DemandFigures }>
  | DomainEvent<'DemandMatched', Ref & { suggestions: MatchSuggestion[]; by: Officer; followUpDueAt: string }>
  | DomainEvent<'DemandBrokered', Ref & { projectId: string; note: string; by: Officer; followUpDueAt: string }>
  | DomainEvent<'DemandFollowedUp', Ref & { note: string; by: Officer; followUpDueAt: string }>
  | DomainEvent<'DemandFeedbackGiven', Ref & { satisfied: boolean; note: string }>
  | DomainEvent<'DemandClosed', Ref & { outcome: DemandOutcome; reason: string; by: Officer; figures: DemandFigures }>;

export type DemandCommand =
  | { type: 'ReportDemand'; demandId: string; spec: DemandSpec; followUpDueAt: string }
  | { type: 'UpdateDemand'; changes: DemandChanges }
  | { type: 'WithdrawDemand'; reason: string }
  | { type: 'MatchDemand'; suggestions: MatchSuggestion[]; followUpDueAt: string }
  | { type: 'BrokerDemand'; projectId: string; note: string; followUpDueAt: string }
  | { type: 'FollowUpDemand'; note: string; followUpDueAt: string }
  | { type: 'GiveDemandFeedback'; satisfied: boolean; note: string }
  | { type: 'CloseDemand'; outcome: DemandOutcome; reason: string };

export type DemandState =
  | { status: 'none' }
  | {
      status: 'open' | 'closed';
      demandId: string;
      creditCode: string;
      spec: DemandSpec;
      reportedAt: string;
      outcome?: DemandOutcome;
      /** How many changes and feedback entries the enterprise has recorded (each capped below). */
      updates: number;
      feedback: number;
      /** How many matches, and brokerings and follow-ups, the officers have recorded (each capped below). */
      matches: number;
      steps: number;
    };
export const initialDemandState: DemandState = { status: 'none' };

const blank = (s: string | undefined) => !s || !s.trim();

/**
 * How many times the enterprise may change one demand, and give feedback on it. Its record keeps every
 * entry, and a record without bound would outgrow a document store's document (MongoDB's 16 MB at
 * ~1,400 changes of long notes); honest use is a few dozen over a demand's life.
 */
export const MAX_DEMAND_UPDATES = 100;
export const MAX_DEMAND_FEEDBACK = 100;
/**
 * The officers' entries, for the same reason: a match keeps up to 50 suggestions with reasons of 1,000
 * characters (up to ~150 KB), a brokering or follow-up a note of 2,000. With every cap full the record stays
 * under ~8 MB. A demand that needs more is past matching: close it (unmet) and let the enterprise report anew.
 */
export const MAX_DEMAND_MATCHES = 30;
export const MAX_DEMAND_STEPS = 200;

/** The same checks the route makes as 400s, kept here too so no path (seed, import) records an inconsistent demand. */
export function checkDemandSpec(spec: DemandSpec): void {
  if (blank(spec.industry)) throw new RuleViolation('DEMAND_INVALID', 'industry is required');
  if (!(spec.minArea > 0) || !(spec.maxArea > 0)) throw new RuleViolation('DEMAND_INVALID', 'areas must be positive');
  if (spec.minArea > spec.maxArea) throw new RuleViolation('DEMAND_INVALID', 'minArea must not exceed maxArea');
  if (spec.districts.length === 0 || spec.districts.some((d) => !(d in DISTRICTS))) throw new RuleViolation('DEMAND_INVALID', 'name one or more known districts');
  if (!(spec.maxPrice >= 0)) throw new RuleViolation('DEMAND_INVALID', 'maxPrice must not be negative');
  if (Number.isNaN(Date.parse(spec.neededBy))) throw new RuleViolation('DEMAND_INVALID', 'neededBy is not a time');
}

function figuresOf(spec: DemandSpec, reportedAt: string): DemandFigures {
  const { industry, districts, useType, minArea, maxArea } = spec;
  return { industry, districts, useType, minArea, maxArea, reportedAt };
}

type Live = Extract<DemandState, { status: 'open' | 'closed' }>;

function existing(state: DemandState): Live {
  if (state.status === 'none') throw new NotFound('no such demand');
  return state;
}

function requireOwner(actor: Actor, s: Live): void {
  if (actor.role !== 'enterprise') throw new Forbidden('only the enterprise that reported the demand may do this');
  if (actor.creditCode !== s.creditCode) throw new RuleViolation('NOT_DEMAND_OWNER', 'the demand belongs to another enterprise');
}

/** An officer of one of the demand's districts (a city-level department, city_admin). */
function requireDemandOfficer(actor: Actor, s: Live): Officer {
  if (actor.role !== 'city_admin' && actor.role !== 'housing_dept') throw new Forbidden(`role ${actor.role} may not handle demands`);
  if (!s.spec.districts.some((d) => mayManageDistrict(actor, d))) throw new Forbidden(`${actor.district ?? 'no district'} is not among the demand's districts`);
  return { id: actor.id, role: actor.role, ...(actor.name ? { name: actor.name } : {}) };
}

function requireOpen(s: Live): void {
  if (s.status === 'closed') throw new RuleViolation('DEMAND_CLOSED', 'the demand is closed: nothing may follow');
}

function requireStepRoom(s: Live): void {
  if (s.steps >= MAX_DEMAND_STEPS) throw new RuleViolation('DEMAND_STEP_LIMIT', `a demand takes at most ${MAX_DEMAND_STEPS} brokerings and follow-ups: close it and let the enterprise report a new one`);
}

export function decideDemand(command: DemandCommand, state: DemandState, ctx: DecisionContext): DemandEvent[] {
  const { actor } = ctx;
  switch (command.type) {
    case 'ReportDemand': {
      if (actor.role !== 'enterprise' || blank(actor.creditCode)) throw new Forbidden('only an enterprise may report a demand, for itself');
      if (state.status !== 'none') throw new Duplicate('DEMAND_EXISTS', 'the demand already exists');
      checkDemandSpec(command.spec);
      const spec = { ...command.spec, industry: command.spec.industry.trim(), districts: [...new Set(command.spec.districts)] };
      return [
        {
          type: 'DemandReported',
          data: { demandId: command.demandId, creditCode: actor.creditCode!, ...(actor.name ? { enterpriseName: actor.name } : {}), ...spec, reportedAt: ctx.now, followUpDueAt: command.followUpDueAt },
        },
      ];
    }
    case 'UpdateDemand': {
      const s = existing(state);
      requireOwner(actor, s);
      requireOpen(s);
      if (s.updates >= MAX_DEMAND_UPDATES) throw new RuleViolation('DEMAND_UPDATE_LIMIT', `a demand may be changed at most ${MAX_DEMAND_UPDATES} times: withdraw it and report a new one`);
      const changes: DemandChanges = {};
      const previous: DemandChanges = {};
      for (const [k, v] of Object.entries(command.changes) as [keyof DemandSpec, unknown][]) {
        if (v === undefined || JSON.stringify(v) === JSON.stringify(s.spec[k])) continue;
        (changes as Record<string, unknown>)[k] = k === 'districts' ? [...new Set(v as District[])] : v;
        (previous as Record<string, unknown>)[k] = s.spec[k];
      }
      if (Object.keys(changes).length === 0) throw new RuleViolation('NOTHING_TO_UPDATE', 'the update changes nothing');
      const after = { ...s.spec, ...changes };
      checkDemandSpec(after);
      return [{ type: 'DemandUpdated', data: { demandId: s.demandId, changes, previous, figures: { before: figuresOf(s.spec, s.reportedAt), after: figuresOf(after, s.reportedAt) } } }];
    }
    case 'WithdrawDemand': {
      const s = existing(state);
      requireOwner(actor, s);
      requireOpen(s);
      return [{ type: 'DemandWithdrawn', data: { demandId: s.demandId, reason: command.reason.trim() || '企业撤回需求', figures: figuresOf(s.spec, s.reportedAt) } }];
    }
    case 'MatchDemand': {
      const s = existing(state);
      const by = requireDemandOfficer(actor, s);
      requireOpen(s);
      if (s.matches >= MAX_DEMAND_MATCHES) throw new RuleViolation('DEMAND_MATCH_LIMIT', `a demand takes at most ${MAX_DEMAND_MATCHES} matches: close it and let the enterprise report a new one`);
      if (command.suggestions.length === 0) throw new RuleViolation('SUGGESTION_REQUIRED', 'name at least one project');
      if (command.suggestions.some((x) => blank(x.reason))) throw new RuleViolation('REASON_REQUIRED', 'each suggestion says why');
      return [{ type: 'DemandMatched', data: { demandId: s.demandId, suggestions: command.suggestions, by, followUpDueAt: command.followUpDueAt } }];
    }
    case 'BrokerDemand': {
      const s = existing(state);
      const by = requireDemandOfficer(actor, s);
      requireOpen(s);
      requireStepRoom(s);
      if (blank(command.note)) throw new RuleViolation('NOTE_REQUIRED', 'brokering records a note');
      return [{ type: 'DemandBrokered', data: { demandId: s.demandId, projectId: command.projectId, note: command.note.trim(), by, followUpDueAt: command.followUpDueAt } }];
    }
    case 'FollowUpDemand': {
      const s = existing(state);
      const by = requireDemandOfficer(actor, s);
      requireOpen(s);
      requireStepRoom(s);
      if (blank(command.note)) throw new RuleViolation('NOTE_REQUIRED', 'a follow-up records a note');
      return [{ type: 'DemandFollowedUp', data: { demandId: s.demandId, note: command.note.trim(), by, followUpDueAt: command.followUpDueAt } }];
    }
    case 'GiveDemandFeedback': {
      const s = existing(state);
      requireOwner(actor, s);
      requireOpen(s);
      if (s.feedback >= MAX_DEMAND_FEEDBACK) throw new RuleViolation('DEMAND_FEEDBACK_LIMIT', `a demand takes at most ${MAX_DEMAND_FEEDBACK} feedback entries`);
      if (blank(command.note)) throw new RuleViolation('NOTE_REQUIRED', 'feedback records a note');
      return [{ type: 'DemandFeedbackGiven', data: { demandId: s.demandId, satisfied: command.satisfied, note: command.note.trim() } }];
    }
    case 'CloseDemand': {
      const s = existing(state);
      const by = requireDemandOfficer(actor, s);
      requireOpen(s);
      if (blank(command.reason)) throw new RuleViolation('REASON_REQUIRED', 'closing a demand says why');
      return [{ type: 'DemandClosed', data: { demandId: s.demandId, outcome: command.outcome, reason: command.reason.trim(), by, figures: figuresOf(s.spec, s.reportedAt) } }];
    }
    default:
      return assertNever(command);
  }
}

export function evolveDemand(state: DemandState, event: DemandEvent): DemandState {
  switch (event.type) {
    case 'DemandReported': {
      const { demandId, creditCode, enterpriseName: _name, followUpDueAt: _due, reportedAt, ...spec } = event.data;
      return { status: 'open', demandId, creditCode, spec, reportedAt, updates: 0, feedback: 0, matches: 0, steps: 0 };
    }
    case 'DemandUpdated':
      if (state.status === 'none') return state;
      return { ...state, spec: { ...state.spec, ...event.data.changes }, updates: state.updates + 1 };
    case 'DemandWithdrawn':
      if (state.status === 'none') return state;
      return { ...state, status: 'closed', outcome: 'withdrawn' };
    case 'DemandClosed':
      if (state.status === 'none') return state;
      return { ...state, status: 'closed', outcome: event.data.outcome };
    case 'DemandMatched':
      if (state.status === 'none') return state;
      return { ...state, matches: state.matches + 1 };
    case 'DemandBrokered':
    case 'DemandFollowedUp':
      if (state.status === 'none') return state;
      return { ...state, steps: state.steps + 1 };
    case 'DemandFeedbackGiven':
      if (state.status === 'none') return state;
      return { ...state, feedback: state.feedback + 1 };
    default:
      return assertNever(event);
  }
}

export const demandDecider = { initialState: initialDemandState, decide: decideDemand, evolve: evolveDemand };
export const demandStream = (id: string) => `demand-${id}`;

/** Area bands for queues and statistics, by the demand's upper bound (maxArea). */
export const AREA_BANDS = [
  { band: 'lt500', name: '500㎡以下', below: 500 },
  { band: '500-1000', name: '500–1,000㎡', below: 1000 },
  { band: '1000-3000', name: '1,000–3,000㎡', below: 3000 },
  { band: '3000-10000', name: '3,000–10,000㎡', below: 10_000 },
  { band: 'gte10000', name: '10,000㎡及以上', below: Infinity },
] as const;
export type AreaBand = (typeof AREA_BANDS)[number]['band'];
export const AREA_BAND_CODES = AREA_BANDS.map((b) => b.band) as AreaBand[];
export const areaBandOf = (maxArea: number): AreaBand => AREA_BANDS.find((b) => maxArea < b.below)!.band;
