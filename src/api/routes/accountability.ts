// Accountability (追责): violations and sanctions, recorded by the city; a ban is enforced on later applications.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SANCTION_KINDS, SUBJECT_KINDS, VIOLATION_KINDS } from '../../domain/accountability.js';
import { requireActor } from '../auth.js';
import type { Services } from '../../application/services.js';
import { command } from '../command.js';
import { imposeSanction, recordViolation } from '../../application/accountability.js';
import { consistentWith } from '../../application/services.js';
import { listCases } from '../../projections/accountability-queries.js';
import * as s from '../schemas.js';
import { accessReason } from '../present.js';

export function accountabilityRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['accountability'];
    app.post(
      '/api/accountability/violations',
      {
        schema: {
          tags,
          summary: '记录违规: record a violation with its evidence (event ids)',
          body: z.strictObject({
            subject: z.strictObject({ kind: z.enum(SUBJECT_KINDS), id: s.text(100), name: s.text(200).optional() }),
            kind: z.enum(VIOLATION_KINDS),
            description: s.text(5000),
            evidence: z.array(s.id).min(1).max(1000),
          }),
          response: { 201: s.commandResult },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req, 'city_admin');
        const caseId = randomUUID();
        return command(services, req, reply, actor, (meta) => recordViolation(services, { caseId, ...req.body }, meta), 201);
      },
    );

    app.get(
      '/api/accountability',
      {
        schema: {
          tags,
          summary: 'violations and sanctions with their evidence (each cited event looked up), effects and appeals; newest first',
          querystring: z.strictObject({
            subjectKind: z.enum(SUBJECT_KINDS).optional(),
            subjectId: s.text(100).optional(),
            kind: z.enum(VIOLATION_KINDS).optional(),
            ...s.listQuery,
          }),
        },
      },
      async (req) => {
        const actor = requireActor(req, 'auditor', 'city_admin');
        const { consistentWith: at, ...q } = req.query;
        await consistentWith(services, at);
        const { items, total } = await listCases(services.reads, q, services.commands.now());
        if (items.length > 0) services.access.record({ actor, what: 'sanctions', records: items.map((c) => String(c.id)), reason: accessReason(req.headers), requestId: req.id });
        return { items, total, page: q.page, pageSize: q.pageSize };
      },
    );

    app.post(
      '/api/accountability/sanctions',
      {
        schema: {
          tags,
          summary: '处理: impose a sanction on a recorded violation (an application ban bars applications until its end)',
          body: z.strictObject({ caseId: s.id, kind: z.enum(SANCTION_KINDS), until: s.isoTime.optional(), reason: s.text(2000) }),
          response: { 200: s.commandResult },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req, 'city_admin');
        return command(services, req, reply, actor, (meta) => imposeSanction(services, req.body, meta));
      },
    );
  };
}
