// Chinese has no spaces, and MongoDB's text index does not segment it. We index character bigrams
// (a multikey index narrows candidates on MongoDB) and confirm with an escaped substring regex, which
// gives the same exact substring semantics on mingo and MongoDB.
import type { Filter } from '../infra/read-store.js';

const normalize = (s: string) => s.toLowerCase().replace(/\s+/g, '');

export function bigrams(text: string): string[] {
  const chars = [...normalize(text)];
  const grams = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i++) grams.add(chars[i]! + chars[i + 1]!);
  return [...grams];
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every whitespace-separated term must occur in one of the fields (each field has a `<field>Grams` twin). */
export function substringFilter(q: string, fields: string[]): Filter | null {
  const terms = q.trim().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return null;
  const clauses = terms.map((term) => {
    const grams = bigrams(term);
    const regex = { $regex: escapeRegex(term), $options: 'i' };
    return {
      $or: fields.map((f) => (grams.length > 0 ? { [`${f}Grams`]: { $all: grams }, [f]: regex } : { [f]: regex })),
    };
  });
  return clauses.length === 1 ? clauses[0]! : { $and: clauses };
}
