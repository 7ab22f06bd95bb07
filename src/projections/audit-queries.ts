// Questions auditors ask of the audit trail read model: a filtered page, the whole answer as a stream
// (exports), and one record's history. Newest first everywhere but the timeline, which reads forward.
import type { ExportChunk, Filter, ReadStore } from '../infra/read-store.js';
import { AUDIT_TRAIL, recordOf } from './audit-trail.js';
import { csvField, presentAuditEntry } from './audit-lines.mjs';

export { auditCsvLine, csvField, presentAuditEntry } from './audit-lines.mjs';

export interface AuditQuery {
  actor?: string;
  stream?: string;
  type?: string;
  district?: string;
  role?: string;
  /** The record's id (the stream name without its kind, e.g. a project's id). */
  record?: string;
  correlationId?: string;
  /** Inclusive bounds on recordedAt (ISO-8601, UTC). */
  from?: string;
  to?: string;
}

/** One entry as auditors read it. */
export interface AuditEntry {
  id: string;
  position: number;
  stream: string;
  revision: number;
  recordType: string;
  record: string;
  type: string;
  actor: { id: string | null; name: string | null; role: string | null; district: string | null; creditCode?: string };
  recordedAt: string;
  occurredAt: string;
  imported: boolean;
  importedBy?: { id: string; name?: string; role: string; district?: string };
  requestId: string | null;
  correlationId: string | null;
  causationId: string | null;
  schemaVersion: number;
  why?: string;
}

const NEWEST_FIRST = { _id: -1 } as const;

export function auditFilter(q: AuditQuery): Filter {
  const f: Filter = {};
  if (q.actor !== undefined) f.actorId = q.actor;
  // The record a stream names, so the query goes by the record index (there is none on the stream).
  if (q.stream !== undefined) {
    f.stream = q.stream;
    f.record = recordOf(q.stream)[1];
  }
  if (q.type !== undefined) f.type = q.type;
  if (q.district !== undefined) f.district = q.district;
  if (q.role !== undefined) f.role = q.role;
  if (q.record !== undefined) f.record = q.record;
  if (q.correlationId !== undefined) f.correlationId = q.correlationId;
  if (q.from !== undefined || q.to !== undefined) {
    f.recordedAt = { ...(q.from !== undefined ? { $gte: q.from } : {}), ...(q.to !== undefined ? { $lte: q.to } : {}) };
  }
  return f;
}

export async function searchAudit(reads: ReadStore, q: AuditQuery, page: number, pageSize: number): Promise<{ items: AuditEntry[]; total: number }> {
  const filter = auditFilter(q);
  const [docs, total] = await Promise.all([reads.find(AUDIT_TRAIL, filter, { sort: NEWEST_FIRST, skip: (page - 1) * pageSize, limit: pageSize }), reads.count(AUDIT_TRAIL, filter)]);
  return { items: docs.map(presentAuditEntry), total };
}

/** One record's whole history, oldest first: who did what, when and why. */
export async function recordTimeline(reads: ReadStore, stream: string): Promise<AuditEntry[]> {
  const docs = await reads.find(AUDIT_TRAIL, { stream, record: recordOf(stream)[1] }, { sort: { _id: 1 } });
  return docs.map(presentAuditEntry);
}

/** Spreadsheet columns of an export, in order, with Chinese headers for the people who open it. */
export const AUDIT_CSV_COLUMNS: [string, (e: AuditEntry) => unknown][] = [
  ['位置 position', (e) => e.position],
  ['记录时间 recordedAt', (e) => e.recordedAt],
  ['发生时间 occurredAt', (e) => e.occurredAt],
  ['操作人 actorId', (e) => e.actor.id],
  ['操作人名称 actorName', (e) => e.actor.name],
  ['角色 role', (e) => e.actor.role],
  ['辖区 district', (e) => e.actor.district],
  ['记录类型 recordType', (e) => e.recordType],
  ['记录 record', (e) => e.record],
  ['流 stream', (e) => e.stream],
  ['版本 revision', (e) => e.revision],
  ['事件 type', (e) => e.type],
  ['理由 why', (e) => e.why],
  ['导入 imported', (e) => (e.imported ? 'true' : 'false')],
  ['导入人 importedBy', (e) => e.importedBy?.id],
  ['请求 requestId', (e) => e.requestId],
  ['关联 correlationId', (e) => e.correlationId],
  ['事件ID eventId', (e) => e.id],
];

export const csvRow = (values: unknown[]) => values.map(csvField).join(',') + '\r\n';

/** Where the exports' lines are made: audit-lines.mjs, which the embedded store's export thread loads too. */
const LINES = new URL('./audit-lines.mjs', import.meta.url).href;
const CSV_LINES = { module: LINES, name: 'auditCsvLine' };
const NDJSON_LINES = { module: LINES, name: 'auditNdjsonLine' };

/**
 * Entries per chunk of an export. At a million events (the lines made in the serving thread) 250 took as
 * much CPU as 1,000 or 2,000 but finished 10-20 % sooner: the client reads a chunk while the next is made.
 */
const EXPORT_BATCH = 250;

/**
 * The CSV export's rows after the header, one chunk of lines per batch: a string, which the socket encodes
 * as it writes, or UTF-8 bytes made on an export thread (ExportChunk). (Growing a chunk by `+=` and
 * encoding it into a Buffer took ~12 % of the serving thread at a million events; 1 MiB Buffers filled
 * line by line made V8 mark its whole heap during each export.)
 */
export function auditCsvChunks(reads: ReadStore, q: AuditQuery, batchSize = EXPORT_BATCH): AsyncIterable<ExportChunk> {
  return reads.exportLines(AUDIT_TRAIL, auditFilter(q), { sort: NEWEST_FIRST, batchSize, format: CSV_LINES });
}

/** The NDJSON export: one presented entry per line, chunks as the CSV's. */
export function auditNdjsonChunks(reads: ReadStore, q: AuditQuery, batchSize = EXPORT_BATCH): AsyncIterable<ExportChunk> {
  return reads.exportLines(AUDIT_TRAIL, auditFilter(q), { sort: NEWEST_FIRST, batchSize, format: NDJSON_LINES });
}
