// Accountability (追责), stream `accountability-<id>`: one case per stream. A violation is recorded first
// (city_admin only, with the evidence as event ids), then any number of sanctions on its subject.
//
// Enforcement: a sanction lives in its case stream; the command handler of SubmitApplication gathers the
// applicant's sanctions (from a read model fed by SanctionImposed events, or by folding the case streams
// with sanctionsOf()), filters them with activeApplicationBans(sanctions, creditCode, now), and passes the
// result as `sanctions` in the command. The application decider refuses with ENTERPRISE_BARRED while any
// ban's `until` is after the command's time. The decider itself never looks anything up.
//
// Evidence must be on record: RecordViolation carries, as a fact, which of the cited event ids the log
// holds (EventStore.eventsById), and is refused with EVIDENCE_NOT_FOUND naming the others.
//
// Revocation (撤销): a finding of false material against an enterprise revokes what the application it
// concerns holds — a live, unsigned allocation (the notice then forfeits it with reason `revoked` and
// offers the space to the next in the derived order, 递补) or an active lease (the tenancy is recovered
// with grounds `sanction`). SanctionImposed records what is revoked; the use case appends the effect on
// the notice's or tenancy's stream in the same decision, under the same locks (application/accountability.ts).
//
// Appeals (申诉): city_admin decides an appeal against a sanction — lift it, shorten it (an earlier end),
// or uphold it — with reasons. A lifted or shortened ban stops barring applications from then on.
import type { Sanction } from './application.js';
import { instant } from './calendar.js';
import { type DecisionContext, type DomainEvent, Forbidden, NotFound, RuleViolation, assertNever } from './shared.js';

export const SUBJECT_KINDS = ['enterprise', 'department', 'staff'] as const;
export type SubjectKind = (typeof SUBJECT_KINDS)[number];
export const VIOLATION_KINDS = ['false_material', 'procedure_breach', 'information_leak', 'abuse_of_power', 'other'] as const;
export type ViolationKind = (typeof VIOLATION_KINDS)[number];
export const VIOLATION_KIND_NAMES: Record<ViolationKind, string> = {
  false_material: '提供虚假材料',
  procedure_breach: '违反规定程序',
  information_leak: '泄露信息',
  abuse_of_power: '滥用职权',
  other: '其他',
};
export const SANCTION_KINDS = ['application_ban', 'public_criticism', 'disciplinary_referral', 'revocation'] as const;
export type SanctionKind = (typeof SANCTION_KINDS)[number];
export const SANCTION_KIND_NAMES: Record<SanctionKind, string> = {
  application_ban: '限制申请',
  public_criticism: '通报批评',
  disciplinary_referral: '移送纪检监察',
  revocation: '撤销配租配售并收回用房',
};
export const APPEAL_DECISIONS = ['lift', 'shorten', 'uphold'] as const;
export type AppealDecision = (typeof APPEAL_DECISIONS)[number];
export const APPEAL_DECISION_NAMES: Record<AppealDecision, string> = { lift: '撤销处理', shorten: '缩短期限', uphold: '维持原处理' };

/** For an enterprise, `id` is its unified social credit code. */
export interface Subject {
  kind: SubjectKind;
  id: string;
  name?: string;
}
export interface SanctionRecord {
  caseId: string;
  sanctionId: string;
  subject: Subject;
  kind: SanctionKind;
  /** The end in force: the imposed one, or an earlier one decided on appeal. */
  until?: string;
  reason: string;
  /** When an appeal lifted it. */
  liftedAt?: string;
  /** A revocation's object. */
  revokes?: Revocation;
}

/**
 * What the application a revocation names holds, read from its streams: a live allocation of its notice
 * (not signed), an active tenancy (the lease's, or its 换租 successor's), a completed sale, or nothing.
 */
export type Holding =
  | { kind: 'allocation'; applicationId: string; creditCode: string; noticeId: string; area: number }
  | { kind: 'tenancy'; applicationId: string; creditCode: string; tenancyId: string; area: number }
  | { kind: 'sale' | 'none'; applicationId: string; creditCode: string };
/** What a revocation takes back (recorded with the sanction; the forfeiture or recovery that carries it out names the case). */
export type Revocation =
  | { what: 'allocation'; applicationId: string; noticeId: string; area: number }
  | { what: 'tenancy'; applicationId: string; tenancyId: string; area: number };
interface Recorder {
  id: string;
  name?: string;
}

export type AccountabilityEvent =
  | DomainEvent<'ViolationRecorded', { caseId: string; subject: Subject; kind: ViolationKind; description: string; evidence: string[]; recorder: Recorder }>
  | DomainEvent<'SanctionImposed', Omit<SanctionRecord, 'liftedAt'> & { imposedBy: Recorder }>
  | DomainEvent<
      'SanctionAppealDecided',
      { caseId: string; sanctionId: string; appealId: string; decision: AppealDecision; until?: string; previousUntil?: string; reasons: string[]; decidedAt: string; decidedBy: Recorder }
    >;

export type AccountabilityCommand =
  /** evidenceOnRecord: which of the cited ids the log holds (a fact, from EventStore.eventsById). */
  | { type: 'RecordViolation'; caseId: string; subject: Subject; kind: ViolationKind; description: string; evidence: string[]; evidenceOnRecord: string[] }
  /** A revocation names the application the false material was for; holding: what it holds (a fact). */
  | { type: 'ImposeSanction'; kind: SanctionKind; until?: string; reason: string; applicationId?: string; holding?: Holding }
  | { type: 'DecideAppeal'; sanctionId: string; decision: AppealDecision; until?: string; reasons: string[] };

export type AccountabilityState =
  | { status: 'none' }
  | { status: 'recorded'; caseId: string; subject: Subject; kind: ViolationKind; sanctions: SanctionRecord[] };
export const initialAccountabilityState: AccountabilityState = { status: 'none' };

const blank = (s: string | undefined) => !s || !s.trim();

export function decideAccountability(command: AccountabilityCommand, state: AccountabilityState, ctx: DecisionContext): AccountabilityEvent[] {
  if (ctx.actor.role !== 'city_admin') throw new Forbidden('only city_admin records accountability findings');
  const recorder: Recorder = { id: ctx.actor.id, ...(ctx.actor.name ? { name: ctx.actor.name } : {}) };
  switch (command.type) {
    case 'RecordViolation': {
      if (state.status !== 'none') throw new RuleViolation('VIOLATION_ALREADY_RECORDED', 'this case already has its violation; open a new case');
      const { subject } = command;
      if (!SUBJECT_KINDS.includes(subject.kind)) throw new RuleViolation('SUBJECT_KIND_INVALID', `unknown subject kind ${String(subject.kind)}`);
      if (blank(subject.id)) throw new RuleViolation('SUBJECT_REQUIRED', 'the subject must be identified');
      if (!VIOLATION_KINDS.includes(command.kind)) throw new RuleViolation('VIOLATION_KIND_INVALID', `unknown violation kind ${String(command.kind)}`);
      if (blank(command.description)) throw new RuleViolation('DESCRIPTION_REQUIRED', 'describe the violation');
      const evidence = [...new Set(command.evidence.map((e) => e.trim()).filter((e) => e))];
      if (evidence.length === 0) throw new RuleViolation('EVIDENCE_REQUIRED', 'a finding must cite the events that prove it');
      const onRecord = new Set(command.evidenceOnRecord);
      const missing = evidence.filter((e) => !onRecord.has(e));
      if (missing.length > 0) throw new RuleViolation('EVIDENCE_NOT_FOUND', `no event on record has the id ${missing.join(', ')}`, { missing });
      return [
        {
          type: 'ViolationRecorded',
          data: {
            caseId: command.caseId,
            subject: { kind: subject.kind, id: subject.id.trim(), ...(subject.name ? { name: subject.name } : {}) },
            kind: command.kind,
            description: command.description.trim(),
            evidence,
            recorder,
          },
        },
      ];
    }
    case 'ImposeSanction': {
      if (state.status === 'none') throw new NotFound('no violation recorded in this case');
      if (!SANCTION_KINDS.includes(command.kind)) throw new RuleViolation('SANCTION_KIND_INVALID', `unknown sanction kind ${String(command.kind)}`);
      if (command.kind === 'revocation' && command.until !== undefined) throw new RuleViolation('SANCTION_UNTIL_NOT_APPLICABLE', 'a revocation takes effect once; it has no end date');
      if (command.kind === 'application_ban') {
        if (state.subject.kind !== 'enterprise') throw new RuleViolation('SANCTION_SUBJECT_MISMATCH', 'only an enterprise can be barred from applying');
        if (command.until === undefined) throw new RuleViolation('SANCTION_UNTIL_REQUIRED', 'a ban needs an end date');
      }
      if (command.until !== undefined && instant(command.until, 'until') <= instant(ctx.now)) {
        throw new RuleViolation('SANCTION_UNTIL_IN_PAST', 'a sanction must end in the future');
      }
      if (blank(command.reason)) throw new RuleViolation('REASON_REQUIRED', 'a sanction must say why');
      const revokes = command.kind === 'revocation' ? revocationOf(command, state) : undefined;
      return [
        {
          type: 'SanctionImposed',
          data: {
            caseId: state.caseId,
            sanctionId: ctx.newId(),
            subject: state.subject,
            kind: command.kind,
            ...(command.until !== undefined ? { until: new Date(instant(command.until)).toISOString() } : {}),
            reason: command.reason.trim(),
            ...(revokes ? { revokes } : {}),
            imposedBy: recorder,
          },
        },
      ];
    }
    case 'DecideAppeal':
      return [decideAppeal(command, state, ctx, recorder)];
    default:
      return assertNever(command);
  }
}

export function evolveAccountability(state: AccountabilityState, event: AccountabilityEvent): AccountabilityState {
  switch (event.type) {
    case 'ViolationRecorded':
      return { status: 'recorded', caseId: event.data.caseId, subject: event.data.subject, kind: event.data.kind, sanctions: [] };
    case 'SanctionImposed': {
      if (state.status === 'none') return state;
      const { imposedBy: _by, ...sanction } = event.data;
      return { ...state, sanctions: [...state.sanctions, sanction] };
    }
    case 'SanctionAppealDecided': {
      if (state.status === 'none') return state;
      return { ...state, sanctions: state.sanctions.map((s) => (s.sanctionId === event.data.sanctionId ? appealed(s, event) : s)) };
    }
    default:
      return assertNever(event);
  }
}

type AppealEvent = Extract<AccountabilityEvent, { type: 'SanctionAppealDecided' }>;
/** A sanction after the appeal's decision. */
function appealed(s: SanctionRecord, event: AppealEvent): SanctionRecord {
  const { decision, until, decidedAt } = event.data;
  if (decision === 'shorten' && until !== undefined) return { ...s, until };
  if (decision === 'lift') return { ...s, liftedAt: decidedAt };
  return s;
}

/** The sanctions in any sequence of accountability events (one case or many, in log order), appeals applied. */
export function sanctionsOf(events: AccountabilityEvent[]): SanctionRecord[] {
  const out = new Map<string, SanctionRecord>();
  for (const e of events) {
    if (e.type === 'SanctionImposed') {
      const { imposedBy: _by, ...sanction } = e.data;
      out.set(sanction.sanctionId, sanction);
    } else if (e.type === 'SanctionAppealDecided') {
      const s = out.get(e.data.sanctionId);
      if (s) out.set(s.sanctionId, appealed(s, e));
    }
  }
  return [...out.values()];
}

/** Whether the sanction still has effect at `at`: not lifted, and its end (if any) not reached. */
function inForce(s: SanctionRecord, at: number): boolean {
  return s.liftedAt === undefined && (s.until === undefined || instant(s.until) > at);
}

function revocationOf(command: Extract<AccountabilityCommand, { type: 'ImposeSanction' }>, state: Extract<AccountabilityState, { status: 'recorded' }>): Revocation {
  if (state.kind !== 'false_material') throw new RuleViolation('REVOCATION_NEEDS_FALSE_MATERIAL', 'only a finding of false material revokes an allocation or a tenancy');
  if (state.subject.kind !== 'enterprise') throw new RuleViolation('SANCTION_SUBJECT_MISMATCH', 'only an enterprise holds allocations and tenancies');
  if (blank(command.applicationId)) throw new RuleViolation('APPLICATION_REQUIRED', 'name the application the false material was submitted for');
  const h = command.holding;
  if (!h) throw new NotFound(`no application ${command.applicationId}`);
  if (h.creditCode.trim().toUpperCase() !== state.subject.id.trim().toUpperCase()) {
    throw new RuleViolation('APPLICATION_NOT_OF_SUBJECT', `application ${h.applicationId} is not the enterprise ${state.subject.id}'s`);
  }
  if (h.kind === 'allocation') return { what: 'allocation', applicationId: h.applicationId, noticeId: h.noticeId, area: h.area };
  if (h.kind === 'tenancy') return { what: 'tenancy', applicationId: h.applicationId, tenancyId: h.tenancyId, area: h.area };
  throw new RuleViolation(
    'NOTHING_TO_REVOKE',
    h.kind === 'sale' ? 'the application ended in a completed sale, which a revocation does not undo' : 'the application holds no live allocation and no active tenancy',
  );
}

function decideAppeal(command: Extract<AccountabilityCommand, { type: 'DecideAppeal' }>, state: AccountabilityState, ctx: DecisionContext, recorder: Recorder): AccountabilityEvent {
  if (state.status === 'none') throw new NotFound('no violation recorded in this case');
  const s = state.sanctions.find((x) => x.sanctionId === command.sanctionId);
  if (!s) throw new NotFound(`no sanction ${command.sanctionId} in this case`);
  if (!APPEAL_DECISIONS.includes(command.decision)) throw new RuleViolation('APPEAL_DECISION_INVALID', `decisions are ${APPEAL_DECISIONS.join(', ')}`);
  const reasons = command.reasons.map((r) => r.trim()).filter((r) => r);
  if (reasons.length === 0) throw new RuleViolation('REASONS_REQUIRED', 'an appeal decision must give its reasons');
  const now = instant(ctx.now);
  if (!inForce(s, now)) throw new RuleViolation('SANCTION_NOT_IN_FORCE', s.liftedAt !== undefined ? 'the sanction was lifted' : `the sanction ended at ${s.until}`);
  if (s.kind === 'revocation' && command.decision !== 'uphold') {
    throw new RuleViolation('REVOCATION_CARRIED_OUT', 'a revocation is carried out when imposed (the space has gone to 递补 or back to the market); an appeal can only be upheld or dismissed');
  }
  let until: string | undefined;
  if (command.decision === 'shorten') {
    if (s.until === undefined) throw new RuleViolation('SANCTION_HAS_NO_END', 'only a sanction with an end date can be shortened; lift it instead');
    if (command.until === undefined) throw new RuleViolation('SANCTION_UNTIL_REQUIRED', 'a shortening names the new end');
    const t = instant(command.until, 'until');
    if (t <= now) throw new RuleViolation('SANCTION_UNTIL_IN_PAST', 'the new end must be in the future; to end it now, lift it');
    if (t >= instant(s.until)) throw new RuleViolation('SHORTEN_NOT_EARLIER', `the new end must come before the current one (${s.until})`);
    until = new Date(t).toISOString();
  }
  return {
    type: 'SanctionAppealDecided',
    data: {
      caseId: state.caseId,
      sanctionId: s.sanctionId,
      appealId: ctx.newId(),
      decision: command.decision,
      ...(until !== undefined ? { until, ...(s.until !== undefined ? { previousUntil: s.until } : {}) } : {}),
      reasons,
      decidedAt: new Date(now).toISOString(),
      decidedBy: recorder,
    },
  };
}

/** The application bans on an enterprise still in force at `now`: what SubmitApplication's `sanctions` expects. */
export function activeApplicationBans(sanctions: SanctionRecord[], creditCode: string, now: string): Sanction[] {
  const at = instant(now, 'now');
  const code = creditCode.trim().toUpperCase();
  return sanctions
    .filter((s) => s.kind === 'application_ban' && s.subject.kind === 'enterprise' && s.subject.id.toUpperCase() === code)
    .filter((s) => s.until !== undefined && inForce(s, at))
    .map((s) => ({ until: s.until!, reason: s.reason }));
}

export const accountabilityDecider = { initialState: initialAccountabilityState, decide: decideAccountability, evolve: evolveAccountability };
export const accountabilityStream = (id: string) => `accountability-${id}`;
