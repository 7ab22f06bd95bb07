// What the reads answer, as named components of the OpenAPI document (config.answer on each GET route).
// Loose objects: the fields a client may rely on are listed; a record may carry more (its read model's
// own fields), which a generated client sees as extra properties. Documentation only at runtime (see
// openapi.ts); test/api/answers.test.ts validates real answers against these schemas.
import { z } from 'zod';
import { APPLICATION_STATUSES } from '../domain/application.js';
import { DISTRICT_CODES } from '../domain/shared.js';
import { DEADLINE_KINDS } from '../projections/deadlines.js';

const district = z.enum(DISTRICT_CODES);
const time = z.string().describe('ISO-8601, UTC');
const page = <T extends z.ZodType>(item: T, id: string, description: string) =>
  z.looseObject({ items: z.array(item), total: z.number().int(), page: z.number().int(), pageSize: z.number().int() }).meta({ id, description });
const withId = { id: z.string().describe('the record’s id (other names for it may stand beside it)') };

export const projectAnswer = z
  .looseObject({
    ...withId,
    projectId: z.string(),
    name: z.string(),
    district,
    districtName: z.string(),
    address: z.string(),
    useType: z.string(),
    useTypeName: z.string().optional(),
    supplyModes: z.array(z.string()),
    totalArea: z.number(),
    availableArea: z.number().optional().describe('derived by the space ledger (未租售用房面积), never typed'),
    marketArea: z.number().optional().describe('the area the department puts on the market; withheldArea = totalArea − marketArea'),
    status: z.enum(['registered', 'published', 'withdrawn']),
    location: z.object({ lng: z.number(), lat: z.number() }).optional(),
    units: z.array(z.looseObject({ unitId: z.string(), building: z.string(), floor: z.string(), number: z.string(), area: z.number() })),
  })
  .meta({ id: 'Project', description: 'a project (房源项目) with its areas and units' });
export const projectPage = page(projectAnswer, 'ProjectPage', 'a page of projects');

export const projectFeatures = z
  .looseObject({
    type: z.literal('FeatureCollection'),
    features: z.array(
      z.looseObject({
        type: z.literal('Feature'),
        id: z.string(),
        geometry: z.object({ type: z.literal('Point'), coordinates: z.array(z.number()).length(2).describe('[lng, lat]') }),
        properties: z.looseObject({ ...withId, name: z.string(), district }),
      }),
    ),
  })
  .meta({ id: 'ProjectFeatureCollection', description: 'projects as GeoJSON points' });

const figures = {
  projects: z.number().int(),
  totalArea: z.number(),
  // The space ledger, derived from the log (㎡): available = market − offered − allocated − let − sold.
  availableArea: z.number(),
  offeredArea: z.number(),
  letArea: z.number(),
  soldArea: z.number(),
  withheldArea: z.number(),
};
export const statisticsAnswer = z
  .looseObject({
    asOf: time,
    ...figures,
    byDistrict: z.array(z.looseObject({ district, name: z.string(), ...figures })),
    bySupplyMode: z.array(z.looseObject({ supplyMode: z.string(), name: z.string(), ...figures })),
    byUseType: z.array(z.looseObject({ useType: z.string(), name: z.string(), ...figures })),
    asRecordedAt: time.optional().describe('with ?asRecordedAt=: the figures go by what had been recorded by then'),
    applications: z
      .looseObject({ total: z.number().int(), byStatus: z.array(z.looseObject({ status: z.string(), count: z.number().int() })) })
      .describe('applications by status: now, or as of the moment asked for'),
    allocatedArea: z.number().optional().describe('the area notices have allocated (㎡): with the current figures only'),
    demand: z.looseObject({}).describe('supply and demand (供需统计): open demands and their area, outcomes, the gap by district'),
  })
  .meta({ id: 'Statistics', description: 'published projects and area, overall and by district, supply mode and use type; applications by status; supply and demand' });

/** One line of a 公示: who applied and the verdict; reasons stay with the applicant and the officers. */
const publicityEntry = z
  .looseObject({
    applicationId: z.string(),
    enterpriseName: z.string(),
    creditCode: z.string(),
    qualified: z.boolean(),
    revisedAfterObjection: z.boolean().optional(),
    previous: z.object({ qualified: z.boolean() }).optional(),
  })
  .meta({ id: 'PublicityEntry', description: 'one enterprise on a qualification publicity (资质审查结果公示): its name and verdict' });

const projectNamed = {
  projectId: z.string(),
  projectName: z.string().optional().describe('the project’s name (absent only for records older than the field, whose project is gone)'),
  district,
  districtName: z.string().describe('the district’s Chinese name'),
};

export const noticeAnswer = z
  .looseObject({
    ...withId,
    noticeId: z.string(),
    ...projectNamed,
    supplyMode: z.string(),
    area: z.number(),
    price: z.number(),
    eligibility: z.string(),
    opensAt: time,
    closesAt: time,
    status: z.enum(['published', 'closed', 'cancelled']),
    stage: z.string(),
    publicity: z.looseObject({ startsAt: time, endsAt: time, list: z.array(publicityEntry) }).optional(),
    allocations: z.array(z.looseObject({ applicationId: z.string(), area: z.number() })).optional(),
  })
  .meta({ id: 'Notice', description: 'a rental/sale notice (租售通告) and where its procedure stands' });

const named = { enterpriseName: z.string().optional(), creditCode: z.string().optional() };
const resultAllocation = z
  .looseObject({
    applicationId: z.string(),
    area: z.number(),
    rank: z.number().optional(),
    ...named,
    status: z.enum(['allocated', 'forfeited', 'revoked']),
    via: z.literal('waitlist').optional().describe('递补: allocated after the result, in place of `replaces`'),
    replaces: z.string().optional(),
    allocatedAt: time.optional(),
    endedAt: time.optional(),
    endedHow: z.string().optional().describe('逾期未签约, 放弃 or 撤销'),
  })
  .meta({ id: 'ResultAllocation', description: 'an allocation of a published result as it stands' });
const resultChange = z
  .looseObject({
    kind: z.enum(['signing_deadline', 'withdrawn', 'revoked', 'waitlist']),
    kindName: z.string(),
    applicationId: z.string(),
    area: z.number(),
    ...named,
    rank: z.number().optional(),
    replaces: z.string().optional(),
    at: time,
  })
  .meta({ id: 'ResultChange', description: 'a change to a published result: an allocation ended, or a 递补' });

export const feedItem = z
  .looseObject({
    ...withId,
    kind: z.enum(['rental_notice', 'qualification_publicity', 'result', 'exchange_result']),
    kindName: z.string(),
    title: z.string(),
    publishedAt: time,
    ...projectNamed,
    noticeId: z.string().optional(),
    exchangeId: z.string().optional(),
    body: z.looseObject({
      list: z.array(publicityEntry).optional(),
      allocations: z.array(resultAllocation).optional(),
      allocatedArea: z.number().optional().describe("a result's: the live allocations' area"),
      changes: z.array(resultChange).optional().describe("a result's changes since it was published, in order"),
    }),
    revisedAt: time.optional(),
    revisionCount: z.number().optional(),
  })
  .meta({ id: 'FeedItem', description: 'one public announcement (公告)' });
export const feedPage = page(feedItem, 'FeedPage', 'the public notices feed, newest first');

export const applicationAnswer = z
  .looseObject({
    ...withId,
    applicationId: z.string(),
    noticeId: z.string(),
    district,
    creditCode: z.string(),
    enterpriseName: z.string(),
    requestedArea: z.number(),
    status: z.enum(APPLICATION_STATUSES),
    qualified: z.boolean().optional(),
    declared: z.looseObject({}).optional().describe('the declared facts: the applicant, officers and auditors only'),
    reasons: z.array(z.string()).optional().describe('the review’s reasons: the applicant, officers and auditors only'),
  })
  .meta({ id: 'Application', description: 'an application (在线申请) and its review' });
export const applicationPage = page(applicationAnswer, 'ApplicationPage', 'applications, in first-come order');

export const exchangeAnswer = z
  .looseObject({
    ...withId,
    exchangeId: z.string(),
    district,
    creditCode: z.string(),
    status: z.enum(['requested', 'reviewed', 'published']),
    tenancy: z.looseObject({ applicationId: z.string(), projectId: z.string(), area: z.number() }),
    wanted: z.looseObject({ area: z.number() }),
    reason: z.string(),
  })
  .meta({ id: 'Exchange', description: 'a rent exchange request (换租)' });
export const exchangePage = page(exchangeAnswer, 'ExchangePage', 'exchange requests in the order they were made');

export const deadlineAnswer = z
  .looseObject({
    ...withId,
    kind: z.enum(DEADLINE_KINDS).describe('review (资质审查), correction (补正), objection (异议处理), signing (签约), lease_end (租期届满)'),
    status: z.literal('open'),
    dueAt: time.describe('the end of the last working day (CST)'),
    overdue: z.boolean(),
    district: district.optional(),
    officer: z.string().optional().describe('who follows it up; absent: the district’s (a first review, an objection)'),
    noticeId: z.string().optional(),
    applicationId: z.string().optional(),
    objectionId: z.string().optional(),
    tenancyId: z.string().optional(),
  })
  .meta({ id: 'Deadline', description: 'an open deadline; signing, correction and lease_end are fired by the scheduler when they pass, review and objection are officers’ duties' });
export const deadlinePage = page(deadlineAnswer, 'DeadlinePage', 'open deadlines, soonest first');

const recordedEvent = z
  .looseObject({
    id: z.string().describe('the event id'),
    stream: z.string(),
    type: z.string(),
    revision: z.number().int(),
    position: z.number().int(),
    occurredAt: time,
    data: z.looseObject({}),
    metadata: z.looseObject({}),
  })
  .meta({ id: 'RecordedEvent', description: 'an event of the log with its envelope' });
export const streamEvents = z.looseObject({ stream: z.string(), items: z.array(recordedEvent), total: z.number().int() }).meta({ id: 'StreamEvents', description: 'the events of one stream, in order' });
export const auditPage = page(z.looseObject({ ...withId, stream: z.string(), type: z.string(), position: z.number().int() }), 'AuditPage', 'the audit trail, newest first');
export const verifyAnswer = z
  .looseObject({
    ok: z.boolean(),
    checked: z.number().int(),
    firstBadPosition: z.number().int().optional(),
    checkpoint: z.looseObject({}).optional(),
    reason: z.string().optional().describe('why an intact chain fails against the newest signed checkpoint'),
    partial: z.boolean().optional().describe('EventStoreDB: the pass stopped at its scan bound, so ok speaks for the first `checked` events only (npm run verify walks them all)'),
  })
  .meta({ id: 'LogVerification', description: 'the log’s tamper evidence, re-checked' });

export const healthAnswer = z.looseObject({ status: z.literal('ok') }).meta({ id: 'Health', description: 'liveness' });
export const readinessAnswer = z
  .looseObject({ status: z.enum(['ready', 'unavailable']), checks: z.record(z.string(), z.looseObject({ ok: z.boolean() })) })
  .meta({ id: 'Readiness', description: 'readiness of the backing services and the read models (503 when not ready)' });

/** The answer of a read that does not name its own yet (config.answer): an object, nothing more promised. */
const sanctionEffect = z.looseObject({ active: z.boolean(), description: z.string() });
export const accountabilityCase = z
  .looseObject({
    ...withId,
    caseId: z.string(),
    subject: z.looseObject({ kind: z.string(), id: z.string(), name: z.string().optional() }),
    kind: z.string(),
    kindName: z.string(),
    description: z.string(),
    evidence: z.array(z.looseObject({ id: z.string(), found: z.boolean(), type: z.string().optional(), stream: z.string().optional(), recordedAt: time.optional() })),
    evidenceComplete: z.boolean(),
    sanctions: z.array(
      z.looseObject({
        ...withId,
        sanctionId: z.string(),
        kind: z.string(),
        kindName: z.string(),
        until: time.optional().describe('the end in force (appeals may have moved it); imposedUntil: as imposed'),
        liftedAt: time.optional(),
        reason: z.string(),
        revokes: z.looseObject({ what: z.enum(['allocation', 'tenancy']), applicationId: z.string(), area: z.number() }).optional(),
        carriedOut: z.looseObject({ at: time, stream: z.string(), eventId: z.string() }).optional().describe('the event that carried out a revocation'),
        effect: sanctionEffect,
      }),
    ),
    appeals: z.array(
      z.looseObject({
        ...withId,
        appealId: z.string(),
        sanctionId: z.string(),
        decision: z.enum(['lift', 'shorten', 'uphold']),
        decisionName: z.string(),
        until: time.optional(),
        previousUntil: time.optional(),
        reasons: z.array(z.string()),
        decidedAt: time,
      }),
    ),
  })
  .meta({ id: 'AccountabilityCase', description: 'a violation with its evidence looked up, its sanctions with their effect, and the appeals decided' });
export const accountabilityCasePage = page(accountabilityCase, 'AccountabilityCasePage', 'accountability cases, newest first');

export const undescribedAnswer = z.looseObject({}).meta({ id: 'Answer', description: 'a JSON object (this read does not describe its answer in detail yet)' });
