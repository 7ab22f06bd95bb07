// ?openNotice= on the project search and the map, over real HTTP: a project is found with openNotice=true
// while a rental/sale notice of it is open to applicants (published, not yet closed or cancelled), and with
// openNotice=false otherwise; now and ?asOf= a moment.
import { describe, expect, it } from 'vitest';
import { MINUTE, enterprise, useProcedureServer } from './procedure-kit.js';

// Monday 2027-05-10, 10:00 CST.
const { api, clock } = useProcedureServer('2027-05-10T02:00:00.000Z');

/** The ids the search (or the map) finds with `query`, now or at the moment the query names. */
async function found(query: string, map = false): Promise<string[]> {
  const res = await api.read(null, `${map ? '/api/map/projects' : '/api/projects'}?${query}${map ? '' : '&pageSize=100'}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return ((map ? res.body.features : res.body.items) as { id: string }[]).map((p) => p.id);
}

/** Where the project is found: [openNotice=true, openNotice=false], on the search and the map alike. */
async function where(projectId: string, extra = ''): Promise<[boolean, boolean]> {
  const at = async (open: boolean) => {
    const [list, map] = await Promise.all([found(`openNotice=${open}${extra}`), found(`openNotice=${open}${extra}`, true)]);
    expect(map.includes(projectId), 'the map agrees with the list').toBe(list.includes(projectId));
    return list.includes(projectId);
  };
  return [await at(true), await at(false)];
}

const OPEN: [boolean, boolean] = [true, false];
const NONE: [boolean, boolean] = [false, true];

describe('?openNotice=', () => {
  it('from the notice’s publication to its close; the project without a notice only with false', async () => {
    const bare = await api.publishedProject();
    const n = await api.notice(); // its window opens in a minute: announced, already open to applicants
    expect(await where(bare)).toEqual(NONE);
    expect(await where(n.projectId)).toEqual(OPEN);
    clock.to(n.opensAt);
    expect(await where(n.projectId)).toEqual(OPEN);
    const whileOpen = clock.iso;

    clock.to(Date.parse(n.closesAt) + MINUTE);
    await api.ok('nanshan', 'POST', `/api/notices/${n.noticeId}/close`);
    expect(await where(n.projectId)).toEqual(NONE);
    // As the search showed them then.
    clock.advance(MINUTE);
    expect(await where(n.projectId, `&asOf=${encodeURIComponent(whileOpen)}`)).toEqual(OPEN);
    expect(await where(n.projectId, `&asOf=${encodeURIComponent(clock.iso)}`)).toEqual(NONE);
    expect(await where(bare, `&asOf=${encodeURIComponent(whileOpen)}`)).toEqual(NONE);
  });

  it('ends at a cancellation, and at the publicity when no one closed the window; another notice keeps it open', async () => {
    const cancelled = await api.notice();
    const second = await api.notice({ projectId: cancelled.projectId, area: 500 });
    await api.ok('nanshan', 'POST', `/api/notices/${cancelled.noticeId}/cancel`, { reason: '规划调整' });
    expect(await where(cancelled.projectId)).toEqual(OPEN); // the second is still open
    await api.ok('nanshan', 'POST', `/api/notices/${second.noticeId}/cancel`, { reason: '规划调整' });
    expect(await where(cancelled.projectId)).toEqual(NONE);

    const flow = await api.flow({ applicants: [{ who: enterprise(1), area: 400 }], until: 'closed' });
    expect(await where(flow.projectId)).toEqual(OPEN); // the window is over, its close not yet recorded
    await api.startPublicity(flow.noticeId); // records the NoticeClosed with it
    expect(await where(flow.projectId)).toEqual(NONE);
  });

  it('a value other than true or false: 400 naming querystring.openNotice', async () => {
    for (const path of ['/api/projects?openNotice=yes', '/api/map/projects?openNotice=1']) {
      const bad = await api.request(null, 'GET', path);
      expect(bad.status, path).toBe(400);
      expect(bad.body.errors[0].path).toBe('querystring.openNotice');
    }
  });
});
