// GET /api/statistics over real HTTP: now and as of past dates, on a clock the test controls.
import { beforeAll, describe, expect, it } from 'vitest';
import { type TokenName, useServer } from './harness.js';

let now = Date.parse('2017-09-01T02:00:00.000Z');
const srv = useServer({ clock: () => new Date(now) });
const at = (iso: string) => {
  now = Date.parse(iso);
};
let head = 0;

interface Line {
  projects: number;
  totalArea: number;
}
interface Stats extends Line {
  asOf: string;
  byDistrict: (Line & { district: string; name: string })[];
  bySupplyMode: (Line & { supplyMode: string; name: string })[];
  byUseType: (Line & { useType: string; name: string })[];
  /** Current figures only. */
  applications?: { total: number; byStatus: { status: string; count: number }[] };
  allocatedArea?: number;
}

async function run(method: string, path: string, token: TokenName, body?: unknown) {
  const res = await srv.request(method, path, { token, ...(body !== undefined ? { body } : {}) });
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  head = res.body.position;
  return res.body as { id: string; revision: number; position: number };
}

async function listAndPublish(token: TokenName, fields: Record<string, unknown>) {
  const { id } = await run('POST', '/api/projects', token, { address: '深圳市', managingDepartment: '房源管理部门', ...fields });
  await run('POST', `/api/projects/${id}/publish`, token);
  return id;
}

async function stats(asOf?: string): Promise<Stats> {
  const query = [`consistentWith=${head}`, ...(asOf ? [`asOf=${encodeURIComponent(asOf)}`] : [])].join('&');
  const res = await srv.request('GET', `/api/statistics?${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as Stats;
}

/** The non-zero lines of a breakdown, as { key: [projects, area] }. */
function nonZero<T extends Line>(lines: T[], key: keyof T): Record<string, [number, number]> {
  return Object.fromEntries(lines.filter((l) => l.projects !== 0 || l.totalArea !== 0).map((l) => [String(l[key]), [l.projects, l.totalArea]]));
}

/** Breakdowns by district and by use type partition the projects; supply modes may overlap. */
function expectConsistent(s: Stats) {
  const sum = (lines: Line[]) => lines.reduce((a, l) => ({ projects: a.projects + l.projects, totalArea: Math.round((a.totalArea + l.totalArea) * 100) / 100 }), { projects: 0, totalArea: 0 });
  expect(sum(s.byDistrict)).toEqual({ projects: s.projects, totalArea: s.totalArea });
  expect(sum(s.byUseType)).toEqual({ projects: s.projects, totalArea: s.totalArea });
  const modes = sum(s.bySupplyMode);
  expect(modes.projects).toBeGreaterThanOrEqual(s.projects);
  expect(s.byDistrict).toHaveLength(12);
  expect(s.bySupplyMode.map((l) => l.supplyMode)).toEqual(['rent', 'sale']);
  expect(s.byUseType.map((l) => l.useType)).toEqual(['rnd', 'plant', 'office', 'other']);
}

const ids: Record<string, string> = {};

beforeAll(async () => {
  at('2017-09-10T02:00:00.000Z');
  ids.p1 = await listAndPublish('nanshan', { name: '南山项目', district: 'nanshan', useType: 'rnd', supplyModes: ['rent'], totalArea: 10000.25 });
  at('2017-09-20T02:00:00.000Z'); // 10:00 CST
  ids.p2 = await listAndPublish('futian', { name: '福田项目', district: 'futian', useType: 'plant', supplyModes: ['rent', 'sale'], totalArea: 20000 });
  at('2017-09-30T15:00:00.000Z'); // 23:00 CST on 30 September
  ids.p3 = await listAndPublish('admin', { name: '宝安项目', district: 'baoan', useType: 'office', supplyModes: ['sale'], totalArea: 5000 });
  at('2017-09-30T16:30:00.000Z'); // 00:30 CST on 1 October
  ids.p4 = await listAndPublish('admin', { name: '龙岗项目', district: 'longgang', useType: 'rnd', supplyModes: ['rent'], totalArea: 7000 });
  at('2017-10-03T03:00:00.000Z');
  await run('POST', '/api/projects', 'nanshan', { name: '未发布项目', district: 'nanshan', address: '深圳市', useType: 'rnd', supplyModes: ['rent'], totalArea: 99999 });
  at('2017-10-05T04:00:00.000Z');
  await run('POST', `/api/projects/${ids.p2}/withdraw`, 'futian', { reason: '房源已全部租售' });
  at('2017-10-08T04:00:00.000Z');
  await run('PATCH', `/api/projects/${ids.p1}`, 'nanshan', { totalArea: 12000, reason: '竣工测绘面积' });
  at('2017-10-09T04:00:00.000Z');
  await run('PATCH', `/api/projects/${ids.p1}`, 'nanshan', { summary: '不影响统计的更新', reason: '补充简介' });
  at('2017-11-02T04:00:00.000Z');
  await run('PATCH', `/api/projects/${ids.p3}`, 'admin', { district: 'longhua', reason: '行政区划调整' });
  at('2017-12-01T02:00:00.000Z');
});

describe('statistics now', () => {
  it('count published projects only, after withdrawals and area updates', async () => {
    const s = await stats();
    expect(s.asOf).toBe('2017-12-01T02:00:00.000Z');
    // The figures are remembered until the log moves; the moment they are for moves with the clock.
    at('2017-12-01T02:00:05.000Z');
    expect(await stats()).toEqual({ ...s, asOf: '2017-12-01T02:00:05.000Z' });
    at('2017-12-01T02:00:00.000Z');
    expect(s.projects).toBe(3);
    expect(s.totalArea).toBe(24000);
    expect(nonZero(s.byDistrict, 'district')).toEqual({ nanshan: [1, 12000], longgang: [1, 7000], longhua: [1, 5000] });
    expect(nonZero(s.bySupplyMode, 'supplyMode')).toEqual({ rent: [2, 19000], sale: [1, 5000] });
    expect(nonZero(s.byUseType, 'useType')).toEqual({ rnd: [2, 19000], office: [1, 5000] });
    expect(s.byDistrict.find((d) => d.district === 'nanshan')!.name).toBe('南山区');
    expectConsistent(s);
  });

  it('move at once when a project is published, updated and withdrawn', async () => {
    const before = await stats();
    const id = await listAndPublish('admin', { name: '临时项目', district: 'luohu', useType: 'other', supplyModes: ['rent', 'sale'], totalArea: 333.33 });
    const published = await stats();
    expect(published.projects).toBe(before.projects + 1);
    expect(published.totalArea).toBe(24333.33);
    expect(nonZero(published.byDistrict, 'district').luohu).toEqual([1, 333.33]);
    expect(nonZero(published.bySupplyMode, 'supplyMode')).toEqual({ rent: [3, 19333.33], sale: [2, 5333.33] });
    expectConsistent(published);

    await run('PATCH', `/api/projects/${id}`, 'admin', { totalArea: 1000, supplyModes: ['sale'], reason: '复核' });
    const updated = await stats();
    expect(updated.projects).toBe(4);
    expect(updated.totalArea).toBe(25000);
    expect(nonZero(updated.bySupplyMode, 'supplyMode')).toEqual({ rent: [2, 19000], sale: [2, 6000] });
    expectConsistent(updated);

    await run('POST', `/api/projects/${id}/withdraw`, 'admin', { reason: '撤回' });
    const after = await stats();
    expect({ projects: after.projects, totalArea: after.totalArea }).toEqual({ projects: before.projects, totalArea: before.totalArea });
    expect(after.byDistrict).toEqual(before.byDistrict);
    expect(after.bySupplyMode).toEqual(before.bySupplyMode);
    expect(after.byUseType).toEqual(before.byUseType);
  });
});

describe('statistics as of a past date (end of that day, China Standard Time)', () => {
  it('before anything was published, everything is zero', async () => {
    const s = await stats('2017-09-09');
    expect(s.asOf).toBe('2017-09-09T15:59:59.999Z');
    expect(s.projects).toBe(0);
    expect(s.totalArea).toBe(0);
    expect(nonZero(s.byDistrict, 'district')).toEqual({});
    expectConsistent(s);
  });

  it('2017-09-30 counts the project published at 23:00 CST but not the one at 00:30 CST on 1 October', async () => {
    const s = await stats('2017-09-30');
    expect(s.asOf).toBe('2017-09-30T15:59:59.999Z');
    expect(s.projects).toBe(3);
    expect(s.totalArea).toBe(35000.25);
    expect(nonZero(s.byDistrict, 'district')).toEqual({ nanshan: [1, 10000.25], futian: [1, 20000], baoan: [1, 5000] });
    expect(nonZero(s.bySupplyMode, 'supplyMode')).toEqual({ rent: [2, 30000.25], sale: [2, 25000] });
    expect(nonZero(s.byUseType, 'useType')).toEqual({ rnd: [1, 10000.25], plant: [1, 20000], office: [1, 5000] });
    expectConsistent(s);
  });

  it('2017-10-01 adds it', async () => {
    const s = await stats('2017-10-01');
    expect(s.projects).toBe(4);
    expect(s.totalArea).toBe(42000.25);
    expect(nonZero(s.byDistrict, 'district').longgang).toEqual([1, 7000]);
    expectConsistent(s);
  });

  it('an instant is inclusive, to the millisecond, across the UTC/CST day boundary', async () => {
    expect((await stats('2017-09-30T16:29:59.999Z')).projects).toBe(3);
    expect((await stats('2017-09-30T16:30:00.000Z')).projects).toBe(4);
    expect((await stats('2017-10-01T00:30:00+08:00')).projects).toBe(4);
    expect((await stats('2017-10-01T00:29:59+08:00')).projects).toBe(3);
  });

  it('an instant in the middle of a day counts that day only up to the instant', async () => {
    const before = await stats('2017-09-20T01:59:59.000Z');
    expect(before.projects).toBe(1);
    expect(before.totalArea).toBe(10000.25);
    const after = await stats('2017-09-20T10:00:00+08:00');
    expect(after.asOf).toBe('2017-09-20T02:00:00.000Z');
    expect(after.projects).toBe(2);
    expect(after.totalArea).toBe(30000.25);
    expectConsistent(after);
  });

  it('a withdrawal lowers the figures from its day on', async () => {
    expect((await stats('2017-10-04')).projects).toBe(4);
    const s = await stats('2017-10-05');
    expect(s.projects).toBe(3);
    expect(s.totalArea).toBe(22000.25);
    expect(nonZero(s.byDistrict, 'district').futian).toBeUndefined();
    expect(nonZero(s.bySupplyMode, 'supplyMode')).toEqual({ rent: [2, 17000.25], sale: [1, 5000] });
    expectConsistent(s);
  });

  it("an update of a published project's area moves the figures from its instant on; other updates do not", async () => {
    expect((await stats('2017-10-08T03:59:59.999Z')).totalArea).toBe(22000.25);
    const s = await stats('2017-10-08T04:00:00.000Z');
    expect(s.totalArea).toBe(24000);
    expect(nonZero(s.byDistrict, 'district').nanshan).toEqual([1, 12000]);
    expect((await stats('2017-10-09')).totalArea).toBe(24000);
  });

  it('a district change moves the project between districts, across month buckets', async () => {
    const october = await stats('2017-10-31');
    expect(nonZero(october.byDistrict, 'district')).toEqual({ nanshan: [1, 12000], baoan: [1, 5000], longgang: [1, 7000] });
    expect(nonZero((await stats('2017-11-02T03:59:59.999Z')).byDistrict, 'district').baoan).toEqual([1, 5000]);
    const november = await stats('2017-11-02');
    expect(nonZero(november.byDistrict, 'district')).toEqual({ nanshan: [1, 12000], longhua: [1, 5000], longgang: [1, 7000] });
    expect(november.projects).toBe(3);
    expect(november.totalArea).toBe(24000);
    expectConsistent(november);
  });

  it('a date after now is now', async () => {
    const future = await stats('2030-01-01');
    const current = await stats();
    expect(future.asOf).toBe(current.asOf);
    // The allocated area comes only with the current figures; applications by status as of any date too.
    const { allocatedArea, ...rest } = current;
    expect(allocatedArea).toBeDefined();
    expect({ ...future, asOf: '' }).toEqual({ ...rest, asOf: '' });
  });

  it('counts the right number of projects on each day of the history', async () => {
    const expected: Record<string, number> = {
      '2017-09-09': 0,
      '2017-09-10': 1,
      '2017-09-19': 1,
      '2017-09-20': 2,
      '2017-09-29': 2,
      '2017-09-30': 3,
      '2017-10-01': 4,
      '2017-10-04': 4,
      '2017-10-05': 3,
      '2017-11-30': 3,
    };
    for (const [day, projects] of Object.entries(expected)) expect((await stats(day)).projects, day).toBe(projects);
  });
});

describe('statistics and the districts map as recorded by a moment (asRecordedAt)', () => {
  it('here every event was recorded as it happened: the same figures as asOf, at every moment, and said so', async () => {
    for (const at of ['2017-09-09', '2017-09-30', '2017-09-30T16:29:59.999Z', '2017-09-30T16:30:00.000Z', '2017-10-05', '2017-11-02T03:59:59.999Z', '2017-11-02']) {
      const res = await srv.request('GET', `/api/statistics?consistentWith=${head}&asRecordedAt=${encodeURIComponent(at)}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const { asRecordedAt, ...figures } = res.body;
      expect(asRecordedAt, at).toBe(figures.asOf);
      expect(figures, at).toEqual(await stats(at));
      const map = async (q: string) => (await srv.request('GET', `/api/map/districts?${q}=${encodeURIComponent(at)}`)).body;
      const byRecord = await map('asRecordedAt');
      expect(byRecord.asRecordedAt, at).toBe(byRecord.asOf);
      expect(byRecord.districts, at).toEqual((await map('asOf')).districts);
    }
  });

  it('one moment or the other, not both; a bad one is a 400 naming it', async () => {
    for (const path of ['/api/statistics', '/api/map/districts']) {
      const both = await srv.request('GET', `${path}?asOf=2017-10-01&asRecordedAt=2017-10-01`);
      expect(both.status).toBe(400);
      expect(both.body.errors[0].path).toBe('querystring.asRecordedAt');
      const bad = await srv.request('GET', `${path}?asRecordedAt=2017-02-30`);
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0].path).toBe('querystring.asRecordedAt');
    }
  });
});
