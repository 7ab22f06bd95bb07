// The lines of the audit trail's exports, one per stored entry: a CSV row and an NDJSON line. Plain
// JavaScript, so the embedded store's export thread can load them (log-export.worker.mjs) and an export
// of a hundred thousand entries leaves the thread that serves requests free. Types: audit-lines.d.mts.

const QUOTE_NEEDED = /[",\r\n]/;
/** A first character a spreadsheet would read as a formula: = + - @ tab CR. */
const formulaLead = (c) => c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13;

const quoted = (text) => (QUOTE_NEEDED.test(text) ? `"${text.replace(/"/g, '""')}"` : text);

/** RFC 4180 field: quoted when it holds a comma, quote or line break; a leading =+-@ is defused for spreadsheets. */
export function csvField(value) {
  if (typeof value === 'string') return quoted(formulaLead(value.charCodeAt(0)) ? `'${value}` : value);
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return String(value); // digits, sign, point, exponent: never quoted
  return quoted(String(value));
}

/**
 * The CSV row of AUDIT_CSV_COLUMNS (audit-queries.ts) for a stored entry, read from the stored document
 * without presenting it first (no entry object, no array per row). A test holds the two equal.
 */
export function auditCsvLine(e) {
  return (
    `${csvField(e.position)},${csvField(e.recordedAt)},${csvField(e.occurredAt)},${csvField(e.actorId)},${csvField(e.actorName)},${csvField(e.role)},` +
    `${csvField(e.district)},${csvField(e.recordType)},${csvField(e.record)},${csvField(e.stream)},${csvField(e.revision)},${csvField(e.type)},` +
    `${csvField(e.why)},${e.imported ? 'true' : 'false'},${csvField(e.importedBy?.id)},${csvField(e.requestId)},${csvField(e.correlationId)},${csvField(e.eventId)}\r\n`
  );
}

/** A stored entry as auditors read it (the AuditEntry of audit-queries.ts). */
export function presentAuditEntry(e) {
  return {
    id: e.eventId,
    position: e.position,
    stream: e.stream,
    revision: e.revision,
    recordType: e.recordType,
    record: e.record,
    type: e.type,
    actor: { id: e.actorId, name: e.actorName, role: e.role, district: e.district, ...(e.creditCode !== undefined ? { creditCode: e.creditCode } : {}) },
    recordedAt: e.recordedAt,
    occurredAt: e.occurredAt,
    imported: e.imported,
    ...(e.importedBy !== undefined ? { importedBy: e.importedBy } : {}),
    requestId: e.requestId,
    correlationId: e.correlationId,
    causationId: e.causationId,
    schemaVersion: e.schemaVersion,
    ...(e.why !== undefined ? { why: e.why } : {}),
  };
}

/** The NDJSON line of a stored entry: the presented entry and a line feed. */
export const auditNdjsonLine = (e) => JSON.stringify(presentAuditEntry(e)) + '\n';
