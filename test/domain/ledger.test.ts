// The ledger invariant: whatever the procedure does, every ㎡ is in exactly one state, no state is negative,
// and the states add up to the total area. fast-check walks thousands of random move sequences; refused
// moves (RuleViolation) must leave the ledger as it was.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type SpaceLedger, type SpaceMove, ledgerFigures, moveSpace, requireAvailable, unitStates } from '../../src/domain/ledger.js';
import { RuleViolation } from '../../src/domain/shared.js';

const SCALE = 10_000;
const sum = (xs: number[]) => xs.reduce((t, x) => t + Math.round(x * SCALE), 0);

const notices = fc.constantFrom('n1', 'n2', 'n3');
const allocations = fc.constantFrom('a1', 'a2', 'a3', 'a4');
const keys = fc.oneof(notices, allocations);
// Mostly areas that fit (so the walk gets far), some that do not, some with cents.
const areaArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 6_000 }) },
  { weight: 2, arbitrary: fc.double({ min: 0.01, max: 3_000, noNaN: true }).map((x) => Math.round(x * 100) / 100) },
  { weight: 1, arbitrary: fc.integer({ min: -10, max: 30_000 }) },
);
const unitArb = fc.subarray(['u1', 'u2', 'u3', 'u4'], { maxLength: 2 });
const move: fc.Arbitrary<SpaceMove> = fc.oneof(
  fc.record({ type: fc.constant('offer' as const), key: notices, area: areaArb, unitIds: unitArb }),
  fc.record({ type: fc.constant('amendOffer' as const), key: notices, area: areaArb, unitIds: unitArb }),
  fc.record({ type: fc.constant('cancelOffer' as const), key: notices }),
  fc.record({
    type: fc.constant('allocate' as const),
    key: notices,
    parts: fc.array(fc.record({ key: allocations, area: areaArb, unitIds: unitArb }), { maxLength: 3 }),
  }),
  fc.record({ type: fc.constant('sign' as const), key: allocations, area: areaArb, mode: fc.constantFrom('let' as const, 'sold' as const) }),
  fc.record({ type: fc.constant('release' as const), key: keys }),
  fc.record({ type: fc.constant('setMarket' as const), marketArea: areaArb, totalArea: fc.option(areaArb, { nil: undefined }) }),
);

const start: SpaceLedger = { totalArea: 20_000, marketArea: 20_000, unitIds: ['u1', 'u2', 'u3', 'u4'], holdings: [] };

function checkInvariant(l: SpaceLedger) {
  const f = ledgerFigures(l);
  for (const [state, value] of Object.entries(f)) expect(value, state).toBeGreaterThanOrEqual(0);
  expect(sum(Object.values(f))).toBe(sum([l.totalArea]));
  // A unit is held by at most one record.
  const held = l.holdings.flatMap((h) => h.unitIds);
  expect(new Set(held).size).toBe(held.length);
  expect(Object.keys(unitStates(l)).sort()).toEqual([...l.unitIds].sort());
}

describe('space ledger', () => {
  it('the states always add up to the total area (random move sequences)', () => {
    let applied = 0;
    fc.assert(
      fc.property(fc.array(move, { minLength: 5, maxLength: 30 }), (moves) => {
        let l = start;
        for (const m of moves) {
          try {
            l = moveSpace(l, m);
            applied++;
          } catch (e) {
            if (!(e instanceof RuleViolation)) throw e;
          }
          checkInvariant(l);
        }
      }),
      { numRuns: 3_000 },
    );
    // The walk is not vacuous: most runs get moves through.
    expect(applied).toBeGreaterThan(3_000 * 2);
  });

  it('walks a notice through offer, allocation, contract and release', () => {
    let l = moveSpace(start, { type: 'offer', key: 'n1', area: 3_000, unitIds: ['u1'] });
    expect(ledgerFigures(l)).toMatchObject({ availableArea: 17_000, offeredArea: 3_000 });
    expect(unitStates(l)).toMatchObject({ u1: 'offered', u2: 'available' });
    l = moveSpace(l, { type: 'allocate', key: 'n1', parts: [{ key: 'a1', area: 1_200, unitIds: ['u1'] }, { key: 'a2', area: 1_100 }] });
    expect(ledgerFigures(l)).toMatchObject({ availableArea: 17_700, offeredArea: 0, allocatedArea: 2_300 });
    l = moveSpace(l, { type: 'sign', key: 'a1', area: 1_200, mode: 'let' });
    l = moveSpace(l, { type: 'sign', key: 'a2', area: 1_000, mode: 'sold' });
    expect(ledgerFigures(l)).toEqual({ availableArea: 17_800, offeredArea: 0, allocatedArea: 0, letArea: 1_200, soldArea: 1_000, withheldArea: 0 });
    expect(unitStates(l).u1).toBe('let');
    l = moveSpace(l, { type: 'setMarket', marketArea: 15_000 });
    expect(ledgerFigures(l)).toMatchObject({ availableArea: 12_800, withheldArea: 5_000 });
    l = moveSpace(l, { type: 'release', key: 'a1' });
    expect(ledgerFigures(l)).toMatchObject({ availableArea: 14_000, letArea: 0 });
  });

  it('refuses space that is not available, with stable codes', () => {
    const l = moveSpace(start, { type: 'offer', key: 'n1', area: 19_000, unitIds: ['u1'] });
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as RuleViolation).code;
      }
      return 'none';
    };
    expect(code(() => requireAvailable(l, 1_001))).toBe('AREA_EXCEEDS_AVAILABLE');
    expect(code(() => requireAvailable(l, 1_000, ['u1']))).toBe('UNIT_ALREADY_OFFERED');
    expect(code(() => requireAvailable(l, 1_000, ['u9']))).toBe('UNIT_NOT_IN_PROJECT');
    expect(code(() => requireAvailable(l, 20_000, [], 'n1'))).toBe('none');
    expect(code(() => moveSpace(l, { type: 'setMarket', marketArea: 18_999 }))).toBe('AREA_COMMITTED');
    expect(code(() => moveSpace(l, { type: 'setMarket', marketArea: 20_001 }))).toBe('AVAILABLE_EXCEEDS_TOTAL_AREA');
    const signed = moveSpace(moveSpace(l, { type: 'allocate', key: 'n1', parts: [{ key: 'a1', area: 500, unitIds: ['u1'] }] }), { type: 'sign', key: 'a1', area: 500, mode: 'let' });
    expect(code(() => requireAvailable(signed, 100, ['u1']))).toBe('UNIT_NOT_AVAILABLE');
  });
});
