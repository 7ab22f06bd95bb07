// Coordination of several instances through NATS JetStream key-value buckets:
// - NatsKeyedLock: the cross-stream locks (lockKeys). A lock is a key created only if absent (KV
//   create() is a compare-and-set on "no value"), renewed while its work runs, deleted on release only at
//   the revision we wrote, and written into a bucket whose entries expire (max_age), so a holder that dies
//   frees it.
// - NatsLeaderLease: exactly one instance runs what must run once (the integration-event publisher,
//   the projections into a shared read store). The leader renews its entry at a third of the TTL with
//   a revision-checked update; when it stops it deletes the entry, when it dies the entry expires, and
//   the next instance to try create() becomes leader.
// Own small types: infra knows nothing of the application's KeyedLock, only its shape.
import { randomUUID } from 'node:crypto';
import { type KV, type NatsConnection, StringCodec, connect, nanos } from 'nats';
import { Unavailable } from './event-store.js';
import { natsConnectOptions, redactedNatsUrl } from './nats-url.js';

const codec = StringCodec();

export interface NatsCoordinationOptions {
  /** Prefix of the bucket names, so tests and deployments can share one server. Default 'isp'. */
  prefix?: string;
  /** A lock not released after this long expires (a dead holder). Default 30 000 ms. */
  lockTtlMs?: number;
  /** How long run() waits for a lock before Unavailable (503). Default 10 000 ms. */
  lockWaitMs?: number;
  /** The leader's lease: renewed at a third of it, taken over when it runs out. Default 10 000 ms. */
  leaseTtlMs?: number;
}

/** Bucket names allow [A-Za-z0-9_-]; keys also allow '.', '/', '='. */
const bucketName = (prefix: string, what: string) => `${prefix.replace(/[^A-Za-z0-9_-]/g, '_')}_${what}`;
const lockKey = (key: string) => Buffer.from(key, 'utf8').toString('base64url');

export class NatsCoordination {
  readonly instanceId = randomUUID();

  private constructor(
    private readonly nc: NatsConnection,
    private readonly locksKv: KV,
    private readonly leaderKv: KV,
    private readonly options: Required<Omit<NatsCoordinationOptions, 'prefix'>>,
  ) {}

  static async connect(url: string, options: NatsCoordinationOptions = {}): Promise<NatsCoordination> {
    const prefix = options.prefix ?? 'isp';
    const resolved = { lockTtlMs: options.lockTtlMs ?? 30_000, lockWaitMs: options.lockWaitMs ?? 10_000, leaseTtlMs: options.leaseTtlMs ?? 10_000 };
    let nc: NatsConnection;
    try {
      // The URL's credentials as connect options (the client reads only host and port from it).
      nc = await connect({ ...natsConnectOptions(url), name: 'industrial-space-platform-coordination', timeout: 3000, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
    } catch (cause) {
      throw new Unavailable(`NATS at ${redactedNatsUrl(url)} did not answer`, { cause });
    }
    const locksKv = await bucket(nc, bucketName(prefix, 'locks'), resolved.lockTtlMs);
    const leaderKv = await bucket(nc, bucketName(prefix, 'leader'), resolved.leaseTtlMs);
    return new NatsCoordination(nc, locksKv, leaderKv, resolved);
  }

  locks(): NatsKeyedLock {
    return new NatsKeyedLock(this.locksKv, this.instanceId, this.options.lockWaitMs, this.options.lockTtlMs);
  }

  lease(name: string, handlers: LeaseHandlers): NatsLeaderLease {
    return new NatsLeaderLease(this.leaderKv, name, this.instanceId, this.options.leaseTtlMs, handlers);
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => undefined);
  }
}

/**
 * A bucket whose entries expire `ttlMs` after they were written. The client sets that lifetime only when
 * it creates the bucket: one made with another (a setting changed, or a process that connected with a
 * default first) is brought to this one, or a lease renewed at a third of its TTL could expire between
 * two renewals.
 */
async function bucket(nc: NatsConnection, name: string, ttlMs: number): Promise<KV> {
  const kv = await nc.jetstream().views.kv(name, { history: 1, ttl: ttlMs });
  const status = await kv.status();
  if (status.ttl !== ttlMs) {
    const jsm = await nc.jetstreamManager();
    const config = status.streamInfo.config;
    // The server made the de-duplication window the first lifetime, and refuses a lifetime below it.
    await jsm.streams.update(config.name, { ...config, max_age: nanos(ttlMs), duplicate_window: Math.min(config.duplicate_window, nanos(ttlMs)) });
  }
  return kv;
}

export class NatsKeyedLock {
  /** In-process queue per key first: requests of one instance do not compete through NATS. */
  private tails = new Map<string, Promise<unknown>>();

  constructor(
    private readonly kv: KV,
    private readonly holder: string,
    private readonly waitMs: number,
    private readonly ttlMs = 30_000,
  ) {}

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(() => this.holding(key, work), () => this.holding(key, work));
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await result;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  private async holding<T>(key: string, work: () => Promise<T>): Promise<T> {
    // This holding's own value: an entry holding it is ours, whatever became of the reply that wrote it.
    const token = codec.encode(`${this.holder}/${randomUUID()}`);
    let revision = await this.acquire(key, token);
    // Renewed at a third of its TTL while the work runs: work slower than the TTL (NATS or a store slow)
    // must not let another instance in beside it. A dead holder stops renewing, and its entry expires.
    const stopRenewing = keepRenewing(async () => {
      revision = await renewEntry(this.kv, lockKey(key), token, revision);
    }, false, this.ttlMs);
    try {
      return await work();
    } finally {
      await stopRenewing(); // the delete names the revision of the last renewal
      // Only our own entry: if it expired and someone else holds the key now, the delete is refused.
      await this.kv.delete(lockKey(key), { previousSeq: revision }).catch(() => undefined);
    }
  }

  private async acquire(key: string, token: Uint8Array): Promise<number> {
    const until = Date.now() + this.waitMs;
    let pause = 2;
    for (;;) {
      try {
        return await this.kv.create(lockKey(key), token);
      } catch (err) {
        if (!isTaken(err)) {
          // A reply lost (a timeout) after the server wrote the entry would leave the key locked for a
          // whole TTL with nobody to release it: if the entry is ours, we hold the lock.
          const ours = await ownRevision(this.kv, lockKey(key), token);
          if (ours !== null) return ours;
          throw new Unavailable(`NATS lock ${key}: ${(err as Error).message}`, { cause: err });
        }
      }
      if (Date.now() > until) throw new Unavailable(`lock ${key} is held by another instance for more than ${this.waitMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, pause + Math.random() * pause));
      pause = Math.min(pause * 2, 50);
    }
  }
}

/** Entries are renewed at a third of their lifetime. */
const thirdOf = (ttlMs: number) => Math.max(50, Math.floor(ttlMs / 3));

/** The revision of `key`'s entry if it holds `value` (ours, whatever became of the reply that wrote it), else null. */
async function ownRevision(kv: KV, key: string, value: Uint8Array): Promise<number | null> {
  const entry = await kv.get(key).catch(() => null);
  return entry?.operation === 'PUT' && Buffer.from(entry.value).equals(value) ? entry.revision : null;
}

/**
 * Writes `value` over `key` at `revision`: the new revision. A reply lost after the write leaves our revision
 * behind the entry's, so on a failure the entry's if it is still ours; taken meanwhile or NATS away, the one
 * we had (nothing renewed: the entry expires as it would have).
 */
async function renewEntry(kv: KV, key: string, value: Uint8Array, revision: number): Promise<number> {
  try {
    return await kv.update(key, value, revision);
  } catch {
    return (await ownRevision(kv, key, value)) ?? revision;
  }
}

/** Renews at a third of `ttlMs` (and at once when `now`) until the stop it returns, which waits for the last renewal. */
function keepRenewing(renew: () => Promise<void>, now: boolean, ttlMs: number): () => Promise<void> {
  let renewing: Promise<void> = now ? renew() : Promise.resolve();
  const timer = setInterval(() => {
    renewing = renewing.then(renew);
  }, thirdOf(ttlMs));
  timer.unref();
  return async () => {
    clearInterval(timer);
    await renewing;
  };
}

/** create() on a key that has a value: JetStream's "wrong last sequence" (10071). */
function isTaken(err: unknown): boolean {
  return (err as { api_error?: { err_code?: number } } | null)?.api_error?.err_code === 10071;
}

export interface LeaseHandlers {
  onElected(): void | Promise<void>;
  onDemoted(): void | Promise<void>;
  onError?(error: unknown): void;
}

export class NatsLeaderLease {
  private revision = 0;
  private leader = false;
  private lastRenewedAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private expiry: NodeJS.Timeout | null = null;
  private stopped = false;
  private ticking: Promise<void> = Promise.resolve();
  /** The handlers run one after another, beside the renewals: a slow onElected must not let the lease lapse. */
  private changes: Promise<void> = Promise.resolve();

  constructor(
    private readonly kv: KV,
    private readonly name: string,
    private readonly holder: string,
    private readonly ttlMs: number,
    private readonly handlers: LeaseHandlers,
  ) {}

  /** Only while the last renewal is recent enough: a renewal hanging on NATS does not keep the lead. */
  get isLeader(): boolean {
    return this.leader && Date.now() - this.lastRenewedAt < this.trustMs;
  }

  private get trustMs(): number {
    return this.ttlMs * 0.8;
  }

  /** Tries at once, then every third of the TTL; resolves once a lead taken at once has been handed to onElected. */
  async start(): Promise<void> {
    this.ticking = this.tick();
    await this.ticking;
    await this.changes;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick();
    }, thirdOf(this.ttlMs));
  }

  private change(handler: () => void | Promise<void>): Promise<void> {
    this.changes = this.changes.then(handler).catch((err) => this.handlers.onError?.(err));
    return this.changes;
  }

  /** Renewed: demoted at the end of the trusted part of the lease unless renewed again by then. */
  private renewed(sentAt: number): void {
    this.lastRenewedAt = sentAt;
    if (this.expiry) clearTimeout(this.expiry);
    this.expiry = setTimeout(() => {
      if (this.leader && Date.now() - this.lastRenewedAt >= this.trustMs) void this.demote();
    }, Math.max(0, sentAt + this.trustMs - Date.now()));
    this.expiry.unref();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const sentAt = Date.now(); // before the write: the lease cannot have been granted earlier
    try {
      if (this.leader) {
        const revision = await this.kv.update(this.name, codec.encode(this.holder), this.revision);
        this.revision = revision;
        if (this.leader) this.renewed(sentAt);
        // Demoted while the renewal hung (no longer trusted): the entry it renewed is let go once the
        // work has stopped (onDemoted), or every instance would be refused it until it expired.
        else void this.changes.then(() => this.kv.delete(this.name, { previousSeq: this.revision })).catch(() => undefined);
      } else {
        this.revision = await this.kv.create(this.name, codec.encode(this.holder));
        this.leader = true;
        this.renewed(sentAt);
        void this.change(() => this.handlers.onElected());
      }
    } catch (err) {
      if (this.leader) {
        // Refused (someone else holds it) or NATS away past most of the TTL: another may lead now.
        if (isTaken(err) || Date.now() - this.lastRenewedAt > this.trustMs) await this.demote();
        else this.handlers.onError?.(err);
      } else if (!isTaken(err)) {
        this.handlers.onError?.(err);
      }
    }
    this.schedule();
  }

  private demote(): Promise<void> {
    if (!this.leader) return this.changes;
    this.leader = false;
    if (this.expiry) clearTimeout(this.expiry);
    return this.change(() => this.handlers.onDemoted());
  }

  /**
   * Gives up the lease (if held) so another instance takes over at its next try: the work stops first
   * (onDemoted), then the entry goes, so two instances never lead at once.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking.catch(() => undefined);
    if (!this.leader) return this.changes;
    // The entry is kept (renewed, at once and then at the usual pace) while the work winds down, however
    // long onDemoted takes: it expiring meanwhile would let the next leader start beside it.
    const value = codec.encode(this.holder);
    const stopRenewing = keepRenewing(async () => {
      this.revision = await renewEntry(this.kv, this.name, value, this.revision);
    }, true, this.ttlMs);
    try {
      await this.demote();
    } finally {
      await stopRenewing();
    }
    await this.kv.delete(this.name, { previousSeq: this.revision }).catch(() => undefined);
  }
}
