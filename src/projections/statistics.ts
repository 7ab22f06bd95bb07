// Statistics of published projects, now and as of any past moment by occurredAt, without replaying the log.
// Every change is a signed delta of counters. Deltas add up into: the current totals, a bucket per CST
// year, month and day, and one record per event (for the part of a day before a given instant).
// As of T = the years before T's year + its months before T's month + that month's days before T's day
// + that day's events up to T. Bucket ids are computed, so this is ~70 lookups by id plus one day's
// events, whatever the size of the log.
import { type StatFigures, SUPPLY_MODE_NAMES, USE_TYPE_NAMES, type ProjectEvent } from '../domain/project.js';
import { DISTRICTS, DISTRICT_CODES } from '../domain/shared.js';
import { cstDay, parseAsOf } from '../domain/time.js';
import type { ApplicationEvent } from '../domain/application.js';
import type { SpaceDelta } from '../domain/ledger.js';
import type { NoticeEvent } from '../domain/notice.js';
import type { TenancyEvent } from '../domain/tenancy.js';
import type { RecordedEvent } from '../infra/event-store.js';
import { segmentsOf } from '../infra/embedded-doc-ops.js';
import type { Doc, DocOp, ReadStore } from '../infra/read-store.js';
import { type Recorded, defineProjection, op } from './projection.js';
import { type SpaceEvent, onSpaceMoves } from './space-moves.js';
import { utc } from './doc-paths.js';
import type { Moment } from './history.js';

export const STATS_NOW = 'stats_now';
export const STATS_BUCKETS = 'stats_buckets';
export const STATS_DELTAS = 'stats_deltas';

/**
 * Flat counter paths → amounts. Areas are counted in hundredths of a ㎡ so sums stay exact. A Map: ~30
 * dotted keys added to a fresh object per event in ever different orders made the object's keyed stores
 * the dearest line of this projection.
 */
type Delta = Map<string, number>;

function add(delta: Delta, key: string, n: number) {
  delta.set(key, (delta.get(key) ?? 0) + n);
}

/**
 * `${prefix}.${leaf}`, made once and then the same string every time. Counter paths are keys many times
 * over (the delta, the ops, the store's checks and writes), and a path built afresh per event is hashed
 * afresh at each: building and adding the paths was a third of this projection's time in a rebuild.
 */
const joined = new Map<string, Map<string, string>>();
export function counterPath(prefix: string, leaf: string): string {
  let byLeaf = joined.get(prefix);
  if (byLeaf === undefined) {
    if (joined.size >= 1_000) joined.clear(); // a handful of prefixes; bounded all the same
    joined.set(prefix, (byLeaf = new Map()));
  }
  let path = byLeaf.get(leaf);
  if (path === undefined) {
    if (byLeaf.size >= 10_000) byLeaf.clear();
    byLeaf.set(leaf, (path = `${prefix}.${leaf}`));
  }
  return path;
}

/** A ledger state's counter name (`offered` → `offeredCenti`), made once per state like counterPath. */
const centiNames = new Map<string, string>();
function centiName(state: string): string {
  let name = centiNames.get(state);
  if (name === undefined) centiNames.set(state, (name = `${state}Centi`)); // the ledger's few states
  return name;
}

function groupsOf(f: { district: string; useType: string; supplyModes: string[] }): string[] {
  const groups = ['all', counterPath('byDistrict', f.district), counterPath('byUseType', f.useType)];
  for (const m of f.supplyModes) groups.push(counterPath('bySupplyMode', m));
  return groups;
}

function figureDelta(delta: Delta, f: StatFigures, sign: 1 | -1) {
  const area = sign * Math.round(f.totalArea * 100);
  const market = sign * Math.round((f.marketArea ?? f.totalArea) * 100);
  // A withdrawn project takes its sold space with it (nothing else may be held then: project.ts).
  const sold = sign * Math.round((f.soldArea ?? 0) * 100);
  for (const prefix of groupsOf(f)) {
    add(delta, counterPath(prefix, 'projects'), sign);
    add(delta, counterPath(prefix, 'areaCenti'), area);
    add(delta, counterPath(prefix, 'marketCenti'), market);
    add(delta, counterPath(prefix, 'soldCenti'), sold);
  }
}

/** The ledger's held states as counters; available = market − held and withheld = area − market are derived. */
export function spaceFigures(space: SpaceDelta | undefined): Delta {
  const delta: Delta = new Map();
  if (!space) return delta;
  for (const prefix of groupsOf(space)) {
    for (const state in space.centi) add(delta, counterPath(prefix, centiName(state)), space.centi[state as keyof typeof space.centi]!);
  }
  return delta;
}

/** Drops the counters a change leaves as they were. */
function nonZero(delta: Delta): Delta {
  const out: Delta = new Map();
  for (const [k, n] of delta) if (n !== 0) out.set(k, n);
  return out;
}

function figures(f: StatFigures, sign: 1 | -1): Delta {
  const delta: Delta = new Map();
  figureDelta(delta, f, sign);
  return delta;
}

/** Nested form of a flat delta, for storing as one field. */
export function nest(delta: Delta): Record<string, unknown> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [path, n] of delta) {
    const parts = segmentsOf(path); // split once, as the store splits them
    let node: Record<string, unknown> = out;
    // Own fields only: an inherited name (`constructor`) is never followed into a prototype (encodeKey keeps
    // free text from naming one, `__proto__` included; the stores refuse a `__proto__` path).
    for (let i = 0; i < parts.length - 1; i++) node = (Object.hasOwn(node, parts[i]!) ? node[parts[i]!] : (node[parts[i]!] = {})) as Record<string, unknown>;
    node[parts[parts.length - 1]!] = n;
  }
  return out;
}

/** The counter changes of one event, in every bucket it falls into plus its own record. */
/** Where a family of counters lives: the running total, the year/month/day buckets, one record per event. */
export interface CounterCollections {
  now: string;
  buckets: string;
  deltas: string;
  /**
   * A family of counters named by free text (`<apart>.<member>.…`: the demands' industries), kept in
   * documents of their own, one per member, beside the running total and the year and month buckets
   * (memberOps): a member per document would otherwise grow the total and the year's bucket without bound,
   * towards MongoDB's 16 MB, where an update is refused and the projections stall.
   */
  apart?: string;
}

type Stamped = Pick<RecordedEvent, 'position' | 'occurredAt' | 'recordedAt'>;

/** An event's own record of its counters: by the day it is dated and by the day it was recorded. */
function deltaRecord(event: Stamped, delta: Delta) {
  const recordedAt = utc(event.recordedAt);
  return { day: cstDay(event.occurredAt), occurredAt: event.occurredAt, recordedDay: cstDay(recordedAt), recordedAt, c: nest(delta) };
}

/** The year, month and day buckets of a CST day, by id (`prefix` `r`: the recorded-time shifts). */
const bucketIds = (day: string, prefix = '') => [`${prefix}y:${day.slice(0, 4)}`, `${prefix}m:${day.slice(0, 7)}`, `${prefix}d:${day}`];
const KINDS = ['year', 'month', 'day'] as const;

/**
 * The counter changes of one event, in every bucket it falls into plus its own record,
 * so "as of T" sums a few buckets and one day's records instead of replaying the log. An event recorded on
 * another CST day than it is dated (an import; one dated before midnight and recorded after) also moves
 * its counters from the day it is dated to the day it was recorded in the `r` buckets, which "as recorded
 * by T" adds to the same sum (asOfCounterDocs); for every other event the two sums are the same buckets.
 */
export function counterOps(to: CounterCollections, event: Stamped, counts: Delta | Record<string, number>): DocOp[] {
  const delta = counts instanceof Map ? counts : new Map(Object.entries(counts));
  if (delta.size === 0) return [];
  const record = deltaRecord(event, delta);
  const inc: Record<string, number> = {};
  for (const [k, n] of delta) inc[counterPath('c', k)] = n;
  const ops: DocOp[] = [];
  const parts = to.apart === undefined ? undefined : splitApart(inc, to.apart);
  const shared = parts === undefined ? inc : parts.get('');
  if (shared !== undefined) {
    ops.push(op(to.now, 'current', event, { inc: shared }));
    bucketIds(record.day).forEach((id, i) => ops.push(op(to.buckets, id, event, { inc: shared, setOnInsert: { kind: KINDS[i], key: id.slice(2) } })));
    if (record.recordedDay !== record.day) ops.push(...shiftOps(to, event, shared, record.day, record.recordedDay));
  }
  for (const [member, part] of parts ?? []) if (member !== '') ops.push(...memberOps(to, event, `|${member}`, part, record));
  ops.push(op(to.deltas, String(event.position), event, { set: record }));
  return ops;
}

/** The counters outside the family (under '') and each member's own (`c.<apart>.<member>.…`). */
function splitApart(inc: Record<string, number>, apart: string): Map<string, Record<string, number>> {
  const parts = new Map<string, Record<string, number>>();
  const family = `c.${apart}.`;
  for (const k in inc) {
    const end = k.indexOf('.', family.length);
    const member = k.startsWith(family) ? k.slice(family.length, end < 0 ? undefined : end) : '';
    let part = parts.get(member);
    if (part === undefined) parts.set(member, (part = {}));
    part[k] = inc[k]!;
  }
  return parts;
}

/** `c.…` counters as the same counters of one day of a month's bucket: `d.<DD>.…`. */
function underDay(inc: Record<string, number>, day: string): Record<string, number> {
  const dd = day.slice(8, 10);
  const out: Record<string, number> = {};
  for (const k in inc) out[`d.${dd}${k.slice(1)}`] = inc[k]!;
  return out;
}

const negated = (inc: Record<string, number>) => {
  const neg: Record<string, number> = {};
  for (const k in inc) neg[k] = -inc[k]!;
  return neg;
};

/**
 * A member's counters: its running total, its year and month buckets (`<id>|<member>`, each with `bucket: <id>`),
 * and each day's inside its month's bucket (`d.<DD>.…`): one document a month per member, not one a day (at
 * a million events 36,000 documents fewer in memory). The recorded-time shifts likewise. The position guard
 * takes one change per document and event, so the changes of one document are one op.
 */
function memberOps(to: CounterCollections, event: Stamped, suffix: string, part: Record<string, number>, record: { day: string; recordedDay: string }): DocOp[] {
  const bucket = (id: string, inc: Record<string, number>) => op(to.buckets, id + suffix, event, { inc, setOnInsert: { bucket: id } });
  const [year, month] = bucketIds(record.day) as [string, string];
  const ops = [op(to.now, `current${suffix}`, event, { inc: part }), bucket(year, part), bucket(month, { ...part, ...underDay(part, record.day) })];
  if (record.recordedDay === record.day) return ops;
  const neg = negated(part);
  const [fromYear, fromMonth] = bucketIds(record.day, 'r') as [string, string];
  const [intoYear, intoMonth] = bucketIds(record.recordedDay, 'r') as [string, string];
  if (fromYear !== intoYear) ops.push(bucket(fromYear, neg), bucket(intoYear, part));
  const out = underDay(neg, record.day);
  const into = underDay(part, record.recordedDay);
  if (fromMonth === intoMonth) ops.push(bucket(fromMonth, { ...out, ...into }));
  else ops.push(bucket(fromMonth, { ...neg, ...out }), bucket(intoMonth, { ...part, ...into }));
  return ops;
}

/**
 * Counters moved from the buckets of `dated` to those of `recorded`, the year and month only when they differ
 * (the days do). The event's own `inc` and one negated copy serve every op (ops are never modified), and a
 * batch's ops on one bucket are summed before the store applies them (embedded-coalesce.ts).
 */
function shiftOps(to: CounterCollections, event: Stamped, inc: Record<string, number>, dated: string, recorded: string): DocOp[] {
  const neg = negated(inc);
  const from = bucketIds(dated, 'r');
  const into = bucketIds(recorded, 'r');
  const ops: DocOp[] = [];
  for (let i = 0; i < 3; i++) {
    if (from[i] === into[i]) continue;
    ops.push(op(to.buckets, from[i]!, event, { inc: neg, setOnInsert: { kind: 'shift', key: from[i]!.slice(3) } }));
    ops.push(op(to.buckets, into[i]!, event, { inc, setOnInsert: { kind: 'shift', key: into[i]!.slice(3) } }));
  }
  return ops;
}

const PROJECT_COUNTERS: CounterCollections = { now: STATS_NOW, buckets: STATS_BUCKETS, deltas: STATS_DELTAS };
const deltaOps = (event: Stamped, delta: Delta): DocOp[] => counterOps(PROJECT_COUNTERS, event, delta);

/** The events that move space carry their delta (ledger.ts SpaceDelta). */
const spaceOps = (event: Recorded<SpaceEvent>) => (event.data.space ? deltaOps(event, nonZero(spaceFigures(event.data.space))) : []);
/**
 * 换租 moves let space out of one project and into another (or the same) in one event: both sides in one
 * delta. (A project's own figures as of a moment come from the space ledger's history, not from these.)
 */
const movedOps = (event: RecordedEvent & Extract<TenancyEvent, { type: 'TenancyEnded' }>) => {
  const delta = spaceFigures(event.data.space);
  for (const [k, v] of spaceFigures(event.data.spaceIn)) add(delta, k, v);
  return deltaOps(event, nonZero(delta));
};

export const statistics = defineProjection<ProjectEvent | NoticeEvent | ApplicationEvent | TenancyEvent>({
  name: 'statistics-v5',
  collections: [STATS_NOW, STATS_BUCKETS, STATS_DELTAS],
  logCollections: [STATS_DELTAS], // one record per event: kept out of memory on the embedded store
  indexes: [
    // One day's records, by the day dated (asOf) or recorded (asRecordedAt). A project's figures as of a
    // moment come from the space ledger's history (space-queries.ts: spaceAt).
    { collection: STATS_DELTAS, keys: { day: 1 } },
    { collection: STATS_DELTAS, keys: { recordedDay: 1 } },
  ],
  handlers: {
    ProjectPublished: (event) => deltaOps(event, nonZero(figures(event.data, 1))),
    ProjectWithdrawn: (event) => deltaOps(event, nonZero(figures(event.data, -1))),
    ProjectUpdated: (event) => {
      const change = event.data.figures;
      if (!change) return [];
      const delta = figures(change.before, -1);
      figureDelta(delta, change.after, 1);
      return deltaOps(event, nonZero(delta));
    },
    ...onSpaceMoves(spaceOps),
    TenancyEnded: movedOps,
  },
});

type Counters = Record<string, unknown>;

export function accumulate(total: Map<string, number>, node: unknown, prefix = '') {
  if (typeof node === 'number') {
    total.set(prefix, (total.get(prefix) ?? 0) + node);
    return;
  }
  if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) accumulate(total, v, prefix ? `${prefix}.${k}` : k);
  }
}

type SumTree = { [key: string]: number | SumTree };

/**
 * What `accumulate` of every node into one map gives, made by adding the nodes into one tree of their shape
 * and naming its leaves once: an as-of answer adds ~50 bucket documents of a few hundred counters each, and
 * naming every leaf of every document (a dotted text per leaf) was ~1 ms of it at a million events.
 */
export function sumCounters(nodes: readonly unknown[]): Map<string, number> {
  const sum: SumTree = Object.create(null) as SumTree;
  for (const node of nodes) {
    if (node === null || node === undefined) continue;
    // Shapes that do not nest alike (a number where another has counters, a counter at the top): the plain way.
    if (typeof node !== 'object' || !addInto(sum, node as Record<string, unknown>)) {
      const total = new Map<string, number>();
      for (const n of nodes) accumulate(total, n);
      return total;
    }
  }
  const total = new Map<string, number>();
  nameLeaves(sum, '', total);
  return total;
}

function addInto(sum: SumTree, node: Record<string, unknown>): boolean {
  for (const k of Object.keys(node)) {
    const v = node[k];
    const have = sum[k];
    if (typeof v === 'number') {
      if (have === undefined) sum[k] = 0 + v; // as accumulate adds to 0 (-0 becomes 0)
      else if (typeof have === 'number') sum[k] = have + v;
      else return false;
    } else if (v !== null && typeof v === 'object') {
      if (have === undefined) {
        const child = Object.create(null) as SumTree;
        sum[k] = child;
        if (!addInto(child, v as Record<string, unknown>)) return false;
      } else if (typeof have === 'object') {
        if (!addInto(have, v as Record<string, unknown>)) return false;
      } else return false;
    }
  }
  return true;
}

function nameLeaves(sum: SumTree, prefix: string, total: Map<string, number>): void {
  for (const k in sum) {
    const v = sum[k]!;
    const name = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'number') total.set(name, v);
    else nameLeaves(v, name, total);
  }
}

export interface StatLine {
  projects: number;
  totalArea: number;
  availableArea: number;
  offeredArea: number;
  letArea: number;
  soldArea: number;
  withheldArea: number;
}

/**
 * A group's figures from its counters (hundredths of a ㎡); the ledger's derived states computed here. The
 * space allocated and not yet signed is what the others leave of totalArea: it is not named here, because
 * the current statistics' `allocatedArea` already means the area notices have allocated, ever.
 */
export function lineOf(total: Map<string, number>, prefix: string): StatLine {
  const get = (k: string) => total.get(`${prefix}.${k}`) ?? 0;
  const [area, market, offered, allocated, lett, sold] = ['areaCenti', 'marketCenti', 'offeredCenti', 'allocatedCenti', 'letCenti', 'soldCenti'].map(get) as [number, number, number, number, number, number];
  return {
    projects: get('projects'),
    totalArea: area / 100,
    availableArea: (market - offered - allocated - lett - sold) / 100,
    offeredArea: offered / 100,
    letArea: lett / 100,
    soldArea: sold / 100,
    withheldArea: (area - market) / 100,
  };
}
const line = lineOf;

export function shapeStatistics(asOf: string, total: Map<string, number>) {
  return {
    asOf,
    ...line(total, 'all'),
    byDistrict: DISTRICT_CODES.map((d) => ({ district: d, name: DISTRICTS[d], ...line(total, `byDistrict.${d}`) })),
    bySupplyMode: (Object.keys(SUPPLY_MODE_NAMES) as (keyof typeof SUPPLY_MODE_NAMES)[]).map((m) => ({
      supplyMode: m,
      name: SUPPLY_MODE_NAMES[m],
      ...line(total, `bySupplyMode.${m}`),
    })),
    byUseType: (Object.keys(USE_TYPE_NAMES) as (keyof typeof USE_TYPE_NAMES)[]).map((u) => ({
      useType: u,
      name: USE_TYPE_NAMES[u],
      ...line(total, `byUseType.${u}`),
    })),
  };
}

export async function currentStatistics(store: ReadStore, now: string) {
  const total = new Map<string, number>();
  const doc = await store.findOne(STATS_NOW, { _id: 'current' });
  accumulate(total, (doc as Counters | null)?.c);
  return shapeStatistics(now, total);
}

/**
 * Counted years start here. An event dated earlier would count now but not in the year buckets of an as-of
 * sum: none can be (the legacy records the seed imports begin in 2014; commands take today's time).
 */
const FIRST_YEAR = 1990;

/** The ids of the buckets wholly before `day` (YYYY-MM-DD): earlier years, months of its year, days of its month. */
export function bucketsBefore(day: string): string[] {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const pad = (n: number) => String(n).padStart(2, '0');
  const ids: string[] = [];
  for (let year = FIRST_YEAR; year < y; year++) ids.push(`y:${year}`);
  for (let month = 1; month < m; month++) ids.push(`m:${y}-${pad(month)}`);
  for (let date = 1; date < d; date++) ids.push(`d:${y}-${pad(m)}-${pad(date)}`);
  return ids;
}

/** Which time an as-of sum goes by: the business time (`asOf`) or what had been recorded (`asRecordedAt`). */
export type CountedBy = Moment['field'];

/**
 * What an as-of sum reads: the buckets wholly before `asOf`, then the events of its day up to it — or, when
 * `asOf` is its CST day's last instant (a date asked for, parseAsOf), that day's bucket instead: the same
 * counters in one lookup, where the day's records were ~100-200 rows to read and parse at a million events.
 * As recorded by `asOf`: the same buckets with the recorded-time shifts of theirs (counterOps), and the
 * records of the day by the day and time they were recorded.
 */
export function asOfCounterDocs(store: ReadStore, to: Pick<CounterCollections, 'buckets' | 'deltas' | 'apart'>, asOf: string, by: CountedBy = 'occurredAt'): Promise<Doc[]> {
  const day = cstDay(asOf);
  const withShifts = (ids: string[]) => (by === 'recordedAt' ? [...ids, ...ids.map((id) => `r${id}`)] : ids);
  const before = bucketsBefore(day);
  const wholeDay = parseAsOf(day) === asOf;
  const ids = withShifts(wholeDay ? [...before, `d:${day}`] : before);
  const records = by === 'recordedAt' ? { recordedDay: day, recordedAt: { $lte: asOf } } : { day, occurredAt: { $lte: asOf } };
  return Promise.all([
    store.find(to.buckets, { _id: { $in: ids } }),
    to.apart === undefined ? [] : memberDocs(store, to.buckets, ids, day, wholeDay, by),
    wholeDay ? [] : store.find(to.deltas, records),
  ]).then((found) => found.flat());
}

/** The members' part of an as-of sum: their buckets among `ids`, and the days of `day`'s month before it (with it: `wholeDay`). */
async function memberDocs(store: ReadStore, buckets: string, ids: string[], day: string, wholeDay: boolean, by: CountedBy): Promise<Doc[]> {
  const month = `m:${day.slice(0, 7)}`;
  const months = by === 'recordedAt' ? [month, `r${month}`] : [month];
  const dd = day.slice(8, 10);
  return (await store.find(buckets, { bucket: { $in: [...ids, ...months] } })).flatMap((doc) => {
    if (!months.includes(doc.bucket as string)) return [doc];
    const days = (doc.d ?? {}) as Record<string, unknown>;
    return Object.keys(days)
      .filter((k) => (wholeDay ? k <= dd : k < dd))
      .map((k) => ({ _id: `${doc._id}/${k}`, c: days[k] }));
  });
}

export async function statisticsAsOf(store: ReadStore, asOf: string, by: CountedBy = 'occurredAt') {
  const docs = await asOfCounterDocs(store, PROJECT_COUNTERS, asOf, by);
  return shapeStatistics(asOf, sumCounters(docs.map((d) => d.c)));
}

