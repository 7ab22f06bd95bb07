// Types of audit-lines.mjs (documented there); import them through audit-queries.ts.
import type { Doc } from '../infra/read-store.js';
import type { AuditEntry } from './audit-queries.js';

export declare function csvField(value: unknown): string;
export declare function auditCsvLine(entry: Doc): string;
export declare function presentAuditEntry(entry: Doc): AuditEntry;
export declare function auditNdjsonLine(entry: Doc): string;
