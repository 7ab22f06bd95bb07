// Who may run which command and read what, generated from ONE table (authorization-table.ts): every
// route under /api × every kind of caller. A test reads the server's routing table and fails when a
// route is missing from the table, so a new route cannot bypass it.
// Commands: "allowed" means the request got past authorization and reached the decider: any 2xx, or a
// 422 business refusal (the records are set up once per route, so after one allowed caller succeeds
// the next may be refused by a rule). 401 and 403 append nothing.
// Reads: "sees" is a 200 with the row's record in it; "hidden" a 200 list without it, or a 404.
import { beforeAll, describe, expect, it } from 'vitest';
import { useClockedServer } from './harness.js';
import { CALLERS, COVERED_ELSEWHERE, type Caller, READS, TABLE, clock, who } from './authorization-table.js';
import { Api, MINUTE, type Res, expectProblem } from './procedure-kit.js';

const { srv } = useClockedServer(clock);
const api = new Api(srv, clock);

/** The routes under /api the server registers (HEAD aside: Fastify adds one per GET), from its routing table. */
function apiRoutes(tree: string): string[] {
  const stack: string[] = [];
  const out = new Set<string>();
  for (const line of tree.split('\n')) {
    const m = /^([│ ]*)[├└]── (.*?) \(([^)]*)\)$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack[depth] = (depth > 0 ? stack[depth - 1]! : '') + m[2]!;
    stack.length = depth + 1;
    if (!stack[depth]!.startsWith('/api/')) continue;
    for (const method of m[3]!.split(', ')) if (method !== 'HEAD') out.add(`${method} ${stack[depth]}`);
  }
  return [...out].sort();
}

describe('the table', () => {
  it('covers every route under /api, commands and reads, and nothing that is not a route', () => {
    const registered = apiRoutes(srv.app.printRoutes({ commonPrefix: false }));
    expect(registered.filter((r) => r.startsWith('GET ')).length).toBeGreaterThan(10);
    expect(registered.filter((r) => !r.startsWith('GET ')).length).toBeGreaterThan(20);
    const table = new Set([...TABLE.map((r) => r.route), ...READS.map((r) => r.route), ...Object.keys(COVERED_ELSEWHERE)]);
    expect([...table].sort()).toEqual(registered);
  });
});

for (const row of TABLE) {
  describe(row.route, () => {
    let ids: Record<string, string>;
    const statuses = new Map<Caller, number>();
    beforeAll(async () => {
      clock.advance(MINUTE);
      ids = await row.setup(api);
    });

    CALLERS.forEach((caller, n) => {
      const outcome = row.expect[caller];
      it(`${caller} → ${outcome}`, async () => {
        const { method, path, body } = row.call(ids, n);
        const before = await srv.logSize();
        const res: Res = await api.request(who[caller], method, path, body);
        statuses.set(caller, res.status);
        const after = await srv.logSize();
        if (outcome === 'allowed') {
          const reached = (res.status >= 200 && res.status < 300) || res.status === 422;
          expect(reached, `${caller}: ${res.status} ${JSON.stringify(res.body)}`).toBe(true);
          if (res.status === 422) {
            expectProblem(res, 422, res.body.code);
            expect(res.body.code).toMatch(/^[A-Z_]+$/);
            expect(after).toBe(before);
          } else {
            expect(after).toBeGreaterThan(before);
          }
        } else {
          expectProblem(res, outcome);
          expect(after, `${caller} was refused with ${outcome} but the log grew`).toBe(before);
        }
      });
    });

    it('at least one allowed caller got through to a 2xx (the setup reaches the decider)', () => {
      const ok = [...statuses.entries()].filter(([c, s]) => row.expect[c] === 'allowed' && s >= 200 && s < 300);
      expect(ok.length, JSON.stringify([...statuses])).toBeGreaterThan(0);
    });
  });
}

for (const row of READS) {
  describe(`${row.route}${row.case ? ` (${row.case})` : ''}`, () => {
    let ids: Record<string, string>;
    beforeAll(async () => {
      clock.advance(MINUTE);
      ids = await row.setup(api);
      // Every read below sees the setup: the read models have reached the log's head.
      expect((await api.read(null, '/api/statistics')).status).toBe(200);
    });

    for (const caller of CALLERS) {
      const outcome = row.expect[caller];
      it(`${caller} → ${outcome}`, async () => {
        const res: Res = await api.request(who[caller], 'GET', row.path(ids));
        if (outcome === 'sees') {
          expect(res.status, JSON.stringify(res.body)).toBe(200);
          expect(row.contains(res.body, ids), `${caller} does not see the record: ${JSON.stringify(res.body).slice(0, 400)}`).toBe(true);
        } else if (outcome === 'hidden') {
          if (res.status === 404) expectProblem(res, 404);
          else {
            expect(res.status, JSON.stringify(res.body)).toBe(200);
            expect(row.contains(res.body, ids), `${caller} sees a record it may not read`).toBe(false);
          }
        } else expectProblem(res, outcome);
      });
    }
  });
}
