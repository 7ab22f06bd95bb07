// How records are shown: one place for every route and live push. No internal store field (_id,
// _position, search grams) leaves here; every resource carries `id`.
import type { Actor } from '../domain/shared.js';
import { presentAnswer } from '../projections/presented.js';

export { presentAnswer } from '../projections/presented.js';

// One collator for every request: localeCompare with a locale builds a new one per call.
const byUnit = new Intl.Collator('zh', { numeric: true });

/** The public shape of a project document. */
export function presentProject(doc: Record<string, unknown>) {
  const shown = presentAnswer(doc) as Record<string, unknown>;
  const out = shown === doc ? { ...doc } : shown; // written below: never the (frozen) document itself
  // The ledger's counters (hundredths of a ㎡) become the figures the API names (domain.md, the space ledger).
  const ledger = out.ledger as Record<string, number> | undefined;
  if (ledger) {
    out.ledger = undefined;
    for (const state of ['available', 'offered', 'allocated', 'let', 'sold', 'withheld']) out[`${state}Area`] ??= (ledger[`${state}Centi`] ?? 0) / 100;
  }
  const units = Object.values((out.units as Record<string, { building: string; floor: string; number: string }>) ?? {});
  out.units = units.length < 2 ? units : units.sort((a, b) => byUnit.compare(`${a.building}|${a.floor}|${a.number}`, `${b.building}|${b.floor}|${b.number}`));
  return out;
}

/** The application without who filed its objections: that protects whoever objects (officers still see it). */
export function hideObjectors<T extends { objections?: object }>(doc: T): T {
  if (!doc.objections) return doc;
  const objections = Object.fromEntries(
    Object.entries(doc.objections as Record<string, { filedBy?: unknown }>).map(([id, o]) => {
      const { filedBy: _hidden, ...rest } = o;
      return [id, rest];
    }),
  );
  return { ...doc, objections };
}


/** What a viewer sees of an application: an enterprise does not see who objected. */
export const applicationForViewer = <T extends { objections?: object }>(actor: Actor | null, doc: T): T => (actor === null || actor.role === 'enterprise' ? hideObjectors(doc) : doc);

/** Why a member of staff opened a non-public record (X-Access-Reason, percent-encoded when not ASCII). */
export function accessReason(headers: Record<string, string | string[] | undefined>): string | undefined {
  const raw = headers['x-access-reason'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value) return undefined;
  let text = value;
  try {
    text = decodeURIComponent(value);
  } catch {
    // not percent-encoded: as it came
  }
  return text.trim().slice(0, 500) || undefined;
}
