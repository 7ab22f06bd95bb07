// A subscription that does not stay dead: when it ends with an error (a lost EventStoreDB connection,
// a read store that refused a batch), it subscribes again from the caller's checkpoint after a
// growing, capped delay. The checkpoint is read again each time, so nothing is skipped or repeated
// beyond what the position guard already makes harmless.
import type { EventStore, RecordedEvent, Subscription } from '../infra/event-store.js';

export interface RetryOptions {
  /** First delay after a failure (ms). Default 200. */
  initialDelayMs?: number;
  /** The delay doubles up to this (ms). Default 30 000. */
  maxDelayMs?: number;
}

export interface FollowOptions extends RetryOptions {
  batchSize?: number;
  /** Every failure, before the retry is scheduled (the caller records and logs it). */
  onError?: (error: unknown, retryInMs: number) => void;
}

export interface FollowedLog {
  close(): Promise<void>;
}

export function followLog(
  events: EventStore,
  from: () => Promise<number> | number,
  handler: (batch: RecordedEvent[]) => Promise<void>,
  options: FollowOptions = {},
): FollowedLog {
  const initial = options.initialDelayMs ?? 200;
  const max = options.maxDelayMs ?? 30_000;
  let delay = initial;
  let closed = false;
  let current: Subscription | null = null;
  let timer: NodeJS.Timeout | null = null;

  const fail = (error: unknown) => {
    if (closed) return;
    current = null;
    const wait = delay;
    delay = Math.min(delay * 2, max);
    options.onError?.(error, wait);
    timer = setTimeout(() => {
      timer = null;
      void open();
    }, wait);
  };

  const open = async () => {
    if (closed) return;
    let after: number;
    try {
      after = await from();
    } catch (error) {
      fail(error);
      return;
    }
    if (closed) return;
    try {
      current = events.subscribe(
        after,
        async (batch) => {
          await handler(batch);
          delay = initial; // it works again: the next failure starts from a short delay
        },
        { batchSize: options.batchSize, onError: fail },
      );
    } catch (error) {
      fail(error);
    }
  };

  void open();
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await current?.close();
      current = null;
    },
  };
}
