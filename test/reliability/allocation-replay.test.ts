// Replay re-derives the same allocation (配租/配售): for every AllocationDecided in the log, (1) the
// deterministic allocate() on the event's recorded inputs, offer and effective seed gives exactly its order
// and allocations, and for a lottery the effective seed is re-derived from the revealed seed and the
// recorded inputs (lotteryDraw()) and the seed hashes to the commitment published with the notice; (2) those recorded inputs are what the log says about the applications at that moment;
// (3) re-deciding DecideAllocation through the notice decider, on the notice state folded from the
// events before it and with the application facts folded from their streams up to it, gives the same
// event data. The log is produced over real HTTP, with withdrawals and re-submissions, 补正, a negative
// review and objections upheld with new reviews, so the facts change over time and only a correct fold
// up to the decision reproduces it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApplicationFacts, type ApplicationState, applicationDecider, applicationFacts, applicationStream } from '../../src/domain/application.js';
import { ALLOCATION_ALGORITHM, type AllocationMethod, type OfferedUnit, allocate, lotteryDraw } from '../../src/domain/allocation.js';
import { type NoticeEvent, type NoticeState, decideNotice, noticeDecider, noticeStream } from '../../src/domain/notice.js';
import type { Actor } from '../../src/domain/shared.js';
import type { RecordedEvent } from '../../src/infra/event-store.js';
import { type TestServer, startServer } from '../api/harness.js';
import { Api, Clock, DAY, type Enterprise, MINUTE, enterprise, leaseFrom, sha256, submitBody } from '../api/procedure-kit.js';

const clock = new Clock('2027-08-02T02:00:00.000Z');
let srv: TestServer;
let api: Api;
const decided = new Map<AllocationMethod, string>(); // method → noticeId
const SEED = '2027年8月 南山区创新型产业用房公开摇号 公证编号(2027)深南证字第0815号';

/** A decision on units (allocation.ts rule 6) re-derives from its recorded units and cap. */
const unitTerms = (d: { units?: OfferedUnit[]; maxAreaPerEnterprise?: number }) => (d.units ? { offered: d.units, ...(d.maxAreaPerEnterprise !== undefined ? { cap: d.maxAreaPerEnterprise } : {}) } : undefined);

let next = 7000;
const fresh = (): Enterprise => enterprise(next++);
const enc = encodeURIComponent;

/** One notice through the procedure, with the facts of its applications changing along the way. */
async function runNotice(method: AllocationMethod): Promise<string> {
  // A lottery's seed is committed with the notice (commit–reveal).
  const n = await api.notice({ area: 1500, publicityWorkingDays: 2, ...(method === 'lottery' ? { extra: { lotterySeedSha256: sha256(SEED) } } : {}) });
  clock.to(n.opensAt);
  const who = Array.from({ length: 8 }, () => fresh());
  const areas = [500, 300, 450, 250, 600, 350, 200, 400];
  const ids: string[] = [];
  for (const [i, e] of who.entries()) {
    clock.advance(MINUTE);
    const res = await api.submit(n.noticeId, e, areas[i]!);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    ids.push(res.body.id);
  }
  const path = (i: number) => `/api/applications/${enc(ids[i]!)}`;
  // 0 withdraws and applies again for less: its queue number is now the last.
  await api.ok(who[0]!, 'POST', `${path(0)}/withdraw`, { reason: '调整申请面积' });
  await api.ok(who[0]!, 'POST', `/api/notices/${n.noticeId}/applications`, submitBody(who[0]!, 420), 201);
  // 7 withdraws for good.
  await api.ok(who[7]!, 'POST', `${path(7)}/withdraw`);
  // 1 is returned for material and resubmits.
  await api.ok('nanshan', 'POST', `${path(1)}/return`, { missing: ['社保缴纳证明'] });
  await api.ok(who[1]!, 'POST', `${path(1)}/resubmit`, { documents: [{ name: '社保缴纳证明.pdf', sha256: 'e'.repeat(64) }] });
  // Reviews; 2 and 3 tie on score; 6 is unqualified.
  const scores = [81, 77, 85, 85, 90, 70, 0];
  for (let i = 0; i < 7; i++) await api.review(ids[i]!, i !== 6, i !== 6 ? scores[i] : undefined);
  clock.to(Date.parse(n.closesAt) + MINUTE);
  const { endsAt } = await api.startPublicity(n.noticeId);
  // Objections: 4 loses its qualification; 5 keeps it with a better score.
  for (const [target, by] of [
    [4, 2],
    [5, 3],
  ] as const) {
    await api.ok(who[by]!, 'POST', `/api/notices/${n.noticeId}/objections`, { applicationId: ids[target], content: '申报数据存疑' }, 201);
    const [objectionId] = await api.objectionsOf(ids[target]!);
    await api.ok('cityDept', 'POST', `/api/objections/${objectionId}/resolve`, { upheld: true, reason: '需重新审查' });
  }
  await api.ok('nanshan', 'POST', `${path(4)}/review`, { qualified: false, reasons: ['研发人员数量不实'] });
  await api.ok('nanshan', 'POST', `${path(5)}/review`, { qualified: true, reasons: [], score: 95 });
  clock.to(Date.parse(endsAt) + MINUTE);
  const alloc = await api.ok('nanshan', 'POST', `/api/notices/${n.noticeId}/allocation`, { method, ...(method === 'lottery' ? { seed: SEED } : {}) });
  // Life goes on after the decision: the result, a lease.
  await api.ok('nanshan', 'POST', `/api/notices/${n.noticeId}/results`);
  const first = (alloc.allocations as { applicationId: string; area: number }[])[0]!;
  await api.ok('nanshan', 'POST', `/api/applications/${enc(first.applicationId)}/contract`, { area: first.area, contractRef: `NS-${method}`, signedOn: clock.iso, ...leaseFrom(clock.iso) });
  clock.advance(DAY);
  return n.noticeId;
}

beforeAll(async () => {
  srv = await startServer({ clock: clock.read });
  api = new Api(srv, clock);
  for (const method of ['lottery', 'ranking', 'first_come'] as const) decided.set(method, await runNotice(method));
});
afterAll(async () => {
  await srv?.close();
});

type AllocationDecided = Extract<NoticeEvent, { type: 'AllocationDecided' }>;
const asDomain = <E>(e: RecordedEvent) => ({ type: e.type, data: e.data }) as E;

/** The notice's commitment to a lottery seed, as NoticePublished recorded it. */
async function commitmentOf(noticeId: string): Promise<string | undefined> {
  const [published] = await srv.services.events.readStream(noticeStream(noticeId));
  expect(published?.type).toBe('NoticePublished');
  return (published!.data as { lotterySeedSha256?: string }).lotterySeedSha256;
}

async function allocationEvent(noticeId: string): Promise<RecordedEvent & { data: AllocationDecided['data'] }> {
  const events = await srv.services.events.readStream(noticeStream(noticeId));
  const found = events.filter((e) => e.type === 'AllocationDecided');
  expect(found).toHaveLength(1);
  return found[0] as RecordedEvent & { data: AllocationDecided['data'] };
}

/** The notice as it stood just before `position`. */
async function noticeBefore(noticeId: string, position: number): Promise<NoticeState> {
  let state: NoticeState = noticeDecider.initialState;
  for (const e of await srv.services.events.readStream(noticeStream(noticeId))) if (e.position < position) state = noticeDecider.evolve(state, asDomain(e));
  return state;
}

/** An application's facts as they stood just before `position`, folded from its own stream. */
async function factsBefore(applicationId: string, position: number): Promise<ApplicationFacts> {
  let state: ApplicationState = applicationDecider.initialState;
  let submittedPosition = 0;
  for (const e of await srv.services.events.readStream(applicationStream(applicationId))) {
    if (e.position >= position) break;
    state = applicationDecider.evolve(state, asDomain(e));
    if (e.type === 'ApplicationSubmitted') submittedPosition = e.position;
  }
  if (state.status === 'none') throw new Error(`no application ${applicationId} before ${position}`);
  return applicationFacts(state, submittedPosition);
}

async function listedFacts(noticeId: string, position: number): Promise<{ before: NoticeState; facts: ApplicationFacts[] }> {
  const before = await noticeBefore(noticeId, position);
  if (before.status === 'none' || !before.publicity) throw new Error('no publicity before the allocation');
  const facts = await Promise.all(before.publicity.list.map((entry) => factsBefore(entry.applicationId, position)));
  return { before, facts };
}

function redecide(event: RecordedEvent & { data: AllocationDecided['data'] }, before: NoticeState, facts: ApplicationFacts[], seed = event.data.seed) {
  return decideNotice({ type: 'DecideAllocation', method: event.data.method, ...(seed !== undefined ? { seed } : {}), applications: facts }, before, {
    actor: event.metadata.actor as Actor,
    now: event.occurredAt,
    newId: () => {
      throw new Error('an allocation creates no ids');
    },
  });
}

describe.each(['lottery', 'ranking', 'first_come'] as const)('an AllocationDecided by %s', (method) => {
  it('allocate() on the recorded inputs, offer and effective seed gives exactly the recorded order and allocations', async () => {
    const e = await allocationEvent(decided.get(method)!);
    const d = e.data;
    expect(d.method).toBe(method);
    expect(d.algorithm).toBe(ALLOCATION_ALGORITHM);
    if (method === 'lottery') {
      // The seed revealed is the one committed to before anyone applied…
      expect(d.seed).toBe(SEED);
      expect(sha256(d.seed!)).toBe(await commitmentOf(decided.get(method)!));
      expect(d.lotterySeedSha256).toBe(sha256(SEED));
      // …and the draw ran on it mixed with the recorded candidates, re-derived here.
      expect({ candidatesSha256: d.candidatesSha256, effectiveSeed: d.effectiveSeed }).toEqual(lotteryDraw(SEED, d.inputs));
      expect(d.candidatesSha256).toBe(sha256(JSON.stringify(d.inputs.map((i) => i.applicationId))));
    } else {
      for (const key of ['seed', 'lotterySeedSha256', 'candidatesSha256', 'effectiveSeed'] as const) expect(d[key]).toBeUndefined();
    }
    const again = allocate(d.method, d.inputs, d.offeredArea, d.effectiveSeed, unitTerms(d));
    expect(again).toEqual({ order: d.order, allocations: d.allocations, allocatedArea: d.allocatedArea });
    // Not a vacuous comparison: the candidates compete (more asked than offered) and someone goes without.
    expect(d.inputs.reduce((t, i) => t + i.requestedArea, 0)).toBeGreaterThan(d.offeredArea);
    expect(d.allocations.length).toBeLessThan(d.inputs.length);
    expect(d.allocatedArea).toBeLessThanOrEqual(d.offeredArea);
  });

  it('the recorded inputs are what the log says about each application at the moment of the decision', async () => {
    const e = await allocationEvent(decided.get(method)!);
    const { facts } = await listedFacts(decided.get(method)!, e.position);
    // Candidates: the listed applications whose latest review (before the decision) is qualified.
    const qualified = facts.filter((f) => f.status === 'reviewed' && f.qualified === true);
    expect(e.data.inputs.map((i) => i.applicationId).sort()).toEqual(qualified.map((f) => f.applicationId).sort());
    for (const input of e.data.inputs) {
      const events = (await srv.services.events.readStream(applicationStream(input.applicationId))).filter((x) => x.position < e.position);
      const submitted = events.filter((x) => x.type === 'ApplicationSubmitted');
      const lastSubmitted = submitted[submitted.length - 1]!;
      const reviews = events.filter((x) => x.type === 'QualificationReviewed');
      const lastReview = reviews[reviews.length - 1]!.data as { qualified: boolean; score?: number };
      expect(input.submittedPosition).toBe(lastSubmitted.position);
      expect(input.requestedArea).toBe((lastSubmitted.data as { requestedArea: number }).requestedArea);
      expect(lastReview.qualified).toBe(true);
      expect(input.score).toBe(lastReview.score);
    }
    // The fold matters here: one candidate applied twice (its queue number is the second submission),
    // and one was reviewed twice (its score is the second review's).
    expect(e.data.inputs.some((i) => i.requestedArea === 420)).toBe(true);
    expect(e.data.inputs.some((i) => i.score === 95)).toBe(true);
  });

  it('re-deciding DecideAllocation on the state before it, with the same facts, gives the same event', async () => {
    const noticeId = decided.get(method)!;
    const e = await allocationEvent(noticeId);
    const { before, facts } = await listedFacts(noticeId, e.position);
    expect(before.status).toBe('closed');
    const events = redecide(e, before, facts);
    expect(events).toEqual([{ type: 'AllocationDecided', data: e.data }]);
    // And folding the whole stream gives the recorded allocation as the notice's state.
    let state: NoticeState = noticeDecider.initialState;
    for (const x of await srv.services.events.readStream(noticeStream(noticeId))) state = noticeDecider.evolve(state, asDomain(x));
    // (with the full derived order and inputs kept for 递补; the result adds each winner's signing deadline)
    const allocation = state.status !== 'none' ? state.allocation : undefined;
    expect(allocation).toMatchObject({ method, order: e.data.order, inputs: e.data.inputs, released: [] });
    expect(allocation!.allocations.map(({ applicationId, area, rank }) => ({ applicationId, area, rank }))).toEqual(e.data.allocations);
  });

  it('the comparison would notice a different fact (and, for a lottery, a different seed)', async () => {
    const noticeId = decided.get(method)!;
    const e = await allocationEvent(noticeId);
    const { before, facts } = await listedFacts(noticeId, e.position);
    // The first allocated candidate found unqualified after all: the decision would differ.
    const winner = e.data.allocations[0]!.applicationId;
    const changed = facts.map((f) => (f.applicationId === winner ? { ...f, qualified: false } : f));
    expect(redecide(e, before, changed)).not.toEqual([{ type: 'AllocationDecided', data: e.data }]);
    if (method === 'lottery') {
      // Another seed is not even accepted: it does not hash to the commitment.
      for (const seed of ['another seed', `${SEED} `, 'seed-3']) expect(() => redecide(e, before, facts, seed)).toThrow(expect.objectContaining({ code: 'SEED_MISMATCH' }));
      // Were it drawn, another seed (or the same seed over another candidate list) would give another order.
      const inputs = e.data.inputs;
      const orders = ['another seed', 'seed-3', 'seed-4', 'seed-5'].map((seed) => allocate('lottery', inputs, e.data.offeredArea, lotteryDraw(seed, inputs).effectiveSeed).order);
      expect(orders.some((o) => JSON.stringify(o) !== JSON.stringify(e.data.order))).toBe(true);
      expect(lotteryDraw(SEED, inputs.slice(1)).effectiveSeed).not.toBe(e.data.effectiveSeed);
      // And the draw is not the one on the revealed seed alone.
      const tries = [inputs, inputs.slice(1), inputs.slice(2)].map((xs) => [allocate('lottery', xs, e.data.offeredArea, SEED).order, allocate('lottery', xs, e.data.offeredArea, lotteryDraw(SEED, xs).effectiveSeed).order]);
      expect(tries.some(([plain, mixed]) => JSON.stringify(plain) !== JSON.stringify(mixed))).toBe(true);
    }
  });
});

it('every AllocationDecided in the whole log re-derives from its recorded inputs', async () => {
  const all = (await srv.services.events.readAll(0, 1_000_000)).filter((e) => e.type === 'AllocationDecided');
  expect(all).toHaveLength(3);
  for (const e of all) {
    const d = e.data as AllocationDecided['data'];
    if (d.method === 'lottery') {
      expect(sha256(d.seed!)).toBe(await commitmentOf(d.noticeId));
      expect(d.effectiveSeed).toBe(lotteryDraw(d.seed!, d.inputs).effectiveSeed);
    }
    expect(allocate(d.method, d.inputs, d.offeredArea, d.effectiveSeed, unitTerms(d))).toEqual({ order: d.order, allocations: d.allocations, allocatedArea: d.allocatedArea });
  }
});
