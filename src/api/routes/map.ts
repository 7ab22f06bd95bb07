// GET /api/map/districts: per district, supply (available area), demand (open demanded area) and the gap
// (供需缺口), for a choropleth; now or ?asOf= any past date. (GET /api/map/projects is in projects.ts.)
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { type Services, consistentWith } from '../../application/services.js';
import { supplyDemand } from '../../projections/demand-statistics.js';
import { momentOf } from '../moment.js';
import { PUBLIC } from '../openapi.js';
import * as s from '../schemas.js';

export function mapRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/map/districts',
      { config: { publicCache: true }, schema: { tags: ['statistics'], summary: 'per district: available area, open demanded area and the gap (供需缺口)', security: PUBLIC, querystring: s.momentOnlyQuery } },
      async (req) => {
        await consistentWith(services, req.query.consistentWith);
        const now = services.commands.now();
        const moment = momentOf(req.query.asOf, req.query.asRecordedAt);
        const asOf = moment && moment.at < now ? moment.at : undefined;
        const figures = await supplyDemand(services.reads, asOf, moment?.field);
        return { asOf: asOf ?? now, ...(asOf && moment?.field === 'recordedAt' ? { asRecordedAt: asOf } : {}), districts: figures.gap.map((g) => ({ id: g.district, ...g })) };
      },
    );
  };
}
