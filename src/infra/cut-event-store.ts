// The log as it stood at a cut, for an investigation: only events at or before `cut` (and, when given,
// of streams whose name starts with `streams`) are ever read or delivered, so read models built on it
// never move past that moment. Appends are refused: an investigation copy is read-only.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AppendResult,
  type EventStore,
  type RecordedEvent,
  type ReadStreamOptions,
  type SubscribeOptions,
  type Subscription,
  type VerifyOptions,
  type VerifyResult,
  countByReading,
} from './event-store.js';

export interface Cut {
  /** The last log position included. */
  cut: number;
  /** Only streams whose name starts with this (all when absent). */
  streams?: string;
  /** The last position delivered (the newest included event): what "the head" is for this view. */
  head: number;
}

export class CutEventStore implements EventStore {
  constructor(
    private readonly inner: EventStore,
    readonly view: Cut,
  ) {}

  private includes = (e: RecordedEvent) => e.position <= this.view.cut && (this.view.streams === undefined || e.stream.startsWith(this.view.streams));

  async append(stream: string): Promise<AppendResult> {
    throw new Error(`read-only investigation copy: nothing is appended (stream ${stream})`);
  }

  async readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return (await this.inner.readStream(stream, options)).filter(this.includes);
  }

  async readAll(afterPosition: number, limit: number): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    let after = afterPosition;
    while (out.length < limit && after < this.view.cut) {
      const page = await this.inner.readAll(after, limit);
      if (page.length === 0) break;
      for (const e of page) if (this.includes(e) && out.length < limit) out.push(e);
      after = page[page.length - 1]!.position;
    }
    return out;
  }

  /** Only what the view includes: an event after the cut does not exist for the investigation. */
  async eventsById(ids: readonly string[]): Promise<RecordedEvent[]> {
    return (await this.inner.eventsById(ids)).filter(this.includes);
  }

  async headPosition(): Promise<number> {
    return Math.min(this.view.head, await this.inner.headPosition());
  }

  /** Only what the view includes, so by reading. */
  countAfter(afterPosition: number, atMost: number): Promise<number> {
    return countByReading(this, afterPosition, atMost);
  }

  /**
   * The newest event of the view (its head). Usually the copy ends there; otherwise a walk in log order
   * (an investigation copy signs no checkpoints, so nothing asks for it often).
   */
  async lastEvent(): Promise<RecordedEvent | null> {
    const last = await this.inner.lastEvent();
    if (last === null || (last.position <= this.view.head && this.includes(last))) return last;
    let found: RecordedEvent | null = null;
    for (let after = 0; ; ) {
      const page = await this.readAll(after, 1000);
      if (page.length === 0) return found;
      found = page[page.length - 1]!;
      after = found.position;
    }
  }

  /** The log it reads: an investigation copy or an upcasting view is the same log (the read models' checkpoints stay valid). */
  logIdentity(): Promise<string> {
    return this.inner.logIdentity();
  }

  subscribe(afterPosition: number, handler: (batch: RecordedEvent[]) => Promise<void>, options?: SubscribeOptions): Subscription {
    return this.inner.subscribe(
      afterPosition,
      async (batch) => {
        const kept = batch.filter(this.includes);
        if (kept.length > 0) await handler(kept);
      },
      options,
    );
  }

  verify(options?: VerifyOptions): Promise<VerifyResult> {
    return this.inner.verify(options); // the copy's chain as a whole
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Written by `npm run investigate` beside the copied log: the view a read-only server must keep to. */
export const INVESTIGATION_FILE = 'investigation.json';

export function readInvestigation(dir: string): Cut | null {
  const file = join(dir, INVESTIGATION_FILE);
  if (!existsSync(file)) return null;
  const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<Cut>;
  if (!Number.isInteger(v.cut) || !Number.isInteger(v.head)) throw new Error(`${file}: no cut and head`);
  return { cut: v.cut!, head: v.head!, ...(typeof v.streams === 'string' ? { streams: v.streams } : {}) };
}
