// The OpenAPI document (/docs/json) a portal team generates its client from. Every operation gets an
// operationId, its security requirement, its error answers (named problem+json schemas) and named
// request/response components, from the routes' own zod schemas: a new route is documented the same
// way without a hand-kept list. Only the document changes here; what a route answers does not.
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { createJsonSchemaTransform, createJsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { undescribedAnswer } from './answer-schemas.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The documented 200 answer of a read (a zod schema with an id). Documentation only: answers are not
     * re-parsed at runtime (a large page would pay for it, and an unforeseen field must not become a 500);
     * test/api/answers.test.ts checks real answers against the document instead.
     */
    answer?: z.ZodType;
  }
}

type Json = Record<string, unknown>;
type Security = { [scheme: string]: string[] }[];
/** Anyone; a token may be sent and widens what the answer shows. */
export const OPTIONAL_BEARER: Security = [{}, { bearer: [] }];
/** Anyone, no token needed. */
export const PUBLIC: Security = [];
/** The default of every operation that does not say otherwise. */
const BEARER: Security = [{ bearer: [] }];

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
// The problem schemas are named in schemas.ts (.meta({ id })): the transform object makes them components.
const problemAnswer = (description: string, schema: 'Problem' | 'ValidationProblem' | 'RuleViolationProblem') => ({
  description,
  content: { 'application/problem+json': { schema: ref(schema) } },
});

/** `POST /api/notices/:id/objections` → `postNoticesByIdObjections`. */
export function operationName(method: string, url: string): string {
  const words = url
    .replace(/^\/api\//, '/')
    .split('/')
    .filter(Boolean)
    .map((part) => (part.startsWith(':') ? `By${cap(part.slice(1))}` : part.split(/[^A-Za-z0-9]+/).map(cap).join('')));
  return method.toLowerCase() + words.join('');
}
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The error answers an operation can give (api.md, "Errors"). */
function errorAnswers(method: string, url: string, schema: Json, security: unknown[]): Json {
  const command = method !== 'GET' && method !== 'HEAD';
  const answers: Json = {};
  if (command || schema.querystring || schema.params || schema.body) answers['400'] = problemAnswer('malformed or invalid input: `errors` lists each field', 'ValidationProblem');
  answers['401'] = problemAnswer(security.length === 0 ? 'an invalid or expired token was sent' : 'no token, or an invalid or expired one', 'Problem');
  if (security.length > 0) answers['403'] = problemAnswer('the role or district may not do this', 'Problem');
  if (url.includes(':')) answers['404'] = problemAnswer('no such record (or not one the caller may see)', 'Problem');
  if (command) {
    answers['409'] = problemAnswer('If-Match is stale (code REVISION_CONFLICT), or a duplicate: the record the command would create exists already (`code` says which, e.g. APPLICATION_ALREADY_LIVE, PROJECT_EXISTS)', 'Problem');
    answers['413'] = problemAnswer('the body is too large', 'Problem');
    answers['415'] = problemAnswer('the body is not JSON', 'Problem');
    answers['422'] = problemAnswer('refused by a business rule: `code` says which (stable, SCREAMING_SNAKE)', 'RuleViolationProblem');
  }
  answers['429'] = problemAnswer('rate limited', 'Problem');
  answers['500'] = problemAnswer('an internal error (a fault of the platform, logged)', 'Problem');
  answers['503'] = problemAnswer('a backing service is down (the as-of thread of ?asOf= reads included), or the read models have not reached ?consistentWith= in time; Retry-After says when to ask again', 'Problem');
  return answers;
}

const commandHeaders = {
  type: 'object',
  properties: {
    'if-match': { type: 'string', pattern: '^(W/)?"?\\d+"?$', description: 'the stream revision the command expects (409 if stale)' },
    'idempotency-key': { type: 'string', minLength: 1, maxLength: 200, description: 'a retried command with the same key answers the first answer, without a second append' },
    'x-correlation-id': { type: 'string', description: 'recorded in the event metadata (defaults to the request id)' },
  },
};

/** An inline JSON schema becomes a named component; one already named (a $ref) stays as it is. */
function named(components: Map<string, Json>, name: string, schema: Json | undefined): Json | undefined {
  if (!schema || typeof schema.$ref === 'string') return schema;
  components.set(name, schema);
  return ref(name);
}

/** Every `$ref` target reachable from the operations, so components nobody uses are left out. */
function referenced(doc: Json, schemas: Record<string, Json>): Set<string> {
  const seen = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string' && x.startsWith('#/components/schemas/')) {
        const name = x.slice('#/components/schemas/'.length);
        if (!seen.has(name)) {
          seen.add(name);
          walk(schemas[name]);
        }
      } else walk(x);
    }
  };
  walk(doc.paths);
  return seen;
}

/** @fastify/swagger's options: the document's head, and the transforms that complete every operation. */
export function openApiOptions(): FastifyDynamicSwaggerOptions {
  const zodTransform = createJsonSchemaTransform({});
  const zodObject = createJsonSchemaTransformObject({});
  const hoisted = new Map<string, Json>();
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: '产业用房供需服务平台 API',
        description:
          "Shenzhen's industrial property supply–demand services: listings, notices, applications, results, statistics and the audit trail. " +
          'Errors are application/problem+json (RFC 9457); every read accepts ?consistentWith=<position> (read your own write); every resource carries `id`.',
        version: '0.1.0',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    transform(input) {
      const { schema, url } = zodTransform(input);
      const route = input.route;
      if (!schema || (schema as Json).hide) return { schema, url };
      const method = String(Array.isArray(route.method) ? route.method[0] : route.method);
      const op = operationName(method, url);
      const out: Json = { ...(schema as Json), operationId: op };
      const security = (out.security as unknown[] | undefined) ?? BEARER;
      out.security = security;
      out.body = named(hoisted, `${cap(op)}Input`, out.body as Json | undefined);
      if (method !== 'GET' && method !== 'HEAD' && !out.headers) out.headers = commandHeaders;
      const success: Json = {};
      for (const [status, answer] of Object.entries((out.response as Json | undefined) ?? {})) success[status] = named(hoisted, `${cap(op)}${status === '200' ? '' : status}Answer`, answer as Json);
      const documented = route.config?.answer;
      if (documented) {
        const id = z.globalRegistry.get(documented)?.id;
        if (!id) throw new Error(`${method} ${url}: config.answer needs a schema with an id (.meta({ id }))`);
        success['200'] = ref(id);
      }
      // A read without a described answer still gets a named one, so the document stays a client's source.
      if (Object.keys(success).length === 0) success['200'] = ref(z.globalRegistry.get(undescribedAnswer)!.id!);
      for (const [status, schema] of Object.entries(success)) success[status] = { description: status === '201' ? 'created' : status === '200' ? 'the answer' : `the answer (${status})`, content: { 'application/json': { schema } } };
      // What the route declares itself wins (e.g. /ready's 503 is its readiness report, not a problem).
      out.response = { ...errorAnswers(method, url, out, security), ...success };
      if (out.body === undefined) delete out.body;
      return { schema: out as typeof schema, url };
    },
    transformObject(input) {
      const doc = zodObject(input) as Json & { components: { schemas?: Record<string, Json> } };
      const all = { ...(doc.components.schemas ?? {}), ...Object.fromEntries(hoisted) };
      const used = referenced(doc, all);
      const schemas = Object.fromEntries(
        Object.entries(all)
          .filter(([name]) => used.has(name))
          .sort(([a], [b]) => a.localeCompare(b))
          // zod's `$id`/`$schema` on a registered schema would make resolvers look for another document.
          .map(([name, { $id: _id, $schema: _schema, ...schema }]) => [name, schema]),
      );
      // @fastify/swagger marks every body required; one that may be null (a withdrawal's) may be left out.
      for (const item of Object.values((doc.paths ?? {}) as Record<string, Record<string, Json>>)) {
        for (const op of Object.values(item)) {
          const body = op?.requestBody as Json | undefined;
          const schema = ((body?.content as Json | undefined)?.['application/json'] as Json | undefined)?.schema as Json | undefined;
          const name = String(schema?.$ref ?? '').split('/').pop();
          if (body && name && ((all[name]?.anyOf as Json[] | undefined) ?? []).some((s) => s.type === 'null')) body.required = false;
        }
      }
      return { ...doc, components: { ...doc.components, schemas } } as ReturnType<NonNullable<FastifyDynamicSwaggerOptions['transformObject']>>;
    },
  };
}
