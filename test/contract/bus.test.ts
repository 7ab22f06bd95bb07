// The bus port's contract, on the in-process bus and on a real NATS server with JetStream.
import { randomUUID } from 'node:crypto';
import { connect, JSONCodec } from 'nats';
import { NATS, natsUp as natsUpFor } from '../nats.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bus, LocalBus, type LiveUpdate } from '../../src/infra/bus.js';
import type { RecordedEvent } from '../../src/infra/event-store.js';
import { NatsBus, OMITTED_HEADER } from '../../src/infra/nats-bus.js';

const natsUp = await natsUpFor('NATS leg');

const update = (n: number): LiveUpdate => ({ topic: `project:p${n}`, position: n, data: { n }, audience: { public: true } });
const nextUpdates = (bus: Bus, count: number) =>
  new Promise<LiveUpdate[]>((resolve) => {
    const got: LiveUpdate[] = [];
    const off = bus.onLive((u) => {
      got.push(u);
      if (got.length === count) {
        off();
        resolve(got);
      }
    });
  });

function busContract(name: string, make: (onError: (err: unknown) => void) => Promise<Bus>, enabled = true) {
  (enabled ? describe : describe.skip)(`bus contract: ${name}`, () => {
    let bus: Bus;
    const reported: unknown[] = [];
    beforeAll(async () => {
      bus = await make((err) => reported.push(err));
    });
    afterAll(async () => bus?.close());

    it('delivers live updates in order to every listener', async () => {
      const a = nextUpdates(bus, 3);
      const b = nextUpdates(bus, 3);
      for (const n of [1, 2, 3]) await bus.publishLive(update(n));
      const [ga, gb] = await Promise.all([a, b]);
      expect(ga.map((u) => u.position)).toEqual([1, 2, 3]);
      expect(gb).toEqual(ga);
      expect(ga[0]).toEqual(update(1));
    });

    it('stops delivering to a listener that unsubscribed', async () => {
      const seen: number[] = [];
      let received10!: () => void;
      const got10 = new Promise<void>((resolve) => (received10 = resolve));
      const off = bus.onLive((u) => {
        seen.push(u.position);
        if (u.position === 10) received10();
      });
      await bus.publishLive(update(10));
      await got10;
      off();
      // Another listener receiving 11 is the signal: 11 has been delivered, to every listener still on.
      const later = nextUpdates(bus, 1);
      await bus.publishLive(update(11));
      expect((await later).map((u) => u.position)).toEqual([11]);
      expect(seen).toEqual([10]);
    });

    it('reports a listener that throws, and still delivers to the others and resolves the publish', async () => {
      const failure = new Error('a listener that fails');
      const offFailing = bus.onLive(() => {
        throw failure;
      });
      const others = nextUpdates(bus, 2);
      await expect(bus.publishLive(update(20))).resolves.toBeUndefined();
      await bus.publishLive(update(21));
      expect((await others).map((u) => u.position)).toEqual([20, 21]);
      offFailing();
      expect(reported).toEqual([failure, failure]);
    });
  });
}

busContract('in-process', async (onError) => new LocalBus(onError));
busContract('NATS', async (onError) => NatsBus.connect(NATS, { prefix: `t${randomUUID().slice(0, 8)}`, onError }), natsUp);

describe.skipIf(!natsUp)('NATS integration events (JetStream)', () => {
  const event = (n: number): RecordedEvent => ({
    id: randomUUID(),
    type: 'ProjectPublished',
    stream: `project-p${n}`,
    revision: 1,
    position: n,
    recordedAt: '2026-01-01T00:00:00.000Z',
    occurredAt: '2026-01-01T00:00:00.000Z',
    data: { projectId: `p${n}` },
    metadata: { actor: { id: 'a', role: 'city_admin' }, correlationId: 'c', causationId: null, requestId: 'r', schemaVersion: 1 },
  });

  it('answers the last published event and its log identity: the checkpoint a new leader resumes from', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const bus = await NatsBus.connect(NATS, { prefix });
    expect(await bus.lastPublished()).toBeNull();
    const [one, two] = [event(1), event(2)];
    await bus.publishEvents([one, two], 'log-1');
    await bus.publishEvents([one], 'log-1'); // a repeat is dropped, the last stays 2
    expect(await bus.lastPublished()).toEqual({ position: 2, logIdentity: 'log-1' });
    await bus.close();
    const nc = await connect({ servers: NATS });
    await (await nc.jetstreamManager()).streams.delete(NatsBus.streamName(prefix));
    await nc.close();
  });

  it('stores each event once, in order, even when published twice', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const bus = await NatsBus.connect(NATS, { prefix });
    const events = [event(1), event(2), event(3)];
    await bus.publishEvents(events);
    await bus.publishEvents(events.slice(1)); // a re-publish after a crash
    await bus.close();

    const nc = await connect({ servers: NATS });
    const jsm = await nc.jetstreamManager();
    const stream = NatsBus.streamName(prefix);
    const info = await jsm.streams.info(stream);
    expect(info.state.messages).toBe(3);
    const codec = JSONCodec<RecordedEvent>();
    const got = [];
    for (let seq = 1; seq <= 3; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq });
      expect(m.subject).toBe(`${prefix}.events.project.ProjectPublished`);
      got.push(codec.decode(m.data));
    }
    expect(got).toEqual(events);
    await jsm.streams.delete(stream);
    await nc.close();
  });
  it('refuses at connect an event size the server cannot carry (max_payload), naming both settings', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const probe = await connect({ servers: NATS });
    const maxPayload = probe.info!.max_payload;
    await probe.close();
    await expect(NatsBus.connect(NATS, { prefix, maxEventBytes: maxPayload + 1 })).rejects.toThrow(/max_payload.*MAX_APPEND_BYTES/);
    const bus = await NatsBus.connect(NATS, { prefix, maxEventBytes: maxPayload });
    await bus.close();
    const nc = await connect({ servers: NATS });
    await (await nc.jetstreamManager()).streams.delete(NatsBus.streamName(prefix));
    await nc.close();
  });

  it('publishes an event too large for the server without its data, marked, and goes on with the next', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const bus = await NatsBus.connect(NATS, { prefix });
    const nc = await connect({ servers: NATS });
    const big = { ...event(1), data: { projectId: 'p1', note: 'x'.repeat(nc.info!.max_payload) } };
    const next = event(2);
    await bus.publishEvents([big, next], 'log-1');
    await bus.close();
    const jsm = await nc.jetstreamManager();
    const stream = NatsBus.streamName(prefix);
    const first = await jsm.streams.getMessage(stream, { seq: 1 });
    expect(first.header.get(OMITTED_HEADER)).toBe('data');
    expect(JSONCodec<RecordedEvent>().decode(first.data)).toEqual({ ...big, data: null });
    const second = await jsm.streams.getMessage(stream, { seq: 2 });
    expect(second.header.get(OMITTED_HEADER)).toBe('');
    expect(JSONCodec<RecordedEvent>().decode(second.data)).toEqual(next);
    await jsm.streams.delete(stream);
    await nc.close();
  });

  it('keeps delivering live updates after a message that is not one', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const reported: unknown[] = [];
    const bus = await NatsBus.connect(NATS, { prefix, onError: (err) => reported.push(err) });
    const nc = await connect({ servers: NATS });
    const got: LiveUpdate[] = [];
    let throwOnce = true;
    bus.onLive((u) => {
      if (throwOnce) {
        throwOnce = false;
        throw new Error('a listener that fails');
      }
      got.push(u);
    });
    nc.publish(`${prefix}.live`, new TextEncoder().encode('not json'));
    const update: LiveUpdate = { topic: 'notices', position: 1, data: {}, audience: { public: true } };
    await bus.publishLive(update); // the listener throws on this one
    await bus.publishLive({ ...update, position: 2 });
    // The bad message comes on another connection: it may arrive before or after the updates.
    while (got.length < 1 || reported.length < 2) await new Promise((r) => setTimeout(r, 5));
    expect(got.map((u) => u.position)).toEqual([2]);
    const messages = reported.map((e) => (e as Error).message);
    expect(messages).toHaveLength(2);
    expect(messages).toContain('a listener that fails');
    expect(messages.filter((m) => /JSON/.test(m))).toHaveLength(1);
    await bus.close();
    await (await nc.jetstreamManager()).streams.delete(NatsBus.streamName(prefix));
    await nc.close();
  });
});
