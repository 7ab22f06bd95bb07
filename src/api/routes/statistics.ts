// Public statistics, now or as of any past moment (api.md: GET /api/statistics).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { applicationStatisticsAsOf } from '../../projections/application-statistics.js';
import { procedureStatistics } from '../../projections/procedure-queries.js';
import { currentDemandStatistics, demandSection, demandStatisticsAsOf } from '../../projections/demand-statistics.js';
import { currentStatistics, statisticsAsOf } from '../../projections/statistics.js';
import { type Services, consistentWith } from '../../application/services.js';
import { PUBLIC } from '../openapi.js';
import { presentAnswer } from '../present.js';
import { momentOf } from '../moment.js';
import * as answers from '../answer-schemas.js';
import * as s from '../schemas.js';

const MEMO_SIZE = 500;
const JSON_TYPE = 'application/json; charset=utf-8';
/** Stands for the request's time in a remembered answer (the figures move with the runner, `asOf: now` with every request). */
const NOW_MARK = 'now-7d1e3b0c-asOf';

export function statisticsRoutes(services: Services): FastifyPluginAsyncZod {
  // Answers depend only on the read models: remembered as text per moment asked for, until the runner
  // moves (presenting and serialising the same figures at every request cost more than the rest).
  const memo = new Map<string, { position: number; value: string }>();
  const remembered = async (key: string, compute: () => Promise<Record<string, unknown>>) => {
    const position = services.runner.position;
    const hit = memo.get(key);
    if (hit && hit.position === position) return hit.value;
    const value = JSON.stringify(presentAnswer(await compute()));
    memo.delete(key);
    memo.set(key, { position, value });
    if (memo.size > MEMO_SIZE) memo.delete(memo.keys().next().value!);
    return value;
  };
  // The answer as of now, as UTF-8 bytes around each place its time goes: a request writes only the time.
  // (Sent as text, the 7.7 KB answer with its Chinese names was encoded again at every request.)
  let nowAnswer: { position: number; parts: Buffer[] } | null = null;
  const answerNow = async (now: string) => {
    const position = services.runner.position;
    if (nowAnswer?.position !== position) {
      const [projects, procedure, demand] = await Promise.all([currentStatistics(services.reads, NOW_MARK), procedureStatistics(services.reads), currentDemandStatistics(services.reads)]);
      const text = JSON.stringify(presentAnswer({ ...projects, ...procedure, demand: demandSection(projects.byDistrict, demand), asOf: NOW_MARK }));
      nowAnswer = { position, parts: text.split(JSON.stringify(NOW_MARK)).map((part) => Buffer.from(part)) };
    }
    const time = Buffer.from(JSON.stringify(now));
    const { parts } = nowAnswer;
    const pieces: Buffer[] = [parts[0]!];
    for (let i = 1; i < parts.length; i++) pieces.push(time, parts[i]!);
    return Buffer.concat(pieces);
  };
  return async (app) => {
    app.get(
      '/api/statistics',
      { config: { answer: answers.statisticsAnswer }, schema: { tags: ['statistics'], summary: 'published projects and area, overall and by district, supply mode and use type', security: PUBLIC, querystring: s.momentOnlyQuery } },
      async (req, reply) => {
        await consistentWith(services, req.query.consistentWith);
        const now = services.commands.now();
        const moment = momentOf(req.query.asOf, req.query.asRecordedAt);
        if (!moment) {
          // The allocated area is kept for now only; projects, applications by status and demands also as of any date.
          return reply.type(JSON_TYPE).send(await answerNow(now));
        }
        const at = async (t: string) => {
          // The project figures once: the demand section's gap is computed from them (each took ~2 ms at 1M events).
          const [projects, applications, demand] = await Promise.all([
            statisticsAsOf(services.reads, t, moment.field),
            applicationStatisticsAsOf(services.reads, t, moment.field),
            demandStatisticsAsOf(services.reads, t, moment.field),
          ]);
          // As recorded by then: `asOf` names the same moment, `asRecordedAt` says the figures go by it.
          return { ...projects, ...(moment.field === 'recordedAt' ? { asRecordedAt: t } : {}), applications, demand: demandSection(projects.byDistrict, demand) };
        };
        if (moment.at >= now) return at(now); // the future is now; not worth remembering
        return reply.type(JSON_TYPE).send(await remembered(`${moment.field} ${moment.at}`, () => at(moment.at)));
      },
    );
  };
}
