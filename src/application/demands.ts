// Demands (产业空间需求, 第五章): the enterprise reports, updates, withdraws and gives feedback; officers of
// the named districts suggest matches, broker, follow up and close. The next follow-up is due a
// configured number of working days (services.demandFollowUpWorkingDays) after each officer's step.
import { addWorkingDays } from '../domain/calendar.js';
import { type DemandChanges, type DemandCommand, type DemandOutcome, type DemandSpec, type MatchSuggestion, demandDecider, demandStream } from '../domain/demand.js';
import type { CommandMeta, CommandResult } from './command-handler.js';
import { projectFacts } from './facts.js';
import type { Services } from './services.js';
import { businessNow } from './use-case.js';

const onDemand = (services: Services, demandId: string, command: DemandCommand, meta: CommandMeta) =>
  services.commands.execute(demandDecider, demandStream(demandId), demandId, command, meta);

/** When the next follow-up is due, counted from the command's business time. */
const nextFollowUp = (services: Services, meta: CommandMeta) => addWorkingDays(businessNow(services, meta), services.demandFollowUpWorkingDays, services.calendar);

/** 需求申报: demandId is fresh (the stream must not exist). */
export function reportDemand(services: Services, args: { demandId: string; spec: DemandSpec }, meta: CommandMeta): Promise<CommandResult> {
  return onDemand(services, args.demandId, { type: 'ReportDemand', demandId: args.demandId, spec: args.spec, followUpDueAt: nextFollowUp(services, meta) }, { ...meta, newStream: true });
}

export function updateDemand(services: Services, args: { demandId: string; changes: DemandChanges }, meta: CommandMeta): Promise<CommandResult> {
  return onDemand(services, args.demandId, { type: 'UpdateDemand', changes: args.changes }, meta);
}

export function withdrawDemand(services: Services, args: { demandId: string; reason: string }, meta: CommandMeta): Promise<CommandResult> {
  return onDemand(services, args.demandId, { type: 'WithdrawDemand', reason: args.reason }, meta);
}

/** 供需匹配: the officer's suggestions; each named project must exist (404 otherwise). */
export async function matchDemand(services: Services, args: { demandId: string; suggestions: MatchSuggestion[] }, meta: CommandMeta): Promise<CommandResult> {
  for (const s of args.suggestions) await projectFacts(services, s.projectId);
  return onDemand(services, args.demandId, { type: 'MatchDemand', suggestions: args.suggestions, followUpDueAt: nextFollowUp(services, meta) }, meta);
}

/** 撮合: introduces the enterprise to a project, which must exist (404 otherwise). */
export async function brokerDemand(services: Services, args: { demandId: string; projectId: string; note: string }, meta: CommandMeta): Promise<CommandResult> {
  await projectFacts(services, args.projectId);
  return onDemand(services, args.demandId, { type: 'BrokerDemand', projectId: args.projectId, note: args.note, followUpDueAt: nextFollowUp(services, meta) }, meta);
}

/** 跟踪. */
export function followUpDemand(services: Services, args: { demandId: string; note: string }, meta: CommandMeta): Promise<CommandResult> {
  return onDemand(services, args.demandId, { type: 'FollowUpDemand', note: args.note, followUpDueAt: nextFollowUp(services, meta) }, meta);
}

/** 反馈. */
export function giveDemandFeedback(services: Services, args: { demandId: string; satisfied: boolean; note: string }, meta: CommandMeta): Promise<CommandResult> {
  return onDemand(services, args.demandId, { type: 'GiveDemandFeedback', satisfied: args.satisfied, note: args.note }, meta);
}

export function closeDemand(services: Services, args: { demandId: string; outcome: DemandOutcome; reason: string }, meta: CommandMeta): Promise<CommandResult> {
  return onDemand(services, args.demandId, { type: 'CloseDemand', outcome: args.outcome, reason: args.reason }, meta);
}
