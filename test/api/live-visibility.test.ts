// Every private live topic × every kind of caller, the token given in the query and in the first
// message: the callers who may read the record get its pushes; the others get TOPIC_FORBIDDEN (the
// socket stays open) and no push. "No push" is proved by a later push everyone follows: it arrives
// after the private one would have (same socket, same order of sending).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { sampleProject, tokens } from './harness.js';
import { type LiveClient, openLive, pushesOn, subscribe } from './live-client.js';
import { applicationIdOf, E_HARNESS, E_HARNESS2, MINUTE, useProcedureServer } from './procedure-kit.js';

const CALLERS = ['anonymous', 'owner', 'otherEnterprise', 'nanshan', 'futian', 'cityDept', 'admin', 'auditor'] as const;
type Caller = (typeof CALLERS)[number];
const TOKEN: Record<Caller, string | null> = {
  anonymous: null,
  owner: E_HARNESS.token,
  otherEnterprise: E_HARNESS2.token,
  nanshan: tokens.nanshan,
  futian: tokens.futian,
  cityDept: tokens.cityDept,
  admin: tokens.admin,
  auditor: tokens.auditor,
};
const MODES = ['query', 'first message'] as const;
type Mode = (typeof MODES)[number];

const ofTheRecord: Caller[] = ['owner', 'nanshan', 'cityDept', 'admin', 'auditor'];
const officersOnly: Caller[] = ['nanshan', 'cityDept', 'admin', 'auditor'];

interface PrivateTopic {
  name: string;
  /** Who may follow it. */
  allowed: Caller[];
  /** Creates the record (in Nanshan, the owner's where it is an enterprise's); answers its topic. */
  setup: () => Promise<string>;
  /** A change to the record that pushes to its topic (none: nothing can be pushed). */
  change?: (topic: string) => Promise<void>;
}

const { srv, api, clock } = useProcedureServer('2027-08-02T02:00:00.000Z');

const idOf = (topic: string) => topic.slice(topic.indexOf(':') + 1);

const TOPICS: PrivateTopic[] = [
  {
    name: 'project (unpublished)',
    allowed: officersOnly.filter((c) => c !== 'owner'),
    setup: async () => `project:${(await api.ok('nanshan', 'POST', '/api/projects', { ...sampleProject, name: '未发布的实时项目' }, 201)).id}`,
    change: async (topic) => void (await api.ok('nanshan', 'PATCH', `/api/projects/${idOf(topic)}`, { summary: '私有变更', reason: '完善信息' })),
  },
  {
    name: 'application',
    allowed: ofTheRecord,
    setup: async () => {
      const f = await api.flow({ applicants: [{ who: E_HARNESS, area: 400 }], until: 'submitted' });
      return `application:${applicationIdOf(f.noticeId, E_HARNESS)}`;
    },
    change: async (topic) => void (await api.ok('nanshan', 'POST', `/api/applications/${encodeURIComponent(idOf(topic))}/return`, { missing: ['近三年纳税证明'] })),
  },
  {
    name: 'exchange',
    allowed: ofTheRecord,
    setup: async () => {
      await api.flow({ applicants: [{ who: E_HARNESS, area: 400 }], until: 'leased' });
      clock.advance(MINUTE);
      return `exchange:${(await api.ok(E_HARNESS, 'POST', '/api/exchanges', { wanted: { area: 300 }, reason: '缩减面积' }, 201)).id}`;
    },
    change: async (topic) => void (await api.ok('nanshan', 'POST', `/api/exchanges/${idOf(topic)}/review`, { approved: true, reason: '同意' })),
  },
  {
    name: 'demand (in Nanshan)',
    allowed: ofTheRecord,
    setup: async () => {
      const body = { industry: '集成电路设计', minArea: 300, maxArea: 600, districts: ['nanshan'], useType: 'rnd', supplyMode: 'rent', maxPrice: 80, neededBy: '2028-06-30' };
      return `demand:${(await api.ok(E_HARNESS, 'POST', '/api/demands', body, 201)).id}`;
    },
    // Its topic is pushed when a fitting project becomes a candidate.
    change: async () => void (await api.publishedProject('nanshan', { totalArea: 500, name: '南山实时匹配项目' })),
  },
  { name: 'project (unknown)', allowed: ['admin', 'auditor'], setup: async () => 'project:no-such-project' },
  { name: 'application (unknown)', allowed: ['admin', 'auditor'], setup: async () => 'application:no-such-application' },
  { name: 'demand (no read model yet: an unknown record)', allowed: ['admin', 'auditor'], setup: async () => 'demand:no-such-demand' },
];

for (const t of TOPICS) {
  describe(`live ${t.name}`, () => {
    let topic: string;
    let marker: string;
    const clients = new Map<string, LiveClient>();
    const answers = new Map<string, { subscribed: string[]; refused: string[] }>();
    const key = (c: Caller, m: Mode) => `${c} (${m})`;

    beforeAll(async () => {
      topic = await t.setup();
      marker = await api.publishedProject('nanshan');
      for (const c of CALLERS)
        for (const m of MODES) {
          const token = TOKEN[c];
          const client = await openLive(srv.url, token && m === 'query' ? `?token=${token}` : '');
          clients.set(key(c, m), client);
          answers.set(key(c, m), await subscribe(client, [topic, `project:${marker}`], m === 'first message' ? (token ?? undefined) : undefined));
        }
      if (t.change) {
        await t.change(topic);
        // The allowed callers got the private push...
        for (const c of t.allowed) for (const m of MODES) await clients.get(key(c, m))!.next((msg) => msg.topic === topic);
      }
      // ...and then everyone gets a later public one.
      await api.ok('nanshan', 'PATCH', `/api/projects/${marker}`, { summary: `标记-${t.name}`, reason: '标记' });
      for (const client of clients.values()) await client.next((msg) => msg.topic === `project:${marker}` && msg.data.summary === `标记-${t.name}`);
    });
    afterAll(() => {
      for (const c of clients.values()) c.close();
    });

    for (const c of CALLERS)
      for (const m of MODES) {
        const allowed = t.allowed.includes(c);
        it(`${key(c, m)} → ${allowed ? 'subscribed, pushed' : 'TOPIC_FORBIDDEN, nothing pushed'}`, () => {
          const client = clients.get(key(c, m))!;
          const answer = answers.get(key(c, m))!;
          expect(answer.subscribed.includes(topic)).toBe(allowed);
          expect(answer.refused).toEqual(allowed ? [] : [topic]);
          expect(answer.subscribed).toContain(`project:${marker}`);
          expect(client.ws.readyState).toBe(WebSocket.OPEN);
          const pushes = pushesOn(client, topic);
          if (allowed && t.change) expect(pushes.length).toBeGreaterThan(0);
          else expect(pushes).toEqual([]);
        });
      }
  });
}
