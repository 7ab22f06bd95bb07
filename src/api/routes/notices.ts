// Rental/sale notices (租售通告) and the per-notice procedure: publicity (公示), allocation (配租/配售), results.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ALLOCATION_METHODS } from '../../domain/allocation.js';
import type { ApplicationFacts } from '../../domain/application.js';
import { type NoticeCommand, noticeDecider, noticeStream } from '../../domain/notice.js';
import { SUPPLY_MODES } from '../../domain/project.js';
import { getNotice, listFeed, applicationsOfNotice } from '../../projections/procedure-queries.js';
import { requireActor } from '../auth.js';
import type { CommandMeta } from '../command-handler.js';
import { type Platform, command, consistentWith } from '../platform.js';
import { applicationFactsOf, noticeState, projectFacts, readModelsAtHead } from '../procedure.js';
import { NotFound } from '../../domain/shared.js';
import * as s from '../schemas.js';

const MANAGERS = ['housing_dept', 'city_admin'] as const;
const terms = {
  area: s.area,
  unitIds: z.array(s.id).max(5000).optional(),
  price: z.number().positive().max(1e7).describe('yuan per ㎡ (per month for rent)'),
  eligibility: s.text(5000),
  opensAt: s.isoTime,
  closesAt: s.isoTime,
  publicityWorkingDays: z.number().int().min(1).max(30).optional(),
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
const iso = (t: string) => new Date(t).toISOString();

export function noticeRoutes(platform: Platform): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['notices'];
    const idParams = z.object({ id: s.id });
    const ok = { 200: s.commandResult };
    const exec = (id: string, cmd: NoticeCommand, meta: CommandMeta) => platform.commands.execute(noticeDecider, noticeStream(id), id, cmd, meta);
    const locked = <T>(id: string, work: () => Promise<T>) => platform.locks.run(`notice:${id}`, work);
    /** The project's lock orders a notice decided on the project's facts against changes to the project (routes/projects.ts). */
    const projectLocked = <T>(projectId: string, work: () => Promise<T>) => platform.locks.run(`project:${projectId}`, work);

    app.post('/api/notices', { schema: { tags, summary: '发布租售通告: publish a rental/sale notice', body: publishBody, response: { 201: s.commandResult } } }, async (req, reply) => {
      const actor = requireActor(req, ...MANAGERS);
      const b = req.body;
      const id = randomUUID();
      return projectLocked(b.projectId, async () => {
        const project = await projectFacts(platform, b.projectId);
        return command(
          platform,
          req,
          reply,
          actor,
          (meta) =>
            exec(
              id,
              {
                type: 'PublishNotice',
                noticeId: id,
                project,
                ...b,
                opensAt: iso(b.opensAt),
                closesAt: iso(b.closesAt),
                publicityWorkingDays: b.publicityWorkingDays ?? platform.publicityWorkingDays,
              },
              { ...meta, newStream: true },
            ),
          201,
        );
      });
    });

    app.post('/api/notices/:id/amend', { schema: { tags, summary: 'amend the terms before the window opens', params: idParams, body: amendBody, response: ok } }, async (req, reply) => {
      const actor = requireActor(req, ...MANAGERS);
      const { reason, ...changes } = req.body;
      if (changes.opensAt) changes.opensAt = iso(changes.opensAt);
      if (changes.closesAt) changes.closesAt = iso(changes.closesAt);
      // Under the notice's lock, like the submissions that read its terms, and the project's.
      return locked(req.params.id, async () => {
        const notice = await noticeState(platform, req.params.id);
        return projectLocked(notice.projectId, async () => {
          const project = await projectFacts(platform, notice.projectId);
          return command(platform, req, reply, actor, (meta) => exec(req.params.id, { type: 'AmendNotice', changes, reason, project }, meta));
        });
      });
    });

    app.post('/api/notices/:id/cancel', { schema: { tags, summary: 'cancel, with a reason', params: idParams, body: s.withdrawBody, response: ok } }, async (req, reply) => {
      const actor = requireActor(req, ...MANAGERS);
      return locked(req.params.id, () => command(platform, req, reply, actor, (meta) => exec(req.params.id, { type: 'CancelNotice', reason: req.body.reason }, meta)));
    });

    app.post('/api/notices/:id/close', { schema: { tags, summary: 'close once the window is over', params: idParams, response: ok } }, async (req, reply) => {
      const actor = requireActor(req, ...MANAGERS);
      return locked(req.params.id, () => command(platform, req, reply, actor, (meta) => exec(req.params.id, { type: 'CloseNotice' }, meta)));
    });

    app.post(
      '/api/notices/:id/publicity',
      { schema: { tags, summary: '资质审查结果公示: start the publicity of the review results', params: idParams, body: z.strictObject({ endsAt: s.isoTime.optional() }).nullish(), response: ok } },
      async (req, reply) => {
        const actor = requireActor(req, ...MANAGERS);
        const id = req.params.id;
        return locked(id, async () => {
          await noticeState(platform, id); // 404 before anything else
          await readModelsAtHead(platform); // every application of the notice is listed
          const docs = await applicationsOfNotice(platform.reads, id);
          const facts = (await Promise.all(docs.map((d) => applicationFactsOf(platform, String(d._id))))).filter((f): f is ApplicationFacts => f !== null);
          const endsAt = req.body?.endsAt ? iso(req.body.endsAt) : undefined;
          return command(platform, req, reply, actor, (meta) => exec(id, { type: 'StartPublicity', applications: facts, calendar: platform.calendar, ...(endsAt ? { endsAt } : {}) }, meta));
        });
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
          response: { 200: s.commandResult.extend({ allocations: z.array(z.object({ applicationId: z.string(), area: z.number(), rank: z.number().optional() })) }) },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req, ...MANAGERS);
        const id = req.params.id;
        return locked(id, async () => {
          const notice = await noticeState(platform, id);
          const listed = notice.publicity?.list.map((e) => e.applicationId) ?? [];
          const facts = (await Promise.all(listed.map((a) => applicationFactsOf(platform, a)))).filter((f): f is ApplicationFacts => f !== null);
          const result = await command(platform, req, reply, actor, (meta) => exec(id, { type: 'DecideAllocation', method: req.body.method, seed: req.body.seed, applications: facts }, meta));
          const after = await noticeState(platform, id);
          return { ...result, allocations: after.allocation?.allocations ?? [] };
        });
      },
    );

    app.post('/api/notices/:id/results', { schema: { tags, summary: '租售结果公布: publish the result', params: idParams, response: ok } }, async (req, reply) => {
      const actor = requireActor(req, ...MANAGERS);
      return locked(req.params.id, () => command(platform, req, reply, actor, (meta) => exec(req.params.id, { type: 'PublishResult' }, meta)));
    });

    app.get(
      '/api/notices',
      {
        schema: {
          tags,
          summary: '公告: the public notices feed, newest first',
          querystring: z.strictObject({
            kind: z.enum(['rental_notice', 'qualification_publicity', 'result', 'exchange_result']).optional(),
            district: s.district.optional(),
            from: s.isoTime.optional(),
            to: s.isoTime.optional(),
            ...s.listQuery,
          }),
        },
      },
      async (req) => {
        const { consistentWith: at, from, to, ...rest } = req.query;
        await consistentWith(platform, at);
        return listFeed(platform.reads, { ...rest, ...(from ? { from: iso(from) } : {}), ...(to ? { to: iso(to) } : {}) });
      },
    );

    app.get('/api/notices/:id', { schema: { tags, summary: 'one notice and where its procedure stands', params: idParams, querystring: z.strictObject({ consistentWith: s.position.optional() }) } }, async (req) => {
      await consistentWith(platform, req.query.consistentWith);
      const notice = await getNotice(platform.reads, req.params.id);
      if (!notice) throw new NotFound(`no notice ${req.params.id}`);
      return notice;
    });
  };
}
