// Remembers the answer to every command sent with an Idempotency-Key, so a retry after a restart
// still gets the first answer. The key and request hash travel in the event metadata.
import type { RecordedEvent } from '../infra/event-store.js';
import { type Projection, op } from './projection.js';

export const IDEMPOTENCY = 'idempotency';

interface KeyedMetadata {
  idempotencyKey?: string;
  requestHash?: string;
}

export const idempotency: Projection = {
  name: 'idempotency-v1',
  collections: [IDEMPOTENCY],
  indexes: [],
  handles: { has: () => true },
  apply(event: RecordedEvent) {
    const m = event.metadata as typeof event.metadata & KeyedMetadata;
    if (!m.idempotencyKey) return [];
    const id = event.stream.slice(event.stream.indexOf('-') + 1);
    // The last event of a multi-event append wins (position guard), leaving the command's final answer.
    return [
      op(IDEMPOTENCY, `${m.actor.id}\u0000${m.idempotencyKey}`, event, {
        set: { requestHash: m.requestHash, result: { id, revision: event.revision, position: event.position } },
      }),
    ];
  },
};
