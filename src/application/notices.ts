// Rental/sale notices (租售通告) and the per-notice procedure: publicity (公示), allocation (配租/配售),
// results. Each use case takes the notice's lock (and the project's where the project's facts decide),
// gathers the facts, and runs the notice's decider. Lock order: lockKeys (keyed-lock.ts).
import { activeApplicationBans } from '../domain/accountability.js';
import type { Allocation, AllocationMethod } from '../domain/allocation.js';
import { type ApplicationFacts, UNKNOWN_APPLICATION, applicationDecider, applicationStream } from '../domain/application.js';
import { type ForfeitReason, type NoticeCommand, type NoticeTerms, noticeDecider, noticeStream } from '../domain/notice.js';
import type { SupplyMode } from '../domain/project.js';
import { NotFound } from '../domain/shared.js';
import { activeSanctionsOf, applicationsOfNotice } from '../projections/procedure-queries.js';
import type { CommandMeta, CommandResult } from './command-handler.js';
import { applicationFactsOf, noticeState, projectFacts, projectFactsForNotice } from './facts.js';
import { type Services, readModelsAtHead } from './services.js';
import { businessNow, iso, noticeLocked, projectLocked } from './use-case.js';

const known = (facts: (ApplicationFacts | null)[]) => facts.filter((f): f is ApplicationFacts => f !== null);

/**
 * The applications among `facts` whose enterprise a sanction bars from applying at the command's time: they
 * are given no space, by the allocation or by 递补 (domain.md: a barred enterprise's application is refused).
 * Read at the log's head, so a sanction recorded before the command counts.
 */
async function barredAmong(services: Services, facts: { applicationId: string; creditCode: string }[], meta: CommandMeta): Promise<string[]> {
  if (facts.length === 0) return [];
  await readModelsAtHead(services);
  const now = businessNow(services, meta);
  const barred = await Promise.all(facts.map(async (f) => activeApplicationBans(await activeSanctionsOf(services.reads, f.creditCode, now), f.creditCode, now).length > 0));
  return facts.filter((_, i) => barred[i]).map((f) => f.applicationId);
}

const onNotice = (services: Services, noticeId: string, command: NoticeCommand, meta: CommandMeta) =>
  services.commands.execute(noticeDecider, noticeStream(noticeId), noticeId, command, meta);

export interface PublishNoticeArgs extends Omit<NoticeTerms, 'publicityWorkingDays'> {
  /** A fresh id (the route's UUID, the importer's deterministic one): the stream must not exist yet. */
  noticeId: string;
  projectId: string;
  supplyMode: SupplyMode;
  /** Default: the platform's setting. */
  publicityWorkingDays?: number;
  /** Commit–reveal: sha256 (hex) of the seed a lottery will use. */
  lotterySeedSha256?: string;
}

export function publishNotice(services: Services, args: PublishNoticeArgs, meta: CommandMeta): Promise<CommandResult> {
  return projectLocked(services, args.projectId, async () => {
    const project = await projectFactsForNotice(services, args.projectId);
    const command: NoticeCommand = {
      type: 'PublishNotice',
      project,
      ...args,
      opensAt: iso(args.opensAt),
      closesAt: iso(args.closesAt),
      publicityWorkingDays: args.publicityWorkingDays ?? services.publicityWorkingDays,
    };
    return onNotice(services, args.noticeId, command, { ...meta, newStream: true });
  });
}

export function amendNotice(services: Services, args: { noticeId: string; changes: Partial<NoticeTerms>; reason: string }, meta: CommandMeta): Promise<CommandResult> {
  const changes = { ...args.changes };
  if (changes.opensAt) changes.opensAt = iso(changes.opensAt);
  if (changes.closesAt) changes.closesAt = iso(changes.closesAt);
  // Under the notice's lock, like the submissions that read its terms, and the project's.
  return noticeLocked(services, args.noticeId, async () => {
    const notice = await noticeState(services, args.noticeId);
    return projectLocked(services, notice.projectId, async () => {
      const project = await projectFactsForNotice(services, notice.projectId);
      return onNotice(services, args.noticeId, { type: 'AmendNotice', changes, reason: args.reason, project }, meta);
    });
  });
}

export function cancelNotice(services: Services, args: { noticeId: string; reason: string }, meta: CommandMeta): Promise<CommandResult> {
  return noticeLocked(services, args.noticeId, () => onNotice(services, args.noticeId, { type: 'CancelNotice', reason: args.reason }, meta));
}

export function closeNotice(services: Services, args: { noticeId: string }, meta: CommandMeta): Promise<CommandResult> {
  return noticeLocked(services, args.noticeId, () => onNotice(services, args.noticeId, { type: 'CloseNotice' }, meta));
}

/** 资质审查结果公示: the list is every application of the notice, read from the read models at the log's head. */
export function startPublicity(services: Services, args: { noticeId: string; endsAt?: string }, meta: CommandMeta): Promise<CommandResult> {
  const { noticeId } = args;
  return noticeLocked(services, noticeId, async () => {
    await noticeState(services, noticeId); // 404 before anything else
    await readModelsAtHead(services); // every application of the notice is listed
    const docs = await applicationsOfNotice(services.reads, noticeId);
    const facts = known(await Promise.all(docs.map((d) => applicationFactsOf(services.events, String(d._id)))));
    const endsAt = args.endsAt ? iso(args.endsAt) : undefined;
    return onNotice(services, noticeId, { type: 'StartPublicity', applications: facts, calendar: services.calendar, ...(endsAt ? { endsAt } : {}) }, meta);
  });
}

/** 配租/配售 on the facts of every application on the publicity list; answers the allocations made. */
export function decideAllocation(
  services: Services,
  args: { noticeId: string; method: AllocationMethod; seed?: string },
  meta: CommandMeta,
): Promise<CommandResult & { allocations: Allocation[] }> {
  const { noticeId } = args;
  return noticeLocked(services, noticeId, async () => {
    const notice = await noticeState(services, noticeId);
    const listed = notice.publicity?.list.map((e) => e.applicationId) ?? [];
    const facts = known(await Promise.all(listed.map((a) => applicationFactsOf(services.events, a))));
    // A notice that lists units allocates them whole: their areas are the project's facts. An offered unit
    // cannot be removed (UNIT_HELD) and units' areas never change, so the project's lock is not needed.
    const units = notice.terms.unitIds?.length ? unitsOf(await projectFacts(services, notice.projectId)) : undefined;
    const barred = await barredAmong(services, facts.filter((f) => f.status === 'reviewed' && f.qualified === true), meta);
    const command: NoticeCommand = { type: 'DecideAllocation', method: args.method, seed: args.seed, applications: facts, ...(units ? { units } : {}), ...(barred.length > 0 ? { barred } : {}) };
    const result = await onNotice(services, noticeId, command, meta);
    return { ...result, allocations: await allocationsOf(services, noticeId) };
  });
}

const unitsOf = (p: { unitAreas?: Record<string, number> }) => Object.entries(p.unitAreas ?? {}).map(([unitId, area]) => ({ unitId, area }));

/** The notice's allocations as decided ([] before the decision). */
export async function allocationsOf(services: Services, noticeId: string): Promise<Allocation[]> {
  return (await noticeState(services, noticeId)).allocation?.allocations ?? [];
}

/**
 * Those of a notice's derived order who could be next for a forfeited allocation (given no space, never
 * released) and whom a sanction bars from applying now: 递补 passes them over. Under the notice's lock.
 */
export async function barredOnWaitlist(services: Services, noticeId: string, forfeiting: string, meta: CommandMeta): Promise<string[]> {
  const allocation = (await noticeState(services, noticeId)).allocation;
  const out = new Set([forfeiting, ...(allocation?.allocations.map((a) => a.applicationId) ?? []), ...(allocation?.released ?? [])]);
  const waiting = known(await Promise.all((allocation?.order ?? []).filter((id) => !out.has(id)).map((id) => applicationFactsOf(services.events, id))));
  return barredAmong(services, waiting, meta);
}

/** The signing deadline counts from the result (and from a 递补), in the configured working days. */
const signingRule = (services: Services) => ({ calendar: services.calendar, workingDays: services.deadlines.signingWorkingDays });

export function publishResult(services: Services, args: { noticeId: string }, meta: CommandMeta): Promise<CommandResult> {
  return noticeLocked(services, args.noticeId, () => onNotice(services, args.noticeId, { type: 'PublishResult', signing: signingRule(services) }, meta));
}

/**
 * A winner's allocation ends unsigned (the scheduler at the signing deadline; a withdrawal; a revocation) and
 * the space goes to the next in the derived order who fits (递补), else back to available. Under the notice's
 * lock, which contracts on the notice take too, so "not signed" is still true when the event is appended.
 */
export function forfeitAllocation(
  services: Services,
  args: { noticeId: string; applicationId: string; reason: ForfeitReason; detail?: string },
  meta: CommandMeta,
): Promise<CommandResult> {
  const { noticeId, applicationId, reason, detail } = args;
  return noticeLocked(services, noticeId, async () => {
    const { state } = await services.commands.load(applicationDecider, applicationStream(applicationId), true);
    const signed = state.status !== 'none' && state.contract !== undefined;
    const owner = state.status !== 'none' ? { owner: state.creditCode } : {};
    const barred = await barredOnWaitlist(services, noticeId, applicationId, meta);
    return onNotice(services, noticeId, { type: 'ForfeitAllocation', applicationId, reason, detail, signed, signing: signingRule(services), ...owner, ...(barred.length > 0 ? { barred } : {}) }, meta);
  });
}

/** 放弃: the enterprise declines the space allocated to it before signing; it goes on as a forfeiture does (递补). */
export async function declineAllocation(services: Services, args: { applicationId: string; reason?: string }, meta: CommandMeta): Promise<CommandResult> {
  const { state } = await services.commands.load(applicationDecider, applicationStream(args.applicationId), true);
  if (state.status === 'none') throw new NotFound(UNKNOWN_APPLICATION);
  return forfeitAllocation(services, { noticeId: state.noticeId, applicationId: args.applicationId, reason: 'withdrawn', ...(args.reason?.trim() ? { detail: args.reason.trim() } : {}) }, meta);
}
