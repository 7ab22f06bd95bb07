// Shared by the procedure API tests: a clock the test moves, enterprises with their own signed tokens,
// and a driver that walks one notice through the rental/sale procedure over real HTTP, stopping at any
// stage. Every step asserts its own success, so a broken setup fails loudly where it breaks.
import { createHash } from 'node:crypto';
import { createSigner } from 'fast-jwt';
import { expect } from 'vitest';
import { type Clock, HOUR, MINUTE, SECRET, type ServerOptions, type TestServer, type TokenName, sampleProject, tokens, useClockedServer } from './harness.js';

const sign = createSigner({ key: SECRET, expiresIn: 3_600_000 });

export { Clock, DAY, HOUR, MINUTE } from './harness.js';

/** An enterprise with its own token (role enterprise, its 18-character unified social credit code). */
export interface Enterprise {
  label: string;
  name: string;
  creditCode: string;
  token: string;
}

const CODE_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'; // GB 32100-2015: no I, O, S, V, Z

/** Enterprise number n (0 ≤ n < 31⁵): a valid, distinct credit code and a signed token. */
export function enterprise(n: number, name = `深圳市测试创新企业${n}号有限公司`): Enterprise {
  let tail = '';
  for (let i = 0, v = n; i < 5; i++, v = Math.floor(v / CODE_ALPHABET.length)) tail = CODE_ALPHABET[v % CODE_ALPHABET.length] + tail;
  const creditCode = `91440300MA5G${tail}K`;
  return { label: `E${n}`, name, creditCode, token: sign({ sub: `ent-${creditCode}`, role: 'enterprise', creditCode, name }) };
}

/** The harness's two enterprises, as Enterprise values. */
export const E_HARNESS: Enterprise = { label: 'enterprise', name: '深圳市创新科技有限公司', creditCode: '91440300MA5DC0XX1A', token: tokens.enterprise };
export const E_HARNESS2: Enterprise = { label: 'enterprise2', name: '深圳市智造有限公司', creditCode: '91440300MA5DC0YY2B', token: tokens.enterprise2 };

export type Who = TokenName | Enterprise | null;
export type Res = Awaited<ReturnType<TestServer['request']>>;
export interface Answer {
  id: string;
  revision: number;
  position: number;
}

export const sha = (c: string) => c.repeat(64);
/** SHA-256 of the UTF-8 text in lower-case hex: a lottery seed's commitment (lotterySeedSha256). */
export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
export const declared = { industry: '集成电路设计', employees: 80, annualRevenue: 30_000_000, rndShare: 0.15 };

export function submitBody(e: Enterprise, requestedArea: number, extra: Record<string, unknown> = {}) {
  return { requestedArea, enterpriseName: e.name, declared, documents: [{ name: '营业执照.pdf', sha256: sha('a') }], ...extra };
}

export const applicationIdOf = (noticeId: string, e: Enterprise) => `${noticeId}.${e.creditCode}`;

export interface NoticeInfo {
  projectId: string;
  noticeId: string;
  opensAt: string;
  closesAt: string;
  area: number;
  position: number;
}

export interface Applicant {
  who: Enterprise;
  area: number;
  /** Default true. */
  qualified?: boolean;
  score?: number;
}

export const STAGES = ['announced', 'open', 'submitted', 'reviewed', 'closed', 'publicity', 'publicityOver', 'allocated', 'result', 'leased'] as const;
export type Stage = (typeof STAGES)[number];
const reached = (until: Stage, stage: Stage) => STAGES.indexOf(until) >= STAGES.indexOf(stage);

export interface Flow extends NoticeInfo {
  /** Application ids, in the order of the applicants. */
  apps: string[];
  /** Submission answers, in the order of the applicants. */
  submitted: Answer[];
  publicity?: { startsAt: string; endsAt: string };
  allocations?: { applicationId: string; area: number; rank?: number }[];
}

/** Talks to one test server as any actor, and walks notices through the procedure. */
export class Api {
  constructor(
    readonly srv: TestServer,
    readonly clock: Clock,
  ) {}

  request(who: Who, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
    const auth: Record<string, string> = who !== null && typeof who === 'object' ? { authorization: `Bearer ${who.token}` } : {};
    return this.srv.request(method, path, {
      token: typeof who === 'string' ? who : null,
      headers: { ...headers, ...auth },
      ...(body !== undefined ? { body } : {}),
    });
  }

  /** The request must succeed (200 or 201, or the given status). */
  async ok(who: Who, method: string, path: string, body?: unknown, status?: number): Promise<Answer & Record<string, unknown>> {
    const res = await this.request(who, method, path, body);
    if (status !== undefined) expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(status);
    else expect([200, 201], `${method} ${path} → ${res.status}: ${JSON.stringify(res.body)}`).toContain(res.status);
    return res.body;
  }

  /** The id of an event on record, for a finding's evidence (it must exist): the log's first, after registering a project if it is empty. */
  async evidence(): Promise<string> {
    const [first] = await this.srv.services.events.readAll(0, 1);
    if (first) return first.id;
    await this.ok('nanshan', 'POST', '/api/projects', sampleProject, 201);
    return (await this.srv.services.events.readAll(0, 1))[0]!.id;
  }

  /** A read once the read models have reached the log's head. */
  async read(who: Who, path: string): Promise<Res> {
    const head = await this.srv.logSize();
    return this.request(who, 'GET', `${path}${path.includes('?') ? '&' : '?'}consistentWith=${head}`);
  }

  /** The raw events of one stream (as the auditor sees them). */
  async stream(name: string): Promise<{ id: string; type: string; stream: string; position: number; revision: number; data: Record<string, unknown>; occurredAt: string; metadata: Record<string, unknown> }[]> {
    const res = await this.request('auditor', 'GET', `/api/streams/${encodeURIComponent(name)}/events`);
    expect(res.status).toBe(200);
    return res.body.items;
  }

  async publishedProject(officer: TokenName = 'nanshan', overrides: Record<string, unknown> = {}): Promise<string> {
    const district = officer === 'futian' ? 'futian' : 'nanshan';
    const reg = await this.ok(officer, 'POST', '/api/projects', { ...sampleProject, district, ...overrides }, 201);
    await this.ok(officer, 'POST', `/api/projects/${reg.id}/publish`);
    return reg.id;
  }

  /** A notice whose window opens a minute from now and stays open an hour (unless told otherwise). */
  async notice(options: { projectId?: string; officer?: TokenName; area?: number; opensIn?: number; openFor?: number; publicityWorkingDays?: number; extra?: Record<string, unknown> } = {}): Promise<NoticeInfo> {
    const officer = options.officer ?? 'nanshan';
    const projectId = options.projectId ?? (await this.publishedProject(officer));
    const opensAt = new Date(this.clock.ms + (options.opensIn ?? MINUTE)).toISOString();
    const closesAt = new Date(Date.parse(opensAt) + (options.openFor ?? HOUR)).toISOString();
    const area = options.area ?? 1000;
    const body = {
      projectId,
      supplyMode: 'rent',
      area,
      price: 65,
      eligibility: '在深圳市注册的创新型中小企业，近两年研发投入占营业收入比例不低于5%',
      opensAt,
      closesAt,
      ...(options.publicityWorkingDays !== undefined ? { publicityWorkingDays: options.publicityWorkingDays } : {}),
      ...options.extra,
    };
    const res = await this.ok(officer, 'POST', '/api/notices', body, 201);
    return { projectId, noticeId: res.id, opensAt, closesAt, area, position: res.position };
  }

  submit(noticeId: string, who: Enterprise, area: number, extra: Record<string, unknown> = {}): Promise<Res> {
    return this.request(who, 'POST', `/api/notices/${noticeId}/applications`, submitBody(who, area, extra));
  }

  review(applicationId: string, qualified: boolean, score?: number, officer: TokenName = 'nanshan') {
    const body = { qualified, reasons: qualified ? [] : ['不符合准入条件：研发投入占比不足'], ...(score !== undefined ? { score } : {}) };
    return this.ok(officer, 'POST', `/api/applications/${encodeURIComponent(applicationId)}/review`, body);
  }

  /** Starts the publicity and answers its period, as the notice read model shows it. */
  async startPublicity(noticeId: string, officer: TokenName = 'nanshan'): Promise<{ startsAt: string; endsAt: string }> {
    await this.ok(officer, 'POST', `/api/notices/${noticeId}/publicity`);
    const notice = await this.read(null, `/api/notices/${noticeId}`);
    expect(notice.body.publicity).toBeDefined();
    return { startsAt: notice.body.publicity.startsAt, endsAt: notice.body.publicity.endsAt };
  }

  /** The objection ids on an application, as its district's officer sees them. */
  async objectionsOf(applicationId: string): Promise<string[]> {
    const res = await this.read('nanshan', `/api/applications/${encodeURIComponent(applicationId)}`);
    expect(res.status).toBe(200);
    return Object.keys(res.body.objections);
  }

  /**
   * Walks a fresh notice through the procedure up to (and including) `until`. The notice commits to a
   * lottery seed (`seed`, or 'seed' for a lottery) when one is given or the method is a lottery.
   */
  async flow(options: { applicants: Applicant[]; until: Stage; area?: number; method?: 'ranking' | 'lottery' | 'first_come'; seed?: string; officer?: TokenName; publicityWorkingDays?: number }): Promise<Flow> {
    const officer = options.officer ?? 'nanshan';
    const committed = options.seed ?? (options.method === 'lottery' ? 'seed' : undefined);
    const n = await this.notice({
      officer,
      area: options.area ?? 1000,
      publicityWorkingDays: options.publicityWorkingDays ?? 1,
      ...(committed !== undefined ? { extra: { lotterySeedSha256: sha256(committed) } } : {}),
    });
    const flow: Flow = { ...n, apps: [], submitted: [] };
    if (!reached(options.until, 'open')) return flow;
    this.clock.to(n.opensAt);
    if (!reached(options.until, 'submitted')) return flow;
    for (const a of options.applicants) {
      const res = await this.submit(n.noticeId, a.who, a.area);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.id).toBe(applicationIdOf(n.noticeId, a.who));
      flow.apps.push(res.body.id);
      flow.submitted.push(res.body);
    }
    if (reached(options.until, 'reviewed')) {
      for (const [i, a] of options.applicants.entries()) await this.review(flow.apps[i]!, a.qualified ?? true, a.score, officer);
    }
    if (!reached(options.until, 'closed')) return flow;
    this.clock.to(Date.parse(n.closesAt) + MINUTE);
    if (!reached(options.until, 'publicity')) return flow;
    flow.publicity = await this.startPublicity(n.noticeId, officer);
    if (!reached(options.until, 'publicityOver')) return flow;
    this.clock.to(Date.parse(flow.publicity.endsAt) + MINUTE);
    if (!reached(options.until, 'allocated')) return flow;
    const method = options.method ?? 'first_come';
    const alloc = await this.ok(officer, 'POST', `/api/notices/${n.noticeId}/allocation`, { method, ...(committed !== undefined ? { seed: committed } : {}) });
    flow.allocations = alloc.allocations as Flow['allocations'];
    if (!reached(options.until, 'result')) return flow;
    await this.ok(officer, 'POST', `/api/notices/${n.noticeId}/results`);
    if (!reached(options.until, 'leased')) return flow;
    const first = flow.allocations![0];
    expect(first, 'someone was allocated area, so a lease can be recorded').toBeDefined();
    await this.ok(officer, 'POST', `/api/applications/${encodeURIComponent(first!.applicationId)}/contract`, { area: first!.area, contractRef: `租赁合同-${n.noticeId.slice(0, 8)}`, signedOn: this.clock.iso, ...leaseFrom(this.clock.iso) });
    return flow;
  }
}

/** A server on a clock the test moves, started before the file's tests and closed after them, with an Api on it. */
export function useProcedureServer(at: string, options: ServerOptions = {}): { srv: TestServer; api: Api; clock: Clock } {
  const { srv, clock } = useClockedServer(at, options);
  return { srv, clock, api: new Api(srv, clock) };
}

/** Checks a refusal: status, problem+json, and (for 422) the stable code. */
export function expectProblem(res: Res, status: number, code?: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) });
  if (code !== undefined) {
    expect(res.body.code).toBe(code);
    expect(res.body.type).toBe(`urn:industrial-space:problem:${code.toLowerCase().replaceAll('_', '-')}`);
  }
}

/** A lease's term and rent for a contract recorded in a test: three years from the signing. */
export function leaseFrom(signedOn: string, years = 3, monthlyRent = 30_000) {
  const starts = new Date(signedOn);
  const ends = new Date(starts);
  ends.setUTCFullYear(ends.getUTCFullYear() + years);
  return { startsOn: starts.toISOString(), endsOn: ends.toISOString(), monthlyRent };
}
