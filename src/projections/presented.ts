// How a read model's records are shown (every /api answer and live push, through src/api/present.ts):
// `id` on records, no store-internal field. Beside the read models because they define those fields;
// pure, so tests hold it to the rule directly.

/** Internal fields of read-model documents without the `_` mark (search grams, the geo index field). */
const INTERNAL = new Set(['nameGrams', 'addressGrams', 'geo']);

/**
 * Any answer as the portal sees it: a record (an object with a store `_id`) gets `id` (first), and no
 * key starting with `_` or internal to a read model is left, at any depth. Every /api answer goes
 * through it (app.ts, preSerialization), and live pushes should too: one rule for reads and pushes.
 *
 * What JSON.stringify then writes, not a copy of everything: a part that needs no change is given as it
 * is (stored documents are frozen), and a key to hide is set to undefined (JSON leaves it out) on a spread
 * copy rather than deleted or added key by key. Both of those made dictionary-mode objects (a delete, or
 * more than a few keyed stores): ~25 % of a staff GET's main thread went to building them (a profile of
 * the bench's access-log row at a million events).
 */
export function presentAnswer(value: unknown): unknown {
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const shown = presentAnswer(v);
      if (shown !== v) (copy ??= value.slice())[i] = shown;
    }
    return copy ?? value;
  }
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const doc = value as Record<string, unknown>;
  let out: Record<string, unknown> | null = doc.id === undefined && doc._id !== undefined ? { id: doc._id, ...doc } : null;
  for (const k of Object.keys(doc)) {
    const v = doc[k];
    if (k.charCodeAt(0) === 95 /* _ */ || INTERNAL.has(k)) {
      if (v !== undefined) (out ??= { ...doc })[k] = undefined;
      continue;
    }
    const shown = presentAnswer(v);
    if (shown !== v) (out ??= { ...doc })[k] = shown;
  }
  return out ?? doc;
}
