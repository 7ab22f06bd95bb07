// Applications by status as of a moment: counted from the status each event leaves and enters, by either
// time, they are what the applications themselves show in a store given only the events counted by then.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApplicationEvent, ApplicationStatus } from '../../src/domain/application.js';
import { parseAsOf } from '../../src/domain/time.js';
import type { RecordedEvent } from '../../src/infra/event-store.js';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import { applicationStatistics, applicationStatisticsAsOf, currentApplicationStatistics } from '../../src/projections/application-statistics.js';
import { applications } from '../../src/projections/applications.js';
import { procedureStatistics } from '../../src/projections/procedure-queries.js';
import type { CountedBy } from '../../src/projections/statistics.js';
import { project, recorded } from './projection-spec.js';

const T0 = Date.parse('2027-01-04T02:00:00.000Z'); // Monday, 10:00 CST
const MINUTE = 60_000;
const hash = 'ab'.repeat(32);
const reviewer = { id: 'officer-ns', role: 'housing_dept' as const, district: 'nanshan' as const };

type Step = 'submit' | 'withdraw' | 'return' | 'resubmit' | 'lapse' | 'review';
/** What each status allows, as the decider does (application.ts). */
const NEXT: Record<ApplicationStatus | 'none', Step[]> = {
  none: ['submit'],
  submitted: ['withdraw', 'return', 'review'],
  returned: ['resubmit', 'lapse', 'withdraw', 'review'],
  resubmitted: ['withdraw', 'return', 'review'],
  reviewed: ['review'],
  withdrawn: ['submit'],
  lapsed: ['submit'],
};

function eventOf(step: Step, applicationId: string, from: ApplicationStatus | 'none', legacy: boolean): ApplicationEvent {
  const ids = { applicationId, noticeId: 'n-1' };
  const leaves = legacy || from === 'none' ? {} : { previousStatus: from };
  switch (step) {
    case 'submit':
      return {
        type: 'ApplicationSubmitted',
        data: { ...ids, district: 'nanshan', creditCode: `9144030000000000${applicationId.slice(-1)}X`, enterpriseName: '深圳市测试科技有限公司', requestedArea: 100, declared: { industry: '软件', employees: 10, annualRevenue: 1, rndShare: 0.1 }, documents: [{ name: 'a.pdf', sha256: hash }], ...leaves },
      };
    case 'withdraw':
      return { type: 'ApplicationWithdrawn', data: { ...ids, ...leaves } };
    case 'return':
      return { type: 'ApplicationReturned', data: { ...ids, missing: ['审计报告'], ...leaves } };
    case 'resubmit':
      return { type: 'ApplicationResubmitted', data: { ...ids, documents: [{ name: 'b.pdf', sha256: hash }] } };
    case 'lapse':
      return { type: 'ApplicationLapsed', data: { ...ids, district: 'nanshan', missing: ['审计报告'], correctionDueAt: new Date(T0).toISOString() } };
    case 'review':
      return { type: 'QualificationReviewed', data: { ...ids, qualified: true, reasons: [], reviewer, ...(from === 'reviewed' ? { previous: { qualified: false, reasons: ['x'] } } : {}), ...leaves } };
  }
}

const ENTERS: Record<Step, ApplicationStatus> = { submit: 'submitted', withdraw: 'withdrawn', return: 'returned', resubmit: 'resubmitted', lapse: 'lapsed', review: 'reviewed' };

async function store(events: RecordedEvent[]): Promise<EmbeddedReadStore> {
  const s = EmbeddedReadStore.open(null);
  for (const p of [applications, applicationStatistics]) await s.ensureIndexes(p.indexes);
  await project(s, applications, events, 3);
  await project(s, applicationStatistics, events, 3);
  return s;
}

/** A log of random legal steps of three applications: each event dated `back` minutes before it was recorded. */
function logOf(steps: { app: number; pick: number; gapMinutes: number }[], backMinutes: number, legacy = false) {
  const status = new Map<string, ApplicationStatus | 'none'>();
  let recordedAt = T0;
  const events: RecordedEvent[] = [];
  for (const st of steps) {
    const id = `n-1.APP${st.app}`;
    const from = status.get(id) ?? 'none';
    const options = NEXT[from];
    const step = options[st.pick % options.length]!;
    recordedAt += st.gapMinutes * MINUTE;
    const e = eventOf(step, id, from, legacy);
    status.set(id, ENTERS[step]);
    events.push({ ...recorded({ ...e, occurredAt: new Date(recordedAt - backMinutes * MINUTE).toISOString() }, events.length + 1), recordedAt: new Date(recordedAt).toISOString() });
  }
  return events;
}

describe('applications by status as of a moment', () => {
  it('equals what the applications show in a store given only the events counted by then, by either time (property)', async () => {
    const step = fc.record({ app: fc.integer({ min: 1, max: 3 }), pick: fc.nat(), gapMinutes: fc.integer({ min: 0, max: 3 * 24 * 60 }) });
    const moment = fc.oneof(fc.integer({ min: -24 * 60, max: 40 * 24 * 60 }).map((m) => ({ m })), fc.record({ event: fc.nat(), minutes: fc.integer({ min: -180, max: 180 }), recorded: fc.boolean() }));
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 16 }), fc.array(moment, { minLength: 1, maxLength: 4 }), fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 60 * 24 * 60 })), fc.boolean(), async (steps, moments, back, endOfDay) => {
        const events = logOf(steps, back);
        const s = await store(events);
        expect(await currentApplicationStatistics(s)).toEqual((await procedureStatistics(s)).applications);
        for (const m of moments) {
          const instant =
            'm' in m ? new Date(T0 + m.m * MINUTE).toISOString() : new Date(Date.parse(m.recorded ? events[m.event % events.length]!.recordedAt : events[m.event % events.length]!.occurredAt) + m.minutes * MINUTE).toISOString();
          const at = endOfDay ? parseAsOf(instant.slice(0, 10))! : instant;
          for (const by of ['occurredAt', 'recordedAt'] as CountedBy[]) {
            const counted = events.filter((e) => Date.parse(by === 'occurredAt' ? e.occurredAt : e.recordedAt) <= Date.parse(at));
            const plain = await store(counted);
            expect(await applicationStatisticsAsOf(s, at, by), `${by} ${at}`).toEqual((await procedureStatistics(plain)).applications);
            await plain.close();
          }
        }
        await s.close();
      }),
      { numRuns: 80 },
    );
  });

  it('reads events recorded before they said which status they leave by what their type allows most often', async () => {
    const legacy = logOf(
      [
        { app: 1, pick: 0, gapMinutes: 1 }, // submitted
        { app: 1, pick: 2, gapMinutes: 1 }, // reviewed (from submitted)
        { app: 2, pick: 0, gapMinutes: 1 }, // submitted
        { app: 2, pick: 0, gapMinutes: 1 }, // withdrawn (from submitted)
        { app: 3, pick: 0, gapMinutes: 1 }, // submitted
        { app: 3, pick: 1, gapMinutes: 1 }, // returned (from submitted)
      ],
      0,
      true,
    );
    expect(legacy.every((e) => (e.data as { previousStatus?: string }).previousStatus === undefined)).toBe(true);
    const s = await store(legacy);
    expect(await currentApplicationStatistics(s)).toEqual((await procedureStatistics(s)).applications);
    expect((await currentApplicationStatistics(s)).byStatus.filter((x) => x.count > 0)).toEqual([
      { status: 'returned', count: 1 },
      { status: 'reviewed', count: 1 },
      { status: 'withdrawn', count: 1 },
    ]);
    await s.close();
  });
});
