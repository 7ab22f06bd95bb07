// Live pushes on `demand:<id>` when a demand gains candidates. The matcher (projections/demand-matching.ts)
// notes each batch's new candidates in an outbox keyed by the batch's position; after the batch is
// committed this reads them and pushes the demand to its enterprise and the officers of its districts.
import type { Services } from '../application/services.js';
import type { Bus } from '../infra/bus.js';
import { DEMAND_NEW_CANDIDATES } from '../projections/demand-matching.js';
import { getDemand } from '../projections/demand-queries.js';
import { presentAnswer } from './present.js';
import { demandAudience } from './visibility.js';

export function startDemandPushes(services: Services, bus: Bus, interested: (topic: string) => boolean = () => true): () => void {
  return services.runner.onBatch((_batch, position) => {
    // Several instances on one bus: the leader alone publishes, every instance's sockets receive.
    if (services.leadership && !services.leadership.isLeader) return;
    void (async () => {
      try {
        const fresh = await services.reads.find(DEMAND_NEW_CANDIDATES, { at: position });
        for (const n of fresh) {
          const topic = `demand:${n._id}`;
          if (!interested(topic)) continue;
          const demand = await getDemand(services.reads, n._id, services.commands.now());
          if (!demand) continue;
          const data = { ...demand, newCandidates: n.projectIds };
          await bus.publishLive({ topic, position, data: presentAnswer(data), audience: demandAudience(demand) });
        }
      } catch {
        // A lost push is recovered by the client's next read; the log is untouched.
      }
    })();
  });
}
