// Bearer JWT → the actor. The actor of every event comes from here, never from a request body.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type Actor, DISTRICT_CODES, ROLES, type Role } from '../domain/shared.js';
import { HttpProblem } from './problem.js';
import { type AuthOptions, KeysUnavailable, TokenVerifier } from './token-verifier.js';

export { type AuthOptions, TokenVerifier } from './token-verifier.js';

/** 统一社会信用代码: 18 characters from the GB 32100-2015 alphabet (no I, O, S, V, Z). */
export const CREDIT_CODE = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

const claims = z
  .object({
    sub: z.string().min(1).max(200),
    role: z.enum(ROLES),
    district: z.enum(['city', ...DISTRICT_CODES]).optional(),
    creditCode: z.string().regex(CREDIT_CODE).optional(),
    name: z.string().max(200).optional(),
  })
  .refine((c) => c.role !== 'housing_dept' || c.district !== undefined, 'a housing_dept token needs a district')
  .refine((c) => c.role !== 'enterprise' || c.creditCode !== undefined, 'an enterprise token needs a creditCode');

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
  interface FastifyInstance {
    /** The actor a bearer token stands for; an HttpProblem (401, or 503 without the key set) if none. */
    actorFromToken(token: string): Promise<Actor>;
  }
}

export function actorFromClaims(payload: unknown): Actor {
  const parsed = claims.safeParse(payload);
  if (!parsed.success) throw new HttpProblem(401, 'Unauthorized', `token claims invalid: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  const c = parsed.data;
  return {
    id: c.sub,
    role: c.role,
    ...(c.role === 'housing_dept' && c.district ? { district: c.district as Actor['district'] } : {}),
    ...(c.role === 'enterprise' && c.creditCode ? { creditCode: c.creditCode } : {}),
    ...(c.name ? { name: c.name } : {}),
  };
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export const bearerToken = (header: string | undefined): string | undefined => (header ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined);

export async function registerAuth(app: FastifyInstance, options: AuthOptions) {
  const verifier = new TokenVerifier(options, actorFromClaims);
  app.decorate('actorFromToken', async (token: string) => {
    try {
      return await verifier.verify(token);
    } catch (e) {
      if (e instanceof HttpProblem) throw e;
      if (e instanceof KeysUnavailable) throw new HttpProblem(503, 'Service Unavailable', e.message, {}, { 'retry-after': '5' });
      throw new HttpProblem(401, 'Unauthorized', (e as Error).message, {}, { 'www-authenticate': 'Bearer error="invalid_token"' });
    }
  });
  app.decorateRequest('actor', null);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    if (!header) return;
    const token = bearerToken(header);
    if (!token) throw new HttpProblem(401, 'Unauthorized', 'Authorization must be "Bearer <token>"');
    request.actor = await app.actorFromToken(token);
  });
  // Every command needs a token: say so (401) before parsing or judging the body (400).
  app.addHook('preParsing', async (request, _reply, payload) => {
    if (request.method !== 'GET' && request.method !== 'HEAD' && request.url.startsWith('/api/') && !request.actor) {
      throw new HttpProblem(401, 'Unauthorized', 'this needs a bearer token', {}, { 'www-authenticate': 'Bearer' });
    }
    return payload;
  });
}

/** The authenticated actor, or a 401; with roles, a 403 for any other role. */
export function requireActor(request: FastifyRequest, ...roles: Role[]): Actor {
  const actor = request.actor;
  if (!actor) throw new HttpProblem(401, 'Unauthorized', 'this needs a bearer token', {}, { 'www-authenticate': 'Bearer' });
  if (roles.length > 0 && !roles.includes(actor.role)) {
    throw new HttpProblem(403, 'Forbidden', `role ${actor.role} may not do this (allowed: ${roles.join(', ')})`);
  }
  return actor;
}
