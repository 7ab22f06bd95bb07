// Document changes as the embedded read store applies them: the checks that keep every adapter's answer
// the same as MongoDB's (checkDocOp), and copy-on-write application of one guarded op (Writer, applyDocOp).
import { copyDocNode, copyNestedNode, isPlainPrototype, newDocNode, newDocNodeFor, newDocNodeLike, parseDoc } from './doc-realm.js';
import type { Doc, DocOp } from './read-store.js';

export type Primitive = string | number | boolean;
export type Node = Record<string, unknown>;

export const isPrimitive = (v: unknown): v is Primitive => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
export const isPlainObject = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);
const DOT = 46;
/** True when writing one path would touch the other (the same path, or one inside the other). No text is made: checkDocOp calls it per pair. */
export function pathsOverlap(a: string, b: string): boolean {
  if (a.length === b.length) return a === b;
  return a.length < b.length ? b.charCodeAt(a.length) === DOT && b.startsWith(a) : a.charCodeAt(b.length) === DOT && a.startsWith(b);
}

/** The dotted leaf paths of `setOnInsert`-style values: nested plain objects are flattened. */
export function leafPaths(values: Record<string, unknown> | undefined, prefix = ''): [string, unknown][] {
  return Object.entries(values ?? {}).flatMap(([k, v]): [string, unknown][] =>
    isPlainObject(v) && Object.keys(v).length > 0 ? leafPaths(v, `${prefix}${k}.`) : [[`${prefix}${k}`, v]],
  );
}

/**
 * Rejects ops that MongoDB would reject or that the two adapters would apply differently, so a projection
 * bug shows up in tests on the embedded store rather than in production.
 */
export function checkDocOp(op: DocOp): void {
  if (!Number.isFinite(op.position)) failOp(op, 'position must be a finite number');
  // No closures here: a rebuild checks millions of ops (and tsx wraps every closure made to keep its name).
  let dotted = false;
  let written = 0;
  for (const p in op.set) {
    if (!checkedPaths.has(p)) checkPath(op, p);
    if (!dotted && p.includes('.')) dotted = true;
    written++;
  }
  for (const p in op.inc) {
    if (!checkedPaths.has(p)) checkPath(op, p);
    if (!dotted && p.includes('.')) dotted = true;
    written++;
  }
  if (op.unset) for (const p of op.unset) if (!checkedPaths.has(p)) checkPath(op, p);
  if (op.setOnInsert) {
    const inserted = leafPaths(op.setOnInsert).map(([p]) => p);
    for (const p of inserted) if (!checkedPaths.has(p)) checkPath(op, p);
    // MongoDB cannot both $setOnInsert and $inc one path; the embedded store would add them.
    if (op.inc) for (const p in op.inc) if (inserted.includes(p)) failOp(op, `'${p}' is both inc and setOnInsert`);
  }
  // Plain fields set, or plain fields incremented, cannot conflict (the keys of one object): no search.
  if (!dotted && !op.unset && !(op.set && op.inc)) return;
  const paths = written + (op.unset?.length ?? 0);
  if (paths < 2) return;
  // A few paths (a unit added or removed: its own dotted path and updatedAt, new at every event, so no
  // shape would recur): compared pair by pair, without making the shape's text.
  if (paths <= FEW_PATHS) return checkFewPaths(op);
  // The same shapes recur (a statistics counter op per event): a set of paths found free of conflicts once is so again.
  // (Each path length-prefixed: one text names one list of paths, whatever characters they hold.)
  let shape = 's';
  for (const p in op.set) shape += `${p.length}:${p}`;
  shape += 'u';
  for (const p of op.unset ?? []) shape += `${p.length}:${p}`;
  shape += 'i';
  for (const p in op.inc) shape += `${p.length}:${p}`;
  if (freeShapes.has(shape)) return;
  // Two written paths conflict when equal or one is a prefix of the other: linear in paths × depth.
  const seen = new Set<string>();
  const prefixes = new Set<string>();
  const visit = (p: string) => {
    if (seen.has(p) || prefixes.has(p)) failOp(op, `'${p}' conflicts with another written path`);
    for (let dot = p.indexOf('.'); dot !== -1; dot = p.indexOf('.', dot + 1)) {
      const prefix = p.slice(0, dot);
      if (seen.has(prefix)) failOp(op, `'${p}' and '${prefix}' conflict`);
      prefixes.add(prefix);
    }
    seen.add(p);
  };
  for (const p in op.set) visit(p);
  for (const p of op.unset ?? []) visit(p);
  for (const p in op.inc) visit(p);
  if (freeShapes.size >= 10_000) freeShapes.clear();
  // A long shape is one that will not recur (thousands of units added or removed at once, each path new):
  // kept, 10,000 of them could hold gigabytes.
  if (shape.length <= MAX_KEPT_SHAPE) freeShapes.add(shape);
}

const MAX_KEPT_SHAPE = 8_192;
/** How many shapes are kept (a test's view of the bound). */
export const keptShapes = () => freeShapes.size;

const FEW_PATHS = 6;

function checkFewPaths(op: DocOp): void {
  const paths: string[] = [];
  for (const p in op.set) paths.push(p);
  for (const p of op.unset ?? []) paths.push(p);
  for (const p in op.inc) paths.push(p);
  for (let i = 1; i < paths.length; i++) {
    for (let j = 0; j < i; j++) if (pathsOverlap(paths[i]!, paths[j]!)) failOp(op, `'${paths[i]}' conflicts with '${paths[j]}'`);
  }
}

/** Path sets (set, unset, inc) found free of conflicts (checkDocOp). */
const freeShapes = new Set<string>();

function failOp(op: DocOp, why: string): never {
  throw new Error(`invalid op on ${op.collection}/${op.id} at ${op.position}: ${why}`);
}

/** Paths found valid: the same few hundred recur in every batch (a rebuild checks millions of ops). */
const checkedPaths = new Set<string>();

function checkPath(op: DocOp, p: string): void {
  // A NUL too: MongoDB's keys are C strings (the driver refuses one before sending).
  if (p === '' || p.startsWith('.') || p.endsWith('.') || p.includes('..') || p.startsWith('$') || p.includes('.$') || p.includes('\u0000')) failOp(op, `bad path '${p}'`);
  if (p === '_id' || p.startsWith('_id.') || p === '_position' || p.startsWith('_position.')) failOp(op, `'${p}' is managed by the store`);
  // Assigning it would set an object's prototype, not a field (read models encode such keys: encodeKey).
  if (segmentsOf(p).includes('__proto__')) failOp(op, `bad path '${p}': '__proto__' names no field`);
  if (checkedPaths.size >= 100_000) checkedPaths.clear();
  checkedPaths.add(p);
}

// Values are stored as JSON, so they are normalised once here: memory then matches what a reload gives
// (Dates become ISO strings, undefined becomes null as the MongoDB driver does) and callers keep no alias.
export const plain = (v: unknown): unknown => {
  if (v === undefined) return null;
  if (v === null || typeof v !== 'object') return v;
  const copy = jsonCopy(v);
  return copy === SLOW ? parseDoc(JSON.stringify(v)) : copy;
};

const SLOW = Symbol('slow');

/**
 * `JSON.parse(JSON.stringify(v))` without the text, for the values projections set (plain objects,
 * arrays, strings, finite numbers, Dates): a third of the time in a rebuild. Anything else (a NaN,
 * -0, a symbol, a `__proto__` key, a toJSON other than Date's, a boxed primitive…) answers SLOW and
 * the caller takes the text route, so the result is always exactly JSON's.
 */
function jsonCopy(v: unknown): unknown {
  if (typeof v === 'string' || typeof v === 'boolean' || v === null) return v;
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0) ? v : SLOW;
  if (typeof v !== 'object') return SLOW;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) {
      const e = v[i];
      if (e === undefined) return SLOW;
      const c = jsonCopy(e);
      if (c === SLOW) return SLOW;
      out[i] = c;
    }
    return out;
  }
  if (v instanceof Date) return v.toJSON();
  const proto = Object.getPrototypeOf(v);
  if (!isPlainPrototype(proto) || 'toJSON' in v) return SLOW;
  const out = newDocNodeLike(v);
  for (const k of Object.keys(v)) {
    const e = (v as Record<string, unknown>)[k];
    if (e === undefined) continue; // JSON drops it
    if (k === '__proto__') return SLOW;
    const c = jsonCopy(e);
    if (c === SLOW) return SLOW;
    out[k] = c;
  }
  return out;
}

/** Freezes a value and everything in it: stored documents are shared with readers, never copied for them. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Dotted paths split once: the same few hundred recur in every batch (as in checkedPaths). Shared arrays: read only. */
const segmentCache = new Map<string, string[]>();
export function segmentsOf(dotted: string): readonly string[] {
  let segments = segmentCache.get(dotted);
  if (segments === undefined) {
    if (segmentCache.size >= 100_000) segmentCache.clear();
    segmentCache.set(dotted, (segments = dotted.split('.')));
  }
  return segments;
}

/** The value at a dotted path of a document (undefined when a step is missing or not an object). */
export function valueAt(doc: Doc, dotted: string): unknown {
  let node: unknown = doc;
  for (const s of segmentsOf(dotted)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = ownValue(node as Node, s);
  }
  return node;
}

/**
 * A node's own field: never what its prototype has under that name (`constructor`, `toString`…). Stored
 * values are JSON, and every inherited member is a function but the `__proto__` accessor: only those are
 * asked about (a rebuild reads millions of paths).
 */
function ownValue(node: Node, key: string): unknown {
  const v = node[key];
  return (typeof v === 'function' || key === '__proto__') && !Object.hasOwn(node, key) ? undefined : v;
}

/**
 * Stored documents are never modified: a change copies only the objects on the paths it touches
 * (copy-on-write) and shares the rest with the previous version. `fresh` holds the copies made for
 * this op, which may then be written in place. In bulk mode (a long catch-up, see setBulk) nothing is
 * copied or frozen: unfrozen objects are written in place, and sealed when the bulk ends.
 */
export class Writer {
  private readonly fresh = new Set<object>();
  readonly doc: Doc;

  constructor(
    doc: Doc | undefined,
    id: string,
    private readonly inPlace = false,
  ) {
    this.doc = doc ? (inPlace && !Object.isFrozen(doc) ? doc : copyDocNode(doc)) : (newDocNode() as Doc);
    if (!doc) this.doc._id = id;
    this.fresh.add(this.doc);
  }

  private own<T extends object>(node: T): T {
    if (this.fresh.has(node) || (this.inPlace && !Object.isFrozen(node))) return node;
    const copy = (Array.isArray(node) ? [...node] : copyNestedNode(node)) as T;
    this.fresh.add(copy);
    return copy;
  }

  /** The writable parent of `dotted`, creating missing objects like MongoDB does; throws on scalars. */
  parentOf(dotted: string, create: boolean): [Node, string] | undefined {
    const segments = segmentsOf(dotted);
    let node: Node = this.doc;
    for (let i = 0; i < segments.length; i++) {
      const s = segments[i]!;
      if (Array.isArray(node) && !/^\d+$/.test(s)) throw new Error(`cannot create field '${dotted}' inside an array`);
      if (i === segments.length - 1) return [node, s];
      let next = ownValue(node, s);
      if (next === undefined) {
        if (!create) return undefined;
        next = node[s] = newDocNodeFor(segments[i + 1]!);
        this.fresh.add(next as object);
      } else if (typeof next !== 'object' || next === null) {
        throw new Error(`cannot create field '${dotted}' inside a scalar`);
      } else {
        next = node[s] = this.own(next as Node);
      }
      node = next as Node;
    }
    return undefined; // unreachable: split always yields at least one segment
  }

  set(dotted: string, value: unknown): void {
    const [node, key] = this.parentOf(dotted, true) as [Node, string];
    node[key] = this.inPlace ? value : deepFreeze(value);
  }

  /** Seals the new version: from now on it is shared with readers as it is (in bulk mode: at the bulk's end). */
  finish(): Doc {
    if (!this.inPlace) for (const node of this.fresh) Object.freeze(node);
    return this.doc;
  }

  /** Applies a checked op; `inserting`: the document did not exist before it (for setOnInsert). */
  apply(op: DocOp, inserting: boolean): void {
    if (inserting && op.setOnInsert) for (const p in op.setOnInsert) this.set(p, plain(op.setOnInsert[p]));
    if (op.set) for (const p in op.set) this.set(p, plain(op.set[p]));
    for (const p of op.unset ?? []) {
      const found = this.parentOf(p, false);
      if (found && Array.isArray(found[0])) found[0][Number(found[1])] = null; // MongoDB nulls array slots
      else if (found) delete found[0][found[1]];
    }
    for (const p in op.inc) {
      const by = op.inc[p]!;
      const [node, key] = this.parentOf(p, true) as [Node, string];
      const current = ownValue(node, key) ?? 0;
      if (typeof current !== 'number') throw new Error(`cannot inc non-numeric field '${p}' of ${op.collection}/${op.id}`);
      node[key] = current + by;
    }
    this.doc._position = op.position;
  }
}

export const reflects = (doc: Doc | undefined, op: DocOp) => doc !== undefined && typeof doc._position === 'number' && doc._position >= op.position;

/**
 * Applies one guarded op: returns the new document, or undefined when the document already reflects a
 * position ≥ op.position. `doc` is never modified (unchanged parts are shared with the result).
 */
export function applyDocOp(doc: Doc | undefined, op: DocOp): Doc | undefined {
  if (reflects(doc, op)) return undefined;
  checkDocOp(op);
  const w = new Writer(doc, op.id);
  w.apply(op, doc === undefined);
  return w.finish();
}
