// Online application and review (在线申请及审核): submit, withdraw, 补正, review, objections (异议), contracts.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { APPLICATION_STATUSES } from '../../domain/application.js';
import { NotFound } from '../../domain/shared.js';
import { getApplication, listApplications } from '../../projections/procedure-queries.js';
import { requireActor } from '../auth.js';
import { applicationForViewer } from '../present.js';
import { maySeeApplication, scopedToActor } from '../visibility.js';
import { type Services, consistentWith } from '../../application/services.js';
import { command } from '../command.js';
import {
  fileObjection,
  objectionIdAt,
  recordContract,
  resolveObjection,
  resubmitApplication,
  returnApplication,
  reviewQualification,
  submitApplication,
  withdrawApplication,
} from '../../application/applications.js';
import { declineAllocation } from '../../application/notices.js';
import * as answers from '../answer-schemas.js';
import * as s from '../schemas.js';
import { accessReason } from '../present.js';

const MANAGERS = ['housing_dept', 'city_admin'] as const;
const documents = z.array(z.strictObject({ name: s.text(200), sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'a SHA-256 hex digest') })).min(1).max(100);
const submitBody = z.strictObject({
  requestedArea: s.area,
  enterpriseName: s.text(200),
  declared: z.strictObject({
    industry: s.text(100),
    employees: z.number().int().min(0).max(10_000_000),
    annualRevenue: z.number().min(0).max(1e13).describe('yuan'),
    rndShare: z.number().min(0).max(1).describe('R&D spending as a fraction of revenue'),
  }),
  documents,
});

export function applicationRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['applications'];
    const idParams = z.object({ id: s.id });
    const ok = { 200: s.commandResult };

    app.post(
      '/api/notices/:id/applications',
      { schema: { tags, summary: '在线申请: apply (the credit code comes from the token)', params: idParams, body: submitBody, response: { 201: s.commandResult } } },
      async (req, reply) => {
        const actor = requireActor(req, 'enterprise');
        return command(services, req, reply, actor, (meta) => submitApplication(services, { noticeId: req.params.id, ...req.body }, meta), 201);
      },
    );

    app.post(
      '/api/applications/:id/decline',
      { schema: { tags, summary: '放弃: the enterprise declines the space allocated to it, before signing (递补 follows)', params: idParams, body: z.strictObject({ reason: s.text(1000).optional() }).nullish(), response: ok } },
      async (req, reply) => {
        const actor = requireActor(req, 'enterprise');
        return command(services, req, reply, actor, (meta) => declineAllocation(services, { applicationId: req.params.id, ...(req.body?.reason ? { reason: req.body.reason } : {}) }, meta));
      },
    );

    app.post('/api/applications/:id/withdraw', { schema: { tags, summary: 'withdraw before a decision', params: idParams, body: z.strictObject({ reason: s.text(1000).optional() }).nullish(), response: ok } }, async (req, reply) => {
      const actor = requireActor(req, 'enterprise');
      return command(services, req, reply, actor, (meta) => withdrawApplication(services, { applicationId: req.params.id, reason: req.body?.reason }, meta));
    });

    app.post('/api/applications/:id/resubmit', { schema: { tags, summary: 'resubmit after 补正', params: idParams, body: z.strictObject({ documents }), response: ok } }, async (req, reply) => {
      const actor = requireActor(req, 'enterprise');
      return command(services, req, reply, actor, (meta) => resubmitApplication(services, { applicationId: req.params.id, documents: req.body.documents }, meta));
    });

    app.post('/api/applications/:id/return', { schema: { tags, summary: '补正: send back for missing material', params: idParams, body: z.strictObject({ missing: z.array(s.text(500)).min(1).max(100) }), response: ok } }, async (req, reply) => {
      const actor = requireActor(req, ...MANAGERS);
      return command(services, req, reply, actor, (meta) => returnApplication(services, { applicationId: req.params.id, missing: req.body.missing }, meta));
    });

    app.post(
      '/api/applications/:id/review',
      { schema: { tags, summary: '资质审查: qualified or not, with reasons', params: idParams, body: z.strictObject({ qualified: z.boolean(), reasons: z.array(s.text(1000)).max(100), score: z.number().min(0).max(1e6).optional() }), response: ok } },
      async (req, reply) => {
        const actor = requireActor(req, ...MANAGERS);
        return command(services, req, reply, actor, (meta) => reviewQualification(services, { applicationId: req.params.id, ...req.body }, meta));
      },
    );

    app.post(
      '/api/applications/:id/contract',
      { schema: { tags, summary: 'record the signed lease or completed sale (off-platform contract)', params: idParams, body: s.contractBody, response: ok } },
      async (req, reply) => {
        const actor = requireActor(req, ...MANAGERS);
        return command(services, req, reply, actor, (meta) => recordContract(services, { applicationId: req.params.id, ...req.body }, meta));
      },
    );

    app.post(
      '/api/notices/:id/objections',
      { schema: { tags, summary: '异议: object to a publicity entry (never anonymous)', params: idParams, body: z.strictObject({ applicationId: s.id, content: s.text(5000) }), response: { 201: s.commandResult.extend({ objectionId: z.string().optional() }) } } },
      async (req, reply) => {
        const actor = requireActor(req);
        const { applicationId } = req.body;
        const result = await command(services, req, reply, actor, (meta) => fileObjection(services, { noticeId: req.params.id, ...req.body }, meta), 201);
        // The objector follows the objection by its id (the application itself may not be theirs to read);
        // read back at the answer's revision, since a replayed Idempotency-Key answers { id, revision, position } only.
        return { ...result, objectionId: await objectionIdAt(services, applicationId, result.revision) };
      },
    );

    app.post('/api/objections/:id/resolve', { schema: { tags, summary: 'resolve an objection (upheld → a new review follows)', params: idParams, body: z.strictObject({ upheld: z.boolean(), reason: s.text(2000) }), response: ok } }, async (req, reply) => {
      const actor = requireActor(req, ...MANAGERS);
      return command(services, req, reply, actor, (meta) => resolveObjection(services, { objectionId: req.params.id, ...req.body }, meta));
    });

    app.get(
      '/api/applications',
      {
        config: { answer: answers.applicationPage },
        schema: {
          tags,
          summary: 'review queues and own records, scoped by role',
          querystring: z.strictObject({
            noticeId: s.id.optional(),
            status: z.enum(APPLICATION_STATUSES).optional(),
            district: s.district.optional(),
            ...s.listQuery,
          }),
        },
      },
      async (req) => {
        const actor = requireActor(req);
        const { consistentWith: at, page, pageSize, ...filter } = req.query;
        await consistentWith(services, at);
        const scoped = scopedToActor(actor, filter as Parameters<typeof listApplications>[1]);
        const result = await listApplications(services.reads, scoped, { page, pageSize });
        if (result.items.length > 0) {
          services.access.record({ actor, what: 'applications', records: result.items.map((d) => String(d.applicationId)), reason: accessReason(req.headers), requestId: req.id });
        }
        return { ...result, items: result.items.map((d) => applicationForViewer(actor, d)) };
      },
    );

    app.get('/api/applications/:id', { config: { answer: answers.applicationAnswer }, schema: { tags, summary: 'one application, scoped by role', params: idParams, querystring: z.strictObject({ consistentWith: s.position.optional() }) } }, async (req) => {
      const actor = requireActor(req);
      await consistentWith(services, req.query.consistentWith);
      const doc = await getApplication(services.reads, req.params.id);
      // Someone else's application is as good as absent: its existence is not public.
      if (!doc || !maySeeApplication(actor, doc)) throw new NotFound(`no application ${req.params.id}`);
      services.access.record({ actor, what: 'application', records: [req.params.id], reason: accessReason(req.headers), requestId: req.id });
      return applicationForViewer(actor, doc);
    });
  };
}
