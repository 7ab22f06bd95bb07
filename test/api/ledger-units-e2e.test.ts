// Units over real HTTP (issue 7): a notice lists units, the allocation assigns them whole in the derived
// order (allocation.ts rule 6), the project shows each unit's state through allocation, contract, forfeiture
// and 递补, and lease end; refusals append nothing. Then an exchange (换租) moves a tenancy to another
// project, and that project as of a date shows the move (the statistics' per-project delta records).
import { describe, expect, it } from 'vitest';
import { tick } from '../../src/application/scheduler.js';
import { allProjections } from '../../src/projections/index.js';
import { type Api, DAY, E_HARNESS, E_HARNESS2, MINUTE, type Enterprise, applicationIdOf, enterprise, expectProblem, leaseFrom, useProcedureServer } from './procedure-kit.js';

// Monday 2027-04-05, 10:00 CST.
const { srv, api, clock } = useProcedureServer('2027-04-05T02:00:00.000Z');

const E1 = E_HARNESS;
const E2 = E_HARNESS2;
const E3 = enterprise(41, '深圳市单元递补科技有限公司');
const enc = encodeURIComponent;

async function refused(status: number, code: string | undefined, who: Parameters<Api['request']>[0], method: string, path: string, body?: unknown) {
  const before = await srv.logSize();
  expectProblem(await api.request(who, method, path, body), status, code);
  expect(await srv.logSize(), `${method} ${path} appended despite ${status}`).toBe(before);
}
async function atHead() {
  expect(await srv.services.runner.waitFor(await srv.logSize(), 10_000)).toBe(true);
}
async function project(id: string, asOf?: string, moment: 'asOf' | 'asRecordedAt' = 'asOf') {
  const res = await api.read('nanshan', `/api/projects/${id}${asOf ? `?${moment}=${enc(asOf)}` : ''}`);
  expect(res.status).toBe(200);
  return res.body as Record<string, number> & { units: { unitId: string; number: string; state: string }[] };
}
/** Each unit's state, by its number (as of a moment: the same by business time and by what was recorded). */
async function unitStates(id: string, at?: string) {
  const states = async (moment?: 'asOf' | 'asRecordedAt') => Object.fromEntries((await project(id, at, moment)).units.map((u) => [u.number, u.state]));
  const now = await states();
  if (at !== undefined) expect(await states('asRecordedAt'), `unit states recorded by ${at}`).toEqual(now);
  return now;
}
/** A notice's allocations as `[status, applicationId]`, now or as of a moment (both ways). */
async function allocationsOf(noticeId: string, at?: string) {
  const read = async (q: string) => ((await api.read(null, `/api/notices/${noticeId}${q}`)).body.allocations as { status: string; applicationId: string }[]).map((a) => [a.status, a.applicationId]);
  if (at === undefined) return read('');
  const asOf = await read(`?asOf=${enc(at)}`);
  expect(await read(`?asRecordedAt=${enc(at)}`), `allocations recorded by ${at}`).toEqual(asOf);
  return asOf;
}

describe('units through the procedure, end to end', () => {
  it('a notice’s units are allocated whole, signed, passed on by 递补 and returned at the lease’s end; an exchange to another project shows there as of then', async () => {
    const projectId = await api.publishedProject('nanshan', { totalArea: 12_000 });
    await api.ok('nanshan', 'POST', `/api/projects/${projectId}/units`, {
      units: [
        { building: 'A栋', floor: '3层', number: '301', area: 1_200 },
        { building: 'A栋', floor: '3层', number: '302', area: 1_100 },
        { building: 'A栋', floor: '3层', number: '303', area: 700 },
        { building: 'A栋', floor: '4层', number: '401', area: 900 },
      ],
    });
    const ids = Object.fromEntries((await project(projectId)).units.map((u) => [u.number, u.unitId])) as Record<string, string>;
    const offered = [ids['301']!, ids['302']!, ids['303']!];
    const opensAt = new Date(clock.ms + MINUTE).toISOString();
    const closesAt = new Date(clock.ms + DAY).toISOString();
    const body = { projectId, supplyMode: 'rent', price: 65, eligibility: '创新型企业', opensAt, closesAt, publicityWorkingDays: 1, unitIds: offered };
    // Its units cannot add up to more than the notice offers.
    await refused(422, 'UNITS_EXCEED_AREA', 'nanshan', 'POST', '/api/notices', { ...body, area: 2_999 });
    const noticeId = (await api.ok('nanshan', 'POST', '/api/notices', { ...body, area: 3_000 }, 201)).id;
    expect(await unitStates(projectId)).toEqual({ '301': 'offered', '302': 'offered', '303': 'offered', '401': 'available' });

    // ---- E1 asks 1,000, E2 1,500, E3 700; ranking E1, E2, E3 ----
    clock.to(opensAt);
    const app = (e: Enterprise) => applicationIdOf(noticeId, e);
    for (const [e, area, score] of [[E1, 1_000, 90], [E2, 1_500, 85], [E3, 700, 80]] as const) {
      expect((await api.submit(noticeId, e, area)).status).toBe(201);
      await api.review(app(e), true, score);
    }
    clock.to(Date.parse(closesAt) + MINUTE);
    const { endsAt } = await api.startPublicity(noticeId);
    clock.to(Date.parse(endsAt) + MINUTE);
    const offeredAt = clock.iso; // the moments the project and the notice are read "as of" at the end
    clock.advance(MINUTE);
    const alloc = await api.ok('nanshan', 'POST', `/api/notices/${noticeId}/allocation`, { method: 'ranking' });
    const allocatedAt = clock.iso;
    clock.advance(MINUTE);
    // E1: 301 covers 1,000; E2: 302+303 cover 1,500; E3: nothing left.
    expect(alloc.allocations).toEqual([
      { applicationId: app(E1), area: 1_200, rank: 1, unitIds: [ids['301']] },
      { applicationId: app(E2), area: 1_800, rank: 2, unitIds: [ids['302'], ids['303']] },
    ]);
    expect((await api.read(null, `/api/notices/${noticeId}`)).body.allocations).toEqual([
      { applicationId: app(E1), area: 1_200, unitIds: [ids['301']], status: 'allocated', via: 'ranking', rank: 1 },
      { applicationId: app(E2), area: 1_800, unitIds: [ids['302'], ids['303']], status: 'allocated', via: 'ranking', rank: 2 },
    ]);
    expect(await unitStates(projectId)).toEqual({ '301': 'allocated', '302': 'allocated', '303': 'allocated', '401': 'available' });
    expect(await project(projectId)).toMatchObject({ allocatedArea: 3_000, availableArea: 9_000 });
    await api.ok('nanshan', 'POST', `/api/notices/${noticeId}/results`);

    // ---- E1 signs for its unit, whole ----
    const lease = leaseFrom(clock.iso, 1, 78_000);
    await refused(422, 'CONTRACT_AREA_UNITS_MISMATCH', 'nanshan', 'POST', `/api/applications/${enc(app(E1))}/contract`, { area: 1_000, contractRef: '深南租〔2027〕201号', signedOn: clock.iso, ...lease });
    await api.ok('nanshan', 'POST', `/api/applications/${enc(app(E1))}/contract`, { area: 1_200, contractRef: '深南租〔2027〕201号', signedOn: clock.iso, ...lease });
    expect(await unitStates(projectId)).toMatchObject({ '301': 'let', '302': 'allocated' });
    const signedAt = clock.iso;
    expect((await api.read(E1, `/api/tenancies/${enc(app(E1))}`)).body).toMatchObject({ area: 1_200, unitIds: [ids['301']] });

    // ---- E2 lets its signing deadline pass: E3 gets 302 of its units (递补), 303 is available again ----
    const signing = (await api.read('nanshan', '/api/deadlines')).body.items.find((d: { applicationId?: string }) => d.applicationId === app(E2));
    clock.to(Date.parse(signing.dueAt) + MINUTE);
    expect(await tick(srv.services)).toEqual({ fired: [`signing:${app(E2)}`], settled: [] });
    const waitlisted = (await api.stream(`notice-${noticeId}`)).find((e) => e.type === 'WaitlistAllocated')!;
    expect(waitlisted.data).toMatchObject({ applicationId: app(E3), area: 1_100, unitIds: [ids['302']], replaces: app(E2) });
    expect((await api.read(null, `/api/notices/${noticeId}`)).body.allocations.map((a: { status: string; unitIds: string[] }) => [a.status, a.unitIds])).toEqual([
      ['signed', [ids['301']]],
      ['forfeited', [ids['302'], ids['303']]],
      ['allocated', [ids['302']]],
    ]);
    expect(await unitStates(projectId)).toEqual({ '301': 'let', '302': 'allocated', '303': 'available', '401': 'available' });
    expect(await project(projectId)).toMatchObject({ allocatedArea: 1_100, letArea: 1_200, availableArea: 9_700 });
    const waitlistedAt = clock.iso;
    clock.advance(MINUTE);
    // A new notice may offer 303 again; not 302.
    await refused(422, 'UNIT_NOT_AVAILABLE', 'nanshan', 'POST', '/api/notices', { ...body, opensAt: new Date(clock.ms + DAY).toISOString(), closesAt: new Date(clock.ms + 2 * DAY).toISOString(), area: 1_100, unitIds: [ids['302']] });

    // ---- E3 signs; E1's lease reaches its end: 301 is available again ----
    const e3Lease = leaseFrom(clock.iso, 2, 55_000);
    await api.ok('nanshan', 'POST', `/api/applications/${enc(app(E3))}/contract`, { area: 1_100, contractRef: '深南租〔2027〕235号', signedOn: clock.iso, ...e3Lease });
    clock.to(Date.parse(lease.endsOn) + MINUTE);
    expect(await tick(srv.services)).toEqual({ fired: [`lease_end:${app(E1)}`], settled: [] });
    expect(await unitStates(projectId)).toEqual({ '301': 'available', '302': 'let', '303': 'available', '401': 'available' });

    // ---- 换租: E3 moves to 500 ㎡ of another project; that project as of then shows it let ----
    const other = await api.publishedProject('nanshan', { name: '南山智园二期', totalArea: 5_000 });
    const x = (await api.ok(E3, 'POST', '/api/exchanges', { wanted: { projectId: other, area: 500 }, reason: '扩大研发场地' }, 201)).id as string;
    await api.ok('nanshan', 'POST', `/api/exchanges/${x}/review`, { approved: true, reason: '同意' });
    await api.ok('nanshan', 'POST', `/api/exchanges/${x}/result`);
    clock.advance(MINUTE);
    const before = clock.iso;
    clock.advance(MINUTE);
    await api.ok('nanshan', 'POST', `/api/exchanges/${x}/move`);
    const after = clock.iso;
    clock.advance(MINUTE);
    await atHead();
    expect(await unitStates(projectId)).toEqual({ '301': 'available', '302': 'available', '303': 'available', '401': 'available' });
    expect(await project(other)).toMatchObject({ letArea: 500, availableArea: 4_500 });
    expect(await project(other, before)).toMatchObject({ letArea: 0, availableArea: 5_000 });
    expect(await project(other, after)).toMatchObject({ letArea: 500, availableArea: 4_500 });
    expect(await project(projectId, before)).toMatchObject({ letArea: 1_100 });
    expect(await project(projectId, after)).toMatchObject({ letArea: 0, availableArea: 12_000 });

    // ---- the project's units and the notice's allocations as they stood at each step ----
    expect(await unitStates(projectId, offeredAt)).toEqual({ '301': 'offered', '302': 'offered', '303': 'offered', '401': 'available' });
    expect(await allocationsOf(noticeId, offeredAt)).toEqual([]);
    expect(await unitStates(projectId, allocatedAt)).toEqual({ '301': 'allocated', '302': 'allocated', '303': 'allocated', '401': 'available' });
    expect(await allocationsOf(noticeId, allocatedAt)).toEqual([['allocated', app(E1)], ['allocated', app(E2)]]);
    expect(await unitStates(projectId, signedAt)).toEqual({ '301': 'let', '302': 'allocated', '303': 'allocated', '401': 'available' });
    expect(await allocationsOf(noticeId, signedAt)).toEqual([['signed', app(E1)], ['allocated', app(E2)]]);
    expect(await unitStates(projectId, waitlistedAt)).toEqual({ '301': 'let', '302': 'allocated', '303': 'available', '401': 'available' });
    expect(await allocationsOf(noticeId, waitlistedAt)).toEqual(await allocationsOf(noticeId).then((now) => now.map(([, id]) => [id === app(E1) ? 'signed' : id === app(E2) ? 'forfeited' : 'allocated', id])));
    expect(await project(projectId, allocatedAt, 'asRecordedAt')).toMatchObject({ allocatedArea: 3_000, availableArea: 9_000, letArea: 0 });

    // ---- every read model rebuilt from the log is the same ----
    const snapshot = async () => {
      const out: Record<string, unknown[]> = {};
      for (const p of allProjections) for (const c of p.collections) out[c] = await srv.services.reads.find(c, {}, { sort: { _id: 1 } });
      return out;
    };
    const was = await snapshot();
    await srv.services.runner.rebuild();
    await atHead();
    expect(await snapshot()).toEqual(was);
  });
});

describe('PATCH /api/projects/:id with units (api.md: PATCH takes what POST does)', () => {
  it('replaces the unit list: kept units keep their ids and states, a unit a notice offers may not be dropped', async () => {
    const projectId = await api.publishedProject('nanshan', { totalArea: 5_000 });
    const listed = [
      { building: 'B栋', floor: '1层', number: '101', area: 500 },
      { building: 'B栋', floor: '1层', number: '102', area: 600 },
      { building: 'B栋', floor: '2层', number: '201', area: 700 },
    ];
    await api.ok('nanshan', 'PATCH', `/api/projects/${projectId}`, { units: listed, reason: '录入单元' });
    await atHead();
    const ids = Object.fromEntries((await project(projectId)).units.map((u) => [u.number, u.unitId])) as Record<string, string>;
    expect(Object.keys(ids).sort()).toEqual(['101', '102', '201']);
    const opensAt = new Date(clock.ms + MINUTE).toISOString();
    const closesAt = new Date(clock.ms + DAY).toISOString();
    await api.ok('nanshan', 'POST', '/api/notices', { projectId, supplyMode: 'rent', price: 60, eligibility: '创新型企业', opensAt, closesAt, area: 500, unitIds: [ids['101']] }, 201);

    await refused(422, 'UNIT_HELD', 'nanshan', 'PATCH', `/api/projects/${projectId}`, { units: listed.slice(1), reason: '合并单元' });
    // Removing it alone is refused the same way (the use case reads the notices' holdings).
    await refused(422, 'UNIT_HELD', 'nanshan', 'DELETE', `/api/projects/${projectId}/units/${ids['101']}?reason=${encodeURIComponent('合并单元')}`);
    await refused(422, 'UNIT_HELD', 'nanshan', 'PATCH', `/api/projects/${projectId}`, { units: [{ ...listed[0]!, area: 450 }, ...listed.slice(1)], reason: '重新测绘' });
    await refused(422, 'NOTHING_CHANGED', 'nanshan', 'PATCH', `/api/projects/${projectId}`, { units: [...listed].reverse(), reason: '无变化' });
    await refused(400, undefined, 'nanshan', 'PATCH', `/api/projects/${projectId}`, { units: [{ building: 'B栋', floor: '1层', number: '103' }], reason: '缺面积' });

    await api.ok('nanshan', 'PATCH', `/api/projects/${projectId}`, { units: [listed[0], { ...listed[1]!, area: 650 }, { building: 'C栋', floor: '1层', number: '101', area: 300 }], reason: '重新测绘' });
    await atHead();
    const after = (await project(projectId)).units as unknown as { unitId: string; building: string; number: string; area: number; state: string }[];
    expect(Object.fromEntries(after.map((u) => [`${u.building}${u.number}`, [u.area, u.state]]))).toEqual({ B栋101: [500, 'offered'], B栋102: [650, 'available'], C栋101: [300, 'available'] });
    expect(after.find((u) => u.building === 'B栋' && u.number === '101')!.unitId).toBe(ids['101']);
    expect(after.find((u) => u.number === '102')!.unitId).not.toBe(ids['102']);
  });

  it('a long list replaced in one request: the removed units are one event, within the append limit', async () => {
    const projectId = await api.publishedProject('nanshan', { totalArea: 50_000 });
    const units = Array.from({ length: 4_000 }, (_, i) => ({ building: '研发楼', floor: `${Math.floor(i / 100) + 1}层`, number: String(1000 + i), area: 10 }));
    await api.ok('nanshan', 'PATCH', `/api/projects/${projectId}`, { units, reason: '录入单元' });
    await api.ok('nanshan', 'PATCH', `/api/projects/${projectId}`, { units: units.slice(0, 10).map((u) => ({ ...u, area: 12 })), reason: '按新测绘报告重新录入单元，面积以不动产登记为准' });
    await atHead();
    const after = (await project(projectId)).units as unknown as { area: number }[];
    expect(after).toHaveLength(10);
    expect(after.every((u) => u.area === 12)).toBe(true);
  });
});
