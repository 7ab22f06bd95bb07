// A filter made of equalities to strings or booleans ({ status: 'published' }, { visible: true, kind }),
// or memberships in lists of them ({ projectId: { $in: [...] } }), tested without mingo, whose compiled
// test resolved every path generically: a search "as of" a date tests every document of a collection
// rebuilt for that one answer, and compiling matching's per-batch look-up cost ~2 % of a command.
import { isPlainObject } from './embedded-doc-ops.js';
import type { Doc, Filter } from './read-store.js';

const isKey = (v: unknown): v is string | boolean => typeof v === 'string' || typeof v === 'boolean';

/** The values a condition accepts when it is an equality or an `$in` of strings and booleans only, else null. */
function accepted(condition: unknown): (string | boolean)[] | null {
  if (isKey(condition)) return [condition];
  if (!isPlainObject(condition)) return null;
  const keys = Object.keys(condition);
  const list = condition.$in;
  return keys.length === 1 && Array.isArray(list) && list.every(isKey) ? list : null;
}

/**
 * The test of `filter` when it is only equalities of plain paths to strings or booleans (or `$in` lists
 * of them), else null. A document with an array or an object where a path ends or passes (MongoDB
 * matches inside arrays) is left to `otherwise`.
 */
export function equalityTest(filter: Filter, otherwise: (doc: Doc) => boolean): ((doc: Doc) => boolean) | null {
  const conditions: { segments: string[]; one: string | boolean; many: Set<string | boolean> | null }[] = [];
  for (const [key, condition] of Object.entries(filter)) {
    const values = key.startsWith('$') ? null : accepted(condition);
    if (values === null) return null;
    conditions.push({ segments: key.split('.'), one: values[0]!, many: values.length === 1 ? null : new Set(values) });
  }
  return (doc) => {
    for (const { segments, one, many } of conditions) {
      let v: unknown = doc;
      for (const s of segments) {
        if (Array.isArray(v)) return otherwise(doc);
        v = isPlainObject(v) ? v[s] : undefined;
      }
      if (v !== null && typeof v === 'object') return otherwise(doc);
      if (many === null ? v !== one : !many.has(v as string | boolean)) return false;
    }
    return true;
  };
}
