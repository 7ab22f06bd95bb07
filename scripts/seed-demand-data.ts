// The demo history's space demands (产业空间需求, 第五章), as pure data: reported from 2016 onwards across
// industries and districts by the enterprises of the procedures, brokered (撮合) to projects of the plan,
// followed up, answered with feedback and closed with all three outcomes (settled, withdrawn, unmet);
// several are still open on 2017-09-30, so the statistics as of that day show demand beside the 111
// projects (whose figures do not move: demands touch no project).
import type { DemandOutcome, DemandSpec } from '../src/domain/demand.js';
import type { Actor, District } from '../src/domain/shared.js';
import { type SeedPlan, seedId } from './seed-data.js';
import { ENTERPRISES, type LegacyEnterprise } from './seed-procedure-data.js';

export type DemandAction =
  | { type: 'reportDemand'; spec: DemandSpec }
  | { type: 'followUpDemand'; note: string }
  | { type: 'brokerDemand'; projectId: string; note: string }
  | { type: 'giveDemandFeedback'; satisfied: boolean; note: string }
  | { type: 'withdrawDemand'; reason: string }
  | { type: 'closeDemand'; outcome: DemandOutcome; reason: string };

export interface DemandSeedStep {
  at: string;
  demandId: string;
  actor: Actor;
  action: DemandAction;
}

const cst = (day: string, time = '10:00') => new Date(`${day}T${time}:00.000+08:00`).toISOString();

/** A district's housing department as named on that day: 龙华 and 坪山 were 新区 until 2017-01-07. */
function officer(district: District, day: string): Actor {
  const NAMES: Record<District, string> = {
    futian: '福田区', luohu: '罗湖区', nanshan: '南山区', yantian: '盐田区', baoan: '宝安区', longgang: '龙岗区',
    longhua: '龙华区', pingshan: '坪山区', guangming: '光明新区', dapeng: '大鹏新区', shenshan: '深汕特别合作区', qianhai: '前海管理局',
  };
  let name = NAMES[district];
  if (day < '2017-01-07' && (district === 'longhua' || district === 'pingshan')) name = name.replace('区', '新区');
  return { id: `legacy-officer-${district}-01`, role: 'housing_dept', district, name: `${name}住房和建设局` };
}

interface Story {
  key: string;
  enterprise: string;
  spec: Omit<DemandSpec, 'industry' | 'neededBy'> & { neededBy: string };
  reportedOn: string;
  /** Steps after the report: [day, what]; `broker` picks the first project of the district published by then. */
  then: [string, 'follow' | 'broker' | 'feedback+' | 'feedback-' | 'withdraw' | DemandOutcome][];
}

// prettier-ignore
const STORIES: Story[] = [
  { key: 'lanxin-2016', enterprise: 'lanxin', reportedOn: '2016-04-12', spec: { minArea: 1000, maxArea: 2000, districts: ['nanshan'], useType: 'rnd', supplyMode: 'rent', maxPrice: 90, neededBy: '2016-09-30' }, then: [['2016-05-10', 'broker'], ['2016-06-02', 'feedback+'], ['2016-06-20', 'settled']] },
  { key: 'yunfan-2016', enterprise: 'yunfan', reportedOn: '2016-07-05', spec: { minArea: 500, maxArea: 1000, districts: ['nanshan', 'baoan'], useType: 'rnd', supplyMode: 'rent', maxPrice: 75, neededBy: '2016-12-31' }, then: [['2016-07-19', 'follow'], ['2016-08-03', 'broker'], ['2016-09-01', 'feedback+'], ['2016-09-12', 'settled']] },
  { key: 'mingrui-2016', enterprise: 'mingrui', reportedOn: '2016-09-20', spec: { minArea: 3000, maxArea: 6000, districts: ['baoan'], useType: 'plant', supplyMode: 'sale', maxPrice: 9000, neededBy: '2017-06-30' }, then: [['2016-10-18', 'broker'], ['2016-11-30', 'feedback-'], ['2017-01-10', 'unmet']] },
  { key: 'anchi-2016', enterprise: 'anchi', reportedOn: '2016-11-08', spec: { minArea: 5000, maxArea: 10000, districts: ['pingshan'], useType: 'plant', supplyMode: 'rent', maxPrice: 45, neededBy: '2017-06-30' }, then: [['2016-11-22', 'follow'], ['2017-01-17', 'broker'], ['2017-03-15', 'settled']] },
  { key: 'weizhu-2017', enterprise: 'weizhu', reportedOn: '2017-02-14', spec: { minArea: 800, maxArea: 1500, districts: ['pingshan'], useType: 'rnd', supplyMode: 'rent', maxPrice: 60, neededBy: '2017-08-31' }, then: [['2017-03-01', 'follow'], ['2017-04-20', 'withdraw']] },
  { key: 'qiming-2017', enterprise: 'qiming', reportedOn: '2017-03-06', spec: { minArea: 600, maxArea: 1200, districts: ['nanshan', 'futian'], useType: 'rnd', supplyMode: 'rent', maxPrice: 95, neededBy: '2017-09-30' }, then: [['2017-04-05', 'broker'], ['2017-05-10', 'feedback+'], ['2017-05-22', 'settled']] },
  { key: 'zhixing-2017', enterprise: 'zhixing', reportedOn: '2017-04-11', spec: { minArea: 1000, maxArea: 2500, districts: ['longhua'], useType: 'rnd', supplyMode: 'rent', maxPrice: 55, neededBy: '2018-03-31' }, then: [['2017-05-09', 'follow'], ['2017-08-08', 'broker'], ['2017-12-12', 'feedback+'], ['2017-12-20', 'settled']] },
  { key: 'lanjing-2017', enterprise: 'lanjing', reportedOn: '2017-05-08', spec: { minArea: 300, maxArea: 600, districts: ['futian'], useType: 'office', supplyMode: 'rent', maxPrice: 150, neededBy: '2017-10-31' }, then: [['2017-06-06', 'follow'], ['2017-08-30', 'unmet']] },
  { key: 'xingtu-2017', enterprise: 'xingtu', reportedOn: '2017-06-19', spec: { minArea: 1500, maxArea: 3000, districts: ['baoan', 'guangming'], useType: 'plant', supplyMode: 'rent', maxPrice: 50, neededBy: '2018-01-31' }, then: [['2017-08-15', 'broker'], ['2017-11-06', 'feedback+'], ['2017-11-20', 'settled']] },
  { key: 'hanhai-2017', enterprise: 'hanhai', reportedOn: '2017-07-03', spec: { minArea: 4000, maxArea: 8000, districts: ['longgang'], useType: 'plant', supplyMode: 'rent', maxPrice: 40, neededBy: '2018-06-30' }, then: [['2017-07-31', 'follow'], ['2017-09-11', 'broker'], ['2017-12-28', 'feedback-'], ['2018-01-15', 'unmet']] },
  { key: 'jiguang-2017', enterprise: 'jiguang', reportedOn: '2017-08-21', spec: { minArea: 400, maxArea: 800, districts: ['nanshan'], useType: 'rnd', supplyMode: 'rent', maxPrice: 100, neededBy: '2018-03-31' }, then: [['2017-09-04', 'follow'], ['2017-10-30', 'withdraw']] },
  { key: 'hongye-2017', enterprise: 'hongye', reportedOn: '2017-09-05', spec: { minArea: 2000, maxArea: 4000, districts: ['guangming'], useType: 'plant', supplyMode: 'rent', maxPrice: 30, neededBy: '2018-03-31' }, then: [['2017-09-26', 'follow'], ['2017-12-05', 'withdrawn']] },
  { key: 'hengtuo-2017', enterprise: 'hengtuo', reportedOn: '2017-09-18', spec: { minArea: 800, maxArea: 1200, districts: ['luohu'], useType: 'office', supplyMode: 'rent', maxPrice: 120, neededBy: '2018-06-30' }, then: [['2017-10-16', 'follow']] },
  { key: 'lanxin-2018', enterprise: 'lanxin', reportedOn: '2018-03-13', spec: { minArea: 2000, maxArea: 4000, districts: ['nanshan'], useType: 'rnd', supplyMode: 'rent', maxPrice: 95, neededBy: '2019-06-30' }, then: [['2018-04-10', 'broker']] },
  { key: 'weizhu-2018', enterprise: 'weizhu', reportedOn: '2018-05-15', spec: { minArea: 1000, maxArea: 2000, districts: ['pingshan', 'dapeng'], useType: 'rnd', supplyMode: 'sale', maxPrice: 12000, neededBy: '2019-12-31' }, then: [['2018-06-12', 'follow']] },
];

const NOTES = {
  follow: '电话回访：企业需求未变，已推送区内在租房源信息',
  feedbackPlus: '撮合及时，房源符合要求',
  feedbackMinus: '推荐房源面积或价格与需求不符',
  settled: '企业已与园区运营方签约入驻',
  unmet: '辖区内暂无符合条件的房源，需求未能满足',
  withdrawn: '企业迁出深圳，需求撤销',
  withdraw: '企业已自行解决用房',
};

/** The plan's projects published in a district by a day (first published first). */
function publishedBy(plan: SeedPlan, district: District, at: string) {
  const published = new Map(plan.steps.filter((s) => s.command.type === 'PublishProject' && s.at <= at).map((s) => [s.projectId, s.at]));
  return plan.projects.filter((p) => p.fields.district === district && published.has(p.projectId)).sort((a, b) => (published.get(a.projectId)! < published.get(b.projectId)! ? -1 : 1));
}

export function buildDemandPlan(plan: SeedPlan): DemandSeedStep[] {
  const enterprises = new Map<string, LegacyEnterprise>(ENTERPRISES.map((e) => [e.key, e]));
  const steps: DemandSeedStep[] = [];
  for (const story of STORIES) {
    const e = enterprises.get(story.enterprise);
    if (!e) throw new Error(`no enterprise ${story.enterprise} in the seed`);
    const demandId = seedId(`demand-${story.key}`);
    const district = story.spec.districts[0]!;
    const spec: DemandSpec = { ...story.spec, industry: e.declared.industry, neededBy: cst(story.spec.neededBy, '23:59') };
    steps.push({ at: cst(story.reportedOn, '09:30'), demandId, actor: e.actor, action: { type: 'reportDemand', spec } });
    for (const [day, what] of story.then) {
      const at = cst(day, '15:00');
      const by = officer(district, day);
      switch (what) {
        case 'follow':
          steps.push({ at, demandId, actor: by, action: { type: 'followUpDemand', note: NOTES.follow } });
          break;
        case 'broker': {
          const candidates = publishedBy(plan, district, at);
          const project = candidates.find((p) => p.fields.useType === story.spec.useType) ?? candidates[0];
          if (!project) throw new Error(`no published project in ${district} by ${day} for demand ${story.key}`);
          steps.push({ at, demandId, actor: by, action: { type: 'brokerDemand', projectId: project.projectId, note: `推荐${project.fields.name}，已约企业看房` } });
          break;
        }
        case 'feedback+':
        case 'feedback-':
          steps.push({ at, demandId, actor: e.actor, action: { type: 'giveDemandFeedback', satisfied: what === 'feedback+', note: what === 'feedback+' ? NOTES.feedbackPlus : NOTES.feedbackMinus } });
          break;
        case 'withdraw':
          steps.push({ at, demandId, actor: e.actor, action: { type: 'withdrawDemand', reason: NOTES.withdraw } });
          break;
        default:
          steps.push({ at, demandId, actor: by, action: { type: 'closeDemand', outcome: what, reason: NOTES[what] } });
      }
    }
  }
  return steps.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}
