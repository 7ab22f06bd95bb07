// Applications (在线申请及审核), objections (异议) and the contracts recorded back. Every use case runs
// under the lock of the application's notice with a fresh snapshot of the notice; a submission also
// takes the enterprise's lock, so it is ordered against a sanction on that enterprise.
import { activeApplicationBans } from '../domain/accountability.js';
import { type ApplicationCommand, type DeadlineRule, type DeclaredFacts, type DocumentRef, applicationDecider, applicationIdFor, applicationStream } from '../domain/application.js';
import { NotFound } from '../domain/shared.js';
import { activeSanctionsOf, findObjection } from '../projections/procedure-queries.js';
import type { CommandMeta, CommandResult } from './command-handler.js';
import { noticeFacts, noticeOfApplication } from './facts.js';
import { type Services, readModelsAtHead } from './services.js';
import { businessNow, creditCodeOf, enterpriseLocked, iso, noticeLocked } from './use-case.js';

/** The review, 补正 and objection deadlines: the platform's calendar and configured defaults (a notice may set its own). */
const deadlineRule = (services: Services): DeadlineRule => {
  const { reviewWorkingDays, correctionWorkingDays, objectionWorkingDays } = services.deadlines;
  return { calendar: services.calendar, reviewWorkingDays, correctionWorkingDays, objectionWorkingDays };
};

const onApplicationStream = (services: Services, applicationId: string, command: ApplicationCommand, meta: CommandMeta) =>
  services.commands.execute(applicationDecider, applicationStream(applicationId), applicationId, command, meta);

/** Runs under the lock of the application's notice, with a fresh snapshot of the notice. */
async function onApplication<T>(services: Services, applicationId: string, work: (notice: Awaited<ReturnType<typeof noticeFacts>>) => Promise<T>): Promise<T> {
  const noticeId = await noticeOfApplication(services, applicationId);
  return noticeLocked(services, noticeId, async () => work(await noticeFacts(services, noticeId)));
}

export interface SubmitApplicationArgs {
  noticeId: string;
  enterpriseName: string;
  requestedArea: number;
  declared: DeclaredFacts;
  documents: DocumentRef[];
}

/** 在线申请, by the enterprise of `meta.actor` (its credit code names the application: applicationIdFor()). */
export function submitApplication(services: Services, args: SubmitApplicationArgs, meta: CommandMeta): Promise<CommandResult> {
  const creditCode = creditCodeOf(meta, 'apply');
  const { noticeId, ...body } = args;
  const applicationId = applicationIdFor(noticeId, creditCode);
  // The enterprise's lock orders this submission against a sanction imposed on it (imposeSanction below).
  return noticeLocked(services, noticeId, () =>
    enterpriseLocked(services, creditCode, async () => {
      const notice = await noticeFacts(services, noticeId);
      await readModelsAtHead(services); // sanctions recorded up to now are visible
      const now = businessNow(services, meta);
      const sanctions = activeApplicationBans(await activeSanctionsOf(services.reads, creditCode, now), creditCode, now);
      return onApplicationStream(services, applicationId, { type: 'SubmitApplication', applicationId, notice, sanctions, ...body, deadlines: deadlineRule(services) }, meta);
    }),
  );
}

export function withdrawApplication(services: Services, args: { applicationId: string; reason?: string }, meta: CommandMeta): Promise<CommandResult> {
  return onApplication(services, args.applicationId, () => onApplicationStream(services, args.applicationId, { type: 'WithdrawApplication', reason: args.reason }, meta));
}

export function resubmitApplication(services: Services, args: { applicationId: string; documents: DocumentRef[] }, meta: CommandMeta): Promise<CommandResult> {
  return onApplication(services, args.applicationId, (notice) =>
    onApplicationStream(services, args.applicationId, { type: 'ResubmitApplication', notice, documents: args.documents, deadlines: deadlineRule(services) }, meta),
  );
}

/** 补正: send back for missing material. */
export function returnApplication(services: Services, args: { applicationId: string; missing: string[] }, meta: CommandMeta): Promise<CommandResult> {
  return onApplication(services, args.applicationId, (notice) => onApplicationStream(services, args.applicationId, { type: 'ReturnApplication', notice, missing: args.missing, deadlines: deadlineRule(services) }, meta));
}

/** The 补正 deadline passed without a resubmission: the application lapses (the scheduler's use case). */
export async function lapseApplication(services: Services, args: { applicationId: string }, meta: CommandMeta): Promise<CommandResult> {
  // Decided on the application's own stream (its 补正 deadline is there); the notice's lock orders it against a resubmission.
  const noticeId = await noticeOfApplication(services, args.applicationId);
  return noticeLocked(services, noticeId, () => onApplicationStream(services, args.applicationId, { type: 'LapseApplication' }, meta));
}

/** 资质审查: qualified or not, with reasons (and a score for a ranking). */
export function reviewQualification(
  services: Services,
  args: { applicationId: string; qualified: boolean; reasons: string[]; score?: number },
  meta: CommandMeta,
): Promise<CommandResult> {
  const { applicationId, ...review } = args;
  return onApplication(services, applicationId, (notice) => onApplicationStream(services, applicationId, { type: 'ReviewQualification', notice, ...review }, meta));
}

/** The signed lease (a rent notice) or completed sale (a sale notice), recorded back from the off-platform contract. */
export interface RecordContractArgs {
  applicationId: string;
  area: number;
  contractRef: string;
  signedOn: string;
  /** A lease's term and rent. */
  startsOn?: string;
  endsOn?: string;
  monthlyRent?: number;
  /** A sale's price and resale restriction. */
  price?: number;
  resaleRestriction?: string;
}

/** The signed lease (a rent notice: the tenancy starts with it) or completed sale, recorded back from the off-platform contract. */
export function recordContract(services: Services, args: RecordContractArgs, meta: CommandMeta): Promise<CommandResult> {
  const { applicationId, area, contractRef, signedOn, startsOn, endsOn, monthlyRent, price, resaleRestriction } = args;
  const lease = startsOn !== undefined && endsOn !== undefined && monthlyRent !== undefined ? { lease: { startsOn: iso(startsOn), endsOn: iso(endsOn), monthlyRent } } : {};
  const sale = price !== undefined ? { sale: { price, ...(resaleRestriction !== undefined ? { resaleRestriction } : {}) } } : {};
  return onApplication(services, applicationId, (notice) =>
    onApplicationStream(services, applicationId, { type: notice.supplyMode === 'rent' ? 'RecordLease' : 'RecordSale', notice, area, contractRef, signedOn: iso(signedOn), ...lease, ...sale }, meta),
  );
}

/** 异议 on an entry of the notice's publicity (never anonymous); answers the new objection's id. */
export async function fileObjection(
  services: Services,
  args: { noticeId: string; applicationId: string; content: string },
  meta: CommandMeta,
): Promise<CommandResult & { objectionId?: string }> {
  const { noticeId, applicationId, content } = args;
  const ofApplication = await noticeOfApplication(services, applicationId);
  if (ofApplication !== noticeId) throw new NotFound(`application ${applicationId} is not an application to notice ${noticeId}`);
  return noticeLocked(services, noticeId, async () => {
    const notice = await noticeFacts(services, noticeId);
    const result = await onApplicationStream(services, applicationId, { type: 'FileObjection', notice, content, deadlines: deadlineRule(services) }, meta);
    return { ...result, objectionId: await objectionIdAt(services, applicationId, result.revision) };
  });
}

/** The id of the objection filed by the application's event at `revision` (the answer to fileObjection). */
export async function objectionIdAt(services: Services, applicationId: string, revision: number): Promise<string | undefined> {
  const filed = (await services.events.readStream(applicationStream(applicationId), { toRevision: revision })).at(-1);
  return (filed?.data as { objectionId?: string } | undefined)?.objectionId;
}

/** Upheld (a new review then answers it) or dismissed. */
export async function resolveObjection(services: Services, args: { objectionId: string; upheld: boolean; reason: string }, meta: CommandMeta): Promise<CommandResult> {
  const { objectionId, ...resolution } = args;
  await readModelsAtHead(services);
  const objection = await findObjection(services.reads, objectionId);
  if (!objection) throw new NotFound(`no objection ${objectionId}`);
  return onApplication(services, objection.applicationId, (notice) =>
    onApplicationStream(services, objection.applicationId, { type: 'ResolveObjection', notice, objectionId, ...resolution, deadlines: deadlineRule(services) }, meta),
  );
}
