// Staff-behaviour controls (第六章): who opened which non-public record (an application's declared facts
// and documents, an enterprise's sanctions), when, and why if they said so. Reads are many, so entries
// are buffered and written in one commit per flush (every `flushMs` or `maxBuffer` entries): never a
// write, let alone an fsync, per read. Stored through the ReadStore port (any adapter) in collections
// no projection owns, so a rebuild of the read models never drops them; they are log collections, so the
// embedded store keeps them in its file, not in memory, however many reads there were.
import type { Actor } from '../domain/shared.js';
import { accountabilityStream } from '../domain/accountability.js';
import { applicationStream } from '../domain/application.js';
import { Unavailable } from '../infra/event-store.js';
import { type Doc, type DocOp, type Filter, type ReadStore, numberedId } from '../infra/read-store.js';

/** Where entries were kept before they were log collections (one document per read, in memory): moved at first use. */
export const ACCESS_LOG = 'access_log';
/** One document per staff read, written once (a log collection: on disk with the embedded store, not in memory). */
export const ACCESS_ENTRIES = 'access_log_entries_v2';
/**
 * One document per record a read of several showed, so "who read this record" is an indexed look-up (log
 * documents hold no arrays). A read of one record, the usual kind, names it on its entry instead.
 */
export const ACCESS_RECORDS = 'access_log_records_v2';
/** The collections of the first log-collection version (the record itself indexed): moved at first use. */
export const EARLIER_ENTRIES = 'access_log_entries';
export const EARLIER_RECORDS = 'access_log_records';
/**
 * The record looked up through a bucket of its name, not the name itself: an index of names takes each
 * read's key at a random place, and in the embedded store's file every commit rewrote about a page of it
 * per entry (the writer thread at 1M entries: 33-36 µs an entry with it, 14-16 µs with 256 buckets, where
 * each bucket's newest entries share a page; none at all 8.5-10 µs). A look-up reads one bucket's entries,
 * 1/256 of the log, and keeps those of the record. Never change it: entries keep the bucket they were
 * written with.
 */
export const RECORD_BUCKETS = 256;
export function recordBucket(record: string): number {
  let h = 0x811c9dc5; // FNV-1a, 32 bits, over UTF-16 code units
  for (let i = 0; i < record.length; i++) h = Math.imul(h ^ record.charCodeAt(i), 0x01000193);
  return (h >>> 0) % RECORD_BUCKETS;
}
const CHECKPOINT = 'access-log';

const APPLICATION_STREAM = applicationStream('');
const CASE_STREAM = accountabilityStream('');

/**
 * The non-public record a raw read of `stream` shows, as the read models' routes record theirs (so "who
 * read this record" finds both): an application's stream holds its declared facts and documents, a case's
 * its violation and sanctions (recorded by case id, as /api/accountability does). Null for every other
 * stream: projects, notices… are public, and the routes of the rest log no reads either.
 */
export function streamRecord(stream: string): { what: 'application' | 'sanctions'; record: string } | null {
  if (stream.length > APPLICATION_STREAM.length && stream.startsWith(APPLICATION_STREAM)) return { what: 'application', record: stream.slice(APPLICATION_STREAM.length) };
  if (stream.length > CASE_STREAM.length && stream.startsWith(CASE_STREAM)) return { what: 'sanctions', record: stream.slice(CASE_STREAM.length) };
  return null;
}

export interface AccessRead {
  actor: Actor;
  /** What kind of record: 'application', 'applications' (a list), 'sanctions'. */
  what: string;
  records: string[];
  reason?: string;
  requestId?: string;
}

export interface AccessQuery {
  actor?: string;
  record?: string;
  what?: string;
  from?: string;
  to?: string;
}

/**
 * A read as recorded: what its entry will say, copied out of the request's objects when it was made (they
 * may change after), into one object of one shape. `records`: the record, or the distinct records of a
 * read of more than one (each gets a document too). Made into its entry's JSON line at the flush.
 */
export interface Recorded {
  at: string;
  actorId: string;
  actorName: string | null;
  role: string;
  district: string | null;
  what: string;
  records: string | string[];
  reason: string | null;
  requestId: string | null;
}

export function recorded(r: AccessRead, at: string): Recorded {
  const a = r.actor;
  const distinct = r.records.length === 1 ? r.records : [...new Set(r.records)]; // a copy, where it is kept
  return { at, actorId: a.id, actorName: a.name ?? null, role: a.role, district: a.district ?? null, what: r.what, records: distinct.length === 1 ? distinct[0]! : distinct, reason: r.reason || null, requestId: r.requestId || null };
}

/**
 * An entry's fields (its number comes at its flush), named field by field: a literal that starts with a
 * spread and goes on costs ~1 µs on Node 20's V8. `several`: the records of a read of more than one, which
 * its entry lists and which get a document each; null for a read of one, which names it.
 */
export function fieldsOf(e: Recorded): { fields: Record<string, unknown>; several: string[] | null } {
  const fields: Record<string, unknown> = { at: e.at, actorId: e.actorId, actorName: e.actorName, role: e.role, district: e.district, what: e.what };
  let several: string[] | null = null;
  if (typeof e.records === 'string') {
    fields.record = e.records;
    fields.recordBucket = recordBucket(e.records);
  } else fields.records = JSON.stringify((several = e.records));
  if (e.reason) fields.reason = e.reason;
  if (e.requestId) fields.requestId = e.requestId;
  return { fields, several };
}

const json = JSON.stringify;

/**
 * Entries' JSON lines, each what JSON.stringify(fieldsOf(e).fields) writes (a property test holds them
 * equal), made of pieces instead of an object: a flush's reads mostly share an actor and a time, whose
 * parts are made once for a run of reads; JSON.stringify of each entry's object was ~1 µs of it.
 */
export function entryLines(): (e: Recorded) => string {
  let last: Recorded | null = null;
  let actorPart = '';
  let timePart = '';
  return (e) => {
    if (last === null || e.actorId !== last.actorId || e.actorName !== last.actorName || e.role !== last.role || e.district !== last.district) {
      actorPart = `,"actorId":${json(e.actorId)},"actorName":${json(e.actorName)},"role":${json(e.role)},"district":${json(e.district)}`;
    }
    if (last === null || e.at !== last.at) timePart = `{"at":${json(e.at)}`;
    last = e;
    const records = typeof e.records === 'string' ? `,"record":${json(e.records)},"recordBucket":${recordBucket(e.records)}` : `,"records":${json(json(e.records))}`;
    return `${timePart}${actorPart},"what":${json(e.what)}${records}${e.reason ? `,"reason":${json(e.reason)}` : ''}${e.requestId ? `,"requestId":${json(e.requestId)}` : ''}}`;
  };
}

/**
 * The time now as ISO text, made once per millisecond: a busy server records several reads in each, and
 * making the text was most of recording one (3.6 of 4.4 µs in a profile of the serving thread at 1M events).
 */
export function isoClock(): () => string {
  let ms = Number.NaN;
  let text = '';
  return () => {
    const now = Date.now();
    if (now !== ms) {
      ms = now;
      text = new Date(now).toISOString();
    }
    return text;
  };
}

/** The documents of a read of several records, one per record, for the entry numbered `seq`. */
function shownOps(seq: number, shown: Recorded, records: string[]): DocOp[] {
  const entry = numberedId(seq);
  return records.map((record, i): DocOp => ({
    collection: ACCESS_RECORDS,
    id: `${entry}:${i}`,
    position: seq,
    set: { seq, entry, record, recordBucket: recordBucket(record), at: shown.at, actorId: shown.actorId, what: shown.what },
  }));
}

/**
 * Reads buffered until their flush, each copied into one small object; made into their entries' lines at
 * the flush, in one pass. Making each line as its read came cost the serving thread 12-16 µs a read in
 * profiles of the bench server at 1M events, against ~2 µs in a loop of its own: a request's own work
 * evicts the log's code and data from the caches between two reads, so each of its steps missed them.
 */
type Buffered = Recorded[];

/** A flush of 1,000 reads writes ~300 KB of lines; a larger one's room is given back after it. */
const KEPT_BYTES = 1 << 19;
const MAX_KEPT_BYTES = 1 << 22;

/** A buffer with at least `room` bytes free after its first `used`, which it keeps. */
function grown(bytes: Buffer, used: number, room: number): Buffer {
  const next = Buffer.allocUnsafeSlow(Math.max(2 * bytes.length, used + room));
  bytes.copy(next, 0, 0, used);
  return next;
}

/** An entry as the API shows it (the shape it always had: `records` a list). */
function present(d: Doc): Record<string, unknown> {
  const { _id, _position, record, records, recordBucket: _bucket, ...rest } = d;
  return { id: _id, ...rest, records: typeof record === 'string' ? [record] : (JSON.parse(records as string) as string[]) };
}

export class AccessLog {
  private buffered: Buffered = [];
  /** Where a flush writes its lines (UTF-8), kept for the next one. */
  private bytes: Buffer = Buffer.allocUnsafeSlow(KEPT_BYTES);
  private timer: NodeJS.Timeout | null = null;
  /** The last write failed: its reads wait for the timer's retry. */
  private failing = false;
  /** A batch whose write failed, with the numbers reserved for it. */
  private retry: { batch: Buffered; before: number } | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private prepared: Promise<void> | null = null;

  constructor(
    private readonly reads: ReadStore,
    private readonly now: () => string,
    private readonly options: { flushMs?: number; maxBuffer?: number; maxHeld?: number } = {},
  ) {}

  /** Staff reads only: an enterprise reading its own records is not what 第六章 controls. */
  record(read: AccessRead): void {
    if (read.actor.role === 'enterprise') return;
    // A staff read of a protected record is not served untraced: past this many waiting, it is refused.
    if (this.failing && this.buffered.length >= (this.options.maxHeld ?? 100_000)) {
      throw new Unavailable('the access log cannot be written now, and a staff read of this record must be recorded: try again later');
    }
    const b = this.buffered;
    b.push(recorded(read, this.now()));
    // While the store refuses, the timer retries: not one more failing flush per read.
    if (b.length >= (this.options.maxBuffer ?? 1000) && !this.failing) void this.flush().catch(() => undefined);
    else this.later();
  }

  private later(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush().catch(() => undefined), this.options.flushMs ?? 1000);
    this.timer.unref();
  }

  /**
   * Writes what is buffered (one commit); resolves once everything recorded before the call is stored.
   * A flush after a failed one is not held back by it: it writes the failed batch again first, with the
   * numbers it had (where it had landed after all, a replay that changes nothing), then what is buffered.
   */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.flushing = this.flushing
      .catch(() => undefined)
      .then(() => this.writeBuffered())
      .then(
        () => {
          this.failing = false;
        },
        (error: unknown) => {
          this.failing = true;
          this.later();
          throw error;
        },
      );
    return this.flushing;
  }

  /** The batch that failed, then the buffer as it is when the write starts: entries go in the order recorded. */
  private async writeBuffered(): Promise<void> {
    if (this.retry) {
      await this.write(this.retry.batch, this.retry.before);
      this.retry = null;
    }
    const batch = this.buffered;
    if (batch.length === 0) return;
    this.buffered = [];
    let before: number;
    try {
      await this.prepare();
      // Reserved, not counted on from the last: other instances sharing the store number theirs too.
      before = (await this.reads.reserveNumbers(CHECKPOINT, batch.length)) - 1;
    } catch (error) {
      this.buffered = batch.concat(this.buffered);
      throw error;
    }
    try {
      await this.write(batch, before);
    } catch (error) {
      this.retry = { batch, before };
      throw error;
    }
  }

  /** Once: the collections declared and indexed, and entries kept the earlier ways moved into them. */
  private prepare(): Promise<void> {
    this.prepared ??= (async () => {
      await this.reads.declareLogCollections([ACCESS_ENTRIES, ACCESS_RECORDS]);
      await this.reads.ensureIndexes([
        { collection: ACCESS_ENTRIES, keys: { actorId: 1 } },
        { collection: ACCESS_ENTRIES, keys: { what: 1 } },
        { collection: ACCESS_ENTRIES, keys: { recordBucket: 1 } },
        { collection: ACCESS_RECORDS, keys: { recordBucket: 1 } },
      ]);
      // Kept in memory, `records` a list; then in log collections that indexed the record itself.
      await this.moveEarlier(ACCESS_LOG, [ACCESS_LOG], (d) => d.records as string[]);
      await this.moveEarlier(EARLIER_ENTRIES, [EARLIER_ENTRIES, EARLIER_RECORDS], (d) => (typeof d.record === 'string' ? [d.record] : (JSON.parse(d.records as string) as string[])));
    })().catch((error) => {
      this.prepared = null; // tried again by the next flush or search
      throw error;
    });
    return this.prepared;
  }

  /**
   * Entries written the earlier way: the same entries (seq, time, who, what, why) written again into the
   * current collections, then the earlier ones dropped. Interrupted, it runs again at the next start: a log
   * document written a second time by the same op is ignored. Earlier collections are never declared here:
   * a store that had them declared them then.
   */
  private async moveEarlier(from: string, drop: string[], recordsOf: (d: Doc) => string[]): Promise<void> {
    if ((await this.reads.count(from, {})) === 0) return;
    let last = 0;
    for await (const page of this.reads.stream(from, {}, { sort: { _id: 1 }, batchSize: 1000 })) {
      const ops = page.flatMap((d) => {
        last = Math.max(last, d.seq as number);
        const read: AccessRead = {
          actor: { id: d.actorId, name: d.actorName ?? undefined, role: d.role, district: d.district ?? undefined } as Actor,
          what: d.what as string,
          records: recordsOf(d),
          reason: d.reason as string | undefined,
          requestId: d.requestId as string | undefined,
        };
        const seq = d.seq as number;
        const e = recorded(read, d.at as string);
        const { fields, several } = fieldsOf(e);
        const entry: DocOp = { collection: ACCESS_ENTRIES, id: numberedId(seq), position: seq, set: Object.assign({ seq }, fields) };
        return several ? [entry, ...shownOps(seq, e, several)] : [entry];
      });
      await this.reads.commit(CHECKPOINT, ops, Math.max(last, await this.reads.getCheckpoint(CHECKPOINT)));
    }
    await this.reads.reset(`${CHECKPOINT}:moved`, drop);
  }

  /** One flush's reads, numbered on from the last: a JSON line each, and a document per record shown by reads of several. */
  private async write(batch: Buffered, before: number): Promise<void> {
    const count = batch.length;
    const ops: DocOp[] = [];
    const lineOf = entryLines();
    let used = 0;
    for (let i = 0; i < count; i++) {
      const e = batch[i]!;
      const line = lineOf(e);
      const room = 3 * line.length + 1; // UTF-8: at most 3 bytes per UTF-16 unit, and the line feed
      if (this.bytes.length - used < room) this.bytes = grown(this.bytes, used, room);
      used += this.bytes.write(line, used);
      this.bytes[used++] = 0x0a;
      if (typeof e.records !== 'string') ops.push(...shownOps(before + 1 + i, e, e.records));
    }
    // The store has the bytes (or a copy) before this resolves; the next flush writes over them only after.
    await this.reads.appendNumbered(CHECKPOINT, { collection: ACCESS_ENTRIES, lines: this.bytes.subarray(0, used), first: before + 1, ops }, before + count);
    if (this.bytes.length > MAX_KEPT_BYTES) this.bytes = Buffer.allocUnsafeSlow(KEPT_BYTES);
  }

  async search(q: AccessQuery, page: number, pageSize: number): Promise<{ items: Record<string, unknown>[]; total: number }> {
    await this.flush();
    await this.prepare();
    const f: Filter = {};
    if (q.actor !== undefined) f.actorId = q.actor;
    if (q.what !== undefined) f.what = q.what;
    if (q.from !== undefined || q.to !== undefined) f.at = { ...(q.from ? { $gte: q.from } : {}), ...(q.to ? { $lte: q.to } : {}) };
    if (q.record === undefined) {
      const newest = { sort: { _id: -1 as const }, skip: (page - 1) * pageSize, limit: pageSize };
      const [docs, total] = await Promise.all([this.reads.find(ACCESS_ENTRIES, f, newest), this.reads.count(ACCESS_ENTRIES, f)]);
      return { items: docs.map(present), total };
    }
    // By record: entries of reads of that record alone, and the record's documents of reads of several
    // (they carry what the other filters ask: who, what, when), merged newest first.
    const byRecord = { ...f, recordBucket: recordBucket(q.record), record: q.record };
    const upTo = { sort: { _id: -1 as const }, limit: page * pageSize };
    const [alone, among, nAlone, nAmong] = await Promise.all([
      this.reads.find(ACCESS_ENTRIES, byRecord, upTo),
      this.reads.find(ACCESS_RECORDS, byRecord, upTo),
      this.reads.count(ACCESS_ENTRIES, byRecord),
      this.reads.count(ACCESS_RECORDS, byRecord),
    ]);
    const ids = [...alone.map((d) => d._id), ...among.map((d) => d.entry as string)].sort().reverse().slice((page - 1) * pageSize, page * pageSize);
    const entries = new Map(alone.map((d) => [d._id, d]));
    const missing = ids.filter((id) => !entries.has(id));
    if (missing.length > 0) for (const d of await this.reads.find(ACCESS_ENTRIES, { _id: { $in: missing } })) entries.set(d._id, d);
    return { items: ids.flatMap((id) => (entries.has(id) ? [present(entries.get(id)!)] : [])), total: nAlone + nAmong };
  }
}
