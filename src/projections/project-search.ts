// Project search: one document per project, everything the public list, the detail page and the map need.
import type { ProjectEvent } from '../domain/project.js';
import { USE_TYPE_NAMES } from '../domain/project.js';
import { DISTRICTS } from '../domain/shared.js';
import type { RecordedEvent } from '../infra/event-store.js';
import { type Projection, op } from './projection.js';
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

export const projectSearch: Projection = {
  name: 'projects-v1',
  collections: [PROJECTS],
  indexes: [
    { collection: PROJECTS, keys: { status: 1, district: 1 } },
    { collection: PROJECTS, keys: { nameGrams: 1 } },
    { collection: PROJECTS, keys: { addressGrams: 1 } },
    { collection: PROJECTS, keys: { geo: '2dsphere' } },
  ],
  handles: new Set(['ProjectRegistered', 'ProjectUpdated', 'UnitsAdded', 'UnitRemoved', 'ProjectPublished', 'ProjectWithdrawn']),
  apply(event: RecordedEvent) {
    const e = event as unknown as ProjectEvent;
    const id = e.data.projectId;
    const at = event.occurredAt;
    switch (e.type) {
      case 'ProjectRegistered': {
        const { units, ...fields } = e.data;
        return [
          op(PROJECTS, id, event, {
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
      }
      case 'ProjectUpdated':
        return [op(PROJECTS, id, event, { set: { ...e.data.changes, ...derived(e.data.changes), updatedAt: at } })];
      case 'UnitsAdded':
        return [op(PROJECTS, id, event, { set: { ...Object.fromEntries(e.data.units.map((u) => [`units.${u.unitId}`, u])), updatedAt: at } })];
      case 'UnitRemoved':
        return [op(PROJECTS, id, event, { unset: [`units.${e.data.unitId}`], set: { updatedAt: at } })];
      case 'ProjectPublished':
        return [op(PROJECTS, id, event, { set: { status: 'published', publishedAt: at, updatedAt: at } })];
      case 'ProjectWithdrawn':
        return [op(PROJECTS, id, event, { set: { status: 'withdrawn', withdrawnAt: at, withdrawReason: e.data.reason, updatedAt: at } })];
      default:
        return [];
    }
  },
};
