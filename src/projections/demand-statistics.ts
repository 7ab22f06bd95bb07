// Supply–demand statistics (供需统计), now and as of any past moment by occurredAt, without replay: the
// bucket design of statistics.ts (signed counter deltas into current totals, CST year/month/day buckets
// and one record per event). Counted: open demands and their demanded area (the upper bound, maxArea)
// overall and by district, industry, use type and area band; outcomes; and a histogram of whole days
// from report to settlement, from which the median is exact at day resolution.
// A demand naming several districts counts in each of them (and once overall).
import { AREA_BANDS, DEMAND_OUTCOMES, type DemandEvent, type DemandFigures, areaBandOf } from '../domain/demand.js';
import { USE_TYPE_NAMES } from '../domain/project.js';
import { DISTRICTS, DISTRICT_CODES } from '../domain/shared.js';
import type { ReadStore } from '../infra/read-store.js';
import { decodeKey, encodeKey } from './doc-paths.js';
import { defineProjection, type Recorded } from './projection.js';
import { type CountedBy, type CounterCollections, asOfCounterDocs, counterOps, counterPath, currentStatistics, statisticsAsOf, sumCounters } from './statistics.js';

export const DEMAND_STATS_NOW = 'demand_stats_now';
export const DEMAND_STATS_BUCKETS = 'demand_stats_buckets';
export const DEMAND_STATS_DELTAS = 'demand_stats_deltas';

type Delta = Record<string, number>;
const DAY_MS = 86_400_000;

function add(delta: Delta, key: string, n: number) {
  delta[key] = (delta[key] ?? 0) + n;
}

function openDelta(delta: Delta, f: DemandFigures, sign: 1 | -1) {
  const area = sign * Math.round(f.maxArea * 100);
  const groups = ['all', ...f.districts.map((d) => counterPath('byDistrict', d)), counterPath('byIndustry', encodeKey(f.industry)), counterPath('byUseType', f.useType), counterPath('byAreaBand', areaBandOf(f.maxArea))];
  for (const g of groups) {
    add(delta, counterPath(g, 'open'), sign);
    add(delta, counterPath(g, 'areaCenti'), area);
  }
}

function deltaOf(event: Recorded<DemandEvent>): Delta {
  const e = { type: event.type, data: event.data } as DemandEvent;
  const delta: Delta = {};
  switch (e.type) {
    case 'DemandReported': {
      const { industry, districts, useType, minArea, maxArea, reportedAt } = e.data;
      openDelta(delta, { industry, districts, useType, minArea, maxArea, reportedAt }, 1);
      add(delta, 'reported', 1);
      break;
    }
    case 'DemandUpdated':
      openDelta(delta, e.data.figures.before, -1);
      openDelta(delta, e.data.figures.after, 1);
      break;
    case 'DemandWithdrawn':
      openDelta(delta, e.data.figures, -1);
      add(delta, 'outcomes.withdrawn', 1);
      break;
    case 'DemandClosed': {
      openDelta(delta, e.data.figures, -1);
      add(delta, `outcomes.${e.data.outcome}`, 1);
      if (e.data.outcome === 'settled') {
        const days = Math.max(0, Math.floor((Date.parse(event.occurredAt) - Date.parse(e.data.figures.reportedAt)) / DAY_MS));
        add(delta, `settleDays.${days}`, 1);
      }
      break;
    }
    default:
      break;
  }
  for (const [k, v] of Object.entries(delta)) if (v === 0) delete delta[k];
  return delta;
}

/** Industries are free text: each is counted in documents of its own (CounterCollections.apart). */
const DEMAND_COUNTERS: CounterCollections = { now: DEMAND_STATS_NOW, buckets: DEMAND_STATS_BUCKETS, deltas: DEMAND_STATS_DELTAS, apart: 'byIndustry' };
const bucketOps = (event: Recorded<DemandEvent>) => counterOps(DEMAND_COUNTERS, event, deltaOf(event));

export const demandStatistics = defineProjection<DemandEvent>({
  name: 'demand-statistics-v6', // v6: an industry naming a prototype member is keyed encoded (encodeKey), as a stored one on MongoDB was not
  collections: [DEMAND_STATS_NOW, DEMAND_STATS_BUCKETS, DEMAND_STATS_DELTAS],
  logCollections: [DEMAND_STATS_DELTAS],
  indexes: [{ collection: DEMAND_STATS_DELTAS, keys: { day: 1 } }, { collection: DEMAND_STATS_DELTAS, keys: { recordedDay: 1 } }, { collection: DEMAND_STATS_BUCKETS, keys: { bucket: 1 } }],
  handlers: { DemandReported: bucketOps, DemandUpdated: bucketOps, DemandWithdrawn: bucketOps, DemandClosed: bucketOps },
});

const line = (t: Map<string, number>, prefix: string) => ({ openDemands: t.get(`${prefix}.open`) ?? 0, openArea: (t.get(`${prefix}.areaCenti`) ?? 0) / 100 });

/** The median of a whole-day histogram; null when nothing settled. */
function medianDays(t: Map<string, number>): number | null {
  const hist = [...t.entries()].filter(([k, n]) => k.startsWith('settleDays.') && n > 0).map(([k, n]) => [Number(k.slice('settleDays.'.length)), n] as const).sort((a, b) => a[0] - b[0]);
  const total = hist.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return null;
  const at = (i: number) => {
    let seen = 0;
    for (const [days, n] of hist) if ((seen += n) > i) return days;
    return hist.at(-1)![0];
  };
  return (at(Math.floor((total - 1) / 2)) + at(Math.floor(total / 2))) / 2;
}

export function shapeDemandStatistics(t: Map<string, number>) {
  const industries = [...t.keys()].filter((k) => k.startsWith('byIndustry.') && k.endsWith('.open')).map((k) => k.slice('byIndustry.'.length, -'.open'.length));
  return {
    reported: t.get('reported') ?? 0,
    ...line(t, 'all'),
    byDistrict: DISTRICT_CODES.map((d) => ({ district: d, name: DISTRICTS[d], ...line(t, `byDistrict.${d}`) })),
    byIndustry: industries
      .map((k) => ({ industry: decodeKey(k), ...line(t, `byIndustry.${k}`) }))
      .filter((l) => l.openDemands !== 0)
      .sort((a, b) => b.openDemands - a.openDemands || (a.industry < b.industry ? -1 : 1)),
    byUseType: (Object.keys(USE_TYPE_NAMES) as (keyof typeof USE_TYPE_NAMES)[]).map((u) => ({ useType: u, name: USE_TYPE_NAMES[u], ...line(t, `byUseType.${u}`) })),
    byAreaBand: AREA_BANDS.map((b) => ({ areaBand: b.band, name: b.name, ...line(t, `byAreaBand.${b.band}`) })),
    outcomes: Object.fromEntries(DEMAND_OUTCOMES.map((o) => [o, t.get(`outcomes.${o}`) ?? 0])) as Record<(typeof DEMAND_OUTCOMES)[number], number>,
    medianDaysToSettle: medianDays(t),
  };
}
export type DemandStatistics = ReturnType<typeof shapeDemandStatistics>;

export async function currentDemandStatistics(store: ReadStore): Promise<DemandStatistics> {
  // The running total and each industry's own.
  return shapeDemandStatistics(sumCounters((await store.find(DEMAND_STATS_NOW, {})).map((d) => d.c)));
}

export async function demandStatisticsAsOf(store: ReadStore, asOf: string, by: CountedBy = 'occurredAt'): Promise<DemandStatistics> {
  const docs = await asOfCounterDocs(store, DEMAND_COUNTERS, asOf, by);
  return shapeDemandStatistics(sumCounters(docs.map((d) => d.c)));
}

/** Per district: supply (available area where the statistics keep it, else published area), open demanded area, and the gap (供需缺口 = demand − supply). */
export function supplyDemandGap(projectsByDistrict: { district: string; totalArea: number; availableArea?: number }[], demand: DemandStatistics) {
  const demanded = new Map<string, { openArea: number; openDemands: number }>(demand.byDistrict.map((d) => [d.district, d]));
  return projectsByDistrict.map((p) => {
    const supply = p.availableArea ?? p.totalArea;
    const d = demanded.get(p.district);
    const demandArea = d?.openArea ?? 0;
    return {
      district: p.district,
      name: DISTRICTS[p.district as keyof typeof DISTRICTS] ?? p.district,
      supplyArea: supply,
      demandArea,
      openDemands: d?.openDemands ?? 0,
      gap: Math.round((demandArea - supply) * 100) / 100,
    };
  });
}

/** The demand section of GET /api/statistics and the district map: now, or as of a past instant. */
export async function supplyDemand(store: ReadStore, asOf?: string, by: CountedBy = 'occurredAt') {
  const [projects, demand] = asOf === undefined
    ? await Promise.all([currentStatistics(store, ''), currentDemandStatistics(store)])
    : await Promise.all([statisticsAsOf(store, asOf, by), demandStatisticsAsOf(store, asOf, by)]);
  return demandSection(projects.byDistrict, demand);
}

/** The demand section from the project figures already at hand (GET /api/statistics asks for both). */
export function demandSection(projectsByDistrict: Parameters<typeof supplyDemandGap>[0], demand: DemandStatistics) {
  return { ...demand, gap: supplyDemandGap(projectsByDistrict, demand) };
}
