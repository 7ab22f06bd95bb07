// Queries over the tenancies read model (tenancies.ts).
import type { Tenancy } from '../domain/exchange.js';
import type { District } from '../domain/shared.js';
import type { Ending } from '../domain/tenancy.js';
import type { Doc, Filter, ReadStore } from '../infra/read-store.js';
import { historyArray } from './doc-paths.js';
import { TENANCIES } from './tenancies.js';

export interface TenancyFilter {
  district?: string;
  creditCode?: string;
  projectId?: string;
  status?: 'active' | 'ended';
  /** Tenancies whose current term ends before this instant (ISO-8601, UTC). */
  endsBefore?: string;
}

function shape(doc: Doc): Record<string, unknown> & { id: string } {
  const { _id, _position, renewalHistory, ...rest } = doc;
  return { id: _id, ...rest, renewalHistory: historyArray<Record<string, unknown>>(renewalHistory).map(({ position: _p, ...r }) => r) };
}

export async function listTenancies(reads: ReadStore, filter: TenancyFilter, paging: { page: number; pageSize: number }) {
  const f: Filter = {};
  for (const key of ['district', 'creditCode', 'projectId', 'status'] as const) if (filter[key] !== undefined) f[key] = filter[key];
  if (filter.endsBefore !== undefined) f.endsOn = { $lt: filter.endsBefore };
  const [docs, total] = await Promise.all([
    reads.find(TENANCIES, f, { sort: { endsOn: 1, _id: 1 }, skip: (paging.page - 1) * paging.pageSize, limit: paging.pageSize }),
    reads.count(TENANCIES, f),
  ]);
  return { items: docs.map(shape), total, page: paging.page, pageSize: paging.pageSize };
}

export async function getTenancy(reads: ReadStore, tenancyId: string) {
  const doc = await reads.findOne(TENANCIES, { _id: tenancyId });
  return doc ? shape(doc) : null;
}

/**
 * The enterprise's tenancy as RequestExchange's `tenancy` expects: its live one (the latest started, when it
 * holds several), else the one that ended last, so the decider can say it ended; null when it never held one.
 * From this read model, which follows exits, recoveries, expiries and 换租 moves (a successor is a tenancy
 * of its own, its id the exchange's).
 */
export async function exchangeTenancyOf(reads: ReadStore, creditCode: string): Promise<Tenancy | null> {
  const [live] = await reads.find(TENANCIES, { creditCode, status: 'active' }, { sort: { startsOn: -1, _id: -1 }, limit: 1 });
  const doc = live ?? (await reads.find(TENANCIES, { creditCode, status: 'ended' }, { sort: { endedOn: -1, _id: -1 }, limit: 1 }))[0];
  if (!doc) return null;
  const d = doc as Doc & { projectId: string; district: District; area: number; creditCode: string; endsOn: string; status: 'active' | 'ended'; endedHow?: Ending; endedOn?: string };
  return {
    applicationId: d._id,
    projectId: d.projectId,
    district: d.district,
    area: d.area,
    creditCode: d.creditCode,
    status: d.status,
    endsOn: d.endsOn,
    ...(d.endedHow !== undefined ? { endedHow: d.endedHow } : {}),
    ...(d.endedOn !== undefined ? { endedOn: d.endedOn } : {}),
  };
}
