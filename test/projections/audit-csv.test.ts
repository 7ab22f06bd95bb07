// The audit CSV export writes each row from the stored entry (auditCsvLine) instead of presenting it and
// mapping AUDIT_CSV_COLUMNS: the text must be the columns' exactly, whatever the entry holds.
import { describe, expect, it } from 'vitest';
import type { Doc } from '../../src/infra/read-store.js';
import { AUDIT_CSV_COLUMNS, auditCsvLine, csvRow, presentAuditEntry } from '../../src/projections/audit-queries.js';

const base: Doc = {
  _id: '0000000000000042', eventId: 'ev-1', position: 42, stream: 'project-p1', revision: 3, recordType: 'project', record: 'p1', type: 'ProjectUpdated',
  actorId: 'officer-ns', actorName: '南山区住房和建设局经办人', role: 'housing_dept', district: 'nanshan', recordedAt: '2026-01-02T03:04:05.000Z',
  occurredAt: '2026-01-02T03:04:05.000Z', imported: false, requestId: 'req-1', correlationId: 'corr-1', causationId: null, schemaVersion: 1, _position: 42,
};

describe('auditCsvLine', () => {
  it.each<[string, Doc]>([
    ['a plain entry', base],
    ['why, importedBy and a credit code', { ...base, why: '测绘复核', imported: true, importedBy: { id: 'import-1', role: 'city_admin', name: '导入' }, creditCode: '91440300MA5ABCDEF1' }],
    ['nulls where a value may be missing', { ...base, actorId: null, actorName: null, role: null, district: null, requestId: null, correlationId: null, why: null, importedBy: null }],
    ['fields a spreadsheet would misread or that need quotes', { ...base, why: '=HYPERLINK("x"), then\r\nmore', actorName: '+1 "quoted", name', record: '-5', type: '@sum', stream: '\tx', requestId: '\rx' }],
    ['an empty reason', { ...base, why: '' }],
  ])('writes %s as the columns do', (_what, doc) => {
    expect(auditCsvLine(doc)).toBe(csvRow(AUDIT_CSV_COLUMNS.map(([, value]) => value(presentAuditEntry(doc)))));
  });
});
