// Types of sqlite-chain-check.mjs (documented there).
import type Database from 'better-sqlite3';

export interface ChainRange {
  after: number;
  until?: number | null;
  prevHash: string;
  expected: number;
  linkAt?: number;
}
export interface ChainRangeResult {
  ok: boolean;
  checked: number;
  firstBadPosition?: number;
  link?: { position: number; hash: string };
  last?: { position: number; hash: string };
}
export declare function chainChecker(db: Database.Database): (range: ChainRange) => Generator<void, ChainRangeResult, void>;
/** One batch's query: (after, until) bound, each a bound of the rowid range SQLite walks. */
export declare const BATCH_SQL: string;
