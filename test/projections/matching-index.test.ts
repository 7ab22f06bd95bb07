// The matching index picks the demands a changed project can concern: none it leaves out would have
// seen its ranking change, and a change that cannot concern a demand (another district, too little
// space, a score below what the demand's ranking already holds, a supply mode it scores alike for, which only spares
// checking those) leaves it out.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DemandProfile, MAX_CANDIDATES, type Supply, rankDemand, rankDemandInTiers, rerank } from '../../src/domain/matching.js';
import type { District } from '../../src/domain/shared.js';
import { MatchingIndex } from '../../src/projections/matching-index.js';

const DEPTH = 25;
const demand: DemandProfile = { minArea: 800, maxArea: 1500, districts: ['nanshan'], useType: 'rnd', supplyMode: 'rent', maxPrice: 80, neededBy: '2026-09-30T00:00:00.000Z' };
const project = (n: number, over: Partial<Supply> = {}): Supply => ({ projectId: `p-${String(n).padStart(2, '0')}`, district: 'nanshan', useType: 'rnd', supplyModes: ['rent'], availableArea: 1200, notices: [], ...over });

function indexOf(supply: Supply[], demands: Record<string, DemandProfile>, depth = DEPTH): MatchingIndex {
  const index = new MatchingIndex();
  for (const s of supply) index.setSupply(s.projectId, s);
  for (const [id, profile] of Object.entries(demands)) {
    const head = rankDemand(profile, index.supplyOf(profile.districts), depth);
    index.setDemand(id, profile, head);
  }
  return index;
}

describe('matching index', () => {
  it('leaves out a demand a change cannot concern, and takes one it can', () => {
    // 30 projects scoring 85 fill d-1's ranking (its last scores 85): an office project (70 at best
    // without a notice) cannot enter it; d-2, an office demand, has room for it.
    const supply = Array.from({ length: 30 }, (_, i) => project(i));
    const index = indexOf(supply, { 'd-1': demand, 'd-2': { ...demand, useType: 'office' }, 'd-3': { ...demand, districts: ['futian'] } });
    const office = project(40, { useType: 'office' });
    expect([...index.concerned(office.projectId, office)]).toEqual(['d-2']);
    // Too little space for anyone; in another district: no demand of nanshan.
    expect([...index.concerned('p-41', project(41, { availableArea: 100 }))]).toEqual([]);
    expect([...index.concerned('p-42', project(42, { district: 'futian' }))]).toEqual(['d-3']);
    // A better project enters d-1's ranking (and d-2's: any candidate enters a ranking with room).
    const better = project(43, { notices: [{ noticeId: 'n-1', supplyMode: 'rent', price: 50, area: 500, opensAt: '2026-04-01T00:00:00.000Z', closesAt: '2026-04-30T00:00:00.000Z' }] });
    expect([...index.concerned(better.projectId, better)].sort()).toEqual(['d-1', 'd-2']);
    // A project d-1 ranks is its concern whatever it becomes, gone included.
    expect([...index.concerned('p-03', null)]).toEqual(['d-1', 'd-2']);
    // Beyond the rankings it shrinks out of every demand: none of them ranks it.
    expect([...index.concerned('p-29', project(29, { availableArea: 100 }))]).toEqual([]);
  });

  it('takes a demand whose ranking a project enters by a tie at the very top', () => {
    // Every project scores the most there is (100): the ranking holds the first 25 ids, ending at p-34.
    const notices = [{ noticeId: 'n-1', supplyMode: 'rent' as const, price: 50, area: 500, opensAt: '2026-04-01T00:00:00.000Z', closesAt: '2026-04-30T00:00:00.000Z' }];
    const index = indexOf(Array.from({ length: 30 }, (_, i) => project(10 + i, { notices })), { 'd-1': demand });
    expect([...index.concerned('p-01', project(1, { notices }))]).toEqual(['d-1']); // 100 too, and an earlier id
    expect([...index.concerned('p-50', project(50, { notices }))]).toEqual([]); // 100 too, but a later id
  });

  it('told what a project was, skips only the supply modes it scores alike for', () => {
    // A demand to buy: 25 projects to rent only score 75 for it; p-00 (too big: 65) is beyond its ranking.
    const toBuy = { ...demand, supplyMode: 'sale' as const };
    const supply = [project(0, { availableArea: 5000 }), ...Array.from({ length: 25 }, (_, i) => project(10 + i))];
    const index = indexOf(supply, { 'd-buy': toBuy, 'd-rent': { ...demand, minArea: 2000, maxArea: 6000 } });
    // For sale too, it scores 75 for d-buy and enters by its id; for d-rent (which ranks only it) nothing changes.
    const forSale = project(0, { availableArea: 5000, supplyModes: ['rent', 'sale'] });
    expect([...index.concerned('p-00', forSale, supply[0])].sort()).toEqual(['d-buy', 'd-rent']);
  });

  it('every demand whose ranking a change alters is among those concerned (property)', () => {
    const districts: District[] = ['nanshan', 'futian'];
    const supplyArb = fc.record({
      district: fc.constantFrom(...districts),
      useType: fc.constantFrom('rnd' as const, 'office' as const),
      supplyModes: fc.subarray(['rent', 'sale'] as const, { minLength: 1 }),
      availableArea: fc.integer({ min: 0, max: 3000 }),
      notices: fc.array(
        fc.record({ noticeId: fc.string({ maxLength: 2 }), supplyMode: fc.constantFrom('rent' as const, 'sale' as const), price: fc.integer({ min: 10, max: 120 }), area: fc.constant(100), opensAt: fc.constant('2026-04-01T00:00:00.000Z'), closesAt: fc.constantFrom('2026-04-30T00:00:00.000Z', '2026-12-30T00:00:00.000Z') }),
        { maxLength: 2 },
      ),
    });
    const demandArb = fc.record({
      minArea: fc.integer({ min: 0, max: 800 }),
      span: fc.integer({ min: 0, max: 2000 }),
      districts: fc.subarray(districts, { minLength: 1 }),
      useType: fc.constantFrom('rnd' as const, 'office' as const),
      supplyMode: fc.constantFrom('rent' as const, 'sale' as const),
      maxPrice: fc.integer({ min: 10, max: 120 }),
    });
    fc.assert(
      fc.property(fc.array(supplyArb, { minLength: 1, maxLength: 120 }), fc.array(demandArb, { minLength: 1, maxLength: 12 }), supplyArb, fc.nat(), fc.boolean(), fc.constantFrom('all', 'modes', 'notices'), (raw, rawDemands, change, pick, gone, what) => {
        const supply = raw.map((s, i) => project(i, s));
        const demands = Object.fromEntries(rawDemands.map((d, i) => [`d-${i}`, { ...demand, ...d, maxArea: d.minArea + d.span }]));
        // Rankings only as deep as a list, so most are full and a change must beat their last.
        const index = indexOf(supply, demands, MAX_CANDIDATES);
        // A project changed (or gone), or a new one that wins its ties (its id sorts first).
        const projectId = pick % 2 === 0 ? supply[pick % supply.length]!.projectId : 'p-0';
        // Changed in everything, or only in its supply modes or its notices (as most updates are).
        const was = supply.find((x) => x.projectId === projectId);
        const partial = was && what !== 'all' ? { ...was, [what === 'modes' ? 'supplyModes' : 'notices']: what === 'modes' ? change.supplyModes : change.notices } : null;
        const changed: Supply | null = gone ? null : (partial ?? { ...change, projectId });
        // Told what it was (when it was), the index skips the supply modes it scores alike for.
        const concerned = index.concerned(projectId, changed, pick % 3 === 0 ? undefined : was);
        for (const [id, profile] of Object.entries(demands)) {
          const head = rankDemand(profile, index.supplyOf(profile.districts), MAX_CANDIDATES);
          const after = rerank(head, profile, changed, projectId, MAX_CANDIDATES);
          if (!concerned.has(id)) expect(after).toBe(head);
        }
      }),
      { numRuns: 1000 },
    );
  });
  it('ranks a demand over its districts in tiers exactly as over all their supply, before and after supply changes (property)', () => {
    const districts: District[] = ['nanshan', 'futian', 'luohu'];
    const notice = fc.record({ noticeId: fc.string({ maxLength: 2 }), supplyMode: fc.constantFrom('rent' as const, 'sale' as const), price: fc.integer({ min: 10, max: 120 }), area: fc.constant(100), opensAt: fc.constant('2026-04-01T00:00:00.000Z'), closesAt: fc.constantFrom('2026-04-30T00:00:00.000Z', '2026-12-30T00:00:00.000Z') });
    const supplyArb = fc.record({
      district: fc.constantFrom(...districts),
      useType: fc.constantFrom('rnd' as const, 'office' as const, 'plant' as const),
      supplyModes: fc.subarray(['rent', 'sale'] as const, { minLength: 1 }),
      availableArea: fc.integer({ min: 0, max: 3000 }),
      notices: fc.array(notice, { maxLength: 2 }),
    });
    const demandArb = fc.record({
      minArea: fc.integer({ min: 0, max: 800 }),
      span: fc.integer({ min: 0, max: 2000 }),
      districts: fc.subarray(districts, { minLength: 1 }),
      useType: fc.constantFrom('rnd' as const, 'office' as const, 'plant' as const),
      supplyMode: fc.constantFrom('rent' as const, 'sale' as const),
      maxPrice: fc.integer({ min: 10, max: 120 }),
    });
    fc.assert(
      fc.property(fc.array(supplyArb, { maxLength: 150 }), demandArb, fc.integer({ min: 1, max: 45 }), fc.array(fc.tuple(fc.nat(), supplyArb), { maxLength: 5 }), (raw, d, depth, changes) => {
        const profile: DemandProfile = { ...demand, ...d, maxArea: d.minArea + d.span };
        const index = new MatchingIndex();
        const supply = raw.map((s, i) => project(i, s));
        for (const s of supply) index.setSupply(s.projectId, s);
        expect(rankDemandInTiers(profile, index.tiersOf(profile), depth)).toEqual(rankDemand(profile, index.supplyOf(profile.districts), depth));
        // Tiers are kept per district: a change of supply must reach them.
        for (const [pick, s] of changes) index.setSupply(`p-${String(pick % 200).padStart(2, '0')}`, pick % 7 === 0 ? null : { ...s, projectId: `p-${String(pick % 200).padStart(2, '0')}` });
        expect(rankDemandInTiers(profile, index.tiersOf(profile), depth)).toEqual(rankDemand(profile, index.supplyOf(profile.districts), depth));
      }),
      { numRuns: 1500 },
    );
  });
});
