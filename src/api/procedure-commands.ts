// Every command of the procedure (notices, applications, objections, contracts, exchanges, accountability)
// as one plain function: it takes the locks, gathers the facts the decider needs from other streams and
// the read models, and runs the command. The HTTP routes are thin callers of these, and so is the importer
// (npm run seed), so every cross-stream rule is assembled once.
//
// `meta` says who acts and when: for a live request the route's actor and the server's clock; for an
// imported legacy record `meta.importedAt` is the business time, and the facts are taken as of the log now
// (the importer replays history in time order). Locks, in the order always taken:
//   notice:<id> → enterprise:<credit code> (a submission; a sanction takes the enterprise's alone)
//   notice:<id> → project:<id> (an amendment); project:<id> (a publication)
//   enterprise:<credit code> → project:<id> (an exchange request naming a project)
import { activeApplicationBans, accountabilityDecider, accountabilityStream, type SanctionKind, type Subject, type ViolationKind } from '../domain/accountability.js';
import type { AllocationMethod, Allocation } from '../domain/allocation.js';
import { type ApplicationCommand, type ApplicationFacts, type DeclaredFacts, type DocumentRef, applicationDecider, applicationIdFor, applicationStream } from '../domain/application.js';
import { type ExchangeCommand, type WantedSpace, exchangeDecider, exchangeStream } from '../domain/exchange.js';
import { type NoticeCommand, type NoticeTerms, noticeDecider, noticeStream } from '../domain/notice.js';
import type { SupplyMode } from '../domain/project.js';
import { Forbidden, NotFound } from '../domain/shared.js';
import { subjectKey } from '../projections/accountability.js';
import { activeSanctionsOf, applicationsOfNotice, findObjection, openExchangesOf, tenancyOf } from '../projections/procedure-queries.js';
import type { CommandMeta, CommandResult } from './command-handler.js';
import type { Platform } from './platform.js';
import { applicationFactsOf, noticeFacts, noticeOfApplication, noticeState, projectFacts, projectFactsForNotice, readModelsAtHead } from './procedure.js';

const iso = (t: string) => new Date(t).toISOString();
const known = (facts: (ApplicationFacts | null)[]) => facts.filter((f): f is ApplicationFacts => f !== null);
/** The business time of the command: the imported record's, or the server's clock. */
const businessNow = (platform: Platform, meta: CommandMeta) => meta.importedAt ?? platform.commands.now();

function creditCodeOf(meta: CommandMeta, what: string): string {
  const code = meta.actor.role === 'enterprise' ? meta.actor.creditCode : undefined;
  if (!code) throw new Forbidden(`only an enterprise may ${what}, for itself`);
  return code;
}

// ---- notices (租售通告) ----

const onNotice = (platform: Platform, noticeId: string, command: NoticeCommand, meta: CommandMeta) =>
  platform.commands.execute(noticeDecider, noticeStream(noticeId), noticeId, command, meta);
const noticeLocked = <T>(platform: Platform, noticeId: string, work: () => Promise<T>) => platform.locks.run(`notice:${noticeId}`, work);
/** The project's lock orders a notice decided on the project's facts against changes to the project (routes/projects.ts). */
const projectLocked = <T>(platform: Platform, projectId: string, work: () => Promise<T>) => platform.locks.run(`project:${projectId}`, work);

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

export function publishNotice(platform: Platform, args: PublishNoticeArgs, meta: CommandMeta): Promise<CommandResult> {
  return projectLocked(platform, args.projectId, async () => {
    const project = await projectFactsForNotice(platform, args.projectId);
    const command: NoticeCommand = {
      type: 'PublishNotice',
      project,
      ...args,
      opensAt: iso(args.opensAt),
      closesAt: iso(args.closesAt),
      publicityWorkingDays: args.publicityWorkingDays ?? platform.publicityWorkingDays,
    };
    return onNotice(platform, args.noticeId, command, { ...meta, newStream: true });
  });
}

export function amendNotice(platform: Platform, args: { noticeId: string; changes: Partial<NoticeTerms>; reason: string }, meta: CommandMeta): Promise<CommandResult> {
  const changes = { ...args.changes };
  if (changes.opensAt) changes.opensAt = iso(changes.opensAt);
  if (changes.closesAt) changes.closesAt = iso(changes.closesAt);
  // Under the notice's lock, like the submissions that read its terms, and the project's.
  return noticeLocked(platform, args.noticeId, async () => {
    const notice = await noticeState(platform, args.noticeId);
    return projectLocked(platform, notice.projectId, async () => {
      const project = await projectFactsForNotice(platform, notice.projectId, args.noticeId);
      return onNotice(platform, args.noticeId, { type: 'AmendNotice', changes, reason: args.reason, project }, meta);
    });
  });
}

export function cancelNotice(platform: Platform, args: { noticeId: string; reason: string }, meta: CommandMeta): Promise<CommandResult> {
  return noticeLocked(platform, args.noticeId, () => onNotice(platform, args.noticeId, { type: 'CancelNotice', reason: args.reason }, meta));
}

export function closeNotice(platform: Platform, args: { noticeId: string }, meta: CommandMeta): Promise<CommandResult> {
  return noticeLocked(platform, args.noticeId, () => onNotice(platform, args.noticeId, { type: 'CloseNotice' }, meta));
}

/** 资质审查结果公示: the list is every application of the notice, read from the read models at the log's head. */
export function startPublicity(platform: Platform, args: { noticeId: string; endsAt?: string }, meta: CommandMeta): Promise<CommandResult> {
  const { noticeId } = args;
  return noticeLocked(platform, noticeId, async () => {
    await noticeState(platform, noticeId); // 404 before anything else
    await readModelsAtHead(platform); // every application of the notice is listed
    const docs = await applicationsOfNotice(platform.reads, noticeId);
    const facts = known(await Promise.all(docs.map((d) => applicationFactsOf(platform, String(d._id)))));
    const endsAt = args.endsAt ? iso(args.endsAt) : undefined;
    return onNotice(platform, noticeId, { type: 'StartPublicity', applications: facts, calendar: platform.calendar, ...(endsAt ? { endsAt } : {}) }, meta);
  });
}

/** 配租/配售 on the facts of every application on the publicity list; answers the allocations made. */
export function decideAllocation(
  platform: Platform,
  args: { noticeId: string; method: AllocationMethod; seed?: string },
  meta: CommandMeta,
): Promise<CommandResult & { allocations: Allocation[] }> {
  const { noticeId } = args;
  return noticeLocked(platform, noticeId, async () => {
    const notice = await noticeState(platform, noticeId);
    const listed = notice.publicity?.list.map((e) => e.applicationId) ?? [];
    const facts = known(await Promise.all(listed.map((a) => applicationFactsOf(platform, a))));
    const result = await onNotice(platform, noticeId, { type: 'DecideAllocation', method: args.method, seed: args.seed, applications: facts }, meta);
    return { ...result, allocations: await allocationsOf(platform, noticeId) };
  });
}

/** The notice's allocations as decided ([] before the decision). */
export async function allocationsOf(platform: Platform, noticeId: string): Promise<Allocation[]> {
  return (await noticeState(platform, noticeId)).allocation?.allocations ?? [];
}

export function publishResult(platform: Platform, args: { noticeId: string }, meta: CommandMeta): Promise<CommandResult> {
  return noticeLocked(platform, args.noticeId, () => onNotice(platform, args.noticeId, { type: 'PublishResult' }, meta));
}

// ---- applications (在线申请及审核), objections (异议), contracts ----

const onApplicationStream = (platform: Platform, applicationId: string, command: ApplicationCommand, meta: CommandMeta) =>
  platform.commands.execute(applicationDecider, applicationStream(applicationId), applicationId, command, meta);

/** Runs under the lock of the application's notice, with a fresh snapshot of the notice. */
async function onApplication<T>(platform: Platform, applicationId: string, work: (notice: Awaited<ReturnType<typeof noticeFacts>>) => Promise<T>): Promise<T> {
  const noticeId = await noticeOfApplication(platform, applicationId);
  return noticeLocked(platform, noticeId, async () => work(await noticeFacts(platform, noticeId)));
}

export interface SubmitApplicationArgs {
  noticeId: string;
  enterpriseName: string;
  requestedArea: number;
  declared: DeclaredFacts;
  documents: DocumentRef[];
}

/** 在线申请, by the enterprise of `meta.actor` (its credit code names the application: applicationIdFor()). */
export function submitApplication(platform: Platform, args: SubmitApplicationArgs, meta: CommandMeta): Promise<CommandResult> {
  const creditCode = creditCodeOf(meta, 'apply');
  const { noticeId, ...body } = args;
  const applicationId = applicationIdFor(noticeId, creditCode);
  // The enterprise's lock orders this submission against a sanction imposed on it (imposeSanction below).
  return noticeLocked(platform, noticeId, () =>
    platform.locks.run(`enterprise:${subjectKey(creditCode)}`, async () => {
      const notice = await noticeFacts(platform, noticeId);
      await readModelsAtHead(platform); // sanctions recorded up to now are visible
      const now = businessNow(platform, meta);
      const sanctions = activeApplicationBans(await activeSanctionsOf(platform.reads, creditCode, now), creditCode, now);
      return onApplicationStream(platform, applicationId, { type: 'SubmitApplication', applicationId, notice, sanctions, ...body }, meta);
    }),
  );
}

export function withdrawApplication(platform: Platform, args: { applicationId: string; reason?: string }, meta: CommandMeta): Promise<CommandResult> {
  return onApplication(platform, args.applicationId, () => onApplicationStream(platform, args.applicationId, { type: 'WithdrawApplication', reason: args.reason }, meta));
}

export function resubmitApplication(platform: Platform, args: { applicationId: string; documents: DocumentRef[] }, meta: CommandMeta): Promise<CommandResult> {
  return onApplication(platform, args.applicationId, (notice) =>
    onApplicationStream(platform, args.applicationId, { type: 'ResubmitApplication', notice, documents: args.documents }, meta),
  );
}

/** 补正: send back for missing material. */
export function returnApplication(platform: Platform, args: { applicationId: string; missing: string[] }, meta: CommandMeta): Promise<CommandResult> {
  return onApplication(platform, args.applicationId, (notice) => onApplicationStream(platform, args.applicationId, { type: 'ReturnApplication', notice, missing: args.missing }, meta));
}

/** 资质审查: qualified or not, with reasons (and a score for a ranking). */
export function reviewQualification(
  platform: Platform,
  args: { applicationId: string; qualified: boolean; reasons: string[]; score?: number },
  meta: CommandMeta,
): Promise<CommandResult> {
  const { applicationId, ...review } = args;
  return onApplication(platform, applicationId, (notice) => onApplicationStream(platform, applicationId, { type: 'ReviewQualification', notice, ...review }, meta));
}

/** The signed lease (a rent notice) or completed sale (a sale notice), recorded back from the off-platform contract. */
export function recordContract(platform: Platform, args: { applicationId: string; area: number; contractRef: string; signedOn: string }, meta: CommandMeta): Promise<CommandResult> {
  const { applicationId, ...contract } = args;
  return onApplication(platform, applicationId, (notice) =>
    onApplicationStream(platform, applicationId, { type: notice.supplyMode === 'rent' ? 'RecordLease' : 'RecordSale', notice, ...contract, signedOn: iso(contract.signedOn) }, meta),
  );
}

/** 异议 on an entry of the notice's publicity (never anonymous); answers the new objection's id. */
export async function fileObjection(
  platform: Platform,
  args: { noticeId: string; applicationId: string; content: string },
  meta: CommandMeta,
): Promise<CommandResult & { objectionId?: string }> {
  const { noticeId, applicationId, content } = args;
  const ofApplication = await noticeOfApplication(platform, applicationId);
  if (ofApplication !== noticeId) throw new NotFound(`application ${applicationId} is not an application to notice ${noticeId}`);
  return noticeLocked(platform, noticeId, async () => {
    const notice = await noticeFacts(platform, noticeId);
    const result = await onApplicationStream(platform, applicationId, { type: 'FileObjection', notice, content }, meta);
    return { ...result, objectionId: await objectionIdAt(platform, applicationId, result.revision) };
  });
}

/** The id of the objection filed by the application's event at `revision` (the answer to fileObjection). */
export async function objectionIdAt(platform: Platform, applicationId: string, revision: number): Promise<string | undefined> {
  const filed = (await platform.events.readStream(applicationStream(applicationId), { toRevision: revision })).at(-1);
  return (filed?.data as { objectionId?: string } | undefined)?.objectionId;
}

/** Upheld (a new review then answers it) or dismissed. */
export async function resolveObjection(platform: Platform, args: { objectionId: string; upheld: boolean; reason: string }, meta: CommandMeta): Promise<CommandResult> {
  const { objectionId, ...resolution } = args;
  await readModelsAtHead(platform);
  const objection = await findObjection(platform.reads, objectionId);
  if (!objection) throw new NotFound(`no objection ${objectionId}`);
  return onApplication(platform, objection.applicationId, (notice) =>
    onApplicationStream(platform, objection.applicationId, { type: 'ResolveObjection', notice, objectionId, ...resolution }, meta),
  );
}

// ---- rent exchanges (换租) ----

const onExchange = (platform: Platform, exchangeId: string, command: ExchangeCommand, meta: CommandMeta) =>
  platform.commands.execute(exchangeDecider, exchangeStream(exchangeId), exchangeId, command, meta);

/** 换租: the tenant enterprise of `meta.actor` asks to move; exchangeId is fresh (the stream must not exist). */
export function requestExchange(platform: Platform, args: { exchangeId: string; wanted: WantedSpace; reason: string }, meta: CommandMeta): Promise<CommandResult> {
  const creditCode = creditCodeOf(meta, 'ask for an exchange');
  const wantedProjectId = args.wanted.projectId;
  // At most one open request per lease: the enterprise's lock orders its requests, and the read models at
  // the log's head show every request appended before (the pattern of the other cross-stream rules); the
  // wanted project's lock orders this against its withdrawal (routes/projects.ts).
  return platform.locks.run(`enterprise:${subjectKey(creditCode)}`, async () => {
    const decide = async () => {
      const wantedProject = wantedProjectId !== undefined ? await projectFacts(platform, wantedProjectId) : undefined; // 404 when unknown
      await readModelsAtHead(platform); // a lease recorded a moment ago counts, and so does an open request
      const tenancy = await tenancyOf(platform.reads, creditCode);
      const openExchanges = await openExchangesOf(platform.reads, creditCode);
      const command: ExchangeCommand = { type: 'RequestExchange', tenancy, openExchanges, ...(wantedProject ? { wantedProject } : {}), ...args };
      return onExchange(platform, args.exchangeId, command, { ...meta, newStream: true });
    };
    return wantedProjectId !== undefined ? projectLocked(platform, wantedProjectId, decide) : decide();
  });
}

export function reviewExchange(platform: Platform, args: { exchangeId: string; approved: boolean; reason: string }, meta: CommandMeta): Promise<CommandResult> {
  const { exchangeId, ...review } = args;
  return onExchange(platform, exchangeId, { type: 'ReviewExchange', ...review }, meta);
}

/** 换租结果公布. */
export function publishExchangeResult(platform: Platform, args: { exchangeId: string }, meta: CommandMeta): Promise<CommandResult> {
  return onExchange(platform, args.exchangeId, { type: 'PublishExchangeResult' }, meta);
}

// ---- accountability (追责) ----

/** A violation with its evidence (event ids), by city_admin; caseId is fresh. */
export function recordViolation(
  platform: Platform,
  args: { caseId: string; subject: Subject; kind: ViolationKind; description: string; evidence: string[] },
  meta: CommandMeta,
): Promise<CommandResult> {
  return platform.commands.execute(accountabilityDecider, accountabilityStream(args.caseId), args.caseId, { type: 'RecordViolation', ...args }, { ...meta, newStream: true });
}

export async function imposeSanction(platform: Platform, args: { caseId: string; kind: SanctionKind; until?: string; reason: string }, meta: CommandMeta): Promise<CommandResult> {
  const { caseId, until, ...rest } = args;
  // A sanction on an enterprise takes the enterprise's lock, which submissions also take (submitApplication),
  // so no application of a barred enterprise is accepted after the ban is recorded.
  const { state } = await platform.commands.load(accountabilityDecider, accountabilityStream(caseId), true);
  const key = state.status === 'recorded' && state.subject.kind === 'enterprise' ? `enterprise:${subjectKey(state.subject.id)}` : `case:${caseId}`;
  return platform.locks.run(key, () =>
    platform.commands.execute(accountabilityDecider, accountabilityStream(caseId), caseId, { type: 'ImposeSanction', ...rest, ...(until ? { until: iso(until) } : {}) }, meta),
  );
}
