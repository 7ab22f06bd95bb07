// What the bench's log holds beside the projects of bench-log.ts, for the rows of issues 7–9: complete
// rental procedures (a project of their own, a notice, applications, reviews, publicity, allocation,
// result, then leases signed by the winners of all but the latest procedures), so the deadlines read
// model holds one open deadline per winner (signing, or the lease's end once signed); and demands
// reported by enterprises, some matched, followed up, changed, withdrawn or closed by district officers.
// Everything is dated across the log's whole period, taken by many actors (an officer per district,
// thousands of enterprises) and is what the real deciders decide for valid commands. Sizes scale with
// the log: at 1,000,000 events, 10,000 winners (open deadlines) and 10,000 open demands.
import { sha256Hex } from '../src/domain/allocation.js';
import { type ApplicationCommand, type ApplicationState, applicationDecider, applicationFacts, applicationIdFor, applicationStream } from '../src/domain/application.js';
import { DEFAULT_CALENDAR, addWorkingDays } from '../src/domain/calendar.js';
import { type DemandCommand, type DemandSpec, type DemandState, demandDecider, demandStream } from '../src/domain/demand.js';
import { type NoticeCommand, type NoticeState, noticeDecider, noticeSnapshot, noticeStream, projectSnapshot } from '../src/domain/notice.js';
import { type ProjectCommand, type ProjectState, type UseType, projectDecider, projectStream } from '../src/domain/project.js';
import { type Actor, type Decider, DISTRICTS, type District, type DomainEvent } from '../src/domain/shared.js';
import { BENCH_ACTOR, type GeneratedEvent, LogGenerator, benchOfficer } from './bench-log.js';
import { prng } from './seed-data.js';
import { creditCodeOf } from './seed-procedure-data.js';

const DAY = 86_400_000;
const counterId = (prefix: string, n: number) => `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const WEIGHTED: [District, number][] = [
  ['nanshan', 20], ['baoan', 19], ['longgang', 18], ['longhua', 15], ['futian', 9], ['guangming', 8],
  ['pingshan', 7], ['luohu', 5], ['shenshan', 4], ['yantian', 3], ['dapeng', 3], ['qianhai', 2],
];
const INDUSTRIES = ['物联网', '集成电路设计', '医疗器械', '服务机器人', '大数据', '生物医药', '新能源汽车零部件', '人工智能', '新材料', '智能制造', '工业软件', '无人机'];
const USE_TYPES: UseType[] = ['rnd', 'rnd', 'plant', 'office', 'other'];
const ORG_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const DOCUMENT = { name: '营业执照及申请材料.pdf', sha256: 'a'.repeat(64) };

export type Enterprise = Actor & { creditCode: string; name: string };

/** A step of the plan: who, when, on which stream, and the events the decider gave. */
interface Step {
  at: number;
  stream: string;
  actor: Actor;
  events: DomainEvent[];
}

export interface ScenarioSpec {
  /** The whole log's size: the project log gets what the scenario leaves. */
  events: number;
  seed?: number;
  from?: string;
  to?: string;
}

export class ScenarioLog {
  readonly officers = new Map<District, Actor[]>();
  readonly enterprises: Enterprise[] = [];
  /** Applications (id, district, notice) for staff reads (the access log row). */
  readonly applications: { applicationId: string; district: District }[] = [];
  readonly openDemands: { demandId: string; districts: District[] }[] = [];
  /** Open deadlines after the log: one per winner, signing (unsigned) or lease end (signed). */
  readonly deadlines: { kind: 'signing' | 'lease_end'; dueAt: string }[] = [];
  readonly counts: Record<string, number> = {};
  /** The project log beside the scenario (its `published` list feeds the lag and matching rows). */
  projects!: LogGenerator;
  private readonly steps: Step[] = [];
  private readonly rand: () => number;
  private readonly from: number;
  private readonly to: number;
  private ids = 0;

  constructor(private readonly spec: ScenarioSpec) {
    this.rand = prng(spec.seed ?? 2016_06_01);
    this.from = Date.parse(spec.from ?? '2014-12-01T01:00:00.000Z');
    this.to = Date.parse(spec.to ?? new Date(Date.now() - DAY).toISOString());
    const scale = spec.events / 1_000_000;
    for (const d of Object.keys(DISTRICTS) as District[]) {
      this.officers.set(d, [1, 2, 3].map((k) => benchOfficer(d, k)));
    }
    const enterprises = Math.max(60, Math.round(4000 * scale));
    for (let n = 1; n <= enterprises; n++) {
      let org = '';
      for (let v = n, k = 0; k < 6; k++, v = Math.floor(v / 31)) org = ORG_ALPHABET[v % 31] + org;
      const creditCode = creditCodeOf(`MA${org}`);
      const name = `深圳市${INDUSTRIES[n % INDUSTRIES.length]}创新${n}号科技有限公司`;
      this.enterprises.push({ id: `bench-enterprise-${creditCode}`, role: 'enterprise', creditCode, name });
    }
    let winners = 0;
    const winnersWanted = Math.max(20, Math.round(10_000 * scale));
    while (winners < winnersWanted) winners += this.procedure();
    const demandsWanted = Math.max(20, Math.round(10_000 * scale));
    while (this.openDemands.length < demandsWanted) this.demand();
    this.steps.sort((a, b) => a.at - b.at);
  }

  /** How many events the scenario adds (the project log gets the rest of the requested size). */
  get size(): number {
    return this.steps.reduce((n, s) => n + s.events.length, 0);
  }

  /** The whole log, projects and scenario merged in business-time order. */
  *events(): Generator<GeneratedEvent> {
    this.projects = new LogGenerator({ events: Math.max(100, this.spec.events - this.size), ...(this.spec.seed ? { seed: this.spec.seed } : {}), from: new Date(this.from).toISOString(), to: new Date(this.to).toISOString() });
    let next = 0;
    const upTo = function* (self: ScenarioLog, at: number): Generator<GeneratedEvent> {
      while (next < self.steps.length && self.steps[next]!.at <= at) yield* self.recorded(self.steps[next++]!);
    };
    for (const g of this.projects.events()) {
      yield* upTo(this, Date.parse(g.event.occurredAt));
      yield g;
    }
    yield* upTo(this, Infinity);
  }

  private *recorded(step: Step): Generator<GeneratedEvent> {
    const occurredAt = new Date(step.at).toISOString();
    for (const e of step.events) {
      const id = counterId('b0000004', ++this.ids);
      this.counts[e.type] = (this.counts[e.type] ?? 0) + 1;
      yield {
        stream: step.stream,
        event: {
          id,
          type: e.type,
          data: e.data,
          occurredAt,
          metadata: { actor: step.actor, correlationId: id, causationId: null, requestId: id, schemaVersion: 1, imported: true, importedBy: BENCH_ACTOR },
        },
      };
    }
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rand() * list.length)]!;
  }
  private district(): District {
    let r = this.rand() * WEIGHTED.reduce((a, [, w]) => a + w, 0);
    return (WEIGHTED.find(([, w]) => (r -= w) < 0) ?? WEIGHTED[0]!)[0];
  }
  private step<C, E extends DomainEvent, S>(decider: Decider<C, E, S>, state: S, command: C, at: number, stream: string, actor: Actor): S {
    const events = decider.decide(command, state, { actor, now: new Date(at).toISOString(), newId: () => counterId('b000000a', ++this.ids) });
    this.steps.push({ at, stream, actor, events });
    return events.reduce((s, e) => decider.evolve(s, e), state);
  }

  /** One complete rental procedure on a project of its own; answers how many winners it made. */
  private procedure(): number {
    const n = this.steps.length;
    const district = this.district();
    const officer = this.pick(this.officers.get(district)!);
    const projectId = counterId('b000000b', n);
    const noticeId = counterId('b000000c', n);
    // Procedures start from the launch to 50 days before the log ends; winners of the last two months' results have not signed yet.
    const start = this.from + this.rand() * (this.to - this.from - 50 * DAY);
    const applicants = 6 + Math.floor(this.rand() * 5);
    const requests = Array.from({ length: applicants }, () => 100 * (2 + Math.floor(this.rand() * 13)));
    const area = Math.round(requests.reduce((a, b) => a + b, 0) * (0.5 + this.rand() * 0.2));
    // The notice offers part of the project: the rest stays available to other demands (matching).
    const totalArea = area + 1000 + Math.round(this.rand() * 12_000);
    let project: ProjectState = projectDecider.initialState;
    const register: ProjectCommand = {
      type: 'RegisterProject',
      projectId,
      fields: {
        name: `${DISTRICTS[district]}产业用房配租${n}号项目`, district, address: `${DISTRICTS[district]}创新路${1 + (n % 900)}号`, useType: this.pick(USE_TYPES),
        supplyModes: ['rent'], totalArea, managingDepartment: `${DISTRICTS[district]}住房和建设局`,
      },
    };
    project = this.step(projectDecider, project, register, start, projectStream(projectId), officer);
    project = this.step(projectDecider, project, { type: 'PublishProject' } as ProjectCommand, start + 3 * DAY, projectStream(projectId), officer);

    const opensAt = start + 10 * DAY;
    const closesAt = opensAt + 20 * DAY;
    const seed = `bench-lottery-${n}`;
    const snapshot = { ...projectSnapshot(project)!, holdings: [] };
    const publish: NoticeCommand = {
      type: 'PublishNotice', project: snapshot, noticeId, projectId, supplyMode: 'rent', area, price: 35 + Math.round(this.rand() * 60), eligibility: '在本区注册、符合重点产业方向的创新型企业',
      opensAt: new Date(opensAt).toISOString(), closesAt: new Date(closesAt).toISOString(), publicityWorkingDays: 5, lotterySeedSha256: sha256Hex(seed),
    };
    let notice: NoticeState = this.step(noticeDecider, noticeDecider.initialState, publish, start + 5 * DAY, noticeStream(noticeId), officer);

    const taken = new Set<string>();
    const apps: { id: string; state: ApplicationState; order: number }[] = [];
    for (let k = 0; k < applicants; k++) {
      let e = this.pick(this.enterprises);
      while (taken.has(e.creditCode)) e = this.pick(this.enterprises);
      taken.add(e.creditCode);
      const id = applicationIdFor(noticeId, e.creditCode);
      const at = opensAt + ((k + this.rand()) / applicants) * (closesAt - opensAt - DAY);
      const submit: ApplicationCommand = {
        type: 'SubmitApplication', applicationId: id, notice: noticeSnapshot(notice)!, sanctions: [], enterpriseName: e.name, requestedArea: requests[k]!,
        declared: { industry: this.pick(INDUSTRIES), employees: 20 + Math.floor(this.rand() * 300), annualRevenue: Math.round(this.rand() * 2e8), rndShare: Math.round(this.rand() * 30) / 100 }, documents: [DOCUMENT],
      };
      apps.push({ id, state: this.step(applicationDecider, applicationDecider.initialState, submit, at, applicationStream(id), e), order: this.steps.length });
      this.applications.push({ applicationId: id, district });
    }
    for (const a of apps) {
      const qualified = this.rand() < 0.85;
      const review: ApplicationCommand = { type: 'ReviewQualification', notice: noticeSnapshot(notice)!, qualified, reasons: qualified ? [] : ['研发投入占比未达到申请条件'] };
      a.state = this.step(applicationDecider, a.state, review, closesAt + (1 + this.rand()) * DAY, applicationStream(a.id), officer);
    }
    // The first-come number is the submission's place in this plan: in the same order as its log position
    // (writeLog keeps the generated order), but not that position, which the merge with the projects decides.
    const facts = apps.map((a) => applicationFacts(a.state as Exclude<ApplicationState, { status: 'none' }>, a.order));
    const publicityAt = closesAt + 3 * DAY;
    notice = this.step(noticeDecider, notice, { type: 'StartPublicity', applications: facts, calendar: DEFAULT_CALENDAR }, publicityAt, noticeStream(noticeId), officer);
    const allocateAt = Date.parse(addWorkingDays(new Date(publicityAt).toISOString(), 6, DEFAULT_CALENDAR));
    notice = this.step(noticeDecider, notice, { type: 'DecideAllocation', method: 'lottery', seed, applications: facts }, allocateAt, noticeStream(noticeId), officer);
    const resultAt = allocateAt + DAY;
    notice = this.step(noticeDecider, notice, { type: 'PublishResult', signing: { calendar: DEFAULT_CALENDAR, workingDays: 15 } }, resultAt, noticeStream(noticeId), officer);
    if (notice.status === 'none' || !notice.allocation) throw new Error('unreachable: the procedure has its result');
    const winners = notice.allocation.allocations;
    const signedAt = resultAt + 7 * DAY;
    for (const w of winners) {
      const app = apps.find((a) => a.id === w.applicationId)!;
      const due = w.signingDueAt ?? new Date(resultAt).toISOString();
      if (resultAt > this.to - 60 * DAY) {
        this.deadlines.push({ kind: 'signing', dueAt: due });
        continue;
      }
      const signedOn = new Date(signedAt).toISOString();
      const endsOn = new Date(signedAt + 5 * 365 * DAY).toISOString();
      const lease: ApplicationCommand = { type: 'RecordLease', notice: noticeSnapshot(notice)!, area: w.area, contractRef: `深租合字〔${n}〕${w.rank}号`, signedOn, lease: { startsOn: signedOn, endsOn, monthlyRent: Math.round(w.area * 45) } };
      this.step(applicationDecider, app.state, lease, signedAt, applicationStream(w.applicationId), officer);
      this.deadlines.push({ kind: 'lease_end', dueAt: endsOn });
    }
    return winners.length;
  }

  /** One demand and what happened to it; open ones are listed. */
  private demand(): void {
    const n = this.steps.length;
    const demandId = counterId('b000000d', n);
    const stream = demandStream(demandId);
    const e = this.pick(this.enterprises);
    const first = this.district();
    const districts = this.rand() < 0.35 ? [...new Set([first, this.district()])] : [first];
    const officer = this.pick(this.officers.get(first)!);
    const at = this.from + this.rand() * (this.to - this.from - 30 * DAY);
    const minArea = 100 * (2 + Math.floor(this.rand() * 30));
    const spec: DemandSpec = {
      industry: this.pick(INDUSTRIES), minArea, maxArea: Math.round(minArea * (1.3 + this.rand())), districts, useType: this.pick(USE_TYPES), supplyMode: this.rand() < 0.85 ? 'rent' : 'sale',
      maxPrice: 30 + Math.round(this.rand() * 90), neededBy: new Date(at + (90 + this.rand() * 270) * DAY).toISOString(),
    };
    const due = (t: number) => addWorkingDays(new Date(t).toISOString(), 10, DEFAULT_CALENDAR);
    let state: DemandState = this.step(demandDecider, demandDecider.initialState, { type: 'ReportDemand', demandId, spec, followUpDueAt: due(at) } as DemandCommand, at, stream, e);
    const later = (days: number) => at + (1 + this.rand() * days) * DAY;
    if (this.rand() < 0.15) state = this.step(demandDecider, state, { type: 'UpdateDemand', changes: { maxPrice: spec.maxPrice + 10 } }, later(5), stream, e);
    if (this.rand() < 0.4) state = this.step(demandDecider, state, { type: 'FollowUpDemand', note: '电话回访，企业仍有需求', followUpDueAt: due(at + 10 * DAY) }, at + 10 * DAY, stream, officer);
    const r = this.rand();
    if (r < 0.1) this.step(demandDecider, state, { type: 'WithdrawDemand', reason: '企业已自行解决用房' }, at + 20 * DAY, stream, e);
    else if (r < 0.25) this.step(demandDecider, state, { type: 'CloseDemand', outcome: r < 0.2 ? 'settled' : 'unmet', reason: '经跟踪办结' }, at + 25 * DAY, stream, officer);
    else this.openDemands.push({ demandId, districts: [...districts] });
  }
}
