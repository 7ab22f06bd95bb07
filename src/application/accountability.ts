// Accountability (追责): violations with their evidence and the sanctions that follow, by city_admin.
import { type SanctionKind, type Subject, type ViolationKind, accountabilityDecider, accountabilityStream } from '../domain/accountability.js';
import type { CommandMeta, CommandResult } from './command-handler.js';
import { lockKeys } from './keyed-lock.js';
import type { Services } from './services.js';
import { iso } from './use-case.js';

/** A violation with its evidence (event ids), by city_admin; caseId is fresh. */
export function recordViolation(
  services: Services,
  args: { caseId: string; subject: Subject; kind: ViolationKind; description: string; evidence: string[] },
  meta: CommandMeta,
): Promise<CommandResult> {
  return services.commands.execute(accountabilityDecider, accountabilityStream(args.caseId), args.caseId, { type: 'RecordViolation', ...args }, { ...meta, newStream: true });
}

export async function imposeSanction(services: Services, args: { caseId: string; kind: SanctionKind; until?: string; reason: string }, meta: CommandMeta): Promise<CommandResult> {
  const { caseId, until, ...rest } = args;
  // A sanction on an enterprise takes the enterprise's lock, which submissions also take (submitApplication),
  // so no application of a barred enterprise is accepted after the ban is recorded.
  const { state } = await services.commands.load(accountabilityDecider, accountabilityStream(caseId), true);
  const key = state.status === 'recorded' && state.subject.kind === 'enterprise' ? lockKeys.enterprise(state.subject.id) : lockKeys.case(caseId);
  return services.locks.run(key, () =>
    services.commands.execute(accountabilityDecider, accountabilityStream(caseId), caseId, { type: 'ImposeSanction', ...rest, ...(until ? { until: iso(until) } : {}) }, meta),
  );
}
