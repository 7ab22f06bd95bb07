// Small helpers the procedure projections share: ids as path segments, history entries keyed by log
// position, and times normalised so stored strings sort like the instants they name.

/**
 * An id as one segment of a dotted path. Ids may contain '.' (application ids are `<notice>.<creditCode>`)
 * or '$', which a path cannot: they are percent-encoded, reversibly (see decodeKey).
 */
export function encodeKey(id: string): string {
  if (id === '') return '%';
  return id.replace(/[%.$]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

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

/** The two digits at `i` as a number, or -1. */
function digits2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * Whether `s` is exactly what toISOString prints for the instant it names (`YYYY-MM-DDTHH:MM:SS.sssZ`, a
 * real date and time): then utc(s) is s. Date.parse would take 2017-02-30 and print March: not canonical.
 */
function isCanonicalUtc(s: string): boolean {
  if (s.length !== 24 || s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':' || s[19] !== '.' || s[23] !== 'Z') return false;
  const hi = digits2(s, 0);
  const lo = digits2(s, 2);
  const month = digits2(s, 5);
  const day = digits2(s, 8);
  const millis = digits2(s, 20);
  if (hi < 0 || lo < 0 || millis < 0 || s.charCodeAt(22) < 48 || s.charCodeAt(22) > 57) return false;
  if (month < 1 || month > 12 || day < 1) return false;
  const h = digits2(s, 11);
  const m = digits2(s, 14);
  const sec = digits2(s, 17);
  if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59) return false;
  const year = hi * 100 + lo;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return day <= (month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31);
}
const recentUtc = new Map<string, string>();
