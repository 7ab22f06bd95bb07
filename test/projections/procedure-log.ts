// A realistic per-notice procedure, driven through the real deciders and the real command handler into a
// SQLite log, with the procedure projections following it live. Shared by the projection tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandHandler } from '../../src/application/command-handler.js';
import { type AccountabilityCommand, accountabilityDecider, accountabilityStream, activeApplicationBans } from '../../src/domain/accountability.js';
import {
  type ApplicationCommand,
  type ApplicationFacts,
  type ApplicationState,
  type DeclaredFacts,
  applicationDecider,
  applicationFacts,
  applicationIdFor,
  applicationStream,
} from '../../src/domain/application.js';
import type { WorkingCalendar } from '../../src/domain/calendar.js';
import { type ExchangeCommand, exchangeDecider, exchangeStream } from '../../src/domain/exchange.js';
import { type NoticeCommand, type ProjectSnapshot, noticeDecider, noticeSnapshot, noticeStream } from '../../src/domain/notice.js';
import type { Actor, Decider, DomainEvent } from '../../src/domain/shared.js';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import type { Doc } from '../../src/infra/read-store.js';
import { SqliteEventStore } from '../../src/infra/sqlite-event-store.js';
import { accountability } from '../../src/projections/accountability.js';
import { applications } from '../../src/projections/applications.js';
import { exchanges } from '../../src/projections/exchanges.js';
import { notices } from '../../src/projections/notices.js';
import { activeSanctionsOf, getApplication, listFeed, openExchangesOf } from '../../src/projections/procedure-queries.js';
import type { Projection } from '../../src/projections/projection.js';
import { publicFeed } from '../../src/projections/public-feed.js';
import { ProjectionRunner } from '../../src/projections/runner.js';
import { tenancies } from '../../src/projections/tenancies.js';
import { exchangeTenancyOf } from '../../src/projections/tenancy-queries.js';

export const procedureProjections: Projection[] = [notices, publicFeed, applications, tenancies, exchanges, accountability];

export const officer: Actor = { id: 'officer-ns', role: 'housing_dept', district: 'nanshan', name: '南山区住房和建设局' };
export const admin: Actor = { id: 'admin-1', role: 'city_admin', name: '市规划和自然资源局' };
export const E1 = { id: 'ent-1', role: 'enterprise', creditCode: '91440300MA5DXXXX1A', name: '深圳市创新科技有限公司' } satisfies Actor;
export const E2 = { id: 'ent-2', role: 'enterprise', creditCode: '91440300MA5DYYYY2B', name: '深圳市智造有限公司' } satisfies Actor;
export const E3 = { id: 'ent-3', role: 'enterprise', creditCode: '91440300MA5DZZZZ3C', name: '深圳市云端生物医药有限公司' } satisfies Actor;

export const N1 = 'n-nanshan-1';
export const N2 = 'n-futian-2';
export const N3 = 'n-nanshan-3';
export const A1 = applicationIdFor(N1, E1.creditCode);
export const A2 = applicationIdFor(N1, E2.creditCode);
export const A3 = applicationIdFor(N1, E3.creditCode);
export const X1 = 'x-1';
export const CASE = 'case-1';

/** Declared facts: private to the applicant and the reviewers; they must never reach the public feed. */
export const declared: Record<string, DeclaredFacts> = {
  [E1.creditCode]: { industry: '集成电路设计', employees: 120, annualRevenue: 50_000_000, rndShare: 0.12 },
  [E2.creditCode]: { industry: '工业机器人', employees: 340, annualRevenue: 180_000_000, rndShare: 0.08 },
  [E3.creditCode]: { industry: '基因检测服务', employees: 45, annualRevenue: 9_000_000, rndShare: 0.31 },
};
export const sha = (c: string) => c.repeat(64);

const calendar: WorkingCalendar = { holidays: [], workdays: [] };
const nanshanProject: ProjectSnapshot = { projectId: 'p-ns-1', status: 'published', district: 'nanshan', supplyModes: ['rent'], totalArea: 20_000, unitIds: ['u-1', 'u-2', 'u-3'] };
const futianProject: ProjectSnapshot = { projectId: 'p-ft-7', status: 'published', district: 'futian', supplyModes: ['rent', 'sale'], totalArea: 8_000, unitIds: [] };

/** Read models captured in the middle of the procedure. */
export interface Moments {
  feedDuringPublicity: Awaited<ReturnType<typeof listFeed>>;
  objectionIds: { onA3: string; onA1: string };
  afterObjectionsFiled: { a3: Awaited<ReturnType<typeof getApplication>> };
  afterResolution: { a3: Awaited<ReturnType<typeof getApplication>> };
  barredSubmission: unknown;
  tenancyBeforeLease: Awaited<ReturnType<typeof exchangeTenancyOf>>;
  /** E1's open exchange requests while X1 awaits review. */
  openExchangesWhileRequested: Awaited<ReturnType<typeof openExchangesOf>>;
}

export interface ProcedureLog {
  dir: string;
  file: string;
  events: SqliteEventStore;
  reads: EmbeddedReadStore;
  runner: ProjectionRunner;
  moments: Moments;
  /** Snapshots of every document of the procedure collections, by collection, sorted by id. */
  dump(reads?: EmbeddedReadStore): Promise<Record<string, Doc[]>>;
  close(): Promise<void>;
}

export async function dumpCollections(reads: EmbeddedReadStore, projections = procedureProjections): Promise<Record<string, Doc[]>> {
  const out: Record<string, Doc[]> = {};
  for (const c of projections.flatMap((p) => p.collections)) out[c] = await reads.find(c, {}, { sort: { _id: 1 } });
  return out;
}

export async function buildProcedureLog(): Promise<ProcedureLog> {
  const dir = mkdtempSync(join(tmpdir(), 'procedure-projections-'));
  const file = join(dir, 'events.db');
  const events = SqliteEventStore.open(file, { pollIntervalMs: 10 });
  const reads = EmbeddedReadStore.open(null);
  const runner = new ProjectionRunner(events, reads, procedureProjections, { batchSize: 7 });
  await runner.start();

  let now = '2026-01-05T02:00:00.000Z';
  const handler = new CommandHandler(events, { clock: () => new Date(now) });
  const settle = async () => {
    const head = await events.headPosition();
    if (!(await runner.waitFor(head, 10_000))) throw new Error(`read models did not reach ${head}: ${String(runner.error)}`);
  };
  const run = async <C, E extends DomainEvent, S>(at: string, actor: Actor, decider: Decider<C, E, S>, stream: string, command: C) => {
    now = at;
    // The store records occurredAt = its own clock unless the event is imported (by city_admin): business times as given.
    return handler.execute(decider, stream, stream, command, { actor, importedAt: at, importedBy: admin });
  };
  const notice = async (id: string) => noticeSnapshot((await handler.load(noticeDecider, noticeStream(id), true)).state)!;
  const onNotice = (at: string, actor: Actor, id: string, command: NoticeCommand) => run(at, actor, noticeDecider, noticeStream(id), command);
  const onApplication = (at: string, actor: Actor, id: string, command: ApplicationCommand) => run(at, actor, applicationDecider, applicationStream(id), command);
  const onExchange = (at: string, actor: Actor, command: ExchangeCommand) => run(at, actor, exchangeDecider, exchangeStream(X1), command);
  const onCase = (at: string, command: AccountabilityCommand) => run(at, admin, accountabilityDecider, accountabilityStream(CASE), command);
  /** ApplicationFacts as the command handlers build them: folded from the log, with the latest submission's position. */
  const facts = async (ids: string[]): Promise<ApplicationFacts[]> =>
    Promise.all(
      ids.map(async (id) => {
        let state: ApplicationState = applicationDecider.initialState;
        let submittedPosition = 0;
        for (const e of await events.readStream(applicationStream(id))) {
          state = applicationDecider.evolve(state, { type: e.type, data: e.data } as never);
          if (e.type === 'ApplicationSubmitted') submittedPosition = e.position;
        }
        if (state.status === 'none') throw new Error(`no application ${id}`);
        return applicationFacts(state, submittedPosition);
      }),
    );
  const submit = async (at: string, who: typeof E1, noticeId: string, requestedArea: number) =>
    onApplication(at, who, applicationIdFor(noticeId, who.creditCode), {
      type: 'SubmitApplication',
      applicationId: applicationIdFor(noticeId, who.creditCode),
      notice: await notice(noticeId),
      sanctions: activeApplicationBans(await activeSanctionsOf(reads, who.creditCode, at), who.creditCode, at),
      enterpriseName: who.name,
      requestedArea,
      declared: declared[who.creditCode]!,
      documents: [{ name: '营业执照.pdf', sha256: sha('a') }, { name: '审计报告.pdf', sha256: sha('b') }],
    });

  // The notice (area, not units: a notice listing units allocates them whole, test/domain/units.test.ts),
  // amended before its window opens; a second notice in another district, cancelled.
  await onNotice('2026-01-05T02:00:00.000Z', officer, N1, {
    type: 'PublishNotice',
    noticeId: N1,
    projectId: 'p-ns-1',
    supplyMode: 'rent',
    project: nanshanProject,
    area: 3_000,
    price: 65,
    eligibility: '南山区新一代信息技术、高端装备、生物医药企业',
    opensAt: '2026-01-10T01:00:00.000Z',
    closesAt: '2026-01-20T09:00:00.000Z',
  });
  await onNotice('2026-01-06T02:00:00.000Z', officer, N1, { type: 'AmendNotice', changes: { price: 60 }, reason: '租金标准复核', project: nanshanProject });
  await onNotice('2026-01-06T03:00:00.000Z', admin, N2, {
    type: 'PublishNotice',
    noticeId: N2,
    projectId: 'p-ft-7',
    supplyMode: 'sale',
    project: futianProject,
    area: 2_000,
    price: 18_000,
    eligibility: '福田区总部企业',
    opensAt: '2026-02-01T01:00:00.000Z',
    closesAt: '2026-02-10T09:00:00.000Z',
  });
  await onNotice('2026-01-08T02:00:00.000Z', admin, N2, { type: 'CancelNotice', reason: '项目规划调整' });

  // Applications: E3 withdraws and applies again (a later queue number); E2 is returned for material.
  await submit('2026-01-12T02:00:00.000Z', E1, N1, 1_000);
  await submit('2026-01-13T02:00:00.000Z', E2, N1, 1_500);
  await submit('2026-01-13T03:00:00.000Z', E3, N1, 800);
  await onApplication('2026-01-14T02:00:00.000Z', E3, A3, { type: 'WithdrawApplication', reason: '材料有误，重新申请' });
  await onApplication('2026-01-14T03:00:00.000Z', officer, A2, { type: 'ReturnApplication', notice: await notice(N1), missing: ['2025年度审计报告'] });
  await onApplication('2026-01-15T02:00:00.000Z', E2, A2, { type: 'ResubmitApplication', notice: await notice(N1), documents: [{ name: '2025年度审计报告.pdf', sha256: sha('c') }] });
  await submit('2026-01-16T02:00:00.000Z', E3, N1, 800);

  // Close, review, publicity.
  await onNotice('2026-01-21T01:00:00.000Z', officer, N1, { type: 'CloseNotice' });
  await onApplication('2026-01-21T02:00:00.000Z', officer, A1, { type: 'ReviewQualification', notice: await notice(N1), qualified: true, reasons: ['符合准入条件'], score: 85 });
  await onApplication('2026-01-21T02:10:00.000Z', officer, A2, { type: 'ReviewQualification', notice: await notice(N1), qualified: true, reasons: [], score: 90 });
  await onApplication('2026-01-21T02:20:00.000Z', officer, A3, { type: 'ReviewQualification', notice: await notice(N1), qualified: false, reasons: ['研发投入占比证明不足'] });
  await onNotice('2026-01-21T03:00:00.000Z', officer, N1, { type: 'StartPublicity', applications: await facts([A1, A2, A3]), calendar });
  await settle();
  const feedDuringPublicity = await listFeed(reads, { page: 1, pageSize: 50 });

  // Objections during the publicity: one upheld (a new review follows), one dismissed.
  await onApplication('2026-01-23T02:00:00.000Z', E1, A3, { type: 'FileObjection', notice: await notice(N1), content: '该企业研发投入占比实际达标，请复核' });
  await onApplication('2026-01-23T03:00:00.000Z', E2, A1, { type: 'FileObjection', notice: await notice(N1), content: '该企业员工人数与社保记录不符' });
  await settle();
  const objectionIds = {
    onA3: Object.keys((await getApplication(reads, A3))!.objections)[0]!,
    onA1: Object.keys((await getApplication(reads, A1))!.objections)[0]!,
  };
  const afterObjectionsFiled = { a3: await getApplication(reads, A3) };
  await onApplication('2026-01-26T02:00:00.000Z', officer, A3, { type: 'ResolveObjection', notice: await notice(N1), objectionId: objectionIds.onA3, upheld: true, reason: '经核实研发投入占比达标' });
  await onApplication('2026-01-26T03:00:00.000Z', officer, A1, { type: 'ResolveObjection', notice: await notice(N1), objectionId: objectionIds.onA1, upheld: false, reason: '社保记录与申报一致' });
  await settle();
  const afterResolution = { a3: await getApplication(reads, A3) };
  await onApplication('2026-01-27T02:00:00.000Z', officer, A3, { type: 'ReviewQualification', notice: await notice(N1), qualified: true, reasons: ['异议成立，复核合格'], score: 70 });

  // Allocation by ranking: E2 (90) 1500 ㎡, E1 (85) 1000 ㎡; E3 (70) asks 800 ㎡ of the 500 left and gets nothing.
  await onNotice('2026-01-29T02:00:00.000Z', officer, N1, { type: 'DecideAllocation', method: 'ranking', applications: await facts([A1, A2, A3]) });
  await onNotice('2026-01-30T02:00:00.000Z', officer, N1, { type: 'PublishResult' });
  await settle();
  const tenancyBeforeLease = await exchangeTenancyOf(reads, E1.creditCode);
  await onApplication('2026-02-10T02:00:00.000Z', officer, A1, { type: 'RecordLease', notice: await notice(N1), area: 1_000, contractRef: 'NS-ZL-2026-001', signedOn: '2026-02-08T02:00:00.000Z', lease: { startsOn: '2026-03-01T00:00:00.000Z', endsOn: '2029-02-28T16:00:00.000Z', monthlyRent: 45_000 } });
  await onApplication('2026-02-10T03:00:00.000Z', officer, A2, { type: 'RecordLease', notice: await notice(N1), area: 1_400, contractRef: 'NS-ZL-2026-002', signedOn: '2026-02-09T02:00:00.000Z', lease: { startsOn: '2026-03-01T00:00:00.000Z', endsOn: '2029-02-28T16:00:00.000Z', monthlyRent: 63_000 } });
  await settle();

  // A rent exchange, the tenancy and the open requests read from the read model as the route does.
  await onExchange('2026-03-01T02:00:00.000Z', E1, {
    type: 'RequestExchange',
    exchangeId: X1,
    tenancy: await exchangeTenancyOf(reads, E1.creditCode),
    openExchanges: await openExchangesOf(reads, E1.creditCode),
    wantedProject: { projectId: 'p-ns-2', status: 'published' },
    wanted: { projectId: 'p-ns-2', area: 800 },
    reason: '团队调整，需缩减面积',
  });
  await settle();
  const openExchangesWhileRequested = await openExchangesOf(reads, E1.creditCode);
  await onExchange('2026-03-05T02:00:00.000Z', officer, { type: 'ReviewExchange', approved: true, reason: '符合换租条件' });
  await onExchange('2026-03-06T02:00:00.000Z', officer, { type: 'PublishExchangeResult' });

  // Accountability: E3 barred from applying; its next application is refused with the ban from the read model.
  const evidence = (await events.readStream(applicationStream(A3)))[0]!.id;
  await onCase('2026-03-10T02:00:00.000Z', { type: 'RecordViolation', caseId: CASE, subject: { kind: 'enterprise', id: E3.creditCode.toLowerCase(), name: E3.name }, kind: 'false_material', description: '申报材料中研发投入数据虚假', evidence: [evidence], evidenceOnRecord: [evidence] });
  await onCase('2026-03-10T03:00:00.000Z', { type: 'ImposeSanction', kind: 'application_ban', until: '2027-03-10T00:00:00.000Z', reason: '提供虚假材料，一年内不得申请' });
  await onCase('2026-03-10T04:00:00.000Z', { type: 'ImposeSanction', kind: 'public_criticism', reason: '通报批评' });
  await onNotice('2026-03-12T02:00:00.000Z', officer, N3, {
    type: 'PublishNotice',
    noticeId: N3,
    projectId: 'p-ns-1',
    supplyMode: 'rent',
    project: nanshanProject,
    area: 1_000,
    price: 62,
    eligibility: '南山区创新型企业',
    opensAt: '2026-03-20T01:00:00.000Z',
    closesAt: '2026-03-30T09:00:00.000Z',
  });
  await settle();
  let barredSubmission: unknown = null;
  try {
    await submit('2026-03-21T02:00:00.000Z', E3, N3, 500);
  } catch (error) {
    barredSubmission = error;
  }
  await submit('2026-03-21T03:00:00.000Z', E1, N3, 500);
  await settle();

  const moments: Moments = { feedDuringPublicity, objectionIds, afterObjectionsFiled, afterResolution, barredSubmission, tenancyBeforeLease, openExchangesWhileRequested };
  return {
    dir,
    file,
    events,
    reads,
    runner,
    moments,
    dump: (store = reads) => dumpCollections(store),
    close: async () => {
      await runner.stop();
      await reads.close();
      await events.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
