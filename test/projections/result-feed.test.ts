// The feed's result as it stands after the changes the notice's decider allows: a revocation and its 递补,
// that 递补's missed signing deadline, a withdrawal with nobody to take the space. Events come from the real
// decider; the answer from the feed's own query.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CALENDAR } from '../../src/domain/calendar.js';
import { type NoticeCommand, type NoticeEvent, type NoticeState, noticeDecider } from '../../src/domain/notice.js';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import { listFeed } from '../../src/projections/procedure-queries.js';
import { publicFeed } from '../../src/projections/public-feed.js';
import { actors, testContext } from '../domain/decider-spec.js';
import { decided, published, ref as fixtureRef } from '../domain/forfeiture-fixtures.js';
import { project, recorded } from './projection-spec.js';

const ref = { ...fixtureRef, projectId: 'p-1' };
const signing = { calendar: DEFAULT_CALENDAR, workingDays: 5 };
const entry = (applicationId: string, n: number) => ({ applicationId, enterpriseName: `企业${applicationId}`, creditCode: `9144030000000000${n}X`, qualified: true, reasons: [] });
const history: NoticeEvent[] = [
  published,
  { type: 'QualificationPublicityStarted', data: { ...ref, startsAt: '2026-01-07T02:00:00.000Z', endsAt: '2026-01-14T02:00:00.000Z', list: [entry('b', 1), entry('d', 2), entry('a', 3), entry('e', 4)] } },
  decided,
];

/** The notice's events so far, and a step that decides a command on them at `now` and appends what it decides. */
function procedure() {
  const events: { event: NoticeEvent; at: string }[] = history.map((event) => ({ event, at: '2026-01-20T02:00:00.000Z' }));
  const state = (): NoticeState => events.reduce<NoticeState>((s, e) => noticeDecider.evolve(s, e.event), noticeDecider.initialState);
  return {
    events,
    step(command: NoticeCommand, now: string) {
      for (const event of noticeDecider.decide(command, state(), testContext(actors.nanshan, now))) events.push({ event, at: now });
    },
    async feed() {
      const store = EmbeddedReadStore.open(null);
      await store.ensureIndexes(publicFeed.indexes);
      await project(store, publicFeed, events.map(({ event, at }, i) => recorded({ ...event, occurredAt: at }, i + 1)));
      const [result] = (await listFeed(store, { kind: 'result', page: 1, pageSize: 10 })).items;
      return result as unknown as { title: string; revisedAt?: string; revisionCount?: number; body: { allocatedArea: number; allocations: Record<string, unknown>[]; changes?: Record<string, unknown>[] } };
    },
  };
}
const forfeit = (applicationId: string, reason: 'signing_deadline' | 'withdrawn' | 'revoked'): NoticeCommand => ({ type: 'ForfeitAllocation', applicationId, reason, signed: false, signing });
const title = (n: number, area: number) => `租售结果公布：南山区 项目 p-1（出租，${n} 家企业获配 ${area}㎡）`;

describe('the public result follows its allocations after it is published', () => {
  it('a revocation and its 递补, the 递补 forfeited at its deadline, a withdrawal nobody can take up', async () => {
    const p = procedure();
    p.step({ type: 'PublishResult', signing }, '2026-02-02T02:00:00.000Z');
    const published = await p.feed();
    expect(published.title).toBe(title(2, 2000));
    expect(published.body.allocations).toEqual([
      { applicationId: 'b', area: 1000, rank: 1, status: 'allocated', enterpriseName: '企业b', creditCode: '91440300000000001X' },
      { applicationId: 'a', area: 1000, rank: 3, status: 'allocated', enterpriseName: '企业a', creditCode: '91440300000000003X' },
    ]);
    expect(published).not.toHaveProperty('revisionCount');
    expect(published.body).not.toHaveProperty('changes');

    // 撤销 a: e (800 ㎡, next in order who fits 1000) takes it up.
    p.step(forfeit('a', 'revoked'), '2026-02-03T02:00:00.000Z');
    const revoked = await p.feed();
    expect(revoked.title).toBe(title(2, 1800));
    expect(revoked.body.allocatedArea).toBe(1800);
    expect(revoked.body.allocations.map((a) => [a.applicationId, a.status, a.via, a.replaces, a.endedHow])).toEqual([
      ['b', 'allocated', undefined, undefined, undefined],
      ['a', 'revoked', undefined, undefined, '撤销'],
      ['e', 'allocated', 'waitlist', 'a', undefined],
    ]);

    // e misses its own signing deadline (counted from its 递补): nobody left fits; then b withdraws.
    p.step(forfeit('e', 'signing_deadline'), '2026-02-12T02:00:00.000Z');
    p.step(forfeit('b', 'withdrawn'), '2026-02-13T02:00:00.000Z');
    const last = await p.feed();
    expect(p.events.map((e) => e.event.type).slice(history.length)).toEqual(['ResultPublished', 'AllocationForfeited', 'WaitlistAllocated', 'AllocationForfeited', 'AllocationForfeited']);
    expect(last.title).toBe(title(0, 0));
    expect(last.body.allocatedArea).toBe(0);
    expect(last.body.allocations.map((a) => [a.applicationId, a.status, a.endedHow, a.endedAt])).toEqual([
      ['b', 'forfeited', '放弃', '2026-02-13T02:00:00.000Z'],
      ['a', 'revoked', '撤销', '2026-02-03T02:00:00.000Z'],
      ['e', 'forfeited', '逾期未签约', '2026-02-12T02:00:00.000Z'],
    ]);
    expect(last.body.changes).toEqual([
      { kind: 'revoked', kindName: '撤销', applicationId: 'a', area: 1000, at: '2026-02-03T02:00:00.000Z', enterpriseName: '企业a', creditCode: '91440300000000003X' },
      { kind: 'waitlist', kindName: '递补', applicationId: 'e', area: 800, rank: 4, replaces: 'a', at: '2026-02-03T02:00:00.000Z', enterpriseName: '企业e', creditCode: '91440300000000004X' },
      { kind: 'signing_deadline', kindName: '逾期未签约', applicationId: 'e', area: 800, at: '2026-02-12T02:00:00.000Z', enterpriseName: '企业e', creditCode: '91440300000000004X' },
      { kind: 'withdrawn', kindName: '放弃', applicationId: 'b', area: 1000, at: '2026-02-13T02:00:00.000Z', enterpriseName: '企业b', creditCode: '91440300000000001X' },
    ]);
    expect([last.revisedAt, last.revisionCount]).toEqual(['2026-02-13T02:00:00.000Z', 4]);
  });

  it('a withdrawal and its 递补 before the result are in the published allocations, not listed as changes', async () => {
    const p = procedure();
    p.step(forfeit('a', 'withdrawn'), '2026-01-30T02:00:00.000Z');
    p.step({ type: 'PublishResult', signing }, '2026-02-02T02:00:00.000Z');
    const result = await p.feed();
    expect(result.title).toBe(title(2, 1800));
    expect(result.body.allocations.map((a) => [a.applicationId, a.status])).toEqual([
      ['b', 'allocated'],
      ['e', 'allocated'],
    ]);
    expect(result.body).not.toHaveProperty('changes');
    expect(result).not.toHaveProperty('revisionCount');
  });
});
