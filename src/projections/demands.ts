// Demands (产业空间需求): one document per demand with what the enterprise asked for, where it stands,
// the officers' suggestions, brokering, follow-ups and the enterprise's feedback. Histories are maps
// keyed by log position (set, never push), so a replay changes nothing. Candidates live beside it in
// demand-matching.ts, a projection of its own.
import { type DemandEvent, type DemandSpec, areaBandOf } from '../domain/demand.js';
import { USE_TYPE_NAMES } from '../domain/project.js';
import { DISTRICTS } from '../domain/shared.js';
import { historyKey, utc, withData } from './doc-paths.js';
import { defineProjection, op } from './projection.js';

export const DEMANDS = 'demands';

/** Fields derived from the spec, recomputed whenever the fields they derive from change. */
function derived(spec: Partial<DemandSpec>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (spec.districts) out.districtNames = spec.districts.map((d) => DISTRICTS[d]);
  if (spec.useType) out.useTypeName = USE_TYPE_NAMES[spec.useType];
  if (spec.maxArea !== undefined) out.areaBand = areaBandOf(spec.maxArea);
  if (spec.neededBy !== undefined) out.neededBy = utc(spec.neededBy);
  return out;
}

export const demands = defineProjection<DemandEvent>({
  name: 'demands-v1',
  collections: [DEMANDS],
  indexes: [
    { collection: DEMANDS, keys: { creditCode: 1, reportedPosition: 1 } },
    { collection: DEMANDS, keys: { districts: 1, status: 1 } },
    { collection: DEMANDS, keys: { status: 1, followUpDueAt: 1 } },
  ],
  handlers: {
    DemandReported: (event) => {
      const { demandId, followUpDueAt, reportedAt, ...rest } = event.data;
      const at = utc(event.occurredAt);
      return [
        op(DEMANDS, demandId, event, {
          set: { demandId, ...rest, ...derived(rest), status: 'open', reportedAt: utc(reportedAt), reportedPosition: event.position, followUpDueAt: utc(followUpDueAt), updatedAt: at },
        }),
      ];
    },
    DemandUpdated: (event) => {
      const { demandId, changes, previous } = event.data;
      const at = utc(event.occurredAt);
      return [op(DEMANDS, demandId, event, { set: withData({ ...changes, ...derived(changes), updatedAt: at }, [`updates.${historyKey(event.position)}`, { changes, previous, at, position: event.position }]) })];
    },
    DemandWithdrawn: (event) => {
      const at = utc(event.occurredAt);
      return [op(DEMANDS, event.data.demandId, event, { set: { status: 'closed', outcome: 'withdrawn', closeReason: event.data.reason, closedAt: at, updatedAt: at }, unset: ['followUpDueAt'] })];
    },
    DemandMatched: (event) => {
      const { demandId, suggestions, by, followUpDueAt } = event.data;
      const at = utc(event.occurredAt);
      return [op(DEMANDS, demandId, event, { set: withData({ followUpDueAt: utc(followUpDueAt), updatedAt: at }, [`suggestions.${historyKey(event.position)}`, { suggestions, by, at, position: event.position }]) })];
    },
    DemandBrokered: (event) => {
      const { demandId, projectId, note, by, followUpDueAt } = event.data;
      const at = utc(event.occurredAt);
      return [
        op(DEMANDS, demandId, event, {
          set: withData({ brokered: true, followUpDueAt: utc(followUpDueAt), updatedAt: at }, [`brokerings.${historyKey(event.position)}`, { projectId, note, by, at, position: event.position }]),
        }),
      ];
    },
    DemandFollowedUp: (event) => {
      const { demandId, note, by, followUpDueAt } = event.data;
      const at = utc(event.occurredAt);
      return [
        op(DEMANDS, demandId, event, {
          set: withData({ lastFollowUpAt: at, followUpDueAt: utc(followUpDueAt), updatedAt: at }, [`followUps.${historyKey(event.position)}`, { note, by, at, position: event.position }]),
        }),
      ];
    },
    DemandFeedbackGiven: (event) => {
      const { demandId, satisfied, note } = event.data;
      const at = utc(event.occurredAt);
      return [op(DEMANDS, demandId, event, { set: withData({ satisfied, updatedAt: at }, [`feedback.${historyKey(event.position)}`, { satisfied, note, at, position: event.position }]) })];
    },
    DemandClosed: (event) => {
      const { demandId, outcome, reason, by } = event.data;
      const at = utc(event.occurredAt);
      return [op(DEMANDS, demandId, event, { set: { status: 'closed', outcome, closeReason: reason, closedBy: by, closedAt: at, updatedAt: at }, unset: ['followUpDueAt'] })];
    },
  },
});
