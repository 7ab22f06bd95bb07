// Each worker thread's heap (its young generation; the as-of thread's old one too), chosen where the thread is made.
import os from 'node:os';
import v8 from 'node:v8';
import type { ResourceLimits } from 'node:worker_threads';

/** A size flag's value as the process was started (the last one given counts; the command line's come after NODE_OPTIONS'), if any. */
function flagMb(name: string): number | null {
  const args = [...(process.env.NODE_OPTIONS ?? '').split(/\s+/), ...process.execArgv];
  const pattern = new RegExp(`^--${name.replaceAll('-', '[-_]')}=(\\d+)$`);
  const found = args.map((a) => pattern.exec(a)?.[1]).findLast((v) => v !== undefined);
  return found === undefined ? null : Number(found);
}

/** The semi-space the process was started with (package.json's scripts give the main thread 64 MB), if any. */
const mainSemiSpaceMb = flagMb('max-semi-space-size');

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

/**
 * The old generation for a thread whose live set grows with the log: the operator's --max-old-space-size
 * when given (V8 applies it to every isolate), else half the memory the process may use (`memoryBytes`:
 * the machine's, or its container's), never below the main thread's limit (`defaultMb`). V8's default
 * for a worker, a quarter of the memory up to ~4 GB, was the as-of thread's ceiling: at 5M events its key
 * frames filled it, and it collected near it (README, "The key frames at 5M").
 */
export function growingOldSpaceMb(flag: number | null, memoryBytes: number, defaultMb: number): number | undefined {
  if (flag !== null) return undefined;
  return Math.max(defaultMb, Math.floor(memoryBytes / 2 ** 21));
}

/** workerHeap's limits with an old generation of growingOldSpaceMb (the as-of thread's). */
export function growingWorkerHeap(): ResourceLimits {
  const memory = Math.min(os.totalmem(), process.constrainedMemory?.() || Infinity);
  const old = growingOldSpaceMb(flagMb('max-old-space-size'), memory, Math.floor(v8.getHeapStatistics().heap_size_limit / 2 ** 20));
  return { ...workerHeap(), ...(old === undefined ? {} : { maxOldGenerationSizeMb: old }) };
}
