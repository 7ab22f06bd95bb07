// Serialises the commands that decide on one stream from facts read in others (an application reads
// its notice; publicity and allocation read the applications). Combined with each stream's optimistic
// concurrency, a cross-stream rule cannot be broken by two requests racing. KeyedLock serialises within
// one process (the embedded default); with NATS_URL the composition root gives a lock shared by every
// instance (src/infra/nats-lock.ts) behind the same interface.
export interface Locks {
  /** Runs `work` while holding `key`; waits for the key otherwise. */
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
}

/** Whether this instance runs what must run once (see NatsLeaderLease); one process always does. */
export interface Leadership {
  readonly isLeader: boolean;
}

export class KeyedLock implements Locks {
  private tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await result;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

/**
 * Every lock key, spelled once. Locks are always taken in this order, so two use cases never wait on
 * each other crosswise:
 *   notice → enterprise (a submission; a sanction takes the enterprise's alone)
 *   notice → project (an amendment); project (a publication, a project change)
 *   tenancy → enterprise → project (an exchange request: the live tenancy it starts from, the project it names)
 *   notice → tenancy → (successor tenancy →) enterprise (a revocation: the allocation or lease it takes back)
 */
export const lockKeys = {
  notice: (noticeId: string) => `notice:${noticeId}`,
  project: (projectId: string) => `project:${projectId}`,
  /** By credit code, upper-cased: the same enterprise however a request spells it. */
  enterprise: (creditCode: string) => `enterprise:${creditCode.trim().toUpperCase()}`,
  case: (caseId: string) => `case:${caseId}`,
  /** A tenancy: its lease is read from the application stream, which no longer changes once signed. */
  tenancy: (tenancyId: string) => `tenancy:${tenancyId}`,
};
