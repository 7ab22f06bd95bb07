// GET /api/map/districts: per district, supply (available area), demand (open demanded area) and the gap
// (供需缺口), for a choropleth; now or ?asOf= any past date. (GET /api/map/projects is in projects.ts.)
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { parseAsOf } from '../../domain/time.js';
import { type Services, consistentWith } from '../../application/services.js';
import { supplyDemand } from '../../projections/demand-statistics.js';
import { HttpProblem } from '../problem.js';
import { PUBLIC } from '../openapi.js';
import * as s from '../schemas.js';

export function mapRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/map/districts',
      { config: { publicCache: true }, schema: { tags: ['statistics'], summary: 'per district: available area, open demanded area and the gap (供需缺口)', security: PUBLIC, querystring: s.asOfQuery } },
      async (req) => {
        await consistentWith(services, req.query.consistentWith);
        const now = services.commands.now();
        let asOf: string | undefined;
        if (req.query.asOf !== undefined) {
          const t = parseAsOf(req.query.asOf);
          if (!t) throw new HttpProblem(400, 'Bad Request', 'asOf must be a date (YYYY-MM-DD) or an ISO-8601 time', { errors: [{ path: 'querystring.asOf', message: 'invalid date' }] });
          asOf = t < now ? t : undefined;
        }
        const figures = await supplyDemand(services.reads, asOf);
        return { asOf: asOf ?? now, districts: figures.gap.map((g) => ({ id: g.district, ...g })) };
      },
    );
  };
}
