// What the platform showed at a moment (asOf: business time; asRecordedAt: recorded by then). Each
// tracked collection gets a `<collection>_history` collection written beside it by the same handlers:
// one row per change of one document (the guarded op itself, as JSON text, with the event's occurredAt,
// recordedAt and position). A document as of T is its changes up to T folded in log order, exactly
// as the live document was built; a whole collection as of T is every change up to T folded. Rows are
// keyed by (document, position) and position-guarded, so a rebuild gives the same history.
import { EmbeddedReadStore, applyDocOp } from '../infra/embedded-read-store.js';
import type { Doc, DocOp, IndexSpec, ReadStore } from '../infra/read-store.js';
import { utc } from './doc-paths.js';
import { remoteAt, warmRemote } from './as-of-remote.js';
import { type ColumnSpec, NO_COLUMNS } from './history-columns.js';
import { AsOfView, queriesOnly } from './as-of-view.js';
import { buildAhead, collectionAt, rowOp, viewAt } from './history-frames.js';
import { PROJECTS, PROJECT_COLUMNS } from './project-search.js';
import { FEED_COLUMNS, PUBLIC_FEED } from './public-feed.js';
import type { Projection } from './projection.js';

export const historyOf = (collection: string) => `${collection}_history`;

/** The columns of the collections answered whole "as of" (history-columns.ts); none for others. */
const COLUMNS: Record<string, ColumnSpec> = { [PROJECTS]: PROJECT_COLUMNS, [PUBLIC_FEED]: FEED_COLUMNS };
const columnsOf = (collection: string): ColumnSpec => COLUMNS[collection] ?? NO_COLUMNS;

export interface Moment {
  /** occurredAt: the business time (asOf); recordedAt: what had been recorded by then (asRecordedAt). */
  field: 'occurredAt' | 'recordedAt';
  at: string;
}

/**
 * `p` computing each event's ops once: the runner hands every projection the same event object in a
 * batch, so a projection and its history (both given this one) share the work. Ops are never modified
 * by the stores.
 */
export function memoized(p: Projection): Projection {
  const done = new WeakMap<object, DocOp[]>();
  return {
    ...p,
    apply(event) {
      let ops = done.get(event);
      if (!ops) done.set(event, (ops = p.apply(event)));
      return ops;
    },
  };
}

/**
 * The history of `collections` as the projection `p` changes them, as a projection of its own. `whole`:
 * whether a whole collection is ever read as of a moment (key frames, swept by time and position); a history
 * read only document by document (`only`: one notice, one project's space) needs its document index alone.
 */
export function withHistory(p: Projection, collections: string[], whole = true): Projection {
  const tracked = new Set(collections);
  return {
    name: `${p.name}-history-v2`,
    collections: collections.map(historyOf),
    logCollections: collections.map(historyOf),
    indexes: collections.flatMap((c): IndexSpec[] => [
      { collection: historyOf(c), keys: { docId: 1, position: 1 } },
      ...(whole
        ? ([
            // With the position: the key frames sweep in (time, position) order, which MongoDB can take
            // from these indexes only whole (from a time alone it would sort the whole history).
            { collection: historyOf(c), keys: { occurredAt: 1, position: 1 }, replaces: [{ occurredAt: 1 }] },
            { collection: historyOf(c), keys: { recordedAt: 1, position: 1 }, replaces: [{ recordedAt: 1 }] },
            { collection: historyOf(c), keys: { position: 1 } }, // the rows appended since the key frames were built
          ] satisfies IndexSpec[])
        : []),
    ]),
    handles: p.handles,
    apply(event) {
      return p
        .apply(event)
        .filter((o) => tracked.has(o.collection))
        .map((o) => ({
          collection: historyOf(o.collection),
          id: `${o.id}@${o.position}`,
          position: o.position,
          set: {
            docId: o.id,
            position: o.position,
            occurredAt: utc(event.occurredAt),
            recordedAt: utc(event.recordedAt),
            op: JSON.stringify({ set: o.set, unset: o.unset, inc: o.inc, setOnInsert: o.setOnInsert }),
          },
        }));
    },
  };
}

function fold(docs: Map<string, Doc>, collection: string, row: Doc): void {
  const id = row.docId as string;
  const next = applyDocOp(docs.get(id), rowOp(collection, id, row.position as number, row.op as string));
  if (next) docs.set(id, next);
}

/**
 * A read store holding `collections` as they stood at the moment (in memory, for one answer): the same
 * queries as on the live read models then answer "as of". A whole collection comes from its history's key
 * frames: on an embedded store with a file, those live on a thread of their own and the queries go there
 * (as-of-remote.ts), so the serving thread's heap does not carry them; elsewhere, in this thread.
 */
export async function readStoreAt(reads: ReadStore, collections: string[], moment: Moment, only: Record<string, string[]> = {}): Promise<ReadStore> {
  const [whole] = collections;
  if (collections.length === 1 && whole !== undefined && only[whole] === undefined) {
    const onFile = await historyFile(reads, whole);
    if (onFile) return remoteAt(onFile.store, onFile.file, whole, historyOf(whole), moment.field, moment.at, columnsOf(whole));
    return queriesOnly(new AsOfView(whole, await viewAt(reads, historyOf(whole), whole, moment.field, moment.at, columnsOf(whole))));
  }
  const at = new Map<string, Map<string, Doc>>();
  for (const collection of collections) {
    const ids = only[collection];
    if (ids === undefined) {
      // A whole collection: from the history's key frames (history-frames.ts), a few thousand changes at most.
      at.set(collection, await collectionAt(reads, historyOf(collection), collection, moment.field, moment.at, columnsOf(collection)));
      continue;
    }
    // `only`: a one-document read folds just that document's changes (indexed by docId).
    const docs = new Map<string, Doc>();
    const filter = { [moment.field]: { $lte: moment.at }, docId: { $in: ids } };
    for await (const page of reads.stream(historyOf(collection), filter, { sort: { position: 1, _id: 1 }, batchSize: 5000 })) {
      for (const row of page) fold(docs, collection, row);
    }
    at.set(collection, docs);
  }
  // The folded documents are frozen versions made by applyDocOp: the view takes them as they are.
  return EmbeddedReadStore.fromDocs(at, { frozen: true });
}

/**
 * Builds the key frames of the collections answered whole "as of" (the project search, the public feed)
 * before anyone asks: the first answer would otherwise sweep the whole history (seconds at 200,000
 * events, about five times that at a million). Call it once the read models have caught up: frames built
 * during a catch-up are built again when older-dated rows arrive.
 */
export async function warmKeyFrames(reads: ReadStore, collections: string[]): Promise<void> {
  const named = collections.map((collection) => ({ collection, history: historyOf(collection), columns: columnsOf(collection) }));
  const onFile = collections.length > 0 ? await historyFile(reads, collections[0]!) : null;
  if (onFile) return warmRemote(onFile.store, onFile.file, named);
  await buildAhead(reads, named);
}

/**
 * The embedded store and its file when `collection`'s history is kept there, once the rows committed before
 * are in it: its key frames then live on the store's as-of thread (as-of-thread.ts); null elsewhere.
 */
async function historyFile(reads: ReadStore, collection: string): Promise<{ store: EmbeddedReadStore; file: string } | null> {
  if (!(reads instanceof EmbeddedReadStore)) return null;
  const file = await reads.logFileOf(historyOf(collection));
  return file === null ? null : { store: reads, file };
}

