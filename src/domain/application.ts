// Application (在线申请及审核), stream `application-<id>`: one stream per (notice, enterprise), holding
// that enterprise's whole history for the notice, so "one live application per enterprise per notice"
// is enforced by the stream's optimistic concurrency. What the decider needs from the notice arrives as
// a NoticeSnapshot (see noticeSnapshot() in notice.ts); the enterprise's active sanctions arrive as data.
//
// submitted ⇄ returned → resubmitted → reviewed (→ objection upheld → reviewed again) → contract;
// withdrawn (before review), or lapsed (returned, not resubmitted by its 补正 deadline) → submitted again
// on the same stream while the window is open.
// The deadlines the events carry, and the lapse: application-deadlines.ts.
import { type DeadlineRule, type DeadlineTerms, decideLapse, dueAfter, requireMaterialOrLapse, reviewDue } from './application-deadlines.js';
import { instant } from './calendar.js';
import { type SpaceClass, type SpaceDelta, spaceDelta } from './ledger.js';
import type { SupplyMode } from './project.js';
import {
  type Actor,
  type DecisionContext,
  type District,
  type DomainEvent,
  Duplicate,
  type Role,
  type Scope,
  DEFAULT_DUTIES,
  Forbidden,
  NotFound,
  RuleViolation,
  assertNever,
  requireDistrictDecider,
  requireManager,
} from './shared.js';

export interface DeclaredFacts {
  industry: string;
  employees: number;
  annualRevenue: number; // yuan
  /** R&D spending as a fraction of revenue, 0…1. */
  rndShare: number;
}
export interface DocumentRef {
  name: string;
  sha256: string;
}
export interface ActorRef {
  id: string;
  role: Role;
  district?: Scope;
  name?: string;
  creditCode?: string;
}

export type { DeadlineRule } from './application-deadlines.js';

/**
 * The notice as the application's commands need it (built by noticeSnapshot() in notice.ts), with its own
 * deadline terms (working days; absent: DeadlineRule's defaults).
 */
export interface NoticeSnapshot extends DeadlineTerms {
  noticeId: string;
  status: 'published' | 'closed' | 'cancelled';
  district: District;
  supplyMode: SupplyMode;
  opensAt: string;
  closesAt: string;
  offeredArea: number;
  /** The notice's per-enterprise cap, ㎡ (optional). */
  maxAreaPerEnterprise?: number;
  publicity?: { startsAt: string; endsAt: string; applicationIds: string[] };
  allocated: boolean;
  resultPublished: boolean;
  /** When the result was published (ResultPublished's publishedAt): no contract is signed before it. */
  resultPublishedAt?: string;
  /** unitIds: the units given, when the notice allocated units (allocation.ts rule 6). */
  allocations: { applicationId: string; area: number; unitIds?: string[] }[];
  projectId?: string;
  /** How statistics group the project's space (ledger.ts), as the notice was published. */
  spaceClass?: SpaceClass;
}
/** An enterprise's sanction as SubmitApplication needs it (see activeApplicationBans() in accountability.ts). */
export interface Sanction {
  until: string;
  reason: string;
}

export interface Review {
  qualified: boolean;
  reasons: string[];
  score?: number;
}
/** A lease's terms (租期、月租金): the tenancy (tenancy.ts) starts with them. */
export interface LeaseTerms {
  startsOn: string;
  endsOn: string;
  /** Yuan per month for the whole let area. */
  monthlyRent: number;
}
/** A sale's terms: the price (yuan) and any resale restriction (限售条件), as text. */
export interface SaleTerms {
  price: number;
  resaleRestriction?: string;
}
export interface ContractRecord {
  applicationId: string;
  noticeId: string;
  /** The notice's project and district (absent on contracts recorded before the ledger). */
  projectId?: string;
  district?: District;
  creditCode: string;
  area: number;
  /** The allocated units the contract covers (absent when the allocation was of area only). */
  unitIds?: string[];
  contractRef: string;
  signedOn: string;
  lease?: LeaseTerms;
  sale?: SaleTerms;
  /** The allocation becomes let or sold space (ledger.ts); the class travels on to the tenancy. */
  spaceClass?: SpaceClass;
  space?: SpaceDelta;
}

interface Ids {
  applicationId: string;
  noticeId: string;
}
/**
 * The status a status change leaves, so applications by status can be counted as of any date from the events
 * alone (a withdrawal may leave submitted, returned or resubmitted). Absent on a first submission, and on
 * events recorded before it was carried. A resubmission and a lapse always leave `returned`.
 */
interface Leaves {
  previousStatus?: ApplicationStatus;
}
/** Where a deadline's queue is (the application's district): carried with the due date it goes with. */
interface Queue {
  district?: District;
}
export type ApplicationEvent =
  | DomainEvent<
      'ApplicationSubmitted',
      Ids & { district: District; creditCode: string; enterpriseName: string; requestedArea: number; declared: DeclaredFacts; documents: DocumentRef[]; reviewDueAt?: string } & Leaves
    >
  | DomainEvent<'ApplicationWithdrawn', Ids & { reason?: string } & Leaves>
  | DomainEvent<'ApplicationReturned', Ids & Queue & { missing: string[]; correctionDueAt?: string } & Leaves>
  | DomainEvent<'ApplicationResubmitted', Ids & Queue & { documents: DocumentRef[]; reviewDueAt?: string }>
  /** 补正 not made by its deadline: the application is out of the procedure (视为放弃申请), by the scheduler. */
  | DomainEvent<'ApplicationLapsed', Ids & { district: District; missing: string[]; correctionDueAt: string }>
  | DomainEvent<'QualificationReviewed', Ids & Review & { reviewer: ActorRef; answersObjections?: string[]; previous?: Review } & Leaves>
  | DomainEvent<'ObjectionFiled', Ids & Queue & { objectionId: string; content: string; filedBy: ActorRef; resolveDueAt?: string }>
  | DomainEvent<'ObjectionResolved', Ids & Queue & { objectionId: string; upheld: boolean; reason: string; reviewDueAt?: string }>
  | DomainEvent<'LeaseSigned', ContractRecord>
  | DomainEvent<'SaleCompleted', ContractRecord>;

interface ContractInput {
  notice: NoticeSnapshot;
  area: number;
  contractRef: string;
  signedOn: string;
  lease?: LeaseTerms;
  sale?: SaleTerms;
}
/** Absent: no due dates are put on the events (as before deadlines were counted). */
interface Deadlines {
  deadlines?: DeadlineRule;
}
export type ApplicationCommand =
  | ({
      type: 'SubmitApplication';
      /** Deterministic per (notice, enterprise): see applicationIdFor(). */
      applicationId: string;
      notice: NoticeSnapshot;
      sanctions: Sanction[];
      enterpriseName: string;
      requestedArea: number;
      declared: DeclaredFacts;
      documents: DocumentRef[];
    } & Deadlines)
  | { type: 'WithdrawApplication'; reason?: string }
  | ({ type: 'ReturnApplication'; notice: NoticeSnapshot; missing: string[] } & Deadlines)
  | ({ type: 'ResubmitApplication'; notice: NoticeSnapshot; documents: DocumentRef[] } & Deadlines)
  /** The scheduler, once the 补正 deadline has passed without a resubmission. */
  | { type: 'LapseApplication' }
  | { type: 'ReviewQualification'; notice: NoticeSnapshot; qualified: boolean; reasons: string[]; score?: number }
  | ({ type: 'FileObjection'; notice: NoticeSnapshot; content: string } & Deadlines)
  | ({ type: 'ResolveObjection'; notice: NoticeSnapshot; objectionId: string; upheld: boolean; reason: string } & Deadlines)
  | ({ type: 'RecordLease' } & ContractInput)
  | ({ type: 'RecordSale' } & ContractInput);

export type ApplicationStatus = 'submitted' | 'returned' | 'resubmitted' | 'reviewed' | 'withdrawn' | 'lapsed';
export const APPLICATION_STATUSES: readonly ApplicationStatus[] = ['submitted', 'returned', 'resubmitted', 'reviewed', 'withdrawn', 'lapsed'];
/** Out of the procedure: the enterprise withdrew, or its 补正 lapsed. It may apply again while the window is open. */
export const isOut = (status: ApplicationStatus | 'none') => status === 'withdrawn' || status === 'lapsed';
/**
 * Objections one actor may file on one application, over its publicity. The application's record keeps
 * each in full (5,000 characters), and one without bound would outgrow a document store's document.
 */
export const MAX_OBJECTIONS_PER_ACTOR = 5;
/**
 * Returns for material (补正) on one submission. The record keeps every resubmitted document set (up to 100
 * documents each), so returns without bound would outgrow a document; and the department is to say at once
 * everything that is missing (一次性告知), so honest use is one or two.
 */
export const MAX_RETURNS = 10;
export interface Objection {
  objectionId: string;
  /** The id of the actor who filed it. */
  filedBy: string;
  status: 'open' | 'upheld' | 'dismissed';
  /** An upheld objection is answered by the next review. */
  answered: boolean;
}
export interface ApplicationRecord extends Ids {
  status: ApplicationStatus;
  district: District;
  creditCode: string;
  enterpriseName: string;
  requestedArea: number;
  declared: DeclaredFacts;
  documents: DocumentRef[];
  missing?: string[];
  /** How many times it was returned for material since it was (last) submitted (capped below). */
  returns: number;
  /** While returned: when the 补正 is due (absent on returns recorded before deadlines were counted). */
  correctionDueAt?: string;
  review?: Review;
  /** Who made the review decision in force (separation of duties). */
  reviewerId?: string;
  objections: Objection[];
  contract?: ContractRecord;
}
export type ApplicationState = { status: 'none' } | ApplicationRecord;
export const initialApplicationState: ApplicationState = { status: 'none' };

/** The stream id the command handler uses: one stream per (notice, enterprise). */
export const applicationIdFor = (noticeId: string, creditCode: string) => `${noticeId}.${creditCode.toUpperCase()}`;

const awaitingReview = (s: ApplicationRecord) => s.objections.some((o) => o.status === 'upheld' && !o.answered);

/** What StartPublicity and DecideAllocation (notice.ts) need to know about one application. */
export interface ApplicationFacts {
  applicationId: string;
  status: ApplicationStatus;
  creditCode: string;
  enterpriseName: string;
  requestedArea: number;
  qualified?: boolean;
  reasons: string[];
  score?: number;
  /** Global log position of the latest ApplicationSubmitted: the first-come queue number. */
  submittedPosition: number;
  openObjections: number;
  /** An upheld objection has not yet been answered by a new review. */
  awaitingReview: boolean;
}
export function applicationFacts(s: ApplicationRecord, submittedPosition: number): ApplicationFacts {
  return {
    applicationId: s.applicationId,
    status: s.status,
    creditCode: s.creditCode,
    enterpriseName: s.enterpriseName,
    requestedArea: s.requestedArea,
    ...(s.review ? { qualified: s.review.qualified, reasons: s.review.reasons } : { reasons: [] }),
    ...(s.review?.score !== undefined ? { score: s.review.score } : {}),
    submittedPosition,
    openObjections: s.objections.filter((o) => o.status === 'open').length,
    awaitingReview: awaitingReview(s),
  };
}

const actorRef = (a: Actor): ActorRef => ({
  id: a.id,
  role: a.role,
  ...(a.district ? { district: a.district } : {}),
  ...(a.name ? { name: a.name } : {}),
  ...(a.creditCode ? { creditCode: a.creditCode } : {}),
});
const blank = (s: string | undefined) => !s || !s.trim();

function checkDocuments(documents: DocumentRef[]): DocumentRef[] {
  if (documents.length === 0) throw new RuleViolation('DOCUMENTS_REQUIRED', 'at least one document is required');
  return documents.map((d) => {
    if (blank(d.name) || !/^[0-9a-f]{64}$/i.test(d.sha256)) throw new RuleViolation('DOCUMENT_INVALID', `document ${d.name || '(unnamed)'} needs a name and a SHA-256 hex digest`);
    return { name: d.name, sha256: d.sha256.toLowerCase() };
  });
}

function checkDeclared(d: DeclaredFacts): void {
  const ok =
    !blank(d.industry) &&
    Number.isInteger(d.employees) && d.employees >= 0 &&
    Number.isFinite(d.annualRevenue) && d.annualRevenue >= 0 &&
    Number.isFinite(d.rndShare) && d.rndShare >= 0 && d.rndShare <= 1;
  if (!ok) throw new RuleViolation('DECLARED_FACTS_INVALID', 'declared facts need an industry, whole employees ≥ 0, revenue ≥ 0 and an R&D share between 0 and 1');
}

/** What an unknown application is answered with: the same words whether it is absent or another enterprise's. */
export const UNKNOWN_APPLICATION = 'no such application';

/** Another enterprise's application is as good as absent: its existence is not public (as its read's 404). */
function requireOwner(actor: Actor, s: ApplicationRecord): void {
  if (actor.role === 'enterprise' && actor.creditCode !== s.creditCode) throw new NotFound(UNKNOWN_APPLICATION);
  if (actor.role !== 'enterprise') throw new Forbidden('only the applicant enterprise may do this');
}

function existing(state: ApplicationState): ApplicationRecord {
  if (state.status === 'none') throw new NotFound(UNKNOWN_APPLICATION);
  return state;
}

/** An officer's command on a live application of a notice that is still going. */
function managed(state: ApplicationState, notice: NoticeSnapshot, actor: Actor): ApplicationRecord {
  const s = existing(state);
  requireManager(actor, s.district);
  if (notice.noticeId !== s.noticeId) throw new RuleViolation('NOTICE_MISMATCH', 'the notice snapshot is not this application’s notice');
  if (notice.status === 'cancelled') throw new RuleViolation('NOTICE_CANCELLED', 'the notice has been cancelled');
  if (s.status === 'withdrawn') throw new RuleViolation('APPLICATION_WITHDRAWN', 'the application has been withdrawn');
  if (s.status === 'lapsed') throw new RuleViolation('APPLICATION_LAPSED', 'the application lapsed: the material it was returned for was not supplied in time');
  return s;
}

function checkLease(lease: LeaseTerms | undefined, signed: number): LeaseTerms {
  if (!lease) throw new RuleViolation('LEASE_TERMS_REQUIRED', 'a lease is recorded with its term (startsOn, endsOn) and monthlyRent');
  const starts = instant(lease.startsOn, 'startsOn');
  if (!(starts < instant(lease.endsOn, 'endsOn'))) throw new RuleViolation('LEASE_TERM_INVALID', 'the lease must start before it ends');
  if (starts < signed - 366 * 86_400_000) throw new RuleViolation('LEASE_TERM_INVALID', 'the lease cannot start more than a year before it was signed');
  if (!(lease.monthlyRent >= 0) || !Number.isFinite(lease.monthlyRent)) throw new RuleViolation('RENT_INVALID', 'the monthly rent must be a number ≥ 0');
  return { startsOn: lease.startsOn, endsOn: lease.endsOn, monthlyRent: lease.monthlyRent };
}

function checkSale(sale: SaleTerms | undefined): SaleTerms {
  if (!sale || !(sale.price > 0) || !Number.isFinite(sale.price)) throw new RuleViolation('SALE_PRICE_REQUIRED', 'a sale is recorded with its price (yuan, > 0)');
  return { price: sale.price, ...(blank(sale.resaleRestriction) ? {} : { resaleRestriction: sale.resaleRestriction!.trim() }) };
}

function decideContract(command: Extract<ApplicationCommand, { type: 'RecordLease' | 'RecordSale' }>, state: ApplicationState, ctx: DecisionContext): ApplicationEvent[] {
  const s = managed(state, command.notice, ctx.actor);
  const mode: SupplyMode = command.type === 'RecordLease' ? 'rent' : 'sale';
  if (command.notice.supplyMode !== mode) throw new RuleViolation('SUPPLY_MODE_MISMATCH', `the notice offers ${command.notice.supplyMode}, not ${mode}`);
  if (!command.notice.resultPublished) throw new RuleViolation('RESULT_NOT_PUBLISHED', 'the notice’s result is not yet published');
  const allocation = command.notice.allocations.find((a) => a.applicationId === s.applicationId);
  if (!allocation) throw new RuleViolation('NOT_ALLOCATED', 'this application was allocated no area');
  if (s.contract) throw new RuleViolation('CONTRACT_ALREADY_RECORDED', 'a contract is already recorded for this application');
  if (!(command.area > 0)) throw new RuleViolation('AREA_NOT_POSITIVE', 'the contract area must be positive');
  if (command.area > allocation.area) throw new RuleViolation('CONTRACT_AREA_EXCEEDS_ALLOCATION', `the contract covers ${command.area} ㎡, more than the ${allocation.area} ㎡ allocated`);
  // Units are let or sold whole (ledger.ts): a contract on allocated units covers all their area.
  const unitIds = allocation.unitIds ?? [];
  if (unitIds.length > 0 && Math.round(command.area * 10_000) !== Math.round(allocation.area * 10_000)) {
    throw new RuleViolation('CONTRACT_AREA_UNITS_MISMATCH', `the allocation is of units ${unitIds.join(', ')} totalling ${allocation.area} ㎡; the contract covers them all`);
  }
  if (blank(command.contractRef)) throw new RuleViolation('CONTRACT_REF_REQUIRED', 'the contract reference is required');
  const signed = instant(command.signedOn, 'signedOn');
  const published = command.notice.resultPublishedAt;
  if (published !== undefined && signed < instant(published)) {
    throw new RuleViolation('CONTRACT_BEFORE_RESULT', `the contract cannot be signed (${command.signedOn}) before the result was published (${published})`);
  }
  if (signed > instant(ctx.now)) throw new RuleViolation('CONTRACT_IN_FUTURE', `the contract cannot be signed (${command.signedOn}) later than now (${ctx.now})`);
  const terms = command.type === 'RecordLease' ? { lease: checkLease(command.lease, signed) } : { sale: checkSale(command.sale) };
  const where = command.notice.projectId !== undefined ? { projectId: command.notice.projectId, district: command.notice.district } : {};
  const spaceClass = command.notice.spaceClass;
  const moves =
    command.notice.projectId !== undefined
      ? spaceDelta({ projectId: command.notice.projectId, district: command.notice.district, spaceClass }, { allocated: [-allocation.area], [mode === 'rent' ? 'let' : 'sold']: [command.area] })
      : {};
  const data: ContractRecord = {
    applicationId: s.applicationId,
    noticeId: s.noticeId,
    ...where,
    creditCode: s.creditCode,
    area: command.area,
    ...(unitIds.length > 0 ? { unitIds } : {}),
    contractRef: command.contractRef,
    signedOn: command.signedOn,
    ...terms,
    ...(spaceClass ? { spaceClass } : {}),
    ...moves,
  };
  return [command.type === 'RecordLease' ? { type: 'LeaseSigned', data } : { type: 'SaleCompleted', data }];
}

export function decideApplication(command: ApplicationCommand, state: ApplicationState, ctx: DecisionContext): ApplicationEvent[] {
  const now = instant(ctx.now, 'now');
  switch (command.type) {
    case 'SubmitApplication': {
      const { actor } = ctx;
      const { notice } = command;
      if (actor.role !== 'enterprise' || blank(actor.creditCode)) throw new Forbidden('only an enterprise may apply, for itself');
      const creditCode = actor.creditCode!;
      if (state.status !== 'none') {
        if (state.creditCode !== creditCode) throw new Forbidden('this application belongs to another enterprise');
        if (state.noticeId !== notice.noticeId) throw new RuleViolation('NOTICE_MISMATCH', 'the notice snapshot is not this application’s notice');
        if (!isOut(state.status)) throw new Duplicate('APPLICATION_ALREADY_LIVE', 'the enterprise already has a live application for this notice');
      }
      const bar = command.sanctions.find((b) => instant(b.until, 'sanction until') > now);
      if (bar) throw new RuleViolation('ENTERPRISE_BARRED', `the enterprise is barred from applying until ${bar.until}: ${bar.reason}`);
      if (notice.status !== 'published') throw new RuleViolation('NOTICE_NOT_OPEN', `the notice is ${notice.status}`);
      if (now < instant(notice.opensAt)) throw new RuleViolation('NOTICE_WINDOW_NOT_YET_OPEN', `applications open at ${notice.opensAt}`);
      if (now >= instant(notice.closesAt)) throw new RuleViolation('NOTICE_WINDOW_CLOSED', `applications closed at ${notice.closesAt}`);
      if (blank(command.enterpriseName)) throw new RuleViolation('ENTERPRISE_NAME_REQUIRED', 'the enterprise name is required');
      if (!(command.requestedArea > 0)) throw new RuleViolation('AREA_NOT_POSITIVE', 'the requested area must be positive');
      if (command.requestedArea > notice.offeredArea) throw new RuleViolation('AREA_EXCEEDS_OFFERED', `the notice offers ${notice.offeredArea} ㎡ in all`);
      const cap = notice.maxAreaPerEnterprise;
      if (cap !== undefined && command.requestedArea > cap) throw new RuleViolation('AREA_EXCEEDS_ENTERPRISE_CAP', `one enterprise may apply for at most ${cap} ㎡ under this notice`);
      checkDeclared(command.declared);
      const documents = checkDocuments(command.documents);
      const reviewDueAt = reviewDue(ctx.now, notice, command.deadlines);
      return [
        {
          type: 'ApplicationSubmitted',
          data: {
            applicationId: state.status === 'none' ? command.applicationId : state.applicationId,
            noticeId: notice.noticeId,
            district: notice.district,
            creditCode,
            enterpriseName: command.enterpriseName.trim(),
            requestedArea: command.requestedArea,
            declared: command.declared,
            documents,
            ...(reviewDueAt ? { reviewDueAt } : {}),
            ...(state.status !== 'none' ? { previousStatus: state.status } : {}),
          },
        },
      ];
    }
    case 'WithdrawApplication': {
      const s = existing(state);
      requireOwner(ctx.actor, s);
      if (s.status === 'withdrawn') throw new RuleViolation('APPLICATION_WITHDRAWN', 'the application is already withdrawn');
      if (s.status === 'lapsed') throw new RuleViolation('APPLICATION_LAPSED', 'the application has lapsed: it is no longer in the procedure');
      if (s.status === 'reviewed') throw new RuleViolation('APPLICATION_ALREADY_REVIEWED', 'a reviewed application can no longer be withdrawn');
      return [{ type: 'ApplicationWithdrawn', data: { applicationId: s.applicationId, noticeId: s.noticeId, ...(blank(command.reason) ? {} : { reason: command.reason }), previousStatus: s.status } }];
    }
    case 'ReturnApplication': {
      const s = managed(state, command.notice, ctx.actor);
      requireDistrictDecider(ctx, 'review applications');
      if (s.status === 'returned') throw new RuleViolation('APPLICATION_ALREADY_RETURNED', 'the application is already awaiting material');
      if (s.status === 'reviewed') throw new RuleViolation('APPLICATION_ALREADY_REVIEWED', 'a reviewed application cannot be returned');
      if (s.returns >= MAX_RETURNS) throw new RuleViolation('RETURN_LIMIT', `an application is returned for material at most ${MAX_RETURNS} times: review it on what it has`);
      const missing = command.missing.map((m) => m.trim()).filter((m) => m);
      if (missing.length === 0) throw new RuleViolation('MISSING_ITEMS_REQUIRED', 'say what material is missing');
      const correctionDueAt = dueAfter('correction', ctx.now, command.notice, command.deadlines);
      const due = correctionDueAt ? { district: s.district, correctionDueAt } : {};
      return [{ type: 'ApplicationReturned', data: { applicationId: s.applicationId, noticeId: s.noticeId, missing, ...due, previousStatus: s.status } }];
    }
    case 'ResubmitApplication': {
      const s = existing(state);
      requireOwner(ctx.actor, s);
      if (command.notice.noticeId !== s.noticeId) throw new RuleViolation('NOTICE_MISMATCH', 'the notice snapshot is not this application’s notice');
      if (command.notice.status === 'cancelled') throw new RuleViolation('NOTICE_CANCELLED', 'the notice has been cancelled');
      if (s.status === 'lapsed') throw new RuleViolation('APPLICATION_LAPSED', `the application lapsed: the material was due by ${s.correctionDueAt ?? 'its 补正 deadline'}`);
      if (s.status !== 'returned') throw new RuleViolation('APPLICATION_NOT_RETURNED', 'only an application returned for material can be resubmitted');
      if (s.correctionDueAt !== undefined && now > instant(s.correctionDueAt)) {
        throw new RuleViolation('CORRECTION_DEADLINE_PASSED', `the material was due by ${s.correctionDueAt}`);
      }
      const documents = checkDocuments(command.documents);
      const reviewDueAt = reviewDue(ctx.now, command.notice, command.deadlines);
      const due = reviewDueAt ? { district: s.district, reviewDueAt } : {};
      return [{ type: 'ApplicationResubmitted', data: { applicationId: s.applicationId, noticeId: s.noticeId, documents, ...due } }];
    }
    case 'LapseApplication':
      return decideLapse(existing(state), ctx);
    case 'ReviewQualification': {
      const s = managed(state, command.notice, ctx.actor);
      requireDistrictDecider(ctx, 'review applications');
      if (command.notice.allocated) throw new RuleViolation('ALLOCATION_ALREADY_DECIDED', 'no reviews after the allocation');
      if (s.status === 'returned') requireMaterialOrLapse(s, now, command.notice.closesAt);
      const answers = s.objections.filter((o) => o.status === 'upheld' && !o.answered).map((o) => o.objectionId);
      if (s.status === 'reviewed' && answers.length === 0) {
        throw new RuleViolation('APPLICATION_ALREADY_REVIEWED', 'a second review only answers an upheld objection');
      }
      const reasons = command.reasons.map((r) => r.trim()).filter((r) => r);
      if (!command.qualified && reasons.length === 0) throw new RuleViolation('REASONS_REQUIRED', 'a negative review must give reasons');
      if (command.score !== undefined && !Number.isFinite(command.score)) throw new RuleViolation('SCORE_INVALID', 'the score must be a number');
      // An upheld objection reverses the decision (domain.md): the verdict, or for a scored notice the score.
      if (s.status === 'reviewed' && s.review && s.review.qualified === command.qualified && s.review.score === command.score) {
        throw new RuleViolation('REVIEW_NOT_REVERSED', 'an upheld objection reverses the decision: the new review must change the verdict or the score');
      }
      return [
        {
          type: 'QualificationReviewed',
          data: {
            applicationId: s.applicationId,
            noticeId: s.noticeId,
            qualified: command.qualified,
            reasons,
            ...(command.score !== undefined ? { score: command.score } : {}),
            reviewer: actorRef(ctx.actor),
            ...(s.status === 'reviewed' && s.review ? { answersObjections: answers, previous: s.review } : {}),
            previousStatus: s.status,
          },
        },
      ];
    }
    case 'FileObjection': {
      const s = existing(state);
      if (blank(ctx.actor?.id)) throw new Forbidden('anonymous objections are refused');
      if (ctx.actor.role === 'auditor') throw new Forbidden('auditors read; they do not take part in the procedure');
      const p = command.notice.publicity;
      // An application is public once it is on a publicity list that has begun; until then, to another
      // enterprise, it is as good as absent (whether it applied is not revealed), before any other answer.
      const listed = p !== undefined && now >= instant(p.startsAt) && p.applicationIds.includes(s.applicationId);
      if (!listed && ctx.actor.role === 'enterprise' && ctx.actor.creditCode !== s.creditCode) throw new NotFound(UNKNOWN_APPLICATION);
      if (command.notice.noticeId !== s.noticeId) throw new RuleViolation('NOTICE_MISMATCH', 'the notice snapshot is not this application’s notice');
      if (command.notice.status === 'cancelled') throw new RuleViolation('NOTICE_CANCELLED', 'the notice has been cancelled');
      if (!p || now < instant(p.startsAt) || now > instant(p.endsAt)) throw new RuleViolation('OUTSIDE_PUBLICITY_PERIOD', 'objections are accepted only during the publicity period');
      if (!p.applicationIds.includes(s.applicationId)) throw new RuleViolation('APPLICATION_NOT_IN_PUBLICITY', 'the application is not on the publicity list');
      if (blank(command.content)) throw new RuleViolation('OBJECTION_CONTENT_REQUIRED', 'an objection must say what is wrong');
      if (s.objections.filter((o) => o.filedBy === ctx.actor.id).length >= MAX_OBJECTIONS_PER_ACTOR) {
        throw new RuleViolation('OBJECTION_LIMIT', `one person may file at most ${MAX_OBJECTIONS_PER_ACTOR} objections on an application`);
      }
      const resolveDueAt = dueAfter('objection', ctx.now, command.notice, command.deadlines);
      const due = resolveDueAt ? { district: s.district, resolveDueAt } : {};
      return [
        { type: 'ObjectionFiled', data: { applicationId: s.applicationId, noticeId: s.noticeId, objectionId: ctx.newId(), content: command.content.trim(), filedBy: actorRef(ctx.actor), ...due } },
      ];
    }
    case 'ResolveObjection': {
      const s = managed(state, command.notice, ctx.actor);
      const objection = s.objections.find((o) => o.objectionId === command.objectionId);
      if (!objection) throw new NotFound(`no objection ${command.objectionId} on this application`);
      if (objection.status !== 'open') throw new RuleViolation('OBJECTION_ALREADY_RESOLVED', 'the objection is already resolved');
      requireDistrictDecider(ctx, 'resolve objections');
      if (command.notice.allocated) throw new RuleViolation('ALLOCATION_ALREADY_DECIDED', 'the allocation is already decided');
      if (blank(command.reason)) throw new RuleViolation('REASON_REQUIRED', 'a resolution must say why');
      if (s.reviewerId === ctx.actor.id && !(ctx.duties ?? DEFAULT_DUTIES).reviewerMayResolveObjection) {
        throw new RuleViolation('REVIEWER_CANNOT_RESOLVE_OBJECTION', 'the officer who made the review decision may not resolve an objection against it');
      }
      // Upheld: the new review it asks for is due like any review, counted from now.
      const reviewDueAt = command.upheld ? dueAfter('review', ctx.now, command.notice, command.deadlines) : undefined;
      const due = reviewDueAt ? { district: s.district, reviewDueAt } : {};
      return [
        { type: 'ObjectionResolved', data: { applicationId: s.applicationId, noticeId: s.noticeId, objectionId: objection.objectionId, upheld: command.upheld, reason: command.reason.trim(), ...due } },
      ];
    }
    case 'RecordLease':
    case 'RecordSale':
      return decideContract(command, state, ctx);
    default:
      return assertNever(command);
  }
}

export function evolveApplication(state: ApplicationState, event: ApplicationEvent): ApplicationState {
  if (event.type === 'ApplicationSubmitted') {
    const { district, creditCode, enterpriseName, requestedArea, declared, documents, applicationId, noticeId } = event.data;
    return { status: 'submitted', applicationId, noticeId, district, creditCode, enterpriseName, requestedArea, declared, documents, returns: 0, objections: [] };
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'ApplicationWithdrawn':
      return { ...state, status: 'withdrawn' };
    case 'ApplicationReturned': {
      const { correctionDueAt: _previous, ...rest } = state;
      const due = event.data.correctionDueAt;
      return { ...rest, status: 'returned', missing: event.data.missing, returns: state.returns + 1, ...(due !== undefined ? { correctionDueAt: due } : {}) };
    }
    case 'ApplicationResubmitted':
      return { ...state, status: 'resubmitted', documents: [...state.documents, ...event.data.documents] };
    case 'ApplicationLapsed':
      return { ...state, status: 'lapsed' };
    case 'QualificationReviewed': {
      const { qualified, reasons, score, answersObjections = [] } = event.data;
      const objections = state.objections.map((o) => (answersObjections.includes(o.objectionId) ? { ...o, answered: true } : o));
      return { ...state, status: 'reviewed', review: { qualified, reasons, ...(score !== undefined ? { score } : {}) }, reviewerId: event.data.reviewer.id, objections };
    }
    case 'ObjectionFiled':
      return { ...state, objections: [...state.objections, { objectionId: event.data.objectionId, filedBy: event.data.filedBy.id, status: 'open', answered: false }] };
    case 'ObjectionResolved': {
      const status = event.data.upheld ? 'upheld' : 'dismissed';
      return { ...state, objections: state.objections.map((o) => (o.objectionId === event.data.objectionId ? { ...o, status } : o)) };
    }
    case 'LeaseSigned':
    case 'SaleCompleted':
      return { ...state, contract: event.data };
    default:
      return assertNever(event);
  }
}

export const applicationDecider = { initialState: initialApplicationState, decide: decideApplication, evolve: evolveApplication };
export const applicationStream = (id: string) => `application-${id}`;
