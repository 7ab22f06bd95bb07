// A read model as data: a typed map of handlers keyed by event type, each returning the guarded
// document changes for one event. The handled types are the keys, so a renamed event fails to compile
// and no list of types is kept by hand (the runner and the live topics read them from here).
import type { DomainEvent } from '../domain/shared.js';
import type { RecordedEvent } from '../infra/event-store.js';
import type { DocOp, IndexSpec, ReadStore } from '../infra/read-store.js';

/** A recorded event whose type and data are one of the domain's events. */
export type Recorded<E extends DomainEvent> = Omit<RecordedEvent, 'type' | 'data'> & { type: E['type']; data: E['data'] };

/** One handler per handled event type: pure, built only from the event (no reads), at most one op per document. */
export type Handlers<E extends DomainEvent> = { [K in E['type']]?: (event: Recorded<Extract<E, { type: K }>>) => DocOp[] };

export interface Projection {
  /** Checkpoint name; bump the suffix to rebuild after a change of shape. */
  name: string;
  collections: string[];
  /** Those of `collections` that are append-only: one document per event, written once (ReadStore.declareLogCollections). */
  logCollections?: string[];
  indexes: IndexSpec[];
  /** The handled event types: the keys of the handler map (a projection of every event, like the idempotency answers, says yes to all). */
  handles: { has(type: string): boolean };
  /** The changes for one event ([] for a type it does not handle). */
  apply(event: RecordedEvent): DocOp[];
  /**
   * A derived read model that must read others (demand matching): called once per batch instead of
   * `apply`, after the projections listed before it have committed the batch, so what it reads is the
   * read models at the batch's last position. Its answer must depend only on that state and the batch,
   * so a rebuild ends where live updating did.
   */
  afterBatch?(store: ReadStore, batch: RecordedEvent[], position: number): Promise<DocOp[]>;
  /**
   * For a derived read model: its whole state from the other read models at `position`. During a long
   * catch-up (the runner's bulk mode) the runner skips afterBatch, leaves the checkpoint where it was and
   * calls this once at the end. Must give what afterBatch would have reached, in parts through `commit`
   * (each committed before it resolves, the checkpoint staying where it was): a part's memory is free
   * before the next is made. The runner moves the checkpoint once this resolves.
   */
  catchUp?(store: ReadStore, position: number, commit: (ops: DocOp[]) => Promise<void>): Promise<void>;
  /**
   * For a derived read model that keeps memory beside its documents (demand matching's rankings): called
   * in the background when the runner starts without a long catch-up, to build that memory before the
   * first batches need it. Writes nothing; gives up once `active()` says the runner stopped.
   */
  warm?(store: ReadStore, active: () => boolean): Promise<void>;
}

export function defineProjection<E extends DomainEvent>(spec: {
  name: string;
  collections: string[];
  logCollections?: string[];
  indexes: IndexSpec[];
  handlers: Handlers<E>;
}): Projection {
  const handlers = spec.handlers as Record<string, ((event: RecordedEvent) => DocOp[]) | undefined>;
  return {
    name: spec.name,
    collections: spec.collections,
    ...(spec.logCollections ? { logCollections: spec.logCollections } : {}),
    indexes: spec.indexes,
    handles: new Set(Object.keys(handlers)),
    apply: (event) => handlers[event.type]?.(event) ?? [],
  };
}

/** Shorthand for an op on one document on behalf of one event. */
export function op(collection: string, id: string, event: Pick<RecordedEvent, 'position'>, change: Omit<DocOp, 'collection' | 'id' | 'position'>): DocOp {
  return { collection, id, position: event.position, ...change };
}

/**
 * What `{ ...parts[0], ...parts[1], … }` gives (own enumerable keys, later parts winning, `__proto__`
 * defined as data as a spread does), copied key by key: on Node 20's V8 an object literal that starts with
 * a spread and goes on is several times dearer (a new project's document: 15 µs against 4).
 */
export function merged(...parts: Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const part of parts) {
    for (const key of Object.keys(part)) {
      if (key === '__proto__') Object.defineProperty(out, key, { value: part[key], enumerable: true, writable: true, configurable: true });
      else out[key] = part[key];
    }
  }
  return out;
}
