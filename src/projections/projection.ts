// A read model as data: which events it handles and the guarded document changes each one makes.
import type { RecordedEvent } from '../infra/event-store.js';
import type { DocOp, IndexSpec } from '../infra/read-store.js';

export interface Projection {
  /** Checkpoint name; bump the suffix to rebuild after a change of shape. */
  name: string;
  collections: string[];
  indexes: IndexSpec[];
  handles: { has(type: string): boolean };
  /** Pure: the changes for one event, built only from the event (no reads). At most one op per document. */
  apply(event: RecordedEvent): DocOp[];
}

/** Shorthand for an op on one document on behalf of one event. */
export function op(collection: string, id: string, event: RecordedEvent, change: Omit<DocOp, 'collection' | 'id' | 'position'>): DocOp {
  return { collection, id, position: event.position, ...change };
}
