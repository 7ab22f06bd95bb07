// Live matching's memory: the published supply by district, and every open demand with the head of its
// ranking (deeper than its list; the list itself, with its reasons, is read from the store), filed so that
// a changed project finds the demands it can concern without scoring every open demand of its district. Nothing here is a source of truth: it is built from the read models
// (demand-matching.ts rebuilds it whenever it may be stale) and kept current from the lists matching
// writes, so every answer it gives is one a scan of the read models would give.
import { type DemandProfile, type Ranking, type OrderedSupply, type Supply, type SupplyTier, floorOf, orderSupply, scoreCeiling, scoresAlike, wouldEnter } from '../domain/matching.js';
import type { SupplyMode } from '../domain/project.js';
import { SUPPLY_MODES, USE_TYPES } from '../domain/project.js';
import type { District } from '../domain/shared.js';

/**
 * The demands of one district, use type and supply mode whose heads have one floor (floorOf). Its area
 * bounds only ever widen while it has members: a superset of its demands' ranges is enough to skip it.
 */
interface Bucket {
  ids: Set<string>;
  minArea: number;
  maxArea: number;
}

interface Entry {
  profile: DemandProfile;
  head: Ranking;
  floor: number;
}

/** A district's supply in groups of one use type, whether it offers the mode and whether it has a notice of it: one ceiling per group. */
function groupFor(list: readonly Supply[], supplyMode: SupplyMode): OrderedSupply[] {
  const groups = new Map<string, Supply[]>();
  for (const s of list) {
    const key = `${s.useType}|${s.supplyModes.includes(supplyMode)}|${s.notices.some((n) => n.supplyMode === supplyMode)}`;
    const group = groups.get(key);
    if (group) group.push(s);
    else groups.set(key, [s]);
  }
  return [...groups.values()].map(orderSupply);
}

const groupKey = (district: District, useType: string, supplyMode: string) => `${district}|${useType}|${supplyMode}`;

export class MatchingIndex {
  /** The batch position whose lists it holds (the matching's checkpoint once that batch is committed). */
  at = 0;
  /**
   * Open demands whose head is only as long as their stored list (an index built from the read models):
   * changes run such a head out sooner, and it is ranked afresh more often. Ranked afresh, a demand leaves.
   */
  readonly shallow = new Set<string>();
  private readonly supply = new Map<string, Supply>();
  private readonly byDistrict = new Map<District, Map<string, Supply>>();
  private readonly listed = new Map<District, Supply[]>();
  /** Per district (with its list) and supply mode: its supply in groups of one ceiling (groupFor). */
  private readonly tiered = new Map<District, Map<SupplyMode, OrderedSupply[]>>();
  private readonly demands = new Map<string, Entry>();
  /** Project id → the demands whose head names it. */
  private readonly listing = new Map<string, Set<string>>();
  /** District, use type and supply mode → floor → the demands there. */
  private readonly groups = new Map<string, Map<number, Bucket>>();

  /** A published project's supply, or null: withdrawn, unpublished or gone. */
  setSupply(projectId: string, supply: Supply | null): void {
    const old = this.supply.get(projectId);
    if (old) this.byDistrict.get(old.district)?.delete(projectId);
    if (old) this.listed.delete(old.district);
    if (supply) this.listed.delete(supply.district);
    if (!supply) {
      this.supply.delete(projectId);
      return;
    }
    this.supply.set(projectId, supply);
    let inDistrict = this.byDistrict.get(supply.district);
    if (!inDistrict) this.byDistrict.set(supply.district, (inDistrict = new Map()));
    inDistrict.set(projectId, supply);
  }

  /** The published supply of some districts (in no particular order: a ranking does not depend on it). */
  supplyOf(districts: District[]): Supply[] {
    if (districts.length === 1) return this.listOf(districts[0]!);
    return [...new Set(districts)].flatMap((d) => this.listOf(d)); // a district named twice counts once
  }

  /** A district's supply as an array, kept until it changes (a ranking from scratch reads it whole). */
  private listOf(district: District): Supply[] {
    let list = this.listed.get(district);
    if (!list) {
      this.listed.set(district, (list = [...(this.byDistrict.get(district)?.values() ?? [])]));
      this.tiered.delete(district);
    }
    return list;
  }

  /**
   * The supply of a demand's districts in tiers for its use type and supply mode (rankDemandInTiers): per
   * district and supply mode, the projects that score alike on use type, mode and notices of the mode
   * share a ceiling. Kept with the district's list, until it changes.
   */
  tiersOf(profile: Pick<DemandProfile, 'districts' | 'useType' | 'supplyMode'>): SupplyTier[] {
    const tiers: SupplyTier[] = [];
    for (const district of new Set(profile.districts)) {
      const list = this.listOf(district);
      let byMode = this.tiered.get(district);
      if (!byMode) this.tiered.set(district, (byMode = new Map()));
      let groups = byMode.get(profile.supplyMode);
      if (!groups) byMode.set(profile.supplyMode, (groups = groupFor(list, profile.supplyMode)));
      for (const supply of groups) tiers.push({ ceiling: scoreCeiling(supply.byId[0]!, profile.useType, profile.supplyMode, true), supply });
    }
    return tiers;
  }

  /** The open demands' ids. */
  openDemands(): Iterable<string> {
    return this.demands.keys();
  }

  profile(demandId: string): DemandProfile | undefined {
    return this.demands.get(demandId)?.profile;
  }

  supplyOfProject(projectId: string): Supply | undefined {
    return this.supply.get(projectId);
  }

  head(demandId: string): Ranking | undefined {
    return this.demands.get(demandId)?.head;
  }

  /** An open demand and its ranking's head; null: closed (it leaves the index). */
  setDemand(demandId: string, profile: DemandProfile | null, head: Ranking): void {
    this.shallow.delete(demandId);
    const old = this.demands.get(demandId);
    if (old) {
      this.unfile(demandId, old);
      this.relist(demandId, old.head, { ranks: [], complete: true });
      this.demands.delete(demandId);
    }
    if (!profile) return;
    const entry = { profile, head, floor: floorOf(head) };
    this.demands.set(demandId, entry);
    this.relist(demandId, { ranks: [], complete: true }, head);
    this.file(demandId, entry);
  }

  /** A new head of an open demand in the index. */
  update(demandId: string, head: Ranking): void {
    const entry = this.demands.get(demandId);
    if (!entry || head === entry.head) return;
    this.relist(demandId, entry.head, head);
    entry.head = head;
    const floor = floorOf(head);
    if (floor === entry.floor) return;
    this.unfile(demandId, entry);
    entry.floor = floor;
    this.file(demandId, entry);
  }

  /**
   * The open demands whose ranking's head a change of one project (to `supply`, null: no longer supply)
   * can change, judged against their heads as they stand: those naming it, and those it would enter.
   * With `before`, the project's supply they were ranked with: the demands of a supply mode it scores
   * alike for cannot take it now if they did not before, so only those naming it are taken there.
   */
  concerned(projectId: string, supply: Supply | null, before?: Supply): Set<string> {
    const out = new Set(this.listing.get(projectId));
    if (!supply) return out;
    const available = supply.availableArea;
    for (const supplyMode of SUPPLY_MODES) {
      if (before && scoresAlike(before, supply, supplyMode)) continue;
      for (const useType of USE_TYPES) {
        const group = this.groups.get(groupKey(supply.district, useType, supplyMode));
        if (!group) continue;
        for (const [floor, bucket] of group) {
          if (!(available >= bucket.minArea)) continue;
          if (floor > scoreCeiling(supply, useType, supplyMode, available <= bucket.maxArea)) continue;
          for (const id of bucket.ids) {
            if (out.has(id)) continue;
            const entry = this.demands.get(id)!;
            if (wouldEnter(entry.head, entry.profile, supply)) out.add(id);
          }
        }
      }
    }
    return out;
  }

  private relist(demandId: string, before: Ranking, after: Ranking): void {
    const had = new Set(before.ranks.map((r) => r.projectId));
    const has = new Set(after.ranks.map((r) => r.projectId));
    for (const projectId of had) {
      if (has.has(projectId)) continue;
      const ids = this.listing.get(projectId);
      ids?.delete(demandId);
      if (ids?.size === 0) this.listing.delete(projectId);
    }
    for (const projectId of has) {
      if (had.has(projectId)) continue;
      let ids = this.listing.get(projectId);
      if (!ids) this.listing.set(projectId, (ids = new Set()));
      ids.add(demandId);
    }
  }

  private file(demandId: string, { profile, floor }: Entry): void {
    for (const district of new Set(profile.districts)) {
      const key = groupKey(district, profile.useType, profile.supplyMode);
      let group = this.groups.get(key);
      if (!group) this.groups.set(key, (group = new Map()));
      let bucket = group.get(floor);
      if (!bucket) group.set(floor, (bucket = { ids: new Set(), minArea: profile.minArea, maxArea: profile.maxArea }));
      bucket.ids.add(demandId);
      bucket.minArea = Math.min(bucket.minArea, profile.minArea);
      bucket.maxArea = Math.max(bucket.maxArea, profile.maxArea);
    }
  }

  private unfile(demandId: string, { profile, floor }: Entry): void {
    for (const district of new Set(profile.districts)) {
      const group = this.groups.get(groupKey(district, profile.useType, profile.supplyMode));
      const bucket = group?.get(floor);
      if (!group || !bucket) continue;
      bucket.ids.delete(demandId);
      if (bucket.ids.size === 0) group.delete(floor);
    }
  }
}
