// Queries over the tenancies read model (tenancies.ts).
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
