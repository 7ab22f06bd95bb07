// The space ledger (domain.md, "The space ledger"): every ㎡ of a project, and every unit it lists, is in
// exactly one state. Available area is derived, never typed: it is what is left of the area the
// department puts on the market once the space that notices offer, allocations reserve and contracts
// let or sell is taken out. Pure: the facts (the holdings) are read by the application at the log's head
// and arrive in the commands as data; the notice and project deciders judge them here, once.
//
// withheld = totalArea − marketArea: space the department keeps off the market, with a reason (the
// project's typed `availableArea` field is that market figure: set at registration, moved by an update
// with a reason). available = marketArea − offered − allocated − let − sold, and never below zero.
import { RuleViolation } from './shared.js';

export const SPACE_STATES = ['available', 'offered', 'allocated', 'let', 'sold', 'withheld'] as const;
export type SpaceState = (typeof SPACE_STATES)[number];
export type HeldState = Exclude<SpaceState, 'available' | 'withheld'>;

/** Space one record holds: a notice under way (offered), an allocation not yet signed, a tenancy or sale. */
export interface Holding {
  /** The record holding it: a notice id, an application id, a tenancy id. */
  key: string;
  state: HeldState;
  area: number;
  unitIds: string[];
}

export interface SpaceLedger {
  totalArea: number;
  /** What the department puts on the market (the project's availableArea field; totalArea when unset). */
  marketArea: number;
  unitIds: string[];
  /** Each listed unit's area, where known (the project's facts): a holding's units never claim more ㎡ than it holds. */
  unitAreas?: Record<string, number>;
  holdings: Holding[];
}

export type SpaceFigures = Record<`${SpaceState}Area`, number>;

// Areas are summed in whole 0.0001 ㎡, so the states add up exactly whatever the order.
const SCALE = 10_000;
const units = (area: number) => Math.round(area * SCALE);
const area = (u: number) => u / SCALE;

export function ledgerFigures(l: SpaceLedger): SpaceFigures {
  const held: Record<HeldState, number> = { offered: 0, allocated: 0, let: 0, sold: 0 };
  for (const h of l.holdings) held[h.state] += units(h.area);
  const heldTotal = held.offered + held.allocated + held.let + held.sold;
  return {
    availableArea: area(units(l.marketArea) - heldTotal),
    offeredArea: area(held.offered),
    allocatedArea: area(held.allocated),
    letArea: area(held.let),
    soldArea: area(held.sold),
    withheldArea: area(units(l.totalArea) - units(l.marketArea)),
  };
}

/** Each listed unit's state: held by whichever record holds it, else available. */
export function unitStates(l: SpaceLedger): Record<string, SpaceState> {
  const out: Record<string, SpaceState> = Object.fromEntries(l.unitIds.map((u) => [u, 'available' as SpaceState]));
  for (const h of l.holdings) for (const u of h.unitIds) if (u in out) out[u] = h.state;
  return out;
}

const without = (l: SpaceLedger, key: string | undefined): SpaceLedger => (key === undefined ? l : { ...l, holdings: l.holdings.filter((h) => h.key !== key) });

/**
 * A record may take `wanted` ㎡ (and those units) only from available space. `replacing` is the record's own
 * holding, left out first (an amendment is judged against everything else).
 */
export function requireAvailable(l: SpaceLedger, wanted: number, unitIds: string[] = [], replacing?: string): void {
  const rest = without(l, replacing);
  const { availableArea } = ledgerFigures(rest);
  if (units(wanted) > units(availableArea)) {
    const held = ledgerFigures(rest);
    const detail = held.offeredArea > 0 ? `, ${held.offeredArea} ㎡ being offered by other notices under way` : '';
    throw new RuleViolation('AREA_EXCEEDS_AVAILABLE', `the project has ${availableArea} ㎡ available${detail}`);
  }
  const states = unitStates(rest);
  for (const u of unitIds) {
    const state = states[u];
    if (state === undefined) throw new RuleViolation('UNIT_NOT_IN_PROJECT', `unit ${u} is not in the project`);
    if (state === 'offered') throw new RuleViolation('UNIT_ALREADY_OFFERED', `unit ${u} is offered by another notice under way`);
    if (state !== 'available') throw new RuleViolation('UNIT_NOT_AVAILABLE', `unit ${u} is ${state}`);
  }
  requireUnitsWithin(l, wanted, unitIds);
}

/** The area of `unitIds` (undefined when the ledger does not know every one's area). */
export function areaOfUnits(l: SpaceLedger, unitIds: string[]): number | undefined {
  if (!l.unitAreas) return undefined;
  let sum = 0;
  for (const u of unitIds) {
    const a = l.unitAreas[u];
    if (a === undefined) return undefined;
    sum += units(a);
  }
  return area(sum);
}

/** A record's units lie within the area it holds: they cannot add up to more. */
function requireUnitsWithin(l: SpaceLedger, held: number, unitIds: string[]): void {
  const of = unitIds.length > 0 ? areaOfUnits(l, unitIds) : undefined;
  if (of !== undefined && units(of) > units(held)) throw new RuleViolation('UNITS_EXCEED_AREA', `the units add up to ${of} ㎡, more than the ${held} ㎡`);
}

/** The market area may move (an update with a reason) only between what is held and the total. */
export function requireMarketArea(l: SpaceLedger, marketArea: number, totalArea: number): void {
  if (units(marketArea) > units(totalArea)) throw new RuleViolation('AVAILABLE_EXCEEDS_TOTAL_AREA', `available area ${marketArea} ㎡ exceeds the total ${totalArea} ㎡`);
  const f = ledgerFigures(l);
  const held = units(f.offeredArea) + units(f.allocatedArea) + units(f.letArea) + units(f.soldArea);
  if (units(marketArea) < held) {
    throw new RuleViolation('AREA_COMMITTED', `${area(held)} ㎡ are offered, allocated, let or sold; the project cannot put less than that on the market`);
  }
}

/** The moves the procedure makes on a ledger, each judged by the rules above (the property test walks them). */
export type SpaceMove =
  | { type: 'offer'; key: string; area: number; unitIds?: string[] }
  | { type: 'amendOffer'; key: string; area: number; unitIds?: string[] }
  | { type: 'cancelOffer'; key: string }
  /** The notice's offer becomes allocations; what they do not take returns to available. */
  | { type: 'allocate'; key: string; parts: { key: string; area: number; unitIds?: string[] }[] }
  /** A contract on (part of) an allocation: the rest of the allocation returns to available. */
  | { type: 'sign'; key: string; area: number; mode: 'let' | 'sold' }
  /** 递补: a forfeited allocation passes (part of) its space and units to the next applicant; the rest returns. */
  | { type: 'passOn'; key: string; to: string; area: number; unitIds?: string[] }
  /** Forfeiture, revocation, lease end, exit, recovery: the holding returns to available. */
  | { type: 'release'; key: string }
  | { type: 'setMarket'; marketArea: number; totalArea?: number };

const holding = (l: SpaceLedger, key: string, state?: HeldState): Holding => {
  const h = l.holdings.find((x) => x.key === key && (state === undefined || x.state === state));
  if (!h) throw new RuleViolation('NO_SUCH_HOLDING', `nothing ${state ?? 'held'} under ${key}`);
  return h;
};

export function moveSpace(l: SpaceLedger, m: SpaceMove): SpaceLedger {
  switch (m.type) {
    case 'offer': {
      if (l.holdings.some((h) => h.key === m.key)) throw new RuleViolation('HOLDING_EXISTS', `${m.key} already holds space`);
      if (!(m.area > 0)) throw new RuleViolation('AREA_NOT_POSITIVE', 'the offered area must be positive');
      requireAvailable(l, m.area, m.unitIds);
      return { ...l, holdings: [...l.holdings, { key: m.key, state: 'offered', area: m.area, unitIds: m.unitIds ?? [] }] };
    }
    case 'amendOffer': {
      holding(l, m.key, 'offered');
      if (!(m.area > 0)) throw new RuleViolation('AREA_NOT_POSITIVE', 'the offered area must be positive');
      requireAvailable(l, m.area, m.unitIds, m.key);
      return { ...without(l, m.key), holdings: [...without(l, m.key).holdings, { key: m.key, state: 'offered', area: m.area, unitIds: m.unitIds ?? [] }] };
    }
    case 'cancelOffer':
      holding(l, m.key, 'offered');
      return without(l, m.key);
    case 'allocate': {
      const offer = holding(l, m.key, 'offered');
      const total = m.parts.reduce((t, p) => t + units(p.area), 0);
      if (total > units(offer.area)) throw new RuleViolation('ALLOCATION_EXCEEDS_OFFERED', `the allocations exceed the ${offer.area} ㎡ offered`);
      const unitsLeft = new Set(offer.unitIds);
      const partKeys = new Set<string>();
      for (const p of m.parts) {
        if (!(p.area > 0)) throw new RuleViolation('AREA_NOT_POSITIVE', 'an allocation must have area');
        for (const u of p.unitIds ?? []) {
          // Each offered unit goes to one allocation at most.
          if (!unitsLeft.delete(u)) throw new RuleViolation('UNIT_NOT_OFFERED', `unit ${u} is not offered by the notice, or given twice`);
        }
        if (partKeys.has(p.key) || l.holdings.some((h) => h.key === p.key)) throw new RuleViolation('HOLDING_EXISTS', `${p.key} already holds space`);
        // Units are allocated whole (allocation.ts rule 6): an allocation of units is exactly their area.
        const of = p.unitIds?.length ? areaOfUnits(l, p.unitIds) : undefined;
        if (of !== undefined && units(of) !== units(p.area)) throw new RuleViolation('UNITS_AREA_MISMATCH', `units of ${of} ㎡ allocated as ${p.area} ㎡`);
        partKeys.add(p.key);
      }
      const parts: Holding[] = m.parts.map((p) => ({ key: p.key, state: 'allocated', area: p.area, unitIds: p.unitIds ?? [] }));
      return { ...without(l, m.key), holdings: [...without(l, m.key).holdings, ...parts] };
    }
    case 'sign': {
      const a = holding(l, m.key, 'allocated');
      if (!(m.area > 0)) throw new RuleViolation('AREA_NOT_POSITIVE', 'the contract area must be positive');
      if (units(m.area) > units(a.area)) throw new RuleViolation('CONTRACT_AREA_EXCEEDS_ALLOCATION', `the contract covers more than the ${a.area} ㎡ allocated`);
      // A contract on allocated units is for those units, whole.
      if (a.unitIds.length > 0 && units(m.area) !== units(a.area)) throw new RuleViolation('CONTRACT_AREA_UNITS_MISMATCH', `the allocation is of units totalling ${a.area} ㎡; the contract covers them all`);
      return { ...l, holdings: l.holdings.map((h) => (h === a ? { ...a, state: m.mode, area: m.area } : h)) };
    }
    case 'passOn': {
      const from = holding(l, m.key, 'allocated');
      if (!(m.area > 0)) throw new RuleViolation('AREA_NOT_POSITIVE', 'an allocation must have area');
      if (units(m.area) > units(from.area)) throw new RuleViolation('ALLOCATION_EXCEEDS_OFFERED', `more than the ${from.area} ㎡ freed`);
      if (l.holdings.some((h) => h.key === m.to)) throw new RuleViolation('HOLDING_EXISTS', `${m.to} already holds space`);
      const unitIds = m.unitIds ?? [];
      const stray = unitIds.find((u) => !from.unitIds.includes(u));
      if (stray !== undefined) throw new RuleViolation('UNIT_NOT_OFFERED', `unit ${stray} is not among the units freed`);
      const of = unitIds.length > 0 ? areaOfUnits(l, unitIds) : undefined;
      if (of !== undefined && units(of) !== units(m.area)) throw new RuleViolation('UNITS_AREA_MISMATCH', `units of ${of} ㎡ allocated as ${m.area} ㎡`);
      return { ...without(l, m.key), holdings: [...without(l, m.key).holdings, { key: m.to, state: 'allocated', area: m.area, unitIds }] };
    }
    case 'release':
      holding(l, m.key);
      return without(l, m.key);
    case 'setMarket': {
      const totalArea = m.totalArea ?? l.totalArea;
      if (!(totalArea > 0)) throw new RuleViolation('AREA_NOT_POSITIVE', 'totalArea must be positive');
      if (!(m.marketArea >= 0)) throw new RuleViolation('AREA_NOT_POSITIVE', 'availableArea must not be negative');
      requireMarketArea(l, m.marketArea, totalArea);
      return { ...l, totalArea, marketArea: m.marketArea };
    }
    default: {
      const unknown: never = m;
      throw new RuleViolation('MOVE_INVALID', `unknown move ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * How an event moves a project's space, carried by the event so read models (statistics, the project
 * documents) need no lookups: the project, how statistics group it (district, use type, supply modes, as
 * they stood when the decision was made) and, per held state, the signed change in hundredths of a ㎡
 * (whole numbers, so sums stay exact; each holding is rounded once, the same way in and out). Available
 * space is the market area less what is held, so it moves by minus the sum of these.
 */
export interface SpaceDelta {
  projectId: string;
  district: string;
  useType: string;
  supplyModes: string[];
  centi: Partial<Record<HeldState, number>>;
}

/** How statistics group a project's space; absent on records from before the ledger carried it. */
export interface SpaceClass {
  useType: string;
  supplyModes: string[];
}

export const centiOf = (area: number) => Math.round(area * 100);

/** A delta from signed areas per state (each area rounded on its own); undefined without the class. */
export function spaceDelta(
  where: { projectId: string; district: string; spaceClass?: SpaceClass | undefined },
  moves: Partial<Record<HeldState, number[]>>,
): { space: SpaceDelta } | Record<string, never> {
  if (!where.spaceClass) return {};
  const centi: Partial<Record<HeldState, number>> = {};
  for (const [state, areas] of Object.entries(moves) as [HeldState, number[]][]) {
    const sum = areas.reduce((t, a) => t + Math.sign(a) * centiOf(Math.abs(a)), 0);
    if (sum !== 0) centi[state] = sum;
  }
  return { space: { projectId: where.projectId, district: where.district, useType: where.spaceClass.useType, supplyModes: [...where.spaceClass.supplyModes], centi } };
}
