// Idempotency-Key: a retried command returns the first answer without a second append. Keys are per
// actor. Answers are kept in memory (including the one still in flight, so a concurrent retry waits
// for it) and, through the `idempotency` read model, found again after a restart.
import { createHash } from 'node:crypto';
import { RuleViolation } from '../domain/shared.js';
import type { ReadStore } from '../infra/read-store.js';
import type { CommandResult } from './command-handler.js';
import { IDEMPOTENCY } from '../projections/idempotency.js';

interface Entry {
  /** The hash of the request the key was first used for (known once the stored answer has been looked up). */
  requestHash: Promise<string>;
  answer: Promise<CommandResult>;
}

export const requestHash = (method: string, url: string, body: unknown) =>
  createHash('sha256').update(`${method} ${url}\n${JSON.stringify(body ?? null)}`).digest('base64url');

export class Idempotency {
  private recent = new Map<string, Entry>();

  constructor(
    private readonly store: ReadStore,
    private readonly maxEntries = 100_000,
  ) {}

  async run(actorId: string, key: string, hash: string, execute: () => Promise<CommandResult>): Promise<CommandResult> {
    const id = `${actorId}\u0000${key}`;
    let entry = this.recent.get(id);
    if (!entry) {
      // Reserved before the lookup awaits, so a concurrent retry waits for this request instead of racing it.
      const stored = this.store.findOne(IDEMPOTENCY, { _id: id });
      const mine: Entry = {
        requestHash: stored.then((doc) => (doc ? String(doc.requestHash) : hash)),
        answer: stored.then((doc) => (doc ? (doc.result as CommandResult) : execute())),
      };
      entry = mine;
      this.recent.set(id, mine);
      if (this.recent.size > this.maxEntries) this.recent.delete(this.recent.keys().next().value!);
      // A refused command appended nothing: the same key may be tried again.
      mine.answer.catch(() => this.recent.get(id) === mine && this.recent.delete(id));
    }
    if ((await entry.requestHash) !== hash) {
      throw new RuleViolation('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different request');
    }
    return entry.answer;
  }
}
