// Queries over the deadlines read model (deadlines.ts): the scheduler's due list and the officers' queues.
import type { Doc, Filter, ReadStore } from '../infra/read-store.js';
import { DEADLINES, DEADLINE_CANCELLED_NOTICES } from './deadlines.js';

/**
 * Open deadlines that change state when they pass (signing, 补正, lease end), due at or before `now`, oldest
 * first: what the scheduler fires next. Officers' overdue duties (review, objection) never crowd them out.
 */
export async function dueDeadlines(reads: ReadStore, now: string, limit = 100): Promise<Doc[]> {
  // The earliest `limit` open ones, then those already due: the same answer as asking for dueAt ≤ now
  // (the due ones come first in dueAt order), but a query that does not change with the clock, so the
  // embedded store answers it from its cache until a deadline changes.
  const earliest = await reads.find(DEADLINES, { fires: true, status: 'open' }, { sort: { dueAt: 1, _id: 1 }, limit });
  return earliest.filter((d) => typeof d.dueAt === 'string' && d.dueAt <= now);
}

export interface DeadlineFilter {
  district?: string;
  officer?: string;
  kind?: string;
  /** Only those already past `now`. */
  overdue?: boolean;
}

/** Open deadlines (due and overdue), soonest first, per district and officer; none of a cancelled notice. */
export async function listDeadlines(reads: ReadStore, filter: DeadlineFilter, now: string, paging: { page: number; pageSize: number }) {
  const f: Filter = { status: 'open' };
  const cancelled = (await reads.find(DEADLINE_CANCELLED_NOTICES, {}, { projection: { _id: 1 } })).map((d) => d._id);
  if (cancelled.length > 0) f.noticeId = { $nin: cancelled };
  if (filter.district !== undefined) f.district = filter.district;
  if (filter.officer !== undefined) f.officer = filter.officer;
  if (filter.kind !== undefined) f.kind = filter.kind;
  if (filter.overdue) f.dueAt = { $lt: now };
  const [docs, total] = await Promise.all([
    reads.find(DEADLINES, f, { sort: { dueAt: 1, _id: 1 }, skip: (paging.page - 1) * paging.pageSize, limit: paging.pageSize }),
    reads.count(DEADLINES, f),
  ]);
  const items = docs.map(({ _id, _position, fires: _fires, ...rest }) => ({ id: _id, ...rest, overdue: String(rest.dueAt) < now }));
  return { items, total, page: paging.page, pageSize: paging.pageSize };
}
