// Deadline queues (期限): what is due and overdue, per district and per officer. Officers and auditors only.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Services, consistentWith } from '../../application/services.js';
import { listDeadlines } from '../../projections/deadline-queries.js';
import { DEADLINE_KINDS } from '../../projections/deadlines.js';
import * as answers from '../answer-schemas.js';
import { requireActor } from '../auth.js';
import * as s from '../schemas.js';
import { scopedToActor } from '../visibility.js';

export function deadlineRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/deadlines',
      {
        config: { answer: answers.deadlinePage },
        schema: {
          tags: ['deadlines'],
          summary: 'open deadlines (review, 补正, objection, signing, lease end), soonest first; ?overdue=true for those past',
          querystring: z.strictObject({
            overdue: z.enum(['true', 'false']).optional(),
            district: s.district.optional(),
            officer: s.id.optional(),
            kind: z.enum(DEADLINE_KINDS).optional(),
            ...s.listQuery,
          }),
        },
      },
      async (req) => {
        const actor = requireActor(req, 'housing_dept', 'city_admin', 'auditor');
        const { consistentWith: at, page, pageSize, overdue, ...filter } = req.query;
        await consistentWith(services, at);
        const scoped = scopedToActor(actor, filter);
        return listDeadlines(services.reads, { ...scoped, overdue: overdue === 'true' }, services.commands.now(), { page, pageSize });
      },
    );
  };
}
