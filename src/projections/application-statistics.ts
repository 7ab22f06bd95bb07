// Applications by status (domain.md, statistics), as of any past moment by either time, without replay: the
// bucket design of statistics.ts (signed counter deltas into a running total, CST year/month/day buckets
// and one record per event). Each status change moves one application from the status it leaves to the
// one it enters; the events say which status they leave (`previousStatus`). The figures now come from the
// applications themselves (procedure-queries.ts), which these equal for a log recorded with that field.
import { APPLICATION_STATUSES, type ApplicationEvent, type ApplicationStatus } from '../domain/application.js';
import type { ReadStore } from '../infra/read-store.js';
import { defineProjection, type Recorded } from './projection.js';
import { type CountedBy, type CounterCollections, asOfCounterDocs, counterOps, sumCounters } from './statistics.js';

export const APPLICATION_STATS_NOW = 'application_stats_now';
export const APPLICATION_STATS_BUCKETS = 'application_stats_buckets';
export const APPLICATION_STATS_DELTAS = 'application_stats_deltas';

const COUNTERS: CounterCollections = { now: APPLICATION_STATS_NOW, buckets: APPLICATION_STATS_BUCKETS, deltas: APPLICATION_STATS_DELTAS };

/**
 * The status an event leaves. Events recorded before they carried it are read by what their type allows
 * most often: a first submission, a withdrawal or return of a submitted application, a first review (a
 * review carrying the decision it replaces leaves `reviewed`). A resubmission and a lapse leave `returned`.
 */
function leaves(e: ApplicationEvent): ApplicationStatus | undefined {
  switch (e.type) {
    case 'ApplicationSubmitted':
      return e.data.previousStatus;
    case 'ApplicationWithdrawn':
    case 'ApplicationReturned':
      return e.data.previousStatus ?? 'submitted';
    case 'QualificationReviewed':
      return e.data.previousStatus ?? (e.data.previous ? 'reviewed' : 'submitted');
    default:
      return 'returned';
  }
}

const ENTERS = {
  ApplicationSubmitted: 'submitted',
  ApplicationWithdrawn: 'withdrawn',
  ApplicationReturned: 'returned',
  ApplicationResubmitted: 'resubmitted',
  ApplicationLapsed: 'lapsed',
  QualificationReviewed: 'reviewed',
} as const satisfies Partial<Record<ApplicationEvent['type'], ApplicationStatus>>;
type StatusEvent = Extract<ApplicationEvent, { type: keyof typeof ENTERS }>;

function moveOps(event: Recorded<StatusEvent>) {
  const e = { type: event.type, data: event.data } as StatusEvent;
  const from = leaves(e);
  const to = ENTERS[e.type];
  // A second review leaves and enters `reviewed`: nothing moves, nothing is recorded.
  if (from === to) return [];
  return counterOps(COUNTERS, event, from === undefined ? { [to]: 1 } : { [to]: 1, [from]: -1 });
}

export const applicationStatistics = defineProjection<ApplicationEvent>({
  name: 'application-statistics-v1',
  collections: [APPLICATION_STATS_NOW, APPLICATION_STATS_BUCKETS, APPLICATION_STATS_DELTAS],
  logCollections: [APPLICATION_STATS_DELTAS],
  indexes: [
    { collection: APPLICATION_STATS_DELTAS, keys: { day: 1 } },
    { collection: APPLICATION_STATS_DELTAS, keys: { recordedDay: 1 } },
  ],
  handlers: {
    ApplicationSubmitted: moveOps,
    ApplicationWithdrawn: moveOps,
    ApplicationReturned: moveOps,
    ApplicationResubmitted: moveOps,
    ApplicationLapsed: moveOps,
    QualificationReviewed: moveOps,
  },
});

export interface ApplicationsByStatus {
  total: number;
  byStatus: { status: ApplicationStatus; count: number }[];
}

function shape(t: Map<string, number>): ApplicationsByStatus {
  // Never below zero: only a history recorded before `previousStatus` can misread a change (leaves()).
  const byStatus = APPLICATION_STATUSES.map((status) => ({ status, count: Math.max(0, t.get(status) ?? 0) }));
  return { total: byStatus.reduce((n, s) => n + s.count, 0), byStatus };
}

/** Applications by status as they stood at `asOf`, by business time or by what had been recorded. */
export async function applicationStatisticsAsOf(store: ReadStore, asOf: string, by: CountedBy = 'occurredAt'): Promise<ApplicationsByStatus> {
  const docs = await asOfCounterDocs(store, COUNTERS, asOf, by);
  return shape(sumCounters(docs.map((d) => d.c)));
}

/** The running total (the answer now comes from the applications themselves; this is for the tests' comparison). */
export async function currentApplicationStatistics(store: ReadStore): Promise<ApplicationsByStatus> {
  const doc = await store.findOne(APPLICATION_STATS_NOW, { _id: 'current' });
  return shape(sumCounters(doc ? [doc.c] : []));
}
