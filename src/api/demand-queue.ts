// The demand queue's answer as text. A page holds twenty demands with up to twenty candidates each, every
// one with its reasons: shaping, presenting (present.ts) and serialising all that at every request cost
// more than the rest of the route. Each demand's text is kept per version of its documents instead (the
// embedded store hands out the same document until it changes, and a write moves its `_position`; the
// candidates are a new list whenever they change); only `overdue`, which moves with the clock, is
// written per request, and it comes last. The text is what presenting and serialising the view gives.
import type { Candidate } from '../domain/matching.js';
import type { Doc } from '../infra/read-store.js';
import { type DemandPage, demandView, overdueAt } from '../projections/demand-queries.js';
import { presentAnswer } from './present.js';

const texts = new WeakMap<Doc, { position: unknown; candidates: Candidate[] | undefined; open: string }>();

/** One demand presented and serialised, without its closing brace and `overdue`. */
function demandText(doc: Doc, candidates: Candidate[] | undefined, now: string): string {
  const kept = texts.get(doc);
  if (kept && kept.position === doc._position && kept.candidates === candidates) return kept.open;
  const { overdue: _clock, ...view } = demandView(doc, candidates, now);
  const open = JSON.stringify(presentAnswer(view)).slice(0, -1);
  texts.set(doc, { position: doc._position, candidates, open });
  return open;
}

/** The page as JSON, the same text as serialising `{ items, total, page, pageSize }` of presented views. */
export function demandQueueJson(page: DemandPage, now: string): string {
  const items = page.docs.map((doc) => `${demandText(doc, page.candidates.get(doc._id), now)},"overdue":${overdueAt(doc, now)}}`);
  return `{"items":[${items.join(',')}],"total":${page.total},"page":${page.page},"pageSize":${page.pageSize}}`;
}
