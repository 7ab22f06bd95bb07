// Each worker thread's young generation, chosen where the thread is made.
import v8 from 'node:v8';
import type { ResourceLimits } from 'node:worker_threads';

/** The semi-space the process was started with (package.json's scripts give the main thread 64 MB), if any. */
const mainSemiSpaceMb = (() => {
  // The last one given counts, and the command line's come after NODE_OPTIONS'.
  const args = [...(process.env.NODE_OPTIONS ?? '').split(/\s+/), ...process.execArgv];
  const found = args.map((a) => /^--max[-_]semi[-_]space[-_]size=(\d+)$/.exec(a)?.[1]).findLast((v) => v !== undefined);
  return found === undefined ? null : Number(found);
})();

let released = false;

/**
 * The resource limits of a worker with a young generation of `youngMb` (V8 gives two thirds of it to the
 * semi-spaces), or, without, the main thread's. V8 applies `--max-semi-space-size` to every isolate made
 * while it is set, a worker's own limits notwithstanding: the read-model writer, which keeps little, had
 * 128 MB of semi-spaces committed for 20-70 MB used. So the flag is cleared once the main thread has its
 * heap (V8 reads it when an isolate is made), and every worker says what it needs.
 */
export function workerHeap(youngMb?: number): ResourceLimits | undefined {
  if (!released) {
    v8.setFlagsFromString('--max-semi-space-size=0'); // 0: unset
    released = true;
  }
  const mb = youngMb ?? (mainSemiSpaceMb === null ? undefined : mainSemiSpaceMb * 3);
  return mb === undefined ? undefined : { maxYoungGenerationSizeMb: mb };
}
