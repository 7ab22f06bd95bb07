// Live matching (供需匹配) as a derived projection: after each batch, the demands the batch touched are
// matched again, reading the project, notice and demand read models at the batch's position.
// Without rescanning every demand × project pair (the index, matching-index.ts, keeps the supply and
// every open demand's ranking in memory, built from the read models):
// - a demand reported or changed is ranked against the published projects of its districts;
// - a project (or one of its notices, or its space) that changed is re-scored only against the demands
//   whose ranking's head names it or that it would enter (rerank), found through the index; a demand is
//   ranked again from all supply only when its head gets shorter than a list (rankDemand).
// Every candidate list is a function of the read models' state, so a rebuild ends with the same lists.
// New candidates are also noted in an outbox (demand_new_candidates) for the live push on demand:<id>;
// the outbox is a delivery record, not a read model.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { type Candidate, type DemandProfile, MAX_CANDIDATES, type Ranking, type Supply, type SupplyNotice, rankDemandInTiers, rerank, scoreCandidate } from '../domain/matching.js';
import type { District } from '../domain/shared.js';
import type { RecordedEvent } from '../infra/event-store.js';
import type { Doc, DocOp, ReadStore } from '../infra/read-store.js';
import { DEMANDS } from './demands.js';
import { MatchingIndex } from './matching-index.js';
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

/** The supply of some projects (null: not published), or of every published one, as the read models have it. */
async function suppliesOf(store: ReadStore, projectIds: string[] | 'published', slice = Infinity): Promise<Map<string, Supply | null>> {
  const all = projectIds === 'published';
  if (!all && projectIds.length === 0) return new Map();
  // Every notice under way at once when all are wanted: a filter naming thousands of projects costs more.
  const [projects, notices] = await Promise.all([
    store.find(PROJECTS, all ? { status: 'published' } : { _id: { $in: projectIds } }),
    store.find(NOTICES, all ? { status: 'published' } : { projectId: { $in: projectIds }, status: 'published' }),
  ]);
  const byProject = new Map<string, Doc[]>();
  for (const n of notices) {
    const id = String(n.projectId);
    const mine = byProject.get(id);
    if (mine) mine.push(n);
    else byProject.set(id, [n]);
  }
  const out = new Map<string, Supply | null>(all ? [] : projectIds.map((id) => [id, null]));
  await sliced(projects, slice, (p) => out.set(p._id, supplyOf(p, byProject.get(p._id) ?? [])));
  return out;
}

/** `each` of every item, a turn of the event loop after each `slice` of them: a server answers meanwhile. */
async function sliced<T>(items: Iterable<T>, slice: number, each: (item: T) => void): Promise<void> {
  let n = 0;
  for (const item of items) {
    each(item);
    if (++n % slice === 0) await nextTurn();
  }
}

/**
 * How deep each open demand's ranking is kept: candidates that leave a list are replaced from the
 * head until it is shorter than a list, instead of ranking all supply of the districts again each time.
 */
const DEPTH = 2 * MAX_CANDIDATES;

/**
 * The index of `store` at the matching's checkpoint, built from the read models when there is none or
 * it may be stale (a commit that failed, a reset, another instance that projected meanwhile): its
 * position then differs from the checkpoint. Kept per store (tests run several).
 */
const indexes = new WeakMap<ReadStore, MatchingIndex>();

/**
 * Indexes built from the read models that no batch has been matched with yet: built before a batch (a
 * warm-up at start) or in it, they may hold a supply from after their checkpoint (the other read models
 * can be a batch ahead of the matching's), so their first batch cannot tell which supply it changed.
 */
const unbatched = new WeakSet<MatchingIndex>();

/**
 * One at a time per store: a batch's matching (it awaits reads half-way, its memory half-changed), a
 * catch-up, and each slice of a warm-up, which changes that memory too.
 */
const turns = new WeakMap<ReadStore, Promise<unknown>>();
function locked<T>(store: ReadStore, work: () => Promise<T>): Promise<T> {
  const run = (turns.get(store) ?? Promise.resolve()).then(work);
  turns.set(store, run.catch(() => undefined));
  return run;
}

async function indexOf(store: ReadStore): Promise<MatchingIndex> {
  const checkpoint = await store.getCheckpoint(demandMatching.name);
  const known = indexes.get(store);
  if (known && known.at === checkpoint) return known;
  const index = await buildIndex(store, true);
  index.at = checkpoint;
  indexes.set(store, index);
  unbatched.add(index);
  return index;
}

/** Two supplies that score alike for every demand (and give the same reasons). */
function sameSupply(a: Supply | undefined, b: Supply | null): boolean {
  if (!a || !b) return !a && !b;
  const notices = (s: Supply) => JSON.stringify([...s.notices].sort((x, y) => (x.noticeId < y.noticeId ? -1 : 1)));
  return a.district === b.district && a.useType === b.useType && a.availableArea === b.availableArea && a.supplyModes.join() === b.supplyModes.join() && notices(a) === notices(b);
}

/**
 * Open demands filed, and projects or stored lists read, between two turns of the event loop while the
 * memory is built: at 5M events (120,000 published projects, 50,000 open demands) it held the loop 3.7 s.
 * What it files was read before, at one moment.
 */
const DEMAND_SLICE = 250;
const SUPPLY_SLICE = 2_000;

/** Candidate documents as demand id → the list they hold. */
async function listsOf(docs: Doc[]): Promise<Map<string, Candidate[]>> {
  const lists = new Map<string, Candidate[]>();
  await sliced(docs, SUPPLY_SLICE, (c) => lists.set(c._id, (c.candidates as Candidate[]) ?? []));
  return lists;
}

/**
 * Supply and open demands from the read models, with their stored lists as the heads of their rankings
 * (exact, and complete when shorter than a list), or (`stored` false) with empty ones to rank afresh.
 */
async function buildIndex(store: ReadStore, stored: boolean): Promise<MatchingIndex> {
  const index = new MatchingIndex();
  await sliced(await suppliesOf(store, 'published', SUPPLY_SLICE), SUPPLY_SLICE, ([id, supply]) => index.setSupply(id, supply));
  const [open, lists] = await Promise.all([store.find(DEMANDS, { status: 'open' }), stored ? store.find(DEMAND_CANDIDATES, {}) : []]);
  const listOf = await listsOf(lists);
  await sliced(open, DEMAND_SLICE, (d) => {
    const list = listOf.get(d._id) ?? [];
    const head = { ranks: list.map((c) => ({ projectId: c.projectId, score: c.score })), complete: list.length < MAX_CANDIDATES };
    index.setDemand(d._id, profileOf(d), head);
    if (stored && !head.complete) index.shallow.add(d._id);
  });
  return index;
}

/** A demand's candidates: the head's first, with the reasons kept from `list` where neither project nor score changed. */
function candidatesOf(index: MatchingIndex, profile: DemandProfile, head: Ranking, list: Candidate[], changed: Map<string, unknown>): Candidate[] {
  const kept = new Map(list.map((c) => [c.projectId, c]));
  return head.ranks.slice(0, MAX_CANDIDATES).map((r) => {
    const old = kept.get(r.projectId);
    return old && old.score === r.score && !changed.has(r.projectId) ? old : scoreCandidate(profile, index.supplyOfProject(r.projectId)!)!;
  });
}

const sameCandidate = (a: Candidate, b: Candidate) => a === b || (a.projectId === b.projectId && a.score === b.score && a.reasons.length === b.reasons.length && a.reasons.every((r, i) => r === b.reasons[i]));
const sameCandidates = (a: Candidate[], b: Candidate[]) => a.length === b.length && a.every((c, i) => sameCandidate(c, b[i]!));

const DEMAND_EVENTS = new Set(['DemandReported', 'DemandUpdated', 'DemandWithdrawn', 'DemandClosed']);

/** The projects a batch may have changed the supply of. */
async function changedProjects(store: ReadStore, batch: RecordedEvent[]): Promise<string[]> {
  const projectIds = new Set<string>();
  const noticeIds = new Set<string>();
  for (const e of batch) {
    if (e.stream.startsWith('demand-')) continue;
    const data = e.data as { projectId?: unknown; noticeId?: unknown };
    if (typeof data.projectId === 'string') projectIds.add(data.projectId);
    else if (typeof data.noticeId === 'string') noticeIds.add(data.noticeId);
  }
  if (noticeIds.size > 0) {
    for (const n of await store.find(NOTICES, { _id: { $in: [...noticeIds] } })) if (typeof n.projectId === 'string') projectIds.add(n.projectId);
  }
  return [...projectIds].sort();
}

async function rematch(store: ReadStore, batch: RecordedEvent[], position: number): Promise<DocOp[]> {
  const index = await indexOf(store);
  const built = unbatched.delete(index);
  index.at = -1; // changed from here on: should this batch fail half-way, the next one builds it again
  const changedDemands = new Set<string>(); // demands reported, changed or closed: ranked afresh or cleared
  for (const e of batch) if (DEMAND_EVENTS.has(e.type)) changedDemands.add((e.data as { demandId: string }).demandId);

  // Which changed projects concern which demands, judged against the heads before the batch. That is
  // enough for the whole batch: applying a project leaves a head it does not concern as it was, and
  // a head that took a change is no easier to enter (its last only gets better) unless complete, where
  // every candidate concerns it anyway.
  const supplies = await suppliesOf(store, await changedProjects(store, batch));
  // A project whose supply did not change (most updates, any change of a draft) concerns no demand. An
  // index no batch has matched with may hold the supply after it: no telling then, every one is taken as changed.
  if (!built) for (const [id, supply] of supplies) if (sameSupply(index.supplyOfProject(id), supply)) supplies.delete(id);
  const concerns = new Map<string, string[]>(); // demand id → the changed projects that concern it, in order
  for (const [id, supply] of supplies) {
    for (const d of index.concerned(id, supply, built ? undefined : index.supplyOfProject(id))) {
      if (changedDemands.has(d)) continue;
      const ids = concerns.get(d);
      if (ids) ids.push(id);
      else concerns.set(d, [id]);
    }
  }
  for (const [id, supply] of supplies) index.setSupply(id, supply);

  const lists = new Map<string, Candidate[]>(); // demand id → candidates after this batch, where they may have changed
  // And before it, where there were any: the stored lists of the demands this batch concerns or changed. The
  // index keeps heads only (its own copies of the lists were 78 of the 563 MB a rebuilt million-event store
  // kept live; one find instead).
  const touched = [...concerns.keys(), ...changedDemands];
  const before = await listsOf(touched.length > 0 ? await store.find(DEMAND_CANDIDATES, { _id: { $in: touched } }) : []);
  const afresh = new Set<string>(); // demands to rank from all supply
  for (const [id, projectIds] of concerns) {
    const stored = before.get(id) ?? [];
    before.set(id, stored);
    let head: Ranking | null = index.head(id)!;
    const profile = index.profile(id)!;
    for (const projectId of projectIds) {
      head = rerank(head, profile, supplies.get(projectId)!, projectId, DEPTH);
      if (!head) break;
    }
    if (!head) {
      afresh.add(id);
      continue;
    }
    const list = candidatesOf(index, profile, head, stored, supplies);
    index.update(id, head);
    if (!sameCandidates(list, stored)) lists.set(id, list);
  }
  if (changedDemands.size > 0) {
    const docs = await store.find(DEMANDS, { _id: { $in: [...changedDemands] } });
    const byId = new Map(docs.map((d) => [d._id, d]));
    for (const id of changedDemands) {
      const d = byId.get(id);
      if (d?.status === 'open') {
        index.setDemand(id, profileOf(d), { ranks: [], complete: true });
        afresh.add(id);
      } else {
        index.setDemand(id, null, { ranks: [], complete: true });
        if (d) lists.set(id, []); // closed in this batch: an empty list
      }
    }
  }
  for (const id of afresh) lists.set(id, rankAfresh(index, id));
  index.at = position;
  return candidateOps(lists, before, position, true);
}

/** An open demand in the index ranked from all supply of its districts; its new candidates. */
function rankAfresh(index: MatchingIndex, demandId: string): Candidate[] {
  const { profile, head } = rankDeep(index, demandId);
  return head.ranks.slice(0, MAX_CANDIDATES).map((r) => scoreCandidate(profile, index.supplyOfProject(r.projectId)!)!);
}

/** An open demand in the index ranked from all supply of its districts, as deep as DEPTH: its new head. */
function rankDeep(index: MatchingIndex, demandId: string): { profile: DemandProfile; head: Ranking } {
  const profile = index.profile(demandId)!;
  const head = rankDemandInTiers(profile, index.tiersOf(profile), DEPTH);
  index.update(demandId, head);
  index.shallow.delete(demandId);
  return { profile, head };
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
    if (prev && sameCandidates(prev, next)) continue;
    ops.push({ collection: DEMAND_CANDIDATES, id, position, set: { demandId: id, candidates: next } });
    if (!outbox) continue;
    const known = new Set((prev ?? []).map((c) => c.projectId));
    const fresh = next.filter((c) => !known.has(c.projectId)).map((c) => c.projectId);
    if (fresh.length > 0) ops.push({ collection: DEMAND_NEW_CANDIDATES, id, position, set: { at: position, projectIds: fresh } });
  }
  return ops;
}

/** Demands ranked afresh between two turns of the event loop at a catch-up's end (a few tenths of a ms each at 1M events). */
const YIELD_EVERY = 100;
/** A catch-up's demands whose lists are committed at a time: all 13,000 of the 1M scenario's held at once were ~100 MB more at a rebuild's peak. */
const CATCH_UP_DEMANDS = 1_000;
/** A warm-up's slice: a server is answering requests meanwhile (~1 ms at 1M events). */
const WARM_SLICE = 5;

/**
 * Every open demand matched from scratch against the read models at `position` (the brute force the
 * live re-matching equals): after a long catch-up, once, instead of re-matching at every batch. No
 * outbox entries: nobody waits for the pushes of the past.
 */
async function matchAll(store: ReadStore, position: number, commit: (ops: DocOp[]) => Promise<void>): Promise<void> {
  const index = await buildIndex(store, false);
  const [demands, current] = await Promise.all([store.find(DEMANDS, {}, { sort: { _id: 1 } }), store.find(DEMAND_CANDIDATES, {})]);
  const before = await listsOf(current);
  // Every demand reported has its document, as live matching leaves it: a closed one's list is empty.
  let lists = new Map<string, Candidate[]>();
  for (const [i, d] of demands.entries()) {
    lists.set(d._id, d.status === 'open' ? rankAfresh(index, d._id) : []);
    // Seconds of work at a million events: a server answers between slices (nothing else writes these lists meanwhile).
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await nextTurn();
    if (lists.size === CATCH_UP_DEMANDS || i === demands.length - 1) {
      await commit(candidateOps(lists, before, position, false)); // in demand order, as the demands come
      lists = new Map();
    }
  }
  // Live matching goes on from here once these lists are committed (else the checkpoint differs and it rebuilds).
  index.at = position;
  indexes.set(store, index);
}

/**
 * At a start: the memory built from the stored lists, then each demand whose head is only as long as its
 * list ranked as deep as a catch-up ranks it, in slices between the batches. Measured on the 1M bench
 * log at 10 commands/s: single project changes after a restart 66 and 102 ms at the 99th percentile
 * without it, 15 ms with it, as after a catch-up. Changes no list: each is what the state gives. Stopped,
 * the next start goes on.
 */
async function warm(store: ReadStore, active: () => boolean): Promise<void> {
  const index = await locked(store, () => indexOf(store));
  while (index.shallow.size > 0) {
    await nextTurn();
    if (!active()) return;
    const replaced = await locked(store, async () => {
      if (indexes.get(store) !== index) return true; // built again since (a failed batch): warmed at the next start
      let n = 0;
      for (const id of index.shallow) {
        if (n++ === WARM_SLICE) break;
        rankDeep(index, id); // it leaves the set: safe while iterating
      }
      return false;
    });
    if (replaced) return;
  }
}

/** Each open demand's ranking head as the matching's memory holds it (tests and diagnostics); null before it is built. */
export function rankingHeads(store: ReadStore): Map<string, Ranking> | null {
  const index = indexes.get(store);
  return index ? new Map([...index.openDemands()].map((id) => [id, index.head(id)!])) : null;
}

export const demandMatching: Projection = {
  name: 'demand-matching-v1',
  collections: [DEMAND_CANDIDATES, DEMAND_NEW_CANDIDATES],
  indexes: [{ collection: DEMAND_NEW_CANDIDATES, keys: { at: 1 } }],
  handles: { has: () => true },
  apply: () => [],
  afterBatch: (store, batch, position) => locked(store, () => rematch(store, batch, position)),
  catchUp: (store, position, commit) => locked(store, () => matchAll(store, position, commit)),
  warm,
};
