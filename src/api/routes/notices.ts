// Rental/sale notices (租售通告) and the per-notice procedure: publicity (公示), allocation (配租/配售), results.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ALLOCATION_METHODS } from '../../domain/allocation.js';
import { SUPPLY_MODES } from '../../domain/project.js';
import { getNotice, listFeed } from '../../projections/procedure-queries.js';
import { allocationsOfNotice, spaceAt } from '../../projections/space-queries.js';
import { requireActor } from '../auth.js';
import { type Services, consistentWith } from '../../application/services.js';
import { command } from '../command.js';
import { allocationsOf, amendNotice, cancelNotice, closeNotice, decideAllocation, publishNotice, publishResult, startPublicity } from '../../application/notices.js';
import { NotFound } from '../../domain/shared.js';
import { PUBLIC } from '../openapi.js';
import * as answers from '../answer-schemas.js';
import * as s from '../schemas.js';
import { momentOf } from '../moment.js';
import { readStoreAt } from '../../projections/history.js';
import { NOTICES } from '../../projections/notices.js';
import { PUBLIC_FEED, feedId } from '../../projections/public-feed.js';

const MANAGERS = ['housing_dept', 'city_admin'] as const;
const terms = {
  area: s.area,
  unitIds: z.array(s.id).max(5000).optional(),
  price: z.number().positive().max(1e7).describe('yuan per ㎡ (per month for rent)'),
  eligibility: s.text(5000),
  opensAt: s.isoTime,
  closesAt: s.isoTime,
  publicityWorkingDays: z.number().int().min(1).max(30).optional(),
  maxAreaPerEnterprise: s.area.optional().describe('the most one enterprise may apply for and be allocated, ㎡'),
  // Per-notice deadlines (working days); absent, the configured defaults (REVIEW_WORKING_DAYS etc.).
  reviewWorkingDays: z.number().int().min(1).max(60).optional(),
  correctionWorkingDays: z.number().int().min(1).max(60).optional(),
  objectionWorkingDays: z.number().int().min(1).max(60).optional(),
  signingWorkingDays: z.number().int().min(1).max(60).optional(),
};
const publishBody = z.strictObject({
  projectId: s.id,
  supplyMode: z.enum(SUPPLY_MODES),
  ...terms,
  lotterySeedSha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'a SHA-256 hex digest')
    .optional()
    .describe('commit–reveal: the SHA-256 (hex, of the UTF-8 text) of the seed a lottery will use; required for an allocation by lottery, public from now on'),
});
const amendBody = z
  .strictObject({ ...z.object(terms).partial().shape, reason: s.text(1000) })
  .refine((b) => Object.keys(b).some((k) => k !== 'reason'), 'name at least one term to change');

export function noticeRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['notices'];
    const idParams = z.object({ id: s.id });
    const ok = { 200: s.commandResult };

    app.post('/api/notices', { schema: { tags, summary: '发布租售通告: publish a rental/sale notice', body: publishBody, response: { 201: s.commandResult } } }, async (req, reply) => {
      const actor = requireActor(req, ...MANAGERS);
      const noticeId = randomUUID();
      return command(services, req, reply, actor, (meta) => publishNotice(services, { noticeId, ...req.body }, meta), 201);
    });

    app.post('/api/notices/:id/amend', { schema: { tags, summary: 'amend the terms before the window opens', params: idParams, body: amendBody, response: ok } }, async (req, reply) => {
      const actor = requireActor(req, ...MANAGERS);
      const { reason, ...changes } = req.body;
      return command(services, req, reply, actor, (meta) => amendNotice(services, { noticeId: req.params.id, changes, reason }, meta));
    });

    app.post('/api/notices/:id/cancel', { schema: { tags, summary: 'cancel, with a reason', params: idParams, body: s.withdrawBody, response: ok } }, async (req, reply) => {
      const actor = requireActor(req, ...MANAGERS);
      return command(services, req, reply, actor, (meta) => cancelNotice(services, { noticeId: req.params.id, reason: req.body.reason }, meta));
    });

    app.post('/api/notices/:id/close', { schema: { tags, summary: 'close once the window is over', params: idParams, response: ok } }, async (req, reply) => {
      const actor = requireActor(req, ...MANAGERS);
      return command(services, req, reply, actor, (meta) => closeNotice(services, { noticeId: req.params.id }, meta));
    });

    app.post(
      '/api/notices/:id/publicity',
      { schema: { tags, summary: '资质审查结果公示: start the publicity of the review results', params: idParams, body: z.strictObject({ endsAt: s.isoTime.optional() }).nullish(), response: ok } },
      async (req, reply) => {
        const actor = requireActor(req, ...MANAGERS);
        const endsAt = req.body?.endsAt;
        return command(services, req, reply, actor, (meta) => startPublicity(services, { noticeId: req.params.id, ...(endsAt ? { endsAt } : {}) }, meta));
      },
    );

    app.post(
      '/api/notices/:id/allocation',
      {
        schema: {
          tags,
          summary: '配租/配售: allocate to qualified applicants',
          params: idParams,
          body: z.strictObject({ method: z.enum(ALLOCATION_METHODS), seed: z.string().min(1).max(200).optional().describe('lottery: the seed committed to by the notice’s lotterySeedSha256') }),
          response: { 200: s.commandResult.extend({ allocations: z.array(z.object({ applicationId: z.string(), area: z.number(), rank: z.number().optional(), unitIds: z.array(z.string()).optional() })) }) },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req, ...MANAGERS);
        const id = req.params.id;
        const result = await command(services, req, reply, actor, (meta) => decideAllocation(services, { noticeId: id, ...req.body }, meta));
        // Read back rather than taken from the answer: a replayed Idempotency-Key answers { id, revision, position } only.
        return { ...result, allocations: await allocationsOf(services, id) };
      },
    );

    app.post('/api/notices/:id/results', { schema: { tags, summary: '租售结果公布: publish the result', params: idParams, response: ok } }, async (req, reply) => {
      const actor = requireActor(req, ...MANAGERS);
      return command(services, req, reply, actor, (meta) => publishResult(services, { noticeId: req.params.id }, meta));
    });

    app.get(
      '/api/notices',
      {
        config: { publicCache: true, answer: answers.feedPage },
        schema: {
          tags,
          summary: '公告: the public notices feed, newest first',
          security: PUBLIC,
          querystring: z.strictObject({
            kind: z.enum(['rental_notice', 'qualification_publicity', 'result', 'exchange_result']).optional(),
            district: s.district.optional(),
            from: s.fromTime.optional(),
            to: s.toTime.optional(),
            ...s.listQuery,
            ...s.momentQuery,
          }),
        },
      },
      async (req) => {
        const { consistentWith: at, asOf, asRecordedAt, ...query } = req.query;
        await consistentWith(services, at);
        const moment = momentOf(asOf, asRecordedAt);
        const reads = moment ? await readStoreAt(services.reads, [PUBLIC_FEED], moment) : services.reads;
        return listFeed(reads, query); // listFeed brings from/to to UTC itself
      },
    );

    app.get('/api/notices/:id', { config: { publicCache: true, answer: answers.noticeAnswer }, schema: { tags, summary: 'one notice and where its procedure stands (?asOf= / ?asRecordedAt=: as it stood then)', security: PUBLIC, params: idParams, querystring: z.strictObject({ consistentWith: s.position.optional(), ...s.momentQuery }) } }, async (req) => {
      await consistentWith(services, req.query.consistentWith);
      const moment = momentOf(req.query.asOf, req.query.asRecordedAt);
      const only = { [NOTICES]: [req.params.id], [PUBLIC_FEED]: [feedId('qualification_publicity', req.params.id)] };
      const reads = moment ? await readStoreAt(services.reads, [NOTICES, PUBLIC_FEED], moment, only) : services.reads;
      const notice = await getNotice(reads, req.params.id);
      if (!notice) throw new NotFound(`no notice ${req.params.id}`);
      // Its allocations as they stood then too, from the space ledger's documents of the notice (spaceAt).
      const space = moment ? await spaceAt(services.reads, { noticeId: req.params.id }, moment) : services.reads;
      return { ...notice, allocations: await allocationsOfNotice(space, req.params.id) };
    });
  };
}
