// Tenancies (租赁关系): renewal (续租), exit (退出), recovery (收回); lists scoped by role.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Services, consistentWith } from '../../application/services.js';
import { exitTenancy, recoverTenancy, renewTenancy } from '../../application/tenancies.js';
import { NotFound } from '../../domain/shared.js';
import { RECOVERY_GROUNDS } from '../../domain/tenancy.js';
import { parseAsOf } from '../../domain/time.js';
import { getTenancy, listTenancies } from '../../projections/tenancy-queries.js';
import { requireActor } from '../auth.js';
import { command } from '../command.js';
import { HttpProblem } from '../problem.js';
import * as s from '../schemas.js';
import { maySeeApplication, scopedToActor } from '../visibility.js';

const MANAGERS = ['housing_dept', 'city_admin'] as const;

export function tenancyRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['tenancies'];
    const idParams = z.object({ id: s.id });
    const ok = { 200: s.commandResult };

    app.post(
      '/api/tenancies/:id/renew',
      {
        schema: {
          tags,
          summary: '续租: renew before the end, within the policy’s limits',
          params: idParams,
          body: z.strictObject({ endsOn: s.endDate, monthlyRent: z.number().min(0).max(1e10).optional(), reason: s.text(2000).optional() }),
          response: ok,
        },
      },
      async (req, reply) => {
        const actor = requireActor(req, ...MANAGERS);
        return command(services, req, reply, actor, (meta) => renewTenancy(services, { tenancyId: req.params.id, ...req.body }, meta));
      },
    );

    app.post('/api/tenancies/:id/exit', { schema: { tags, summary: '退出: the tenant leaves, with a reason', params: idParams, body: z.strictObject({ reason: s.text(2000) }), response: ok } }, async (req, reply) => {
      const actor = requireActor(req, 'enterprise');
      return command(services, req, reply, actor, (meta) => exitTenancy(services, { tenancyId: req.params.id, reason: req.body.reason }, meta));
    });

    app.post(
      '/api/tenancies/:id/recover',
      {
        schema: {
          tags,
          summary: '收回: the department recovers the space (breach, sanction), with reasons',
          params: idParams,
          body: z.strictObject({ grounds: z.enum(RECOVERY_GROUNDS), reasons: z.array(s.text(2000)).min(1).max(20) }),
          response: ok,
        },
      },
      async (req, reply) => {
        const actor = requireActor(req, ...MANAGERS);
        return command(services, req, reply, actor, (meta) => recoverTenancy(services, { tenancyId: req.params.id, ...req.body }, meta));
      },
    );

    app.get(
      '/api/tenancies',
      {
        schema: {
          tags,
          summary: 'tenancies, scoped by role (an enterprise its own, an officer its district); ?endsBefore=',
          querystring: z.strictObject({
            status: z.enum(['active', 'ended']).optional(),
            district: s.district.optional(),
            projectId: s.id.optional(),
            endsBefore: z.string().max(40).optional(),
            ...s.listQuery,
          }),
        },
      },
      async (req) => {
        const actor = requireActor(req);
        const { consistentWith: at, page, pageSize, endsBefore, ...filter } = req.query;
        let before: string | undefined;
        if (endsBefore !== undefined) {
          before = parseAsOf(endsBefore) ?? undefined;
          if (!before) throw new HttpProblem(400, 'Bad Request', 'endsBefore must be a date (YYYY-MM-DD) or an ISO-8601 time', { errors: [{ path: 'querystring.endsBefore', message: 'invalid date' }] });
        }
        await consistentWith(services, at);
        const scoped = scopedToActor(actor, filter as { district?: string; creditCode?: string });
        return listTenancies(services.reads, { ...scoped, ...(before ? { endsBefore: before } : {}) }, { page, pageSize });
      },
    );

    app.get('/api/tenancies/:id', { schema: { tags, summary: 'one tenancy, scoped by role', params: idParams, querystring: z.strictObject({ consistentWith: s.position.optional() }) } }, async (req) => {
      const actor = requireActor(req);
      await consistentWith(services, req.query.consistentWith);
      const doc = await getTenancy(services.reads, req.params.id);
      if (!doc || !maySeeApplication(actor, doc as { creditCode?: unknown; district?: unknown })) throw new NotFound(`no tenancy ${req.params.id}`);
      return doc;
    });
  };
}
