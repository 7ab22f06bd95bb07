// Tenancies (租赁关系): renewal (续租), exit (退出), recovery (收回) and expiry. The lease recorded on the
// application's stream is the tenancy's start and its first fact; each use case reads it and runs the
// tenancy's decider under the tenancy's lock.
import { applicationDecider, applicationStream } from '../domain/application.js';
import { NotFound } from '../domain/shared.js';
import { type LeaseFacts, type RecoveryGrounds, type TenancyCommand, leaseFacts, tenancyDecider, tenancyStream } from '../domain/tenancy.js';
import type { CommandMeta, CommandResult } from './command-handler.js';
import type { Services } from './services.js';
import { iso } from './use-case.js';
import { lockKeys } from './keyed-lock.js';

/** The lease a tenancy started with (its id is the application's), or 404. */
export async function leaseOf(services: Services, tenancyId: string): Promise<LeaseFacts> {
  const { state } = await services.commands.load(applicationDecider, applicationStream(tenancyId), true);
  const lease = state.status !== 'none' && state.contract ? leaseFacts(state.contract) : undefined;
  if (!lease) throw new NotFound(`no tenancy ${tenancyId}`);
  return lease;
}

function onTenancy(services: Services, tenancyId: string, build: (lease: LeaseFacts) => TenancyCommand, meta: CommandMeta): Promise<CommandResult> {
  return services.locks.run(lockKeys.tenancy(tenancyId), async () => {
    const command = build(await leaseOf(services, tenancyId));
    return services.commands.execute(tenancyDecider, tenancyStream(tenancyId), tenancyId, command, meta);
  });
}

export function renewTenancy(services: Services, args: { tenancyId: string; endsOn: string; monthlyRent?: number; reason?: string }, meta: CommandMeta) {
  const { tenancyId, endsOn, monthlyRent, reason } = args;
  return onTenancy(services, tenancyId, (lease) => ({ type: 'RenewTenancy', lease, endsOn: iso(endsOn), monthlyRent, reason, policy: services.renewal }), meta);
}

export function exitTenancy(services: Services, args: { tenancyId: string; reason: string }, meta: CommandMeta) {
  return onTenancy(services, args.tenancyId, (lease) => ({ type: 'ExitTenancy', lease, reason: args.reason }), meta);
}

export function recoverTenancy(services: Services, args: { tenancyId: string; grounds: RecoveryGrounds; reasons: string[]; accountabilityId?: string }, meta: CommandMeta) {
  const { tenancyId, ...rest } = args;
  return onTenancy(services, tenancyId, (lease) => ({ type: 'RecoverTenancy', lease, ...rest }), meta);
}

/** The scheduler's: the lease reached its end. */
export function expireTenancy(services: Services, args: { tenancyId: string }, meta: CommandMeta) {
  return onTenancy(services, args.tenancyId, (lease) => ({ type: 'ExpireTenancy', lease }), meta);
}
