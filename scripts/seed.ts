// npm run seed: imports the demo history (scripts/seed-data.ts) into the configured stores, through the
// same command path as the API, as city_admin, with each record's historical time as `importedAt`
// (so its events carry occurredAt = that time and metadata.imported = true).
//
// Re-running is safe: each step knows the stream revision it produces and is skipped when the stream is
// already longer, so a finished seed appends nothing and an interrupted one resumes where it stopped.
//
//   DATA_DIR=/tmp/demo npm run seed            (or EVENTSTORE_URL=… for EventStoreDB)
//   npm run seed -- --no-verify                skip the in-memory replay that checks the figures
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CommandHandler } from '../src/api/command-handler.js';
import { loadConfig } from '../src/config.js';
import { projectDecider, projectStream } from '../src/domain/project.js';
import { DISTRICTS, type District } from '../src/domain/shared.js';
import { parseAsOf } from '../src/domain/time.js';
import { openStores } from '../src/infra/compose.js';
import { EmbeddedReadStore } from '../src/infra/embedded-read-store.js';
import type { EventStore } from '../src/infra/event-store.js';
import { allProjections } from '../src/projections/index.js';
import { ProjectionRunner } from '../src/projections/runner.js';
import { currentStatistics, statisticsAsOf } from '../src/projections/statistics.js';
import { HEADLINE, SEED_ACTOR, type SeedExpectations, type SeedPlan, buildSeedPlan, dryRun, resolveCommand, seedId } from './seed-data.js';

export { HEADLINE, SEED_ACTOR, buildSeedPlan, dryRun } from './seed-data.js';

export interface SeedResult {
  /** The whole plan was already in the log: nothing was appended. */
  alreadySeeded: boolean;
  /** Part of the plan was in the log (an interrupted run): the rest was appended. */
  resumed: boolean;
  appended: number;
  skipped: number;
  steps: number;
  /** Log head after the run. */
  head: number;
  expected: SeedExpectations;
  plan: SeedPlan;
}

export interface SeedOptions {
  log?: (line: string) => void;
}

/** Imports the plan into `events`. Deterministic, and idempotent per step. */
export async function runSeed(events: EventStore, options: SeedOptions = {}): Promise<SeedResult> {
  const log = options.log ?? (() => {});
  const plan = buildSeedPlan();
  const expected = dryRun(plan); // throws if any command of the plan would be refused
  if (expected.headline.projects !== HEADLINE.projects || expected.headline.totalArea !== HEADLINE.totalArea) {
    throw new Error(`seed plan is wrong: ${expected.headline.projects} projects, ${expected.headline.totalArea} ㎡ as of ${HEADLINE.asOf}`);
  }

  // How far each stream of the plan already is (-1: absent). One read per project.
  const lengths = new Map<string, number>();
  for (const p of plan.projects) lengths.set(p.projectId, (await events.readStream(projectStream(p.projectId))).length);
  const done = (s: SeedPlan['steps'][number]) => lengths.get(s.projectId)! > s.revision;
  const already = plan.steps.filter(done).length;
  if (already === plan.steps.length) {
    return { alreadySeeded: true, resumed: false, appended: 0, skipped: already, steps: plan.steps.length, head: await events.headPosition(), expected, plan };
  }
  if (already > 0) log(`seed: ${already} of ${plan.steps.length} steps are already in the log (an earlier run stopped?); appending the rest`);

  const commands = new CommandHandler(events);
  let appended = 0;
  let head = 0;
  for (const [i, s] of plan.steps.entries()) {
    if (done(s)) continue;
    const stream = projectStream(s.projectId);
    // A unit to remove is named by its place in the plan; its id was drawn when it was registered.
    const state = s.command.type === 'RemoveUnitAt' ? (await commands.load(projectDecider, stream, true)).state : projectDecider.initialState;
    const result = await commands.execute(projectDecider, stream, s.projectId, resolveCommand(s.command, state), {
      actor: SEED_ACTOR,
      importedAt: s.at,
      expectedRevision: s.revision - 1, // exactly where the plan puts it: anything else is a conflict, not a duplicate
      requestId: seedId(`request-${i}`),
      correlationId: seedId(`import-project-${s.project}`),
    });
    lengths.set(s.projectId, result.revision + 1);
    head = result.position;
    appended++;
    if (appended % 100 === 0) log(`seed: ${appended} events appended…`);
  }
  return { alreadySeeded: false, resumed: already > 0, appended, skipped: already, steps: plan.steps.length, head: head || (await events.headPosition()), expected, plan };
}

/** Projects the whole log into a throw-away in-memory read store and reads the statistics back. */
export async function verifySeed(events: EventStore) {
  const reads = EmbeddedReadStore.open(null);
  let failure: unknown = null;
  const runner = new ProjectionRunner(events, reads, allProjections, { batchSize: 1000, onError: (e) => (failure = e) });
  try {
    await runner.start();
    const head = await events.headPosition();
    if (!(await runner.waitFor(head, 120_000))) throw new Error(`projections did not reach ${head}: ${String(failure ?? 'timeout')}`);
    const headline = await statisticsAsOf(reads, parseAsOf(HEADLINE.asOf)!);
    const current = await currentStatistics(reads, new Date().toISOString());
    return { headline, current };
  } finally {
    await runner.stop();
    await reads.close();
  }
}

const fmtArea = (a: number) => a.toLocaleString('en-US', { maximumFractionDigits: 2 });

function printSummary(result: SeedResult, describe: string, print: (line: string) => void) {
  const { expected: e, plan } = result;
  print(`Imported ${result.appended} events (${plan.projects.length} projects) into ${describe}; log head ${result.head}.`);
  print(`  events by type: ${Object.entries(e.byType).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  print(`  publications by year (CST): ${Object.entries(e.publishedByYear).map(([y, n]) => `${y}: ${n}`).join(', ')}`);
  print(`  as of ${HEADLINE.asOf} (end of day, CST): ${e.headline.projects} published projects, ${fmtArea(e.headline.totalArea)} ㎡`);
  const rows = Object.entries(e.headline.byDistrict).sort((a, b) => b[1].totalArea - a[1].totalArea);
  for (const [d, v] of rows) print(`    ${DISTRICTS[d as District].padEnd(8, '　')} ${String(v.projects).padStart(3)}  ${fmtArea(v.totalArea).padStart(12)} ㎡`);
  print(`  now (after the activity up to ${e.lastAt.slice(0, 10)}): ${e.current.projects} published projects, ${fmtArea(e.current.totalArea)} ㎡`);
}

async function main() {
  const { values } = parseArgs({ options: { 'no-verify': { type: 'boolean', default: false } } });
  const config = loadConfig();
  const stores = await openStores(config);
  const describe = `${stores.describe.events} event store${config.EVENTSTORE_URL ? '' : ` in ${resolve(config.DATA_DIR)}`}`;
  let code = 0;
  try {
    const result = await runSeed(stores.events, { log: (l) => console.log(l) });
    if (result.alreadySeeded) {
      console.log(`The demo history is already in ${describe} (project-${result.plan.projects[0]!.projectId} and all ${result.steps} steps are there): nothing to do.`);
      return;
    }
    printSummary(result, describe, (l) => console.log(l));
    if (!values['no-verify']) {
      const { headline, current } = await verifySeed(stores.events);
      const ok = headline.projects === HEADLINE.projects && headline.totalArea === HEADLINE.totalArea;
      console.log(
        `Check (projections replayed in memory): as of ${HEADLINE.asOf} ${headline.projects} projects, ${fmtArea(headline.totalArea)} ㎡ ${ok ? '✓' : `✗ expected ${HEADLINE.projects} and ${fmtArea(HEADLINE.totalArea)}`}; now ${current.projects}, ${fmtArea(current.totalArea)} ㎡`,
      );
      if (!ok) code = 1;
    }
  } finally {
    await stores.events.close();
    await stores.reads.close();
  }
  process.exitCode = code;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
