// The embedded read store's equality indexes: value → ids, used only to narrow what mingo then tests.
import type { Doc } from './read-store.js';
import { type Primitive, isPlainObject, isPrimitive } from './embedded-doc-ops.js';

/**
 * Equality index on one field: value → ids. Only ever used to narrow the candidates that mingo then tests,
 * so it must return a superset of the matches: documents whose path crosses an array are always candidates.
 */
export class EqualityIndex {
  /** Strings by themselves (a text field's bigrams are most of an index: no key string made per value), numbers and booleans apart. */
  private readonly strings = new Map<string, Set<string>>();
  private readonly others = new Map<string, Set<string>>();
  private readonly alwaysCandidates = new Set<string>();

  private readonly segments: string[];

  constructor(readonly field: string) {
    this.segments = field.split('.');
  }

  private mapOf(v: Primitive): [Map<string, Set<string>>, string] {
    return typeof v === 'string' ? [this.strings, v] : [this.others, `${typeof v}:${String(v)}`];
  }

  /** The value at the indexed path, or the first array on it; undefined when absent. */
  valueOf(doc: Doc): unknown {
    let value: unknown = doc;
    for (const s of this.segments) {
      if (Array.isArray(value)) return value; // the path fans out: the array as a whole decides
      value = isPlainObject(value) ? value[s] : undefined;
    }
    return value;
  }

  /** The indexed values of a document, or null when the path crosses an array (then it is always a candidate). */
  private valuesOf(doc: Doc): unknown[] | null {
    let value: unknown = doc;
    for (const s of this.segments) {
      if (Array.isArray(value)) return null;
      value = isPlainObject(value) ? value[s] : undefined;
    }
    return Array.isArray(value) ? value : [value]; // {tags: 'x'} matches tags: ['x', 'y']
  }

  add(doc: Doc): void {
    const values = this.valuesOf(doc);
    if (values === null) {
      this.alwaysCandidates.add(doc._id);
      return;
    }
    // No [map, key] pair per value: a project's hundreds of bigrams are indexed at every change of it.
    for (const v of values) {
      if (typeof v === 'string') addTo(this.strings, v, doc._id);
      else if (isPrimitive(v)) addTo(this.others, `${typeof v}:${String(v)}`, doc._id);
    }
  }

  remove(doc: Doc): void {
    this.alwaysCandidates.delete(doc._id);
    for (const v of this.valuesOf(doc) ?? []) {
      if (typeof v === 'string') this.strings.get(v)?.delete(doc._id);
      else if (isPrimitive(v)) this.others.get(`${typeof v}:${String(v)}`)?.delete(doc._id);
    }
  }

  candidates(values: Primitive[]): Set<string> {
    const out = new Set(this.alwaysCandidates);
    for (const v of values) {
      const [map, key] = this.mapOf(v);
      for (const id of map.get(key) ?? []) out.add(id);
    }
    return out;
  }
}

function addTo(map: Map<string, Set<string>>, key: string, id: string): void {
  const ids = map.get(key);
  if (ids) ids.add(id);
  else map.set(key, new Set([id]));
}

/** The primitive values a top-level filter condition requires by equality, or null when it is not that. */
export function equalityValues(condition: unknown): Primitive[] | null {
  if (isPrimitive(condition)) return [condition];
  if (!isPlainObject(condition)) return null;
  if (isPrimitive(condition.$eq)) return [condition.$eq];
  const list = condition.$in;
  return Array.isArray(list) && list.every(isPrimitive) ? list : null;
}

export function intersect(a: Set<string>, b: Set<string>): Set<string> {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  const out = new Set<string>();
  for (const id of small) if (large.has(id)) out.add(id);
  return out;
}
