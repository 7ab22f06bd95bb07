// The hash chain's part of the event store contract (event-store.test.ts runs it for every adapter):
// one chain over the whole log in log order, kept by racing appends and by two instances, the link at a
// position found by the same pass as the chain, and signed checkpoints over it verified through the port.
import { generateKeyPairSync } from 'node:crypto';
import { expect, it } from 'vitest';
import { checkpoint, signAnchor, signingKeyFrom, verifyLog } from '../../src/application/checkpoints.js';
import type { Anchor, AnchorLedger } from '../../src/infra/checkpoint-anchors.js';
import type { EventStore, NewEvent, RecordedEvent } from '../../src/infra/event-store.js';
import { chainHash, GENESIS_HASH } from '../../src/infra/hash-chain.js';

export interface Traits {
  /** Positions run 1, 2, 3… without holes (SQLite); ESDB positions are byte offsets. */
  densePositions: boolean;
  /** The link covers the position too (SQLite); ESDB assigns it only at commit, so its links cannot. */
  linkCoversPosition: boolean;
  /** Another writer on the same log, as a second instance would open it. */
  peer: (store: EventStore) => Promise<EventStore>;
}

/** Published anchors, kept in memory (the ledger is a port; test/api/checkpoints.test.ts runs the file one). */
class MemoryLedger implements AnchorLedger {
  readonly anchors: Anchor[] = [];
  async publish(anchor: Anchor): Promise<void> {
    this.anchors.push(anchor);
  }
  async read(): Promise<Anchor[]> {
    return [...this.anchors];
  }
}
const signingKey = signingKeyFrom(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());

/** The contract's per-test state, read when each case runs. */
export interface ChainContext {
  store(): EventStore;
  /** The log head before the test. */
  base(): number;
  /** This test's stream prefix; `s(n)` names a stream under it. */
  prefix(): string;
  s(name: string): string;
  ev(type: string, data: unknown): NewEvent;
  traits: Traits;
}

export function chainCases(ctx: ChainContext): void {
  const { s, ev, traits } = ctx;

  /** Every event of `log` (the whole log after some event, in order) links to the one before it. */
  const expectLinked = (prevHash: string, log: RecordedEvent[]) => {
    for (const e of log) {
      const { hash, position, ...rest } = e;
      const envelope = traits.linkCoversPosition ? { ...rest, position } : rest;
      expect(hash, `the link at ${position}`).toBe(chainHash(prevHash, envelope));
      prevHash = hash!;
    }
  };

  it('links every event to the one before it in log order, across streams, and knows the last one', async () => {
    const [store, base, prefix] = [ctx.store(), ctx.base(), ctx.prefix()];
    const start = await store.lastEvent();
    expect(start?.position ?? 0).toBe(base);
    await store.append(s('a'), [ev('A', 0), ev('A', 1)], 'no_stream');
    await store.append(s('b'), [ev('B', 0)], 'no_stream');
    await store.append(s('a'), [ev('A', 2)], 1);
    const log = await store.readAll(base, 10_000);
    expect(log.filter((e) => e.stream.startsWith(prefix)).map((e) => [e.stream, e.revision])).toEqual([[s('a'), 0], [s('a'), 1], [s('b'), 0], [s('a'), 2]]);
    expectLinked(start?.hash ?? GENESIS_HASH, log);
    expect(await store.lastEvent()).toEqual(log.at(-1));
    expect(await store.headPosition()).toBe(log.at(-1)!.position);
  });

  it('keeps one unbroken chain while many appends race, refused ones among them', async () => {
    const [store, base, prefix] = [ctx.store(), ctx.base(), ctx.prefix()];
    const start = await store.lastEvent();
    await store.append(s('c'), [ev('C', 0)], 'no_stream');
    const racing = [
      ...Array.from({ length: 30 }, (_, i) => store.append(s(`r${i % 10}`), [ev('R', i), ev('R', `${i}b`)], 'any')),
      ...Array.from({ length: 5 }, (_, i) => store.append(s('c'), [ev('C', i + 1)], 0)), // one wins
      ...Array.from({ length: 5 }, () => store.append(s('missing'), [ev('M', 0)], 'stream_exists')), // none
    ];
    const settled = await Promise.allSettled(racing);
    expect(settled.filter((r) => r.status === 'fulfilled')).toHaveLength(31);
    const log = await store.readAll(base, 10_000);
    expect(log.filter((e) => e.stream.startsWith(prefix))).toHaveLength(1 + 60 + 1);
    expectLinked(start?.hash ?? GENESIS_HASH, log);
    expect(await store.verify()).toMatchObject({ ok: true });
  });

  it('keeps one chain when two instances write to the same log', async () => {
    const [store, base, prefix] = [ctx.store(), ctx.base(), ctx.prefix()];
    const other = await traits.peer(store);
    try {
      const start = await store.lastEvent();
      await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? store : other).append(s(`two${i % 4}`), [ev('T', i)], 'any')));
      const log = await store.readAll(base, 10_000);
      expect(log.filter((e) => e.stream.startsWith(prefix))).toHaveLength(20);
      expectLinked(start?.hash ?? GENESIS_HASH, log);
      expect(await other.verify()).toMatchObject({ ok: true });
    } finally {
      await other.close();
    }
  });

  it('reports the checked link at a position during verification, and none where no event stands', async () => {
    const [store, base, prefix] = [ctx.store(), ctx.base(), ctx.prefix()];
    await store.append(s('k'), [ev('K', 0), ev('K', 1)], 'no_stream');
    const [first, second] = (await store.readAll(base, 10_000)).filter((e) => e.stream.startsWith(prefix));
    expect(await store.verify({ linkAt: first!.position })).toMatchObject({ ok: true, link: { position: first!.position, hash: first!.hash } });
    const beyond = await store.verify({ linkAt: second!.position + 1_000_000 });
    expect(beyond.ok).toBe(true);
    expect(beyond.link).toBeUndefined();
  });

  it('signs a checkpoint over the last link and verifies the log against it; a checkpoint it does not reach or match fails', async () => {
    const store = ctx.store();
    const ledger = new MemoryLedger();
    await store.append(s('cp'), [ev('CP', 0), ev('CP', 1)], 'no_stream');
    const last = await store.lastEvent();
    const anchor = await checkpoint(store, ledger, signingKey, '2027-03-01T02:00:00.000Z');
    expect(anchor).toMatchObject({ position: last!.position, hash: last!.hash });
    expect((await store.lastEvent())?.stream).toBe('system-checkpoints'); // the checkpoint is in the log, chained too
    expect(await checkpoint(store, ledger, signingKey, '2027-03-01T02:01:00.000Z')).toBeNull(); // nothing new to sign
    await store.append(s('cp'), [ev('CP', 2)], 1);
    const verified = await verifyLog(store, ledger, signingKey);
    expect(verified).toMatchObject({ ok: true, checkpoint: anchor });
    expect(verified).not.toHaveProperty('link');
    const head = (await store.lastEvent())!;
    // What a log cut short after the newest checkpoint looks like: signed, but beyond the end.
    ledger.anchors.push(signAnchor({ position: head.position + 1_000_000, hash: head.hash! }, '2027-03-01T03:00:00.000Z', signingKey));
    const removed = await verifyLog(store, ledger, signingKey);
    expect(removed).toMatchObject({ ok: false, firstBadPosition: head.position + 1 });
    expect(removed.reason).toMatch(/removed/);
    // And a log rewritten under a signed link: the position is there, its hash is not.
    ledger.anchors.push(signAnchor({ position: head.position, hash: 'f'.repeat(64) }, '2027-03-01T04:00:00.000Z', signingKey));
    const rewritten = await verifyLog(store, ledger, signingKey);
    expect(rewritten).toMatchObject({ ok: false, firstBadPosition: head.position });
    expect(rewritten.reason).toMatch(/rewritten/);
  });
}
