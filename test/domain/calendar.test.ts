import { describe, expect, it } from 'vitest';
import { DEFAULT_CALENDAR, type WorkingCalendar, addWorkingDays, cstDate, endOfCstDay, instant, isWorkingDay } from '../../src/domain/calendar.js';
import { RuleViolation } from '../../src/domain/shared.js';

const plain: WorkingCalendar = { holidays: [], workdays: [] };

describe('working-day calendar (CST)', () => {
  it('reads the CST date of an instant, which may be the next UTC day', () => {
    expect(cstDate('2026-01-05T15:59:59.999Z')).toBe('2026-01-05');
    expect(cstDate('2026-01-05T16:00:00.000Z')).toBe('2026-01-06');
  });

  it('the end of a CST day is 15:59:59.999 UTC', () => {
    expect(endOfCstDay('2026-01-12')).toBe('2026-01-12T15:59:59.999Z');
  });

  it('weekends are off, holidays are off, make-up days are on', () => {
    expect(isWorkingDay('2026-01-09', plain)).toBe(true); // Friday
    expect(isWorkingDay('2026-01-10', plain)).toBe(false); // Saturday
    expect(isWorkingDay('2026-01-01', DEFAULT_CALENDAR)).toBe(false); // 元旦, a Thursday
    expect(isWorkingDay('2026-01-04', DEFAULT_CALENDAR)).toBe(true); // Sunday 调休
  });

  it('5 working days from a Monday end on the next Monday at 23:59:59.999 CST', () => {
    expect(addWorkingDays('2026-01-05T02:00:00.000Z', 5, DEFAULT_CALENDAR)).toBe('2026-01-12T15:59:59.999Z');
  });

  it('the start day counts in CST: just after midnight CST starts the next day', () => {
    expect(addWorkingDays('2026-01-05T16:30:00.000Z', 5, DEFAULT_CALENDAR)).toBe('2026-01-13T15:59:59.999Z');
  });

  it('skips the Spring Festival and counts its make-up Saturday', () => {
    // Friday 02-13: Sat 02-14 is a make-up day (1); 02-15…02-23 off; 02-24…02-27 (2…5).
    expect(addWorkingDays('2026-02-13T03:00:00.000Z', 5, DEFAULT_CALENDAR)).toBe('2026-02-27T15:59:59.999Z');
  });

  it('skips the National Day week', () => {
    // Wednesday 09-30: 10-01…10-07 off, Thu 10-08 (1), Fri 10-09 (2), Sat 10-10 make-up (3), Mon 10-12 (4), Tue 10-13 (5).
    expect(addWorkingDays('2026-09-30T03:00:00.000Z', 5, DEFAULT_CALENDAR)).toBe('2026-10-13T15:59:59.999Z');
  });

  it('a start on a holiday or weekend does not count that day', () => {
    expect(addWorkingDays('2026-01-10T03:00:00.000Z', 1, plain)).toBe('2026-01-12T15:59:59.999Z');
  });

  it('0 working days is the end of the start day', () => {
    expect(addWorkingDays('2026-01-05T02:00:00.000Z', 0, plain)).toBe('2026-01-05T15:59:59.999Z');
  });

  it('refuses a negative or fractional count and a calendar without working days', () => {
    expect(() => addWorkingDays('2026-01-05T02:00:00.000Z', -1, plain)).toThrow(RangeError);
    expect(() => addWorkingDays('2026-01-05T02:00:00.000Z', 1.5, plain)).toThrow(RangeError);
    const allOff: WorkingCalendar = { holidays: [], workdays: [] };
    for (let d = Date.parse('2026-01-01'); d < Date.parse('2037-01-01'); d += 86_400_000) allOff.holidays.push(new Date(d).toISOString().slice(0, 10));
    expect(() => addWorkingDays('2026-01-05T02:00:00.000Z', 1, allOff)).toThrow(RangeError);
  });

  it('a malformed time is a rule violation with a stable code', () => {
    expect(() => instant('yesterday', 'opensAt')).toThrow(RuleViolation);
    expect(() => instant('not a time')).toThrow(expect.objectContaining({ code: 'INVALID_TIME' }));
  });

  it('the default calendar is well formed: dates, holidays not on make-up days, 2026 and 2027 covered', () => {
    const all = [...DEFAULT_CALENDAR.holidays, ...DEFAULT_CALENDAR.workdays];
    for (const d of all) expect(d).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const d of all) expect(new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10)).toBe(d);
    expect(DEFAULT_CALENDAR.workdays.filter((d) => DEFAULT_CALENDAR.holidays.includes(d))).toEqual([]);
    for (const d of DEFAULT_CALENDAR.workdays) expect([0, 6]).toContain(new Date(`${d}T00:00:00Z`).getUTCDay());
    expect(DEFAULT_CALENDAR.holidays.some((d) => d.startsWith('2026'))).toBe(true);
    expect(DEFAULT_CALENDAR.holidays.some((d) => d.startsWith('2027'))).toBe(true);
    // 13 statutory days a year at least (2024 rules); 2026 as announced has 33 days off on the list.
    expect(DEFAULT_CALENDAR.holidays.filter((d) => d.startsWith('2027')).length).toBeGreaterThanOrEqual(13);
  });
});
