// Projection specs, in the manner of Emmett's: given recorded events, then a document. The events go
// through the projection's own ops into the embedded read store (in memory), in log order, each batch
// committed as the runner commits it. Every `then` also checks the two promises a read model makes:
// a replay of the same events (after a crash, before the checkpoint) and a from-scratch rebuild in one
// batch leave exactly the same document.
import { expect } from 'vitest';
import type { DomainEvent } from '../../src/domain/shared.js';
import type { EventMetadata, RecordedEvent } from '../../src/infra/event-store.js';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import type { Doc } from '../../src/infra/read-store.js';
import type { Projection } from '../../src/projections/projection.js';

/** One event of the projection's union, with its envelope when it matters (stream, time, metadata). */
export type Given<E extends DomainEvent> = E & { stream?: string; occurredAt?: string; metadata?: Partial<EventMetadata> & Record<string, unknown> };

const BASE = Date.parse('2027-01-04T02:00:00.000Z'); // a Monday, 10:00 CST

/** The n-th event of the list, recorded: position n, business time n minutes after BASE unless given. */
export function recorded<E extends DomainEvent>(e: Given<E>, n: number): RecordedEvent {
  const occurredAt = e.occurredAt ?? new Date(BASE + n * 60_000).toISOString();
  const stream = e.stream ?? 'spec-1';
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    type: e.type,
    data: e.data,
    stream,
    revision: n - 1,
    position: n,
    occurredAt,
    recordedAt: occurredAt,
    metadata: { actor: { id: 'spec', role: 'city_admin' }, correlationId: `c-${n}`, causationId: null, requestId: `r-${n}`, schemaVersion: 1, ...e.metadata } as EventMetadata,
  };
}

/** What a stored document says, without the store's own fields. */
export function content(doc: Doc | null): Record<string, unknown> | null {
  if (!doc) return null;
  const { _id, _position, ...rest } = doc;
  return rest;
}

/** Projects `events` into `store`, one committed batch per `batchSize` events (the runner's way). */
export async function project(store: EmbeddedReadStore, projection: Projection, events: RecordedEvent[], batchSize = 1): Promise<void> {
  for (let i = 0; i < events.length; i += batchSize) {
    const batch = events.slice(i, i + batchSize);
    const ops = batch.filter((e) => projection.handles.has(e.type)).flatMap((e) => projection.apply(e));
    await store.commit(projection.name, ops, batch.at(-1)!.position);
  }
}

export interface Then {
  /** The document `id` of `collection` is exactly `expected` (store fields aside); `null`: there is none. */
  then(collection: string, id: string, expected: Record<string, unknown> | null): Promise<void>;
  /** The documents of `collection`, by id. */
  documents(collection: string): Promise<Map<string, Record<string, unknown>>>;
}

export function projectionSpec<E extends DomainEvent>(projection: Projection) {
  return {
    /** Not a promise: call `.then(collection, id, document)` on it. */
    given(events: Given<E>[]): Then {
      const log = events.map((e, i) => recorded(e, i + 1));
      const build = async (mode: 'one by one' | 'replayed' | 'rebuilt') => {
        const store = EmbeddedReadStore.open(null);
        await store.ensureIndexes(projection.indexes);
        if (mode === 'rebuilt') await project(store, projection, log, Math.max(1, log.length));
        else await project(store, projection, log);
        // A crash after the documents but before the checkpoint: the same events once more.
        if (mode === 'replayed') await project(store, projection, log);
        return store;
      };
      const documentsOf = async (store: EmbeddedReadStore, collection: string) =>
        new Map((await store.find(collection, {})).map((d) => [d._id, content(d)!]));
      return {
        async then(collection, id, expected) {
          expect(projection.collections, `${projection.name} does not keep ${collection}`).toContain(collection);
          const got: Record<string, Record<string, unknown> | null> = {};
          for (const mode of ['one by one', 'replayed', 'rebuilt'] as const) {
            const store = await build(mode);
            got[mode] = content(await store.findOne(collection, { _id: id }));
            await store.close();
          }
          expect(got['one by one']).toStrictEqual(expected);
          expect(got.replayed, 'a replay changed the document').toEqual(got['one by one']);
          expect(got.rebuilt, 'a rebuild in one batch built another document').toEqual(got['one by one']);
        },
        async documents(collection) {
          const store = await build('one by one');
          const docs = await documentsOf(store, collection);
          const rebuilt = await build('rebuilt');
          expect(await documentsOf(rebuilt, collection)).toEqual(docs);
          await store.close();
          await rebuilt.close();
          return docs;
        },
      };
    },
  };
}
