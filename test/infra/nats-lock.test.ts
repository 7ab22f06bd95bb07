// The cross-instance locks and the leader lease, on the real NATS server (unique buckets per run).
import { randomUUID } from 'node:crypto';
import { connect } from 'nats';
import { NATS, natsUp as natsUpFor } from '../nats.js';
import { afterAll, describe, expect, it } from 'vitest';
import { NatsCoordination, NatsKeyedLock } from '../../src/infra/nats-lock.js';

const natsUp = await natsUpFor('NATS lock tests');

const opened: NatsCoordination[] = [];
const prefixes = new Set<string>();
async function instance(prefix: string, options: { lockTtlMs?: number; leaseTtlMs?: number } = {}) {
  const c = await NatsCoordination.connect(NATS, { prefix, lockWaitMs: 20_000, ...options });
  opened.push(c);
  prefixes.add(prefix);
  return c;
}
afterAll(async () => {
  await Promise.all(opened.map((c) => c.close()));
  if (prefixes.size === 0) return;
  const nc = await connect({ servers: NATS });
  const jsm = await nc.jetstreamManager();
  for (const p of prefixes) for (const what of ['locks', 'leader']) await jsm.streams.delete(`KV_${p}_${what}`).catch(() => undefined);
  await nc.close();
});
const until = async (check: () => boolean) => {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
};

(natsUp ? describe : describe.skip)('NatsKeyedLock', () => {
  it('lets one holder at a time run, across instances', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const [a, b] = [await instance(prefix), await instance(prefix)];
    const locks = [a.locks(), b.locks()];
    let inside = 0;
    let most = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        locks[i % 2]!.run('notice:n1', async () => {
          inside++;
          most = Math.max(most, inside);
          await new Promise((r) => setTimeout(r, 3));
          inside--;
          done++;
        }),
      ),
    );
    expect(done).toBe(20);
    expect(most).toBe(1);
    // Different keys do not wait on each other.
    let both = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const holding = new Promise<void>((r) => (entered = r));
    const first = locks[0]!.run('notice:x', async () => {
      both++;
      entered();
      await gate;
    });
    await holding; // notice:x is held (until the gate opens) before notice:y is asked for
    await locks[1]!.run('notice:y', async () => {
      both++;
    });
    expect(both).toBe(2);
    release();
    await first;
  });

  it('keeps a lock its holder still works under past the TTL, and hands it on after', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const [a, b] = [await instance(prefix, { lockTtlMs: 2_000 }), await instance(prefix, { lockTtlMs: 2_000 })];
    const steps: string[] = [];
    let entered!: () => void;
    const holding = new Promise<void>((r) => (entered = r));
    const slow = a.locks().run('notice:slow', async () => {
      steps.push('a in');
      entered();
      await new Promise((r) => setTimeout(r, 5_000)); // two and a half lock lifetimes
      steps.push('a out');
    });
    await holding;
    await b.locks().run('notice:slow', async () => void steps.push('b in'));
    await slow;
    expect(steps).toEqual(['a in', 'a out', 'b in']);
  });

  it('holds a lock whose creation was stored though its reply was lost, and releases it', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}`;
    await instance(prefix);
    const nc = await connect({ servers: NATS });
    try {
      const kv = await nc.jetstream().views.kv(`${prefix}_locks`);
      // The real bucket; its create() stores the entry, then fails as a timed-out request would.
      const lossy = Object.create(kv) as typeof kv;
      lossy.create = async (k, v) => {
        await kv.create(k, v);
        throw new Error('TIMEOUT');
      };
      const lock = new NatsKeyedLock(lossy, 'instance-a', 1_000);
      expect(await lock.run('notice:lost-reply', async () => 'held')).toBe('held');
      // Released: another holder gets it at once, not after the lock's lifetime.
      expect(await new NatsKeyedLock(kv, 'instance-b', 100).run('notice:lost-reply', async () => 'next')).toBe('next');
    } finally {
      await nc.close();
    }
  });

  it('frees the lock of a holder that died, after the TTL', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const dying = await instance(prefix, { lockTtlMs: 1500 });
    const survivor = await instance(prefix, { lockTtlMs: 1500 });
    let entered!: () => void;
    const holding = new Promise<void>((r) => (entered = r));
    void dying.locks().run('enterprise:X', async () => {
      entered();
      await new Promise(() => undefined); // never returns: the process "dies" holding it
    });
    await holding;
    await dying.close(); // its connection goes; nobody releases
    const got = await survivor.locks().run('enterprise:X', async () => 'acquired');
    expect(got).toBe('acquired');
  });
});

(natsUp ? describe : describe.skip)('NatsLeaderLease', () => {
  it('elects exactly one, hands over on stop, and takes over from a holder that died', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const ttl = 3000; // renewals every second: slack for a loaded CI machine
    const events: string[] = [];
    const make = async (name: string) => {
      const c = await instance(prefix, { leaseTtlMs: ttl });
      const lease = c.lease('projections', { onElected: () => void events.push(`${name}+`), onDemoted: () => void events.push(`${name}-`) });
      return { c, lease };
    };
    const a = await make('a');
    const b = await make('b');
    const c = await make('c');
    await a.lease.start();
    await b.lease.start();
    await c.lease.start();
    expect([a, b, c].filter((x) => x.lease.isLeader)).toHaveLength(1);
    expect(a.lease.isLeader).toBe(true);
    // A graceful stop: the entry is deleted, one of the others takes over at its next try.
    await a.lease.stop();
    await until(() => b.lease.isLeader || c.lease.isLeader);
    expect([b, c].filter((x) => x.lease.isLeader)).toHaveLength(1);
    const [next, other] = b.lease.isLeader ? [b, c] : [c, b];
    // The leader dies (its connection drops without a word): the lease runs out, the other leads, and the
    // one cut off has stopped counting itself leader by then (its renewals fail: it trusts the lease less long).
    await next.c.close();
    await until(() => other.lease.isLeader);
    expect(other.lease.isLeader).toBe(true);
    expect(next.lease.isLeader).toBe(false);
    expect(events.filter((e) => e.endsWith('+'))).toHaveLength(3);
    await other.lease.stop();
    await next.lease.stop();
  });
});

(natsUp ? describe : describe.skip)('NatsLeaderLease beside slow handlers', () => {
  const ttl = 4_000; // renewals every 1.3 s, trusted for 3.2 s: slack for a loaded CI machine

  it('keeps renewing while onElected runs longer than the lease, so no other instance is elected meanwhile', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const a = (await instance(prefix, { leaseTtlMs: ttl })).lease('leader', { onElected: () => new Promise((r) => setTimeout(r, 1.5 * ttl)), onDemoted: () => undefined });
    let bElected = false;
    const b = (await instance(prefix, { leaseTtlMs: ttl })).lease('leader', { onElected: () => void (bElected = true), onDemoted: () => undefined });
    const started = a.start();
    await until(() => a.isLeader);
    await b.start();
    await started; // onElected done: one and a half lease lengths later
    expect(bElected).toBe(false);
    expect(a.isLeader).toBe(true);
    await b.stop();
    await a.stop();
  });

  it('stops the leader\'s work before it lets the lease go, however long that takes, so the next leader starts after', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const steps: string[] = [];
    const a = (await instance(prefix, { leaseTtlMs: ttl })).lease('leader', {
      onElected: () => void steps.push('a elected'),
      onDemoted: async () => {
        await new Promise((r) => setTimeout(r, 1.5 * ttl)); // longer than the lease
        steps.push('a stopped its work');
      },
    });
    const b = (await instance(prefix, { leaseTtlMs: ttl })).lease('leader', { onElected: () => void steps.push('b elected'), onDemoted: () => undefined });
    await a.start();
    await b.start();
    await a.stop();
    await until(() => b.isLeader);
    expect(steps).toEqual(['a elected', 'a stopped its work', 'b elected']);
    await b.stop();
  });
});

(natsUp ? describe : describe.skip)('NatsCoordination buckets', () => {
  it('brings a bucket made with another lifetime to the one configured, longer or shorter', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const ttls = async () => {
      const nc = await connect({ servers: NATS });
      try {
        const js = nc.jetstream();
        return [(await (await js.views.kv(`${prefix}_locks`)).status()).ttl, (await (await js.views.kv(`${prefix}_leader`)).status()).ttl];
      } finally {
        await nc.close();
      }
    };
    await instance(prefix, { lockTtlMs: 5_000, leaseTtlMs: 2_000 });
    await instance(prefix, { lockTtlMs: 30_000, leaseTtlMs: 12_000 });
    expect(await ttls()).toEqual([30_000, 12_000]);
    // Shorter than the de-duplication window the first lifetime set: the window comes down with it.
    await instance(prefix, { lockTtlMs: 3_000, leaseTtlMs: 1_500 });
    expect(await ttls()).toEqual([3_000, 1_500]);
  });
});
