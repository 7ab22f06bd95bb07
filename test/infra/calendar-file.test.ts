import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CALENDAR, addWorkingDays, extendCalendar } from '../../src/domain/calendar.js';
import { readCalendarFile } from '../../src/infra/calendar-file.js';

/** What the composition root does with WORKING_CALENDAR_FILE. */
const loadCalendar = (path: string | undefined) => extendCalendar(DEFAULT_CALENDAR, readCalendarFile(path));

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const file = (content: unknown) => {
  const dir = mkdtempSync(join(tmpdir(), 'isp-cal-'));
  dirs.push(dir);
  const path = join(dir, 'calendar.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

describe('the working-day calendar as configuration', () => {
  it('is the built-in one without a file', () => {
    expect(loadCalendar(undefined)).toBe(DEFAULT_CALENDAR);
  });

  it('adds a file’s holidays and make-up days, which then move publicity ends', () => {
    // Monday 2030-06-03 to Friday 06-07 made holidays, Saturday 06-08 a make-up working day.
    const cal = loadCalendar(file({ holidays: ['2030-06-03', '2030-06-04', '2030-06-05', '2030-06-06', '2030-06-07'], workdays: ['2030-06-08'] }));
    expect(cal.holidays).toContain('2030-06-05');
    expect(cal.workdays).toContain('2030-06-08');
    const start = '2030-05-31T02:00:00.000Z'; // Friday
    expect(addWorkingDays(start, 1, DEFAULT_CALENDAR)).toBe('2030-06-03T15:59:59.999Z');
    expect(addWorkingDays(start, 1, cal)).toBe('2030-06-08T15:59:59.999Z');
  });

  it('refuses a malformed file or a day that is both', () => {
    expect(() => loadCalendar(file('{"holidays": ["2030-02-30"]}'))).toThrow(/WORKING_CALENDAR_FILE/);
    expect(() => loadCalendar(file('not json'))).toThrow(/WORKING_CALENDAR_FILE/);
    expect(() => loadCalendar(file({ holidays: ['2030-01-02'], workdays: ['2030-01-02'] }))).toThrow(/both/);
  });
});
