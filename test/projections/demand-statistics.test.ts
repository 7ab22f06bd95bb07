// Supply–demand statistics: industries are free text, so each is counted in documents of its own; the
// running total and the buckets stay the same size however many there are. As of a moment, by either time,
// the figures are those of a store given only the events counted by then.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DemandEvent, DemandFigures } from '../../src/domain/demand.js';
import { parseAsOf } from '../../src/domain/time.js';
import type { RecordedEvent } from '../../src/infra/event-store.js';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import { DEMAND_STATS_BUCKETS, DEMAND_STATS_NOW, currentDemandStatistics, demandStatistics, demandStatisticsAsOf } from '../../src/projections/demand-statistics.js';
import type { CountedBy } from '../../src/projections/statistics.js';
import { project, recorded } from './projection-spec.js';

const T0 = Date.parse('2027-01-04T02:00:00.000Z'); // Monday, 10:00 CST
const MINUTE = 60_000;

const figures = (industry: string, reportedAt: string, maxArea = 1000): DemandFigures => ({ industry, districts: ['nanshan'], useType: 'rnd', minArea: 200, maxArea, reportedAt });
const spec = (f: DemandFigures) => ({ industry: f.industry, minArea: f.minArea, maxArea: f.maxArea, districts: f.districts, useType: f.useType, supplyMode: 'rent' as const, maxPrice: 80, neededBy: '2027-06-30' });
const reported = (demandId: string, f: DemandFigures): DemandEvent => ({ type: 'DemandReported', data: { demandId, ...spec(f), creditCode: '91440300MA5000000X', reportedAt: f.reportedAt, followUpDueAt: f.reportedAt } });

/** A log whose n-th event is dated `occurredAt` and recorded `recordedAt` (never earlier than the one before). */
const log = (events: { e: DemandEvent; occurredAt: number; recordedAt: number }[]): RecordedEvent[] =>
  events.map(({ e, occurredAt, recordedAt }, i) => ({ ...recorded({ ...e, occurredAt: new Date(occurredAt).toISOString() }, i + 1), recordedAt: new Date(recordedAt).toISOString() }));

async function store(events: RecordedEvent[]): Promise<EmbeddedReadStore> {
  const s = EmbeddedReadStore.open(null);
  await s.ensureIndexes(demandStatistics.indexes);
  await project(s, demandStatistics, events, 3);
  return s;
}

describe('demand statistics', () => {
  it('keeps each industry in documents of its own: the total and the buckets do not grow with them', async () => {
    const sizes = async (industries: number) => {
      const t = new Date(T0).toISOString();
      const s = await store(log(Array.from({ length: industries }, (_, i) => ({ e: reported(`d-${i}`, figures(`${'新一代信息技术产业'.repeat(10)}${i}`, t)), occurredAt: T0, recordedAt: T0 }))));
      const docs = [...(await s.find(DEMAND_STATS_NOW, {})), ...(await s.find(DEMAND_STATS_BUCKETS, {}))];
      const stats = await currentDemandStatistics(s);
      await s.close();
      return { largest: Math.max(...docs.map((d) => JSON.stringify(d).length)), listed: stats.byIndustry.length, open: stats.openDemands };
    };
    const one = await sizes(1);
    const many = await sizes(300);
    expect(many).toMatchObject({ listed: 300, open: 300 });
    expect(many.largest).toBeLessThanOrEqual(one.largest + 8); // a longer number in a counter at most
  });

  it('equals the figures of the events counted by then, by either time, for any log and moment (property)', async () => {
    const step = fc.record({
      kind: fc.constantFrom('reported', 'updated', 'withdrawn', 'settled'),
      demand: fc.constantFrom('d-1', 'd-2', 'd-3'),
      industry: fc.constantFrom('集成电路', '生物医药', 'a.b$c%'),
      gapMinutes: fc.integer({ min: 0, max: 40 * 24 * 60 }), // after the one recorded before
      datedBackMinutes: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 400 * 24 * 60 })), // an import
    });
    // Moments anywhere, and near an event (by either of its times), where a day's part of a sum matters.
    const moment = fc.oneof(fc.integer({ min: -24 * 60, max: 200 * 24 * 60 }).map((m) => ({ m })), fc.record({ event: fc.nat(), minutes: fc.integer({ min: -180, max: 180 }), recorded: fc.boolean() }));
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), fc.array(moment, { minLength: 1, maxLength: 4 }), fc.boolean(), async (steps, moments, endOfDay) => {
        // What each demand currently is, so every event carries the figures the decider would give it.
        const open = new Map<string, DemandFigures>();
        let recordedAt = T0;
        const entries: { e: DemandEvent; occurredAt: number; recordedAt: number }[] = [];
        for (const st of steps) {
          recordedAt += st.gapMinutes * MINUTE;
          const occurredAt = recordedAt - st.datedBackMinutes * MINUTE;
          const was = open.get(st.demand);
          let e: DemandEvent;
          if (!was) {
            const f = figures(st.industry, new Date(occurredAt).toISOString());
            open.set(st.demand, f);
            e = reported(st.demand, f);
          } else if (st.kind === 'updated' || st.kind === 'reported') {
            const after = { ...was, industry: st.industry, maxArea: was.maxArea + 100 };
            open.set(st.demand, after);
            e = { type: 'DemandUpdated', data: { demandId: st.demand, changes: { industry: after.industry, maxArea: after.maxArea }, previous: { industry: was.industry, maxArea: was.maxArea }, figures: { before: was, after } } };
          } else {
            open.delete(st.demand);
            const by = { id: 'o', role: 'housing_dept' as const };
            e = st.kind === 'withdrawn' ? { type: 'DemandWithdrawn', data: { demandId: st.demand, reason: '撤回', figures: was } } : { type: 'DemandClosed', data: { demandId: st.demand, outcome: 'settled', reason: '落实', by, figures: was } };
          }
          entries.push({ e, occurredAt, recordedAt });
        }
        const events = log(entries);
        const s = await store(events);
        for (const m of moments) {
          const instant =
            'm' in m
              ? new Date(T0 + m.m * MINUTE).toISOString()
              : new Date(Date.parse((m.recorded ? events[m.event % events.length]!.recordedAt : events[m.event % events.length]!.occurredAt)) + m.minutes * MINUTE).toISOString();
          const at = endOfDay ? parseAsOf(instant.slice(0, 10))! : instant;
          for (const by of ['occurredAt', 'recordedAt'] as CountedBy[]) {
            const counted = events.filter((e) => Date.parse(by === 'occurredAt' ? e.occurredAt : e.recordedAt) <= Date.parse(at));
            const plain = await store(counted);
            expect(await demandStatisticsAsOf(s, at, by), `${by} ${at}`).toEqual(await currentDemandStatistics(plain));
            await plain.close();
          }
        }
        expect(await currentDemandStatistics(s)).toMatchObject({ openDemands: open.size });
        await s.close();
      }),
      { numRuns: 60 },
    );
  });
});
