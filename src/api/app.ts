// The HTTP application: schemas through zod, OpenAPI at /docs, JWT auth, problem+json errors.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { type ZodTypeProvider, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import client from 'prom-client';
import { LocalBus } from '../infra/bus.js';
import { type AuthOptions, registerAuth } from './auth.js';
import { startDemandPushes } from './demand-live.js';
import { type ProtectionOptions, registerProtection } from './protection.js';
import { registerReadCache } from './read-cache.js';
import { registerLive, startLiveFeed } from './live.js';
import { liveTopics } from './live-topics.js';
import type { Services } from '../application/services.js';
import { openApiOptions } from './openapi.js';
import { presentAnswer } from './present.js';
import { frameworkErrors, problem, registerProblemHandlers, sendProblem } from './problem.js';
import { traceId } from './command.js';
import { accountabilityRoutes } from './routes/accountability.js';
import { applicationRoutes } from './routes/applications.js';
import { auditRoutes } from './routes/audit.js';
import { demandRoutes } from './routes/demands.js';
import { mapRoutes } from './routes/map.js';
import { exchangeRoutes } from './routes/exchanges.js';
import { tenancyRoutes } from './routes/tenancies.js';
import { deadlineRoutes } from './routes/deadlines.js';
import { noticeRoutes } from './routes/notices.js';
import { projectRoutes } from './routes/projects.js';
import { statisticsRoutes } from './routes/statistics.js';
import { registerProjectionMetrics, systemRoutes } from './routes/system.js';

export interface AppOptions extends ProtectionOptions {
  /** HS256 secret: shorthand for `auth: { secret }` (tests, scripts). */
  jwtSecret?: string;
  auth?: AuthOptions;
  logger?: FastifyServerOptions['logger'];
  /** Whose X-Forwarded-For to believe for the client address (Fastify's `trustProxy`). */
  trustProxy?: FastifyServerOptions['trustProxy'];
  /** An investigation copy (READ_ONLY=1): every command is refused with 403 before it is parsed. */
  readOnly?: boolean;
}

/**
 * The process's own metrics (CPU, memory, event loop, collections), in one registry per process. prom-client
 * observes collections through a PerformanceObserver it never disconnects: made per app, it kept every
 * closed app alive (its services, read store and documents: ~400 MB at a million events), and each
 * app's observer ran at every collection.
 */
let processRegistry: client.Registry | null = null;
function processMetrics(): client.Registry {
  if (processRegistry === null) {
    processRegistry = new client.Registry();
    client.collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** A URL whose query's `token` (however its name is percent-encoded, as the query parser decodes it) is replaced. */
function withoutToken(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  if (!params.has('token')) return url;
  params.set('token', 'redacted');
  return `${url.slice(0, q)}?${params.toString()}`;
}

/** The request as logged: the query's `token` (a live socket's bearer token, api.md) never reaches a log. */
function withSafeRequests(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (!logger) return logger;
  const req = (r: { method?: string; url?: string; host?: string; ip?: string; socket?: { remotePort?: number } }) => ({
    method: r.method,
    url: r.url === undefined ? undefined : withoutToken(r.url),
    host: r.host,
    remoteAddress: r.ip,
    remotePort: r.socket?.remotePort,
  });
  return { ...(typeof logger === 'object' ? logger : {}), serializers: { ...(typeof logger === 'object' ? logger.serializers : {}), req } } as FastifyServerOptions['logger'];
}

export async function buildApp(services: Services, options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: withSafeRequests(options.logger ?? false),
    bodyLimit: 1024 * 1024,
    // A client's X-Request-Id is kept (tracing across systems) when it is a plain short id; else a new one.
    requestIdHeader: false,
    genReqId: (req) => traceId(req.headers['x-request-id']) ?? crypto.randomUUID(),
    frameworkErrors,
    ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerProblemHandlers(app);
  // Every answer of the API as the portal sees it (present.ts): `id` on records, no store-internal field.
  // Strings (the read cache's stored answers, exports) are already presented and pass untouched.
  app.addHook('preSerialization', async (request, reply, payload) => (reply.statusCode < 400 && request.url.startsWith('/api/') ? presentAnswer(payload) : payload));
  if (options.readOnly) {
    app.addHook('onRequest', async (req, reply) => {
      if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return;
      return sendProblem(reply, problem(403, 'this server shows a read-only investigation copy of the platform (READ_ONLY=1): no command is accepted', { code: 'READ_ONLY' }));
    });
  }

  const appMetrics = new client.Registry();
  const duration = new client.Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [appMetrics],
  });
  registerProjectionMetrics(appMetrics, services);
  const registry = client.Registry.merge([processMetrics(), appMetrics]);
  app.addHook('onResponse', async (req, reply) => {
    duration.observe({ method: req.method, route: req.routeOptions.url ?? 'unknown', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  await registerProtection(app, options);
  await app.register(swagger, openApiOptions());
  // staticCSP: the docs page's own Content-Security-Policy (its scripts' hashes) instead of helmet's,
  // without upgrade-insecure-requests, which would break the page where it is served over plain HTTP.
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, transformStaticCSP: (csp) => csp.replace(/\s*upgrade-insecure-requests;?/, '') });
  await registerAuth(app, { ...(options.jwtSecret ? { secret: options.jwtSecret } : {}), ...options.auth });
  registerReadCache(app, services.runner);
  const topics = liveTopics(services);
  // A staff socket sent an application is a staff read of it (declared facts, documents): recorded as one.
  const followed = await registerLive(app, services.bus, topics, {
    delivering: (actor, topic, requestId) => {
      if (topic.startsWith('application:')) services.access.record({ actor, what: 'application', records: [topic.slice('application:'.length)], requestId });
    },
  });
  const local = services.bus instanceof LocalBus; // through NATS, other instances' sockets may follow any topic
  const stopFeed = startLiveFeed(services, services.bus, topics, local ? followed : undefined);
  app.addHook('onClose', async () => stopFeed());
  const stopDemandPushes = startDemandPushes(services, services.bus, local ? followed : undefined);
  app.addHook('onClose', async () => stopDemandPushes());

  await app.register(systemRoutes(services, registry));
  await app.register(projectRoutes(services));
  await app.register(statisticsRoutes(services));
  await app.register(noticeRoutes(services));
  await app.register(applicationRoutes(services));
  await app.register(exchangeRoutes(services));
  await app.register(tenancyRoutes(services));
  await app.register(deadlineRoutes(services));
  await app.register(accountabilityRoutes(services));
  await app.register(auditRoutes(services));
  await app.register(demandRoutes(services));
  await app.register(mapRoutes(services));
  return app;
}
