// Project search: one document per project, everything the public list, the detail page and the map need.
// The space ledger's figures travel on it as whole hundredths of a ㎡ (`ledger.*Centi`), moved by the deltas
// the events carry (ledger.ts SpaceDelta), so search (`minAvailableArea`) and demand matching use the
// derived available area, not a typed one; the typed field is the market area (`marketArea`).
import type { ApplicationEvent } from '../domain/application.js';
import { type SpaceDelta, centiOf } from '../domain/ledger.js';
import type { NoticeEvent } from '../domain/notice.js';
import type { ProjectEvent } from '../domain/project.js';
import type { TenancyEvent } from '../domain/tenancy.js';
import type { RecordedEvent } from '../infra/event-store.js';
import { USE_TYPE_NAMES } from '../domain/project.js';
import { DISTRICTS } from '../domain/shared.js';
import { keyedByData } from './doc-paths.js';
import { type Recorded, defineProjection, merged, op } from './projection.js';
import { type SpaceEvent, onSpaceMoves } from './space-moves.js';
import { bigrams } from './text-search.js';

export const PROJECTS = 'projects';

/** What the search filters on by equality and sorts by: kept as columns of the key frames "as of" (history-columns.ts). */
export const PROJECT_COLUMNS = { equal: ['status', 'district', 'useType'], order: ['publishedAt', 'totalArea', 'ledger.availableCenti'] };

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

/** The typed availableArea is the market area; the ledger's counters move with it and with the total. */
function marketChange(changes: { availableArea?: number; totalArea?: number }, previous: { availableArea?: number; totalArea?: number }) {
  const set: Record<string, unknown> = {};
  const inc: Record<string, number> = {};
  if (changes.availableArea !== undefined) {
    set.marketArea = changes.availableArea;
    const d = centiOf(changes.availableArea) - centiOf(previous.availableArea ?? 0);
    inc['ledger.marketCenti'] = d;
    inc['ledger.availableCenti'] = d;
    inc['ledger.withheldCenti'] = -d;
  }
  if (changes.totalArea !== undefined) inc['ledger.withheldCenti'] = (inc['ledger.withheldCenti'] ?? 0) + centiOf(changes.totalArea) - centiOf(previous.totalArea ?? 0);
  return { set, inc };
}

/** The counter changes per project of the deltas an event carries (one op per project document). */
function ledgerOps(event: RecordedEvent, deltas: (SpaceDelta | undefined)[]) {
  const byProject = new Map<string, Record<string, number>>();
  for (const space of deltas) {
    if (!space) continue;
    const inc = byProject.get(space.projectId) ?? {};
    for (const [state, n] of Object.entries(space.centi)) {
      inc[`ledger.${state}Centi`] = (inc[`ledger.${state}Centi`] ?? 0) + n;
      inc['ledger.availableCenti'] = (inc['ledger.availableCenti'] ?? 0) - n;
    }
    byProject.set(space.projectId, inc);
  }
  return [...byProject].filter(([, inc]) => Object.keys(inc).length > 0).map(([projectId, inc]) => op(PROJECTS, projectId, event, { inc }));
}
const spaceOps = (event: Recorded<SpaceEvent>) => ledgerOps(event, [event.data.space]);

export const projectSearch = defineProjection<ProjectEvent | NoticeEvent | ApplicationEvent | TenancyEvent>({
  name: 'projects-v2',
  collections: [PROJECTS],
  indexes: [
    { collection: PROJECTS, keys: { status: 1, district: 1 } },
    { collection: PROJECTS, keys: { nameGrams: 1 } },
    { collection: PROJECTS, keys: { addressGrams: 1 } },
    { collection: PROJECTS, keys: { geo: '2dsphere' } },
  ],
  handlers: {
    ProjectRegistered: (event) => {
      const { units, availableArea, ...fields } = event.data;
      const at = event.occurredAt;
      const market = availableArea ?? fields.totalArea;
      const ledger = { marketCenti: centiOf(market), availableCenti: centiOf(market), offeredCenti: 0, allocatedCenti: 0, letCenti: 0, soldCenti: 0, withheldCenti: centiOf(fields.totalArea) - centiOf(market) };
      return [
        op(PROJECTS, fields.projectId, event, {
          set: merged(fields, derived(fields), {
            marketArea: market,
            ledger,
            units: keyedByData(units.map((u) => [u.unitId, u])),
            status: 'registered',
            registeredAt: at,
            updatedAt: at,
          }),
        }),
      ];
    },
    ProjectUpdated: (event) => {
      const { availableArea: _market, ...changes } = event.data.changes;
      const market = marketChange(event.data.changes, event.data.previous);
      const inc = Object.keys(market.inc).length > 0 ? { inc: market.inc } : {};
      return [op(PROJECTS, event.data.projectId, event, { set: merged(changes, derived(changes), market.set, { updatedAt: event.occurredAt }), ...inc })];
    },
    UnitsAdded: (event) => {
      // Assigned, not `{ ...units, updatedAt }`: a literal that starts with a spread and goes on is dear on Node 20.
      const set: Record<string, unknown> = keyedByData(event.data.units.map((u) => [`units.${u.unitId}`, u]));
      set.updatedAt = event.occurredAt;
      return [op(PROJECTS, event.data.projectId, event, { set })];
    },
    UnitRemoved: (event) => [op(PROJECTS, event.data.projectId, event, { unset: [`units.${event.data.unitId}`], set: { updatedAt: event.occurredAt } })],
    ProjectPublished: (event) => [op(PROJECTS, event.data.projectId, event, { set: { status: 'published', publishedAt: event.occurredAt, updatedAt: event.occurredAt } })],
    ...onSpaceMoves(spaceOps),
    TenancyEnded: (event) => ledgerOps(event, [event.data.space, event.data.spaceIn]),
    ProjectWithdrawn: (event) => [
      op(PROJECTS, event.data.projectId, event, { set: { status: 'withdrawn', withdrawnAt: event.occurredAt, withdrawReason: event.data.reason, updatedAt: event.occurredAt } }),
    ],
  },
});
