// Project listings (房源项目). Changes that can invalidate a notice's facts (status, areas, units) take
// the project's lock, which notices on the project take too (notices.ts).
import { type NewUnit, type ProjectChanges, type ProjectCommand, type ProjectFields, evolveProject, initialProjectState, projectDecider, projectStream } from '../domain/project.js';
import type { CommandMeta, CommandResult } from './command-handler.js';
import { holdingsOfProject } from '../projections/space-queries.js';
import { type Services, readModelsAtHead } from './services.js';
import { projectLocked } from './use-case.js';

/** Any project command, under no lock: for the importer, which replays history one step at a time. */
export const onProject = (services: Services, projectId: string, command: ProjectCommand, meta: CommandMeta) =>
  services.commands.execute(projectDecider, projectStream(projectId), projectId, command, meta);

/** The space the project's records hold, at the log's head (under the project's lock, which notices take too). */
async function heldAtHead(services: Services, projectId: string) {
  await readModelsAtHead(services);
  return holdingsOfProject(services.reads, projectId);
}

/** 录入; projectId is fresh (the route's UUID, the importer's deterministic one). */
export function registerProject(services: Services, args: { projectId: string; fields: ProjectFields; units?: NewUnit[] }, meta: CommandMeta): Promise<CommandResult> {
  return onProject(services, args.projectId, { type: 'RegisterProject', ...args }, { ...meta, newStream: true });
}

/** 动态更新: changed fields, with a reason; `units`, when given, the project's whole unit list after it. */
export function updateProject(services: Services, args: { projectId: string; changes: ProjectChanges; reason: string; units?: NewUnit[] }, meta: CommandMeta): Promise<CommandResult> {
  const { projectId, changes, reason, units } = args;
  return projectLocked(services, projectId, async () => {
    const ledgered = units !== undefined || ['totalArea', 'availableArea', 'district', 'useType', 'supplyModes'].some((k) => changes[k as keyof ProjectChanges] !== undefined);
    const holdings = ledgered ? await heldAtHead(services, projectId) : [];
    return onProject(services, projectId, { type: 'UpdateProject', changes, reason, ...(units !== undefined ? { units } : {}), holdings }, meta);
  });
}

/** 房源精细管理. */
export function addUnits(services: Services, args: { projectId: string; units: NewUnit[] }, meta: CommandMeta): Promise<CommandResult> {
  return onProject(services, args.projectId, { type: 'AddUnits', units: args.units }, meta);
}

export function removeUnit(services: Services, args: { projectId: string; unitId: string; reason?: string }, meta: CommandMeta): Promise<CommandResult> {
  const { projectId, unitId, reason } = args;
  return projectLocked(services, projectId, async () => onProject(services, projectId, { type: 'RemoveUnit', unitId, reason, holdings: await heldAtHead(services, projectId) }, meta));
}

/** 发布. */
export function publishProject(services: Services, args: { projectId: string }, meta: CommandMeta): Promise<CommandResult> {
  return onProject(services, args.projectId, { type: 'PublishProject' }, meta);
}

/** 退出, with a reason. */
export function withdrawProject(services: Services, args: { projectId: string; reason: string }, meta: CommandMeta): Promise<CommandResult> {
  const { projectId, reason } = args;
  return projectLocked(services, projectId, async () => onProject(services, projectId, { type: 'WithdrawProject', reason, holdings: await heldAtHead(services, projectId) }, meta));
}

/** The project as it stood at `asOf` (by occurredAt), folded from its own stream; its ledger figures aside. */
export async function projectAsOf(services: Services, id: string, asOf: string): Promise<Record<string, unknown> | null> {
  const events = await services.events.readStream(projectStream(id), { occurredUntil: asOf });
  if (events.length === 0) return null;
  let state = initialProjectState;
  for (const e of events) state = evolveProject(state, { type: e.type, data: e.data } as never);
  if (state.status === 'none') return null;
  const last = events[events.length - 1]!;
  // The ledger's figures and unit states come from the space documents as they stood (the route: spaceAt).
  return {
    _id: id,
    projectId: id,
    ...state.fields,
    marketArea: state.fields.availableArea ?? state.fields.totalArea,
    status: state.status,
    units: Object.fromEntries(state.units.map((u) => [u.unitId, u])),
    asOf,
    revision: last.revision,
  };
}
