// The official record, for auditors: raw events of a stream, the audit trail (a read model of every
// event: filters, CSV/NDJSON exports streamed page by page, one record's timeline) and tamper evidence.
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Readable } from 'node:stream';
import type { Actor } from '../../domain/shared.js';
import { requireActor } from '../auth.js';
import { verifyLog } from '../../application/checkpoints.js';
import { streamRecord } from '../../application/access-log.js';
import { accessReason } from '../present.js';
import { type Services, consistentWith, readModelsAtHead } from '../../application/services.js';
import * as answers from '../answer-schemas.js';
import { AUDIT_CSV_COLUMNS, type AuditQuery, auditCsvChunks, auditNdjsonChunks, csvRow, recordTimeline, searchAudit } from '../../projections/audit-queries.js';
import * as s from '../schemas.js';
import type { ExportChunk } from '../../infra/read-store.js';

const auditQuery = z.strictObject({
  actor: z.string().min(1).max(200).optional(),
  stream: z.string().min(1).max(200).optional(),
  type: z.string().min(1).max(100).optional(),
  district: z.string().min(1).max(50).optional(),
  role: z.string().min(1).max(50).optional(),
  record: z.string().min(1).max(200).optional(),
  correlationId: z.string().min(1).max(200).optional(),
  from: s.fromTime.optional(),
  to: s.toTime.optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
  consistentWith: s.position.optional(),
});

/** The export asked for by Accept, if any (JSON otherwise). */
function exportFormat(accept: string | undefined): 'csv' | 'ndjson' | null {
  if (!accept) return null;
  if (/\btext\/csv\b/i.test(accept)) return 'csv';
  if (/\bapplication\/x-ndjson\b/i.test(accept)) return 'ndjson';
  return null;
}

/** UTF-8 with a byte-order mark, so spreadsheet software reads the Chinese as Chinese. */
async function* csvExport(services: Services, q: AuditQuery): AsyncIterable<ExportChunk> {
  yield '\uFEFF' + csvRow(AUDIT_CSV_COLUMNS.map(([header]) => header));
  yield* auditCsvChunks(services.reads, q);
}

/** Records the applications and accountability cases among `streams` as read by `actor` (one entry per kind). */
function recordShown(services: Services, actor: Actor, streams: string[], req: FastifyRequest): void {
  const byWhat = new Map<'application' | 'sanctions', Set<string>>();
  for (const stream of streams) {
    const shown = streamRecord(stream);
    if (shown) (byWhat.get(shown.what) ?? byWhat.set(shown.what, new Set()).get(shown.what)!).add(shown.record);
  }
  for (const [what, records] of byWhat) services.access.record({ actor, what, records: [...records], reason: accessReason(req.headers), requestId: req.id });
}

export function auditRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['audit'];
    app.get(
      '/api/streams/:stream/events',
      {
        config: { answer: answers.streamEvents },
        schema: {
          tags,
          summary: 'the raw events of one stream, in order, with envelopes',
          params: z.object({ stream: z.string().min(1).max(200) }),
          querystring: z.strictObject({ fromRevision: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(10_000).default(1000), consistentWith: s.position.optional() }),
        },
      },
      async (req) => {
        const actor = requireActor(req, 'auditor', 'city_admin');
        await consistentWith(services, req.query.consistentWith);
        const events = await services.events.readStream(req.params.stream);
        const items = events.filter((e) => e.revision >= req.query.fromRevision).slice(0, req.query.limit);
        // The raw events are the record itself: logged as its read model's route logs it (streamRecord says which).
        if (items.length > 0) recordShown(services, actor, [req.params.stream], req);
        return { stream: req.params.stream, items, total: events.length };
      },
    );
    app.get(
      '/api/audit',
      {
        schema: {
          tags,
          summary: 'audit trail: who did what to which record when and why, newest first; Accept text/csv or application/x-ndjson streams an export',
          querystring: auditQuery,
        },
      },
      async (req, reply) => {
        const actor = requireActor(req, 'auditor', 'city_admin');
        const { page, pageSize, consistentWith: at, ...filters } = req.query;
        await consistentWith(services, at);
        await readModelsAtHead(services); // the trail lists every event recorded so far
        const q = filters; // from / to already in UTC (schemas.ts: fromTime, toTime)
        const format = exportFormat(req.headers.accept);
        if (format === 'csv') {
          reply.header('content-disposition', 'attachment; filename="audit-trail.csv"');
          return reply.type('text/csv; charset=utf-8').send(Readable.from(csvExport(services, q)));
        }
        if (format === 'ndjson') return reply.type('application/x-ndjson; charset=utf-8').send(Readable.from(auditNdjsonChunks(services.reads, q)));
        const { items, total } = await searchAudit(services.reads, q, page, pageSize);
        // An entry's `why` quotes the record (reasons, a violation's description): a page showing an
        // application's or a case's entries is logged as a read of them.
        recordShown(services, actor, items.map((e) => e.stream), req);
        return { items, total, page, pageSize };
      },
    );
    app.get(
      '/api/audit/records/:stream',
      {
        schema: {
          tags,
          summary: "one record's history as a timeline: who did what, when and why",
          params: z.object({ stream: z.string().min(1).max(200) }),
          querystring: z.strictObject({ consistentWith: s.position.optional() }),
        },
      },
      async (req) => {
        const actor = requireActor(req, 'auditor', 'city_admin');
        await consistentWith(services, req.query.consistentWith);
        await readModelsAtHead(services);
        const items = await recordTimeline(services.reads, req.params.stream);
        if (items.length > 0) recordShown(services, actor, [req.params.stream], req);
        return { id: req.params.stream, stream: req.params.stream, items, total: items.length };
      },
    );
    app.get(
      '/api/audit/access',
      {
        schema: {
          tags,
          summary: 'staff reads of non-public records (第六章): who opened what, when and why (X-Access-Reason), newest first',
          querystring: z.strictObject({
            actor: z.string().min(1).max(200).optional(),
            record: z.string().min(1).max(200).optional(),
            what: z.enum(['application', 'applications', 'sanctions']).optional(),
            from: s.fromTime.optional(),
            to: s.toTime.optional(),
            page: z.coerce.number().int().min(1).max(100_000).default(1),
            pageSize: z.coerce.number().int().min(1).max(500).default(50),
            consistentWith: s.position.optional(),
          }),
        },
      },
      async (req) => {
        requireActor(req, 'auditor', 'city_admin');
        const { page, pageSize, from, to, consistentWith: at, ...q } = req.query;
        await consistentWith(services, at);
        const { items, total } = await services.access.search({ ...q, from, to }, page, pageSize);
        return { items, total, page, pageSize };
      },
    );
    app.get(
      '/api/audit/verify',
      { schema: { tags, summary: "verifies the whole log's hash chain and the newest signed checkpoint: { ok, checked, firstBadPosition?, checkpoint?, reason? }", querystring: z.strictObject({ consistentWith: s.position.optional() }) } },
      async (req) => {
        requireActor(req, 'auditor', 'city_admin');
        await consistentWith(services, req.query.consistentWith);
        return verifyLog(services.events, services.anchors?.ledger ?? null, services.anchors?.key ?? null);
      },
    );
  };
}
