// Public statistics, now or as of any past moment (api.md: GET /api/statistics).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { parseAsOf } from '../../domain/time.js';
import { procedureStatistics } from '../../projections/procedure-queries.js';
import { currentStatistics, statisticsAsOf } from '../../projections/statistics.js';
import { type Platform, consistentWith } from '../platform.js';
import { HttpProblem } from '../problem.js';
import * as s from '../schemas.js';

export function statisticsRoutes(platform: Platform): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/statistics',
      { schema: { tags: ['statistics'], summary: 'published projects and area, overall and by district, supply mode and use type', querystring: s.asOfQuery } },
      async (req) => {
        await consistentWith(platform, req.query.consistentWith);
        const now = platform.commands.now();
        if (req.query.asOf === undefined) {
          // Applications by status and the allocated area are kept for now only; projects also as of any date.
          const [projects, procedure] = await Promise.all([currentStatistics(platform.reads, now), procedureStatistics(platform.reads)]);
          return { ...projects, ...procedure };
        }
        const asOf = parseAsOf(req.query.asOf);
        if (!asOf) {
          throw new HttpProblem(400, 'Bad Request', 'asOf must be a date (YYYY-MM-DD, end of that day in China Standard Time) or an ISO-8601 time', {
            errors: [{ path: 'querystring.asOf', message: 'invalid date' }],
          });
        }
        return statisticsAsOf(platform.reads, asOf < now ? asOf : now);
      },
    );
  };
}
