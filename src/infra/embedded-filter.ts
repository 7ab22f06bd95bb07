// A filter made of equalities to strings or booleans ({ status: 'published' }, { visible: true, kind })
// tested without mingo, whose compiled test resolved every path generically: a search "as of" a date
// tests every document of a collection rebuilt for that one answer.
import { isPlainObject } from './embedded-doc-ops.js';
import type { Doc, Filter } from './read-store.js';

/**
 * The test of `filter` when it is only equalities of plain paths to strings or booleans, else null. A
 * document with an array or an object where a path ends or passes (MongoDB matches inside arrays) is
 * left to `otherwise`.
 */
export function equalityTest(filter: Filter, otherwise: (doc: Doc) => boolean): ((doc: Doc) => boolean) | null {
  const conditions: { segments: string[]; value: string | boolean }[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (key.startsWith('$') || (typeof value !== 'string' && typeof value !== 'boolean')) return null;
    conditions.push({ segments: key.split('.'), value });
  }
  return (doc) => {
    for (const { segments, value } of conditions) {
      let v: unknown = doc;
      for (const s of segments) {
        if (Array.isArray(v)) return otherwise(doc);
        v = isPlainObject(v) ? v[s] : undefined;
      }
      if (v !== null && typeof v === 'object') return otherwise(doc);
      if (v !== value) return false;
    }
    return true;
  };
}
