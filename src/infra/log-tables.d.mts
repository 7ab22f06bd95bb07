// Types of log-tables.mjs (documented there).
import type Database from 'better-sqlite3';

export declare const logTable: (collection: string) => string;
export declare const valueColumn: (field: string) => string;
export declare const logTableSql: (collection: string) => string;
export declare const valueFieldsOf: (db: Database.Database, collection: string) => string[];
export declare function moveSharedLogTable(db: Database.Database): void;
export declare function logDocOf(id: string, set: Record<string, unknown> | undefined, position: number): Record<string, unknown> & { _id: string; _position: number };
export declare const numberedId: (n: number) => string;
export declare function logDocText(id: string, set: Record<string, unknown> | undefined, position: number): string;
