// What the routes need, wired once by the composition root (src/main.ts) or a test.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../domain/shared.js';
import type { WorkingCalendar } from '../domain/calendar.js';
import type { Bus } from '../infra/bus.js';
import type { EventStore } from '../infra/event-store.js';
import type { ReadStore } from '../infra/read-store.js';
import type { ProjectionRunner } from '../projections/runner.js';
import type { CommandHandler, CommandMeta, CommandResult } from './command-handler.js';
import { type Idempotency, requestHash } from './idempotency.js';
import type { KeyedLock } from './keyed-lock.js';
import { HttpProblem } from './problem.js';

export interface Platform {
  events: EventStore;
  reads: ReadStore;
  runner: ProjectionRunner;
  commands: CommandHandler;
  bus: Bus;
  idempotency: Idempotency;
  consistencyTimeoutMs: number;
  publicityWorkingDays: number;
  calendar: WorkingCalendar;
  locks: KeyedLock;
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
  platform: Platform,
  request: FastifyRequest,
  reply: FastifyReply,
  actor: Actor,
  execute: (meta: CommandMeta) => Promise<CommandResult>,
  status = 200,
): Promise<CommandResult> {
  const base: CommandMeta = {
    actor,
    requestId: request.id,
    correlationId: (request.headers['x-correlation-id'] as string | undefined) ?? request.id,
    expectedRevision: ifMatch(request),
  };
  const key = idempotencyKey(request);
  const result = key
    ? await (() => {
        const hash = requestHash(request.method, request.url, request.body);
        return platform.idempotency.run(actor.id, key, hash, () => execute({ ...base, idempotency: { idempotencyKey: key, requestHash: hash } }));
      })()
    : await execute(base);
  reply.code(status).header('etag', `"${result.revision}"`);
  return result;
}

/** `?consistentWith=<position>`: wait (bounded) until every read model has processed it. */
export async function consistentWith(platform: Platform, position: number | undefined): Promise<void> {
  if (position === undefined) return;
  if (await platform.runner.waitFor(position, platform.consistencyTimeoutMs)) return;
  throw new HttpProblem(503, 'Service Unavailable', `read models have not reached position ${position} yet (at ${platform.runner.position})`, {}, { 'retry-after': '1' });
}

