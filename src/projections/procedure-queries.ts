// Queries over the procedure read models (notices, the public feed, applications, objections, exchanges,
// sanctions; tenancies are tenancy-queries.ts'), for the routes and the command handlers. Every answer is
// a plain JSON-ready object: the store's `_position` and the projections' internal fields are removed, and
// histories kept as maps keyed by log position come out as arrays in log order.
import { type SanctionRecord, activeApplicationBans } from '../domain/accountability.js';
import { APPLICATION_STATUSES, type ApplicationStatus, type DeclaredFacts, type DocumentRef } from '../domain/application.js';
import type { OpenExchange } from '../domain/exchange.js';
import type { SupplyMode } from '../domain/project.js';
import { DISTRICTS, type District } from '../domain/shared.js';
import type { Doc, Filter, ReadStore } from '../infra/read-store.js';
import { SANCTIONS, subjectKey } from './accountability.js';
import { APPLICATIONS, OBJECTIONS } from './applications.js';
import { decodeKey, historyArray, keyedByData, utc } from './doc-paths.js';
import { EXCHANGES } from './exchanges.js';
import { NOTICES } from './notices.js';
import { PROJECTS } from './project-search.js';
import { type FeedKind, PUBLIC_FEED, RESULT_CHANGE_NAMES, type ResultChangeKind, feedId, publicityTitle, resultTitle, sumArea } from './public-feed.js';

export interface Paging {
  /** 1-based. */
  page: number;
  pageSize: number;
}
export interface Page<T> extends Paging {
  items: T[];
  total: number;
}
export interface FeedQuery extends Paging {
  kind?: FeedKind;
  district?: string;
  /** Inclusive bounds on publishedAt (ISO-8601 instants). */
  from?: string;
  to?: string;
}
export interface ApplicationFilter {
  noticeId?: string;
  district?: string;
  status?: string;
  creditCode?: string;
}
export interface ExchangeFilter {
  district?: string;
  creditCode?: string;
  status?: string;
}

/** A read-model document as answered: its id and its fields. */
export type View = { _id: string } & Record<string, unknown>;

export interface ObjectionView {
  objectionId: string;
  content: string;
  filedBy: Record<string, unknown>;
  filedAt: string;
  open: boolean;
  status: 'open' | 'upheld' | 'dismissed';
  answered: boolean;
  resolution?: { upheld: boolean; reason: string; resolvedAt: string };
}

export interface ApplicationView extends View {
  applicationId: string;
  noticeId: string;
  district: District;
  creditCode: string;
  enterpriseName: string;
  requestedArea: number;
  declared: DeclaredFacts;
  /** Every document, submitted and resubmitted, in order. */
  documents: DocumentRef[];
  documentHistory: { kind: 'submitted' | 'resubmitted'; at: string; documents: DocumentRef[] }[];
  status: ApplicationStatus;
  submittedAt: string;
  /** Global log position of the latest ApplicationSubmitted: the first-come queue number. */
  submittedPosition: number;
  returned?: { missing: string[]; returnedAt: string };
  qualified?: boolean;
  reasons: string[];
  score?: number;
  reviews: Record<string, unknown>[];
  reviewCount?: number;
  objections: Record<string, ObjectionView>;
  openObjections: number;
  awaitingReview: boolean;
  allocation?: { allocated: boolean; area: number; rank: number; method: string; decidedAt: string };
  allocatedArea?: number;
  contract?: Record<string, unknown>;
  withdrawnAt?: string;
}

export interface ExchangeView extends View {
  exchangeId: string;
  district: District;
  creditCode: string;
  enterpriseName?: string;
  /** The lease the exchange starts from. */
  tenancy: { applicationId: string; projectId: string; area: number };
  wanted: { projectId?: string; unitId?: string; area: number };
  reason: string;
  status: 'requested' | 'reviewed' | 'published';
  approved?: boolean;
  review?: { approved: boolean; reason: string; reviewer: { id: string; name?: string }; reviewedAt: string };
  requestedAt: string;
  publishedAt?: string;
}

export interface FoundObjection {
  objectionId: string;
  applicationId: string;
  noticeId: string;
  district: District;
  open: boolean;
  upheld?: boolean;
  resolvedAt?: string;
}

export interface ProcedureStatistics {
  applications: { total: number; byStatus: { status: string; count: number }[] };
  /** ㎡ allocated by the decisions of notices that were not cancelled. */
  allocatedArea: number;
}

const MAX_PAGE_SIZE = 500;

function paging(p: Paging): Paging {
  const page = Number.isFinite(p.page) && p.page >= 1 ? Math.floor(p.page) : 1;
  const pageSize = Number.isFinite(p.pageSize) && p.pageSize >= 1 ? Math.min(Math.floor(p.pageSize), MAX_PAGE_SIZE) : 20;
  return { page, pageSize };
}

/** The filter of the given fields only: an absent or empty value does not filter. */
function equalities(fields: Record<string, string | undefined>): Filter {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== ''));
}

/**
 * The document without its position and up to two internal fields, left out by a rest copy: that stays a
 * fast-mode object, where a copy with deletes became a dictionary-mode one (presented.ts says what they cost).
 */
function strip(doc: Doc, internal = '_position', other = '_position'): View {
  const { _position: _p, [internal]: _a, [other]: _b, ...out } = doc;
  return out as View;
}

async function pageOf(reads: ReadStore, collection: string, filter: Filter, sort: Record<string, 1 | -1>, p: Paging, shape: (d: Doc) => View) {
  const { page, pageSize } = paging(p);
  const [docs, total] = await Promise.all([reads.find(collection, filter, { sort, skip: (page - 1) * pageSize, limit: pageSize }), reads.count(collection, filter)]);
  return { items: docs.map(shape), total, page, pageSize };
}

// ---- notices and the public feed ----

function shapeNotice(doc: Doc): View {
  const view = strip(doc);
  view.districtName = DISTRICTS[doc.district as District] ?? doc.district;
  view.amendments = historyArray(doc.amendments);
  const publicity = doc.publicity as { list?: unknown } | undefined;
  if (publicity) view.publicity = { ...publicity, list: publicityList(publicity.list) };
  return view;
}

interface PublicityEntryView {
  applicationId: string;
  qualified: boolean;
  index?: number;
  reasons?: unknown;
  previous?: { qualified: boolean; reasons?: unknown };
}

/**
 * The publicity list, stored keyed by application id, as an array in list order (without the stored
 * place). A 公示 shows each enterprise and its verdict; the reasons of a refusal are the applicant's
 * and the officers' (on the application), so no public list carries them.
 */
function publicityList(list: unknown): Omit<PublicityEntryView, 'index' | 'reasons'>[] {
  const entries = Array.isArray(list) ? (list as PublicityEntryView[]) : Object.values((list ?? {}) as Record<string, PublicityEntryView>).sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  return entries.map(({ index: _index, reasons: _reasons, previous, ...entry }) => (previous ? { ...entry, previous: { qualified: previous.qualified } } : entry));
}

/**
 * Records older than projectName (see NoticePublished) name their project from the projects read model;
 * an exchange result names it that way too (its events carry the project's id only).
 */
async function withProjectNames<T extends View>(reads: ReadStore, views: T[]): Promise<T[]> {
  const missing = [...new Set(views.filter((v) => v.projectName === undefined && typeof v.projectId === 'string').map((v) => v.projectId as string))];
  if (missing.length === 0) return views;
  const projects = await reads.find(PROJECTS, { _id: { $in: missing } }, { projection: { name: 1 } });
  const names = new Map(projects.map((p) => [p._id, p.name]));
  return views.map((v) => (v.projectName === undefined && names.has(v.projectId as string) ? { ...v, projectName: names.get(v.projectId as string) } : v));
}

function shapeFeedItem(doc: Doc): View {
  const view = strip(doc, 'visible', 'applicants');
  if (doc.kind === 'qualification_publicity' && doc.body) {
    const list = publicityList((doc.body as { list?: unknown }).list);
    view.body = { ...(doc.body as Record<string, unknown>), list };
    // Counted from the current list: a verdict revised after an objection changes the count.
    view.title = publicityTitle(doc.district as District, { projectId: doc.projectId as string, projectName: doc.projectName as string | undefined }, list);
  }
  if (doc.kind === 'result' && doc.body) Object.assign(view, resultNow(doc));
  return view;
}

interface ResultChange {
  kind: ResultChangeKind;
  applicationId: string;
  area: number;
  at: string;
  position: number;
  rank?: number;
  replaces?: string;
}
interface ResultAllocation {
  applicationId: string;
  area: number;
  rank?: number;
  status: 'allocated' | 'forfeited' | 'revoked';
  via?: 'waitlist';
  replaces?: string;
  allocatedAt?: string;
  endedAt?: string;
  endedHow?: string;
}

/**
 * A published result as it stands: the allocations it announced, each with its status, then every 递补
 * after it, with the enterprises named from the publicity list; the changes in log order; the title and
 * the allocated area counted from the live allocations.
 */
function resultNow(doc: Doc): { title?: string; body: Record<string, unknown>; revisedAt?: string; revisionCount?: number } {
  type Named = { applicationId: string; enterpriseName: string; creditCode: string };
  const names = new Map(((doc.applicants as Named[] | undefined) ?? []).map((a) => [a.applicationId, a]));
  const named = <T extends { applicationId: string }>(a: T) => {
    const who = names.get(a.applicationId);
    return who ? { ...a, enterpriseName: who.enterpriseName, creditCode: who.creditCode } : a;
  };
  const { changes: stored, ...body } = doc.body as Record<string, unknown>;
  const changes = historyArray<ResultChange>(stored);
  const allocations: ResultAllocation[] = ((body.allocations as Omit<ResultAllocation, 'status'>[] | undefined) ?? []).map((a) => ({ ...a, status: 'allocated' }));
  for (const c of changes) {
    if (c.kind === 'waitlist') {
      allocations.push({ applicationId: c.applicationId, area: c.area, ...(c.rank !== undefined ? { rank: c.rank } : {}), status: 'allocated', via: 'waitlist', ...(c.replaces ? { replaces: c.replaces } : {}), allocatedAt: c.at });
      continue;
    }
    const live = allocations.find((a) => a.applicationId === c.applicationId && a.status === 'allocated');
    if (live) Object.assign(live, { status: c.kind === 'revoked' ? 'revoked' : 'forfeited', endedAt: c.at, endedHow: RESULT_CHANGE_NAMES[c.kind] });
  }
  const held = allocations.filter((a) => a.status === 'allocated');
  const shaped = { ...body, allocations: allocations.map(named), allocatedArea: sumArea(held.map((a) => a.area)) };
  if (changes.length === 0) return { body: shaped };
  const listed = changes.map(({ position: _p, ...c }) => named({ ...c, kindName: RESULT_CHANGE_NAMES[c.kind] }));
  const project = { projectId: doc.projectId as string, projectName: doc.projectName as string | undefined };
  return {
    title: resultTitle(doc.district as District, project, body.supplyMode as SupplyMode, held),
    body: { ...shaped, changes: listed },
    revisedAt: changes[changes.length - 1]!.at,
    revisionCount: changes.length,
  };
}

export async function getNotice(reads: ReadStore, noticeId: string): Promise<View | null> {
  const doc = await reads.findOne(NOTICES, { _id: noticeId });
  if (!doc) return null;
  const view = shapeNotice(doc);
  // The publicity list as it stands now: the feed item keeps verdicts revised after upheld objections.
  const publicity = view.publicity as Record<string, unknown> | undefined;
  if (publicity) {
    const item = await reads.findOne(PUBLIC_FEED, { _id: feedId('qualification_publicity', noticeId) });
    const list = (item?.body as { list?: unknown } | undefined)?.list;
    if (list !== undefined) view.publicity = { ...publicity, list: publicityList(list) };
  }
  const [named] = await withProjectNames(reads, [view]);
  return named!;
}

/** The public feed, newest first (publishedAt, then log position, descending). */
export async function listFeed(reads: ReadStore, query: FeedQuery): Promise<Page<View>> {
  const filter: Filter = { visible: true, ...equalities({ kind: query.kind, district: query.district }) };
  const range: Record<string, string> = {};
  if (query.from) range.$gte = utc(query.from);
  if (query.to) range.$lte = utc(query.to);
  if (Object.keys(range).length > 0) filter.publishedAt = range;
  const page = await pageOf(reads, PUBLIC_FEED, filter, { publishedAt: -1, position: -1 }, query, shapeFeedItem);
  return { ...page, items: await withProjectNames(reads, page.items) };
}

// ---- applications and objections ----

function shapeApplication(doc: Doc): ApplicationView {
  const view = strip(doc, 'documentSets');
  const sets = historyArray<{ kind: 'submitted' | 'resubmitted'; at: string; documents: DocumentRef[] }>(doc.documentSets);
  view.documentHistory = sets.map(({ kind, at, documents }) => ({ kind, at, documents }));
  view.documents = sets.flatMap((s) => s.documents);
  view.reviews = historyArray(doc.reviews);
  const objections = (doc.objections ?? {}) as Record<string, ObjectionView>;
  view.objections = keyedByData(Object.entries(objections).map(([k, o]) => [decodeKey(k), o]));
  view.reasons = (doc.reasons as string[] | undefined) ?? [];
  view.openObjections = (doc.openObjections as number | undefined) ?? 0;
  view.awaitingReview = doc.awaitingReview === true;
  return view as ApplicationView;
}

/** Review queues and an enterprise's own records, in first-come order (submittedPosition ascending). */
export async function listApplications(reads: ReadStore, filter: ApplicationFilter, page: Paging): Promise<Page<ApplicationView>> {
  const f = equalities({ noticeId: filter.noticeId, district: filter.district, status: filter.status, creditCode: filter.creditCode });
  return pageOf(reads, APPLICATIONS, f, { submittedPosition: 1, _id: 1 }, page, shapeApplication) as Promise<Page<ApplicationView>>;
}

/** Every application of a notice (withdrawn ones included), in first-come order. */
export async function applicationsOfNotice(reads: ReadStore, noticeId: string): Promise<ApplicationView[]> {
  const docs = await reads.find(APPLICATIONS, { noticeId }, { sort: { submittedPosition: 1, _id: 1 } });
  return docs.map(shapeApplication);
}

export async function getApplication(reads: ReadStore, applicationId: string): Promise<ApplicationView | null> {
  const doc = await reads.findOne(APPLICATIONS, { _id: applicationId });
  return doc ? shapeApplication(doc) : null;
}

/** An objection by its id alone, with the district of its application (ObjectionFiled carries none). */
export async function findObjection(reads: ReadStore, objectionId: string): Promise<FoundObjection | null> {
  const doc = await reads.findOne(OBJECTIONS, { _id: objectionId });
  if (!doc) return null;
  const application = await reads.findOne(APPLICATIONS, { _id: doc.applicationId as string });
  if (!application || typeof application.district !== 'string') return null;
  return {
    objectionId,
    applicationId: doc.applicationId as string,
    noticeId: doc.noticeId as string,
    district: application.district as District,
    open: doc.open === true,
    ...(typeof doc.upheld === 'boolean' ? { upheld: doc.upheld } : {}),
    ...(typeof doc.resolvedAt === 'string' ? { resolvedAt: doc.resolvedAt } : {}),
  };
}

// ---- sanctions ----

/**
 * The application bans on an enterprise still in force at `now`, as the SanctionRecords the decider's
 * helper takes: `activeApplicationBans(records, creditCode, now)` turns them into SubmitApplication's
 * `sanctions` (and gives the same answer, since these are already filtered the same way).
 */
export async function activeSanctionsOf(reads: ReadStore, creditCode: string, now: string): Promise<SanctionRecord[]> {
  const docs = await reads.find(SANCTIONS, { subjectKey: subjectKey(creditCode), subjectKind: 'enterprise', kind: 'application_ban' }, { sort: { imposedAt: 1, _id: 1 } });
  const records: SanctionRecord[] = docs.map((d) => ({
    caseId: d.caseId as string,
    sanctionId: d.sanctionId as string,
    subject: d.subject as SanctionRecord['subject'],
    kind: d.kind as SanctionRecord['kind'],
    ...(typeof d.until === 'string' ? { until: d.until } : {}),
    reason: d.reason as string,
    ...(typeof d.liftedAt === 'string' ? { liftedAt: d.liftedAt } : {}),
  }));
  return records.filter((r) => activeApplicationBans([r], creditCode, now).length > 0);
}

// ---- exchanges ----

/** The enterprise's exchange requests not yet reviewed, as RequestExchange's `openExchanges` expects. */
export async function openExchangesOf(reads: ReadStore, creditCode: string): Promise<OpenExchange[]> {
  const docs = await reads.find(EXCHANGES, { creditCode, status: 'requested' }, { sort: { requestedPosition: 1, _id: 1 } });
  return docs.map((d) => ({ exchangeId: d.exchangeId as string, applicationId: (d.tenancy as { applicationId: string }).applicationId }));
}

/** Exchange requests in the order they were made. */
export async function listExchanges(reads: ReadStore, filter: ExchangeFilter, page: Paging): Promise<Page<ExchangeView>> {
  const f = equalities({ district: filter.district, creditCode: filter.creditCode, status: filter.status });
  return pageOf(reads, EXCHANGES, f, { requestedPosition: 1, _id: 1 }, page, (d) => strip(d)) as Promise<Page<ExchangeView>>;
}

export async function getExchange(reads: ReadStore, exchangeId: string): Promise<ExchangeView | null> {
  const doc = await reads.findOne(EXCHANGES, { _id: exchangeId });
  return doc ? (strip(doc) as ExchangeView) : null;
}

// ---- statistics ----

/** Applications by status and the allocated area; the caller merges it into GET /api/statistics. */
export async function procedureStatistics(reads: ReadStore): Promise<ProcedureStatistics> {
  const [groups, areas] = await Promise.all([
    reads.aggregate(APPLICATIONS, [{ $group: { _id: '$status', count: { $sum: 1 } } }]),
    reads.aggregate(NOTICES, [
      { $match: { status: { $ne: 'cancelled' }, 'allocation.allocatedArea': { $exists: true } } },
      { $project: { area: '$allocation.allocatedArea' } },
    ]),
  ]);
  const counts = new Map(groups.map((g) => [String(g._id), Number(g.count)]));
  const statuses = [...APPLICATION_STATUSES, ...[...counts.keys()].filter((s) => !APPLICATION_STATUSES.includes(s as ApplicationStatus)).sort()];
  const byStatus = statuses.map((status) => ({ status, count: counts.get(status) ?? 0 }));
  const total = byStatus.reduce((t, s) => t + s.count, 0);
  // Summed in 0.0001 ㎡ units so the total is exact whatever the order.
  const allocatedArea = areas.reduce((t, a) => t + Math.round(Number(a.area) * 10_000), 0) / 10_000;
  return { applications: { total, byStatus }, allocatedArea };
}
