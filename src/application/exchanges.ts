// Rent exchanges (换租): a tenant enterprise asks to move; an officer reviews; the result is published.
import { type ExchangeCommand, type WantedSpace, exchangeDecider, exchangeStream } from '../domain/exchange.js';
import { openExchangesOf } from '../projections/procedure-queries.js';
import { exchangeTenancyOf } from '../projections/tenancy-queries.js';
import type { CommandMeta, CommandResult } from './command-handler.js';
import { projectFacts } from './facts.js';
import { lockKeys } from './keyed-lock.js';
import { type Services, readModelsAtHead } from './services.js';
import { creditCodeOf, enterpriseLocked, projectLocked } from './use-case.js';

const onExchange = (services: Services, exchangeId: string, command: ExchangeCommand, meta: CommandMeta) =>
  services.commands.execute(exchangeDecider, exchangeStream(exchangeId), exchangeId, command, meta);

/** 换租: the tenant enterprise of `meta.actor` asks to move; exchangeId is fresh (the stream must not exist). */
export async function requestExchange(services: Services, args: { exchangeId: string; wanted: WantedSpace; reason: string }, meta: CommandMeta): Promise<CommandResult> {
  const creditCode = creditCodeOf(meta, 'ask for an exchange');
  const wantedProjectId = args.wanted.projectId;
  // The tenancy is the enterprise's live one in the tenancies read model, which follows its ends and 换租
  // successors. It is decided on with that tenancy's lock held (its exit, recovery, expiry and move take it),
  // so it cannot end between the read and the append: tenancy → enterprise → project (lockKeys); a tenancy
  // first seen inside is locked, then everything is read again.
  // At most one open request per lease: the enterprise's lock orders its requests, and the read models at
  // the log's head show every request appended before (the pattern of the other cross-stream rules); the
  // wanted project's lock orders this against its withdrawal (routes/projects.ts).
  const held = new Set<string>();
  const decide = async (): Promise<CommandResult | { relock: string }> => {
    await readModelsAtHead(services); // a lease recorded a moment ago counts, and so does an open request
    const tenancy = await exchangeTenancyOf(services.reads, creditCode);
    if (tenancy?.status === 'active' && !held.has(tenancy.applicationId)) return { relock: tenancy.applicationId };
    const wantedProject = wantedProjectId !== undefined ? await projectFacts(services, wantedProjectId) : undefined; // 404 when unknown
    const openExchanges = await openExchangesOf(services.reads, creditCode);
    const command: ExchangeCommand = { type: 'RequestExchange', tenancy, openExchanges, ...(wantedProject ? { wantedProject } : {}), ...args };
    return onExchange(services, args.exchangeId, command, { ...meta, newStream: true });
  };
  const attempt = async (): Promise<CommandResult> => {
    const outcome = await enterpriseLocked(services, creditCode, () => (wantedProjectId !== undefined ? projectLocked(services, wantedProjectId, decide) : decide()));
    if (!('relock' in outcome)) return outcome;
    held.add(outcome.relock);
    return services.locks.run(lockKeys.tenancy(outcome.relock), attempt);
  };
  // The live tenancy read first, so its lock is usually taken before the others at once (the loop above
  // only when it changed meanwhile).
  await readModelsAtHead(services);
  const live = await exchangeTenancyOf(services.reads, creditCode);
  if (live?.status !== 'active') return attempt();
  held.add(live.applicationId);
  return services.locks.run(lockKeys.tenancy(live.applicationId), attempt);
}

export function reviewExchange(services: Services, args: { exchangeId: string; approved: boolean; reason: string }, meta: CommandMeta): Promise<CommandResult> {
  const { exchangeId, ...review } = args;
  return onExchange(services, exchangeId, { type: 'ReviewExchange', ...review }, meta);
}

/** 换租结果公布. */
export function publishExchangeResult(services: Services, args: { exchangeId: string }, meta: CommandMeta): Promise<CommandResult> {
  return onExchange(services, args.exchangeId, { type: 'PublishExchangeResult' }, meta);
}
