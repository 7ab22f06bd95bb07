// Demands (产业空间需求, 第五章): report, update, withdraw, match, broker, follow up, feedback, close; the
// queues (scoped by role) and one demand, each with its live candidates.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AREA_BAND_CODES, DEMAND_OUTCOMES, type DemandChanges } from '../../domain/demand.js';
import { SUPPLY_MODES, USE_TYPES } from '../../domain/project.js';
import { type Actor, NotFound } from '../../domain/shared.js';
import { parseAsOf } from '../../domain/time.js';
import * as demands from '../../application/demands.js';
import { type Services, consistentWith } from '../../application/services.js';
import { type DemandFilter, findDemands, getDemand } from '../../projections/demand-queries.js';
import { requireActor } from '../auth.js';
import { command } from '../command.js';
import { DemandQueueBodies } from '../demand-queue.js';
import { HttpProblem } from '../problem.js';
import * as s from '../schemas.js';
import { maySeeDemand } from '../visibility.js';

const MANAGERS = ['housing_dept', 'city_admin'] as const;

const neededBy = z.union([s.isoTime, z.iso.date()]).describe('ISO-8601 time, or a date (the end of that day, China Standard Time)');
const demandFields = {
  industry: s.text(100),
  minArea: s.area,
  maxArea: s.area,
  districts: z.array(s.district).min(1).max(12),
  useType: z.enum(USE_TYPES),
  supplyMode: z.enum(SUPPLY_MODES),
  maxPrice: z.number().min(0).max(1e7).describe('yuan per ㎡ (per month for rent)'),
  neededBy,
  note: s.text(2000).optional(),
};
const rangeOk = (b: { minArea?: number; maxArea?: number }) => b.minArea === undefined || b.maxArea === undefined || b.minArea <= b.maxArea;
const rangeError = { message: 'minArea must not exceed maxArea', path: ['minArea'] };
const reportBody = z.strictObject(demandFields).refine(rangeOk, rangeError);
const updateBody = z
  .strictObject(z.object(demandFields).partial().shape)
  .refine(rangeOk, rangeError)
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'name at least one field to change');

/** A date means the end of that day in CST; a time in the past is inconsistent input (400), judged by the server's clock. */
function futureNeededBy(services: Services, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const at = parseAsOf(value);
  if (!at || at <= services.commands.now()) {
    throw new HttpProblem(400, 'Bad Request', 'neededBy must be in the future', { errors: [{ path: 'body.neededBy', message: 'must be in the future' }] });
  }
  return at;
}

/** The queue an actor may read: an enterprise its own, a district officer demands naming its district. */
function scoped(actor: Actor, filter: DemandFilter): DemandFilter {
  if (actor.role === 'enterprise') return { ...filter, creditCode: actor.creditCode ?? '' };
  if (actor.role === 'housing_dept' && actor.district !== 'city') {
    if (filter.district && filter.district !== actor.district) throw new HttpProblem(403, 'Forbidden', `an officer of ${actor.district} may not list ${filter.district}`);
    return { ...filter, district: actor.district };
  }
  return filter;
}

export function demandRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['demands'];
    const idParams = z.object({ id: s.id });
    const ok = { 200: s.commandResult };
    const queueBodies = new DemandQueueBodies();

    app.post('/api/demands', { schema: { tags, summary: '需求申报: an enterprise reports a space demand', body: reportBody, response: { 201: s.commandResult } } }, async (req, reply) => {
      const actor = requireActor(req, 'enterprise');
      const spec = { ...req.body, neededBy: futureNeededBy(services, req.body.neededBy)! };
      const demandId = randomUUID();
      return command(services, req, reply, actor, (meta) => demands.reportDemand(services, { demandId, spec }, meta), 201);
    });

    app.patch('/api/demands/:id', { schema: { tags, summary: 'the enterprise changes its open demand', params: idParams, body: updateBody, response: ok } }, async (req, reply) => {
      const actor = requireActor(req, 'enterprise');
      const changes = Object.fromEntries(Object.entries({ ...req.body, neededBy: futureNeededBy(services, req.body.neededBy) }).filter(([, v]) => v !== undefined)) as DemandChanges;
      return command(services, req, reply, actor, (meta) => demands.updateDemand(services, { demandId: req.params.id, changes }, meta));
    });

    app.post(
      '/api/demands/:id/withdraw',
      { schema: { tags, summary: 'the enterprise withdraws its open demand', params: idParams, body: z.strictObject({ reason: s.text(1000).optional() }).nullish(), response: ok } },
      async (req, reply) => {
        const actor = requireActor(req, 'enterprise');
        return command(services, req, reply, actor, (meta) => demands.withdrawDemand(services, { demandId: req.params.id, reason: req.body?.reason ?? '' }, meta));
      },
    );

    const suggestion = z.strictObject({ projectId: s.id, score: z.number().min(0).max(100).optional(), reason: s.text(1000) });
    app.post(
      '/api/demands/:id/match',
      { schema: { tags, summary: '供需匹配: an officer records matching suggestions', params: idParams, body: z.strictObject({ suggestions: z.array(suggestion).min(1).max(50) }), response: ok } },
      async (req, reply) => {
        const actor = requireActor(req, ...MANAGERS);
        return command(services, req, reply, actor, (meta) => demands.matchDemand(services, { demandId: req.params.id, suggestions: req.body.suggestions }, meta));
      },
    );

    app.post(
      '/api/demands/:id/broker',
      { schema: { tags, summary: '撮合: an officer introduces the enterprise to a project', params: idParams, body: z.strictObject({ projectId: s.id, note: s.text(2000) }), response: ok } },
      async (req, reply) => {
        const actor = requireActor(req, ...MANAGERS);
        return command(services, req, reply, actor, (meta) => demands.brokerDemand(services, { demandId: req.params.id, ...req.body }, meta));
      },
    );

    app.post('/api/demands/:id/follow-up', { schema: { tags, summary: '跟踪: a note on progress', params: idParams, body: z.strictObject({ note: s.text(2000) }), response: ok } }, async (req, reply) => {
      const actor = requireActor(req, ...MANAGERS);
      return command(services, req, reply, actor, (meta) => demands.followUpDemand(services, { demandId: req.params.id, note: req.body.note }, meta));
    });

    app.post(
      '/api/demands/:id/feedback',
      { schema: { tags, summary: '反馈: the enterprise’s feedback', params: idParams, body: z.strictObject({ satisfied: z.boolean(), note: s.text(2000) }), response: ok } },
      async (req, reply) => {
        const actor = requireActor(req, 'enterprise');
        return command(services, req, reply, actor, (meta) => demands.giveDemandFeedback(services, { demandId: req.params.id, ...req.body }, meta));
      },
    );

    app.post(
      '/api/demands/:id/close',
      { schema: { tags, summary: 'an officer closes the demand: settled, withdrawn or unmet', params: idParams, body: z.strictObject({ outcome: z.enum(DEMAND_OUTCOMES), reason: s.text(1000) }), response: ok } },
      async (req, reply) => {
        const actor = requireActor(req, ...MANAGERS);
        return command(services, req, reply, actor, (meta) => demands.closeDemand(services, { demandId: req.params.id, ...req.body }, meta));
      },
    );

    app.get(
      '/api/demands',
      {
        schema: {
          tags,
          summary: 'demands with their candidates, scoped by role; overdue=true: open demands whose follow-up is overdue',
          querystring: z.strictObject({
            status: z.enum(['open', 'closed']).optional(),
            industry: z.string().trim().min(1).max(100).optional(),
            areaBand: z.enum(AREA_BAND_CODES as [string, ...string[]]).optional(),
            overdue: z.enum(['true', 'false']).optional(),
            district: s.district.optional(),
            ...s.listQuery,
          }),
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        const { consistentWith: at, page, pageSize, overdue, ...filter } = req.query;
        await consistentWith(services, at);
        const now = services.commands.now();
        const scope = scoped(actor, { ...(filter as DemandFilter), ...(overdue === 'true' ? { overdueBefore: now } : {}) });
        const found = await findDemands(services.reads, scope, { page, pageSize });
        // The query names the page kept; the clock is not part of it (what it moves is compared instead).
        const key = JSON.stringify([{ ...scope, overdueBefore: overdue === 'true' }, page, pageSize]);
        // Already presented bytes (demand-queue.ts): they pass the presenting hook untouched.
        return reply.type('application/json; charset=utf-8').send(queueBodies.body(key, found, now));
      },
    );

    app.get('/api/demands/:id', { schema: { tags, summary: 'one demand with its candidates and history, scoped by role', params: idParams, querystring: z.strictObject({ consistentWith: s.position.optional() }) } }, async (req) => {
      const actor = requireActor(req);
      await consistentWith(services, req.query.consistentWith);
      const doc = await getDemand(services.reads, req.params.id, services.commands.now());
      if (!doc || !maySeeDemand(actor, doc as Record<string, unknown>)) throw new NotFound(`no demand ${req.params.id}`);
      return doc;
    });
  };
}
