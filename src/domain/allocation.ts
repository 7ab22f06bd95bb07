// Deterministic allocation (配租/配售): the same candidates, method and seed always give the same result,
// so anyone replaying the log can re-derive an AllocationDecided event from its recorded inputs.
//
// Rules (version ALLOCATION_ALGORITHM):
// 0. Lottery seed (commit–reveal, see DecideAllocation in notice.ts): the officer commits sha256(seed) when
//    publishing the notice, before anyone applies, and reveals the seed at the draw. The draw itself runs
//    on the effective seed `${seed}:${candidatesSha256}`, where candidatesSha256 is the SHA-256 (lower-case
//    hex, of the UTF-8 text) of JSON.stringify(the candidates' applicationIds in the canonical order of
//    rule 1): so even whoever chose the seed could not foresee the order when committing to it.
//    lotteryDraw() derives both; allocate() shuffles on the seed string it is given.
// 1. Canonical order: candidates sorted by submittedPosition ascending, then applicationId (code-unit
//    order). The order the caller passes them in never matters.
// 2. The method orders the candidates:
//    - ranking:    score descending (a missing score counts as lowest), ties by submittedPosition, then id;
//    - lottery:    Fisher–Yates shuffle of the canonical order, for i from n−1 down to 1 swapping i with
//                  j = floor(r·(i+1)), r drawn from sfc32 seeded with cyrb128(seed) (the seed string's
//                  UTF-16 code units), after discarding the generator's first 15 outputs;
//    - first_come: the canonical order.
// 3. Whole request or nothing: walking the order, a candidate gets its full requested area if it fits
//    in what remains, otherwise nothing, and the walk goes on (a smaller request further down may still
//    fit). No partial allocations: a partial lease is not what the enterprise applied for.
// 4. rank = the candidate's 1-based place in the order (the lottery draw number, the ranking place),
//    so a skipped candidate leaves a visible gap.
// 5. Areas are compared in whole 0.0001 ㎡ units, so floating-point noise can neither refuse an exact fit
//    nor let the total exceed the offered area.
// 6. Units (ALLOCATION_ALGORITHM_UNITS): a notice that lists units allocates those units, whole — a lease
//    is of rooms, not of square metres anywhere. Walking the same order, a candidate is given, from the
//    units not yet given and in the order the notice lists them, the first ones that together cover its
//    requested area (coverUnits()); its allocated area is their total. It gets nothing, and the walk goes
//    on, when what is left cannot cover its request or the cover would exceed the notice's per-enterprise
//    cap. The officer orders the units as they should go (e.g. by floor, smallest first).
import { createHash } from 'node:crypto';
import { RuleViolation } from './shared.js';

export const ALLOCATION_METHODS = ['ranking', 'lottery', 'first_come'] as const;
export type AllocationMethod = (typeof ALLOCATION_METHODS)[number];
export const ALLOCATION_METHOD_NAMES: Record<AllocationMethod, string> = {
  ranking: '综合评分排序',
  lottery: '公开摇号',
  first_come: '先到先得',
};
/** Recorded with every decision, so a future change of rules cannot silently re-interpret old ones. */
export const ALLOCATION_ALGORITHM =
  'allocation-v2:canonical(position,id);lottery=fisher-yates/sfc32/cyrb128(seed+":"+sha256(json(canonical candidate ids)));whole-request';

export interface AllocationCandidate {
  applicationId: string;
  requestedArea: number;
  score?: number;
  /** Global log position of the application's (latest) ApplicationSubmitted event: the queue number. */
  submittedPosition: number;
}

export interface Allocation {
  applicationId: string;
  area: number;
  rank: number;
  /** The units given (rule 6): present when the notice lists units. */
  unitIds?: string[];
}

/** A unit a notice offers, with its area (a fact of the project, recorded with the decision). */
export interface OfferedUnit {
  unitId: string;
  area: number;
}

/** Rule 6 is a different rule, so a decision made by it records its own name. */
export const ALLOCATION_ALGORITHM_UNITS = `${ALLOCATION_ALGORITHM};units=listed-order-cover,cap`;

export interface AllocationOutcome {
  /** Every candidate's applicationId, in the order the method produced. */
  order: string[];
  /** The candidates that received area, in that order. */
  allocations: Allocation[];
  /** Sum of the allocated areas. */
  allocatedArea: number;
}

const AREA_SCALE = 10_000;
const toUnits = (area: number) => Math.round(area * AREA_SCALE);

/** cyrb128: a small, well-mixed 128-bit string hash (public domain, bryc). */
export function cyrb128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** sfc32 (Chris Doty-Humphrey's Small Fast Chaotic PRNG), answering floats in [0, 1). */
export function sfc32(seed: [number, number, number, number]): () => number {
  let [a, b, c, d] = seed;
  return () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** The seeded random source the lottery uses. */
export function seededRandom(seed: string): () => number {
  const next = sfc32(cyrb128(seed));
  for (let i = 0; i < 15; i++) next();
  return next;
}

/** SHA-256 of the UTF-8 text, lower-case hex: deterministic, so a pure decider may use it. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

const byId = (a: AllocationCandidate, b: AllocationCandidate) => (a.applicationId < b.applicationId ? -1 : a.applicationId > b.applicationId ? 1 : 0);
const canonical = (a: AllocationCandidate, b: AllocationCandidate) => a.submittedPosition - b.submittedPosition || byId(a, b);

export interface LotteryDraw {
  /** SHA-256 of JSON.stringify(the candidates' applicationIds in canonical order). */
  candidatesSha256: string;
  /** What the shuffle is seeded with: `${seed}:${candidatesSha256}`. */
  effectiveSeed: string;
}

/** Rule 0: the effective lottery seed, mixing the revealed seed with the list of candidates. */
export function lotteryDraw(seed: string, candidates: AllocationCandidate[]): LotteryDraw {
  const ids = [...candidates].sort(canonical).map((c) => c.applicationId);
  const candidatesSha256 = sha256Hex(JSON.stringify(ids));
  return { candidatesSha256, effectiveSeed: `${seed}:${candidatesSha256}` };
}

function ordered(method: AllocationMethod, candidates: AllocationCandidate[], seed: string | undefined): AllocationCandidate[] {
  const base = [...candidates].sort(canonical);
  switch (method) {
    case 'first_come':
      return base;
    case 'ranking':
      return base.sort((a, b) => (b.score ?? -Infinity) - (a.score ?? -Infinity) || canonical(a, b));
    case 'lottery': {
      if (seed === undefined || seed.trim() === '') throw new RuleViolation('SEED_REQUIRED', 'a lottery needs a recorded seed');
      const random = seededRandom(seed);
      for (let i = base.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [base[i], base[j]] = [base[j]!, base[i]!];
      }
      return base;
    }
    default: {
      const unknown: never = method;
      throw new RuleViolation('ALLOCATION_METHOD_INVALID', `unknown allocation method ${String(unknown)}`);
    }
  }
}

/**
 * Rule 6: the first of `units` (in their order) that together cover `requested` ㎡, or undefined when they
 * cannot, or when the cover would exceed `cap`. Also how 递补 passes a forfeited allocation's units on.
 */
export function coverUnits(units: OfferedUnit[], requested: number, cap?: number): OfferedUnit[] | undefined {
  const want = toUnits(requested);
  const taken: OfferedUnit[] = [];
  let sum = 0;
  for (const u of units) {
    if (sum >= want) break;
    taken.push(u);
    sum += toUnits(u.area);
  }
  if (sum < want || want <= 0) return undefined;
  if (cap !== undefined && sum > toUnits(cap)) return undefined;
  return taken;
}

/** The total area of units, summed in whole 0.0001 ㎡. */
export const unitsArea = (units: OfferedUnit[]) => units.reduce((t, u) => t + toUnits(u.area), 0) / AREA_SCALE;

/** How a notice's units take part in its allocation (rule 6). */
export interface UnitTerms {
  /** The notice's units, in its listed order, with their areas. */
  offered: OfferedUnit[];
  /** The notice's per-enterprise cap (maxAreaPerEnterprise). */
  cap?: number;
}

export function allocate(method: AllocationMethod, candidates: AllocationCandidate[], offeredArea: number, seed?: string, units?: UnitTerms): AllocationOutcome {
  if (!ALLOCATION_METHODS.includes(method)) throw new RuleViolation('ALLOCATION_METHOD_INVALID', `unknown allocation method ${String(method)}`);
  if (!(offeredArea > 0)) throw new RuleViolation('AREA_NOT_POSITIVE', 'the offered area must be positive');
  const ids = new Set<string>();
  for (const c of candidates) {
    if (ids.has(c.applicationId)) throw new RuleViolation('DUPLICATE_APPLICATION', `application ${c.applicationId} is listed twice`);
    ids.add(c.applicationId);
    if (!(toUnits(c.requestedArea) > 0)) throw new RuleViolation('AREA_NOT_POSITIVE', `application ${c.applicationId}: requested area must be positive`);
    if (!Number.isFinite(c.submittedPosition)) throw new RuleViolation('POSITION_INVALID', `application ${c.applicationId}: no submission position`);
    if (c.score !== undefined && !Number.isFinite(c.score)) throw new RuleViolation('SCORE_INVALID', `application ${c.applicationId}: score is not a number`);
  }
  const order = ordered(method, candidates, seed);
  if (units && units.offered.length > 0) return allocateUnits(order, units);
  let remaining = toUnits(offeredArea);
  let allocatedUnits = 0;
  const allocations: Allocation[] = [];
  order.forEach((c, i) => {
    const units = toUnits(c.requestedArea);
    if (units > remaining) return;
    remaining -= units;
    allocatedUnits += units;
    allocations.push({ applicationId: c.applicationId, area: c.requestedArea, rank: i + 1 });
  });
  return { order: order.map((c) => c.applicationId), allocations, allocatedArea: allocatedUnits / AREA_SCALE };
}

/** Rule 6: whole units, in the notice's listed order, walking the derived order. */
function allocateUnits(order: AllocationCandidate[], units: UnitTerms): AllocationOutcome {
  let left = [...units.offered];
  let allocatedUnits = 0;
  const allocations: Allocation[] = [];
  order.forEach((c, i) => {
    const cover = coverUnits(left, c.requestedArea, units.cap);
    if (!cover) return;
    const given = new Set(cover.map((u) => u.unitId));
    left = left.filter((u) => !given.has(u.unitId));
    const area = unitsArea(cover);
    allocatedUnits += toUnits(area);
    allocations.push({ applicationId: c.applicationId, area, rank: i + 1, unitIds: cover.map((u) => u.unitId) });
  });
  return { order: order.map((c) => c.applicationId), allocations, allocatedArea: allocatedUnits / AREA_SCALE };
}
