// The demo history of the platform (npm run seed), as pure data: a deterministic plan of commands with
// their historical business times, and a dry run of that plan through the project decider that checks
// the headline figure of the 2018 explainer (../shared/seed): by the end of September 2017 the platform
// had published 111 projects with 712.45 万㎡ = 7,124,500 ㎡.
//
// Everything here is derived from a fixed seed: the same plan, the same ids, on every machine.
import { createHash } from 'node:crypto';
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
} from '../src/domain/project.js';
import { type Actor, DISTRICTS, DISTRICT_CODES, type District } from '../src/domain/shared.js';
import { parseAsOf } from '../src/domain/time.js';

/** Who imports the legacy records: the platform operator, as city_admin (domain.md: only city_admin imports). */
export const SEED_ACTOR: Actor = { id: 'import-legacy', role: 'city_admin', name: '市土地房产交易中心（历史数据导入）' };

/** The reporting date of the explainer and the figures it gives. */
export const HEADLINE = { asOf: '2017-09-30', projects: 111, totalArea: 7_124_500 } as const;

const PRNG_SEED = 20_171_009;
const NAMESPACE = 'industrial-space-platform/seed/v1';

/** A UUID-shaped id derived from a name (SHA-1 of namespace + name, version 5 layout): stable across runs. */
export function seedId(name: string): string {
  const h = createHash('sha1').update(`${NAMESPACE}\u0000${name}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** mulberry32: a small, fast, seeded PRNG (uniform in [0, 1)). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Rand = () => number;
const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
const between = (rand: Rand, lo: number, hi: number) => lo + rand() * (hi - lo);
const intBetween = (rand: Rand, lo: number, hi: number) => Math.floor(between(rand, lo, hi + 1));
function shuffle<T>(rand: Rand, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
function weighted<T extends string>(rand: Rand, weights: Record<T, number>): T {
  const entries = Object.entries(weights) as [T, number][];
  let r = rand() * entries.reduce((s, [, w]) => s + w, 0);
  for (const [k, w] of entries) if ((r -= w) < 0) return k;
  return entries[entries.length - 1]![0];
}

// ---------------------------------------------------------------------------------------------------
// Geography and vocabulary (2017-era names of streets and departments).

interface DistrictProfile {
  /** Prefix of an address: the district as written in addresses in 2017. */
  prefix: string;
  /** Streets (街道/镇), their roads and the place names projects there are called after. */
  streets: { street: string; roads: string[]; places: string[] }[];
  departments: string[];
  owner: string;
  /** Centre of the district's industrial areas and the spread of sites around it (degrees). */
  centre: [number, number];
  spread: number;
  industries: string;
  useTypes: Record<UseType, number>;
  /** Typical size relative to the city's (dense central districts have smaller buildings). */
  size: number;
}

const P: Record<District, DistrictProfile> = {
  futian: {
    prefix: '福田区',
    streets: [
      { street: '福保街道', roads: ['桃花路', '红花路', '紫荆道', '市花路'], places: ['福田保税区', '福保'] },
      { street: '沙头街道', roads: ['泰然九路', '天安路', '泰然四路'], places: ['车公庙', '泰然', '天安'] },
      { street: '华强北街道', roads: ['华强北路', '振华路', '燕南路'], places: ['华强北', '上步'] },
      { street: '梅林街道', roads: ['梅林路', '中康路', '凯丰路'], places: ['梅林', '彩田'] },
      { street: '园岭街道', roads: ['八卦一路', '八卦三路', '红岭北路'], places: ['八卦岭', '园岭'] },
    ],
    departments: ['福田区住房和建设局', '福田区投资推广和企业服务中心'],
    owner: '深圳市福田投资控股有限公司',
    centre: [114.05, 22.54],
    spread: 0.025,
    industries: '金融科技、集成电路设计、时尚创意',
    useTypes: { rnd: 5, plant: 1, office: 4, other: 1 },
    size: 0.45,
  },
  luohu: {
    prefix: '罗湖区',
    streets: [
      { street: '笋岗街道', roads: ['宝安北路', '笋岗西路', '梨园路'], places: ['笋岗', '田贝'] },
      { street: '清水河街道', roads: ['清水河一路', '清水河三路', '泥岗东路'], places: ['清水河', '水贝'] },
      { street: '莲塘街道', roads: ['罗沙路', '国威路'], places: ['莲塘', '梧桐山'] },
      { street: '东晓街道', roads: ['布心路', '太白路', '东昌路'], places: ['布心', '翠竹'] },
    ],
    departments: ['罗湖区住房和建设局', '罗湖区投资推广署'],
    owner: '深圳市罗湖投资控股有限公司',
    centre: [114.13, 22.56],
    spread: 0.02,
    industries: '黄金珠宝设计、文化创意、现代服务',
    useTypes: { rnd: 3, plant: 1, office: 4, other: 1 },
    size: 0.45,
  },
  nanshan: {
    prefix: '南山区',
    streets: [
      { street: '粤海街道', roads: ['科技南十二路', '高新南九道', '科苑南路', '科技中二路'], places: ['科技园', '深圳湾科技生态园', '大冲', '高新南'] },
      { street: '西丽街道', roads: ['留仙大道', '打石一路', '茶光路', '创科路'], places: ['留仙洞', '南山智园', '西丽', '茶光', '朗山'] },
      { street: '桃源街道', roads: ['学苑大道', '龙珠大道', '丽山路'], places: ['桃源', '大学城', '平山'] },
      { street: '南头街道', roads: ['深南大道', '中山园路'], places: ['南头', '马家龙'] },
      { street: '蛇口街道', roads: ['南海大道', '工业六路', '兴华路'], places: ['蛇口网谷', '蛇口'] },
      { street: '沙河街道', roads: ['沙河西路', '白石路', '侨城西街'], places: ['沙河', '白石洲'] },
    ],
    departments: ['南山区住房和建设局', '南山区科技创新局', '南山区产业用房管理中心'],
    owner: '深圳市南山区投资管理公司',
    centre: [113.94, 22.56],
    spread: 0.03,
    industries: '新一代信息技术、互联网、生物医药、人工智能',
    useTypes: { rnd: 7, plant: 1, office: 3, other: 1 },
    size: 0.9,
  },
  yantian: {
    prefix: '盐田区',
    streets: [
      { street: '沙头角街道', roads: ['深盐路', '沙盐路', '东和路'], places: ['沙头角', '中英街'] },
      { street: '盐田街道', roads: ['北山道', '盐田路', '永安路'], places: ['盐田港', '北山'] },
      { street: '海山街道', roads: ['海山路', '梧桐路'], places: ['海山', '田东'] },
    ],
    departments: ['盐田区住房和建设局', '盐田区经济促进局'],
    owner: '深圳市盐田区国有资产投资管理有限公司',
    centre: [114.24, 22.57],
    spread: 0.02,
    industries: '现代物流、海洋科技、生命健康',
    useTypes: { rnd: 3, plant: 2, office: 2, other: 1 },
    size: 0.6,
  },
  baoan: {
    prefix: '宝安区',
    streets: [
      { street: '新安街道', roads: ['宝安大道', '创业二路', '留芳路'], places: ['F518时尚创意园', '宝安中心区', '新安'] },
      { street: '西乡街道', roads: ['宝源路', '固戍一路', '西乡大道'], places: ['西乡', '固戍', '桃花源'] },
      { street: '福永街道', roads: ['福永大道', '凤凰路', '白石厦路'], places: ['福永', '凤凰'] },
      { street: '沙井街道', roads: ['沙井路', '新沙路', '北环路'], places: ['沙井', '新桥'] },
      { street: '松岗街道', roads: ['松白路', '沙江路', '广深路松岗段'], places: ['松岗', '燕罗'] },
      { street: '石岩街道', roads: ['石龙仔路', '宝石南路', '塘头大道'], places: ['石岩', '塘头'] },
      { street: '航城街道', roads: ['鹤洲南路', '黄田路', '航城大道'], places: ['航城', '鹤洲'] },
    ],
    departments: ['宝安区产业空间资源管理中心', '宝安区住房和建设局'],
    owner: '深圳市宝安区投资管理有限公司',
    centre: [113.86, 22.65],
    spread: 0.06,
    industries: '智能装备、电子信息、新材料',
    useTypes: { rnd: 4, plant: 5, office: 1, other: 1 },
    size: 1.1,
  },
  longgang: {
    prefix: '龙岗区',
    streets: [
      { street: '坂田街道', roads: ['五和大道', '雪岗路', '冲之大道'], places: ['天安云谷', '坂雪岗', '坂田'] },
      { street: '布吉街道', roads: ['布吉路', '吉华路', '布澜路'], places: ['布吉', '李朗'] },
      { street: '横岗街道', roads: ['深惠路', '红棉路', '松柏路'], places: ['横岗', '六约'] },
      { street: '龙城街道', roads: ['龙翔大道', '清林中路', '黄阁路'], places: ['大运', '龙城', '黄阁坑'] },
      { street: '平湖街道', roads: ['平湖大街', '富安大道', '平新北路'], places: ['平湖', '华南城'] },
      { street: '宝龙街道', roads: ['宝龙大道', '宝龙二路', '锦龙大道'], places: ['宝龙', '宝龙工业城'] },
      { street: '坪地街道', roads: ['坪西路', '龙岗大道坪地段'], places: ['坪地', '坪地国际低碳城'] },
    ],
    departments: ['龙岗区住房和建设局', '龙岗区经济与科技促进局'],
    owner: '深圳市龙岗区城市建设投资有限公司',
    centre: [114.2, 22.69],
    spread: 0.06,
    industries: '新一代通信、智能终端、新能源',
    useTypes: { rnd: 5, plant: 4, office: 1, other: 1 },
    size: 1.1,
  },
  longhua: {
    prefix: '龙华区',
    streets: [
      { street: '观澜街道', roads: ['观澜大道', '桂月路', '高新园区大道'], places: ['观澜', '牛湖', '观澜高新园'] },
      { street: '龙华街道', roads: ['东环二路', '清湖路', '和平路'], places: ['清湖', '龙华中心区'] },
      { street: '民治街道', roads: ['民治大道', '梅龙路', '民康路'], places: ['民治', '北站商务区'] },
      { street: '大浪街道', roads: ['华繁路', '浪口路', '华宁路'], places: ['大浪时尚小镇', '九龙山', '浪口'] },
      { street: '福城街道', roads: ['福民路', '大和路'], places: ['福城', '大水坑'] },
      { street: '观湖街道', roads: ['环观中路', '观盛路'], places: ['观湖', '鹭湖'] },
    ],
    departments: ['龙华区住房和建设局', '龙华区经济服务局'],
    owner: '深圳市龙华建设发展集团有限公司',
    centre: [114.04, 22.7],
    spread: 0.04,
    industries: '智能制造、数字经济、时尚设计',
    useTypes: { rnd: 4, plant: 4, office: 1, other: 1 },
    size: 1,
  },
  pingshan: {
    prefix: '坪山区',
    streets: [
      { street: '坑梓街道', roads: ['金辉路', '青兰一路', '锦绣东路'], places: ['坪山高新区', '坑梓', '生物医药加速器'] },
      { street: '坪山街道', roads: ['东纵路', '坪山大道', '翠景路'], places: ['坪山中心区', '六和'] },
      { street: '龙田街道', roads: ['龙兴北路', '兰竹东路'], places: ['龙田', '聚龙山'] },
      { street: '石井街道', roads: ['金牛西路', '锦龙大道'], places: ['石井', '田头'] },
    ],
    departments: ['坪山区住房和建设局', '坪山区经济服务局'],
    owner: '深圳市坪山区城市建设投资有限公司',
    centre: [114.35, 22.7],
    spread: 0.03,
    industries: '生物医药、新能源汽车、集成电路',
    useTypes: { rnd: 4, plant: 4, office: 1, other: 1 },
    size: 1.1,
  },
  guangming: {
    prefix: '光明新区',
    streets: [
      { street: '光明街道', roads: ['光侨路', '华夏路', '光明大道'], places: ['高新西片区', '光明中心区'] },
      { street: '公明街道', roads: ['松白路', '民生路', '长春路'], places: ['公明', '楼村', '马田'] },
      { street: '凤凰街道', roads: ['观光路', '凤凰大道'], places: ['凤凰城', '光明科学城'] },
      { street: '玉塘街道', roads: ['田寮路', '长圳路'], places: ['玉塘', '田寮'] },
    ],
    departments: ['光明新区城市建设局', '光明新区经济服务局'],
    owner: '深圳市光明新区城市发展促进中心',
    centre: [113.93, 22.76],
    spread: 0.035,
    industries: '新材料、智能装备、生命健康',
    useTypes: { rnd: 3, plant: 5, office: 1, other: 1 },
    size: 1.1,
  },
  dapeng: {
    prefix: '大鹏新区',
    streets: [
      { street: '葵涌街道', roads: ['葵政东路', '金业大道', '葵新北路'], places: ['葵涌', '坝光'] },
      { street: '大鹏街道', roads: ['鹏飞路', '布新路'], places: ['大鹏', '王母'] },
      { street: '南澳街道', roads: ['南澳大道', '海滨路'], places: ['南澳'] },
    ],
    departments: ['大鹏新区经济服务局'],
    owner: '深圳市大鹏新区投资控股有限公司',
    centre: [114.45, 22.62],
    spread: 0.03,
    industries: '海洋生物、生命健康、新能源',
    useTypes: { rnd: 3, plant: 2, office: 1, other: 2 },
    size: 0.7,
  },
  shenshan: {
    prefix: '深汕特别合作区',
    streets: [
      { street: '鹅埠镇', roads: ['创新大道', '深汕大道', '鹅埠工业区'], places: ['鹅埠', '深汕创新城'] },
      { street: '小漠镇', roads: ['小漠大道'], places: ['小漠'] },
      { street: '赤石镇', roads: ['赤石大道'], places: ['赤石'] },
    ],
    departments: ['深汕特别合作区经济发展局'],
    owner: '深汕特别合作区开发建设有限公司',
    centre: [115.07, 22.86],
    spread: 0.04,
    industries: '先进制造、新能源汽车零部件、电子信息',
    useTypes: { rnd: 1, plant: 5, office: 1, other: 1 },
    size: 1.3,
  },
  qianhai: {
    prefix: '前海',
    streets: [{ street: '南山街道', roads: ['梦海大道', '前湾一路', '听海大道'], places: ['前海深港青年梦工场', '前海嘉里中心'] }],
    departments: ['前海管理局'],
    owner: '深圳市前海开发投资控股有限公司',
    centre: [113.9, 22.53],
    spread: 0.02,
    industries: '现代服务业、金融科技、跨境贸易',
    useTypes: { rnd: 2, plant: 0, office: 5, other: 1 },
    size: 0.8,
  },
};

/** Projects per district published by 2017-09-30: weighted toward Nanshan, Bao'an, Longgang, Longhua, Futian. */
const DISTRICT_COUNTS: Record<District, number> = {
  nanshan: 20,
  baoan: 19,
  longgang: 18,
  longhua: 15,
  futian: 9,
  guangming: 8,
  pingshan: 7,
  luohu: 5,
  shenshan: 4,
  yantian: 3,
  dapeng: 3,
  qianhai: 0, // joined the platform after the seed's reporting day
};

/** Publications by year: the platform went live at the end of 2014 and was relaunched at the end of 2016. */
const PUBLICATIONS_BY_YEAR: [from: string, to: string, count: number][] = [
  ['2014-12-18', '2014-12-31', 6],
  ['2015-01-05', '2015-12-31', 24],
  ['2016-01-04', '2016-12-30', 33],
  ['2017-01-03', '2017-09-29', 47],
  // The 111th goes out on the reporting day itself (a Saturday, but a make-up working day in 2017).
];

const NAME_SUFFIXES: Record<UseType, string[]> = {
  rnd: ['创新型产业用房', '科技研发中心', '科创中心', '创新产业园', '研发楼', '科技孵化器', '产学研基地'],
  plant: ['标准厂房', '智能制造产业园', '工业园', '先进制造基地', '高标准厂房', '产业园厂房'],
  office: ['产业总部大厦', '企业总部基地', '商务中心', '产业大厦'],
  other: ['创客空间', '人才配套公寓', '产业配套服务中心', '众创空间'],
};
const PHASES = ['一期', '二期', '三期', 'A区', 'B区'];
const OWNERSHIP_TYPES = ['政府产权', '国有企业产权', '政府与企业共有产权', '城市更新配建（无偿移交政府）', '工业用地出让配建（无偿移交政府）'];
const CITY_DEPARTMENTS = ['深圳市科技创新委员会', '深圳市经济贸易和信息化委员会'];
const CITY_OWNERS = ['深圳市投资控股有限公司', '深圳市特区建设发展集团有限公司', '深圳市人才安居集团有限公司'];
const BUILDINGS = ['A栋', 'B栋', 'C栋', '1栋', '2栋', '3栋', '研发楼', '厂房1'];

// ---------------------------------------------------------------------------------------------------
// Time: business hours in China Standard Time, written as UTC ISO strings.

const DAY_MS = 86_400_000;
const cstDate = (day: string, hh: number, mm: number) => new Date(`${day}T${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}:00.000+08:00`);
const isoDay = (t: number) => new Date(t + 8 * 3_600_000).toISOString().slice(0, 10); // CST calendar day
function workingTime(rand: Rand, day: string): string {
  let t = Date.parse(`${day}T12:00:00+08:00`);
  for (;;) {
    const weekday = new Date(t + 8 * 3_600_000).getUTCDay();
    if (weekday !== 0 && weekday !== 6) break;
    t += DAY_MS;
  }
  const minutes = intBetween(rand, 9 * 60, 17 * 60 + 20);
  return cstDate(isoDay(t), Math.floor(minutes / 60), minutes % 60).toISOString();
}
function randomDay(rand: Rand, from: string, to: string): string {
  const a = Date.parse(`${from}T12:00:00+08:00`);
  const b = Date.parse(`${to}T12:00:00+08:00`);
  return isoDay(a + Math.floor(rand() * ((b - a) / DAY_MS + 1)) * DAY_MS);
}
const addDays = (iso: string, days: number) => isoDay(Date.parse(iso) + days * DAY_MS);

// ---------------------------------------------------------------------------------------------------
// The plan.

/** A command of the plan; a unit to remove is named by its place, its id being drawn at registration. */
export type SeedCommand = ProjectCommand | { type: 'RemoveUnitAt'; building: string; floor: string; number: string; reason: string };

export interface SeedStep {
  /** Business time (occurredAt), ISO-8601 UTC. */
  at: string;
  /** 1-based project number; project 1 is the first ever published. */
  project: number;
  projectId: string;
  /** The stream revision this step's event gets: the step is done when the stream is longer than this. */
  revision: number;
  command: SeedCommand;
}

export interface SeedPlan {
  projects: { number: number; projectId: string; fields: ProjectFields; units: NewUnit[] }[];
  steps: SeedStep[];
}

function centi(area: number): number {
  return Math.round(area * 100);
}

interface Draft {
  number: number;
  district: District;
  fields: ProjectFields;
  units: NewUnit[];
  registeredAt: string;
  publishedAt: string;
}

function draftProject(rand: Rand, number: number, district: District, usedNames: Set<string>): Omit<Draft, 'registeredAt' | 'publishedAt'> {
  const p = P[district];
  const useType = weighted(rand, p.useTypes);
  const mode = weighted(rand, { rent: 70, both: 20, sale: 10 });
  const supplyModes: SupplyMode[] = mode === 'both' ? ['rent', 'sale'] : [mode];
  const { street, roads, places } = pick(rand, p.streets);
  let name = '';
  for (let attempt = 0; !name || usedNames.has(name); attempt++) {
    const phase = attempt > 2 || rand() < 0.15 ? pick(rand, PHASES) : '';
    name = `${pick(rand, places)}${pick(rand, NAME_SUFFIXES[useType])}${phase}`;
  }
  usedNames.add(name);
  const address = `${p.prefix}${street}${pick(rand, roads)}${intBetween(rand, 1, 399)}号`;
  const cityDept = rand() < 0.08;
  const fields: ProjectFields = {
    name,
    district,
    address,
    useType,
    supplyModes,
    totalArea: 0, // decided below, once all areas are known
    managingDepartment: cityDept ? pick(rand, CITY_DEPARTMENTS) : pick(rand, p.departments),
  };
  if (rand() < 0.85) {
    const [lng, lat] = p.centre;
    fields.location = { lng: Number((lng + between(rand, -p.spread, p.spread)).toFixed(6)), lat: Number((lat + between(rand, -p.spread, p.spread) * 0.7).toFixed(6)) };
  }
  if (rand() < 0.65) {
    fields.ownershipType = pick(rand, OWNERSHIP_TYPES);
    fields.owner = rand() < 0.25 ? pick(rand, CITY_OWNERS) : p.owner;
  }
  if (rand() < 0.55) fields.managementFee = Number(between(rand, useType === 'plant' ? 3 : 6, useType === 'office' ? 28 : 18).toFixed(1));
  if (rand() < 0.45) fields.parkingSpaces = intBetween(rand, 40, 1200);
  if (rand() < 0.5) {
    const focus = p.industries;
    fields.targetTenants = pick(rand, [
      `符合${DISTRICTS[district]}重点发展产业方向（${focus}）的创新型中小企业`,
      `国家级高新技术企业、深圳市重点成长型企业及${focus}领域的创新团队`,
      `在本区纳税、从事${focus}的企业，优先支持总部及研发中心落户`,
      '战略性新兴产业和未来产业企业、创客团队；须无违法违规记录',
    ]);
  }
  if (rand() < 0.35) {
    fields.constructionStatus = pick(rand, ['已竣工', '已竣工', '主体在建', '装修中']);
    if (fields.constructionStatus !== '已竣工') fields.plannedCompletion = `${intBetween(rand, 2017, 2019)}-${String(intBetween(rand, 1, 12)).padStart(2, '0')}-${String(intBetween(rand, 1, 28)).padStart(2, '0')}`;
  }
  if (rand() < 0.2) fields.saleStage = pick(rand, ['招租中', '拟出租', '拟出售', '已完成首批配租']);
  const units: NewUnit[] = [];
  if (rand() < 0.4) {
    const buildings = shuffle(rand, [...BUILDINGS]).slice(0, intBetween(rand, 1, 2));
    const count = intBetween(rand, 3, 10);
    const seen = new Set<string>();
    while (units.length < count) {
      const building = pick(rand, buildings);
      const floor = intBetween(rand, 2, 22);
      const number = `${floor}${String(intBetween(rand, 1, 8)).padStart(2, '0')}`;
      if (seen.has(`${building}/${number}`)) continue;
      seen.add(`${building}/${number}`);
      const area = rand() < 0.7 ? intBetween(rand, 180, 2400) : Number(between(rand, 180, 2400).toFixed(2));
      units.push({ building, floor: `${floor}层`, number, area });
    }
  }
  return { number, district, fields, units };
}

/**
 * Names as they were when the record was made (no randomness, so the plan's figures do not move):
 * 龙华 and 坪山 were 新区 (functional areas) until they became districts on 2017-01-07; ownership by
 * free handover to the government (无偿移交) began only in 2021; 人才安居集团 was founded in 2016-07.
 */
export function mendAnachronisms(f: ProjectFields, registeredAt: string): void {
  if (registeredAt < '2017-01-06T16:00:00.000Z') {
    const rename = (text: string) => text.replaceAll('龙华区', '龙华新区').replaceAll('坪山区', '坪山新区');
    f.address = rename(f.address);
    if (f.managingDepartment) f.managingDepartment = rename(f.managingDepartment);
    if (f.targetTenants) f.targetTenants = rename(f.targetTenants);
  }
  if (f.ownershipType?.includes('无偿移交') && registeredAt < '2020-12-31T16:00:00.000Z') {
    f.ownershipType = f.ownershipType.startsWith('城市更新') ? '城市更新配建（政府回购）' : '工业用地出让配建（政府回购）';
  }
  if (f.owner === '深圳市人才安居集团有限公司' && registeredAt < '2016-06-30T16:00:00.000Z') f.owner = '深圳市投资控股有限公司';
}

function summaryOf(f: ProjectFields): string {
  const modes = f.supplyModes.map((m) => (m === 'rent' ? '出租' : '出售')).join('及');
  const size = (f.totalArea / 10_000).toFixed(2);
  return `${f.name}位于${f.address}，总建筑面积约${size}万平方米，${f.constructionStatus ?? '已竣工'}，以${modes}方式供应，由${f.managingDepartment}负责房源管理。`;
}

export function buildSeedPlan(): SeedPlan {
  const rand = prng(PRNG_SEED);
  const usedNames = new Set<string>();

  // 1. Who: 111 districts in a shuffled order, each with its draft.
  const districts = shuffle(
    rand,
    DISTRICT_CODES.flatMap((d) => Array<District>(DISTRICT_COUNTS[d]).fill(d)),
  );
  if (districts.length !== HEADLINE.projects) throw new Error(`district counts add up to ${districts.length}, not ${HEADLINE.projects}`);

  // 2. When: publication days by year, sorted; project n is the n-th published.
  const publishedAt: string[] = [];
  for (const [from, to, count] of PUBLICATIONS_BY_YEAR) for (let i = 0; i < count; i++) publishedAt.push(workingTime(rand, randomDay(rand, from, to)));
  publishedAt.sort();
  publishedAt.push(cstDate('2017-09-30', 16, 40).toISOString());

  const drafts: Draft[] = districts.map((district, i) => {
    const d = draftProject(rand, i + 1, district, usedNames);
    const pub = publishedAt[i]!;
    // Registered (录入) one to six weeks earlier, never before the platform existed.
    let reg = workingTime(rand, addDays(pub, -intBetween(rand, 7, 42)));
    if (reg < '2014-12-01') reg = workingTime(rand, '2014-12-01');
    if (reg >= pub) reg = new Date(Date.parse(pub) - 3_600_000).toISOString();
    return { ...d, registeredAt: reg, publishedAt: pub };
  });

  // 3. How much: log-normal sizes (plants bigger, offices smaller), scaled to exactly 7,124,500 ㎡.
  const factor: Record<UseType, number> = { rnd: 1, plant: 1.35, office: 0.7, other: 0.45 };
  const weights = drafts.map((d) => {
    const u1 = Math.max(rand(), 1e-9);
    const normal = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * rand());
    return Math.min(Math.max(Math.exp(Math.log(45_000) + 0.75 * normal), 4_000), 320_000) * factor[d.fields.useType] * P[d.district].size;
  });
  const targetCenti = centi(HEADLINE.totalArea);
  const weightSum = weights.reduce((s, w) => s + w, 0);
  let allotted = 0;
  drafts.forEach((d, i) => {
    let c: number;
    if (i === drafts.length - 1) {
      c = targetCenti - allotted; // the last one absorbs the rounding remainder
    } else {
      c = Math.round((weights[i]! / weightSum) * targetCenti);
      c = rand() < 0.7 ? Math.round(c / 100) * 100 : c; // most whole ㎡, some to the hundredth
    }
    allotted += c;
    d.fields.totalArea = c / 100;
  });
  if (allotted !== targetCenti) throw new Error(`areas add up to ${allotted / 100}, not ${HEADLINE.totalArea}`);
  for (const d of drafts) {
    mendAnachronisms(d.fields, d.registeredAt);
    if (!(d.fields.totalArea >= 1_000)) throw new Error(`project ${d.number} would have an implausible area ${d.fields.totalArea}`);
    // Units may never exceed the project: trim the list to half of the area at most.
    let sum = 0;
    d.units = d.units.filter((u) => (sum += u.area) <= d.fields.totalArea / 2);
    if (rand() < 0.35) d.fields.summary = summaryOf(d.fields);
    if (rand() < 0.15) d.fields.landArea = Math.round(d.fields.totalArea / between(rand, 2.5, 6));
  }

  // 4. Projects of the later activity (Oct 2017 – 2018): #112 registered before the reporting day and
  // published after it; #113–#115 registered and published in 2018; #116 still awaiting publication.
  const later: { district: District; registeredAt: string; publishedAt?: string; totalArea: number }[] = [
    { district: 'nanshan', registeredAt: cstDate('2017-09-20', 10, 15).toISOString(), publishedAt: cstDate('2017-10-09', 10, 30).toISOString(), totalArea: 38_650 },
    { district: 'longhua', registeredAt: cstDate('2018-01-23', 9, 40).toISOString(), publishedAt: cstDate('2018-02-07', 15, 0).toISOString(), totalArea: 52_300.5 },
    { district: 'guangming', registeredAt: cstDate('2018-05-08', 11, 20).toISOString(), publishedAt: cstDate('2018-06-12', 10, 0).toISOString(), totalArea: 86_420 },
    { district: 'pingshan', registeredAt: cstDate('2018-08-02', 14, 5).toISOString(), publishedAt: cstDate('2018-09-18', 9, 30).toISOString(), totalArea: 27_880.25 },
    { district: 'baoan', registeredAt: cstDate('2018-10-16', 16, 10).toISOString(), totalArea: 64_000 },
  ];
  const laterDrafts = later.map((l, i) => {
    const d = draftProject(rand, HEADLINE.projects + 1 + i, l.district, usedNames);
    d.fields.totalArea = l.totalArea;
    mendAnachronisms(d.fields, l.registeredAt);
    if (i === 0) d.fields.supplyModes = ['rent']; // gains 'sale' in December 2018
    let sum = 0;
    d.units = d.units.filter((u) => (sum += u.area) <= l.totalArea / 2);
    return { ...d, registeredAt: l.registeredAt, publishedAt: l.publishedAt };
  });

  // 5. The steps, per project, then in time order.
  const steps: Omit<SeedStep, 'revision'>[] = [];
  const id = (n: number) => seedId(`project-${String(n).padStart(3, '0')}`);
  const step = (at: string, project: number, command: SeedCommand) => steps.push({ at, project, projectId: id(project), command });
  const at = (day: string, hh: number, mm: number) => cstDate(day, hh, mm).toISOString();

  // Area corrections before the reporting day: the registered area differs and an update (before
  // publication for #9, after it for #27 and #64) brings it to the area counted on 2017-09-30.
  const corrections: Record<number, { at: string; factor: number; reason: string }> = {
    9: { at: '', factor: 0.94, reason: '发布前复核：按规划验收测绘报告更正建筑面积' },
    27: { at: at('2016-03-15', 10, 20), factor: 1.06, reason: '竣工测绘面积与立项面积不一致，按测绘报告更正' },
    64: { at: at('2017-06-21', 15, 45), factor: 1.03, reason: '扣除移交社区的配套用房面积' },
  };
  const registered = (d: Draft): ProjectFields => {
    const c = corrections[d.number];
    if (!c) return d.fields;
    const initial = Math.round(d.fields.totalArea * c.factor);
    return { ...d.fields, totalArea: initial, availableArea: initial };
  };

  const projects: SeedPlan['projects'] = [];
  for (const d of drafts) {
    const fields = registered(d);
    projects.push({ number: d.number, projectId: id(d.number), fields, units: d.units });
    step(d.registeredAt, d.number, { type: 'RegisterProject', projectId: id(d.number), fields, ...(d.units.length ? { units: d.units } : {}) });
    const c = corrections[d.number];
    if (c) {
      const when = c.at || new Date(Date.parse(d.publishedAt) - 2 * 3_600_000).toISOString();
      step(when, d.number, { type: 'UpdateProject', changes: { totalArea: d.fields.totalArea, availableArea: d.fields.totalArea }, reason: c.reason });
    }
    step(d.publishedAt, d.number, { type: 'PublishProject' });
  }
  for (const d of laterDrafts) {
    projects.push({ number: d.number, projectId: id(d.number), fields: d.fields, units: d.units });
    step(d.registeredAt, d.number, { type: 'RegisterProject', projectId: id(d.number), fields: d.fields, ...(d.units.length ? { units: d.units } : {}) });
    if (d.publishedAt) step(d.publishedAt, d.number, { type: 'PublishProject' });
  }

  // Updates before the reporting day that move no total: a second supply mode, a new department, fees.
  const published = drafts.filter((d) => d.fields.supplyModes.length === 1 && d.fields.supplyModes[0] === 'rent' && d.publishedAt < '2016-06');
  const modeChange = published[0]!;
  step(at('2016-11-08', 14, 30), modeChange.number, { type: 'UpdateProject', changes: { supplyModes: ['rent', 'sale'] }, reason: '经区政府批准，部分房源按深府办〔2016〕3号文转为出售' });
  const deptChange = drafts.find((d) => d.district === 'baoan' && d.publishedAt < '2016-10' && d.fields.managingDepartment !== '宝安区产业空间资源管理中心')!;
  step(at('2016-12-26', 9, 50), deptChange.number, { type: 'UpdateProject', changes: { managingDepartment: '宝安区产业空间资源管理中心' }, reason: '区机构改革，房源管理职责移交区产业空间资源管理中心' });
  const feeChange = drafts.find((d) => d.district === 'longgang' && d.publishedAt < '2017-03')!;
  step(at('2017-04-11', 11, 0), feeChange.number, { type: 'UpdateProject', changes: { managementFee: 9.5, parkingSpaces: 320 }, reason: '物业服务合同续签，管理费标准经区发展改革部门核定' });

  // After the reporting day (Oct 2017 – 2018): updates, an area change, units, a withdrawal.
  const after = drafts.filter((d) => d.number > 3 && d.number < 100);
  const withUnits = after.filter((d) => d.units.length >= 3);
  const areaChanged = after.find((d) => d.district === 'longgang' && d.number !== feeChange.number && !corrections[d.number])!;
  const withdrawn = after.find((d) => d.district === 'futian' && d.units.length === 0)!;
  const available = after.find((d) => d.district === 'nanshan' && !corrections[d.number])!;
  const tenants = after.find((d) => d.district === 'longhua')!;
  const unitsAdded = withUnits[0]!;
  const unitRemoved = withUnits.find((d) => d !== unitsAdded)!;
  const removed = unitRemoved.units[0]!;

  step(at('2017-10-18', 10, 5), feeChange.number, { type: 'UpdateProject', changes: { managementFee: 11 }, reason: '物业管理费标准调整（区发展改革部门2017年第三季度核定）' });
  step(at('2017-11-15', 16, 20), areaChanged.number, {
    type: 'UpdateProject',
    changes: { totalArea: centi(areaChanged.fields.totalArea + 2_345.67) / 100 },
    reason: '不动产登记面积与原测绘面积不一致，以不动产权证书登记面积为准',
  });
  step(at('2017-12-05', 9, 15), unitsAdded.number, {
    type: 'AddUnits',
    units: [
      { building: '新增楼栋', floor: '3层', number: '301', area: 860 },
      { building: '新增楼栋', floor: '3层', number: '302', area: 742.5 },
      { building: '新增楼栋', floor: '4层', number: '401', area: 1_210 },
    ],
  });
  step(at('2018-03-20', 14, 40), unitRemoved.number, {
    type: 'RemoveUnitAt',
    building: removed.building,
    floor: removed.floor,
    number: removed.number,
    reason: '该单元已整体配租给入驻企业，不再单独列示',
  });
  step(at('2018-04-17', 11, 30), available.number, {
    type: 'UpdateProject',
    changes: { availableArea: centi(available.fields.totalArea * 0.62) / 100, saleStage: '已完成首批配租' },
    reason: '完成第一批配租，更新未租售用房面积',
  });
  step(at('2018-06-28', 15, 10), withdrawn.number, { type: 'WithdrawProject', reason: '项目所在地块纳入城市更新单元，经区政府批准退出创新型产业用房供应' });
  step(at('2018-07-24', 10, 0), tenants.number, {
    type: 'UpdateProject',
    changes: { targetTenants: '按《深圳市产业用房供需服务平台管理工作规则（试行）》，面向龙华区重点产业目录内的数字经济与智能制造企业' },
    reason: '按2018年1月发布的平台工作规则更新准入条件',
  });
  step(at('2018-11-06', 9, 45), HEADLINE.projects + 4, {
    type: 'AddUnits',
    units: [
      { building: '1栋', floor: '6层', number: '601', area: 1_480 },
      { building: '1栋', floor: '7层', number: '701', area: 1_480 },
    ],
  });
  step(at('2018-12-12', 16, 0), HEADLINE.projects + 1, { type: 'UpdateProject', changes: { supplyModes: ['rent', 'sale'] }, reason: '经市政府批准，部分房源按政策价格出售' });

  // Time order (stable for equal times), then each step's revision within its stream.
  const ordered = steps.map((s, i) => ({ s, i })).sort((a, b) => (a.s.at < b.s.at ? -1 : a.s.at > b.s.at ? 1 : a.i - b.i));
  const revisions = new Map<string, number>();
  const withRevisions = ordered.map(({ s }) => {
    const revision = revisions.get(s.projectId) ?? 0;
    revisions.set(s.projectId, revision + 1);
    return { ...s, revision };
  });
  return { projects, steps: withRevisions };
}

// ---------------------------------------------------------------------------------------------------
// Dry run: the plan through the real decider, in memory; the figures it must give.

export interface Figures {
  projects: number;
  /** ㎡, exact to the hundredth. */
  totalArea: number;
  byDistrict: Record<string, { projects: number; totalArea: number }>;
}

export interface SeedExpectations {
  /** As of the end of 2017-09-30 in CST. */
  headline: Figures;
  /** After the whole plan. */
  current: Figures;
  events: number;
  byType: Record<string, number>;
  publishedByYear: Record<string, number>;
  lastAt: string;
}

/** Counts of published projects from the figures the events carry (an independent re-count, not the projection). */
class Counter {
  private projects = 0;
  private areaCenti = 0;
  private readonly districts = new Map<string, { projects: number; areaCenti: number }>();
  move(f: { district: string; totalArea: number }, sign: 1 | -1) {
    this.projects += sign;
    this.areaCenti += sign * centi(f.totalArea);
    const d = this.districts.get(f.district) ?? { projects: 0, areaCenti: 0 };
    d.projects += sign;
    d.areaCenti += sign * centi(f.totalArea);
    this.districts.set(f.district, d);
  }
  figures(): Figures {
    return {
      projects: this.projects,
      totalArea: this.areaCenti / 100,
      byDistrict: Object.fromEntries([...this.districts].filter(([, v]) => v.projects !== 0).map(([k, v]) => [k, { projects: v.projects, totalArea: v.areaCenti / 100 }])),
    };
  }
}

/** Runs the plan through decideProject/evolveProject: every command must be accepted; returns the figures. */
export function dryRun(plan: SeedPlan): SeedExpectations {
  const cutoff = parseAsOf(HEADLINE.asOf)!;
  const states = new Map<string, ProjectState>();
  const headline = new Counter();
  const current = new Counter();
  const byType: Record<string, number> = {};
  const publishedByYear: Record<string, number> = {};
  let n = 0;
  for (const s of plan.steps) {
    const state = states.get(s.projectId) ?? initialProjectState;
    const command = resolveCommand(s.command, state);
    const events = decideProject(command, state, { actor: SEED_ACTOR, now: s.at, newId: () => seedId(`dry-run-${n++}`) });
    let next = state;
    for (const e of events as ProjectEvent[]) {
      next = evolveProject(next, e);
      byType[e.type] = (byType[e.type] ?? 0) + 1;
      const counters = s.at <= cutoff ? [headline, current] : [current];
      for (const c of counters) {
        if (e.type === 'ProjectPublished') c.move(e.data, 1);
        if (e.type === 'ProjectWithdrawn') c.move(e.data, -1);
        if (e.type === 'ProjectUpdated' && e.data.figures) {
          c.move(e.data.figures.before, -1);
          c.move(e.data.figures.after, 1);
        }
      }
      if (e.type === 'ProjectPublished') {
        const year = new Date(Date.parse(s.at) + 8 * 3_600_000).toISOString().slice(0, 4);
        publishedByYear[year] = (publishedByYear[year] ?? 0) + 1;
      }
    }
    states.set(s.projectId, next);
  }
  const events = Object.values(byType).reduce((a, b) => a + b, 0);
  return { headline: headline.figures(), current: current.figures(), events, byType, publishedByYear, lastAt: plan.steps.at(-1)!.at };
}

/** Turns a plan command into a decider command, given the stream's state (a unit is found by its place). */
export function resolveCommand(command: SeedCommand, state: ProjectState): ProjectCommand {
  if (command.type !== 'RemoveUnitAt') return command;
  const units = state.status === 'none' ? [] : state.units;
  const unit = units.find((u) => u.building === command.building && u.floor === command.floor && u.number === command.number);
  if (!unit) throw new Error(`no unit ${command.building} ${command.floor} ${command.number} to remove`);
  return { type: 'RemoveUnit', unitId: unit.unitId, reason: command.reason };
}
