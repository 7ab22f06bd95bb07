// Supply–demand matching (供需匹配): a pure, explainable score of one project (with its open notices)
// against one demand. No black box: every point of the score comes with a Chinese reason.
// Hard conditions (else no candidate): the project is published in one of the demand's districts and
// its available area reaches the demand's minimum. Soft points: area within the range, use type,
// supply mode, price (from an open notice), date (a notice that closes before the need).
import type { DemandSpec } from './demand.js';
import { SUPPLY_MODE_NAMES, type SupplyMode, USE_TYPE_NAMES, type UseType } from './project.js';
import { DISTRICTS, type District } from './shared.js';

export interface SupplyNotice {
  noticeId: string;
  supplyMode: SupplyMode;
  /** Yuan per ㎡ (per month for rent). */
  price: number;
  area: number;
  opensAt: string;
  closesAt: string;
}
export interface Supply {
  projectId: string;
  name?: string;
  district: District;
  useType: UseType;
  supplyModes: SupplyMode[];
  availableArea: number;
  /** Notices under way (published, not closed or cancelled). */
  notices: SupplyNotice[];
}
export interface Candidate {
  projectId: string;
  score: number;
  reasons: string[];
}
export type DemandProfile = Pick<DemandSpec, 'minArea' | 'maxArea' | 'districts' | 'useType' | 'supplyMode' | 'maxPrice' | 'neededBy'>;

/** How many candidates a demand keeps, best first. */
export const MAX_CANDIDATES = 20;

// One formatter: toLocaleString with options builds a new one per call, far too slow for matching's inner loop.
const NUMBER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const fmt = (n: number) => NUMBER.format(n);

// Module level: a closure made per call would be named again at every call where the code runs through tsx.
const rangeOf = (demand: DemandProfile) => `${fmt(demand.minArea)}–${fmt(demand.maxArea)}㎡`;

/** The area's points: the available area within the demand's range, or above it (below: no candidate). */
const AREA_WITHIN = 40;
const AREA_ABOVE = 30;

/** One project's score for one demand (null: not a candidate); its reasons pushed onto `reasons` when given. */
function assess(demand: DemandProfile, supply: Supply, reasons: string[] | null): number | null {
  if (!demand.districts.includes(supply.district)) return null;
  const available = supply.availableArea;
  if (!(available >= demand.minArea)) return null;
  let score = 0;
  if (available <= demand.maxArea) {
    score += AREA_WITHIN;
    reasons?.push(`面积匹配 ${fmt(available)}㎡ 在 ${rangeOf(demand)} 内`);
  } else {
    score += AREA_ABOVE;
    reasons?.push(`可供面积 ${fmt(available)}㎡ 足以满足 ${rangeOf(demand)}`);
  }
  score += 20;
  reasons?.push(`位于意向区域 ${DISTRICTS[supply.district]}`);
  if (supply.useType === demand.useType) {
    score += 15;
    reasons?.push(`用途一致：${USE_TYPE_NAMES[demand.useType]}`);
  }
  if (supply.supplyModes.includes(demand.supplyMode)) {
    score += 10;
    reasons?.push(`供应方式一致：${SUPPLY_MODE_NAMES[demand.supplyMode]}`);
  }
  // The cheapest fitting notice of the wanted supply mode decides price and date.
  // (A loop, not filter and sort: this runs for every project a demand is ranked against.)
  let notice: SupplyNotice | undefined;
  for (const n of supply.notices) {
    if (n.supplyMode !== demand.supplyMode || !(n.price <= demand.maxPrice)) continue;
    if (!notice || n.price < notice.price || (n.price === notice.price && n.noticeId.localeCompare(notice.noticeId) < 0)) notice = n;
  }
  if (notice) {
    score += 10;
    reasons?.push(`租售通告价格 ${fmt(notice.price)}元/㎡ 不超过预算 ${fmt(demand.maxPrice)}元/㎡`);
    if (Date.parse(notice.closesAt) <= Date.parse(demand.neededBy)) {
      score += 5;
      reasons?.push(`通告 ${notice.closesAt.slice(0, 10)} 截止申请，早于需求时间 ${demand.neededBy.slice(0, 10)}`);
    }
  }
  return score;
}

export function scoreCandidate(demand: DemandProfile, supply: Supply): Candidate | null {
  const reasons: string[] = [];
  const score = assess(demand, supply, reasons);
  return score === null ? null : { projectId: supply.projectId, score, reasons };
}

/** Best first; ties by project id, so the order never depends on the order supply was read in. */
export function byRank(a: Pick<Candidate, 'projectId' | 'score'>, b: Pick<Candidate, 'projectId' | 'score'>): number {
  return b.score - a.score || (a.projectId < b.projectId ? -1 : a.projectId > b.projectId ? 1 : 0);
}

/** A project's place in a demand's ranking, without the reasons. */
export interface Rank {
  projectId: string;
  score: number;
}

/**
 * Some supply to rank: `supply[from, to)`, without the projects whose available area is not above `above`.
 * `stopAt`: no project there scores above it and they are in ascending project id order, so a ranking
 * stops at the first that could only enter on a tie it loses (once the head is full and its last scores
 * `stopAt` or more, every later project ranks below it); Infinity: read to the end.
 */
interface Part {
  supply: readonly Supply[];
  from: number;
  to: number;
  above: number;
  stopAt: number;
}

const whole = (supply: Iterable<Supply>): Part => {
  const all = [...supply];
  return { supply: all, from: 0, to: all.length, above: -Infinity, stopAt: Infinity };
};

/** The best `depth` of a part of supply for a demand, merged into `top`, best first, with the supply each came from. */
function topOf(demand: DemandProfile, { supply, from, to, above, stopAt }: Part, depth: number, top: (Rank & { supply: Supply })[] = []): (Rank & { supply: Supply })[] {
  // Ranked by score alone, keeping only the best as they come (no sort of every project); the reasons
  // (text) are written by the callers for those alone.
  for (let at = from; at < to; at++) {
    const s = supply[at]!;
    if (top.length === depth) {
      const last = top[depth - 1]!;
      if (last.score >= stopAt && s.projectId > last.projectId) break;
    }
    if (!(s.availableArea > above)) continue;
    const score = assess(demand, s, null);
    if (score === null) continue;
    const entry = { projectId: s.projectId, score, supply: s };
    if (top.length === depth && byRank(entry, top[depth - 1]!) >= 0) continue;
    let i = top.length;
    while (i > 0 && byRank(entry, top[i - 1]!) < 0) i--;
    top.splice(i, 0, entry);
    if (top.length > depth) top.pop();
  }
  return top;
}

export function matchDemand(demand: DemandProfile, supply: Iterable<Supply>): Candidate[] {
  return topOf(demand, whole(supply), MAX_CANDIDATES).map((r) => scoreCandidate(demand, r.supply)!);
}

/**
 * The head of a demand's ranking: exact (every project beyond it ranks lower), and all of its candidates
 * when `complete`. Live matching keeps a head deeper than the list, so a candidate that leaves the list
 * is replaced from it instead of from a new ranking of all supply.
 */
export interface Ranking {
  ranks: Rank[];
  complete: boolean;
}

export function rankDemand(demand: DemandProfile, supply: Iterable<Supply>, depth: number): Ranking {
  return rankingOf(topOf(demand, whole(supply), depth), depth);
}

function rankingOf(top: Rank[], depth: number): Ranking {
  const ranks = top.map((r) => ({ projectId: r.projectId, score: r.score }));
  return { ranks, complete: ranks.length < depth };
}

/** Supply in the two orders a ranking in tiers reads it in: made by orderSupply. */
export interface OrderedSupply {
  /** Ascending project id. */
  readonly byId: readonly Supply[];
  /** Ascending available area (a project without a number there is left out: it never scores). */
  readonly byArea: readonly Supply[];
}

export function orderSupply(supply: Iterable<Supply>): OrderedSupply {
  const byId = [...supply].sort((a, b) => (a.projectId < b.projectId ? -1 : a.projectId > b.projectId ? 1 : 0));
  const byArea = byId.filter((s) => !Number.isNaN(s.availableArea)).sort((a, b) => a.availableArea - b.availableArea);
  return { byId, byArea };
}

/** Supply that no demand of one use type and supply mode scores above `ceiling` (scoreCeiling of each of it, the area within range). */
export interface SupplyTier {
  ceiling: number;
  supply: OrderedSupply;
}

/** The first place in `byArea` from which every project's available area is above `area` (or at least it: `orEqual`). */
function areaFrom(byArea: readonly Supply[], area: number, orEqual: boolean): number {
  let lo = 0;
  let hi = byArea.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const a = byArea[mid]!.availableArea;
    if (orEqual ? a < area : a <= area) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * rankDemand over supply filed in tiers, the same head. Each tier is read in two parts: the projects whose
 * area is within the demand's range (a slice of it by area), and those above it, who score at most the
 * area's difference less (read in project id order, so the ranking stops early there: topOf). Once the
 * head is full, a part whose ceiling is below its last score cannot enter it and is not read (ranking every
 * open demand at a rebuild's end scored every project of its districts).
 */
export function rankDemandInTiers(demand: DemandProfile, tiers: readonly SupplyTier[], depth: number): Ranking {
  const parts: (Part & { ceiling: number })[] = [];
  for (const { ceiling, supply } of tiers) {
    const from = areaFrom(supply.byArea, demand.minArea, true);
    const to = Math.max(from, areaFrom(supply.byArea, demand.maxArea, false));
    if (to > from) parts.push({ ceiling, supply: supply.byArea, from, to, above: -Infinity, stopAt: Infinity });
    if (to < supply.byArea.length) {
      const ceilingAbove = ceiling - (AREA_WITHIN - AREA_ABOVE);
      parts.push({ ceiling: ceilingAbove, supply: supply.byId, from: 0, to: supply.byId.length, above: demand.maxArea, stopAt: ceilingAbove });
    }
  }
  const top: (Rank & { supply: Supply })[] = [];
  for (const part of parts.sort((a, b) => b.ceiling - a.ceiling)) {
    if (top.length === depth && part.ceiling < top[depth - 1]!.score) break;
    topOf(demand, part, depth, top);
  }
  return rankingOf(top, depth);
}

/**
 * The head after one project changed (to `supply`, null: no longer supply), without the others: the
 * project is placed in it if it beats its last, else the head ends before it. Null when the head got
 * shorter than a list (and is not complete): the demand must be ranked again from all supply.
 */
export function rerank(head: Ranking, demand: DemandProfile, supply: Supply | null, projectId: string, depth: number): Ranking | null {
  const at = head.ranks.findIndex((r) => r.projectId === projectId);
  const score = supply ? assess(demand, supply, null) : null;
  const rest = at === -1 ? head.ranks : head.ranks.filter((_, i) => i !== at);
  const last = rest[rest.length - 1];
  const enters = score !== null && (head.complete || (last !== undefined && byRank({ projectId, score }, last) < 0));
  if (!enters && at === -1) return head;
  let ranks = rest;
  let complete = head.complete;
  if (enters) {
    const entry = { projectId, score };
    ranks = [...rest];
    let i = ranks.length;
    while (i > 0 && byRank(entry, ranks[i - 1]!) < 0) i--;
    ranks.splice(i, 0, entry);
    if (ranks.length > depth) {
      ranks.pop();
      complete = false;
    }
  }
  return !complete && ranks.length < MAX_CANDIDATES ? null : { ranks, complete };
}

/**
 * The highest score `supply` can reach for any demand of this use type and supply mode, whose maximum
 * area is at least `available` (`fitsMaxArea`) or not: price and date taken as met by any notice of the
 * mode. Live matching skips the demands whose list it cannot enter.
 */
export function scoreCeiling(supply: Supply, useType: UseType, supplyMode: SupplyMode, fitsMaxArea: boolean): number {
  const notice = supply.notices.some((n) => n.supplyMode === supplyMode);
  return (fitsMaxArea ? AREA_WITHIN : AREA_ABOVE) + 20 + (supply.useType === useType ? 15 : 0) + (supply.supplyModes.includes(supplyMode) ? 10 : 0) + (notice ? 15 : 0);
}

/**
 * Whether two versions of a project score alike (and with the same reasons) for every demand of a supply
 * mode: only the district, use type, area, whether it offers the mode and its notices of the mode count.
 */
export function scoresAlike(a: Supply, b: Supply, supplyMode: SupplyMode): boolean {
  const notices = (s: Supply) => JSON.stringify(s.notices.filter((n) => n.supplyMode === supplyMode).sort((x, y) => (x.noticeId < y.noticeId ? -1 : 1)));
  return (
    a.district === b.district &&
    a.useType === b.useType &&
    a.availableArea === b.availableArea &&
    a.supplyModes.includes(supplyMode) === b.supplyModes.includes(supplyMode) &&
    notices(a) === notices(b)
  );
}

/** The score a project must reach to enter a head (then ties go by project id); -1 when any candidate enters. */
export const floorOf = (head: Ranking): number => (head.complete ? -1 : (head.ranks[head.ranks.length - 1]?.score ?? -1));

/** Whether a project the head does not name would enter it. */
export function wouldEnter(head: Ranking, demand: DemandProfile, supply: Supply): boolean {
  const score = assess(demand, supply, null);
  if (score === null) return false;
  const last = head.ranks[head.ranks.length - 1];
  return head.complete || (last !== undefined && byRank({ projectId: supply.projectId, score }, last) < 0);
}
