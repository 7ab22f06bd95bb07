// Queries over the space ledger's documents (space.ts): the holdings a decision needs (read at the log's
// head by the use case), a project's figures and unit states, a notice's allocations.
import { type Holding, type HeldState, type SpaceFigures, type SpaceState, ledgerFigures, unitStates } from '../domain/ledger.js';
import type { Doc, Filter, ReadStore } from '../infra/read-store.js';
import { type Moment, readStoreAt } from './history.js';
import { SPACE } from './space.js';

const HELD = new Set(['offered', 'allocated', 'let', 'sold']);

function holdingsOf(docs: Doc[]): Holding[] {
  const cancelled = new Set(docs.filter((d) => d.noticeCancelled === true).map((d) => String(d.noticeId)));
  const out: Holding[] = [];
  for (const d of docs) {
    if (!HELD.has(String(d.state))) continue;
    if (d.kind === 'allocation' && cancelled.has(String(d.noticeId))) continue;
    const key = d.kind === 'offer' ? String(d.noticeId) : String(d.applicationId);
    out.push({ key, state: d.state as HeldState, area: Number(d.area), unitIds: (d.unitIds as string[] | undefined) ?? [] });
  }
  return out;
}

/** The space a project's records hold: notices under way, allocations not yet signed, contracts. */
export async function holdingsOfProject(reads: ReadStore, projectId: string): Promise<Holding[]> {
  return holdingsOf(await reads.find(SPACE, { projectId }));
}

/**
 * The space documents `filter` picks (one project's, one notice's), as they stood at the moment, as a read
 * store the queries below take. Documents are never removed, so those there now are all there ever were:
 * each is folded from its history up to the moment (none there yet: absent).
 */
export async function spaceAt(reads: ReadStore, filter: Filter, moment: Moment): Promise<ReadStore> {
  const ids = (await reads.find(SPACE, filter, { projection: { _id: 1 } })).map((d) => String(d._id));
  return readStoreAt(reads, [SPACE], moment, { [SPACE]: ids });
}

/** A project document's ledger figures and unit states (the document gives the total, market area and units). */
export async function projectSpace(reads: ReadStore, project: Doc): Promise<SpaceFigures & { unitStates: Record<string, SpaceState> }> {
  const holdings = await holdingsOfProject(reads, String(project._id));
  const totalArea = Number(project.totalArea);
  const ledger = {
    totalArea,
    marketArea: typeof project.marketArea === 'number' ? project.marketArea : totalArea,
    unitIds: Object.keys((project.units as Record<string, unknown> | undefined) ?? {}),
    holdings,
  };
  return { ...ledgerFigures(ledger), unitStates: unitStates(ledger) };
}

export interface NoticeAllocationView {
  applicationId: string;
  area: number;
  unitIds: string[];
  status: 'allocated' | 'signed' | 'forfeited' | 'revoked';
  via: string;
  rank: number;
}

/** GET /api/notices/:id `allocations`, in the order of the derived ranking. */
export async function allocationsOfNotice(reads: ReadStore, noticeId: string): Promise<NoticeAllocationView[]> {
  const docs = await reads.find(SPACE, { noticeId, kind: 'allocation' }, { sort: { rank: 1, _id: 1 } });
  return docs.map((d) => ({
    applicationId: String(d.applicationId),
    area: Number(d.area),
    unitIds: (d.unitIds as string[] | undefined) ?? [],
    status: d.status as NoticeAllocationView['status'],
    via: String(d.via),
    rank: Number(d.rank),
  }));
}
