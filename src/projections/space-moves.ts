// The events that move space between the ledger's states carry their delta (domain/ledger.ts SpaceDelta).
// Every read model that counts space handles the same ones: this is their one list, checked complete
// against the event unions by the compiler.
import type { ApplicationEvent } from '../domain/application.js';
import type { SpaceDelta } from '../domain/ledger.js';
import type { NoticeEvent } from '../domain/notice.js';
import type { DocOp } from '../infra/read-store.js';
import type { Recorded } from './projection.js';

/** A notice or application event that may carry a space delta (TenancyEnded carries two: handled apart). */
export type SpaceEvent = Extract<NoticeEvent | ApplicationEvent, { data: { space?: SpaceDelta } }>;

/** Every SpaceEvent type, once: a missing or unknown key fails to compile. */
const SPACE_MOVES: Record<SpaceEvent['type'], true> = {
  NoticePublished: true,
  NoticeAmended: true,
  NoticeCancelled: true,
  AllocationDecided: true,
  AllocationForfeited: true,
  WaitlistAllocated: true,
  LeaseSigned: true,
  SaleCompleted: true,
};

/** The same handler for every event that moves space, as entries of a handler map. */
export function onSpaceMoves(handler: (event: Recorded<SpaceEvent>) => DocOp[]): { [K in SpaceEvent['type']]: (event: Recorded<Extract<SpaceEvent, { type: K }>>) => DocOp[] } {
  return Object.fromEntries(Object.keys(SPACE_MOVES).map((type) => [type, handler])) as never;
}
