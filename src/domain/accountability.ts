// Accountability (追责), stream `accountability-<id>`: one case per stream. A violation is recorded first
// (city_admin only, with the evidence as event ids), then any number of sanctions on its subject.
//
// Enforcement: a sanction lives in its case stream; the command handler of SubmitApplication gathers the
// applicant's sanctions (from a read model fed by SanctionImposed events, or by folding the case streams
// with sanctionsOf()), filters them with activeApplicationBans(sanctions, creditCode, now), and passes the
// result as `sanctions` in the command. The application decider refuses with ENTERPRISE_BARRED while any
// ban's `until` is after the command's time. The decider itself never looks anything up.
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
export const SANCTION_KINDS = ['application_ban', 'public_criticism', 'disciplinary_referral'] as const;
export type SanctionKind = (typeof SANCTION_KINDS)[number];
export const SANCTION_KIND_NAMES: Record<SanctionKind, string> = {
  application_ban: '限制申请',
  public_criticism: '通报批评',
  disciplinary_referral: '移送纪检监察',
};

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
  until?: string;
  reason: string;
}
interface Recorder {
  id: string;
  name?: string;
}

export type AccountabilityEvent =
  | DomainEvent<'ViolationRecorded', { caseId: string; subject: Subject; kind: ViolationKind; description: string; evidence: string[]; recorder: Recorder }>
  | DomainEvent<'SanctionImposed', SanctionRecord & { imposedBy: Recorder }>;

export type AccountabilityCommand =
  | { type: 'RecordViolation'; caseId: string; subject: Subject; kind: ViolationKind; description: string; evidence: string[] }
  | { type: 'ImposeSanction'; kind: SanctionKind; until?: string; reason: string };

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
      if (command.kind === 'application_ban') {
        if (state.subject.kind !== 'enterprise') throw new RuleViolation('SANCTION_SUBJECT_MISMATCH', 'only an enterprise can be barred from applying');
        if (command.until === undefined) throw new RuleViolation('SANCTION_UNTIL_REQUIRED', 'a ban needs an end date');
      }
      if (command.until !== undefined && instant(command.until, 'until') <= instant(ctx.now)) {
        throw new RuleViolation('SANCTION_UNTIL_IN_PAST', 'a sanction must end in the future');
      }
      if (blank(command.reason)) throw new RuleViolation('REASON_REQUIRED', 'a sanction must say why');
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
            imposedBy: recorder,
          },
        },
      ];
    }
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
    default:
      return assertNever(event);
  }
}

/** The sanctions in any sequence of accountability events (one case or many, in any order). */
export function sanctionsOf(events: AccountabilityEvent[]): SanctionRecord[] {
  return events.flatMap((e) => {
    if (e.type !== 'SanctionImposed') return [];
    const { imposedBy: _by, ...sanction } = e.data;
    return [sanction];
  });
}

/** The application bans on an enterprise still in force at `now`: what SubmitApplication's `sanctions` expects. */
export function activeApplicationBans(sanctions: SanctionRecord[], creditCode: string, now: string): Sanction[] {
  const at = instant(now, 'now');
  const code = creditCode.trim().toUpperCase();
  return sanctions
    .filter((s) => s.kind === 'application_ban' && s.subject.kind === 'enterprise' && s.subject.id.toUpperCase() === code)
    .filter((s) => s.until !== undefined && instant(s.until) > at)
    .map((s) => ({ until: s.until!, reason: s.reason }));
}

export const accountabilityDecider = { initialState: initialAccountabilityState, decide: decideAccountability, evolve: evolveAccountability };
export const accountabilityStream = (id: string) => `accountability-${id}`;
