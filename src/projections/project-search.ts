// Project search: one document per project, everything the public list, the detail page and the map need.
// The space ledger's figures travel on it as whole hundredths of a ㎡ (`ledger.*Centi`), moved by the deltas
// the events carry (ledger.ts SpaceDelta), so search (`minAvailableArea`) and demand matching use the
// derived available area, not a typed one; the typed field is the market area (`marketArea`).
// `openNotices` keeps the project's rental/sale notices open to applicants, by notice id (its supply mode as
// the value): open from NoticePublished (its window may still be ahead: the notice is public and can be
// applied to when it opens) until NoticeClosed (the window's recorded end, also recorded by the start of the
// publicity when no officer closed it) or NoticeCancelled. The procedure that goes on after the close is for
// those who applied, not for someone looking for space. It follows the record, not the clock: a window whose
// closing time has passed counts as open until its NoticeClosed, as the notice's own status does.
// A key per notice, not a counter: a notice closed and then cancelled ends twice, and a handler cannot read.
import type { ApplicationEvent } from '../domain/application.js';
import { type SpaceDelta, centiOf } from '../domain/ledger.js';
import type { NoticeEvent } from '../domain/notice.js';
import type { ProjectEvent } from '../domain/project.js';
import type { TenancyEvent } from '../domain/tenancy.js';
import type { RecordedEvent } from '../infra/event-store.js';
import type { DocOp, Filter } from '../infra/read-store.js';
import { USE_TYPE_NAMES } from '../domain/project.js';
import { DISTRICTS } from '../domain/shared.js';
import { encodeKey, keyedByData } from './doc-paths.js';
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

/** A notice's key among the project's open ones (an id as one path segment). */
const openNoticePath = (noticeId: string) => `openNotices.${encodeKey(noticeId)}`;

/** The event's ledger ops with `change` made to `projectId`'s document too, in the same op (one op per document). */
function withChange(event: Recorded<SpaceEvent>, projectId: string | undefined, change: Pick<DocOp, 'set' | 'unset'>): DocOp[] {
  const ops = spaceOps(event);
  if (projectId === undefined) return ops;
  const mine = ops.find((o) => o.id === projectId);
  if (!mine) ops.push(op(PROJECTS, projectId, event, change));
  else if (change.set) mine.set = change.set;
  else if (change.unset) mine.unset = change.unset;
  return ops;
}

/**
 * `?openNotice=`: projects with a notice open to applicants, or (false) with none; the last to end leaves `{}`.
 * No index: `$ne: {}` cannot use one (status and district narrow first). Not a key frames' column either (an
 * object): an `asOf` search with it is answered by the view over the documents, as an area range is.
 */
export const openNoticeFilter = (open: boolean): Filter => (open ? { openNotices: { $exists: true, $ne: {} } } : { openNotices: { $in: [null, {}] } });

export const projectSearch = defineProjection<ProjectEvent | NoticeEvent | ApplicationEvent | TenancyEvent>({
  name: 'projects-v3',
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
    UnitsRemoved: (event) => [op(PROJECTS, event.data.projectId, event, { unset: event.data.units.map((u) => `units.${u.unitId}`), set: { updatedAt: event.occurredAt } })],
    ProjectPublished: (event) => [op(PROJECTS, event.data.projectId, event, { set: { status: 'published', publishedAt: event.occurredAt, updatedAt: event.occurredAt } })],
    ...onSpaceMoves(spaceOps),
    NoticePublished: (event) => withChange(event, event.data.projectId, { set: keyedByData([[openNoticePath(event.data.noticeId), event.data.supplyMode]]) }),
    // The delta names the project on cancellations recorded before the event did.
    NoticeCancelled: (event) => withChange(event, event.data.projectId ?? event.data.space?.projectId, { unset: [openNoticePath(event.data.noticeId)] }),
    NoticeClosed: (event) => (event.data.projectId === undefined ? [] : [op(PROJECTS, event.data.projectId, event, { unset: [openNoticePath(event.data.noticeId)] })]),
    // Never recorded before the notice's NoticeClosed: ends it again for closes recorded without their project.
    QualificationPublicityStarted: (event) => [op(PROJECTS, event.data.projectId, event, { unset: [openNoticePath(event.data.noticeId)] })],
    TenancyEnded: (event) => ledgerOps(event, [event.data.space, event.data.spaceIn]),
    ProjectWithdrawn: (event) => [
      op(PROJECTS, event.data.projectId, event, { set: { status: 'withdrawn', withdrawnAt: event.occurredAt, withdrawReason: event.data.reason, updatedAt: event.occurredAt } }),
    ],
  },
});
