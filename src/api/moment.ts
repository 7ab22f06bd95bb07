// ?asOf= / ?asRecordedAt= on the public reads: a bare date is the end of that day in China Standard Time.
import { parseAsOf } from '../domain/time.js';
import type { Moment } from '../projections/history.js';
import { HttpProblem } from './problem.js';

const invalid = (field: string, message: string) => new HttpProblem(400, 'Bad Request', `${field}: ${message}`, { errors: [{ path: `querystring.${field}`, message }] });

export function momentOf(asOf: string | undefined, asRecordedAt: string | undefined): Moment | null {
  if (asOf !== undefined && asRecordedAt !== undefined) throw invalid('asRecordedAt', 'give asOf or asRecordedAt, not both');
  const [field, value] = asOf !== undefined ? (['asOf', asOf] as const) : asRecordedAt !== undefined ? (['asRecordedAt', asRecordedAt] as const) : [null, null];
  if (field === null) return null;
  const at = parseAsOf(value);
  if (!at) throw invalid(field, 'a date (YYYY-MM-DD, in China Standard Time) or an ISO-8601 time with its offset (2017-09-30T12:00:00+08:00)');
  return { field: field === 'asOf' ? 'occurredAt' : 'recordedAt', at };
}
