// Liveness, readiness and Prometheus metrics.
import type { FastifyPluginAsync } from 'fastify';
import type client from 'prom-client';
import type { Services } from '../../application/services.js';
import { healthAnswer, readinessAnswer } from '../answer-schemas.js';
import { PUBLIC } from '../openapi.js';

export function systemRoutes(services: Services, registry: client.Registry): FastifyPluginAsync {
  return async (app) => {
    app.get('/health', { config: { answer: healthAnswer }, schema: { tags: ['system'], summary: 'liveness', security: PUBLIC } }, async () => ({ status: 'ok' }));
    app.get('/ready', { schema: { tags: ['system'], summary: 'readiness of the backing services and the read models', security: PUBLIC, response: { 200: readinessAnswer, 503: readinessAnswer } } }, async (_req, reply) => {
      const checks: Record<string, unknown> = {};
      let ready = true;
      try {
        const head = await services.events.headPosition();
        checks.eventStore = { ok: true, head };
        checks.projections = { ok: !services.runner.error, position: services.runner.position, lag: head - services.runner.position };
        if (services.runner.error) ready = false;
      } catch (e) {
        checks.eventStore = { ok: false, error: (e as Error).message };
        ready = false;
      }
      try {
        await services.reads.getCheckpoint('__ready__');
        checks.readStore = { ok: true };
      } catch (e) {
        checks.readStore = { ok: false, error: (e as Error).message };
        ready = false;
      }
      reply.code(ready ? 200 : 503);
      return { status: ready ? 'ready' : 'unavailable', checks };
    });
    app.get('/metrics', { schema: { tags: ['system'], summary: 'Prometheus metrics', hide: true } }, async (_req, reply) => {
      reply.type(registry.contentType);
      return registry.metrics();
    });
  };
}
