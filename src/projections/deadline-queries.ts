// Queries over the deadlines read model (deadlines.ts): the scheduler's due list and the officers' queues.
import type { Doc, Filter, ReadStore } from '../infra/read-store.js';
import { DEADLINES } from './deadlines.js';

/** Open deadlines due at or before `now`, oldest first: what the scheduler fires next. */
export function dueDeadlines(reads: ReadStore, now: string, limit = 100): Promise<Doc[]> {
  return reads.find(DEADLINES, { status: 'open', dueAt: { $lte: now } }, { sort: { dueAt: 1, _id: 1 }, limit });
}

export interface DeadlineFilter {
  district?: string;
  officer?: string;
  kind?: string;
  /** Only those already past `now`. */
  overdue?: boolean;
}

/** Open deadlines (due and overdue), soonest first, per district and officer. */
export async function listDeadlines(reads: ReadStore, filter: DeadlineFilter, now: string, paging: { page: number; pageSize: number }) {
  const f: Filter = { status: 'open' };
  if (filter.district !== undefined) f.district = filter.district;
  if (filter.officer !== undefined) f.officer = filter.officer;
  if (filter.kind !== undefined) f.kind = filter.kind;
  if (filter.overdue) f.dueAt = { $lt: now };
  const [docs, total] = await Promise.all([
    reads.find(DEADLINES, f, { sort: { dueAt: 1, _id: 1 }, skip: (paging.page - 1) * paging.pageSize, limit: paging.pageSize }),
    reads.count(DEADLINES, f),
  ]);
  const items = docs.map(({ _id, _position, ...rest }) => ({ id: _id, ...rest, overdue: String(rest.dueAt) < now }));
  return { items, total, page: paging.page, pageSize: paging.pageSize };
}
