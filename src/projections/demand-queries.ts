// Queries over the demand read models: the queues and one demand, each with its live candidates.
import type { Doc, Filter, ReadStore } from '../infra/read-store.js';
import type { Candidate } from '../domain/matching.js';
import { DEMAND_CANDIDATES } from './demand-matching.js';
import { DEMANDS } from './demands.js';
import { historyArray } from './doc-paths.js';
import type { Page, Paging } from './procedure-queries.js';

export interface DemandFilter {
  creditCode?: string;
  /** Demands naming this district. */
  district?: string;
  status?: 'open' | 'closed';
  industry?: string;
  areaBand?: string;
  /** Open demands whose follow-up was due before this instant. */
  overdueBefore?: string;
}

export type DemandView = Record<string, unknown> & { id: string; candidates: Candidate[]; overdue: boolean };

const HISTORIES = ['updates', 'suggestions', 'brokerings', 'followUps', 'feedback'] as const;

/** Whether an open demand's follow-up was due before `now`. */
export function overdueAt(doc: Doc, now: string): boolean {
  const due = typeof doc.followUpDueAt === 'string' ? doc.followUpDueAt : undefined;
  return doc.status === 'open' && due !== undefined && due < now;
}

/** One demand as the API shows it, its candidates included (the list's own only while open); `overdue` last. */
export function demandView(doc: Doc, candidates: Candidate[] | undefined, now: string): DemandView {
  const { _id, _position: _p, ...fields } = doc;
  const out: Record<string, unknown> = { id: _id, ...fields };
  for (const h of HISTORIES) out[h] = historyArray(doc[h]).map((e) => {
    const { position: _pos, ...rest } = e as Record<string, unknown>;
    return rest;
  });
  return { ...out, candidates: doc.status === 'open' ? (candidates ?? []) : [], overdue: overdueAt(doc, now) } as DemandView;
}

async function candidatesOf(reads: ReadStore, ids: string[]): Promise<Map<string, Candidate[]>> {
  if (ids.length === 0) return new Map();
  const docs = await reads.find(DEMAND_CANDIDATES, { _id: { $in: ids } });
  return new Map(docs.map((d) => [d._id, d.candidates as Candidate[]]));
}

export function demandFilter(f: DemandFilter): Filter {
  const q: Filter = {};
  if (f.creditCode !== undefined) q.creditCode = f.creditCode;
  if (f.district !== undefined) q.districts = f.district;
  if (f.status !== undefined) q.status = f.status;
  if (f.industry !== undefined) q.industry = f.industry;
  if (f.areaBand !== undefined) q.areaBand = f.areaBand;
  if (f.overdueBefore !== undefined) {
    q.status = 'open';
    q.followUpDueAt = { $lt: f.overdueBefore };
  }
  return q;
}

/** One page of a queue as stored: the demand documents and their candidate lists. */
export type DemandPage = Omit<Page<DemandView>, 'items'> & { docs: Doc[]; candidates: Map<string, Candidate[]> };

export async function findDemands(reads: ReadStore, filter: DemandFilter, page: Paging): Promise<DemandPage> {
  const q = demandFilter(filter);
  const sort: Record<string, 1 | -1> = filter.overdueBefore ? { followUpDueAt: 1, _id: 1 } : { reportedPosition: -1, _id: 1 };
  const [docs, total] = await Promise.all([reads.find(DEMANDS, q, { sort, skip: (page.page - 1) * page.pageSize, limit: page.pageSize }), reads.count(DEMANDS, q)]);
  const candidates = await candidatesOf(reads, docs.map((d) => d._id));
  return { docs, candidates, total, page: page.page, pageSize: page.pageSize };
}

export async function listDemands(reads: ReadStore, filter: DemandFilter, page: Paging, now: string): Promise<Page<DemandView>> {
  const { docs, candidates, ...rest } = await findDemands(reads, filter, page);
  return { items: docs.map((d) => demandView(d, candidates.get(d._id), now)), ...rest };
}

export async function getDemand(reads: ReadStore, demandId: string, now: string): Promise<DemandView | null> {
  const doc = await reads.findOne(DEMANDS, { _id: demandId });
  if (!doc) return null;
  return demandView(doc, (await candidatesOf(reads, [demandId])).get(demandId), now);
}
