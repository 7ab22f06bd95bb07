// China Standard Time (UTC+8, no daylight saving): the platform's reports count days in it.
const CST_OFFSET_MS = 8 * 3600_000;

/** From 16:00 UTC the CST day is the next UTC day: the last one worked out, kept (times come in runs). */
let lateUtcDay = '';
let lateCstDay = '';

/** 'YYYY-MM-DD' of an instant, in CST. */
export function cstDay(iso: string): string {
  if (isCanonicalUtc(iso)) {
    // Before 16:00 UTC the CST day is the UTC day: read off a canonical time (1 % of a rebuild's main thread).
    if (digits2(iso, 11) < 16) return iso.slice(0, 10);
    const utcDay = iso.slice(0, 10);
    if (utcDay !== lateUtcDay) {
      lateCstDay = new Date(Date.parse(iso) + CST_OFFSET_MS).toISOString().slice(0, 10);
      lateUtcDay = utcDay;
    }
    return lateCstDay;
  }
  return new Date(Date.parse(iso) + CST_OFFSET_MS).toISOString().slice(0, 10);
}


/**
 * An instant written with its offset (Z or ±hh:mm), in UTC as toISOString prints it, so that stored times
 * compare as strings like the instants they name. Null without an offset (it would be read in the server's
 * own zone) or for a date and time that do not exist (Date.parse rolls 2017-02-30 over to March, 24:00 to
 * the next day).
 */
export function parseInstant(value: string): string | null {
  if (isCanonicalUtc(value)) return value;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(Z|([+-])(\d{2}):(\d{2}))$/.exec(value);
  const t = m ? Date.parse(value) : Number.NaN;
  if (!m || Number.isNaN(t)) return null;
  const offsetMin = m[6] === 'Z' ? 0 : (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9]));
  const written = new Date(t + offsetMin * 60_000).toISOString();
  return written.slice(0, 16) === `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}` ? new Date(t).toISOString() : null;
}

/**
 * A bare date means the end of that day in CST; anything else is an ISO-8601 instant with its offset (a time
 * without one would be read in the server's own zone). Null when unparseable.
 */
export function parseAsOf(value: string): string | null {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const t = Date.parse(`${value}T23:59:59.999+08:00`);
    // Date.parse rolls 2017-02-30 over to March: an impossible date is an error, not another day.
    if (Number.isNaN(t) || cstDay(new Date(t).toISOString()) !== value) return null;
    return new Date(t).toISOString();
  }
  // ISO 8601 also writes an offset without its colon (+0800) and UTC as a lower-case z: read as before.
  return parseInstant(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2').replace(/z$/, 'Z'));
}

/** The two digits at `i` as a number, or -1. */
function digits2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * Whether `s` is exactly what toISOString prints for the instant it names (`YYYY-MM-DDTHH:MM:SS.sssZ`, a
 * real date and time), so parsing and printing it gives it back. Date.parse would take 2017-02-30 and
 * print a day of March: not canonical.
 */
export function isCanonicalUtc(s: string): boolean {
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
