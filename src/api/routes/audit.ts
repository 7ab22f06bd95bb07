// The official record, for auditors: raw events of a stream and the log's tamper evidence.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireActor } from '../auth.js';
import { type Services, consistentWith } from '../../application/services.js';
import * as answers from '../answer-schemas.js';
import * as s from '../schemas.js';

export function auditRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['audit'];
    app.get(
      '/api/streams/:stream/events',
      {
        config: { answer: answers.streamEvents },
        schema: {
          tags,
          summary: 'the raw events of one stream, in order, with envelopes',
          params: z.object({ stream: z.string().min(1).max(200) }),
          querystring: z.strictObject({
            fromRevision: z.coerce.number().int().min(0).default(0),
            limit: z.coerce.number().int().min(1).max(10_000).default(1000),
            consistentWith: s.position.optional(),
          }),
        },
      },
      async (req) => {
        requireActor(req, 'auditor', 'city_admin');
        await consistentWith(services, req.query.consistentWith);
        const events = await services.events.readStream(req.params.stream);
        const items = events.filter((e) => e.revision >= req.query.fromRevision).slice(0, req.query.limit);
        return { stream: req.params.stream, items, total: events.length };
      },
    );
    app.get(
      '/api/audit',
      {
        config: { answer: answers.auditPage },
        schema: {
          tags,
          summary: 'audit trail: who did what to which record when, newest first, from the log itself',
          querystring: z.strictObject({
            actor: z.string().min(1).max(200).optional(),
            stream: z.string().min(1).max(200).optional(),
            type: z.string().min(1).max(100).optional(),
            from: s.isoTime.optional(),
            to: s.isoTime.optional(),
            page: z.coerce.number().int().min(1).max(100_000).default(1),
            pageSize: z.coerce.number().int().min(1).max(500).default(50),
            consistentWith: s.position.optional(),
          }),
        },
      },
      async (req) => {
        requireActor(req, 'auditor', 'city_admin');
        const q = req.query;
        await consistentWith(services, q.consistentWith);
        const iso = (t?: string) => (t ? new Date(t).toISOString() : undefined);
        const { items, total, partial } = await services.events.searchLog({
          actorId: q.actor,
          stream: q.stream,
          type: q.type,
          from: iso(q.from),
          to: iso(q.to),
          offset: (q.page - 1) * q.pageSize,
          limit: q.pageSize,
        });
        // partial: the store stopped at its scan bound (EventStoreDB until the audit read model).
        return { items, total, page: q.page, pageSize: q.pageSize, ...(partial ? { partial } : {}) };
      },
    );
    app.get('/api/audit/verify', { config: { answer: answers.verifyAnswer }, schema: { tags, summary: "verifies the whole log's hash chain", querystring: z.strictObject({ consistentWith: s.position.optional() }) } }, async (req) => {
      requireActor(req, 'auditor', 'city_admin');
      await consistentWith(services, req.query.consistentWith);
      return services.events.verify();
    });
  };
}
