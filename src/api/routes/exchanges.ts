// Rent exchange (换租): a tenant asks to move, the district reviews, the result is published.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFound } from '../../domain/shared.js';
import { getExchange, listExchanges } from '../../projections/procedure-queries.js';
import { requireActor } from '../auth.js';
import { maySeeApplication, scopedToActor } from '../visibility.js';
import { type Services, consistentWith } from '../../application/services.js';
import { command } from '../command.js';
import { publishExchangeResult, requestExchange, reviewExchange } from '../../application/exchanges.js';
import * as answers from '../answer-schemas.js';
import * as s from '../schemas.js';
import { moveTenancy } from '../../application/tenancies.js';

const MANAGERS = ['housing_dept', 'city_admin'] as const;

export function exchangeRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['exchanges'];
    const idParams = z.object({ id: s.id });
    const ok = { 200: s.commandResult };

    app.post(
      '/api/exchanges',
      {
        schema: {
          tags,
          summary: '换租: a tenant asks to move to another unit or area',
          body: z.strictObject({ wanted: z.strictObject({ projectId: s.id.optional(), unitId: s.id.optional(), area: s.area }), reason: s.text(2000) }),
          response: { 201: s.commandResult },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req, 'enterprise');
        const exchangeId = randomUUID();
        return command(services, req, reply, actor, (meta) => requestExchange(services, { exchangeId, ...req.body }, meta), 201);
      },
    );

    app.post('/api/exchanges/:id/review', { schema: { tags, summary: 'approve or reject, with a reason', params: idParams, body: z.strictObject({ approved: z.boolean(), reason: s.text(2000) }), response: ok } }, async (req, reply) => {
      const actor = requireActor(req, ...MANAGERS);
      return command(services, req, reply, actor, (meta) => reviewExchange(services, { exchangeId: req.params.id, ...req.body }, meta));
    });

    app.post('/api/exchanges/:id/result', { schema: { tags, summary: '换租结果公布: publish the result', params: idParams, response: ok } }, async (req, reply) => {
      const actor = requireActor(req, ...MANAGERS);
      return command(services, req, reply, actor, (meta) => publishExchangeResult(services, { exchangeId: req.params.id }, meta));
    });

    app.post('/api/exchanges/:id/move', { schema: { tags, summary: '换租: the approved, published exchange moves the tenancy to the wanted space', params: idParams, response: ok } }, async (req, reply) => {
      const actor = requireActor(req, ...MANAGERS);
      return command(services, req, reply, actor, (meta) => moveTenancy(services, { exchangeId: req.params.id }, meta));
    });

    app.get(
      '/api/exchanges',
      {
        config: { answer: answers.exchangePage },
        schema: {
          tags,
          summary: 'exchange requests, scoped by role',
          querystring: z.strictObject({
            status: z.enum(['requested', 'reviewed', 'published']).optional(),
            district: s.district.optional(),
            ...s.listQuery,
          }),
        },
      },
      async (req) => {
        const actor = requireActor(req);
        const { consistentWith: at, page, pageSize, ...filter } = req.query;
        await consistentWith(services, at);
        const scoped = scopedToActor(actor, filter as Parameters<typeof listExchanges>[1]);
        return listExchanges(services.reads, scoped, { page, pageSize });
      },
    );

    app.get('/api/exchanges/:id', { config: { answer: answers.exchangeAnswer }, schema: { tags, summary: 'one exchange request, scoped by role', params: idParams, querystring: z.strictObject({ consistentWith: s.position.optional() }) } }, async (req) => {
      const actor = requireActor(req);
      await consistentWith(services, req.query.consistentWith);
      const doc = await getExchange(services.reads, req.params.id);
      if (!doc || !maySeeApplication(actor, doc)) throw new NotFound(`no exchange ${req.params.id}`);
      return doc;
    });
  };
}
