// What the EventStoreDB adapter (esdb-event-store.ts) keeps beside the client: the metadata our events
// carry, their decoding, the chain lock's shape, positions, and how client errors map to the port's.
import {
  ErrorType,
  isCommandError,
  type AllStreamResolvedEvent,
  type Position,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { Unavailable, WrongExpectedRevision, type EventMetadata, type ExpectedRevision, type RecordedEvent } from './event-store.js';

/** What we keep in the ESDB event metadata (a type alias, so it is a JSON record for the client). */
export type StoredMetadata = {
  occurredAt: string;
  recordedAt: string;
  metadata: EventMetadata;
  prevHash: string;
  hash: string;
};

export interface Decoded {
  event: RecordedEvent & { hash: string };
  prevHash: string;
}

/** A lock every writer of the log shares (NatsKeyedLock fits): `work` runs while no other holder of `key` runs. */
export interface ChainLock {
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
}

/** One process: appends queue behind each other. */
export class InProcessChainLock implements ChainLock {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(_key: string, work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

export function satisfies(expected: ExpectedRevision, actual: number): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return actual === -1;
  if (expected === 'stream_exists') return actual >= 0;
  return actual === expected;
}

/** Events we wrote: user streams and types, JSON, with our metadata. Anything else is skipped. */
export function decode(r: ResolvedEvent | AllStreamResolvedEvent): Decoded | undefined {
  const e = r.event;
  if (!e || !e.isJson || e.streamId.startsWith('$') || e.type.startsWith('$')) return undefined;
  const meta = e.metadata as Partial<StoredMetadata> | undefined;
  if (!meta || typeof meta.hash !== 'string' || typeof meta.prevHash !== 'string') return undefined;
  const commit = e.position?.commit ?? r.commitPosition;
  return {
    prevHash: meta.prevHash,
    event: {
      id: e.id,
      type: e.type,
      stream: e.streamId,
      revision: Number(e.revision),
      // Stream reads carry the $all position only on servers after 22.6; 0 means "unknown".
      position: commit === undefined ? 0 : Number(commit),
      recordedAt: String(meta.recordedAt),
      occurredAt: String(meta.occurredAt),
      data: e.data,
      metadata: meta.metadata as EventMetadata,
      hash: meta.hash,
    },
  };
}

export function positionOf(r: AllStreamResolvedEvent): Position | undefined {
  return r.event?.position ?? r.link?.position;
}

/** Non-transactional gRPC appends have commit === prepare, so a number is enough to resume from. */
export function atPosition(n: number): Position {
  return { commit: BigInt(n), prepare: BigInt(n) };
}

export async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

const UNAVAILABLE_TYPES: readonly ErrorType[] = [
  ErrorType.UNAVAILABLE,
  ErrorType.DEADLINE_EXCEEDED,
  ErrorType.TIMEOUT,
  ErrorType.NOT_LEADER,
  // The server cancelled the call: its outcome is unknown, so a resend (same ids, same revision) decides it.
  ErrorType.CANCELLED,
];
/**
 * A batch append the server could not take ("Server Is Not Ready", "Server Is Busy", no leader known)
 * comes back as an error detail the client does not recognise: an UnknownError carrying the message.
 */
const NOT_TAKEN = /not ready|is busy|no leader info/i;

/** Connection-level failures become Unavailable (503); domain-level errors pass through. */
export function portError(err: unknown): unknown {
  if (err instanceof Unavailable || err instanceof WrongExpectedRevision) return err;
  if (err instanceof Error) {
    const lost = isCommandError(err)
      ? UNAVAILABLE_TYPES.includes(err.type) || (err.type === ErrorType.UNKNOWN && NOT_TAKEN.test(err.message))
      : /discover|ECONNREFUSED|connect/i.test(err.message);
    if (lost) return new Unavailable(`EventStoreDB: ${err.message}`, { cause: err });
  }
  return err;
}
