// The working-day calendar as configuration: the holidays and make-up working days (调休) the operators
// add to the built-in years (domain/calendar.ts extendCalendar merges them).
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const date = z.iso.date();
const file = z.strictObject({ holidays: z.array(date).default([]), workdays: z.array(date).default([]) });

export interface CalendarAdditions {
  holidays: string[];
  workdays: string[];
}

/** The additions in `path`, or none without a path. A bad file stops the start, loudly. */
export function readCalendarFile(path: string | undefined): CalendarAdditions | undefined {
  if (!path) return undefined;
  try {
    return file.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (e) {
    throw new Error(`WORKING_CALENDAR_FILE ${path}: ${(e as Error).message}`, { cause: e });
  }
}
