// What `npm run project` tells an operator while it catches up (a rebuild at 5M events runs ~9 minutes):
// how far it is, how fast it goes and about how long is left. On stderr, so stdout keeps its one JSON line.

export interface ProgressSample {
  /** The position every read model has reached. */
  position: number;
  head: number;
  /** Since the run began (ms). */
  elapsedMs: number;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');

/** The duration in words an operator reads at a glance: seconds under two minutes, minutes after. */
export function roughly(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}

/**
 * One line of progress, measured from where the run began (`from`): null when there is nothing to tell (at
 * the head). The rate is the average since the start; the time left assumes it holds.
 */
export function progressLine(from: number, now: ProgressSample): string | null {
  if (now.position >= now.head) return null;
  const done = now.position - from;
  const total = now.head - from;
  const percent = total > 0 ? Math.floor((100 * done) / total) : 0;
  const rate = now.elapsedMs > 0 ? (1000 * done) / now.elapsedMs : 0;
  const leftMs = rate > 0 ? (1000 * (now.head - now.position)) / rate : null;
  // The last batch of a long catch-up waits for the read models derived at its end (demand matching: ~10 s at 1M events).
  const left = leftMs === null ? '' : leftMs < 1000 ? ', finishing' : `, about ${roughly(leftMs)} to go`;
  return `projected ${int(now.position)} of ${int(now.head)} events (${percent} %), ${int(rate)} events/s${left}`;
}
