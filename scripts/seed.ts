// npm run seed: imports the demo history into the configured stores, through the same command path as
// the API, each record with its historical time as `importedAt` (so its events carry occurredAt = that time
// and metadata.imported = true) and the importer, city_admin, as `importedBy`:
//   - the project listings (scripts/seed-data.ts), recorded by the importer itself;
//   - after 2017-09-30, complete procedures (scripts/seed-procedure-data.ts): notices, applications,
//     objections, allocations, results, contracts and an exchange, each step as the enterprise or officer
//     who took it on the legacy platform, run through src/api/procedure-commands.ts like the HTTP routes.
// The steps run in time order, the projects' and the procedures' interleaved.
//
// Re-running is safe: each step knows the stream revisions it produces (most steps append one event, a
// forfeiture with its 递补 two, in one append) and is skipped when the stream already holds them, so a
// finished seed appends nothing and an interrupted one resumes where it stopped.
//
//   DATA_DIR=/tmp/demo npm run seed            (or EVENTSTORE_URL=… for EventStoreDB: before the server starts, or with NATS_URL)
//   npm run seed -- --no-verify                skip the in-memory replay that checks the figures
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CommandHandler, type CommandMeta, type CommandResult } from '../src/application/command-handler.js';
import type { Services } from '../src/application/services.js';
import { loadConfig } from '../src/config.js';
import { projectDecider, projectStream } from '../src/domain/project.js';
import { type Actor, DISTRICTS, type District } from '../src/domain/shared.js';
import { parseAsOf } from '../src/domain/time.js';
import { openStores } from '../src/infra/compose.js';
import { EmbeddedReadStore } from '../src/infra/embedded-read-store.js';
import type { EventStore } from '../src/infra/event-store.js';
import { createServices } from '../src/application/services.js';
import { allProjections } from '../src/projections/index.js';
import { listFeed } from '../src/projections/procedure-queries.js';
import { FEED_KINDS } from '../src/projections/public-feed.js';
import { ProjectionRunner } from '../src/projections/runner.js';
import { currentStatistics, statisticsAsOf } from '../src/projections/statistics.js';
import { HEADLINE, SEED_ACTOR, type SeedExpectations, type SeedPlan, type SeedStep, buildSeedPlan, dryRun, resolveCommand, seedId } from './seed-data.js';
import { LEGACY_CALENDAR, type ProcedurePlan, type ProcedureStep, buildProcedurePlan } from './seed-procedure-data.js';
import { type ResolvedStep, resolveProcedureStep } from './seed-procedures.js';
import { type DemandSeedStep, buildDemandPlan } from './seed-demand-data.js';
import * as demands from '../src/application/demands.js';
import { demandStream } from '../src/domain/demand.js';

export { HEADLINE, SEED_ACTOR, buildSeedPlan, dryRun } from './seed-data.js';
export { LEGACY_CALENDAR, buildProcedurePlan } from './seed-procedure-data.js';
export { buildDemandPlan } from './seed-demand-data.js';

export interface SeedResult {
  /** The whole plan was already in the log: nothing was appended. */
  alreadySeeded: boolean;
  /** Part of the plan was in the log (an interrupted run): the rest was appended. */
  resumed: boolean;
  /** Events appended by this run. */
  appended: number;
  /** Steps already in the log. */
  skipped: number;
  /** Steps of the whole plan, projects' and procedures'. */
  steps: number;
  /** Events the whole plan appends (a step may append more than one). */
  events: number;
  /** Log head after the run. */
  head: number;
  expected: SeedExpectations;
  plan: SeedPlan;
  procedures: ProcedurePlan;
}

export interface SeedOptions {
  log?: (line: string) => void;
}

type Step = { at: string; index: number } & ({ kind: 'project'; step: SeedStep } | { kind: 'procedure'; step: ProcedureStep } | { kind: 'demand'; step: DemandSeedStep });

const KIND_ORDER = { project: 0, procedure: 1, demand: 2 } as const;

/** The plans in one time order (a project step first when two share a time, then a procedure's). */
function interleave(plan: SeedPlan, procedures: ProcedurePlan, demandSteps: DemandSeedStep[]): Step[] {
  const steps: Step[] = [
    ...plan.steps.map((step, index): Step => ({ kind: 'project', at: step.at, index, step })),
    ...procedures.steps.map((step, index): Step => ({ kind: 'procedure', at: step.at, index, step })),
    ...demandSteps.map((step, index): Step => ({ kind: 'demand', at: step.at, index, step })),
  ];
  return steps.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.kind === b.kind ? a.index - b.index : KIND_ORDER[a.kind] - KIND_ORDER[b.kind]));
}

/** A demand step through the same use cases as POST /api/demands and its sub-routes. */
function resolveDemandStep(step: DemandSeedStep) {
  const { demandId, action: a } = step;
  const run = (services: Services, meta: CommandMeta): Promise<CommandResult> => {
    switch (a.type) {
      case 'reportDemand':
        return demands.reportDemand(services, { demandId, spec: a.spec }, meta);
      case 'followUpDemand':
        return demands.followUpDemand(services, { demandId, note: a.note }, meta);
      case 'brokerDemand':
        return demands.brokerDemand(services, { demandId, projectId: a.projectId, note: a.note }, meta);
      case 'giveDemandFeedback':
        return demands.giveDemandFeedback(services, { demandId, satisfied: a.satisfied, note: a.note }, meta);
      case 'withdrawDemand':
        return demands.withdrawDemand(services, { demandId, reason: a.reason }, meta);
      case 'closeDemand':
        return demands.closeDemand(services, { demandId, outcome: a.outcome, reason: a.reason }, meta);
    }
  };
  return { stream: demandStream(demandId), actor: step.actor, run };
}

/** The services the import runs on: the log, and read models of it kept in memory for the steps that consult them. */
async function openSeedPlatform(events: EventStore): Promise<{ services: Services; close(): Promise<void> }> {
  const reads = EmbeddedReadStore.open(null);
  const services = createServices(events, reads, { calendar: LEGACY_CALENDAR, consistencyTimeoutMs: 60_000, batchSize: 1000 });
  await services.runner.start();
  return {
    services,
    async close() {
      await services.runner.stop();
      await reads.close();
    },
  };
}

/** Imports the plan into `events`. Deterministic, and idempotent per step. */
export async function runSeed(events: EventStore, options: SeedOptions = {}): Promise<SeedResult> {
  const log = options.log ?? (() => {});
  const plan = buildSeedPlan();
  const expected = dryRun(plan); // throws if any project command of the plan would be refused
  if (expected.headline.projects !== HEADLINE.projects || expected.headline.totalArea !== HEADLINE.totalArea) {
    throw new Error(`seed plan is wrong: ${expected.headline.projects} projects, ${expected.headline.totalArea} ㎡ as of ${HEADLINE.asOf}`);
  }
  const procedures = buildProcedurePlan(plan);
  const demandSteps = buildDemandPlan(plan);
  const steps = interleave(plan, procedures, demandSteps);

  // How far each stream already is (read once, then counted), and the revision the next planned step on it gets.
  const lengths = new Map<string, number>();
  const lengthOf = async (stream: string) => lengths.get(stream) ?? lengths.set(stream, (await events.readStream(stream)).length).get(stream)!;
  const next = new Map<string, number>();
  const reader = new CommandHandler(events); // resolves what a procedure step names by its place

  let opened: Awaited<ReturnType<typeof openSeedPlatform>> | null = null;
  let appended = 0;
  let skipped = 0;
  let planned = 0;
  let head = 0;
  try {
    for (const s of steps) {
      const target: ResolvedStep =
        s.kind === 'project'
          ? { stream: projectStream(s.step.projectId), actor: SEED_ACTOR, run: (p: Services, meta: CommandMeta) => runProjectStep(p, s.step, meta) }
          : s.kind === 'demand'
            ? resolveDemandStep(s.step)
            : await resolveProcedureStep(s.step, events, reader);
      const appends = target.appends ?? 1;
      planned += appends;
      const revision = next.get(target.stream) ?? 0;
      next.set(target.stream, revision + appends);
      // A step's events are one append: the first there means all are.
      if ((await lengthOf(target.stream)) > revision) {
        skipped++;
        continue;
      }
      if (!opened) {
        if (skipped > 0) log(`seed: ${skipped} of ${steps.length} steps are already in the log (an earlier run stopped?); appending the rest`);
        opened = await openSeedPlatform(events);
      }
      const result = await target.run(opened.services, metaOf(s, target.actor, revision));
      if (result.revision !== revision + appends - 1) {
        throw new Error(`seed step at ${s.at} on ${target.stream} appended ${result.revision - revision + 1} events, the plan says ${appends}`);
      }
      lengths.set(target.stream, result.revision + 1);
      head = result.position;
      appended += appends;
      if (appended % 100 < appends) log(`seed: ${appended} events appended…`);
    }
  } finally {
    await opened?.close();
  }
  const alreadySeeded = appended === 0;
  return { alreadySeeded, resumed: !alreadySeeded && skipped > 0, appended, skipped, steps: steps.length, events: planned, head: head || (await events.headPosition()), expected, plan, procedures };
}

/** Who and when: the step's actor and time, imported by SEED_ACTOR, at exactly the revision the plan puts it. */
function metaOf(s: Step, actor: Actor, revision: number): CommandMeta {
  return {
    actor,
    importedAt: s.at,
    importedBy: SEED_ACTOR,
    expectedRevision: revision - 1, // anything else is a conflict, not a duplicate
    requestId: seedId(s.kind === 'project' ? `request-${s.index}` : `request-${s.kind}-${s.index}`),
    correlationId: seedId(s.kind === 'project' ? `import-project-${s.step.project}` : s.kind === 'demand' ? `import-${s.step.demandId}` : `import-${s.step.procedure}`),
  };
}

async function runProjectStep(services: Services, s: SeedStep, meta: CommandMeta): Promise<CommandResult> {
  const stream = projectStream(s.projectId);
  // A unit to remove is named by its place in the plan; its id was drawn when it was registered.
  const state = s.command.type === 'RemoveUnitAt' ? (await services.commands.load(projectDecider, stream, true)).state : projectDecider.initialState;
  return services.commands.execute(projectDecider, stream, s.projectId, resolveCommand(s.command, state), meta);
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
    const feed = Object.fromEntries(await Promise.all(FEED_KINDS.map(async (kind) => [kind, (await listFeed(reads, { kind, page: 1, pageSize: 1 })).total] as const)));
    return { headline, current, feed };
  } finally {
    await runner.stop();
    await reads.close();
  }
}

const fmtArea = (a: number) => a.toLocaleString('en-US', { maximumFractionDigits: 2 });

function printSummary(result: SeedResult, describe: string, print: (line: string) => void) {
  const { expected: e, plan } = result;
  print(`Imported ${result.appended} events (${plan.projects.length} projects) into ${describe}; log head ${result.head}.`);
  print(`  listing events by type: ${Object.entries(e.byType).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  print(`  publications by year (CST): ${Object.entries(e.publishedByYear).map(([y, n]) => `${y}: ${n}`).join(', ')}`);
  print(`  as of ${HEADLINE.asOf} (end of day, CST): ${e.headline.projects} published projects, ${fmtArea(e.headline.totalArea)} ㎡`);
  const rows = Object.entries(e.headline.byDistrict).sort((a, b) => b[1].totalArea - a[1].totalArea);
  for (const [d, v] of rows) print(`    ${DISTRICTS[d as District].padEnd(8, '　')} ${String(v.projects).padStart(3)}  ${fmtArea(v.totalArea).padStart(12)} ㎡`);
  print(`  now (after the activity up to ${e.lastAt.slice(0, 10)}): ${e.current.projects} published projects, ${fmtArea(e.current.totalArea)} ㎡`);
  const { procedures } = result;
  print(`  procedures after ${HEADLINE.asOf} (${procedures.steps.length} steps, ${procedures.steps[0]!.at.slice(0, 10)} to ${procedures.steps.at(-1)!.at.slice(0, 10)}):`);
  for (const n of procedures.notices) print(`    notice ${n.noticeId}: ${DISTRICTS[n.district]} ${n.projectName}, allocated by ${n.method}`);
  for (const x of procedures.exchanges) print(`    exchange ${x.exchangeId}: the tenant of allocation #${x.tenantOf.place + 1} of notice ${x.tenantOf.noticeId}`);
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
      const { headline, current, feed } = await verifySeed(stores.events);
      const ok = headline.projects === HEADLINE.projects && headline.totalArea === HEADLINE.totalArea;
      console.log(
        `Check (projections replayed in memory): as of ${HEADLINE.asOf} ${headline.projects} projects, ${fmtArea(headline.totalArea)} ㎡ ${ok ? '✓' : `✗ expected ${HEADLINE.projects} and ${fmtArea(HEADLINE.totalArea)}`}; now ${current.projects}, ${fmtArea(current.totalArea)} ㎡`,
      );
      const feedOk = FEED_KINDS.every((k) => feed[k]! > 0);
      console.log(`  public feed: ${FEED_KINDS.map((k) => `${k} ${feed[k]}`).join(', ')} ${feedOk ? '✓' : '✗ every kind expected'}`);
      if (!ok || !feedOk) code = 1;
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
