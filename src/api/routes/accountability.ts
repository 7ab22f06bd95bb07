// Accountability (追责): violations and sanctions, recorded by the city; a ban is enforced on later applications.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { APPEAL_DECISIONS, SANCTION_KINDS, SUBJECT_KINDS, VIOLATION_KINDS } from '../../domain/accountability.js';
import { requireActor } from '../auth.js';
import type { Services } from '../../application/services.js';
import { command } from '../command.js';
import { decideAppeal, imposeSanction, recordViolation, sanctionIdAt } from '../../application/accountability.js';
import { consistentWith } from '../../application/services.js';
import { listCases } from '../../projections/accountability-queries.js';
import * as s from '../schemas.js';
import { accessReason } from '../present.js';
import * as answers from '../answer-schemas.js';
import { momentOf } from '../moment.js';

export function accountabilityRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['accountability'];
    app.post(
      '/api/accountability/violations',
      {
        schema: {
          tags,
          summary: '记录违规: record a violation with its evidence (event ids, each of which must be on record: else 422 EVIDENCE_NOT_FOUND with `missing`)',
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
        config: { answer: answers.accountabilityCasePage },
        schema: {
          tags,
          summary: 'violations and sanctions with their evidence (each cited event looked up), effects (as of `asOf`, default now) and appeals; newest first',
          querystring: z.strictObject({
            subjectKind: z.enum(SUBJECT_KINDS).optional(),
            subjectId: s.text(100).optional(),
            kind: z.enum(VIOLATION_KINDS).optional(),
            asOf: z.string().max(40).optional().describe('each sanction’s effect as of this time (a bare date: the end of that day, CST), appeals decided by then applied'),
            ...s.listQuery,
          }),
        },
      },
      async (req) => {
        const actor = requireActor(req, 'auditor', 'city_admin');
        const { consistentWith: at, asOf, ...q } = req.query;
        const moment = momentOf(asOf, undefined);
        await consistentWith(services, at);
        const { items, total } = await listCases(services.reads, q, moment?.at ?? services.commands.now());
        if (items.length > 0) services.access.record({ actor, what: 'sanctions', records: items.map((c) => String(c.id)), reason: accessReason(req.headers), requestId: req.id });
        return { items, total, page: q.page, pageSize: q.pageSize };
      },
    );

    app.post(
      '/api/accountability/sanctions',
      {
        schema: {
          tags,
          summary:
            '处理: impose a sanction on a recorded violation (an application ban bars applications until its end; a revocation, on a finding of false material, takes back what `applicationId` holds: its allocation goes to 递补, its tenancy is recovered)',
          body: z.strictObject({ caseId: s.id, kind: z.enum(SANCTION_KINDS), until: s.endDate.optional(), reason: s.text(2000), applicationId: s.id.optional() }),
          response: { 200: s.commandResult.extend({ sanctionId: z.string().optional() }) },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req, 'city_admin');
        const result = await command(services, req, reply, actor, (meta) => imposeSanction(services, req.body, meta));
        // The sanction's id (what an appeal names), read back at the answer's revision: a replayed Idempotency-Key answers { id, revision, position } only.
        return { ...result, sanctionId: await sanctionIdAt(services, req.body.caseId, result.revision) };
      },
    );

    app.post(
      '/api/accountability/sanctions/:id/appeal',
      {
        schema: {
          tags,
          summary: '申诉: decide an appeal against a sanction — lift it, shorten it (`until`: an earlier end, in the future) or uphold it — with reasons',
          params: z.strictObject({ id: s.id }),
          body: z.strictObject({ decision: z.enum(APPEAL_DECISIONS), until: s.endDate.optional(), reasons: z.array(s.text(2000)).min(1).max(20) }),
          response: { 200: s.commandResult },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req, 'city_admin');
        return command(services, req, reply, actor, (meta) => decideAppeal(services, { sanctionId: req.params.id, ...req.body }, meta));
      },
    );
  };
}
