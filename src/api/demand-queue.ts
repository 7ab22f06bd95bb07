// The demand queue's answer as text. A page holds twenty demands with up to twenty candidates each, every
// one with its reasons: shaping, presenting (present.ts) and serialising all that at every request cost
// more than the rest of the route. Each demand's text is kept per version of its documents instead (the
// embedded store hands out the same document until it changes, and a write moves its `_position`; the
// candidates are a new list whenever they change); only `overdue`, which moves with the clock, is
// written per request, and it comes last. The text is what presenting and serialising the view gives.
//
// The whole page is kept too, as UTF-8 bytes, while the same documents, candidate lists, overdue flags
// and counts come back: an 80 kB answer made anew at every request is a large object for the garbage
// collector, which on a server holding a million events' read models cost more than all the rest.
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

/**
 * The page as JSON, the same text as serialising `{ items, total, page, pageSize }` of presented views;
 * `candidates` and `overdue` are the documents' own, in their order.
 */
function queueJson(page: DemandPage, candidates: (Candidate[] | undefined)[], overdue: boolean[], now: string): string {
  const items = page.docs.map((doc, i) => `${demandText(doc, candidates[i], now)},"overdue":${overdue[i]}}`);
  return `{"items":[${items.join(',')}],"total":${page.total},"page":${page.page},"pageSize":${page.pageSize}}`;
}

interface KeptPage {
  docs: Doc[];
  positions: unknown[];
  candidates: (Candidate[] | undefined)[];
  overdue: boolean[];
  total: number;
  body: Buffer;
}

/** Pages kept, by the query that asked for them (scope, filter, paging); the oldest goes first. */
const MAX_PAGES = 100;

export class DemandQueueBodies {
  private readonly pages = new Map<string, KeptPage>();

  /** The page's JSON as bytes: the same Buffer while nothing it shows has moved. `key` names the query. */
  body(key: string, page: DemandPage, now: string): Buffer {
    const candidates = page.docs.map((d) => page.candidates.get(d._id));
    const overdue = page.docs.map((d) => overdueAt(d, now));
    const kept = this.pages.get(key);
    if (
      kept &&
      kept.total === page.total &&
      kept.docs.length === page.docs.length &&
      page.docs.every((d, i) => d === kept.docs[i] && d._position === kept.positions[i] && candidates[i] === kept.candidates[i] && overdue[i] === kept.overdue[i])
    ) {
      return kept.body;
    }
    const body = Buffer.from(queueJson(page, candidates, overdue, now), 'utf8');
    this.pages.delete(key);
    this.pages.set(key, { docs: page.docs, positions: page.docs.map((d) => d._position), candidates, overdue, total: page.total, body });
    if (this.pages.size > MAX_PAGES) this.pages.delete(this.pages.keys().next().value!);
    return body;
  }
}
