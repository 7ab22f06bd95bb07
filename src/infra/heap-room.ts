// A rebuild's heap (scripts/project.ts). V8 lets the old generation grow to a multiple of what survived its
// last full collection (up to 4×; here at most 2×, from the start). While the log is read, what survives
// grows with it, so twice it is hundreds of MB of room late in a long rebuild, filled with the old values
// of documents changed in place. Here the room is bounded in MB instead: after
// each full collection the next limit's percentage is set from what survived. At the log's end (tighten)
// the end's work, which makes garbage more than data, gets 30 %, counted from a collection made then.
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';

const MIN_PERCENT = 30;
const MAX_PERCENT = 100;

/** The growth to allow above `liveBytes` so that the room is about `roomBytes`, between 30 and 100 %. */
export function growingPercent(liveBytes: number, roomBytes: number): number {
  if (!(liveBytes > 0)) return MAX_PERCENT;
  return Math.round(Math.min(MAX_PERCENT, Math.max(MIN_PERCENT, (100 * roomBytes) / liveBytes)));
}

/** A full collection, when gc() is exposed (--expose-gc). */
const collect = () => (globalThis as { gc?: () => void }).gc?.();

export interface HeapRoom {
  /** From here on 30 %, counted from a full collection made now when gc() is exposed (--expose-gc). */
  tighten(): void;
  /** Done: a full collection now, when gc() is exposed. */
  stop(): void;
}

/**
 * Keeps the room above the live heap near `roomMb` (a setting V8 reads at each full collection, so each
 * percentage takes effect at the one after the collection it was measured at: live only grows meanwhile).
 */
export function keepHeapRoom(roomMb: number): HeapRoom {
  setFlagsFromString(`--heap-growing-percent=${MAX_PERCENT}`); // until the first full collection says more
  const observer = new PerformanceObserver((list) => {
    const major = list.getEntries().some((e) => (e as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR);
    // Read a little after the collection, so with what was allocated since: close enough for a bound.
    if (major) setFlagsFromString(`--heap-growing-percent=${growingPercent(getHeapStatistics().used_heap_size, roomMb * 2 ** 20)}`);
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    tighten() {
      observer.disconnect();
      setFlagsFromString(`--heap-growing-percent=${MIN_PERCENT}`);
      collect();
    },
    stop() {
      observer.disconnect();
      collect();
    },
  };
}
