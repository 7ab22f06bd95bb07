// The working-day calendar as configuration: the built-in years plus a file the operators keep current.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DEFAULT_CALENDAR, type WorkingCalendar } from '../domain/calendar.js';

const date = z.iso.date();
const file = z.strictObject({ holidays: z.array(date).default([]), workdays: z.array(date).default([]) });

/** The built-in calendar, extended by `path` when given. A bad file stops the start, loudly. */
export function loadCalendar(path: string | undefined): WorkingCalendar {
  if (!path) return DEFAULT_CALENDAR;
  let parsed: z.infer<typeof file>;
  try {
    parsed = file.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (e) {
    throw new Error(`WORKING_CALENDAR_FILE ${path}: ${(e as Error).message}`, { cause: e });
  }
  const clash = parsed.holidays.find((d) => parsed.workdays.includes(d));
  if (clash) throw new Error(`WORKING_CALENDAR_FILE ${path}: ${clash} is both a holiday and a working day`);
  return {
    // A date the file names as a working day stops being a built-in holiday, and the other way round.
    holidays: [...new Set([...DEFAULT_CALENDAR.holidays.filter((d) => !parsed.workdays.includes(d)), ...parsed.holidays])].sort(),
    workdays: [...new Set([...DEFAULT_CALENDAR.workdays.filter((d) => !parsed.holidays.includes(d)), ...parsed.workdays])].sort(),
  };
}
