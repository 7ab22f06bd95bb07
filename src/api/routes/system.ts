// Liveness, readiness and Prometheus metrics.
import type { FastifyPluginAsync } from 'fastify';
import client from 'prom-client';
import type { Services } from '../../application/services.js';
import type { RunnerState } from '../../projections/runner.js';
import { healthAnswer, readinessAnswer } from '../answer-schemas.js';
import { PUBLIC } from '../openapi.js';

const STATES: RunnerState[] = ['starting', 'running', 'retrying', 'failed', 'following', 'stopped'];

/**
 * Per projection (label `projection`; `all` is the lowest, what reads wait for): position and lag
 * behind the log's head; the runner's state as one gauge per state, 1 for the current one; with stream
 * snapshots, their failed reads and writes.
 */
export function registerProjectionMetrics(registry: client.Registry, services: Services): void {
  const health = async () => services.runner.health(await services.events.headPosition().catch(() => services.runner.position));
  new client.Gauge({
    name: 'projection_position',
    help: 'log position a read model has processed',
    labelNames: ['projection'],
    registers: [registry],
    async collect() {
      const h = await health();
      this.set({ projection: 'all' }, h.position);
      for (const p of h.projections) this.set({ projection: p.name }, p.position);
    },
  });
  new client.Gauge({
    name: 'projection_lag',
    help: 'events between the log head and a read model',
    labelNames: ['projection'],
    registers: [registry],
    async collect() {
      const h = await health();
      this.set({ projection: 'all' }, h.lag);
      for (const p of h.projections) this.set({ projection: p.name }, p.lag);
    },
  });
  new client.Gauge({
    name: 'projection_state',
    help: 'state of the projection runner (1 for the current state)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const { state } = await health();
      for (const s of STATES) this.set({ state: s }, s === state ? 1 : 0);
    },
  });
  const snapshots = services.snapshots;
  if (snapshots) {
    new client.Gauge({
      name: 'stream_snapshot_failures',
      help: 'reads and writes of the stream snapshots that failed since start (each a miss: the load read the whole stream)',
      registers: [registry],
      collect() {
        this.set(snapshots.failures);
      },
    });
  }
}

export function systemRoutes(services: Services, registry: client.Registry): FastifyPluginAsync {
  return async (app) => {
    app.get('/health', { config: { answer: healthAnswer }, schema: { tags: ['system'], summary: 'liveness', security: PUBLIC } }, async () => ({ status: 'ok' }));
    app.get('/ready', { schema: { tags: ['system'], summary: 'readiness of the backing services and the read models', security: PUBLIC, response: { 200: readinessAnswer, 503: readinessAnswer } } }, async (_req, reply) => {
      const checks: Record<string, unknown> = {};
      let ready = true;
      try {
        const head = await services.events.headPosition();
        checks.eventStore = { ok: true, head };
        const { projections: _each, ...health } = services.runner.health(head);
        checks.projections = { ok: health.ready, ...health };
        if (!health.ready) ready = false;
      } catch (e) {
        checks.eventStore = { ok: false, error: (e as Error).message };
        ready = false;
      }
      // Informational: a follower is as ready as the leader (it serves every request).
      if (services.leadership) checks.instance = { ok: true, leader: services.leadership.isLeader };
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
