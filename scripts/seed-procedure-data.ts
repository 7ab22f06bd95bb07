// The demo history's procedures (npm run seed), as pure data: after the reporting day, on projects the
// seed published before it, complete procedures as the legacy platform recorded them, each step with the
// enterprise or officer who took it and its business time (Oct 2017 – 2018):
//   1. a rental notice in Nanshan allocated by lottery (commit–reveal seed): eight applicants, one
//      withdrawal, one 补正 and resubmission, one found unqualified, an objection upheld and the verdict
//      reversed by a new review, the draw, the result, two leases;
//   2. a sale notice in Bao'an allocated by ranking on review scores, its result, two completed sales, a
//      winner who does not sign in time — the scheduler forfeits the allocation at the signing deadline
//      and the next in the ranking who fits gets the space (递补) — and the 递补 winner's sale;
//   3. a rent exchange (换租) by a tenant of notice 1, approved, its result published.
// What depends on the log (the lottery's winners, an objection's id) is named by its place and resolved
// when the step runs (scripts/seed.ts). The working days are those of the 2017–2018 State Council
// arrangements (LEGACY_CALENDAR), so each publicity ends where the legacy platform's did.
import type { SubmitApplicationArgs } from '../src/application/applications.js';
import type { PublishNoticeArgs } from '../src/application/notices.js';
import { type AllocationMethod, sha256Hex } from '../src/domain/allocation.js';
import { type DeclaredFacts, type DocumentRef, applicationIdFor } from '../src/domain/application.js';
import { DEFAULT_CALENDAR, type WorkingCalendar } from '../src/domain/calendar.js';
import type { WantedSpace } from '../src/domain/exchange.js';
import type { ProjectFields } from '../src/domain/project.js';
import type { Actor, District } from '../src/domain/shared.js';
import { SCHEDULER_ACTOR } from '../src/application/scheduler.js';
import { HEADLINE, type SeedPlan, seedId } from './seed-data.js';

/** 国务院办公厅 holiday arrangements for 2017 and 2018 (weekdays off, and weekend make-up working days). */
export const LEGACY_CALENDAR: WorkingCalendar = {
  holidays: [
    '2017-01-02', '2017-01-27', '2017-01-30', '2017-01-31', '2017-02-01', '2017-02-02', '2017-04-03', '2017-04-04', '2017-05-01',
    '2017-05-29', '2017-05-30', '2017-10-02', '2017-10-03', '2017-10-04', '2017-10-05', '2017-10-06',
    '2018-01-01', '2018-02-15', '2018-02-16', '2018-02-19', '2018-02-20', '2018-02-21', '2018-04-05', '2018-04-06', '2018-04-30',
    '2018-05-01', '2018-06-18', '2018-09-24', '2018-10-01', '2018-10-02', '2018-10-03', '2018-10-04', '2018-10-05', '2018-12-31',
    ...DEFAULT_CALENDAR.holidays,
  ],
  workdays: [
    '2017-01-22', '2017-02-04', '2017-04-01', '2017-05-27', '2017-09-30',
    '2018-02-11', '2018-02-24', '2018-04-08', '2018-04-28', '2018-09-29', '2018-09-30', '2018-12-29',
    ...DEFAULT_CALENDAR.workdays,
  ],
};

// ---------------------------------------------------------------------------------------------------
// Enterprises: fictitious names, valid unified social credit codes (GB 32100-2015).

const CODE_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

/**
 * 91 (工商, 企业) + 440300 (深圳市) + the 9-character organisation code (8 characters and their GB 11714
 * check character) + the GB 32100 check character.
 */
export function creditCodeOf(organisation: string): string {
  if (!/^[0-9A-HJ-NPQRTUWXY]{8}$/.test(organisation)) throw new Error(`not an organisation code: ${organisation}`);
  const orgSum = [...organisation].reduce((t, c, i) => t + (/\d/.test(c) ? Number(c) : c.charCodeAt(0) - 55) * ORG_WEIGHTS[i]!, 0);
  const orgCheck = 11 - (orgSum % 11);
  const first17 = `91440300${organisation}${orgCheck === 10 ? 'X' : orgCheck === 11 ? '0' : orgCheck}`;
  const sum = [...first17].reduce((t, c, i) => t + CODE_ALPHABET.indexOf(c) * CODE_WEIGHTS[i]!, 0);
  return first17 + CODE_ALPHABET[(31 - (sum % 31)) % 31];
}

/** An enterprise as the legacy platform knew it: its account (the actor of its steps) and its declared facts. */
export interface LegacyEnterprise {
  key: string;
  actor: Actor & { creditCode: string; name: string };
  declared: DeclaredFacts;
}

function enterprise(key: string, name: string, organisation: string, industry: string, employees: number, annualRevenue: number, rndShare: number): LegacyEnterprise {
  const creditCode = creditCodeOf(organisation);
  return { key, actor: { id: `legacy-enterprise-${creditCode}`, role: 'enterprise', creditCode, name }, declared: { industry, employees, annualRevenue, rndShare } };
}

export const ENTERPRISES: LegacyEnterprise[] = [
  // Applicants to the Nanshan rental notice.
  enterprise('yunfan', '深圳市云帆智联科技有限公司', 'MA5DGK3L', '物联网', 62, 38_000_000, 0.18),
  enterprise('lanxin', '深圳市澜芯微电子有限公司', '32657194', '集成电路设计', 120, 156_000_000, 0.22),
  enterprise('qiming', '深圳市启明影像医疗技术有限公司', 'MA5ELW0Q', '医疗器械', 45, 21_000_000, 0.16),
  enterprise('zhixing', '深圳市知行机器人有限公司', 'MA5F0B8N', '服务机器人', 35, 12_000_000, 0.25),
  enterprise('lanjing', '深圳市蓝鲸数据科技有限公司', '08842713', '大数据', 88, 64_000_000, 0.12),
  enterprise('hengtuo', '深圳市恒拓供应链管理有限公司', '27938650', '供应链管理服务', 150, 420_000_000, 0.008),
  enterprise('jiguang', '深圳市极光视界科技有限公司', 'MA5DR2TJ', '虚拟现实', 45, 18_500_000, 0.21),
  enterprise('weizhu', '深圳市微著生物科技有限公司', 'MA5EN7C4', '生物医药', 28, 6_800_000, 0.35),
  // Applicants to the Bao'an sale notice.
  enterprise('mingrui', '深圳市铭锐激光技术有限公司', '67128843', '激光加工设备', 210, 320_000_000, 0.07),
  enterprise('xingtu', '深圳市星图视觉科技有限公司', 'MA5D9RUF', '机器视觉', 96, 85_000_000, 0.11),
  enterprise('hanhai', '深圳市瀚海智能装备有限公司', '59073621', '智能装备', 180, 260_000_000, 0.06),
  enterprise('anchi', '深圳市安驰新能源科技有限公司', '35972208', '新能源电池材料', 320, 510_000_000, 0.045),
  enterprise('hongye', '深圳市宏业包装材料有限公司', '19264450', '包装材料', 140, 96_000_000, 0.005),
];
const E = Object.fromEntries(ENTERPRISES.map((e) => [e.key, e])) as Record<string, LegacyEnterprise>;

const documents = (e: LegacyEnterprise, names: string[]): DocumentRef[] => names.map((name) => ({ name, sha256: sha256Hex(`${e.actor.creditCode}/${name}`) }));
const APPLICATION_DOCUMENTS = ['营业执照.pdf', '法定代表人身份证明.pdf', '2016年度财务审计报告.pdf', '研发投入专项说明.pdf', '入驻承诺书.pdf'];

// ---------------------------------------------------------------------------------------------------
// Steps.

/** "The enterprise holding the n-th allocation (in rank order) of a notice": known once the allocation is decided. */
export interface AllocationRef {
  noticeId: string;
  place: number;
}

export type ProcedureAction =
  | { type: 'publishNotice'; args: PublishNoticeArgs }
  | { type: 'closeNotice'; noticeId: string }
  | { type: 'startPublicity'; noticeId: string }
  | { type: 'decideAllocation'; noticeId: string; method: AllocationMethod; seed?: string }
  | { type: 'publishResult'; noticeId: string }
  /**
   * What the scheduler does at a winner's signing deadline (scheduler.ts, as SCHEDULER_ACTOR): the allocation
   * is forfeited and, with `waitlisted`, the next in the order who fits gets it (递补) in the same append.
   */
  | { type: 'forfeitAllocation'; noticeId: string; applicationId: string; waitlisted: boolean }
  | { type: 'submitApplication'; args: SubmitApplicationArgs }
  | { type: 'withdrawApplication'; applicationId: string; reason: string }
  | { type: 'returnApplication'; applicationId: string; missing: string[] }
  | { type: 'resubmitApplication'; applicationId: string; documents: DocumentRef[] }
  | { type: 'reviewQualification'; applicationId: string; qualified: boolean; reasons: string[]; score?: number }
  | { type: 'fileObjection'; noticeId: string; applicationId: string; content: string }
  /** Resolves the application's open objection (its id is drawn when it is filed). */
  | { type: 'resolveObjection'; applicationId: string; upheld: boolean; reason: string }
  /** The lease or sale of the allocation's application, for the whole allocated area. */
  /** terms: a lease's startsOn/endsOn/monthlyRent, or a sale's price and resaleRestriction (see RecordContractArgs). */
  | { type: 'recordContract'; allocation: AllocationRef; contractRef: string; signedOn: string; terms: { startsOn: string; endsOn: string; monthlyRent: number } | { price: number; resaleRestriction?: string } }
  | { type: 'requestExchange'; exchangeId: string; wanted: WantedSpace; reason: string }
  | { type: 'reviewExchange'; exchangeId: string; approved: boolean; reason: string }
  | { type: 'publishExchangeResult'; exchangeId: string }
  /** 换租: the approved exchange moves the tenancy of the allocation (one TenancyEnded with its successor). */
  | { type: 'moveTenancy'; exchangeId: string }
  /** The tenancy of an allocation's lease (or the one an exchange moved it to: `exchangeId`). */
  | { type: 'renewTenancy'; tenancy: AllocationRef | { exchangeId: string }; endsOn: string; monthlyRent?: number; reason: string }
  | { type: 'exitTenancy'; tenancy: AllocationRef; reason: string }
  | { type: 'recoverTenancy'; tenancy: { exchangeId: string }; grounds: 'breach' | 'sanction'; reasons: string[] };

export interface ProcedureStep {
  /** Business time (occurredAt), ISO-8601 UTC. */
  at: string;
  /** The procedure it belongs to (its events share a correlation id). */
  procedure: string;
  /** Who took the step on the legacy platform; for an exchange request, the tenant of an allocation. */
  actor: Actor | { tenantOf: AllocationRef };
  action: ProcedureAction;
}

export interface ProcedurePlan {
  notices: { key: string; noticeId: string; projectId: string; projectName: string; district: District; method: AllocationMethod; lotterySeed?: string }[];
  exchanges: { key: string; exchangeId: string; tenantOf: AllocationRef; wantedProjectId: string }[];
  steps: ProcedureStep[];
}

/** A CST wall-clock time as an ISO-8601 UTC instant. */
const cst = (day: string, time: string) => new Date(`${day}T${time}:00.000+08:00`).toISOString();

type PlannedProject = SeedPlan['projects'][number];

/** The first project of the headline 111 that matches and stays published through the whole history. */
function pickProject(plan: SeedPlan, match: (f: ProjectFields) => boolean): PlannedProject {
  const withdrawn = new Set(plan.steps.filter((s) => s.command.type === 'WithdrawProject').map((s) => s.projectId));
  const found = plan.projects.find((p) => p.number <= HEADLINE.projects && !withdrawn.has(p.projectId) && match(p.fields));
  if (!found) throw new Error('the seed plan has no project for the procedures');
  return found;
}

/** The project's managing department at a time: its officers act for it. */
function departmentAt(plan: SeedPlan, project: PlannedProject, at: string): string {
  let department = project.fields.managingDepartment ?? '';
  for (const s of plan.steps) {
    if (s.projectId === project.projectId && s.at <= at && s.command.type === 'UpdateProject' && s.command.changes.managingDepartment) department = s.command.changes.managingDepartment;
  }
  return department;
}

function officer(plan: SeedPlan, project: PlannedProject, at: string): Actor {
  const district = project.fields.district;
  return { id: `legacy-officer-${district}-01`, role: 'housing_dept', district, name: departmentAt(plan, project, at) };
}

export function buildProcedurePlan(plan: SeedPlan): ProcedurePlan {
  const steps: ProcedureStep[] = [];
  const lotteryProject = pickProject(plan, (f) => f.district === 'nanshan' && f.useType === 'rnd' && f.supplyModes.includes('rent'));
  const wantedProject = pickProject(plan, (f) => f.district === 'nanshan' && f.useType === 'rnd' && f.supplyModes.includes('rent') && f.name !== lotteryProject.fields.name);
  const rankingProject = pickProject(plan, (f) => f.district === 'baoan' && f.useType === 'rnd' && f.supplyModes.includes('sale'));

  // 1. Nanshan, autumn 2017: rent by lottery.
  const N1 = seedId('notice-2017-nanshan-rent-lottery');
  const p1 = 'notice-2017-nanshan-rent-lottery';
  const ns = officer(plan, lotteryProject, '2017-10-16');
  const lotterySeed = '南山区2017年第四批创新型产业用房配租公开摇号｜公证员现场封存｜K7P3-Q9X2-20171016';
  const app1 = (key: string) => applicationIdFor(N1, E[key]!.actor.creditCode);
  const on1 = (at: string, actor: Actor, action: ProcedureAction) => steps.push({ at, procedure: p1, actor, action });
  const submit1 = (at: string, key: string, requestedArea: number) => {
    const e = E[key]!;
    on1(at, e.actor, { type: 'submitApplication', args: { noticeId: N1, enterpriseName: e.actor.name, requestedArea, declared: e.declared, documents: documents(e, APPLICATION_DOCUMENTS) } });
  };
  const review1 = (at: string, key: string, qualified: boolean, reasons: string[] = []) => on1(at, ns, { type: 'reviewQualification', applicationId: app1(key), qualified, reasons });

  on1(cst('2017-10-16', '10:00'), ns, {
    type: 'publishNotice',
    args: {
      noticeId: N1,
      projectId: lotteryProject.projectId,
      supplyMode: 'rent',
      area: 2_400,
      price: 68,
      eligibility:
        '在南山区注册并纳税、从事新一代信息技术、互联网、生物医药、人工智能等重点产业的创新型中小企业；单家企业申请面积不超过1500平方米；近三年无违法违规记录。符合条件的申请企业所申请面积合计超过供应面积的，以公开摇号方式确定配租企业。',
      opensAt: cst('2017-10-23', '09:00'),
      closesAt: cst('2017-11-03', '17:30'),
      publicityWorkingDays: 5,
      lotterySeedSha256: sha256Hex(lotterySeed),
    },
  });
  submit1(cst('2017-10-23', '09:26'), 'yunfan', 800);
  submit1(cst('2017-10-23', '14:08'), 'lanxin', 1_200);
  submit1(cst('2017-10-24', '10:15'), 'qiming', 600);
  submit1(cst('2017-10-25', '11:02'), 'zhixing', 1_000);
  review1(cst('2017-10-25', '16:30'), 'yunfan', true);
  submit1(cst('2017-10-26', '09:47'), 'lanjing', 900);
  review1(cst('2017-10-26', '14:00'), 'lanxin', true);
  review1(cst('2017-10-27', '10:00'), 'qiming', true);
  on1(cst('2017-10-27', '15:20'), ns, { type: 'returnApplication', applicationId: app1('lanjing'), missing: ['2016年度财务审计报告（须加盖会计师事务所公章）', '近12个月研发人员社会保险缴纳证明'] });
  submit1(cst('2017-10-27', '15:33'), 'hengtuo', 1_500);
  submit1(cst('2017-10-30', '10:12'), 'jiguang', 700);
  on1(cst('2017-10-30', '16:40'), E.zhixing!.actor, { type: 'withdrawApplication', applicationId: app1('zhixing'), reason: '公司已在留仙洞片区租赁自有研发场地，撤回本次申请' });
  on1(cst('2017-10-31', '10:05'), E.lanjing!.actor, {
    type: 'resubmitApplication',
    applicationId: app1('lanjing'),
    documents: documents(E.lanjing!, ['2016年度财务审计报告（盖章版）.pdf', '研发人员社会保险缴纳证明（2016年11月至2017年10月）.pdf']),
  });
  submit1(cst('2017-11-01', '14:25'), 'weizhu', 500);
  review1(cst('2017-11-01', '16:00'), 'hengtuo', false, ['主营业务为供应链贸易服务，不属于本批次准入的重点产业', '研发投入占营业收入比例低于3%']);
  review1(cst('2017-11-02', '10:40'), 'jiguang', true);
  on1(cst('2017-11-06', '09:00'), ns, { type: 'closeNotice', noticeId: N1 });
  review1(cst('2017-11-06', '10:20'), 'lanjing', true);
  review1(cst('2017-11-06', '15:10'), 'weizhu', true);
  on1(cst('2017-11-08', '10:00'), ns, { type: 'startPublicity', noticeId: N1 }); // 5 working days: until Wed 2017-11-15
  on1(cst('2017-11-13', '10:20'), E.qiming!.actor, {
    type: 'fileObjection',
    noticeId: N1,
    applicationId: app1('jiguang'),
    content: '该企业申报研发人员45人，但其在深圳参加社会保险的员工不足15人，申报的研发投入比例与实际经营情况明显不符，请予核查。',
  });
  on1(cst('2017-11-15', '16:30'), ns, {
    type: 'resolveObjection',
    applicationId: app1('jiguang'),
    upheld: true,
    reason: '经核查社会保险缴纳记录及2016年度审计报告，该企业在深参保人数为13人、研发投入占营业收入2.1%，与申报材料不符，异议成立，重新审查。',
  });
  review1(cst('2017-11-16', '10:00'), 'jiguang', false, ['经异议核查，申报的研发人员数量与社会保险缴纳记录不符', '研发投入占营业收入比例低于3%，不符合准入条件']);
  on1(cst('2017-11-20', '10:00'), ns, { type: 'decideAllocation', noticeId: N1, method: 'lottery', seed: lotterySeed });
  on1(cst('2017-11-21', '15:00'), ns, { type: 'publishResult', noticeId: N1 });
  on1(cst('2017-12-04', '10:30'), ns, { type: 'recordContract', allocation: { noticeId: N1, place: 0 }, contractRef: '深南山产业用房租字〔2017〕第0412号', signedOn: cst('2017-12-01', '10:00'), terms: { startsOn: cst('2018-01-01', '00:00'), endsOn: cst('2021-01-01', '00:00'), monthlyRent: 41_600 } });
  on1(cst('2017-12-07', '11:15'), ns, { type: 'recordContract', allocation: { noticeId: N1, place: 1 }, contractRef: '深南山产业用房租字〔2017〕第0415号', signedOn: cst('2017-12-06', '14:30'), terms: { startsOn: cst('2018-01-01', '00:00'), endsOn: cst('2021-01-01', '00:00'), monthlyRent: 33_800 } });

  // 2. Bao'an, spring 2018: sale by ranking on the review scores.
  const N2 = seedId('notice-2018-baoan-sale-ranking');
  const p2 = 'notice-2018-baoan-sale-ranking';
  const ba = officer(plan, rankingProject, '2018-03-12');
  const app2 = (key: string) => applicationIdFor(N2, E[key]!.actor.creditCode);
  const on2 = (at: string, actor: Actor, action: ProcedureAction) => steps.push({ at, procedure: p2, actor, action });
  const submit2 = (at: string, key: string, requestedArea: number) => {
    const e = E[key]!;
    on2(at, e.actor, { type: 'submitApplication', args: { noticeId: N2, enterpriseName: e.actor.name, requestedArea, declared: e.declared, documents: documents(e, [...APPLICATION_DOCUMENTS, '国家高新技术企业证书.pdf', '知识产权清单.pdf']) } });
  };
  const score2 = (at: string, key: string, score: number) => on2(at, ba, { type: 'reviewQualification', applicationId: app2(key), qualified: true, reasons: [`综合评分${score}分`], score });

  on2(cst('2018-03-12', '10:00'), ba, {
    type: 'publishNotice',
    args: {
      noticeId: N2,
      projectId: rankingProject.projectId,
      supplyMode: 'sale',
      area: 6_000,
      price: 10_800,
      eligibility:
        '在宝安区注册、纳税满三年的国家高新技术企业或市级以上重点企业；所购房屋自购买之日起十年内不得转让，只能由区政府按原价回购。按产值贡献、研发投入、知识产权及人才情况综合评分，按得分由高到低确定购买企业。',
      opensAt: cst('2018-03-19', '09:00'),
      closesAt: cst('2018-04-13', '17:30'),
    },
  });
  submit2(cst('2018-03-19', '09:40'), 'hanhai', 2_000);
  submit2(cst('2018-03-21', '14:15'), 'mingrui', 1_800);
  submit2(cst('2018-03-27', '10:30'), 'anchi', 2_000);
  submit2(cst('2018-04-03', '15:50'), 'xingtu', 1_200);
  submit2(cst('2018-04-11', '11:05'), 'hongye', 1_500);
  on2(cst('2018-04-16', '09:00'), ba, { type: 'closeNotice', noticeId: N2 });
  score2(cst('2018-04-16', '14:00'), 'hanhai', 86.5);
  score2(cst('2018-04-16', '16:20'), 'mingrui', 91);
  score2(cst('2018-04-17', '10:10'), 'anchi', 78.5);
  score2(cst('2018-04-17', '15:00'), 'xingtu', 88);
  on2(cst('2018-04-18', '10:30'), ba, {
    type: 'reviewQualification',
    applicationId: app2('hongye'),
    qualified: false,
    reasons: ['主营业务不属于宝安区重点发展产业目录', '未提供有效期内的国家高新技术企业证书'],
  });
  on2(cst('2018-04-19', '10:00'), ba, { type: 'startPublicity', noticeId: N2 }); // 5 working days: until Thu 2018-04-26
  on2(cst('2018-05-03', '10:00'), ba, { type: 'decideAllocation', noticeId: N2, method: 'ranking' });
  // Ranked 铭锐 (91), 星图 (88), 瀚海 (86.5): 5,000 ㎡; 安驰 (78.5, 2,000 ㎡) does not fit in the 1,000 ㎡ left.
  on2(cst('2018-05-04', '15:00'), ba, { type: 'publishResult', noticeId: N2 }); // signing: 15 working days, until Fri 2018-05-25
  on2(cst('2018-05-21', '10:00'), ba, { type: 'recordContract', allocation: { noticeId: N2, place: 0 }, contractRef: '深宝安创新型产业用房买卖合同〔2018〕第0037号', signedOn: cst('2018-05-18', '15:00'), terms: { price: 9_860_000, resaleRestriction: '自不动产登记之日起十年内不得转让' } });
  on2(cst('2018-05-24', '10:30'), ba, { type: 'recordContract', allocation: { noticeId: N2, place: 1 }, contractRef: '深宝安创新型产业用房买卖合同〔2018〕第0041号', signedOn: cst('2018-05-23', '16:00'), terms: { price: 12_960_000, resaleRestriction: '自不动产登记之日起十年内不得转让' } });
  // 瀚海 does not sign: at the first run after its deadline the scheduler forfeits it, and 安驰's 2,000 ㎡ fits (递补).
  on2(cst('2018-05-28', '09:00'), SCHEDULER_ACTOR, { type: 'forfeitAllocation', noticeId: N2, applicationId: app2('hanhai'), waitlisted: true });
  on2(cst('2018-06-19', '10:00'), ba, { type: 'recordContract', allocation: { noticeId: N2, place: 2 }, contractRef: '深宝安创新型产业用房买卖合同〔2018〕第0052号', signedOn: cst('2018-06-15', '15:00'), terms: { price: 21_600_000, resaleRestriction: '自不动产登记之日起十年内不得转让' } });

  // 3. Nanshan, 2018: the tenant of the first lease of notice 1 asks to move to a bigger space.
  const X1 = seedId('exchange-2018-nanshan-1');
  const p3 = 'exchange-2018-nanshan-1';
  const tenantOf: AllocationRef = { noticeId: N1, place: 0 };
  const nsLater = officer(plan, lotteryProject, '2018-05-21');
  steps.push({
    at: cst('2018-05-21', '10:00'),
    procedure: p3,
    actor: { tenantOf },
    action: {
      type: 'requestExchange',
      exchangeId: X1,
      wanted: { projectId: wantedProject.projectId, area: 1_500 },
      reason: `入驻以来公司研发团队扩充近一倍，现租用面积已不能满足需要，申请换租至${wantedProject.fields.name}约1500平方米研发用房，原租赁房源交回区政府统筹配置。`,
    },
  });
  steps.push({
    at: cst('2018-06-01', '10:30'),
    procedure: p3,
    actor: nsLater,
    action: { type: 'reviewExchange', exchangeId: X1, approved: true, reason: `经审核，该企业近一年营业收入及研发投入增长符合换租条件，${wantedProject.fields.name}有相应空置房源，同意换租。` },
  });
  steps.push({ at: cst('2018-06-05', '15:00'), procedure: p3, actor: nsLater, action: { type: 'publishExchangeResult', exchangeId: X1 } });
  steps.push({ at: cst('2018-06-11', '10:00'), procedure: p3, actor: nsLater, action: { type: 'moveTenancy', exchangeId: X1 } });
  // The moved tenancy is renewed (续租) before its end; the second lease of notice 1 is given up (退出).
  steps.push({
    at: cst('2018-12-14', '10:00'),
    procedure: p3,
    actor: nsLater,
    action: { type: 'renewTenancy', tenancy: { exchangeId: X1 }, endsOn: cst('2023-12-31', '23:59'), monthlyRent: 66_000, reason: '企业换租后经营良好，按期缴纳租金，提前办理续租三年' },
  });
  steps.push({
    at: cst('2018-12-27', '15:00'),
    procedure: p3,
    actor: nsLater,
    action: { type: 'recoverTenancy', tenancy: { exchangeId: X1 }, grounds: 'breach', reasons: ['经现场核查，承租企业擅自将约400平方米研发用房转租给关联公司，违反租赁合同及产业用房管理规定', '限期整改期满仍未改正'] },
  });
  steps.push({
    at: cst('2018-11-30', '16:00'),
    procedure: p1,
    actor: { tenantOf: { noticeId: N1, place: 1 } },
    action: { type: 'exitTenancy', tenancy: { noticeId: N1, place: 1 }, reason: '公司总部迁往前海，提前退租，房屋已按约交回' },
  });

  return {
    notices: [
      { key: p1, noticeId: N1, projectId: lotteryProject.projectId, projectName: lotteryProject.fields.name, district: lotteryProject.fields.district, method: 'lottery', lotterySeed },
      { key: p2, noticeId: N2, projectId: rankingProject.projectId, projectName: rankingProject.fields.name, district: rankingProject.fields.district, method: 'ranking' },
    ],
    exchanges: [{ key: p3, exchangeId: X1, tenantOf, wantedProjectId: wantedProject.projectId }],
    steps: steps.map((s, i) => ({ s, i })).sort((a, b) => (a.s.at < b.s.at ? -1 : a.s.at > b.s.at ? 1 : a.i - b.i)).map(({ s }) => s),
  };
}
