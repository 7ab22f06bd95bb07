// Idempotency-Key: a retried command returns the first answer without a second append. Keys are per
// actor. Answers are kept in memory (including the one still in flight, so a concurrent retry waits
// for it) and, through the `idempotency` read model, found again after a restart.
import { createHash } from 'node:crypto';
import { RuleViolation } from '../domain/shared.js';
import type { ReadStore } from '../infra/read-store.js';
import type { CommandResult } from './command-handler.js';
import { IDEMPOTENCY } from '../projections/idempotency.js';

interface Entry {
  requestHash: string;
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
    const known = this.recent.get(id);
    if (known) return this.same(known, hash);
    const stored = await this.store.findOne(IDEMPOTENCY, { _id: id });
    if (stored) {
      return this.same({ requestHash: String(stored.requestHash), answer: Promise.resolve(stored.result as CommandResult) }, hash);
    }
    const answer = execute();
    const entry = { requestHash: hash, answer };
    this.recent.set(id, entry);
    if (this.recent.size > this.maxEntries) this.recent.delete(this.recent.keys().next().value!);
    // A refused command appended nothing: the same key may be tried again.
    answer.catch(() => this.recent.get(id) === entry && this.recent.delete(id));
    return answer;
  }

  private same(entry: Entry, hash: string): Promise<CommandResult> {
    if (entry.requestHash !== hash) {
      throw new RuleViolation('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different request');
    }
    return entry.answer;
  }
}
