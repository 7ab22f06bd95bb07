// Rent exchange (换租): a tenant asks to move, the district reviews, the result is published.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type ExchangeCommand, exchangeDecider, exchangeStream } from '../../domain/exchange.js';
import { NotFound } from '../../domain/shared.js';
import { subjectKey } from '../../projections/accountability.js';
import { getExchange, listExchanges, openExchangesOf, tenancyOf } from '../../projections/procedure-queries.js';
import { requireActor, scopedToActor } from '../auth.js';
import type { CommandMeta } from '../command-handler.js';
import { type Platform, command, consistentWith } from '../platform.js';
import { projectFacts, readModelsAtHead } from '../procedure.js';
import * as s from '../schemas.js';
import { maySeeApplication } from './applications.js';

const MANAGERS = ['housing_dept', 'city_admin'] as const;

export function exchangeRoutes(platform: Platform): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['exchanges'];
    const idParams = z.object({ id: s.id });
    const ok = { 200: s.commandResult };
    const exec = (id: string, cmd: ExchangeCommand, meta: CommandMeta) => platform.commands.execute(exchangeDecider, exchangeStream(id), id, cmd, meta);

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
        const creditCode = actor.creditCode!;
        const wantedProjectId = req.body.wanted.projectId;
        // At most one open request per lease: the enterprise's lock orders its requests, and the read
        // models at the log's head show every request appended before (the pattern of the other
        // cross-stream rules); the wanted project's lock orders this against its withdrawal (routes/projects.ts).
        return platform.locks.run(`enterprise:${subjectKey(creditCode)}`, async () => {
          const decide = async () => {
            const wantedProject = wantedProjectId !== undefined ? await projectFacts(platform, wantedProjectId) : undefined; // 404 when unknown
            await readModelsAtHead(platform); // a lease recorded a moment ago counts, and so does an open request
            const tenancy = await tenancyOf(platform.reads, creditCode);
            const openExchanges = await openExchangesOf(platform.reads, creditCode);
            const id = randomUUID();
            const cmd: ExchangeCommand = { type: 'RequestExchange', exchangeId: id, tenancy, openExchanges, ...(wantedProject ? { wantedProject } : {}), ...req.body };
            return command(platform, req, reply, actor, (meta) => exec(id, cmd, { ...meta, newStream: true }), 201);
          };
          return wantedProjectId !== undefined ? platform.locks.run(`project:${wantedProjectId}`, decide) : decide();
        });
      },
    );

    app.post('/api/exchanges/:id/review', { schema: { tags, summary: 'approve or reject, with a reason', params: idParams, body: z.strictObject({ approved: z.boolean(), reason: s.text(2000) }), response: ok } }, async (req, reply) => {
      const actor = requireActor(req, ...MANAGERS);
      return command(platform, req, reply, actor, (meta) => exec(req.params.id, { type: 'ReviewExchange', ...req.body }, meta));
    });

    app.post('/api/exchanges/:id/result', { schema: { tags, summary: '换租结果公布: publish the result', params: idParams, response: ok } }, async (req, reply) => {
      const actor = requireActor(req, ...MANAGERS);
      return command(platform, req, reply, actor, (meta) => exec(req.params.id, { type: 'PublishExchangeResult' }, meta));
    });

    app.get(
      '/api/exchanges',
      {
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
        await consistentWith(platform, at);
        const scoped = scopedToActor(actor, filter as Parameters<typeof listExchanges>[1]);
        return listExchanges(platform.reads, scoped, { page, pageSize });
      },
    );

    app.get('/api/exchanges/:id', { schema: { tags, summary: 'one exchange request, scoped by role', params: idParams } }, async (req) => {
      const actor = requireActor(req);
      const doc = await getExchange(platform.reads, req.params.id);
      if (!doc || !maySeeApplication(actor, doc)) throw new NotFound(`no exchange ${req.params.id}`);
      return doc;
    });
  };
}
