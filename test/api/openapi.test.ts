// The OpenAPI document is one a portal team can generate a client from: it validates as OpenAPI, every
// operation names its security, its error answers (problem+json components) and its request/response
// components, and a client generated from it with openapi-typescript compiles (and a wrong one does not).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { createServices } from '../../src/application/services.js';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import { SqliteEventStore } from '../../src/infra/sqlite-event-store.js';
import { SECRET, type TestServer, startServer } from './harness.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

let srv: TestServer;
let doc: Json;
beforeAll(async () => {
  srv = await startServer();
  const res = await srv.request('GET', '/docs/json');
  expect(res.status).toBe(200);
  doc = res.body;
});
afterAll(async () => {
  await srv?.close();
});

const operations = () =>
  Object.entries(doc.paths as Record<string, Json>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, method, path, op: op as Json })),
  );
const schemaOf = (answer: Json, type: string) => answer.content?.[type]?.schema as Json | undefined;

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toMatch(/^3\.1\./);
  });

  it('documents every route, each with a unique operationId', () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThanOrEqual(41);
    const ids = ops.map((o) => o.op.operationId);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives every operation its security: bearer for commands and scoped reads, none for public reads', () => {
    const bearer = (op: Json) => op.security.some((r: Json) => Array.isArray(r.bearer));
    for (const { name, method, op } of operations()) {
      expect(Array.isArray(op.security), `${name} has no security`).toBe(true);
      if (method !== 'get') expect(op.security, name).toEqual([{ bearer: [] }]);
    }
    const byName = Object.fromEntries(operations().map((o) => [o.name, o.op]));
    for (const open of ['GET /api/notices', 'GET /api/notices/{id}', 'GET /api/statistics', 'GET /health']) expect(byName[open]!.security, open).toEqual([]);
    for (const scoped of ['GET /api/applications', 'GET /api/applications/{id}', 'GET /api/exchanges/{id}', 'GET /api/audit', 'GET /api/streams/{stream}/events']) expect(bearer(byName[scoped]!), scoped).toBe(true);
    // A token is optional where it widens the answer (officers see unpublished projects).
    expect(byName['GET /api/projects/{id}']!.security).toEqual([{}, { bearer: [] }]);
  });

  it('lists every operation’s error answers as named problem+json schemas', () => {
    const schemas = doc.components.schemas as Json;
    for (const name of ['Problem', 'ValidationProblem', 'RuleViolationProblem']) expect(schemas[name], name).toBeDefined();
    expect(schemas.ValidationProblem.required).toEqual(expect.arrayContaining(['type', 'title', 'status', 'detail', 'errors']));
    expect(schemas.RuleViolationProblem.required).toContain('code');
    for (const { name, method, path, op } of operations()) {
      const codes = Object.keys(op.responses);
      const expected = ['401', '429', '500', '503'];
      if (method !== 'get') expected.push('400', '409', '422');
      if (path.includes('{')) expected.push('404');
      if (op.security.length > 0) expected.push('403');
      expect(codes, name).toEqual(expect.arrayContaining(expected));
      for (const code of codes.filter((c) => Number(c) >= 400)) {
        const problem = schemaOf(op.responses[code], 'application/problem+json');
        // Where a route answers an error status with its own report (GET /ready's 503), it names that instead.
        const own = schemaOf(op.responses[code], 'application/json');
        if (own) expect(own.$ref, `${name} ${code}`).toMatch(/^#\/components\/schemas\/\w+$/);
        else expect(problem?.$ref, `${name} ${code}`).toMatch(/^#\/components\/schemas\/(Problem|ValidationProblem|RuleViolationProblem)$/);
      }
      if (op.responses['422']) expect(schemaOf(op.responses['422'], 'application/problem+json')!.$ref).toBe('#/components/schemas/RuleViolationProblem');
      if (op.responses['400']) expect(schemaOf(op.responses['400'], 'application/problem+json')!.$ref).toBe('#/components/schemas/ValidationProblem');
    }
  });

  it('names every request body and every success answer as a component, and every reference resolves', () => {
    const schemas = doc.components.schemas as Json;
    for (const { name, op } of operations()) {
      const body = op.requestBody && schemaOf(op.requestBody, 'application/json');
      if (op.requestBody) expect(body?.$ref, `${name} body`).toMatch(/^#\/components\/schemas\/\w+$/);
      const success = Object.keys(op.responses).filter((c) => c.startsWith('2'));
      expect(success.length, name).toBeGreaterThan(0);
      for (const code of success) expect(schemaOf(op.responses[code], 'application/json')?.$ref, `${name} ${code}`).toMatch(/^#\/components\/schemas\/\w+$/);
    }
    const refs = JSON.stringify(doc).match(/"#\/components\/schemas\/[^"]+"/g) ?? [];
    for (const r of new Set(refs)) expect(schemas[JSON.parse(r).slice('#/components/schemas/'.length)], r).toBeDefined();
    expect(schemas.CommandResult.required).toEqual(expect.arrayContaining(['id', 'revision', 'position']));
  });

  it('marks a request body required unless the route takes none (a withdrawal, a publicity with its default end)', () => {
    const schemas = doc.components.schemas as Json;
    const optional = new Set<string>();
    for (const { name, op } of operations()) {
      if (!op.requestBody) continue;
      const body = schemas[String(schemaOf(op.requestBody, 'application/json')!.$ref).slice('#/components/schemas/'.length)] as Json;
      const takesNone = (body.anyOf as Json[] | undefined)?.some((s) => s.type === 'null') ?? false;
      expect(op.requestBody.required, name).toBe(!takesNone);
      if (takesNone) optional.add(name);
    }
    expect(optional).toContain('POST /api/demands/{id}/withdraw');
    expect(optional).toContain('POST /api/applications/{id}/withdraw');
    expect(optional.size).toBeLessThan(operations().filter((o) => o.op.requestBody).length);
  });

  it('gives a read that does not describe its answer a named one all the same (Answer), with its error answers', async () => {
    const events = SqliteEventStore.open(':memory:');
    const reads = EmbeddedReadStore.open(null);
    const app = await buildApp(createServices(events, reads), { jwtSecret: SECRET });
    app.get('/api/undescribed/:id', { schema: { summary: 'a read added without config.answer' } }, async () => ({ ok: true }));
    await app.ready();
    const generated = app.swagger() as Json;
    const op = generated.paths['/api/undescribed/{id}'].get;
    expect(generated.components.schemas.Answer).toMatchObject({ type: 'object' });
    await app.close();
    await events.close();
    await reads.close();
    expect(op.operationId).toBe('getUndescribedById');
    expect(op.security).toEqual([{ bearer: [] }]);
    expect(schemaOf(op.responses['200'], 'application/json')).toEqual({ $ref: '#/components/schemas/Answer' });
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403', '404', '429', '500', '503']));
  });

  describe('a client generated with openapi-typescript', () => {
    let dir: string;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'isp-client-'));
      writeFileSync(join(dir, 'api.d.ts'), astToString(await openapiTS(doc as never)));
    }, 60_000);
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    /** Type-checks one client file against the generated types; answers the compiler's messages. */
    function compile(client: string): string[] {
      const file = join(dir, `client-${Math.random().toString(36).slice(2)}.ts`);
      writeFileSync(file, client);
      const program = ts.createProgram([file], { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, types: [], lib: ['lib.es2022.d.ts'] });
      return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    }

    const client = `
      import type { components, paths } from './api.js';
      type Json<R> = R extends { content: { 'application/json': infer B } } ? B : never;
      export type Review = components['schemas']['PostApplicationsByIdReviewInput'];
      export type Refused = paths['/api/applications/{id}/review']['post']['responses'][422]['content']['application/problem+json'];
      export type Invalid = paths['/api/notices']['post']['responses'][400]['content']['application/problem+json'];
      export type Answer = Json<paths['/api/notices']['post']['responses'][201]>;
      export type Notice = Json<paths['/api/notices/{id}']['get']['responses'][200]>;
      export type Feed = Json<paths['/api/notices']['get']['responses'][200]>;
      export type ProjectPage = Json<paths['/api/projects']['get']['responses'][200]>;
      export const review: Review = { qualified: false, reasons: ['研发投入占比不足'] };
      export const codeOf = (p: Refused): string => p.code;
      export const fieldsOf = (p: Invalid): string[] => p.errors.map((e) => e.path + ': ' + e.message);
      export const positionOf = (a: Answer): number => a.position;
      export const noticeName = (n: Notice): string => n.id + ' ' + (n.projectName ?? '');
      export const feedIds = (f: Feed): string[] => f.items.map((i) => i.id + i.kind);
      export const projectIds = (p: ProjectPage): string[] => p.items.map((i) => i.id + i.name);
    `;

    it('compiles a client that reads commands, problems and answers', () => {
      expect(compile(client)).toEqual([]);
    });

    it('and refuses one that gets them wrong (the check can fail)', () => {
      const wrong = `${client}\nexport const bad: Review = { qualified: 'yes', reasons: [1] };\nexport const noCode = (p: Invalid): number => p.code;`;
      const errors = compile(wrong);
      expect(errors.length).toBeGreaterThanOrEqual(2);
      expect(errors.join('\n')).toMatch(/boolean/);
    });
  });
});
