// Counter ops of one batch added up before the embedded store checks and applies them. The statistics
// read models send four `inc` ops of ~30 dotted counters per event (the running total and the year, month
// and day buckets): a rebuild's batch of 500 events sent ~1,200 ops to a handful of documents, each
// checked and walked path by path. Summed per document first, the store handles a handful.
import { valueAt } from './embedded-doc-ops.js';
import type { Doc, DocOp } from './read-store.js';

/** Increments up to this size are summed; a run holds at most MAX_RUN of them, so a sum stays within 2^51. */
const MAX_AMOUNT = 2 ** 31;
const MAX_RUN = 2 ** 20;
/** A counter below this (and an integer) gives the same total whatever order integers ≤ 2^51 are added in. */
const EXACT_BELOW = 2 ** 52;

/** An op that only counts: `inc` of small integers, optionally with setOnInsert. */
function counts(op: DocOp): op is DocOp & { inc: Record<string, number> } {
  if (op.set !== undefined || op.unset !== undefined || op.inc === undefined) return false;
  for (const p in op.inc) {
    const n = op.inc[p]!;
    // '__proto__' as a key would be lost when the sums become an object again: such an op is left as it is.
    if (!Number.isInteger(n) || Math.abs(n) > MAX_AMOUNT || p === '__proto__') return false;
  }
  return true;
}

/** Same keys, the same primitive values (what counterOps makes: `{ kind, key }`); anything else is not merged. */
function sameFlat(a: Record<string, unknown> | undefined, b: Record<string, unknown> | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  let n = 0;
  for (const k in a) {
    const v = a[k];
    if ((v !== null && typeof v === 'object') || !Object.hasOwn(b, k) || b[k] !== v) return false;
    n++;
  }
  for (const _k in b) n--;
  return n === 0;
}

class Run {
  readonly parts: DocOp[];
  constructor(readonly first: DocOp & { inc: Record<string, number> }) {
    this.parts = [first];
  }
}

/** The ops a merged op stands for, in their order (the store falls back to them when a sum might round). */
const partsOfMerged = new WeakMap<DocOp, readonly DocOp[]>();
export const mergedParts = (op: DocOp): readonly DocOp[] | undefined => partsOfMerged.get(op);

/**
 * The batch's ops with each run of counting ops on one document (no other op on it between them, the same
 * setOnInsert, each applying under the position guard) replaced by one op at the run's first place: their
 * `inc` summed, the last one's position, the first one's setOnInsert. Applied to a document whose counters
 * are integers below EXACT_BELOW (the store checks: `mergedParts` otherwise), it gives what the run op by
 * op gives: the same counters, the same `_position`, setOnInsert only when inserting. The store's checks see
 * every path of the run at once, so they refuse whatever any of its ops would have made fail. Ops the guard
 * would skip are left as they are, to be checked and skipped.
 */
export function coalesceCounts(ops: DocOp[], stored: (collection: string, id: string) => Doc | undefined): DocOp[] {
  let countable = 0;
  for (const op of ops) if (op.inc !== undefined && op.set === undefined && op.unset === undefined) countable++;
  if (countable < 2) return ops;
  const out: (DocOp | Run)[] = [];
  const open = new Map<string, Run>(); // document → its run still open
  const reached = new Map<string, number>(); // document → the position it has after the ops so far
  for (const op of ops) {
    const key = `${op.collection}\u0000${op.id}`;
    let at = reached.get(key);
    if (at === undefined) {
      const doc = stored(op.collection, op.id);
      at = doc !== undefined && typeof doc._position === 'number' ? doc._position : -Infinity;
    }
    const applies = op.position > at; // the position guard, as the store applies op after op
    if (applies) reached.set(key, op.position);
    if (!applies || !counts(op)) {
      open.delete(key); // a run after this op is a new one: the order on a document is kept
      out.push(op);
      continue;
    }
    const run = open.get(key);
    if (run === undefined || run.parts.length >= MAX_RUN || !sameFlat(run.first.setOnInsert, op.setOnInsert)) {
      const fresh = new Run(op);
      out.push(fresh);
      open.set(key, fresh);
    } else run.parts.push(op);
  }
  return out.map((o) => (o instanceof Run ? mergedOp(o) : o));
}

function mergedOp(run: Run): DocOp {
  if (run.parts.length === 1) return run.first;
  const sums = new Map<string, number>();
  for (const part of run.parts) for (const p in part.inc) sums.set(p, (sums.get(p) ?? 0) + part.inc![p]!);
  const inc: Record<string, number> = {};
  for (const [p, n] of sums) inc[p] = n;
  const op: DocOp = { collection: run.first.collection, id: run.first.id, position: run.parts[run.parts.length - 1]!.position, inc };
  if (run.first.setOnInsert !== undefined) op.setOnInsert = run.first.setOnInsert;
  partsOfMerged.set(op, run.parts);
  return op;
}

/** Whether a merged op's sums give what its parts give one by one: every counter it adds to is an integer below EXACT_BELOW. */
export function sumsExactly(doc: Doc, op: DocOp): boolean {
  for (const p in op.inc) {
    const v = valueAt(doc, p);
    // Not a number (missing counts as 0; anything else fails the inc either way).
    if (typeof v === 'number' && !(Number.isInteger(v) && Math.abs(v) < EXACT_BELOW)) return false;
  }
  return true;
}
