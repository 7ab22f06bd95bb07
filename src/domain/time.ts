// China Standard Time (UTC+8, no daylight saving): the platform's reports count days in it.
const CST_OFFSET_MS = 8 * 3600_000;

/** 'YYYY-MM-DD' of an instant, in CST. */
export function cstDay(iso: string): string {
  return new Date(Date.parse(iso) + CST_OFFSET_MS).toISOString().slice(0, 10);
}

/** 'YYYY-MM' of an instant, in CST. */
export function cstMonth(iso: string): string {
  return cstDay(iso).slice(0, 7);
}

/** A bare date means the end of that day in CST; anything else is an ISO-8601 instant. Null when unparseable. */
export function parseAsOf(value: string): string | null {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const t = Date.parse(`${value}T23:59:59.999+08:00`);
    // Date.parse rolls 2017-02-30 over to March: an impossible date is an error, not another day.
    if (Number.isNaN(t) || cstDay(new Date(t).toISOString()) !== value) return null;
    return new Date(t).toISOString();
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value)) return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}
