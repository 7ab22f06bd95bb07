// Issue 7's row: the deadline scheduler's due list (dueDeadlines, the query tick() runs first) on the
// read models rebuilt from the bench's log, with the open deadlines the scenario left (one per winner).
import type { ReadStore } from '../src/infra/read-store.js';
import { dueDeadlines, listDeadlines } from '../src/projections/deadline-queries.js';
import { int, log, meets, ms, notes, percentile, row } from './bench-kit.js';
import type { ScenarioLog } from './bench-scenario-log.js';

const SAMPLES = 300;

export async function deadlineFigures(reads: ReadStore, scenario: ScenarioLog, events: number): Promise<number> {
  const now = new Date().toISOString();
  const open = (await listDeadlines(reads, {}, now, { page: 1, pageSize: 1 })).total;
  const due = (await listDeadlines(reads, { overdue: true }, now, { page: 1, pageSize: 1 })).total;
  // The read model must hold what the scenario planned, else the row would measure an empty list.
  if (open !== scenario.deadlines.length) notes.push(`deadlines: the read model lists ${int(open)} open deadlines, the scenario planned ${int(scenario.deadlines.length)}`);
  log(`7c. the scheduler's due list at ${int(events)} events: dueDeadlines(now, 100), ${SAMPLES} times (${int(open)} open deadlines, ${int(due)} due)`);
  const samples: number[] = [];
  let answered = 0;
  for (let k = 0; k < SAMPLES; k++) {
    // The scheduler asks at its own clock; a later instant each time, as successive ticks do.
    const at = new Date(Date.now() + k * 60_000).toISOString();
    const s0 = performance.now();
    const list = await dueDeadlines(reads, at, 100);
    samples.push(performance.now() - s0);
    answered = list.length;
  }
  samples.sort((a, b) => a - b);
  const p99 = percentile(samples, 99);
  row(
    `deadline scheduler's due list at ${int(events)} events: dueDeadlines (status open, dueAt ≤ now, oldest 100), ${int(open)} open deadlines (${int(due)} due), p99 of ${SAMPLES}`,
    `p99 ${ms(p99)} (p50 ${ms(percentile(samples, 50))}; ${answered} answered)`,
    'goal p99 ≤ 20 ms (issue 7, at 1,000,000 events and 10,000 open deadlines)',
    meets(p99 <= 20),
  );
  return p99;
}
