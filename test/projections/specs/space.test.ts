// The space ledger's read side (space_holdings): one document per record holding space, built from each
// event alone. Units travel with the allocations (allocation.ts rule 6) through contracts, forfeiture and
// 递补; and because the holdings are read from the events' own areas, not from their space deltas, a log
// recorded before the events carried deltas still gives a consistent ledger of holdings.
import { describe, expect, it } from 'vitest';
import type { ApplicationEvent } from '../../../src/domain/application.js';
import type { NoticeEvent } from '../../../src/domain/notice.js';
import type { TenancyEvent } from '../../../src/domain/tenancy.js';
import { EmbeddedReadStore } from '../../../src/infra/embedded-read-store.js';
import { SPACE, allocationKey, space } from '../../../src/projections/space.js';
import { allocationsOfNotice, projectSpace } from '../../../src/projections/space-queries.js';
import { type Given, project, projectionSpec, recorded } from '../projection-spec.js';

type E = NoticeEvent | ApplicationEvent | TenancyEvent;
const spec = projectionSpec<E>(space);
const ref = { noticeId: 'n-1', district: 'nanshan' as const, projectId: 'p-1' };
const terms = { price: 60, eligibility: '创新型企业', opensAt: '2027-01-05T02:00:00.000Z', closesAt: '2027-01-06T02:00:00.000Z', publicityWorkingDays: 5 };
const input = (applicationId: string, requestedArea: number, submittedPosition: number) => ({ applicationId, requestedArea, submittedPosition });
const contract = (applicationId: string, area: number, unitIds?: string[]) =>
  ({ applicationId, noticeId: 'n-1', projectId: 'p-1', district: 'nanshan' as const, creditCode: `C-${applicationId}`, area, ...(unitIds ? { unitIds } : {}), contractRef: `HT-${applicationId}`, signedOn: '2027-02-01T02:00:00.000Z' });
const projectDoc = { _id: 'p-1', totalArea: 10_000, units: { 'u-1': {}, 'u-2': {}, 'u-3': {} } };

async function ledgerAfter(events: Given<E>[]) {
  const store = EmbeddedReadStore.open(null);
  await project(store, space, events.map((e, i) => recorded(e, i + 1)));
  return { store, figures: await projectSpace(store, projectDoc) };
}

describe('space holdings: units', () => {
  const units: Given<E>[] = [
    { type: 'NoticePublished', data: { ...ref, supplyMode: 'rent', area: 3_000, unitIds: ['u-1', 'u-2'], ...terms } },
    {
      type: 'AllocationDecided',
      data: {
        ...ref,
        method: 'ranking',
        algorithm: 'x',
        offeredArea: 3_000,
        units: [{ unitId: 'u-1', area: 1_200 }, { unitId: 'u-2', area: 1_800 }],
        inputs: [input('a', 1_000, 1), input('b', 1_500, 2), input('c', 1_500, 3)],
        order: ['a', 'b', 'c'],
        allocations: [{ applicationId: 'a', area: 1_200, rank: 1, unitIds: ['u-1'] }, { applicationId: 'b', area: 1_800, rank: 2, unitIds: ['u-2'] }],
        allocatedArea: 3_000,
      },
    },
    { type: 'LeaseSigned', data: { ...contract('a', 1_200, ['u-1']), lease: { startsOn: '2027-02-01T00:00:00.000Z', endsOn: '2028-02-01T00:00:00.000Z', monthlyRent: 1 } } },
    { type: 'AllocationForfeited', data: { ...ref, applicationId: 'b', area: 1_800, reason: 'signing_deadline' } },
    { type: 'WaitlistAllocated', data: { ...ref, applicationId: 'c', area: 1_800, rank: 3, replaces: 'b', unitIds: ['u-2'] } },
  ];

  it('an allocation, and a 递补, hold the units they were given', async () => {
    await spec.given(units).then(SPACE, allocationKey('c'), {
      kind: 'allocation', noticeId: 'n-1', projectId: 'p-1', district: 'nanshan', applicationId: 'c', rank: 3, state: 'allocated', status: 'allocated', via: 'waitlist', replaces: 'b', area: 1_800, unitIds: ['u-2'],
    });
    await spec.given(units).then(SPACE, allocationKey('a'), {
      kind: 'allocation', noticeId: 'n-1', projectId: 'p-1', district: 'nanshan', applicationId: 'a', rank: 1, state: 'let', status: 'signed', via: 'ranking', area: 1_200, unitIds: ['u-1'], contractRef: 'HT-a',
    });
  });
  it('each unit’s state follows its holder; the notice’s allocations name their units', async () => {
    const { store, figures } = await ledgerAfter(units);
    expect(figures.unitStates).toEqual({ 'u-1': 'let', 'u-2': 'allocated', 'u-3': 'available' });
    expect(figures).toMatchObject({ letArea: 1_200, allocatedArea: 1_800, offeredArea: 0, availableArea: 7_000 });
    expect((await allocationsOfNotice(store, 'n-1')).map((a) => [a.applicationId, a.status, a.unitIds])).toEqual([
      ['a', 'signed', ['u-1']],
      ['b', 'forfeited', ['u-2']],
      ['c', 'allocated', ['u-2']],
    ]);
    // The lease ends: its unit is available again.
    const ended = await ledgerAfter([
      ...units,
      { type: 'TenancyEnded', data: { tenancyId: 'a', projectId: 'p-1', district: 'nanshan', creditCode: 'C-a', how: 'expiry', endedOn: '2028-02-01T00:00:00.000Z', area: 1_200, unitIds: ['u-1'], reasons: ['租期届满'] } },
    ]);
    expect(ended.figures.unitStates).toEqual({ 'u-1': 'available', 'u-2': 'allocated', 'u-3': 'available' });
  });
});

describe('space holdings: a log from before the space deltas', () => {
  it('events without `space` or `spaceClass` (and a contract without its project) still give a consistent ledger', async () => {
    const { figures } = await ledgerAfter([
      { type: 'NoticePublished', data: { ...ref, supplyMode: 'rent', area: 3_000, ...terms } },
      {
        type: 'AllocationDecided',
        data: { ...ref, method: 'first_come', algorithm: 'x', offeredArea: 3_000, inputs: [input('a', 1_000, 1), input('b', 800, 2)], order: ['a', 'b'], allocations: [{ applicationId: 'a', area: 1_000, rank: 1 }, { applicationId: 'b', area: 800, rank: 2 }], allocatedArea: 1_800 },
      },
      { type: 'LeaseSigned', data: { applicationId: 'a', noticeId: 'n-1', creditCode: 'C-a', area: 900, contractRef: 'HT-a', signedOn: '2027-02-01T02:00:00.000Z' } },
    ]);
    // 10,000 = 8,300 available + 800 allocated + 900 let: the states add up without a single delta.
    expect(figures).toMatchObject({ availableArea: 8_300, offeredArea: 0, allocatedArea: 800, letArea: 900, soldArea: 0, withheldArea: 0 });
  });
});
