// Every route under /api, fed what no client should send: each field of a valid body replaced by an odd
// value, random JSON, odd path parameters and odd query strings. Never a 5xx; every refusal is
// problem+json and appends nothing. The routes, their records and a caller allowed to use them come from
// the authorization table, so a route added there is fuzzed here too.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { useClockedServer } from './harness.js';
import { CALLERS, READS, TABLE, clock, who } from './authorization-table.js';
import { Api, MINUTE, type Who } from './procedure-kit.js';

const { srv } = useClockedServer(clock);
const api = new Api(srv, clock);

/** Sends one request and holds the promise every route makes; the answer's status. */
async function neverFails(caller: Who, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<number> {
  const before = await srv.logSize();
  const res = await api.request(caller, method, path, body, headers);
  const what = `${method} ${path} ${JSON.stringify(headers)} ${JSON.stringify(body)?.slice(0, 200)} → ${res.status} ${JSON.stringify(res.body)?.slice(0, 300)}`;
  expect(res.status, what).toBeLessThan(500);
  if (res.status >= 400) {
    expect(res.headers.get('content-type'), what).toMatch(/^application\/problem\+json/);
    expect(await srv.logSize(), `${what}: refused, yet the log grew`).toBe(before);
  }
  return res.status;
}

const ODD_VALUES: unknown[] = [null, -1, 1e308, 0.5, '', '名'.repeat(5_000), '2017-02-30', ' ', true, [], {}, [null], { $ne: null }, 'javascript:alert(1)'];
const ODD_SEGMENTS = ['%00', 'x'.repeat(300), '..%2F..%2Fetc', '%E4%B8', '1e400', '%24where', '-1', '%F0%9F%98%80'];
const ODD_HEADERS: Record<string, string>[] = [
  { 'if-match': 'abc' },
  { 'if-match': '-1' },
  { 'if-match': '9'.repeat(400) },
  { 'idempotency-key': '' },
  { 'idempotency-key': 'k'.repeat(300) },
  { 'x-access-reason': '%E4%B8' },
  { 'x-access-reason': encodeURIComponent('理').repeat(700) },
  { 'x-correlation-id': 'c'.repeat(500) },
  { 'content-type': 'text/plain' },
];
const ODD_QUERIES = ['page=0', 'page=-1&pageSize=1e9', 'pageSize=abc', 'asOf=2017-02-30', 'asOf=%00', 'asRecordedAt=9999-99-99', 'consistentWith=-1', 'consistentWith=1e400', 'q=(', 'sort=__proto__', 'district[$ne]=x', 'status=%E4%B8', 'from=x&to=y', 'limit=-5', 'kind=', 'noticeId=x'.repeat(50)];

/** A body with one field changed, at any depth of objects (arrays by their first element). */
function mutations(body: unknown): unknown[] {
  if (body === null || typeof body !== 'object') return [];
  const out: unknown[] = [];
  const entries: [string | number, unknown][] = Array.isArray(body) ? (body.length > 0 ? [[0, body[0]]] : []) : Object.entries(body);
  for (const [key, value] of entries) {
    const put = (v: unknown) => (Array.isArray(body) ? [v, ...body.slice(1)] : { ...body, [key]: v });
    for (const odd of ODD_VALUES) out.push(put(odd));
    for (const deeper of mutations(value)) out.push(put(deeper));
    if (!Array.isArray(body)) {
      const { [key]: _dropped, ...rest } = body as Record<string, unknown>;
      out.push(rest);
    }
  }
  return out;
}

/** A path with each of the row's record ids in turn replaced by an odd segment. */
function oddPaths(path: string, ids: Record<string, string>): string[] {
  const out: string[] = [];
  for (const id of Object.values(ids)) {
    if (!id || !path.includes(id)) continue;
    for (const segment of ODD_SEGMENTS) out.push(path.replace(id, segment));
  }
  return out;
}

describe('no request makes a route answer 5xx, and a refusal appends nothing', () => {
  for (const row of TABLE) {
    it(row.route, async () => {
      clock.advance(MINUTE);
      const ids = await row.setup(api);
      const n = CALLERS.findIndex((c) => row.expect[c] === 'allowed');
      expect(n, `${row.route}: nobody is allowed`).toBeGreaterThanOrEqual(0);
      const caller = who[CALLERS[n]!];
      const { method, path, body } = row.call(ids, n);
      const statuses = new Set<number>();
      for (const odd of mutations(body)) statuses.add(await neverFails(caller, method, path, odd));
      for (const odd of [undefined, null, [], 'x', 0, {}]) statuses.add(await neverFails(caller, method, path, odd));
      for (const odd of oddPaths(path, ids)) statuses.add(await neverFails(caller, method, odd, body));
      for (const headers of ODD_HEADERS) statuses.add(await neverFails(caller, method, path, body, headers));
      await fc.assert(
        fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (random) => {
          await neverFails(caller, method, path, random);
        }),
        { numRuns: 15 },
      );
      // The fuzz reached validation, not only authorization or routing.
      expect([...statuses].some((s) => s === 400 || s === 422), `${row.route}: ${[...statuses]}`).toBe(true);
    });
  }

  const reads = [...new Map(READS.map((r) => [r.route, r])).values()];
  for (const row of reads) {
    it(row.route, async () => {
      clock.advance(MINUTE);
      const ids = await row.setup(api);
      const path = row.path(ids);
      const caller = who[CALLERS.find((c) => row.expect[c] === 'sees') ?? 'admin'];
      const statuses = new Set<number>();
      for (const odd of oddPaths(path, ids)) statuses.add(await neverFails(caller, 'GET', odd));
      for (const q of ODD_QUERIES) statuses.add(await neverFails(caller, 'GET', `${path}${path.includes('?') ? '&' : '?'}${q}`));
      for (const headers of ODD_HEADERS) statuses.add(await neverFails(caller, 'GET', path, undefined, headers));
      expect([...statuses].some((s) => s === 400 || s === 404), `${row.route}: ${[...statuses]}`).toBe(true);
    });
  }
});
