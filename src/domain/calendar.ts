// Working-day calendar (工作日) in China Standard Time (UTC+8, no daylight saving).
// Pure: the calendar is data handed in by the caller (configuration), never a global lookup.
import { RuleViolation } from './shared.js';

/** Dates are 'YYYY-MM-DD' in China Standard Time. */
export interface WorkingCalendar {
  /** Days off that would otherwise be working days (statutory holidays and their bridging days). */
  holidays: string[];
  /** Weekend days that are working days (调休 make-up days). */
  workdays: string[];
}

const CST_OFFSET_MS = 8 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Milliseconds of an ISO-8601 instant; a malformed time is a business-rule refusal (422), not a crash. */
export function instant(iso: string, field = 'time'): number {
  const ms = typeof iso === 'string' ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(ms)) throw new RuleViolation('INVALID_TIME', `${field} is not a valid ISO-8601 time: ${String(iso)}`);
  return ms;
}

/** The CST calendar date ('YYYY-MM-DD') an instant falls on. */
export function cstDate(iso: string): string {
  return new Date(instant(iso) + CST_OFFSET_MS).toISOString().slice(0, 10);
}

/** The last millisecond (23:59:59.999 CST) of a CST date, as a UTC ISO string. */
export function endOfCstDay(date: string): string {
  if (!DATE_RE.test(date)) throw new RangeError(`not a date: ${date}`);
  return new Date(Date.parse(`${date}T00:00:00.000Z`) - CST_OFFSET_MS + DAY_MS - 1).toISOString();
}

function nextDate(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00.000Z`) + DAY_MS).toISOString().slice(0, 10);
}

export function isWorkingDay(date: string, calendar: WorkingCalendar): boolean {
  if (calendar.workdays.includes(date)) return true;
  if (calendar.holidays.includes(date)) return false;
  const weekday = new Date(`${date}T00:00:00.000Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

/**
 * The end of the n-th working day after the (CST) day of `startIso`: a publicity of 5 working days
 * started on Monday 2026-01-05 at any hour ends at 2026-01-12T23:59:59.999+08:00 (Tuesday to Friday,
 * then Monday). The start day itself never counts, whether or not it is a working day.
 * n = 0 gives the end of the start day. Answers a UTC ISO string.
 */
export function addWorkingDays(startIso: string, n: number, calendar: WorkingCalendar): string {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`working days must be a non-negative integer, got ${n}`);
  let date = cstDate(startIso);
  let counted = 0;
  // A guard against a calendar that declares every day a holiday.
  for (let guard = 0; counted < n; guard++) {
    if (guard > 366 * 10) throw new RangeError('the calendar has no working days');
    date = nextDate(date);
    if (isWorkingDay(date, calendar)) counted++;
  }
  return endOfCstDay(date);
}

/**
 * PRC public holidays (全国年节及纪念日放假办法, as amended 2024: 13 statutory days a year).
 * CONFIGURATION, NOT LAW: operations must keep this current every year. The State Council's General
 * Office announces the coming year's arrangement (holidays and 调休 make-up days) around November;
 * until an announced year is entered here, working-day deadlines in that year are only estimates.
 *
 * 2026: as announced (国务院办公厅关于2026年部分节假日安排的通知).
 * 2027: PROVISIONAL estimate, not yet announced when written: the statutory days only, with a weekday
 * in lieu for each statutory day that falls on a weekend, and no make-up working days. Replace it with
 * the official arrangement once published.
 */
export const DEFAULT_CALENDAR: WorkingCalendar = {
  holidays: [
    // 2026 元旦
    '2026-01-01', '2026-01-02', '2026-01-03',
    // 2026 春节 (除夕 02-16)
    '2026-02-15', '2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20', '2026-02-21', '2026-02-22', '2026-02-23',
    // 2026 清明节
    '2026-04-04', '2026-04-05', '2026-04-06',
    // 2026 劳动节
    '2026-05-01', '2026-05-02', '2026-05-03', '2026-05-04', '2026-05-05',
    // 2026 端午节
    '2026-06-19', '2026-06-20', '2026-06-21',
    // 2026 中秋节
    '2026-09-25', '2026-09-26', '2026-09-27',
    // 2026 国庆节
    '2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07',
    // 2027 (provisional) 元旦
    '2027-01-01',
    // 2027 (provisional) 春节: 除夕 02-06 (Sat), 初一 02-07 (Sun), 初二, 初三; 02-10, 02-11 in lieu
    '2027-02-06', '2027-02-07', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11',
    // 2027 (provisional) 清明节
    '2027-04-05',
    // 2027 (provisional) 劳动节: 05-01 (Sat), 05-02 (Sun); 05-03, 05-04 in lieu
    '2027-05-01', '2027-05-02', '2027-05-03', '2027-05-04',
    // 2027 (provisional) 端午节
    '2027-06-09',
    // 2027 (provisional) 中秋节
    '2027-09-15',
    // 2027 (provisional) 国庆节: 10-01..03 (Fri–Sun); 10-04, 10-05 in lieu
    '2027-10-01', '2027-10-02', '2027-10-03', '2027-10-04', '2027-10-05',
  ],
  workdays: [
    // 2026 调休 make-up working days
    '2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10',
  ],
};

/**
 * The built-in calendar with the operators' additions (WORKING_CALENDAR_FILE): a date named as a working
 * day stops being a built-in holiday, and the other way round. A date that is both is refused.
 */
export function extendCalendar(base: WorkingCalendar, extra?: { holidays: readonly string[]; workdays: readonly string[] }): WorkingCalendar {
  if (!extra) return base;
  const clash = extra.holidays.find((d) => extra.workdays.includes(d));
  if (clash) throw new Error(`${clash} is both a holiday and a working day`);
  return {
    holidays: [...new Set([...base.holidays.filter((d) => !extra.workdays.includes(d)), ...extra.holidays])].sort(),
    workdays: [...new Set([...base.workdays.filter((d) => !extra.holidays.includes(d)), ...extra.workdays])].sort(),
  };
}
