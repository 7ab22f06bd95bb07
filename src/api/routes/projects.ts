// Project listing commands and queries (api.md: /api/projects, /api/map/projects).
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import * as projects from '../../application/projects.js';
import type { ProjectFields } from '../../domain/project.js';
import { type Actor, NotFound } from '../../domain/shared.js';
import type { Doc, Filter } from '../../infra/read-store.js';
import { PROJECTS, openNoticeFilter } from '../../projections/project-search.js';
import { projectSpace, spaceAt } from '../../projections/space-queries.js';
import { readStoreAt } from '../../projections/history.js';
import { momentOf } from '../moment.js';
import { substringFilter } from '../../projections/text-search.js';
import { requireActor } from '../auth.js';
import { type Services, consistentWith } from '../../application/services.js';
import { command } from '../command.js';
import { OPTIONAL_BEARER } from '../openapi.js';
import * as answers from '../answer-schemas.js';
import * as s from '../schemas.js';
import { presentProject } from '../present.js';
import { maySeeProject, projectStatusScope } from '../visibility.js';

const MANAGERS = ['housing_dept', 'city_admin'] as const;
type Filters = { [K in keyof typeof s.projectFilters]?: z.output<(typeof s.projectFilters)[K]> };

function filterOf(actor: Actor | null, q: Filters): Filter {
  const and: Filter[] = [projectStatusScope(actor, q.status ?? 'published')];
  if (q.district) and.push({ district: q.district });
  if (q.useType) and.push({ useType: q.useType });
  if (q.supplyMode) and.push({ supplyModes: q.supplyMode });
  if (q.minArea !== undefined) and.push({ totalArea: { $gte: q.minArea } });
  if (q.maxArea !== undefined) and.push({ totalArea: { $lte: q.maxArea } });
  // The derived available area (the ledger's counters, hundredths of a ㎡), not a typed figure.
  if (q.minAvailableArea !== undefined) and.push({ 'ledger.availableCenti': { $gte: Math.round(q.minAvailableArea * 100) } });
  if (q.openNotice !== undefined) and.push(openNoticeFilter(q.openNotice === 'true'));
  const text = q.q ? substringFilter(q.q, ['name', 'address']) : null;
  if (text) and.push(text);
  return and.length === 1 ? and[0]! : { $and: and };
}

const EARTH_RADIUS_M = 6_371_000;
function distanceM(a: [number, number], b: [number, number]): number {
  const rad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * rad;
  const dLng = (b[0] - a[0]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.sqrt(h));
}

/** The state of a project's space on the map: some available, all taken, or not known (no ledger figure). */
function spaceState(d: Record<string, unknown>): 'available' | 'taken' | 'unknown' {
  const available = (d.ledger as { availableCenti?: unknown } | undefined)?.availableCenti;
  if (typeof available !== 'number') return 'unknown';
  return available > 0 ? 'available' : 'taken';
}

export function projectRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['projects'];
    const idParams = z.object({ id: s.id });
    const ok = { 200: s.commandResult };
    app.post('/api/projects', { schema: { tags, summary: '录入: register a project', body: s.registerProjectBody, response: { 201: s.commandResult } } }, async (req, reply) => {
      const actor = requireActor(req, ...MANAGERS);
      const { units, ...fields } = req.body;
      const projectId = randomUUID();
      return command(services, req, reply, actor, (meta) => projects.registerProject(services, { projectId, fields: fields as ProjectFields, units }, meta), 201);
    });

    app.patch('/api/projects/:id', { schema: { tags, summary: '动态更新: update fields, with a reason', params: idParams, body: s.updateProjectBody, response: ok } }, async (req, reply) => {
      const actor = requireActor(req, ...MANAGERS);
      const { reason, units, ...changes } = req.body;
      return command(services, req, reply, actor, (meta) => projects.updateProject(services, { projectId: req.params.id, changes, reason, ...(units !== undefined ? { units } : {}) }, meta));
    });

    app.post('/api/projects/:id/units', { schema: { tags, summary: '房源精细管理: add units', params: idParams, body: s.addUnitsBody, response: ok } }, async (req, reply) => {
      const actor = requireActor(req, ...MANAGERS);
      return command(services, req, reply, actor, (meta) => projects.addUnits(services, { projectId: req.params.id, units: req.body.units }, meta));
    });

    app.delete(
      '/api/projects/:id/units/:unitId',
      { schema: { tags, summary: 'remove a unit', params: z.object({ id: s.id, unitId: s.id }), querystring: s.reasonQuery, response: ok } },
      async (req, reply) => {
        const actor = requireActor(req, ...MANAGERS);
        const { id: projectId, unitId } = req.params;
        return command(services, req, reply, actor, (meta) => projects.removeUnit(services, { projectId, unitId, reason: req.query.reason }, meta));
      },
    );

    app.post('/api/projects/:id/publish', { schema: { tags, summary: '发布: publish', params: idParams, response: ok } }, async (req, reply) => {
      const actor = requireActor(req, ...MANAGERS);
      return command(services, req, reply, actor, (meta) => projects.publishProject(services, { projectId: req.params.id }, meta));
    });

    app.post('/api/projects/:id/withdraw', { schema: { tags, summary: '退出: withdraw, with a reason', params: idParams, body: s.withdrawBody, response: ok } }, async (req, reply) => {
      const actor = requireActor(req, ...MANAGERS);
      return command(services, req, reply, actor, (meta) => projects.withdrawProject(services, { projectId: req.params.id, reason: req.body.reason }, meta));
    });

    app.get('/api/projects', { config: { publicCache: true, answer: answers.projectPage }, schema: { tags, summary: 'search projects (a token may list unpublished ones with ?status=)', security: OPTIONAL_BEARER, querystring: s.projectSearchQuery } }, async (req) => {
      const q = req.query;
      await consistentWith(services, q.consistentWith);
      const filter = filterOf(req.actor, q);
      const named = q.sort.replace(/^-/, '');
      const field = named === 'availableArea' ? 'ledger.availableCenti' : named; // the derived figure
      const sort = { [field]: q.sort.startsWith('-') ? -1 : 1, _id: 1 } as Record<string, 1 | -1>;
      const moment = momentOf(q.asOf, q.asRecordedAt);
      const reads = moment ? await readStoreAt(services.reads, [PROJECTS], moment) : services.reads;
      const [items, total] = await Promise.all([
        reads.find(PROJECTS, filter, { sort, skip: (q.page - 1) * q.pageSize, limit: q.pageSize }),
        reads.count(PROJECTS, filter),
      ]);
      return { items: items.map(presentProject), total, page: q.page, pageSize: q.pageSize };
    });

    app.get('/api/map/projects', { config: { publicCache: true, answer: answers.projectFeatures }, schema: { tags, summary: 'map view (GeoJSON)', security: OPTIONAL_BEARER, querystring: s.mapQuery } }, async (req) => {
      const q = req.query;
      await consistentWith(services, q.consistentWith);
      const and: Filter[] = [filterOf(req.actor, q), { location: { $exists: true } }];
      // A bounding box is a plain range query, the same on both stores; a radius is refined below.
      let box = q.bbox;
      if (q.near && q.radius) {
        const [lng, lat] = q.near as [number, number];
        const dLat = q.radius / 111_320;
        const dLng = dLat / Math.max(Math.cos((lat * Math.PI) / 180), 1e-6);
        box = [lng - dLng, lat - dLat, lng + dLng, lat + dLat];
      }
      if (box) and.push({ 'location.lng': { $gte: box[0], $lte: box[2] }, 'location.lat': { $gte: box[1], $lte: box[3] } });
      const moment = momentOf(q.asOf, q.asRecordedAt);
      const reads = moment ? await readStoreAt(services.reads, [PROJECTS], moment) : services.reads;
      let docs = await reads.find(PROJECTS, { $and: and }, { sort: { _id: 1 }, limit: q.near ? undefined : q.limit });
      if (q.near && q.radius) {
        const center = q.near as [number, number];
        docs = docs.filter((d) => {
          const l = d.location as { lng: number; lat: number };
          return distanceM(center, [l.lng, l.lat]) <= q.radius!;
        });
        docs = docs.slice(0, q.limit);
      }
      return {
        type: 'FeatureCollection',
        features: docs.map((d) => {
          const { location, ...properties } = presentProject(d) as { location: { lng: number; lat: number } };
          return { type: 'Feature', id: d._id, geometry: { type: 'Point', coordinates: [location.lng, location.lat] }, properties: { ...properties, spaceState: spaceState(d) } };
        }),
      };
    });

    app.get('/api/projects/:id', { config: { answer: answers.projectAnswer }, schema: { tags, summary: 'one project; ?asOf= / ?asRecordedAt= as it stood then (officers also see unpublished ones)', security: OPTIONAL_BEARER, params: idParams, querystring: s.momentOnlyQuery } }, async (req) => {
      await consistentWith(services, req.query.consistentWith);
      const moment = momentOf(req.query.asOf, req.query.asRecordedAt);
      // As of a business time, folded from the project's stream; as recorded, from the search's history.
      const doc = !moment
        ? await services.reads.findOne(PROJECTS, { _id: req.params.id })
        : moment.field === 'occurredAt'
          ? await projects.projectAsOf(services, req.params.id, moment.at)
          : await (await readStoreAt(services.reads, [PROJECTS], moment, { [PROJECTS]: [req.params.id] })).findOne(PROJECTS, { _id: req.params.id });
      if (!doc || !maySeeProject(req.actor, doc)) throw new NotFound(`no published project ${req.params.id}`);
      // The ledger's figures (derived, never typed) replace the market figure the document carries; as of a
      // moment, from the project's space documents as they stood then.
      const space = moment ? await spaceAt(services.reads, { projectId: req.params.id }, moment) : services.reads;
      const { unitStates, ...figures } = await projectSpace(space, doc as Doc);
      const units = Object.fromEntries(Object.entries((doc.units as Record<string, object> | undefined) ?? {}).map(([id, u]) => [id, { ...u, state: unitStates[id] ?? 'available' }]));
      return presentProject({ ...doc, ...figures, units });
    });
  };
}
