// Live matching (供需匹配) as a derived projection: after each batch, the demands the batch touched are
// matched again, reading the project, notice and demand read models at the batch's position.
// Without rescanning every demand × project pair:
// - a demand reported or changed is matched against the published projects of its districts only;
// - a project (or one of its notices, or its space) that changed is re-scored against the open demands
//   naming its district (old and new district when it moved), merged into each one's list (rematchOne),
//   with a full match of that demand only when its full list loses a member.
// Every candidate list is a function of the read models' state, so a rebuild ends with the same lists.
// New candidates are also noted in an outbox (demand_new_candidates) for the live push on demand:<id>;
// the outbox is a delivery record, not a read model.
import { type Candidate, type DemandProfile, type Supply, type SupplyNotice, matchDemand, rematchOne } from '../domain/matching.js';
import type { District } from '../domain/shared.js';
import type { RecordedEvent } from '../infra/event-store.js';
import type { Doc, DocOp, ReadStore } from '../infra/read-store.js';
import { DEMANDS } from './demands.js';
import { NOTICES } from './notices.js';
import type { Projection } from './projection.js';
import { PROJECTS } from './project-search.js';

export const DEMAND_CANDIDATES = 'demand_candidates';
export const DEMAND_NEW_CANDIDATES = 'demand_new_candidates';

/** A project's space for matching: the ledger's available area where it is kept, else the project's own figure. */
export function supplyOf(project: Doc, notices: Doc[]): Supply | null {
  if (project.status !== 'published') return null;
  const ledgered = (project.ledger as { availableCenti?: unknown } | undefined)?.availableCenti;
  const available = typeof ledgered === 'number' ? ledgered / 100 : Number(project.totalArea ?? 0);
  return {
    projectId: project._id,
    district: project.district as District,
    useType: project.useType as Supply['useType'],
    supplyModes: (project.supplyModes as Supply['supplyModes']) ?? [],
    availableArea: available,
    notices: notices.map(
      (n): SupplyNotice => ({
        noticeId: n._id,
        supplyMode: n.supplyMode as SupplyNotice['supplyMode'],
        price: Number(n.price),
        area: Number(n.area),
        opensAt: String(n.opensAt),
        closesAt: String(n.closesAt),
      }),
    ),
  };
}

const profileOf = (d: Doc): DemandProfile => ({
  minArea: Number(d.minArea),
  maxArea: Number(d.maxArea),
  districts: d.districts as District[],
  useType: d.useType as DemandProfile['useType'],
  supplyMode: d.supplyMode as DemandProfile['supplyMode'],
  maxPrice: Number(d.maxPrice),
  neededBy: String(d.neededBy),
});

const noticesUnderWay = (store: ReadStore, projectIds: string[]) => store.find(NOTICES, { projectId: { $in: projectIds }, status: 'published' }, { sort: { _id: 1 } });

/** Published projects of some districts with their notices under way, read once per district per batch. */
async function supplyOfDistricts(store: ReadStore, districts: District[], cache: Map<District, Supply[]>): Promise<Supply[]> {
  const missing = districts.filter((d) => !cache.has(d));
  if (missing.length > 0) {
    const projects = await store.find(PROJECTS, { status: 'published', district: { $in: missing } }, { sort: { _id: 1 } });
    const notices = projects.length > 0 ? await noticesUnderWay(store, projects.map((p) => p._id)) : [];
    const byProject = new Map<string, Doc[]>();
    for (const n of notices) byProject.set(String(n.projectId), [...(byProject.get(String(n.projectId)) ?? []), n]);
    for (const d of missing) cache.set(d, []);
    for (const p of projects) {
      const s = supplyOf(p, byProject.get(p._id) ?? []);
      if (s) cache.get(s.district)!.push(s);
    }
  }
  return districts.flatMap((d) => cache.get(d) ?? []);
}

const DEMAND_EVENTS = new Set(['DemandReported', 'DemandUpdated', 'DemandWithdrawn', 'DemandClosed']);

/** The projects a batch may have changed the supply of, and districts they left. */
async function changedSupply(store: ReadStore, batch: RecordedEvent[]) {
  const projectIds = new Set<string>();
  const leftDistricts = new Set<District>();
  const noticeIds = new Set<string>();
  for (const e of batch) {
    if (e.stream.startsWith('demand-')) continue;
    const data = e.data as { projectId?: unknown; noticeId?: unknown; previous?: { district?: District } };
    if (typeof data.projectId === 'string') projectIds.add(data.projectId);
    else if (typeof data.noticeId === 'string') noticeIds.add(data.noticeId);
    if (e.type === 'ProjectUpdated' && data.previous?.district) leftDistricts.add(data.previous.district);
  }
  if (noticeIds.size > 0) {
    for (const n of await store.find(NOTICES, { _id: { $in: [...noticeIds] } })) if (typeof n.projectId === 'string') projectIds.add(n.projectId);
  }
  return { projectIds: [...projectIds].sort(), leftDistricts };
}

async function rematch(store: ReadStore, batch: RecordedEvent[], position: number): Promise<DocOp[]> {
  const full = new Set<string>(); // demands to match from scratch
  const cleared = new Set<string>(); // demands closed in this batch
  for (const e of batch) {
    if (!DEMAND_EVENTS.has(e.type)) continue;
    const id = (e.data as { demandId: string }).demandId;
    if (e.type === 'DemandWithdrawn' || e.type === 'DemandClosed') cleared.add(id);
    else full.add(id);
  }
  const { projectIds, leftDistricts } = await changedSupply(store, batch);

  const lists = new Map<string, Candidate[]>(); // demand id → candidates after this batch
  const demandDocs = new Map<string, Doc>();
  if (projectIds.length > 0) {
    const projects = await store.find(PROJECTS, { _id: { $in: projectIds } });
    // A project never published (registered, units added) is no demand's candidate and cannot become one
    // without an event that publishes it: nothing to re-match (most commands on drafts end here).
    const withdrawn = new Set(batch.filter((e) => e.type === 'ProjectWithdrawn').map((e) => (e.data as { projectId: string }).projectId));
    const unchanged = leftDistricts.size === 0 && projects.every((p) => p.status !== 'published' && !withdrawn.has(p._id));
    if (!unchanged) {
      const notices = await noticesUnderWay(store, projectIds);
      const supplies = new Map<string, Supply | null>(projectIds.map((id) => [id, null]));
      const districts = new Set<District>(leftDistricts);
      for (const p of projects) {
        supplies.set(p._id, supplyOf(p, notices.filter((n) => n.projectId === p._id)));
        districts.add(p.district as District);
      }
      const affected = await store.find(DEMANDS, { status: 'open', districts: { $in: [...districts] } }, { sort: { _id: 1 } });
      const current = new Map((await store.find(DEMAND_CANDIDATES, { _id: { $in: affected.map((d) => d._id) } })).map((c) => [c._id, (c.candidates as Candidate[]) ?? []]));
      for (const d of affected) {
        demandDocs.set(d._id, d);
        if (full.has(d._id)) continue;
        let list: Candidate[] | null = current.get(d._id) ?? [];
        const profile = profileOf(d);
        for (const [id, supply] of supplies) {
          list = rematchOne(list, profile, supply, id);
          if (!list) break;
        }
        if (list) lists.set(d._id, list);
        else full.add(d._id);
      }
    }
  }
  const missing = [...full].filter((id) => !demandDocs.has(id));
  if (missing.length > 0) for (const d of await store.find(DEMANDS, { _id: { $in: missing } })) demandDocs.set(d._id, d);
  const cache = new Map<District, Supply[]>();
  for (const id of [...full].sort()) {
    const d = demandDocs.get(id);
    if (!d || d.status !== 'open') continue;
    const profile = profileOf(d);
    lists.set(id, matchDemand(profile, await supplyOfDistricts(store, profile.districts, cache)));
  }

  for (const id of cleared) lists.set(id, []);
  if (lists.size === 0) return [];
  const before = new Map((await store.find(DEMAND_CANDIDATES, { _id: { $in: [...lists.keys()] } })).map((c) => [c._id, (c.candidates as Candidate[]) ?? []]));
  return candidateOps(lists, before, position, true);
}

/**
 * The lists that changed as ops, in demand order (a demand never listed gets its document, empty or not);
 * with `outbox`, the new candidates are noted for the push on demand:<id>.
 */
function candidateOps(lists: Map<string, Candidate[]>, before: Map<string, Candidate[]>, position: number, outbox: boolean): DocOp[] {
  const ops: DocOp[] = [];
  for (const id of [...lists.keys()].sort()) {
    const next = lists.get(id)!;
    const prev = before.get(id);
    if (prev && JSON.stringify(prev) === JSON.stringify(next)) continue;
    ops.push({ collection: DEMAND_CANDIDATES, id, position, set: { demandId: id, candidates: next } });
    if (!outbox) continue;
    const known = new Set((prev ?? []).map((c) => c.projectId));
    const fresh = next.filter((c) => !known.has(c.projectId)).map((c) => c.projectId);
    if (fresh.length > 0) ops.push({ collection: DEMAND_NEW_CANDIDATES, id, position, set: { at: position, projectIds: fresh } });
  }
  return ops;
}

/**
 * Every open demand matched from scratch against the read models at `position` (the brute force the
 * live re-matching equals): after a long catch-up, once, instead of re-matching at every batch. No
 * outbox entries: nobody waits for the pushes of the past.
 */
async function matchAll(store: ReadStore, position: number): Promise<DocOp[]> {
  const [demands, current] = await Promise.all([store.find(DEMANDS, {}, { sort: { _id: 1 } }), store.find(DEMAND_CANDIDATES, {})]);
  const before = new Map(current.map((c) => [c._id, (c.candidates as Candidate[]) ?? []]));
  const cache = new Map<District, Supply[]>();
  // Every demand reported has its document, as live matching leaves it: a closed one's list is empty.
  const lists = new Map<string, Candidate[]>();
  for (const d of demands) {
    if (d.status !== 'open') {
      lists.set(d._id, []);
      continue;
    }
    const profile = profileOf(d);
    lists.set(d._id, matchDemand(profile, await supplyOfDistricts(store, profile.districts, cache)));
  }
  return candidateOps(lists, before, position, false);
}

export const demandMatching: Projection = {
  name: 'demand-matching-v1',
  collections: [DEMAND_CANDIDATES, DEMAND_NEW_CANDIDATES],
  indexes: [{ collection: DEMAND_NEW_CANDIDATES, keys: { at: 1 } }],
  handles: { has: () => true },
  apply: () => [],
  afterBatch: rematch,
  catchUp: matchAll,
};
