// The statistics as of a moment by either time: `asOf` sums what is dated by then, `asRecordedAt` what had
// been recorded by then, imports (dated days or years before they were recorded) included. Each is checked
// against the plain answer: the current figures of a store that was given only those events.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProjectEvent, StatFigures } from '../../src/domain/project.js';
import { parseAsOf } from '../../src/domain/time.js';
import type { RecordedEvent } from '../../src/infra/event-store.js';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import { type CountedBy, currentStatistics, statistics, statisticsAsOf } from '../../src/projections/statistics.js';
import { project, recorded } from './projection-spec.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2027-01-04T02:00:00.000Z'); // Monday, 10:00 CST
const rnd: StatFigures = { district: 'nanshan', useType: 'rnd', supplyModes: ['rent'], totalArea: 1200 };
const plant: StatFigures = { district: 'futian', useType: 'plant', supplyModes: ['rent', 'sale'], totalArea: 800 };

/** A log whose n-th event is dated `occurred[n]` and recorded `recorded[n]` (never earlier than the one before). */
function log(events: { e: ProjectEvent; occurredAt: number; recordedAt: number }[]): RecordedEvent[] {
  return events.map(({ e, occurredAt, recordedAt }, i) => ({ ...recorded({ ...e, occurredAt: new Date(occurredAt).toISOString() }, i + 1), recordedAt: new Date(recordedAt).toISOString() }));
}

async function store(events: RecordedEvent[]): Promise<EmbeddedReadStore> {
  const s = EmbeddedReadStore.open(null);
  await s.ensureIndexes(statistics.indexes);
  await project(s, statistics, events);
  return s;
}

/** What `statisticsAsOf(…, at, by)` should answer: the current figures of the events counted by then. */
async function plainly(events: RecordedEvent[], at: string, by: CountedBy) {
  const counted = events.filter((e) => new Date(by === 'occurredAt' ? e.occurredAt : e.recordedAt).getTime() <= Date.parse(at));
  const s = await store(counted);
  const { asOf: _now, ...figures } = await currentStatistics(s, at);
  await s.close();
  return figures;
}

async function asOf(s: EmbeddedReadStore, at: string, by: CountedBy) {
  const { asOf: _at, ...figures } = await statisticsAsOf(s, at, by);
  return figures;
}

describe('statistics as recorded by a moment', () => {
  it('an import dated a year back counts from when it was recorded, and as of its date from then on', async () => {
    const events = log([
      { e: { type: 'ProjectPublished', data: { projectId: 'p-1', ...rnd } }, occurredAt: T0, recordedAt: T0 },
      // Recorded on the 6th (CST), dated 2026-01-05.
      { e: { type: 'ProjectPublished', data: { projectId: 'p-2', ...plant } }, occurredAt: T0 - 364 * 24 * HOUR, recordedAt: T0 + 48 * HOUR },
    ]);
    const s = await store(events);
    const projects = async (at: string, by: CountedBy) => (await statisticsAsOf(s, at, by)).projects;
    expect(await projects(parseAsOf('2027-01-05')!, 'occurredAt')).toBe(2);
    expect(await projects(parseAsOf('2027-01-05')!, 'recordedAt')).toBe(1);
    expect(await projects(parseAsOf('2026-06-30')!, 'recordedAt')).toBe(0);
    expect(await projects(new Date(T0 + 48 * HOUR - 1).toISOString(), 'recordedAt')).toBe(1);
    expect(await projects(new Date(T0 + 48 * HOUR).toISOString(), 'recordedAt')).toBe(2);
    expect(await projects(parseAsOf('2027-01-06')!, 'recordedAt')).toBe(2);
    await s.close();
  });

  it('equals the figures of the events counted by then, by either time, for any log and moment (property)', async () => {
    const step = fc.record({
      kind: fc.constantFrom('published', 'withdrawn', 'updated'),
      project: fc.constantFrom('p-1', 'p-2', 'p-3'),
      gapMinutes: fc.integer({ min: 0, max: 3 * 24 * 60 }), // after the one recorded before
      datedBackMinutes: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 400 * 24 * 60 })), // an import
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), fc.array(fc.integer({ min: -24 * 60, max: 40 * 24 * 60 }), { minLength: 1, maxLength: 4 }), fc.boolean(), async (steps, moments, endOfDay) => {
        let recordedAt = T0;
        const events = log(
          steps.map((st) => {
            recordedAt += st.gapMinutes * 60_000;
            const f = st.project === 'p-2' ? plant : rnd;
            const e: ProjectEvent =
              st.kind === 'published'
                ? { type: 'ProjectPublished', data: { projectId: st.project, ...f } }
                : st.kind === 'withdrawn'
                  ? { type: 'ProjectWithdrawn', data: { projectId: st.project, ...f, reason: '撤回' } }
                  : { type: 'ProjectUpdated', data: { projectId: st.project, changes: { totalArea: 900 }, previous: { totalArea: f.totalArea }, reason: '复核', published: true, figures: { before: f, after: { ...f, totalArea: 900 } } } };
            return { e, occurredAt: recordedAt - st.datedBackMinutes * 60_000, recordedAt };
          }),
        );
        const s = await store(events);
        for (const m of moments) {
          const instant = new Date(T0 + m * 60_000).toISOString();
          const at = endOfDay ? parseAsOf(instant.slice(0, 10))! : instant;
          for (const by of ['occurredAt', 'recordedAt'] as const) expect(await asOf(s, at, by), `${by} ${at}`).toEqual(await plainly(events, at, by));
        }
        await s.close();
      }),
      { numRuns: 60 },
    );
  });
});
