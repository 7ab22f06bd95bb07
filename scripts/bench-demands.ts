// Issue 8's rows: live matching at scale — one project's space changes, how long until the candidates
// of the demands it concerns are updated, through the projection runner as the server wires it — and
// an officer's demand queue (GET /api/demands) over HTTP beside a bare Fastify serving the same body.
import { createSigner } from 'fast-jwt';
import { updateProject } from '../src/application/projects.js';
import type { Services } from '../src/application/services.js';
import { DEMAND_CANDIDATES } from '../src/projections/demand-matching.js';
import { DEMANDS } from '../src/projections/demands.js';
import { PROJECTS } from '../src/projections/project-search.js';
import { BENCH_ACTOR } from './bench-log.js';
import { type Compared, SECRET, int, load, log, meets, ms, notes, percentile, row } from './bench-kit.js';
import type { ScenarioLog } from './bench-scenario-log.js';

/**
 * Toggles the market area of published projects that some demand lists between nothing usable (1 ㎡: no
 * demand fits, so they leave the lists) and their whole area (they come back), one change at a time, each measured from the command's answer (the append) until the
 * runner — demand matching included, which commits with its batch — has processed it.
 */
export async function matchingFigures(services: Services, scenario: ScenarioLog, samples: number): Promise<void> {
  const reads = services.reads;
  // A server's steady state: the rankings the runner warms at a start (up to ~20 s under 1,000 commands/s
  // at 1M events, see the README) are ready. Changes before that rank their demands afresh.
  const waitFrom = performance.now();
  await services.runner.warmed();
  const waited = performance.now() - waitFrom;
  const openDemands = await reads.count(DEMANDS, { status: 'open' });
  const published = await reads.count(PROJECTS, { status: 'published' });
  log(`7d. matching: ${samples} single changes of candidate projects (market area 1 ㎡ ↔ whole area) with ${int(openDemands)} open demands and ${int(published)} published projects`);
  const projects = scenario.projects;
  // Projects that are candidates of some demand, so each change has demands to update (a project no list
  // names would measure a batch with nothing to do); the project log's own, whose areas the bench knows.
  const listed = new Set<string>();
  for (const doc of await reads.find(DEMAND_CANDIDATES, {})) for (const c of (doc.candidates as { projectId: string }[] | undefined) ?? []) listed.add(c.projectId);
  const chosen = projects.published.filter((id) => listed.has(id)).sort(() => Math.random() - 0.5).slice(0, Math.ceil(samples / 2));
  if (chosen.length === 0) {
    notes.push('matching: no published project is a candidate of any demand: row skipped');
    return;
  }
  const lags: number[] = [];
  const commandTimes: number[] = [];
  const changedLists: number[] = [];
  for (let k = 0; k < samples; k++) {
    const id = chosen[Math.floor(k / 2) % chosen.length]!;
    const state = projects.states.get(id)!.state;
    if (state.status === 'none') continue;
    const whole = state.fields.totalArea;
    const before = await reads.count(DEMAND_CANDIDATES, { 'candidates.projectId': id });
    const s0 = performance.now();
    const result = await updateProject(services, { projectId: id, changes: { availableArea: k % 2 === 0 ? 1 : whole }, reason: '租售情况变化，更新未租售用房面积' }, { actor: BENCH_ACTOR });
    const answered = performance.now();
    if (!(await services.runner.waitFor(result.position, 30_000))) throw new Error(`matching: position ${result.position} not processed after 30 s`);
    lags.push(performance.now() - answered);
    commandTimes.push(answered - s0);
    // Not timed: how many demands' lists the change touched (it must touch some, or nothing was measured).
    changedLists.push(Math.abs((await reads.count(DEMAND_CANDIDATES, { 'candidates.projectId': id })) - before));
  }
  lags.sort((a, b) => a - b);
  commandTimes.sort((a, b) => a - b);
  const touched = changedLists.filter((n) => n > 0).length;
  const sortedChanged = [...changedLists].sort((a, b) => a - b);
  if (touched === 0) notes.push('matching: no change moved any candidate list: the row measured nothing useful');
  const p99 = percentile(lags, 99);
  row(
    `matching after one change of a candidate project (market area 1 ㎡ ↔ whole), ${int(openDemands)} open demands, ${int(published)} published projects: append → candidates updated (runner as the server wires it), p99 of ${lags.length}`,
    `p99 ${ms(p99)} (p50 ${ms(percentile(lags, 50))}, max ${ms(lags.at(-1)!)}; command p99 ${ms(percentile(commandTimes, 99))}; ${touched} of ${lags.length} changes moved candidate lists, median ${percentile(sortedChanged, 50)} lists; after the start's warm-up, waited ${ms(waited)})`,
    'goal p99 ≤ 50 ms (issue 8, 10,000 open demands and 5,000 projects)',
    meets(p99 <= 50),
  );
}

/** GET /api/demands as a district officer (the first page of the district's queue, candidates included). */
export async function demandQueueRequest(url: string): Promise<Compared> {
  const token = createSigner({ key: SECRET, expiresIn: 3_600_000 })({ sub: 'bench-officer-nanshan-1', role: 'housing_dept', district: 'nanshan', name: '南山区住房和建设局经办人1' });
  const headers = { authorization: `Bearer ${token}` };
  const res = await fetch(`${url}/api/demands`, { headers });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`GET /api/demands answered ${res.status}: ${body.slice(0, 300)}`);
  const total = (JSON.parse(body) as { total: number }).total;
  return {
    name: `GET /api/demands as a district officer (first page of ${int(total)}, with candidates)`,
    body,
    run: () => load(url, { headers, requests: [{ method: 'GET', path: '/api/demands' }] }),
  };
}
