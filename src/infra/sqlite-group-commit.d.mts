// Types of sqlite-group-commit.mjs (documented there).
import type Database from 'better-sqlite3';

export interface GroupCommitRequest {
  batch: string;
  recordedAt?: string;
}
export type GroupCommitOutcome = { revision: number; position: number } | { wrongExpected: number } | { error: string };
export interface GroupCommitReply {
  outcomes?: GroupCommitOutcome[];
  failure?: { message: string; code?: string };
}
export declare function createGroupCommit(db: Database.Database): (request: GroupCommitRequest) => GroupCommitReply;
