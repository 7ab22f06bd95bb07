// The audit CSV export writes each row from the stored entry (auditCsvLine) instead of presenting it and
// mapping AUDIT_CSV_COLUMNS: the text must be the columns' exactly, whatever the entry holds.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import type { Doc } from '../../src/infra/read-store.js';
import { AUDIT_CSV_COLUMNS, auditCsvChunks, auditCsvLine, auditNdjsonChunks, csvField, csvRow, presentAuditEntry } from '../../src/projections/audit-queries.js';
import { AUDIT_TRAIL, auditKey, auditTrail } from '../../src/projections/audit-trail.js';

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

describe('csvField', () => {
  it.each<[string, unknown, string]>([
    ['nothing', undefined, ''],
    ['null', null, ''],
    ['a number', -5, '-5'],
    ['a boolean', true, 'true'],
    ['plain text', '南山区 ok', '南山区 ok'],
    ['a comma', 'a,b', '"a,b"'],
    ['quotes', 'say "x"', '"say ""x"""'],
    ['a line break', 'a\r\nb', '"a\r\nb"'],
    ['a formula', '=SUM(A1)', "'=SUM(A1)"],
    ['a formula with a comma', '@x,y', `"'@x,y"`],
    ['a leading minus in text', '-5', "'-5"],
    ['a leading tab', '\tx', "'\tx"],
    ['empty text', '', ''],
  ])('writes %s as a spreadsheet reads it', (_what, value, text) => {
    expect(csvField(value)).toBe(text);
  });
});

describe('the exports, page by page from the audit trail on file', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('write every matching entry newest first, in string chunks of one page each, for CSV and NDJSON alike', async () => {
    const reads = EmbeddedReadStore.open(dirs[dirs.push(fs.mkdtempSync(path.join(os.tmpdir(), 'audit-csv-'))) - 1]!);
    await reads.declareLogCollections([AUDIT_TRAIL]);
    await reads.ensureIndexes(auditTrail.indexes);
    const docs = Array.from({ length: 601 }, (_, i): Doc => {
      const position = i + 1;
      return { ...base, _id: auditKey(position), eventId: `ev-${position}`, position, district: position % 3 === 0 ? 'futian' : 'nanshan', why: position % 7 === 0 ? `复核, "第${position}次"` : null, _position: position };
    });
    await reads.commit('audit', docs.map(({ _id, _position, ...set }) => ({ collection: AUDIT_TRAIL, id: _id, position: _position!, set })), docs.length);
    const nanshan = docs.filter((d) => d.district === 'nanshan').reverse();

    const csv: unknown[] = [];
    for await (const chunk of auditCsvChunks(reads, { district: 'nanshan' }, 100)) csv.push(chunk);
    // In this thread (601 entries), strings: the socket encodes them as it writes (auditCsvChunks says why).
    expect(csv.every((c) => typeof c === 'string')).toBe(true);
    expect(csv).toHaveLength(Math.ceil(nanshan.length / 100));
    expect(csv.join('')).toBe(nanshan.map(auditCsvLine).join(''));

    const ndjson: unknown[] = [];
    for await (const chunk of auditNdjsonChunks(reads, { district: 'nanshan' }, 100)) ndjson.push(chunk);
    expect(ndjson.every((c) => typeof c === 'string')).toBe(true);
    expect((ndjson.join('') as string).trimEnd().split('\n').map((l) => JSON.parse(l))).toEqual(nanshan.map(presentAuditEntry));
    await reads.close();
  });
});
