// What `npm run project` tells an operator while it catches up (a rebuild at 5M events runs ~9 minutes):
// how far it is, how fast it goes and about how long is left. On stderr, so stdout keeps its one JSON line.

/** Where the projections stood at a time (ms on any clock), against the log's head. */
export interface ProgressSample {
  /** The position every read model has reached. */
  position: number;
  head: number;
  atMs: number;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');

/** The duration in words an operator reads at a glance: seconds under two minutes, minutes after. */
export function roughly(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}

/**
 * One line of progress since `from` (where this catch-up began): null at the head, nothing to tell. The
 * rate is the average since `from`; the time left assumes it holds.
 */
export function progressLine(from: Pick<ProgressSample, 'position' | 'atMs'>, now: ProgressSample): string | null {
  if (now.position >= now.head) return null;
  const done = now.position - from.position;
  const total = now.head - from.position;
  const percent = total > 0 ? Math.floor((100 * done) / total) : 0;
  const elapsedMs = now.atMs - from.atMs;
  const rate = elapsedMs > 0 ? (1000 * done) / elapsedMs : 0;
  const leftMs = rate > 0 ? (1000 * (now.head - now.position)) / rate : null;
  // The last batch of a long catch-up waits for the read models derived at its end (demand matching: ~10 s at 1M events).
  const left = leftMs === null ? '' : leftMs < 1000 ? ', finishing' : `, about ${roughly(leftMs)} to go`;
  return `projected ${int(now.position)} of ${int(now.head)} events (${percent} %), ${int(rate)} events/s${left}`;
}

/**
 * The lines of a run that may catch up more than once (a projector following the log for days): each
 * catch-up is measured from the last time it was seen at the head, not from the process's start.
 */
export class Progress {
  private from: Pick<ProgressSample, 'position' | 'atMs'>;

  constructor(position: number, atMs: number) {
    this.from = { position, atMs };
  }

  line(now: ProgressSample): string | null {
    const line = progressLine(this.from, now);
    if (line === null) this.from = { position: now.position, atMs: now.atMs };
    return line;
  }
}
