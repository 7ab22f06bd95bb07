// Small helpers the procedure projections share: ids as path segments, history entries keyed by log
// position, and times normalised so stored strings sort like the instants they name.
import { isCanonicalUtc } from '../domain/time.js';

/**
 * An id as one segment of a dotted path. Ids may contain '.' (application ids are `<notice>.<creditCode>`)
 * or '$', which a path cannot, and a NUL, which no MongoDB key can: they are percent-encoded, reversibly
 * (see decodeKey).
 */
export function encodeKey(id: string): string {
  if (id === '') return '%';
  // A key naming a member of Object.prototype (`__proto__`, `constructor`, `toString`…) would read or write
  // that member, not data, wherever a document or a counter map is an ordinary object: its first character
  // is encoded too. Such keys come from free text (a demand's industry).
  if (INHERITED.has(id)) return `%${id.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}${id.slice(1)}`;
  // eslint-disable-next-line no-control-regex -- the NUL is what is matched
  return id.replace(/[%.$\u0000]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}
const INHERITED = new Set(Object.getOwnPropertyNames(Object.prototype));

export function decodeKey(key: string): string {
  if (key === '%') return '';
  return key.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** The key of a history entry recorded by the event at `position`: a set, never a push, so replays are harmless. */
export const historyKey = (position: number) => `p${position}`;

/** A map of history entries (each carrying its `position`) as an array in log order. */
export function historyArray<T>(entries: unknown): T[] {
  if (!entries || typeof entries !== 'object') return [];
  return (Object.values(entries) as (T & { position: number })[]).sort((a, b) => a.position - b.position);
}

/** ISO-8601 in UTC with milliseconds, so string order is time order; an unparseable value is kept as it is. */
export function utc(iso: string): string {
  // Most times are already in that form (the log stamps them so): parsing and printing them again was
  // 2.5 % of a rebuild's main thread at a million events.
  if (isCanonicalUtc(iso)) return iso;
  // Several projections convert the same event's times in a row: remember the last few answers.
  const known = recentUtc.get(iso);
  if (known !== undefined) return known;
  const ms = Date.parse(iso);
  const out = Number.isNaN(ms) ? iso : new Date(ms).toISOString();
  if (recentUtc.size >= 64) recentUtc.clear();
  recentUtc.set(iso, out);
  return out;
}

const recentUtc = new Map<string, string>();

/**
 * An object keyed by data (units by unit id, paths naming an entry): made without a prototype, so V8
 * keeps it as a dictionary and its keys take no hidden classes in this context (see
 * src/infra/doc-realm.ts: each key first met would take a transition from the root map, which holds
 * ~1,500; 10 s of POST /api/projects filled it). The store copies it into a plain document.
 */
export function keyedByData<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const keyed = Object.create(null) as Record<string, T>;
  for (const [key, value] of entries) keyed[key] = value;
  return keyed;
}

/**
 * An op's `set` that names entries by data (`reviews.<entry>`, `objections.<id>`) beside fixed fields:
 * one dictionary, as keyedByData, instead of a literal with computed keys, whose every new key would take
 * a hidden class (a transition from V8's root map for the literal's size when it comes first).
 */
export function withData(fixed: Record<string, unknown>, ...entries: (readonly [string, unknown])[]): Record<string, unknown> {
  return keyedByData([...Object.entries(fixed), ...entries]);
}
