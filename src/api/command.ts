// A command over HTTP: the request's If-Match and Idempotency-Key, the actor, the answer's status and ETag.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CommandMeta, CommandResult } from '../application/command-handler.js';
import { requestHash } from '../application/idempotency.js';
import type { Services } from '../application/services.js';
import type { Actor } from '../domain/shared.js';
import { HttpProblem } from './problem.js';

/** A client's trace id (X-Request-Id, X-Correlation-Id) as recorded in the events' metadata: a plain id of up to 128 characters, or none. */
export function traceId(value: unknown): string | undefined {
  return typeof value === 'string' && /^[A-Za-z0-9._:/+=-]{1,128}$/.test(value) ? value : undefined;
}

function ifMatch(request: FastifyRequest): number | undefined {
  const raw = request.headers['if-match'];
  if (raw === undefined) return undefined;
  const value = String(raw).replace(/^W\//, '').replace(/^"|"$/g, '');
  if (!/^\d+$/.test(value)) {
    throw new HttpProblem(400, 'Bad Request', 'If-Match must be a stream revision (a whole number)', {
      errors: [{ path: 'headers.if-match', message: 'expected a whole number' }],
    });
  }
  return Number(value);
}

function idempotencyKey(request: FastifyRequest): string | undefined {
  const raw = request.headers['idempotency-key'];
  if (raw === undefined) return undefined;
  const key = String(raw);
  if (key.length < 1 || key.length > 200) {
    throw new HttpProblem(400, 'Bad Request', 'Idempotency-Key must be 1 to 200 characters', {
      errors: [{ path: 'headers.idempotency-key', message: 'expected 1 to 200 characters' }],
    });
  }
  return key;
}

/** Runs a command for the request's actor with If-Match and Idempotency-Key, answering `{ id, revision, position }`. */
export async function command(
  services: Services,
  request: FastifyRequest,
  reply: FastifyReply,
  actor: Actor,
  execute: (meta: CommandMeta) => Promise<CommandResult>,
  status = 200,
): Promise<CommandResult> {
  const base: CommandMeta = {
    actor,
    requestId: request.id,
    correlationId: traceId(request.headers['x-correlation-id']) ?? request.id,
    expectedRevision: ifMatch(request),
  };
  const key = idempotencyKey(request);
  const result = key
    ? await (() => {
        const hash = requestHash(request.method, request.url, request.body);
        return services.idempotency.run(actor.id, key, hash, () => execute({ ...base, idempotency: { idempotencyKey: key, requestHash: hash } }));
      })()
    : await execute(base);
  reply.code(status).header('etag', `"${result.revision}"`);
  return result;
}
