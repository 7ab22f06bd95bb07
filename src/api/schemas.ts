// Request and response shapes shared by the routes (zod; published in the OpenAPI document).
import { z } from 'zod';
import { SUPPLY_MODES, USE_TYPES } from '../domain/project.js';
import { DISTRICT_CODES } from '../domain/shared.js';
import { parseAsOf } from '../domain/time.js';

export const id = z.string().min(1).max(100);
export const district = z.enum(DISTRICT_CODES);
export const area = z.number().positive().max(1e9);
/** A NUL is never text a person wrote, and MongoDB refuses it in keys and patterns: refused at the door. */
const withoutNul = (v: string) => !v.includes('\u0000');
const NUL_MESSAGE = 'must not contain a NUL character';
export const text = (max = 500) => z.string().trim().min(1).max(max).refine(withoutNul, NUL_MESSAGE);
export const isoTime = z.iso.datetime({ offset: true });
export const position = z.coerce.number().int().min(0);

const BARE_DATE = /^\d{4}-\d{2}-\d{2}$/;
const isDayOrTime = (v: string) => (BARE_DATE.test(v) ? parseAsOf(v) !== null : isoTime.safeParse(v).success);
const DAY_OR_TIME = 'a date (YYYY-MM-DD, China Standard Time) or an ISO-8601 time with its offset';
/** A bare date's first or last instant in China Standard Time (parseAsOf gives the last), in UTC. */
const dayEdge = (day: string, edge: 'first' | 'last') => (edge === 'last' ? parseAsOf(day)! : new Date(`${day}T00:00:00.000+08:00`).toISOString());
/**
 * `from` / `to` of a list: an ISO-8601 time with its offset, or a bare date in China Standard Time (api.md),
 * the whole day included: `from` its first instant, `to` its last (parseAsOf). Given on in UTC.
 */
const dayOrTime = (edge: 'first' | 'last') =>
  z
    .string()
    .max(40)
    .refine(isDayOrTime, DAY_OR_TIME)
    .transform((v) => (BARE_DATE.test(v) ? dayEdge(v, edge) : new Date(v).toISOString()));
export const fromTime = dayOrTime('first');
export const toTime = dayOrTime('last');

/**
 * A body's date (a lease's `startsOn` and `endsOn`, a sanction's `until`): an ISO-8601 time with its offset,
 * or a bare date in China Standard Time, as a portal's date picker sends it: a start its first instant, an
 * end its last (the whole day included, as a query's `to`).
 */
const bodyDate = (edge: 'first' | 'last') =>
  z
    .string()
    .max(40)
    .regex(/^\d{4}-\d{2}-\d{2}(T.+)?$/)
    .refine(isDayOrTime, DAY_OR_TIME)
    .transform((v) => (BARE_DATE.test(v) ? dayEdge(v, edge) : v))
    .describe(`an ISO-8601 time with its offset, or a date (YYYY-MM-DD, China Standard Time: ${edge === 'first' ? 'its first instant' : 'the end of that day'})`);
export const startDate = bodyDate('first');
export const endDate = bodyDate('last');

export const commandResult = z
  .object({
    id: z.string(),
    revision: z.number().int().describe('stream revision after the append'),
    position: z.number().int().describe('global log position after the append'),
  })
  .meta({ id: 'CommandResult', description: 'the record the command acted on, its stream revision and the global log position after the append' });

// RFC 9457 problem details (api.md, "Errors"); extra members may follow (e.g. currentRevision on a 409).
const problemCore = {
  type: z.string().describe('about:blank, or urn:industrial-space:problem:<code> for a business rule'),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string().optional().describe('a stable SCREAMING_SNAKE code where there is one'),
};
const fieldError = z.object({ path: z.string().describe('where: body.x.y, querystring.x, params.x, headers.x'), message: z.string() });
export const problemSchema = z.looseObject({ ...problemCore, errors: z.array(fieldError).optional() }).meta({ id: 'Problem', description: 'application/problem+json (RFC 9457)' });
export const validationProblemSchema = z.looseObject({ ...problemCore, errors: z.array(fieldError) }).meta({ id: 'ValidationProblem', description: 'a 400: malformed or invalid input, with every field error' });
export const ruleProblemSchema = z.looseObject({ ...problemCore, code: z.string().describe('the rule that refused, e.g. NOTICE_WINDOW_CLOSED') }).meta({ id: 'RuleViolationProblem', description: 'a 422: refused by a business rule' });

export const unit = z.object({ building: text(50), floor: text(20), number: text(50), area });
export const location = z.object({ lng: z.number().min(-180).max(180), lat: z.number().min(-90).max(90) });

const projectCore = {
  name: text(200),
  district,
  address: text(300),
  useType: z.enum(USE_TYPES),
  supplyModes: z.array(z.enum(SUPPLY_MODES)).min(1).max(2).refine((m) => new Set(m).size === m.length, 'supply modes repeat'),
  totalArea: area,
};
const projectExtras = {
  location: location.optional(),
  managingDepartment: text(200).optional(),
  availableArea: z.number().min(0).max(1e9).optional(),
  ownershipType: text(100).optional(),
  owner: text(200).optional(),
  constructionStatus: text(100).optional(),
  plannedStart: z.iso.date().optional(),
  plannedCompletion: z.iso.date().optional(),
  landArea: area.optional(),
  managementFee: z.number().min(0).max(1e6).optional(),
  parkingSpaces: z.number().int().min(0).max(1e6).optional(),
  saleStage: text(100).optional(),
  plannedSaleDate: z.iso.date().optional(),
  targetTenants: text(2000).optional(),
  summary: text(5000).optional(),
  photos: z.array(z.url().max(1000)).max(50).optional(),
};

export const registerProjectBody = z.strictObject({ ...projectCore, ...projectExtras, units: z.array(unit).max(5000).optional() });
export const updateProjectBody = z
  .strictObject({ ...z.object(projectCore).partial().shape, ...projectExtras, units: z.array(unit).max(5000).optional().describe('the whole unit list after the update: units listed as they are keep their unitId, the others are removed, the new added'), reason: text(1000) })
  .refine((b) => Object.keys(b).some((k) => k !== 'reason'), 'name at least one field to change');
export const addUnitsBody = z.strictObject({ units: z.array(unit).min(1).max(5000) });
export const withdrawBody = z.strictObject({ reason: text(1000) });
export const reasonQuery = z.strictObject({ reason: text(1000).optional() });

/** A query's number: blank text is none (NaN, refused), where Number('') and z.coerce.number would give 0. */
const numberText = (text: string) => (text.trim() === '' ? Number.NaN : Number(text));

const csvNumbers = (n: number) =>
  z
    .string()
    .transform((s) => s.split(',').map(numberText))
    .refine((a) => a.length === n && a.every(Number.isFinite), `expected ${n} comma-separated numbers`);

/** An area in a query (㎡), a number in OpenAPI: `maxArea=` is refused, not read as 0. */
const areaFilter = z.preprocess((v) => (typeof v === 'string' ? numberText(v) : v), z.number().min(0));

/** What the platform showed then: business time (asOf) or what it had recorded by then (asRecordedAt). */
export const momentQuery = { asOf: z.string().max(40).optional(), asRecordedAt: z.string().max(40).optional() };

export const projectFilters = {
  q: z.string().trim().max(100).refine(withoutNul, NUL_MESSAGE).optional(),
  district: district.optional(),
  useType: z.enum(USE_TYPES).optional(),
  supplyMode: z.enum(SUPPLY_MODES).optional(),
  minArea: areaFilter.optional(),
  maxArea: areaFilter.optional(),
  minAvailableArea: areaFilter.optional(),
  // Text, not z.coerce.boolean: that would read "false" as true.
  openNotice: z.enum(['true', 'false']).optional().describe('true: a rental/sale notice open to applicants (published, not yet closed or cancelled); false: none'),
  status: z.enum(['registered', 'published', 'withdrawn']).optional(),
  consistentWith: position.optional(),
};
export const projectSearchQuery = z.strictObject({
  ...projectFilters,
  sort: z.enum(['publishedAt', '-publishedAt', 'totalArea', '-totalArea', 'availableArea', '-availableArea', 'name', '-name']).default('-publishedAt'),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
  ...momentQuery,
});
export const mapQuery = z
  .strictObject({
    ...projectFilters,
    bbox: csvNumbers(4).optional(),
    near: csvNumbers(2).optional(),
    radius: z.coerce.number().positive().max(200_000).optional(),
    limit: z.coerce.number().int().min(1).max(5000).default(1000),
    ...momentQuery,
  })
  .refine((q) => (q.near === undefined) === (q.radius === undefined), 'near and radius go together')
  .refine((q) => !(q.near && q.bbox), 'give bbox or near, not both');
export const momentOnlyQuery = z.strictObject({ ...momentQuery, consistentWith: position.optional() });

/** Paging and read-your-writes, common to every list. */
export const listQuery = {
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
  consistentWith: position.optional(),
};

/** POST /api/applications/:id/contract: a lease also gives startsOn, endsOn, monthlyRent; a sale price and any resaleRestriction. */
export const contractBody = z.strictObject({
  area,
  contractRef: text(200),
  signedOn: isoTime,
  startsOn: startDate.optional(),
  endsOn: endDate.optional(),
  monthlyRent: z.number().min(0).max(1e10).optional(),
  price: z.number().positive().max(1e12).optional(),
  resaleRestriction: text(2000).optional(),
});
