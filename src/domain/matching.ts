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

/** One project's score for one demand (null: not a candidate); its reasons pushed onto `reasons` when given. */
function assess(demand: DemandProfile, supply: Supply, reasons: string[] | null): number | null {
  if (!demand.districts.includes(supply.district)) return null;
  const available = supply.availableArea;
  if (!(available >= demand.minArea)) return null;
  let score = 0;
  const range = () => `${fmt(demand.minArea)}–${fmt(demand.maxArea)}㎡`;
  if (available <= demand.maxArea) {
    score += 40;
    reasons?.push(`面积匹配 ${fmt(available)}㎡ 在 ${range()} 内`);
  } else {
    score += 30;
    reasons?.push(`可供面积 ${fmt(available)}㎡ 足以满足 ${range()}`);
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
  const fitting = supply.notices
    .filter((n) => n.supplyMode === demand.supplyMode && n.price <= demand.maxPrice)
    .sort((a, b) => a.price - b.price || a.noticeId.localeCompare(b.noticeId));
  const notice = fitting[0];
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

export function matchDemand(demand: DemandProfile, supply: Supply[]): Candidate[] {
  // Ranked by score alone, keeping only the best MAX_CANDIDATES as they come (no sort of every project);
  // the reasons (text) are written for those alone.
  const top: { projectId: string; score: number; supply: Supply }[] = [];
  for (const s of supply) {
    const score = assess(demand, s, null);
    if (score === null) continue;
    const entry = { projectId: s.projectId, score, supply: s };
    if (top.length === MAX_CANDIDATES && byRank(entry, top[MAX_CANDIDATES - 1]!) >= 0) continue;
    let i = top.length;
    while (i > 0 && byRank(entry, top[i - 1]!) < 0) i--;
    top.splice(i, 0, entry);
    if (top.length > MAX_CANDIDATES) top.pop();
  }
  return top.map((r) => scoreCandidate(demand, r.supply)!);
}

/**
 * The candidates after one project changed, from the candidates before, without rescanning the others.
 * Null when the answer needs a full rematch: the list was full and the project leaves it or sinks, so
 * a project beyond the list might now belong in it.
 */
export function rematchOne(current: Candidate[], demand: DemandProfile, supply: Supply | null, projectId: string): Candidate[] | null {
  const before = current.find((c) => c.projectId === projectId);
  const score = supply ? assess(demand, supply, null) : null;
  const full = current.length >= MAX_CANDIDATES;
  if (full && before && (score === null || score < before.score)) return null;
  const rest = current.filter((c) => c.projectId !== projectId);
  // Its reasons are written only when it makes the list (the list is kept sorted best first).
  const enters = score !== null && (rest.length < MAX_CANDIDATES || byRank({ projectId, score }, rest[MAX_CANDIDATES - 1]!) < 0);
  if (enters) rest.push(scoreCandidate(demand, supply!)!);
  return rest.sort(byRank).slice(0, MAX_CANDIDATES);
}
