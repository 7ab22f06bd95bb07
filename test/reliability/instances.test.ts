// Two server processes on one SQLite log and the real NATS server: the cross-stream rules hold across
// them (NATS KV locks), one leads (lease), and when the leader is killed the other takes over, with
// integration events neither lost nor doubled and read models equal to a rebuild from the log.
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { NATS, natsUp as natsUpFor } from '../nats.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RecordedEvent } from '../../src/infra/event-store.js';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import { NatsBus } from '../../src/infra/nats-bus.js';
import { SqliteEventStore } from '../../src/infra/sqlite-event-store.js';
import { allProjections } from '../../src/projections/index.js';
import { ProjectionRunner } from '../../src/projections/runner.js';
import { SECRET, sampleProject, startServer, tokens } from '../api/harness.js';
import { Api, Clock, DAY, MINUTE, enterprise, submitBody } from '../api/procedure-kit.js';
import { type MainProcess, startMain } from './main-process.js';

const natsUp = await natsUpFor('several-instances test');

interface Instance extends MainProcess {
  name: string;
  dir: string;
}

const prefix = `inst${randomUUID().slice(0, 8)}`;
let work: string;
let shared: string;
const instances: Instance[] = [];

async function startInstance(name: string): Promise<Instance> {
  const dir = mkdtempSync(join(work, `${name}-`));
  const env = { DATA_DIR: dir, EVENTS_FILE: shared, NATS_URL: NATS, NATS_PREFIX: prefix, JWT_SECRET: SECRET, LEADER_LEASE_MS: '2000', READ_MODEL_FLUSH_MS: '0', EVENTSTORE_URL: '', MONGO_URL: '' };
  return { name, dir, ...(await startMain(env, name)) };
}

async function call(inst: Instance, method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(inst.url + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function leaderOf(inst: Instance): Promise<boolean> {
  const res = await call(inst, 'GET', '/ready');
  return res.body?.checks?.instance?.leader === true;
}

async function readLog(): Promise<RecordedEvent[]> {
  const events = SqliteEventStore.open(shared);
  try {
    return await events.readAll(0, 1_000_000);
  } finally {
    await events.close();
  }
}

async function snapshot(store: EmbeddedReadStore) {
  const out: Record<string, unknown[]> = {};
  for (const p of allProjections) for (const c of p.collections) out[c] = await store.find(c, {}, { sort: { _id: 1 } });
  return out;
}

/** Monday 10:00 in Shenzhen, four to five weeks ago: the procedure set up then is under way now. */
function setupStart(): string {
  const d = new Date(Date.now() - 35 * DAY);
  d.setUTCHours(2, 0, 0, 0);
  while (d.getUTCDay() !== 1) d.setTime(d.getTime() + DAY);
  return d.toISOString();
}

let allocationNotice: string;
let openNotice: string;

(natsUp ? describe : describe.skip)('two instances on one log and NATS', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'isp-instances-'));
    shared = join(work, 'events.db');
    // The procedures are set up in the past through one in-process server with a clock, then its log
    // becomes the shared one: a notice whose publicity is over, and one open now.
    const clock = new Clock(setupStart());
    const srv = await startServer({ clock: clock.read });
    const api = new Api(srv, clock);
    const a = await api.flow({ applicants: [{ who: enterprise(7001), area: 400 }, { who: enterprise(7002), area: 500 }, { who: enterprise(7003), area: 300 }], until: 'publicityOver', seed: 'parallel-seed' });
    allocationNotice = a.noticeId;
    const opensIn = MINUTE;
    const b = await api.notice({ opensIn, openFor: Date.now() + 3 * DAY - (clock.ms + opensIn) });
    clock.to(b.opensAt);
    openNotice = b.noticeId;
    expect(clock.ms).toBeLessThan(Date.now());
    await srv.app.close();
    await srv.services.runner.stop();
    await srv.services.events.close(); // checkpoints the WAL into the file
    copyFileSync(join(srv.dir, 'events.db'), shared);
    await srv.close();
    instances.push(await startInstance('a'));
    instances.push(await startInstance('b'));
  }, 120_000);

  afterAll(async () => {
    for (const i of instances) if (i.proc.exitCode === null) i.proc.kill('SIGKILL');
    await Promise.all(instances.map((i) => i.exited));
    const nc = await connect({ servers: NATS });
    const jsm = await nc.jetstreamManager();
    for (const s of [NatsBus.streamName(prefix), `KV_${prefix}_locks`, `KV_${prefix}_leader`]) await jsm.streams.delete(s).catch(() => undefined);
    await nc.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('exactly one instance leads', async () => {
    const leaders = await Promise.all(instances.map(leaderOf));
    expect(leaders.filter(Boolean)).toHaveLength(1);
  });

  it('live updates reach sockets on both instances, once each, whichever instance took the command', async () => {
    const sockets = await Promise.all(
      instances.map(
        (inst) =>
          new Promise<{ ws: WebSocket; got: { topic: string; position: number }[] }>((resolve, reject) => {
            const ws = new WebSocket(`${inst.url.replace('http', 'ws')}/api/live`);
            const got: { topic: string; position: number }[] = [];
            ws.on('message', (raw) => {
              const m = JSON.parse(raw.toString());
              if (m.subscribed) resolve({ ws, got });
              else if (m.topic) got.push(m);
            });
            ws.on('open', () => ws.send(JSON.stringify({ subscribe: ['statistics'] })));
            ws.on('error', reject);
          }),
      ),
    );
    const follower = instances[(await Promise.all(instances.map(leaderOf))).indexOf(false)]!;
    const created = await call(follower, 'POST', '/api/projects', tokens.nanshan, { ...sampleProject, name: '推送测试项目' });
    expect(created.status).toBe(201);
    const published = await call(follower, 'POST', `/api/projects/${created.body.id}/publish`, tokens.nanshan);
    expect(published.status).toBe(200);
    const at = (s: { got: { position: number }[] }, position: number) => s.got.filter((m) => m.position === position);
    const arrived = async (position: number) => {
      while (!sockets.every((s) => at(s, position).length > 0)) await new Promise((r) => setTimeout(r, 20));
    };
    await arrived(published.body.position);
    // A later change to the same topic: a topic's pushes come in log order from whichever instance
    // publishes them, so once it has arrived a second copy of the first would have arrived before it.
    const marker = await call(instances[0]!, 'POST', '/api/projects', tokens.nanshan, { ...sampleProject, name: '推送标记项目' });
    const markerPublished = await call(instances[0]!, 'POST', `/api/projects/${marker.body.id}/publish`, tokens.nanshan);
    expect(markerPublished.status).toBe(200);
    await arrived(markerPublished.body.position);
    for (const s of sockets) expect(at(s, published.body.position)).toHaveLength(1);
    for (const s of sockets) expect(at(s, markerPublished.body.position)).toHaveLength(1);
    for (const s of sockets) s.ws.close();
  });

  it('20 simultaneous submissions by one enterprise, split across both: one application', async () => {
    const E = enterprise(7100);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call(instances[i % 2]!, 'POST', `/api/notices/${openNotice}/applications`, E.token, submitBody(E, 100 + i))),
    );
    const accepted = results.filter((r) => r.status === 201);
    expect(accepted, JSON.stringify(results.map((r) => [r.status, r.body?.code]))).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 201)) {
      expect(r.status).toBe(409);
      expect(['APPLICATION_ALREADY_LIVE', 'REVISION_CONFLICT']).toContain(r.body.code);
    }
    const submitted = (await readLog()).filter((e) => e.type === 'ApplicationSubmitted' && (e.data as { noticeId: string }).noticeId === openNotice);
    expect(submitted).toHaveLength(1);
  });

  it('10 simultaneous allocations, split across both: one AllocationDecided', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => call(instances[i % 2]!, 'POST', `/api/notices/${allocationNotice}/allocation`, tokens.nanshan, { method: 'lottery', seed: 'parallel-seed' })),
    );
    expect(results.filter((r) => r.status === 200), JSON.stringify(results.map((r) => [r.status, r.body?.code]))).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) expect([r.status, r.body.code]).toEqual([422, 'ALLOCATION_ALREADY_DECIDED']);
    expect((await readLog()).filter((e) => e.type === 'AllocationDecided' && e.stream === `notice-${allocationNotice}`)).toHaveLength(1);
  });

  it('the leader killed: the other takes over, integration events complete and single, read models equal a rebuild', async () => {
    const flags = await Promise.all(instances.map(leaderOf));
    const leader = instances[flags.indexOf(true)]!;
    const survivor = instances[flags.indexOf(false)]!;
    leader.proc.kill('SIGKILL');
    await leader.exited;
    while (!(await leaderOf(survivor))) await new Promise((r) => setTimeout(r, 100));
    // Work goes on through the survivor.
    for (let i = 0; i < 3; i++) expect((await call(survivor, 'POST', '/api/projects', tokens.admin, { ...sampleProject, name: `接管后项目${i}` })).status).toBe(201);
    const log = await readLog();
    const head = log.at(-1)!.position;

    // Every event of the log on the bus once: JetStream holds one message per event id.
    const nc = await connect({ servers: NATS });
    const jsm = await nc.jetstreamManager();
    const stream = NatsBus.streamName(prefix);
    while ((await jsm.streams.info(stream)).state.messages < head) await new Promise((r) => setTimeout(r, 100));
    const info = await jsm.streams.info(stream);
    expect(info.state.messages).toBe(head);
    const ids = new Set<string>();
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) ids.add((JSON.parse(new TextDecoder().decode((await jsm.streams.getMessage(stream, { seq })).data)) as RecordedEvent).id);
    expect(ids).toEqual(new Set(log.map((e) => e.id)));
    await nc.close();

    // The survivor's read models, written to its file on a clean stop, equal a rebuild from the log.
    const ready = await call(survivor, 'GET', `/ready`);
    expect(ready.body.checks.projections).toMatchObject({ ok: true, position: head });
    survivor.proc.kill('SIGTERM');
    expect(await survivor.exited).toBe(0);
    const kept = EmbeddedReadStore.open(survivor.dir);
    const events = SqliteEventStore.open(shared);
    const fresh = EmbeddedReadStore.open(null);
    const rebuild = new ProjectionRunner(events, fresh, allProjections);
    await rebuild.start();
    expect(await rebuild.waitFor(head, 20_000)).toBe(true);
    await rebuild.stop();
    expect(await snapshot(kept)).toEqual(await snapshot(fresh));
    await kept.close();
    await events.close();
  }, 60_000);
});

