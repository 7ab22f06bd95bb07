// NATS goes away for 30 s while commands keep arriving, then comes back: the API keeps serving, and
// every integration event reaches JetStream exactly once (the publisher resumes from its checkpoint,
// JetStream drops repeats by message id). The test runs its own nats-server on a spare port.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { createServices } from '../../src/application/services.js';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import { NatsBus } from '../../src/infra/nats-bus.js';
import { SqliteEventStore } from '../../src/infra/sqlite-event-store.js';
import { EventPublisher } from '../../src/projections/event-publisher.js';
import { SECRET, sampleProject, tokens } from '../api/harness.js';

const NATS_SERVER = '/usr/sbin/nats-server';
const OUTAGE_MS = 30_000;
const haveServer = existsSync(NATS_SERVER);
if (!haveServer) {
  if (process.env.CI) throw new Error(`${NATS_SERVER} is missing`);
  console.warn(`NATS outage test skipped: no ${NATS_SERVER}`);
}

function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

let nats: ChildProcess | null = null;
const work = mkdtempSync(join(tmpdir(), 'isp-nats-outage-'));

async function startNats(port: number): Promise<void> {
  nats = spawn(NATS_SERVER, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', join(work, 'jetstream')], { stdio: 'ignore' });
  for (;;) {
    try {
      const nc = await connect({ servers: `nats://127.0.0.1:${port}`, timeout: 500, reconnect: false });
      await nc.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function stopNats(): Promise<void> {
  const proc = nats;
  nats = null;
  if (!proc || proc.exitCode !== null) return;
  const gone = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await gone;
}

afterAll(async () => {
  await stopNats();
  rmSync(work, { recursive: true, force: true });
});

(haveServer ? describe : describe.skip)('a NATS outage of 30 s under load', () => {
  it('loses and doubles no integration event, and the API keeps serving', async () => {
    const port = await sparePort();
    const url = `nats://127.0.0.1:${port}`;
    await startNats(port);
    const prefix = `outage${randomUUID().slice(0, 6)}`;
    const events = SqliteEventStore.open(join(work, 'events.db'));
    const reads = EmbeddedReadStore.open(null);
    const bus = await NatsBus.connect(url, { prefix });
    const services = createServices(events, reads, { bus });
    const app = await buildApp(services, { jwtSecret: SECRET });
    await services.runner.start();
    let publishFailures = 0;
    const publisher = new EventPublisher(events, reads, bus, { batchSize: 20, retry: { initialDelayMs: 100, maxDelayMs: 1000 }, onError: () => publishFailures++ });
    await publisher.start();

    // Load: registrations one after another, and public reads, for the whole test.
    let phase: 'before' | 'outage' | 'after' = 'before';
    const answered: Record<string, number[]> = { before: [], outage: [], after: [] };
    let loading = true;
    let n = 0;
    const load = (async () => {
      while (loading) {
        const at = phase;
        const res = await app.inject({
          method: 'POST',
          url: '/api/projects',
          headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' },
          payload: JSON.stringify({ ...sampleProject, name: `断线期间项目${n++}` }),
        });
        answered[at]!.push(res.statusCode);
        const read = await app.inject({ method: 'GET', url: '/api/projects?pageSize=5' });
        answered[at]!.push(read.statusCode);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    while (publisher.position < 20) await new Promise((r) => setTimeout(r, 20));
    await stopNats();
    phase = 'outage';
    await new Promise((r) => setTimeout(r, OUTAGE_MS)); // the outage itself: its length is the scenario
    await startNats(port);
    phase = 'after';
    while (answered.after!.length < 20) await new Promise((r) => setTimeout(r, 20));
    loading = false;
    await load;

    // The API answered every request, during the outage too.
    for (const p of ['before', 'outage', 'after'] as const) {
      expect(answered[p]!.length, p).toBeGreaterThan(0);
      expect(new Set(answered[p]), p).toEqual(new Set(answered[p]!.length ? [201, 200] : []));
    }
    const head = await events.headPosition();
    expect(head).toBe(answered.before!.length / 2 + answered.outage!.length / 2 + answered.after!.length / 2);
    while (publisher.position < head) await new Promise((r) => setTimeout(r, 50));
    expect(publishFailures).toBeGreaterThan(0); // the outage was felt, and recovered from

    // The consumer side: every message of the stream, counted by its message id.
    const nc = await connect({ servers: url });
    const jsm = await nc.jetstreamManager();
    const stream = NatsBus.streamName(prefix);
    const info = await jsm.streams.info(stream);
    const byId = new Map<string, number>();
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq });
      const id = m.header.get('Nats-Msg-Id');
      byId.set(id, (byId.get(id) ?? 0) + 1);
    }
    const logIds = (await events.readAll(0, 1_000_000)).map((e) => e.id);
    expect([...byId.values()].filter((c) => c > 1)).toEqual([]); // 0 duplicated
    expect(logIds.filter((id) => !byId.has(id))).toEqual([]); // 0 lost
    expect(byId.size).toBe(head);
    await nc.close();

    await publisher.stop();
    await app.close();
    await services.runner.stop();
    await bus.close();
    await events.close();
  }, 120_000);
});
