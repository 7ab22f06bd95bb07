// The HTTP application: schemas through zod, OpenAPI at /docs, JWT auth, problem+json errors.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { type ZodTypeProvider, jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import client from 'prom-client';
import { LocalBus } from '../infra/bus.js';
import { registerAuth } from './auth.js';
import { registerReadCache } from './read-cache.js';
import { procedureTopics, projectTopics, registerLive, startLiveFeed } from './live.js';
import type { Services } from '../application/services.js';
import { frameworkErrors, problem, registerProblemHandlers, sendProblem } from './problem.js';
import { accountabilityRoutes } from './routes/accountability.js';
import { applicationRoutes } from './routes/applications.js';
import { auditRoutes } from './routes/audit.js';
import { exchangeRoutes } from './routes/exchanges.js';
import { noticeRoutes } from './routes/notices.js';
import { projectRoutes } from './routes/projects.js';
import { statisticsRoutes } from './routes/statistics.js';
import { systemRoutes } from './routes/system.js';

export interface AppOptions {
  jwtSecret: string;
  logger?: FastifyServerOptions['logger'];
  /** An investigation copy (READ_ONLY=1): every command is refused with 403 before it is parsed. */
  readOnly?: boolean;
}

export async function buildApp(services: Services, options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 1024 * 1024,
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    frameworkErrors,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerProblemHandlers(app);
  if (options.readOnly) {
    app.addHook('onRequest', async (req, reply) => {
      if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return;
      return sendProblem(reply, problem(403, 'this server shows a read-only investigation copy of the platform (READ_ONLY=1): no command is accepted', { code: 'READ_ONLY' }));
    });
  }

  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const duration = new client.Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  new client.Gauge({
    name: 'projection_position',
    help: 'global log position every read model has processed',
    registers: [registry],
    collect() {
      this.set(services.runner.position);
    },
  });
  app.addHook('onResponse', async (req, reply) => {
    duration.observe({ method: req.method, route: req.routeOptions.url ?? 'unknown', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: '产业用房供需服务平台 API',
        description: "Shenzhen's industrial property supply–demand services: listings, notices, applications, results, statistics and the audit trail.",
        version: '0.1.0',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await registerAuth(app, options.jwtSecret);
  registerReadCache(app, services.runner);
  const followed = await registerLive(app, services.bus);
  const local = services.bus instanceof LocalBus; // through NATS, other instances' sockets may follow any topic
  const stopFeed = startLiveFeed(services, services.bus, [...projectTopics(services), ...procedureTopics(services)], local ? followed : undefined);
  app.addHook('onClose', async () => stopFeed());

  await app.register(systemRoutes(services, registry));
  await app.register(projectRoutes(services));
  await app.register(statisticsRoutes(services));
  await app.register(noticeRoutes(services));
  await app.register(applicationRoutes(services));
  await app.register(exchangeRoutes(services));
  await app.register(accountabilityRoutes(services));
  await app.register(auditRoutes(services));
  return app;
}
