// The durable deadline scheduler. Its due list is a read model (projections/deadlines.ts), so it survives
// restarts; it fires a deadline by running the same use case an officer would, whose append carries the
// revision the decision was based on — so a deadline fires exactly once even with two instances running,
// or after a crash between the append and the read model catching up: the second attempt is refused by
// the decider (already forfeited, signed, ended) and counts as settled. It reads the platform's one
// business clock (services.commands.now()); tests call tick() after moving that clock.
// It fires the deadlines that change state — signing (forfeiture and 递补), 补正 (the application lapses),
// lease end — and never the review and objection deadlines, which are officers' duties shown in the queues.
import { RuleViolation } from '../domain/shared.js';
import type { Actor } from '../domain/shared.js';
import { dueDeadlines } from '../projections/deadline-queries.js';
import type { Doc } from '../infra/read-store.js';
import { carryOutPendingRevocations } from './accountability.js';
import { lapseApplication } from './applications.js';
import { forfeitAllocation } from './notices.js';
import { type Services, readModelsAtHead } from './services.js';
import { expireTenancy } from './tenancies.js';

/** Who the log names for what deadlines do: the platform itself, acting for the supervising body. */
export const SCHEDULER_ACTOR: Actor = { id: 'system:scheduler', role: 'city_admin', name: '平台期限调度' };

export interface TickResult {
  /** Deadline ids whose event this tick appended (`revocation:<sanctionId>` for a revocation carried out late). */
  fired: string[];
  /** Due deadlines the decider refused (already settled by someone else): nothing appended. */
  settled: { id: string; code: string }[];
}

function fire(services: Services, d: Doc) {
  const meta = { actor: SCHEDULER_ACTOR, correlationId: `deadline:${d._id}` };
  if (d.kind === 'signing') return forfeitAllocation(services, { noticeId: String(d.noticeId), applicationId: String(d.applicationId), reason: 'signing_deadline' }, meta);
  if (d.kind === 'lease_end') return expireTenancy(services, { tenancyId: String(d.tenancyId) }, meta);
  if (d.kind === 'correction') return lapseApplication(services, { applicationId: String(d.applicationId) }, meta);
  return null;
}

export async function tick(services: Services, options: { limit?: number } = {}): Promise<TickResult> {
  await readModelsAtHead(services); // what earlier ticks fired is off the list
  const now = services.commands.now();
  const result: TickResult = { fired: [], settled: [] };
  for (const d of await dueDeadlines(services.reads, now, options.limit ?? 100)) {
    try {
      const done = fire(services, d);
      if (!done) continue;
      await done;
      result.fired.push(d._id);
    } catch (e) {
      if (!(e instanceof RuleViolation)) throw e;
      result.settled.push({ id: d._id, code: e.code });
    }
  }
  // A revocation recorded without its effect (a crash between the two appends) is carried out now.
  for (const sanctionId of await carryOutPendingRevocations(services, SCHEDULER_ACTOR)) result.fired.push(`revocation:${sanctionId}`);
  return result;
}

/** Runs tick() every `intervalMs` (never two at once); answers a stop function. */
export function startScheduler(services: Services, intervalMs: number, onError: (e: unknown) => void): () => void {
  let running = false;
  const timer = setInterval(() => {
    // Several instances: the leader alone fires deadlines (the expected revision would stop a second firing anyway).
    if (running || (services.leadership && !services.leadership.isLeader)) return;
    running = true;
    tick(services)
      .catch(onError)
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
