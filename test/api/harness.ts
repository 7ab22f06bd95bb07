// A real server on a loopback port, on fresh embedded stores, for API tests over real HTTP.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSigner } from 'fast-jwt';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { type AppOptions, buildApp } from '../../src/api/app.js';
import type { Services } from '../../src/application/services.js';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import { SqliteEventStore } from '../../src/infra/sqlite-event-store.js';
import { type ServicesOptions, createServices } from '../../src/application/services.js';

export const SECRET = 'test-secret-of-at-least-sixteen-chars';
const sign = createSigner({ key: SECRET, expiresIn: 3_600_000 });

export const tokens = {
  admin: sign({ sub: 'admin-1', role: 'city_admin', name: '市规划国土委' }),
  nanshan: sign({ sub: 'officer-ns', role: 'housing_dept', district: 'nanshan', name: '南山区住房和建设局' }),
  futian: sign({ sub: 'officer-ft', role: 'housing_dept', district: 'futian', name: '福田区住房和建设局' }),
  cityDept: sign({ sub: 'officer-city', role: 'housing_dept', district: 'city', name: '市工业和信息化局' }),
  enterprise: sign({ sub: 'ent-1', role: 'enterprise', creditCode: '91440300MA5DC0XX1A', name: '深圳市创新科技有限公司' }),
  enterprise2: sign({ sub: 'ent-2', role: 'enterprise', creditCode: '91440300MA5DC0YY2B', name: '深圳市智造有限公司' }),
  auditor: sign({ sub: 'auditor-1', role: 'auditor', name: '市纪委监委派驻组' }),
  forged: createSigner({ key: 'another-secret-of-at-least-thirty-two-chars', expiresIn: 3_600_000 })({ sub: 'x', role: 'city_admin' }),
};
export type TokenName = keyof typeof tokens;

export interface TestServer {
  url: string;
  services: Services;
  app: FastifyInstance;
  dir: string;
  request(method: string, path: string, options?: { token?: TokenName | null; body?: unknown; headers?: Record<string, string>; raw?: string }): Promise<{
    status: number;
    body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
    headers: Headers;
  }>;
  /** Number of events in the whole log. */
  logSize(): Promise<number>;
  close(): Promise<void>;
}

export interface ServerOptions extends ServicesOptions {
  /** How long an append waits for another connection's write lock (the store's default: 5 s). */
  busyTimeoutMs?: number;
}

/** `app` adds to the app's options (auth, rate limits, CORS…); tokens above stay valid unless `auth` replaces the secret. */
export async function startServer(options: ServerOptions = {}, app: AppOptions = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'isp-api-'));
  const { busyTimeoutMs, ...servicesOptions } = options;
  const events = SqliteEventStore.open(join(dir, 'events.db'), { ...(options.clock ? { clock: options.clock } : {}), ...(busyTimeoutMs !== undefined ? { busyTimeoutMs } : {}) });
  const reads = EmbeddedReadStore.open(dir);
  const services = createServices(events, reads, { consistencyTimeoutMs: 2000, ...servicesOptions });
  const server = await buildApp(services, { jwtSecret: SECRET, ...app });
  await services.runner.start();
  const url = await server.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    services,
    app: server,
    dir,
    async request(method, path, { token = null, body, headers = {}, raw } = {}) {
      const h: Record<string, string> = { ...headers };
      if (token) h.authorization = `Bearer ${tokens[token]}`;
      let payload: string | undefined = raw;
      if (body !== undefined) payload = JSON.stringify(body);
      if (payload !== undefined) h['content-type'] ??= 'application/json';
      const res = await fetch(url + path, { method, headers: h, body: payload });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON (metrics, docs)
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    logSize: () => events.headPosition(),
    async close() {
      await server.close();
      await services.runner.stop();
      await events.close();
      await reads.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Business time, moved only forward by the test. Stamps recordedAt/occurredAt and the deciders' `now`. */
export class Clock {
  private t: number;
  /** Milliseconds added at every reading (0: the clock stands still until the test moves it). */
  tick = 0;
  constructor(iso: string) {
    this.t = Date.parse(iso);
  }
  readonly read = (): Date => new Date((this.t += this.tick));
  get ms(): number {
    return this.t;
  }
  get iso(): string {
    return new Date(this.t).toISOString();
  }
  advance(ms: number): void {
    this.t += ms;
  }
  /** Moves to `at` (never backwards: a test that tries has a logic error). */
  to(at: string | number): void {
    const ms = typeof at === 'number' ? at : Date.parse(at);
    if (Number.isNaN(ms)) throw new Error(`not a time: ${at}`);
    if (ms < this.t) throw new Error(`the clock only moves forward (at ${this.iso}, asked for ${new Date(ms).toISOString()})`);
    this.t = ms;
  }
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/**
 * A server for a whole test file: started before its tests, closed after them. The handle answers for
 * the server once started (using it earlier is a mistake in the test, and says so).
 */
export function useServer(options: ServerOptions = {}): TestServer {
  let started: TestServer | null = null;
  const server = () => {
    if (!started) throw new Error('the test server starts in beforeAll: use it inside a test or a hook');
    return started;
  };
  beforeAll(async () => {
    started = await startServer(options);
  });
  afterAll(async () => {
    await started?.close();
  });
  return {
    get url() {
      return server().url;
    },
    get services() {
      return server().services;
    },
    get app() {
      return server().app;
    },
    get dir() {
      return server().dir;
    },
    request: (...args) => server().request(...args),
    logSize: () => server().logSize(),
    close: () => server().close(),
  };
}

/** useServer on a settable clock starting at `at` (business time stands still until the test moves it). */
export function useClockedServer(at: string | Clock, options: ServerOptions = {}): { srv: TestServer; clock: Clock } {
  const clock = typeof at === 'string' ? new Clock(at) : at;
  return { srv: useServer({ ...options, clock: clock.read }), clock };
}

export const sampleProject = {
  name: '南山智园崇文园区',
  district: 'nanshan',
  address: '南山区留仙大道3370号',
  useType: 'rnd',
  supplyModes: ['rent'],
  totalArea: 12000,
  managingDepartment: '南山区住房和建设局',
  location: { lng: 113.95, lat: 22.58 },
};
