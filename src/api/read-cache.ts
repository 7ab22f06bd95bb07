// Anonymous reads of read models, answered again from the text of the first answer while the read
// models have not moved: nothing they show can have changed until the runner commits another batch.
// Opt-in per route (`config: { publicCache: true }`); never for a request with a token, whose answer
// may depend on who asks. Kept as UTF-8 bytes: a hit is then written as it is, not encoded again.
import type { FastifyInstance } from 'fastify';
import type { ProjectionRunner } from '../projections/runner.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    publicCache?: boolean;
  }
  interface FastifyRequest {
    cacheAt?: number;
  }
}

const MAX_ENTRIES = 1000;

export function registerReadCache(app: FastifyInstance, runner: ProjectionRunner) {
  const entries = new Map<string, { position: number; body: Buffer }>();
  app.addHook('preHandler', async (request, reply) => {
    if (!request.routeOptions.config.publicCache || request.method !== 'GET' || request.headers.authorization) return;
    const position = runner.position;
    const hit = entries.get(request.url);
    if (hit && hit.position === position) {
      return reply.header('content-type', 'application/json; charset=utf-8').header('x-read-cache', 'hit').send(hit.body);
    }
    request.cacheAt = position;
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.cacheAt === undefined || reply.statusCode !== 200 || typeof payload !== 'string') return payload;
    entries.delete(request.url);
    entries.set(request.url, { position: request.cacheAt, body: Buffer.from(payload, 'utf8') });
    if (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
    return payload;
  });
}
