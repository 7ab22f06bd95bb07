// Tenancies (租赁关系): renewal (续租), exit (退出), recovery (收回) and expiry. The lease recorded on the
// application's stream is the tenancy's start and its first fact; each use case reads it and runs the
// tenancy's decider under the tenancy's lock.
import { applicationDecider, applicationStream } from '../domain/application.js';
import { NotFound } from '../domain/shared.js';
import { type LeaseFacts, type RecoveryGrounds, type TenancyCommand, UNKNOWN_TENANCY, leaseFacts, tenancyDecider, tenancyStream } from '../domain/tenancy.js';
import type { CommandMeta, CommandResult } from './command-handler.js';
import { exchangeDecider, exchangeStream } from '../domain/exchange.js';
import { ledgerOf } from '../domain/notice.js';
import { projectFactsForNotice } from './facts.js';
import type { Services } from './services.js';
import { iso, projectLocked } from './use-case.js';
import { lockKeys } from './keyed-lock.js';

/**
 * The lease a tenancy started with, or 404: a recorded lease (the tenancy's id is the application's), or a
 * 换租 successor (its id is the exchange's), started by the TenancyEnded of the tenancy it replaced.
 */
export async function leaseOf(services: Services, tenancyId: string): Promise<LeaseFacts> {
  const { state } = await services.commands.load(applicationDecider, applicationStream(tenancyId), true);
  const lease = state.status !== 'none' && state.contract ? leaseFacts(state.contract) : undefined;
  if (lease) return lease;
  const successor = await successorLease(services, tenancyId);
  if (!successor) throw new NotFound(UNKNOWN_TENANCY);
  return successor;
}

async function successorLease(services: Services, tenancyId: string): Promise<LeaseFacts | undefined> {
  const { state } = await services.commands.load(exchangeDecider, exchangeStream(tenancyId), true);
  if (state.status === 'none') return undefined;
  const ends = await services.events.readStream(tenancyStream(state.current.applicationId));
  const moved = ends.find((e) => e.type === 'TenancyEnded' && (e.data as { exchangeId?: string }).exchangeId === tenancyId);
  return (moved?.data as { successor?: LeaseFacts } | undefined)?.successor;
}

/**
 * 换租: the approved, published exchange moves its tenancy to the wanted space (the current project when the
 * request named none). Under the tenancy's and the wanted project's locks, the project's ledger read at the
 * log's head, as a notice on it is judged; the new tenancy's id is the exchange's.
 */
export function moveTenancy(services: Services, args: { exchangeId: string }, meta: CommandMeta): Promise<CommandResult> {
  return (async () => {
    const { state: x } = await services.commands.load(exchangeDecider, exchangeStream(args.exchangeId), true);
    if (x.status === 'none') throw new NotFound(`no exchange ${args.exchangeId}`);
    const tenancyId = x.current.applicationId;
    const projectId = x.wanted.projectId ?? x.current.projectId;
    return services.locks.run(lockKeys.tenancy(tenancyId), () =>
      projectLocked(services, projectId, async () => {
        const lease = await leaseOf(services, tenancyId);
        const project = await projectFactsForNotice(services, projectId);
        const exchange = { exchangeId: x.exchangeId, tenancyId, approved: x.approved === true, published: x.status === 'published' };
        const wanted = {
          tenancyId: x.exchangeId,
          projectId,
          district: project.district,
          ...(project.useType !== undefined ? { spaceClass: { useType: project.useType, supplyModes: [...project.supplyModes] } } : {}),
          area: x.wanted.area,
          unitIds: x.wanted.unitId ? [x.wanted.unitId] : [],
          ledger: ledgerOf(project),
        };
        return services.commands.execute(tenancyDecider, tenancyStream(tenancyId), tenancyId, { type: 'MoveTenancy', lease, exchange, wanted }, meta);
      }),
    );
  })();
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
