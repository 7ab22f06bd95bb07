// Accountability (追责): violations with their evidence and the sanctions that follow, by city_admin.
import {
  type AppealDecision,
  type Holding,
  type Revocation,
  type SanctionKind,
  type Subject,
  type ViolationKind,
  accountabilityDecider,
  accountabilityStream,
} from '../domain/accountability.js';
import { applicationDecider, applicationStream } from '../domain/application.js';
import { noticeDecider, noticeStream } from '../domain/notice.js';
import { NotFound } from '../domain/shared.js';
import { tenancyDecider, tenancyStream } from '../domain/tenancy.js';
import type { CommandMeta, CommandResult } from './command-handler.js';
import { lockKeys } from './keyed-lock.js';
import { type Services, readModelsAtHead } from './services.js';
import { barredOnWaitlist } from './notices.js';
import { leaseOf } from './tenancies.js';
import { iso } from './use-case.js';
import { caseOfSanction, pendingRevocations } from '../projections/accountability-queries.js';

/** A violation with its evidence (event ids, each looked up in the log), by city_admin; caseId is fresh. */
export async function recordViolation(
  services: Services,
  args: { caseId: string; subject: Subject; kind: ViolationKind; description: string; evidence: string[] },
  meta: CommandMeta,
): Promise<CommandResult> {
  const onRecord = await services.events.eventsById(args.evidence.map((e) => e.trim()).filter((e) => e));
  const command = { type: 'RecordViolation' as const, ...args, evidenceOnRecord: onRecord.map((e) => e.id) };
  return services.commands.execute(accountabilityDecider, accountabilityStream(args.caseId), args.caseId, command, { ...meta, newStream: true });
}

export async function imposeSanction(
  services: Services,
  args: { caseId: string; kind: SanctionKind; until?: string; reason: string; applicationId?: string },
  meta: CommandMeta,
): Promise<CommandResult> {
  const { caseId, until, ...rest } = args;
  // A sanction on an enterprise takes the enterprise's lock, which submissions also take (submitApplication),
  // so no application of a barred enterprise is accepted after the ban is recorded.
  const { state } = await services.commands.load(accountabilityDecider, accountabilityStream(caseId), true);
  const key = state.status === 'recorded' && state.subject.kind === 'enterprise' ? lockKeys.enterprise(state.subject.id) : lockKeys.case(caseId);
  const command = { type: 'ImposeSanction' as const, ...rest, ...(until ? { until: iso(until) } : {}) };
  const impose = (holding?: Holding) => services.commands.execute(accountabilityDecider, accountabilityStream(caseId), caseId, { ...command, ...(holding ? { holding } : {}) }, meta);
  if (args.kind !== 'revocation' || !args.applicationId?.trim()) return services.locks.run(key, () => impose());

  // A revocation: decided on what the application holds, read under the locks of everything it changes
  // (notice → tenancy → enterprise, see lockKeys): a contract is recorded under the notice's lock and a
  // tenancy changes under its own, so the holding cannot change between the decision and its effect.
  const applicationId = args.applicationId.trim();
  const application = (await services.commands.load(applicationDecider, applicationStream(applicationId), true)).state;
  if (application.status === 'none') return services.locks.run(key, () => impose()); // the decider says what is wrong first
  const held = new Set([applicationId]);
  // Decided on the holding read with every lock it needs held: a lease moved by 换租 is locked under its
  // successor's id too (older before newer, as a move takes them), and the holding is read again inside.
  const underLocks = async (): Promise<CommandResult> => {
    const holding = await holdingOf(services, applicationId);
    if (holding.kind === 'tenancy' && !held.has(holding.tenancyId)) {
      held.add(holding.tenancyId);
      return services.locks.run(lockKeys.tenancy(holding.tenancyId), underLocks);
    }
    return services.locks.run(key, async () => {
      const imposed = await impose(holding);
      const event = (await services.events.readStream(accountabilityStream(caseId), { toRevision: imposed.revision })).at(-1);
      const data = event?.data as { revokes?: Revocation; reason: string } | undefined;
      if (!data?.revokes) return imposed;
      // Should this append fail (the process stops), the scheduler carries the effect out (carryOutPendingRevocations).
      const effect = await carryOut(services, caseId, data.revokes, data.reason, { actor: meta.actor, requestId: meta.requestId, correlationId: meta.correlationId ?? meta.requestId, causationId: event!.id });
      return { ...imposed, position: effect.position };
    });
  };
  return services.locks.run(lockKeys.notice(application.noticeId), () => services.locks.run(lockKeys.tenancy(applicationId), underLocks));
}

/** The id of the sanction imposed by the case's event at `revision` (the answer to imposeSanction). */
export async function sanctionIdAt(services: Services, caseId: string, revision: number): Promise<string | undefined> {
  const imposed = (await services.events.readStream(accountabilityStream(caseId), { toRevision: revision })).at(-1);
  return imposed?.type === 'SanctionImposed' ? (imposed.data as { sanctionId: string }).sanctionId : undefined;
}

/**
 * What the application holds now: a live allocation on its notice (no contract yet), an active tenancy
 * (its lease, or the 换租 successor it moved to), a completed sale, or nothing.
 */
export async function holdingOf(services: Services, applicationId: string): Promise<Holding> {
  const { state } = await services.commands.load(applicationDecider, applicationStream(applicationId), true);
  if (state.status === 'none') throw new NotFound(`no application ${applicationId}`);
  const creditCode = state.creditCode;
  const base = { applicationId, creditCode };
  if (state.contract) {
    if (!state.contract.lease) return { kind: 'sale', ...base };
    let tenancyId = applicationId;
    for (let hops = 0; hops < 100; hops++) {
      const { state: t } = await services.commands.load(tenancyDecider, tenancyStream(tenancyId), true);
      if (t.status !== 'ended') return { kind: 'tenancy', ...base, tenancyId, area: (await leaseOf(services, tenancyId)).area };
      if (t.how !== 'exchange') return { kind: 'none', ...base };
      const ended = (await services.events.readStream(tenancyStream(tenancyId))).findLast((e) => e.type === 'TenancyEnded');
      const successor = (ended?.data as { successor?: { tenancyId: string } } | undefined)?.successor;
      if (!successor) return { kind: 'none', ...base };
      tenancyId = successor.tenancyId;
    }
    return { kind: 'none', ...base };
  }
  const { state: notice } = await services.commands.load(noticeDecider, noticeStream(state.noticeId), true);
  const live = notice.status === 'none' ? undefined : notice.allocation?.allocations.find((a) => a.applicationId === applicationId);
  return live ? { kind: 'allocation', ...base, noticeId: state.noticeId, area: live.area } : { kind: 'none', ...base };
}

/**
 * The revocation's effect, on the stream of what it revokes: the notice forfeits the allocation (reason
 * `revoked`) and offers the space to the next in its derived order (递补), else it returns to available;
 * or the tenancy is recovered on the grounds of the sanction. Both name the case.
 */
async function carryOut(services: Services, caseId: string, revokes: Revocation, reason: string, meta: CommandMeta): Promise<CommandResult> {
  if (revokes.what === 'allocation') {
    const signing = { calendar: services.calendar, workingDays: services.deadlines.signingWorkingDays };
    const barred = await barredOnWaitlist(services, revokes.noticeId, revokes.applicationId, meta);
    const command = { type: 'ForfeitAllocation' as const, applicationId: revokes.applicationId, reason: 'revoked' as const, detail: reason, signed: false, signing, accountabilityId: caseId, ...(barred.length > 0 ? { barred } : {}) };
    return services.commands.execute(noticeDecider, noticeStream(revokes.noticeId), revokes.noticeId, command, meta);
  }
  const lease = await leaseOf(services, revokes.tenancyId);
  const command = { type: 'RecoverTenancy' as const, lease, grounds: 'sanction' as const, reasons: [reason], accountabilityId: caseId };
  return services.commands.execute(tenancyDecider, tenancyStream(revokes.tenancyId), revokes.tenancyId, command, meta);
}

/**
 * A revocation whose effect is not on record — the process stopped between the sanction's append and its
 * effect's — is carried out by the scheduler, under the same locks, if the application still holds what
 * the sanction names (else the space already left by other means, and nothing is appended). Exactly once:
 * the locks order it after an imposition still under way, and the notice's or tenancy's decider refuses
 * a second effect. Answers the sanction ids carried out.
 */
export async function carryOutPendingRevocations(services: Services, actor: CommandMeta['actor']): Promise<string[]> {
  await readModelsAtHead(services);
  const carried: string[] = [];
  for (const p of await pendingRevocations(services.reads)) {
    const { revokes } = p;
    const application = (await services.commands.load(applicationDecider, applicationStream(revokes.applicationId), true)).state;
    if (application.status === 'none') continue;
    const tenancyKey = lockKeys.tenancy(revokes.what === 'tenancy' ? revokes.tenancyId : revokes.applicationId);
    const done = await services.locks.run(lockKeys.notice(application.noticeId), () =>
      services.locks.run(tenancyKey, async () => {
        const holding = await holdingOf(services, revokes.applicationId);
        const still = revokes.what === 'allocation' ? holding.kind === 'allocation' : holding.kind === 'tenancy' && holding.tenancyId === revokes.tenancyId;
        if (!still) return false;
        const imposed = (await services.events.readStream(accountabilityStream(p.caseId))).find((e) => e.type === 'SanctionImposed' && (e.data as { sanctionId: string }).sanctionId === p.sanctionId);
        await carryOut(services, p.caseId, revokes, p.reason, { actor, correlationId: `revocation:${p.sanctionId}`, causationId: imposed?.id ?? null });
        return true;
      }),
    );
    if (done) carried.push(p.sanctionId);
  }
  return carried;
}

/** 申诉: city_admin lifts, shortens or upholds a sanction, with reasons. The sanction's case is found by its id. */
export async function decideAppeal(
  services: Services,
  args: { sanctionId: string; decision: AppealDecision; until?: string; reasons: string[] },
  meta: CommandMeta,
): Promise<CommandResult> {
  const { sanctionId, until, ...rest } = args;
  await readModelsAtHead(services);
  const caseId = await caseOfSanction(services.reads, sanctionId);
  if (caseId === undefined) throw new NotFound(`no sanction ${sanctionId}`);
  const { state } = await services.commands.load(accountabilityDecider, accountabilityStream(caseId), true);
  // The enterprise's lock, as for imposing: a lifted ban and a submission are ordered.
  const key = state.status === 'recorded' && state.subject.kind === 'enterprise' ? lockKeys.enterprise(state.subject.id) : lockKeys.case(caseId);
  const command = { type: 'DecideAppeal' as const, sanctionId, ...rest, ...(until ? { until: iso(until) } : {}) };
  return services.locks.run(key, () => services.commands.execute(accountabilityDecider, accountabilityStream(caseId), caseId, command, meta));
}
