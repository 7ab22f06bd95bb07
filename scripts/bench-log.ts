// A realistic project log of any size for the bench: projects registered, published, updated (available
// area, fees, an occasional area or supply-mode change that moves the statistics), units added and
// removed, a few withdrawn, across all districts, dated from the platform's launch (end of 2014) to now.
// Every event is what the real decider decides for a valid command, so the read models see real data.
import {
  type NewUnit,
  type ProjectCommand,
  type ProjectEvent,
  type ProjectFields,
  type ProjectState,
  type SupplyMode,
  type UseType,
  decideProject,
  evolveProject,
  initialProjectState,
  projectStream,
} from '../src/domain/project.js';
import { type Actor, DISTRICTS, type District } from '../src/domain/shared.js';
import { snapshotMark } from '../src/application/command-handler.js';
import type { EventStore, NewEvent } from '../src/infra/event-store.js';
import type { Snapshot } from '../src/infra/snapshot-store.js';
import { prng } from './seed-data.js';

export const BENCH_ACTOR: Actor = { id: 'bench-import', role: 'city_admin', name: '基准测试（历史数据导入）' };

/** The officers who took the imported steps: three per district, so the audit trail has many actors. */
export const benchOfficer = (district: District, k: number): Actor => ({
  id: `bench-officer-${district}-${k}`,
  role: 'housing_dept',
  district,
  name: `${DISTRICTS[district]}住房和建设局经办人${k}`,
});

const DISTRICT_WEIGHTS: [District, number][] = [
  ['nanshan', 20], ['baoan', 19], ['longgang', 18], ['longhua', 15], ['futian', 9], ['guangming', 8],
  ['pingshan', 7], ['luohu', 5], ['shenshan', 4], ['yantian', 3], ['dapeng', 3],
];
const CENTRES: Record<District, [number, number]> = {
  futian: [114.05, 22.54], luohu: [114.13, 22.56], nanshan: [113.94, 22.56], yantian: [114.24, 22.57], baoan: [113.86, 22.65],
  longgang: [114.2, 22.69], longhua: [114.04, 22.7], pingshan: [114.35, 22.7], guangming: [113.93, 22.76], dapeng: [114.45, 22.62],
  shenshan: [115.07, 22.86],
  qianhai: [113.9, 22.53],
};
const PLACES = ['科技园', '智园', '创新谷', '产业园', '科创中心', '智造城', '云谷', '湾区', '高新园', '创客小镇', '总部港', '数字港'];
const ROADS = ['科技路', '创业路', '工业大道', '高新大道', '新城路', '兴业路', '宝龙大道', '留仙大道', '观澜大道', '松白路'];
const USE: [UseType, number][] = [['rnd', 45], ['plant', 30], ['office', 15], ['other', 10]];

/** UUID-shaped ids from a counter: unique, fast, and easy to tell apart by their first group. */
const counterId = (prefix: string, n: number) => `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

export interface GeneratedEvent {
  stream: string;
  event: NewEvent;
}

export interface LogSpec {
  events: number;
  seed?: number;
  /** Business time of the first event (default: the platform's launch). */
  from?: string;
  /** Business time of the last event (default: yesterday). */
  to?: string;
  /** Average events per project (default 40: years of updates and unit changes each). */
  eventsPerProject?: number;
}

interface Tracked {
  id: string;
  district: District;
  state: ProjectState;
  /** The stream's last revision (-1: none yet). */
  revision: number;
  /** The newest snapshot the command handler would have taken: at a decision that crossed a multiple of SNAPSHOT_EVERY. */
  snapshot?: { revision: number; eventId: string; state: ProjectState };
}

/** Generates the log in business-time order; afterwards `published` holds the projects still public. */
export class LogGenerator {
  readonly published: string[] = [];
  readonly states = new Map<string, Tracked>();
  private readonly pending: string[] = [];
  private pendingHead = 0;
  private unitCounter = 0;
  private eventCounter = 0;
  private projectCounter = 0;
  readonly counts: Record<string, number> = {};

  constructor(private readonly spec: LogSpec) {}

  *events(): Generator<GeneratedEvent> {
    const rand = prng(this.spec.seed ?? 2014_12_01);
    const n = this.spec.events;
    const from = Date.parse(this.spec.from ?? '2014-12-01T01:00:00.000Z');
    const to = Date.parse(this.spec.to ?? new Date(Date.now() - 86_400_000).toISOString());
    const projects = Math.max(20, Math.round(n / (this.spec.eventsPerProject ?? 40)));
    let emitted = 0;
    while (emitted < n) {
      const at = new Date(from + ((to - from) * emitted) / n).toISOString();
      const { tracked, command } = this.next(rand, projects, emitted, n);
      const actor = benchOfficer(tracked.district, 1 + (emitted % 3));
      let events: ProjectEvent[];
      try {
        events = decideProject(command, tracked.state, { actor, now: at, newId: () => counterId('b0000002', ++this.unitCounter) });
      } catch {
        // A random change that happens to change nothing (or not fit): a fee update does, unless the fee drawn is
        // the one the project has (at 2M events it was), then a cent more.
        const drawn = Math.round(rand() * 3000) / 100 + 0.01 * (emitted % 97);
        const current = tracked.state.status === 'none' ? undefined : tracked.state.fields.managementFee;
        events = decideProject(
          { type: 'UpdateProject', changes: { managementFee: drawn === current ? drawn + 0.01 : drawn }, reason: '物业管理费调整' },
          tracked.state,
          { actor, now: at, newId: () => counterId('b0000002', ++this.unitCounter) },
        );
      }
      const before = tracked.revision;
      let eventId = '';
      for (const e of events) {
        tracked.state = evolveProject(tracked.state, e);
        tracked.revision++;
        this.afterEvent(tracked, e);
        this.counts[e.type] = (this.counts[e.type] ?? 0) + 1;
        const id = (eventId = counterId('b0000003', ++this.eventCounter));
        yield {
          stream: projectStream(tracked.id),
          event: {
            id,
            type: e.type,
            data: e.data,
            occurredAt: at,
            metadata: { actor, correlationId: id, causationId: null, requestId: id, schemaVersion: 1, imported: true, importedBy: BENCH_ACTOR },
          },
        };
        emitted++;
      }
      // As CommandHandler.execute does at an append: the log a server wrote has these (DATA_DIR/snapshots.db).
      if (snapshotMark(tracked.revision) > before) {
        tracked.snapshot = { revision: tracked.revision, eventId, state: tracked.state };
      }
    }
  }

  /** The projects' newest snapshots, as a server that wrote this log through its command handler would keep them. */
  *snapshots(): Generator<[stream: string, snapshot: Snapshot]> {
    for (const t of this.states.values()) {
      if (t.snapshot) yield [projectStream(t.id), { revision: t.snapshot.revision, eventId: t.snapshot.eventId, state: JSON.stringify(t.snapshot.state) }];
    }
  }

  private afterEvent(t: Tracked, e: ProjectEvent) {
    if (e.type === 'ProjectPublished') this.published.push(t.id);
    if (e.type === 'ProjectWithdrawn') {
      const i = this.published.indexOf(t.id);
      if (i >= 0) {
        this.published[i] = this.published[this.published.length - 1]!;
        this.published.pop();
      }
    }
  }

  private newProject(rand: () => number): { tracked: Tracked; command: ProjectCommand } {
    const n = ++this.projectCounter;
    const id = counterId('b0000001', n);
    let r = rand() * 111;
    const district = (DISTRICT_WEIGHTS.find(([, w]) => (r -= w) < 0) ?? DISTRICT_WEIGHTS[0]!)[0];
    let u = rand() * 100;
    const useType = (USE.find(([, w]) => (u -= w) < 0) ?? USE[0]!)[0];
    const modes: SupplyMode[][] = [['rent'], ['rent'], ['rent'], ['sale'], ['rent', 'sale']];
    const totalArea = Math.round(Math.exp(Math.log(30_000) + 0.8 * (rand() + rand() + rand() - 1.5) * 2)) + 2_000;
    const [lng, lat] = CENTRES[district];
    const place = PLACES[Math.floor(rand() * PLACES.length)]!;
    const fields: ProjectFields = {
      name: `${DISTRICTS[district].replace(/区$|新区$|特别合作区$/, '')}${place}${n}号项目`,
      district,
      address: `${DISTRICTS[district]}${ROADS[Math.floor(rand() * ROADS.length)]}${1 + Math.floor(rand() * 999)}号`,
      useType,
      supplyModes: modes[Math.floor(rand() * modes.length)]!,
      totalArea,
      managingDepartment: `${DISTRICTS[district]}住房和建设局`,
      ...(rand() < 0.85 ? { location: { lng: Number((lng + (rand() - 0.5) * 0.08).toFixed(6)), lat: Number((lat + (rand() - 0.5) * 0.06).toFixed(6)) } } : {}),
      ...(rand() < 0.6 ? { managementFee: Math.round(rand() * 2000) / 100 + 3, parkingSpaces: Math.floor(rand() * 800) } : {}),
      ...(rand() < 0.4 ? { owner: `深圳市${DISTRICTS[district]}投资管理有限公司`, ownershipType: '政府产权', targetTenants: '符合本区重点产业方向的创新型中小企业' } : {}),
    };
    const units: NewUnit[] = rand() < 0.5 ? this.someUnits(rand, 2 + Math.floor(rand() * 6), 0) : [];
    const tracked: Tracked = { id, district, state: initialProjectState, revision: -1 };
    this.states.set(id, tracked);
    this.pending.push(id);
    return { tracked, command: { type: 'RegisterProject', projectId: id, fields, ...(units.length ? { units } : {}) } };
  }

  private someUnits(rand: () => number, count: number, offset: number): NewUnit[] {
    return Array.from({ length: count }, (_, i) => {
      const floor = 2 + Math.floor(rand() * 20);
      return { building: `${'ABCD'[Math.floor(rand() * 4)]}栋`, floor: `${floor}层`, number: `${floor}${String(offset + i + 1).padStart(3, '0')}`, area: 60 + Math.floor(rand() * 500) };
    });
  }

  private next(rand: () => number, projects: number, emitted: number, total: number): { tracked: Tracked; command: ProjectCommand } {
    // Registrations spread evenly over the whole period; each is published some time later.
    if (this.projectCounter < Math.ceil((projects * (emitted + 1)) / total) || this.published.length === 0 && this.pendingHead >= this.pending.length) {
      return this.newProject(rand);
    }
    if (this.pendingHead < this.pending.length && (rand() < 0.3 || this.published.length < 5)) {
      const tracked = this.states.get(this.pending[this.pendingHead++]!)!;
      return { tracked, command: { type: 'PublishProject' } };
    }
    if (this.published.length === 0) return this.newProject(rand);
    const tracked = this.states.get(this.published[Math.floor(rand() * this.published.length)]!)!;
    const s = tracked.state;
    if (s.status === 'none') throw new Error('unreachable: a published project has a state');
    const units = s.units;
    const used = units.reduce((a, x) => a + x.area, 0);
    const r = rand();
    if (r < 0.45) {
      return { tracked, command: { type: 'UpdateProject', changes: { availableArea: Math.max(1, Math.round(s.fields.totalArea * rand())) }, reason: '租售情况变化，更新未租售用房面积' } };
    }
    if (r < 0.48) {
      const totalArea = Math.max(Math.ceil(used) + 100, Math.round(s.fields.totalArea * (0.95 + rand() * 0.1)));
      return {
        tracked,
        command: { type: 'UpdateProject', changes: { totalArea, availableArea: Math.min(s.fields.availableArea ?? totalArea, totalArea) }, reason: '按测绘报告更正建筑面积' },
      };
    }
    if (r < 0.49) {
      const supplyModes: SupplyMode[] = s.fields.supplyModes.length === 2 ? ['rent'] : ['rent', 'sale'];
      return { tracked, command: { type: 'UpdateProject', changes: { supplyModes }, reason: '经批准调整供应方式' } };
    }
    if (r < 0.4912 && this.published.length > 50) return { tracked, command: { type: 'WithdrawProject', reason: '纳入城市更新范围，退出创新型产业用房供应' } };
    if (r < 0.72 && units.length < 30) {
      const add = this.someUnits(rand, 1 + Math.floor(rand() * 3), units.length + Math.floor(rand() * 1e6));
      if (used + add.reduce((a, x) => a + x.area, 0) <= s.fields.totalArea) return { tracked, command: { type: 'AddUnits', units: add } };
    }
    if (r < 0.9 && units.length > 0) {
      return { tracked, command: { type: 'RemoveUnit', unitId: units[Math.floor(rand() * units.length)]!.unitId, reason: '单元已配租' } };
    }
    return { tracked, command: { type: 'UpdateProject', changes: { managementFee: Math.round(rand() * 3000) / 100 }, reason: '物业管理费调整' } };
  }
}

export interface WriteResult {
  events: number;
  appends: number;
  transactions: number;
  ms: number;
}

/**
 * Writes the log through the port in big batches: each chunk's consecutive events of one stream go in one
 * append, and every append of a chunk is issued in one tick, in order, so the store's group commit makes
 * one transaction and the log keeps the generated order across streams (a lease after its result).
 */
export async function writeLog(
  store: EventStore,
  source: Iterable<GeneratedEvent>,
  options: { chunk?: number; onProgress?: (written: number) => void } = {},
): Promise<WriteResult> {
  const chunkSize = options.chunk ?? 20_000;
  const revisions = new Map<string, number>();
  const t0 = performance.now();
  let written = 0;
  let appends = 0;
  let transactions = 0;
  let chunk: { stream: string; events: NewEvent[] }[] = [];
  let inChunk = 0;
  const flush = async () => {
    const pending: Promise<unknown>[] = [];
    for (const { stream, events } of chunk) {
      const last = revisions.get(stream);
      pending.push(store.append(stream, events, last === undefined ? 'no_stream' : last));
      revisions.set(stream, (last ?? -1) + events.length);
      appends++;
    }
    await Promise.all(pending);
    transactions++;
    written += inChunk;
    chunk = [];
    inChunk = 0;
    options.onProgress?.(written);
  };
  for (const { stream, event } of source) {
    const run = chunk.at(-1);
    if (run?.stream === stream) run.events.push(event);
    else chunk.push({ stream, events: [event] });
    if (++inChunk >= chunkSize) await flush();
  }
  if (inChunk > 0) await flush();
  return { events: written, appends, transactions, ms: performance.now() - t0 };
}
