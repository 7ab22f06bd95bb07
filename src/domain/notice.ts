// Rental/sale notice (租售通告), stream `notice-<id>`: the consistency boundary of the per-notice procedure.
// published (→ amended, before the window opens) → closed → publicity (公示) → allocation (配租/配售) → result;
// cancelled at any point before the result. Facts from other streams (the project, the applications)
// arrive in the commands as plain data: projectSnapshot() and applicationFacts() build them.
// A lottery is commit–reveal: the notice commits to sha256(seed) when published (before anyone can apply),
// the allocation reveals the seed, and the draw mixes it with the candidate list (lotteryDraw(), allocation.ts).
import { ALLOCATION_ALGORITHM, ALLOCATION_ALGORITHM_UNITS, ALLOCATION_METHODS, type Allocation, type AllocationMethod, type OfferedUnit, allocate, coverUnits, lotteryDraw, sha256Hex, unitsArea } from './allocation.js';
import { type ApplicationFacts, type NoticeSnapshot, isOut } from './application.js';
import { type WorkingCalendar, addWorkingDays, instant } from './calendar.js';
import { type Holding, type SpaceClass, type SpaceDelta, type SpaceLedger, requireAvailable, spaceDelta } from './ledger.js';
import type { ProjectState, ProjectStatus, SupplyMode } from './project.js';
import { type DecisionContext, type District, type DomainEvent, Duplicate, NotFound, RuleViolation, assertNever, requireDistrictDecider, requireManager } from './shared.js';

export const DEFAULT_PUBLICITY_WORKING_DAYS = 5;
export const MAX_PUBLICITY_WORKING_DAYS = 30;

/** The project as PublishNotice / AmendNotice need it. */
export interface ProjectSnapshot {
  projectId: string;
  /** Named on the notice and its announcements (公告 name the project, not only its id). */
  name?: string;
  status: ProjectStatus;
  district: District;
  supplyModes: SupplyMode[];
  /** How statistics group the project's space (its use type); absent in old snapshots. */
  useType?: string;
  totalArea: number;
  /** The area the department puts on the market (the project's availableArea field; totalArea when unset). */
  availableArea?: number;
  unitIds: string[];
  /** Each unit's area (absent in old snapshots): a notice's units cannot add up to more than it offers. */
  unitAreas?: Record<string, number>;
  /** The space other records hold (notices under way, allocations, tenancies, sales): see ledger.ts. */
  holdings?: Holding[];
}

/** The project's ledger as the snapshot gives it. */
export function ledgerOf(p: ProjectSnapshot): SpaceLedger {
  return { totalArea: p.totalArea, marketArea: p.availableArea ?? p.totalArea, unitIds: p.unitIds, ...(p.unitAreas ? { unitAreas: p.unitAreas } : {}), holdings: p.holdings ?? [] };
}
export function projectSnapshot(state: ProjectState): ProjectSnapshot | undefined {
  if (state.status === 'none') return undefined;
  const f = state.fields;
  return {
    projectId: state.projectId,
    name: f.name,
    status: state.status,
    district: f.district,
    supplyModes: [...f.supplyModes],
    useType: f.useType,
    totalArea: f.totalArea,
    ...(f.availableArea !== undefined ? { availableArea: f.availableArea } : {}),
    unitIds: state.units.map((u) => u.unitId),
    unitAreas: Object.fromEntries(state.units.map((u) => [u.unitId, u.area])),
  };
}

/** What an amendment may change; project, district and supply mode make another notice. */
export interface NoticeTerms {
  /** Offered area, ㎡. */
  area: number;
  unitIds?: string[];
  /** Yuan per ㎡ (per month for rent). */
  price: number;
  eligibility: string;
  opensAt: string;
  closesAt: string;
  publicityWorkingDays: number;
  /** The most one enterprise may apply for and be allocated, ㎡ (optional). */
  maxAreaPerEnterprise?: number;
  /** Per-notice deadlines in working days; absent, the platform's configured defaults apply. */
  reviewWorkingDays?: number;
  correctionWorkingDays?: number;
  objectionWorkingDays?: number;
  signingWorkingDays?: number;
}

export const DEADLINE_TERMS = ['reviewWorkingDays', 'correctionWorkingDays', 'objectionWorkingDays', 'signingWorkingDays'] as const;
export const MAX_DEADLINE_WORKING_DAYS = 60;
const TERM_KEYS = ['area', 'unitIds', 'price', 'eligibility', 'opensAt', 'closesAt', 'publicityWorkingDays', 'maxAreaPerEnterprise', ...DEADLINE_TERMS] as const;

export interface PublicityEntry {
  applicationId: string;
  enterpriseName: string;
  creditCode: string;
  qualified: boolean;
  reasons: string[];
}
export interface AllocationInput {
  applicationId: string;
  requestedArea: number;
  score?: number;
  submittedPosition: number;
}

interface Ref {
  noticeId: string;
  district: District;
}
/** The project's name as the notice was published (absent on events recorded before it was carried). */
interface ProjectName {
  projectName?: string;
}
/**
 * Commit–reveal for a lottery: the SHA-256 (lower-case hex, of the UTF-8 text) of the seed, published with
 * the notice before anyone can apply. Not a term: no amendment can change it.
 */
interface SeedCommitment {
  lotterySeedSha256?: string;
}
/** How the event moves the project's space (ledger.ts SpaceDelta), for read models that cannot look up. */
interface Moves {
  space?: SpaceDelta;
}
export type NoticeEvent =
  | DomainEvent<'NoticePublished', Ref & NoticeTerms & SeedCommitment & ProjectName & Moves & { projectId: string; supplyMode: SupplyMode; spaceClass?: SpaceClass }>
  | DomainEvent<'NoticeAmended', Ref & Moves & { projectId?: string; changes: Partial<NoticeTerms>; previous: Partial<NoticeTerms>; reason: string }>
  | DomainEvent<'NoticeCancelled', Ref & Moves & { projectId?: string; reason: string }>
  /** projectId: carried so a read model keyed by project (the search's open notices) learns of the close; absent on events recorded before it was. */
  | DomainEvent<'NoticeClosed', Ref & { projectId?: string }>
  | DomainEvent<'QualificationPublicityStarted', Ref & ProjectName & { projectId: string; startsAt: string; endsAt: string; list: PublicityEntry[] }>
  | DomainEvent<
      'AllocationDecided',
      Ref &
        Moves & {
        projectId: string;
        method: AllocationMethod;
        /** A lottery's revealed seed; sha256Hex(seed) is the notice's lotterySeedSha256. */
        seed?: string;
        /** A lottery's: the commitment, the candidates' digest and the seed the draw ran on (see lotteryDraw()). */
        lotterySeedSha256?: string;
        candidatesSha256?: string;
        effectiveSeed?: string;
        algorithm: string;
        offeredArea: number;
        /** The notice's units with their areas, in its listed order: allocated whole (allocation.ts rule 6). */
        units?: OfferedUnit[];
        /** With units, the notice's per-enterprise cap, which rule 6 applies to each cover (so the event re-derives alone). */
        maxAreaPerEnterprise?: number;
        inputs: AllocationInput[];
        order: string[];
        allocations: Allocation[];
        allocatedArea: number;
        /** Qualified applications left out because their enterprise was barred from applying by then (a sanction). */
        barred?: string[];
      }
    >
  | DomainEvent<'ResultPublished', Ref & ProjectName & { projectId: string; supplyMode: SupplyMode; allocations: Allocation[]; publishedAt: string; signingDueAt?: string }>
  /** A winner's allocation ends unsigned: the signing deadline passed, the winner withdrew, or a sanction revoked it. */
  | DomainEvent<
      'AllocationForfeited',
      Ref & Moves & { projectId: string; applicationId: string; area: number; reason: ForfeitReason; detail?: string; accountabilityId?: string; /** Passed over for 递补: barred by a sanction by then. */ barred?: string[] }
    >
  /** 递补: the next qualified applicant in the derived order who fits the freed area gets it. */
  | DomainEvent<'WaitlistAllocated', Ref & Moves & { projectId: string; applicationId: string; area: number; rank: number; replaces: string; signingDueAt?: string; unitIds?: string[] }>;

export const FORFEIT_REASONS = ['signing_deadline', 'withdrawn', 'revoked'] as const;
export type ForfeitReason = (typeof FORFEIT_REASONS)[number];
/** How a notice's signing deadline is counted (configuration, in working days). */
export interface SigningRule {
  calendar: WorkingCalendar;
  workingDays: number;
}

export type NoticeCommand =
  | ({
      type: 'PublishNotice';
      noticeId: string;
      projectId: string;
      supplyMode: SupplyMode;
      project: ProjectSnapshot;
    } & Omit<NoticeTerms, 'publicityWorkingDays'> & { publicityWorkingDays?: number } & SeedCommitment)
  | { type: 'AmendNotice'; changes: Partial<NoticeTerms>; reason: string; project: ProjectSnapshot }
  | { type: 'CancelNotice'; reason: string }
  | { type: 'CloseNotice' }
  /** applications: every application of the notice (withdrawn ones included or not: they are skipped). */
  | { type: 'StartPublicity'; applications: ApplicationFacts[]; calendar: WorkingCalendar; endsAt?: string }
  /** applications: the facts of every application on the publicity list. */
  /** barred: the applications whose enterprise a sanction bars from applying now (they are not allocated). */
  | { type: 'DecideAllocation'; method: AllocationMethod; seed?: string; applications: ApplicationFacts[]; units?: OfferedUnit[]; barred?: string[] }
  | { type: 'PublishResult'; signing?: SigningRule }
  /** signed: whether a contract is recorded for the application (a fact of its stream); accountabilityId: the case of a revocation. */
  /** barred: applications of the order whose enterprise a sanction bars from applying now (passed over for 递补). */
  | { type: 'ForfeitAllocation'; applicationId: string; reason: ForfeitReason; detail?: string; signed: boolean; signing?: SigningRule; accountabilityId?: string; barred?: string[]; /** The application's enterprise (credit code): it may decline its own allocation (reason `withdrawn`). */ owner?: string };

export interface NoticeRecord extends Ref, SeedCommitment, ProjectName {
  status: 'published' | 'closed' | 'cancelled';
  projectId: string;
  supplyMode: SupplyMode;
  /** How statistics group the project's space, as the notice was published (absent on old notices). */
  spaceClass?: SpaceClass;
  terms: NoticeTerms;
  publicity?: { startsAt: string; endsAt: string; list: PublicityEntry[] };
  /** allocations: the live ones (forfeited and revoked ones leave, 递补 ones join); released: who lost theirs. */
  allocation?: { method: AllocationMethod; allocations: (Allocation & { signingDueAt?: string })[]; order: string[]; inputs: AllocationInput[]; released: string[]; units?: OfferedUnit[] };
  resultPublishedAt?: string;
}
export type NoticeState = { status: 'none' } | NoticeRecord;
export const initialNoticeState: NoticeState = { status: 'none' };

/** The notice as the application's commands need it (resultPublishedAt: contracts are signed after it). */
export function noticeSnapshot(state: NoticeState): NoticeSnapshot | undefined {
  if (state.status === 'none') return undefined;
  const { publicity, allocation } = state;
  return {
    noticeId: state.noticeId,
    status: state.status,
    district: state.district,
    supplyMode: state.supplyMode,
    opensAt: state.terms.opensAt,
    closesAt: state.terms.closesAt,
    offeredArea: state.terms.area,
    ...(state.terms.maxAreaPerEnterprise !== undefined ? { maxAreaPerEnterprise: state.terms.maxAreaPerEnterprise } : {}),
    ...(publicity ? { publicity: { startsAt: publicity.startsAt, endsAt: publicity.endsAt, applicationIds: publicity.list.map((e) => e.applicationId) } } : {}),
    allocated: allocation !== undefined,
    resultPublished: state.resultPublishedAt !== undefined,
    ...(state.resultPublishedAt !== undefined ? { resultPublishedAt: state.resultPublishedAt } : {}),
    allocations: (allocation?.allocations ?? []).map(({ applicationId, area, unitIds }) => ({ applicationId, area, ...(unitIds?.length ? { unitIds } : {}) })),
    projectId: state.projectId,
    ...(state.spaceClass ? { spaceClass: state.spaceClass } : {}),
    ...Object.fromEntries((['reviewWorkingDays', 'correctionWorkingDays', 'objectionWorkingDays'] as const).filter((k) => state.terms[k] !== undefined).map((k) => [k, state.terms[k]])),
  };
}

const blank = (s: string | undefined) => !s || !s.trim();
const whereOf = (s: NoticeRecord) => ({ projectId: s.projectId, district: s.district, spaceClass: s.spaceClass });
const projectNameOf = (s: NoticeRecord): ProjectName => (s.projectName !== undefined ? { projectName: s.projectName } : {});
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** `noticeId`: the notice's own holding, left out when an amendment is judged. */
function checkTerms(t: NoticeTerms, project: ProjectSnapshot, now: number, noticeId: string): void {
  if (project.status !== 'published') throw new RuleViolation('PROJECT_NOT_PUBLISHED', 'notices are only for published projects');
  if (!(t.area > 0)) throw new RuleViolation('AREA_NOT_POSITIVE', 'the offered area must be positive');
  const units = t.unitIds ?? [];
  if (new Set(units).size !== units.length) throw new RuleViolation('UNIT_DUPLICATE', 'a unit is offered twice');
  // A notice offers only available space: not withheld, not offered by another notice under way, not
  // allocated, let or sold (ledger.ts).
  requireAvailable(ledgerOf(project), t.area, units, noticeId);
  if (!(t.price > 0) || !Number.isFinite(t.price)) throw new RuleViolation('PRICE_NOT_POSITIVE', 'the price must be positive');
  for (const key of DEADLINE_TERMS) {
    const v = t[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= 1 && v <= MAX_DEADLINE_WORKING_DAYS)) {
      throw new RuleViolation('DEADLINE_DAYS_INVALID', `${key} is 1 to ${MAX_DEADLINE_WORKING_DAYS} working days`);
    }
  }
  const cap = t.maxAreaPerEnterprise;
  if (cap !== undefined && !(cap > 0 && cap <= t.area)) throw new RuleViolation('ENTERPRISE_CAP_INVALID', `the per-enterprise cap must be positive and at most the ${t.area} ㎡ offered`);
  if (blank(t.eligibility)) throw new RuleViolation('ELIGIBILITY_REQUIRED', 'the eligibility criteria are required');
  const opens = instant(t.opensAt, 'opensAt');
  if (opens < now) throw new RuleViolation('NOTICE_WINDOW_IN_PAST', 'the application window must open in the future');
  if (!(opens < instant(t.closesAt, 'closesAt'))) throw new RuleViolation('NOTICE_WINDOW_INVALID', 'the window must open before it closes');
  const days = t.publicityWorkingDays;
  if (!Number.isInteger(days) || days < 1 || days > MAX_PUBLICITY_WORKING_DAYS) {
    throw new RuleViolation('PUBLICITY_DAYS_INVALID', `the publicity lasts 1 to ${MAX_PUBLICITY_WORKING_DAYS} working days`);
  }
}

/** The notice, for an actor its district's officers (or, for one command, `mayAct`) allow. */
function existing(state: NoticeState, ctx: DecisionContext, mayAct = (n: NoticeRecord) => requireManager(ctx.actor, n.district)): NoticeRecord {
  if (state.status === 'none') throw new NotFound('no such notice');
  mayAct(state);
  if (state.status === 'cancelled') throw new RuleViolation('NOTICE_CANCELLED', 'the notice has been cancelled');
  return state;
}

/** 放弃: the enterprise allocated space declines it itself (the district's officers record it otherwise). */
/** Another enterprise's application is as good as absent to it (its existence is not public): 404, as its read. */
function requireOwner(ctx: DecisionContext, owner: string | undefined): void {
  if (!owner || ctx.actor.creditCode?.toUpperCase() !== owner.toUpperCase()) throw new NotFound('no such application'); // application.ts's UNKNOWN_APPLICATION (the notice does not import it)
}

function checkFacts(facts: ApplicationFacts[]): void {
  const seen = new Set<string>();
  for (const f of facts) {
    if (seen.has(f.applicationId)) throw new RuleViolation('DUPLICATE_APPLICATION', `application ${f.applicationId} is listed twice`);
    seen.add(f.applicationId);
  }
}

/**
 * Commit–reveal: a lottery only on a notice that committed to its seed when it was published, with the
 * seed that hashes to the commitment; the draw runs on the seed mixed with the candidates (lotteryDraw()).
 */
function checkedLottery(s: NoticeRecord, seed: string | undefined, inputs: AllocationInput[]) {
  const commitment = s.lotterySeedSha256;
  if (commitment === undefined) {
    throw new RuleViolation('SEED_NOT_COMMITTED', 'a lottery is only allowed when the notice committed to its seed (lotterySeedSha256) on publication');
  }
  if (seed === undefined || seed.trim() === '') throw new RuleViolation('SEED_REQUIRED', 'a lottery needs a recorded seed');
  if (sha256Hex(seed) !== commitment) throw new RuleViolation('SEED_MISMATCH', `the seed does not hash to the notice’s commitment ${commitment}`);
  return { seed, lotterySeedSha256: commitment, ...lotteryDraw(seed, inputs) };
}

function decideAllocation(command: Extract<NoticeCommand, { type: 'DecideAllocation' }>, state: NoticeState, ctx: DecisionContext): NoticeEvent[] {
  const s = existing(state, ctx);
  requireDistrictDecider(ctx, 'allocate');
  if (s.allocation) throw new RuleViolation('ALLOCATION_ALREADY_DECIDED', 'the allocation is already decided');
  if (!s.publicity) throw new RuleViolation('PUBLICITY_NOT_STARTED', 'the qualification publicity has not started');
  if (instant(ctx.now) <= instant(s.publicity.endsAt)) throw new RuleViolation('PUBLICITY_NOT_OVER', `the publicity runs until ${s.publicity.endsAt}`);
  if (!ALLOCATION_METHODS.includes(command.method)) throw new RuleViolation('ALLOCATION_METHOD_INVALID', `unknown method ${String(command.method)}`);
  checkFacts(command.applications);
  const listed = new Set(s.publicity.list.map((e) => e.applicationId));
  const stranger = command.applications.find((f) => !listed.has(f.applicationId));
  if (stranger) throw new RuleViolation('APPLICATION_NOT_IN_PUBLICITY', `application ${stranger.applicationId} was not on the publicity list`);
  const given = new Set(command.applications.map((f) => f.applicationId));
  const absent = [...listed].filter((id) => !given.has(id));
  if (absent.length > 0) throw new RuleViolation('APPLICATION_FACTS_MISSING', `no facts for ${absent.join(', ')}`);
  const objected = command.applications.filter((f) => f.openObjections > 0).map((f) => f.applicationId);
  if (objected.length > 0) throw new RuleViolation('OBJECTIONS_UNRESOLVED', `objections are unresolved on ${objected.join(', ')}`);
  const pending = command.applications.filter((f) => f.awaitingReview).map((f) => f.applicationId);
  if (pending.length > 0) throw new RuleViolation('REVIEW_PENDING', `upheld objections await a new review on ${pending.join(', ')}`);
  // An enterprise barred from applying since (a sanction) is not given space on its earlier application.
  const barredNow = new Set(command.barred ?? []);
  const qualified = command.applications.filter((f) => f.status === 'reviewed' && f.qualified === true);
  const barred = qualified.filter((f) => barredNow.has(f.applicationId)).map((f) => f.applicationId);
  const inputs: AllocationInput[] = qualified
    .filter((f) => !barredNow.has(f.applicationId))
    .sort((a, b) => a.submittedPosition - b.submittedPosition || (a.applicationId < b.applicationId ? -1 : 1))
    .map((f) => ({ applicationId: f.applicationId, requestedArea: f.requestedArea, ...(f.score !== undefined ? { score: f.score } : {}), submittedPosition: f.submittedPosition }));
  // The cap is checked at submission; an application over it (recorded before the cap) is refused here too.
  const cap = s.terms.maxAreaPerEnterprise;
  const over = cap === undefined ? undefined : inputs.find((i) => i.requestedArea > cap);
  if (over) throw new RuleViolation('AREA_EXCEEDS_ENTERPRISE_CAP', `application ${over.applicationId} asks for ${over.requestedArea} ㎡, more than the ${cap} ㎡ one enterprise may be allocated`);
  if (command.method === 'ranking' && inputs.some((i) => i.score === undefined)) {
    throw new RuleViolation('SCORE_REQUIRED', 'ranking needs a review score for every qualified applicant');
  }
  const lottery = command.method === 'lottery' ? checkedLottery(s, command.seed, inputs) : undefined;
  const units = offeredUnits(s, command.units);
  const outcome = allocate(command.method, inputs, s.terms.area, lottery?.effectiveSeed, units && { offered: units, ...(cap !== undefined ? { cap } : {}) });
  return [
    {
      type: 'AllocationDecided',
      data: {
        noticeId: s.noticeId,
        district: s.district,
        projectId: s.projectId,
        method: command.method,
        ...(lottery ?? {}),
        algorithm: units ? ALLOCATION_ALGORITHM_UNITS : ALLOCATION_ALGORITHM,
        offeredArea: s.terms.area,
        ...(units ? { units, ...(cap !== undefined ? { maxAreaPerEnterprise: cap } : {}) } : {}),
        inputs,
        ...outcome,
        ...(barred.length > 0 ? { barred } : {}),
        ...spaceDelta(whereOf(s), { offered: [-s.terms.area], allocated: outcome.allocations.map((a) => a.area) }),
      },
    },
  ];
}

/** The notice's units with their areas (from the project's facts), in its listed order; undefined when it lists none. */
function offeredUnits(s: NoticeRecord, facts: OfferedUnit[] | undefined): OfferedUnit[] | undefined {
  const ids = s.terms.unitIds ?? [];
  if (ids.length === 0) return undefined;
  const area = new Map((facts ?? []).map((u) => [u.unitId, u.area]));
  const missing = ids.filter((id) => !area.has(id));
  if (missing.length > 0) throw new RuleViolation('UNIT_FACTS_MISSING', `no area known for unit(s) ${missing.join(', ')}`);
  const units = ids.map((unitId) => ({ unitId, area: area.get(unitId)! }));
  // Checked at publication since units' areas are known there; a notice published before is checked here.
  if (unitsArea(units) > s.terms.area) throw new RuleViolation('UNITS_EXCEED_AREA', `the units add up to ${unitsArea(units)} ㎡, more than the ${s.terms.area} ㎡ offered`);
  return units;
}

/** The notice's own signingWorkingDays, when it set one, else the configured rule's. */
function signingDue(now: string, rule: SigningRule | undefined, own?: number): { signingDueAt?: string } {
  return rule ? { signingDueAt: addWorkingDays(now, own ?? rule.workingDays, rule.calendar) } : {};
}

/**
 * A live allocation ends unsigned, and the space goes to the next qualified applicant in the derived order
 * who was given nothing, never lost an allocation, is not barred by a sanction now, and whose whole request fits
 * the freed area (递补);
 * with nobody, it returns to available (ledger.ts). Replay re-derives it from AllocationDecided's order and the
 * forfeiture's `barred`.
 */
function decideForfeit(command: Extract<NoticeCommand, { type: 'ForfeitAllocation' }>, state: NoticeState, ctx: DecisionContext): NoticeEvent[] {
  const s = command.reason === 'withdrawn' && ctx.actor.role === 'enterprise' ? existing(state, ctx, () => requireOwner(ctx, command.owner)) : existing(state, ctx);
  if (!s.allocation) throw new RuleViolation('ALLOCATION_NOT_DECIDED', 'the allocation has not been decided');
  if (!FORFEIT_REASONS.includes(command.reason)) throw new RuleViolation('FORFEIT_REASON_INVALID', `reasons are ${FORFEIT_REASONS.join(', ')}`);
  const live = s.allocation.allocations.find((a) => a.applicationId === command.applicationId);
  if (!live) throw new RuleViolation('NOT_ALLOCATED', 'the application holds no live allocation on this notice');
  if (command.signed) throw new RuleViolation('ALLOCATION_SIGNED', 'the contract is recorded: end the tenancy instead');
  if (command.reason === 'signing_deadline') {
    if (!live.signingDueAt) throw new RuleViolation('NO_SIGNING_DEADLINE', 'no signing deadline was set for this allocation');
    if (instant(ctx.now) < instant(live.signingDueAt)) throw new RuleViolation('SIGNING_DEADLINE_NOT_PASSED', `the winner may sign until ${live.signingDueAt}`);
  }
  const taken = new Set([...s.allocation.allocations.map((a) => a.applicationId), ...s.allocation.released, live.applicationId]);
  const requested = new Map(s.allocation.inputs.map((i) => [i.applicationId, i.requestedArea]));
  const freed = Math.round(live.area * 10_000);
  // Units pass on whole (allocation.ts rule 6): the freed units, in the notice's order, must cover the request.
  const freedUnits = live.unitIds?.length ? (s.allocation.units ?? []).filter((u) => live.unitIds!.includes(u.unitId)) : undefined;
  const cap = s.terms.maxAreaPerEnterprise;
  const fits = (id: string): OfferedUnit[] | boolean =>
    freedUnits ? (coverUnits(freedUnits, requested.get(id)!, cap) ?? false) : Math.round(requested.get(id)! * 10_000) <= freed;
  // An enterprise barred from applying since (a sanction) is passed over, and named on the forfeiture.
  const barredNow = new Set(command.barred ?? []);
  const eligible = (id: string) => !taken.has(id) && requested.has(id) && fits(id) !== false;
  const rank = s.allocation.order.findIndex((id) => eligible(id) && !barredNow.has(id));
  const barred = s.allocation.order.slice(0, rank < 0 ? undefined : rank).filter((id) => barredNow.has(id) && eligible(id));
  const ref = { noticeId: s.noticeId, district: s.district, projectId: s.projectId };
  const forfeited: NoticeEvent = {
    type: 'AllocationForfeited',
    data: {
      ...ref,
      applicationId: live.applicationId,
      area: live.area,
      reason: command.reason,
      ...(command.detail?.trim() ? { detail: command.detail.trim() } : {}),
      ...(command.accountabilityId ? { accountabilityId: command.accountabilityId } : {}),
      ...(barred.length > 0 ? { barred } : {}),
      ...spaceDelta(whereOf(s), { allocated: [-live.area] }),
    },
  };
  if (rank < 0) return [forfeited];
  const next = s.allocation.order[rank]!;
  const due = s.resultPublishedAt !== undefined ? signingDue(ctx.now, command.signing, s.terms.signingWorkingDays) : {};
  const cover = fits(next);
  const given = Array.isArray(cover) ? { area: unitsArea(cover), unitIds: cover.map((u) => u.unitId) } : { area: requested.get(next)! };
  const moves = spaceDelta(whereOf(s), { allocated: [given.area] });
  return [forfeited, { type: 'WaitlistAllocated', data: { ...ref, applicationId: next, ...given, rank: rank + 1, replaces: live.applicationId, ...due, ...moves } }];
}

export function decideNotice(command: NoticeCommand, state: NoticeState, ctx: DecisionContext): NoticeEvent[] {
  const now = instant(ctx.now, 'now');
  switch (command.type) {
    case 'PublishNotice': {
      const { project, noticeId, projectId, supplyMode } = command;
      requireManager(ctx.actor, project.district);
      if (state.status !== 'none') throw new Duplicate('NOTICE_EXISTS', 'the notice is already published');
      if (project.projectId !== projectId) throw new RuleViolation('PROJECT_MISMATCH', 'the project snapshot is not the notice’s project');
      if (!project.supplyModes.includes(supplyMode)) throw new RuleViolation('SUPPLY_MODE_NOT_OFFERED', `the project is not offered for ${supplyMode}`);
      const { area, unitIds, price, eligibility, opensAt, closesAt, lotterySeedSha256 } = command;
      const publicityWorkingDays = command.publicityWorkingDays ?? DEFAULT_PUBLICITY_WORKING_DAYS;
      const optional = Object.fromEntries((['maxAreaPerEnterprise', ...DEADLINE_TERMS] as const).filter((k) => command[k] !== undefined).map((k) => [k, command[k]]));
      const terms: NoticeTerms = { area, ...(unitIds !== undefined ? { unitIds } : {}), price, eligibility, opensAt, closesAt, publicityWorkingDays, ...optional };
      checkTerms(terms, project, now, noticeId);
      if (lotterySeedSha256 !== undefined && !/^[0-9a-f]{64}$/i.test(lotterySeedSha256)) {
        throw new RuleViolation('SEED_COMMITMENT_INVALID', 'lotterySeedSha256 is the SHA-256 of the seed, 64 hex digits');
      }
      const commitment = lotterySeedSha256 !== undefined ? { lotterySeedSha256: lotterySeedSha256.toLowerCase() } : {};
      const named = project.name !== undefined ? { projectName: project.name } : {};
      const spaceClass = project.useType !== undefined ? { useType: project.useType, supplyModes: [...project.supplyModes] } : undefined;
      const where = { projectId, district: project.district, spaceClass };
      const classed = spaceClass ? { spaceClass } : {};
      return [{ type: 'NoticePublished', data: { noticeId, district: project.district, projectId, ...named, supplyMode, ...terms, ...commitment, ...classed, ...spaceDelta(where, { offered: [area] }) } }];
    }
    case 'AmendNotice': {
      const s = existing(state, ctx);
      if (s.status === 'closed') throw new RuleViolation('NOTICE_ALREADY_CLOSED', 'the notice is closed');
      if (now >= instant(s.terms.opensAt)) throw new RuleViolation('NOTICE_ALREADY_OPEN', 'a notice can only be amended before its window opens; cancel it instead');
      if (blank(command.reason)) throw new RuleViolation('REASON_REQUIRED', 'an amendment must say why');
      if (command.project.projectId !== s.projectId) throw new RuleViolation('PROJECT_MISMATCH', 'the project snapshot is not the notice’s project');
      const changes: Partial<NoticeTerms> = {};
      const previous: Partial<NoticeTerms> = {};
      for (const key of TERM_KEYS) {
        const value = command.changes[key];
        if (value === undefined || same(s.terms[key], value)) continue;
        (changes as Record<string, unknown>)[key] = value;
        (previous as Record<string, unknown>)[key] = s.terms[key];
      }
      if (Object.keys(changes).length === 0) throw new RuleViolation('NOTHING_CHANGED', 'the amendment changes nothing');
      checkTerms({ ...s.terms, ...changes }, command.project, now, s.noticeId);
      const moves = changes.area !== undefined ? spaceDelta(whereOf(s), { offered: [changes.area, -s.terms.area] }) : {};
      return [{ type: 'NoticeAmended', data: { noticeId: s.noticeId, district: s.district, projectId: s.projectId, changes, previous, reason: command.reason.trim(), ...moves } }];
    }
    case 'CancelNotice': {
      const s = existing(state, ctx);
      if (s.resultPublishedAt) throw new RuleViolation('RESULT_ALREADY_PUBLISHED', 'the result is published; the notice can no longer be cancelled');
      if (blank(command.reason)) throw new RuleViolation('REASON_REQUIRED', 'a cancellation must say why');
      // Before the allocation the notice's offer returns; after it (result not yet published), its allocations.
      const moves = s.allocation
        ? spaceDelta(whereOf(s), { allocated: s.allocation.allocations.map((a) => -a.area) })
        : spaceDelta(whereOf(s), { offered: [-s.terms.area] });
      return [{ type: 'NoticeCancelled', data: { noticeId: s.noticeId, district: s.district, projectId: s.projectId, reason: command.reason.trim(), ...moves } }];
    }
    case 'CloseNotice': {
      const s = existing(state, ctx);
      if (s.status === 'closed') throw new RuleViolation('NOTICE_ALREADY_CLOSED', 'the notice is already closed');
      if (now < instant(s.terms.closesAt)) throw new RuleViolation('NOTICE_WINDOW_NOT_OVER', `the window closes at ${s.terms.closesAt}`);
      return [{ type: 'NoticeClosed', data: { noticeId: s.noticeId, district: s.district, projectId: s.projectId } }];
    }
    case 'StartPublicity': {
      const s = existing(state, ctx);
      requireDistrictDecider(ctx, 'publish the review results');
      if (s.publicity) throw new RuleViolation('PUBLICITY_ALREADY_STARTED', 'the publicity has already started');
      if (s.status !== 'closed' && now < instant(s.terms.closesAt)) throw new RuleViolation('NOTICE_WINDOW_NOT_OVER', `the window closes at ${s.terms.closesAt}`);
      checkFacts(command.applications);
      const live = command.applications.filter((f) => !isOut(f.status));
      const unreviewed = live.filter((f) => f.status !== 'reviewed' || f.qualified === undefined).map((f) => f.applicationId);
      if (unreviewed.length > 0) throw new RuleViolation('APPLICATIONS_NOT_REVIEWED', `not yet reviewed: ${unreviewed.join(', ')}`);
      const minimum = addWorkingDays(ctx.now, s.terms.publicityWorkingDays, command.calendar);
      const endsAt = command.endsAt ?? minimum;
      if (instant(endsAt, 'endsAt') < instant(minimum)) {
        throw new RuleViolation('PUBLICITY_TOO_SHORT', `the publicity lasts at least ${s.terms.publicityWorkingDays} working days, until ${minimum}`);
      }
      const list = live.map((f) => ({ applicationId: f.applicationId, enterpriseName: f.enterpriseName, creditCode: f.creditCode, qualified: f.qualified === true, reasons: f.reasons }));
      const ref = { noticeId: s.noticeId, district: s.district };
      return [
        ...(s.status === 'closed' ? [] : [{ type: 'NoticeClosed' as const, data: { ...ref, projectId: s.projectId } }]),
        { type: 'QualificationPublicityStarted', data: { ...ref, projectId: s.projectId, ...projectNameOf(s), startsAt: ctx.now, endsAt: new Date(instant(endsAt)).toISOString(), list } },
      ];
    }
    case 'DecideAllocation':
      return decideAllocation(command, state, ctx);
    case 'PublishResult': {
      const s = existing(state, ctx);
      requireDistrictDecider(ctx, 'publish results');
      if (!s.allocation) throw new RuleViolation('ALLOCATION_NOT_DECIDED', 'the allocation has not been decided');
      if (s.resultPublishedAt) throw new RuleViolation('RESULT_ALREADY_PUBLISHED', 'the result is already published');
      const due = signingDue(ctx.now, command.signing, s.terms.signingWorkingDays);
      const allocations = s.allocation.allocations.map(({ applicationId, area, rank, unitIds }) => ({ applicationId, area, rank, ...(unitIds?.length ? { unitIds } : {}) }));
      return [
        {
          type: 'ResultPublished',
          data: { noticeId: s.noticeId, district: s.district, projectId: s.projectId, ...projectNameOf(s), supplyMode: s.supplyMode, allocations, publishedAt: ctx.now, ...due },
        },
      ];
    }
    case 'ForfeitAllocation':
      return decideForfeit(command, state, ctx);
    default:
      return assertNever(command);
  }
}

export function evolveNotice(state: NoticeState, event: NoticeEvent): NoticeState {
  if (event.type === 'NoticePublished') {
    const { noticeId, district, projectId, projectName, supplyMode, lotterySeedSha256, spaceClass, space: _moves, ...terms } = event.data;
    return {
      status: 'published',
      noticeId,
      district,
      projectId,
      ...(projectName !== undefined ? { projectName } : {}),
      supplyMode,
      ...(spaceClass !== undefined ? { spaceClass } : {}),
      terms,
      ...(lotterySeedSha256 !== undefined ? { lotterySeedSha256 } : {}),
    };
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'NoticeAmended':
      return { ...state, terms: { ...state.terms, ...event.data.changes } };
    case 'NoticeCancelled':
      return { ...state, status: 'cancelled' };
    case 'NoticeClosed':
      return { ...state, status: 'closed' };
    case 'QualificationPublicityStarted':
      return { ...state, publicity: { startsAt: event.data.startsAt, endsAt: event.data.endsAt, list: event.data.list } };
    case 'AllocationDecided':
      return {
        ...state,
        allocation: { method: event.data.method, allocations: event.data.allocations, order: event.data.order, inputs: event.data.inputs, released: [], ...(event.data.units ? { units: event.data.units } : {}) },
      };
    case 'ResultPublished': {
      const due = event.data.signingDueAt;
      const allocation = state.allocation && due !== undefined ? { ...state.allocation, allocations: state.allocation.allocations.map((a) => ({ ...a, signingDueAt: due })) } : state.allocation;
      return { ...state, resultPublishedAt: event.data.publishedAt, ...(allocation ? { allocation } : {}) };
    }
    case 'AllocationForfeited': {
      if (!state.allocation) return state;
      const a = state.allocation;
      return { ...state, allocation: { ...a, allocations: a.allocations.filter((x) => x.applicationId !== event.data.applicationId), released: [...a.released, event.data.applicationId] } };
    }
    case 'WaitlistAllocated': {
      if (!state.allocation) return state;
      const { applicationId, area, rank, signingDueAt, unitIds } = event.data;
      const a = state.allocation;
      const given = { applicationId, area, rank, ...(unitIds?.length ? { unitIds } : {}), ...(signingDueAt !== undefined ? { signingDueAt } : {}) };
      return { ...state, allocation: { ...a, allocations: [...a.allocations, given] } };
    }
    default:
      return assertNever(event);
  }
}

export const noticeDecider = { initialState: initialNoticeState, decide: decideNotice, evolve: evolveNotice };
export const noticeStream = (id: string) => `notice-${id}`;
