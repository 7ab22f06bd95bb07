// Project search: one document per project, everything the public list, the detail page and the map need.
import type { ProjectEvent } from '../domain/project.js';
import { USE_TYPE_NAMES } from '../domain/project.js';
import { DISTRICTS } from '../domain/shared.js';
import { defineProjection, op } from './projection.js';
import { bigrams } from './text-search.js';

export const PROJECTS = 'projects';

/** Derived fields that travel with the fields they derive from, so a partial update stays consistent. */
function derived(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof fields.name === 'string') out.nameGrams = bigrams(fields.name);
  if (typeof fields.address === 'string') out.addressGrams = bigrams(fields.address);
  if (typeof fields.district === 'string') out.districtName = DISTRICTS[fields.district as keyof typeof DISTRICTS];
  if (typeof fields.useType === 'string') out.useTypeName = USE_TYPE_NAMES[fields.useType as keyof typeof USE_TYPE_NAMES];
  const loc = fields.location as { lng: number; lat: number } | undefined;
  if (loc) out.geo = { type: 'Point', coordinates: [loc.lng, loc.lat] };
  return out;
}

export const projectSearch = defineProjection<ProjectEvent>({
  name: 'projects-v1',
  collections: [PROJECTS],
  indexes: [
    { collection: PROJECTS, keys: { status: 1, district: 1 } },
    { collection: PROJECTS, keys: { nameGrams: 1 } },
    { collection: PROJECTS, keys: { addressGrams: 1 } },
    { collection: PROJECTS, keys: { geo: '2dsphere' } },
  ],
  handlers: {
    ProjectRegistered: (event) => {
      const { units, ...fields } = event.data;
      const at = event.occurredAt;
      return [
        op(PROJECTS, fields.projectId, event, {
          set: {
            ...fields,
            ...derived(fields),
            units: Object.fromEntries(units.map((u) => [u.unitId, u])),
            status: 'registered',
            registeredAt: at,
            updatedAt: at,
          },
        }),
      ];
    },
    ProjectUpdated: (event) => [op(PROJECTS, event.data.projectId, event, { set: { ...event.data.changes, ...derived(event.data.changes), updatedAt: event.occurredAt } })],
    UnitsAdded: (event) => [
      op(PROJECTS, event.data.projectId, event, { set: { ...Object.fromEntries(event.data.units.map((u) => [`units.${u.unitId}`, u])), updatedAt: event.occurredAt } }),
    ],
    UnitRemoved: (event) => [op(PROJECTS, event.data.projectId, event, { unset: [`units.${event.data.unitId}`], set: { updatedAt: event.occurredAt } })],
    ProjectPublished: (event) => [op(PROJECTS, event.data.projectId, event, { set: { status: 'published', publishedAt: event.occurredAt, updatedAt: event.occurredAt } })],
    ProjectWithdrawn: (event) => [
      op(PROJECTS, event.data.projectId, event, { set: { status: 'withdrawn', withdrawnAt: event.occurredAt, withdrawReason: event.data.reason, updatedAt: event.occurredAt } }),
    ],
  },
});
