// RFC 9457 problem+json for every error, mapped from the error's kind (api.md, "Errors").
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { NotCaughtUp } from '../application/errors.js';
import { Duplicate, Forbidden, NotFound, RuleViolation } from '../domain/shared.js';
import { AppendTooLarge, Unavailable, WrongExpectedRevision } from '../infra/event-store.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code?: string;
  errors?: { path: string; message: string }[];
  [extra: string]: unknown;
}

/** An HTTP-level refusal raised by the API layer itself (auth, consistency waits, idempotency). */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function problem(status: number, detail: string, extra: Record<string, unknown> = {}): Problem {
  const code = typeof extra.code === 'string' ? extra.code : undefined;
  const title = (extra.title as string | undefined) ?? TITLES[status] ?? 'Error';
  return {
    type: code ? `urn:industrial-space:problem:${code.toLowerCase().replaceAll('_', '-')}` : 'about:blank',
    ...extra,
    title,
    status,
    detail,
  };
}

export function sendProblem(reply: FastifyReply, p: Problem, headers: Record<string, string> = {}) {
  return reply.code(p.status).headers(headers).type('application/problem+json').send(p);
}

function toProblem(error: unknown): { p: Problem; headers?: Record<string, string> } {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = (error as { validationContext?: string }).validationContext ?? 'body';
    const errors = error.validation.map((v) => ({
      path: [where, ...v.instancePath.split('/').filter(Boolean)].join('.'),
      message: v.message ?? 'invalid',
    }));
    return { p: problem(400, `invalid ${where}: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, { errors }) };
  }
  if (error instanceof HttpProblem) return { p: problem(error.status, error.message, { title: error.title, ...error.extra }), headers: error.headers };
  if (error instanceof Duplicate) return { p: problem(409, error.message, { code: error.code }) };
  if (error instanceof RuleViolation) return { p: problem(422, error.message, { ...error.details, code: error.code, title: 'Refused by a business rule' }) };
  if (error instanceof Forbidden) return { p: problem(403, error.message) };
  if (error instanceof NotFound) return { p: problem(404, error.message) };
  if (error instanceof WrongExpectedRevision) {
    return { p: problem(409, `the record changed: you sent revision ${String(error.expected)}, it is now at ${error.actual}`, { code: 'REVISION_CONFLICT', currentRevision: error.actual }) };
  }
  if (error instanceof AppendTooLarge) {
    return { p: problem(413, `${error.message}; nothing was recorded`, { code: 'APPEND_TOO_LARGE', limit: error.limit, size: error.bytes }) };
  }
  if (error instanceof NotCaughtUp) return { p: problem(503, error.message), headers: { 'retry-after': '1' } };
  if (error instanceof Unavailable) return { p: problem(503, error.message), headers: { 'retry-after': String(error.retryAfterSeconds ?? 1) } };
  const fe = error as FastifyError;
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    // Fastify's own client errors: malformed JSON, wrong content type, body too large…
    const p = problem(fe.statusCode, fe.message, { code: fe.code });
    if (fe.statusCode === 400) p.errors = [{ path: 'body', message: fe.message }];
    return { p };
  }
  return { p: problem(500, 'an internal error occurred; it has been logged') };
}

/** Fastify's router refusals (a badly encoded URL, an over-long path parameter) bypass setErrorHandler. */
export function frameworkErrors(error: FastifyError, _request: unknown, reply: FastifyReply) {
  const { p, headers } = toProblem(error);
  return sendProblem(reply, p, headers);
}

export function registerProblemHandlers(app: FastifyInstance) {
  app.setErrorHandler((error, request, reply) => {
    const { p, headers } = toProblem(error);
    if (p.status >= 500 && p.status !== 503) request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, p, headers);
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, problem(404, `no route ${request.method} ${request.url.split('?')[0]}`)));
}
