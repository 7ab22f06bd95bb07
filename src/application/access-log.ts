// Staff-behaviour controls (第六章): who opened which non-public record (an application's declared facts
// and documents, an enterprise's sanctions), when, and why if they said so. Reads are many, so entries
// are buffered and written in one commit per flush (every `flushMs` or `maxBuffer` entries): never a
// write, let alone an fsync, per read. Stored through the ReadStore port (any adapter) in collections
// no projection owns, so a rebuild of the read models never drops them; they are log collections, so the
// embedded store keeps them in its file, not in memory, however many reads there were.
import type { Actor } from '../domain/shared.js';
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
 * An entry's fields (its number comes at its flush), named field by field: a literal that starts with a
 * spread and goes on costs ~1 µs on Node 20's V8. `several`: the distinct records of a read of more than
 * one, which its entry lists and which get a document each; null for a read of one, which names it.
 */
function fieldsOf(r: AccessRead, at: string): { fields: Record<string, unknown>; several: string[] | null } {
  const a = r.actor;
  const distinct = r.records.length === 1 ? r.records : [...new Set(r.records)];
  const fields: Record<string, unknown> = { at, actorId: a.id, actorName: a.name ?? null, role: a.role, district: a.district ?? null, what: r.what };
  let several: string[] | null = null;
  if (distinct.length === 1) {
    fields.record = distinct[0];
    fields.recordBucket = recordBucket(distinct[0]!);
  } else fields.records = JSON.stringify((several = distinct));
  if (r.reason) fields.reason = r.reason;
  if (r.requestId) fields.requestId = r.requestId;
  return { fields, several };
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
function shownOps(seq: number, shown: { at: string; actorId: string; what: string; records: string[] }): DocOp[] {
  const entry = numberedId(seq);
  return shown.records.map((record, i): DocOp => ({
    collection: ACCESS_RECORDS,
    id: `${entry}:${i}`,
    position: seq,
    set: { seq, entry, record, recordBucket: recordBucket(record), at: shown.at, actorId: shown.actorId, what: shown.what },
  }));
}

/** Read of several records, by its entry's place among the reads buffered. */
interface Several {
  index: number;
  at: string;
  actorId: string;
  what: string;
  records: string[];
}

/** Reads buffered until their flush: their entries' text (UTF-8 lines of JSON) in pieces of memory off the heap. */
interface Buffered {
  chunks: { bytes: Buffer; used: number }[];
  count: number;
  several: Several[];
}

/** A piece of the buffer: a flush at 1,000 reads takes two or three; they are used again after it. */
const CHUNK_BYTES = 1 << 18;
const SPARE_CHUNKS = 4;

/** An entry as the API shows it (the shape it always had: `records` a list). */
function present(d: Doc): Record<string, unknown> {
  const { _id, _position, record, records, recordBucket: _bucket, ...rest } = d;
  return { id: _id, ...rest, records: typeof record === 'string' ? [record] : (JSON.parse(records as string) as string[]) };
}

export class AccessLog {
  /**
   * What was recorded since the last flush, as text off the heap: a read's objects (its actor, its records,
   * an entry made of them) lived until the flush and the store's write, through the young generation's
   * collections (each copying them) into the old one.
   */
  private buffered: Buffered = { chunks: [], count: 0, several: [] };
  private readonly spare: Buffer[] = [];
  private seq: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private prepared: Promise<void> | null = null;

  constructor(
    private readonly reads: ReadStore,
    private readonly now: () => string,
    private readonly options: { flushMs?: number; maxBuffer?: number } = {},
  ) {}

  /** Staff reads only: an enterprise reading its own records is not what 第六章 controls. */
  record(read: AccessRead): void {
    if (read.actor.role === 'enterprise') return;
    const at = this.now();
    const { fields, several } = fieldsOf(read, at);
    const b = this.buffered;
    if (several) b.several.push({ index: b.count, at, actorId: read.actor.id, what: read.what, records: several });
    this.append(`${JSON.stringify(fields)}\n`);
    b.count++;
    if (b.count >= (this.options.maxBuffer ?? 1000)) void this.flush().catch(() => undefined);
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush().catch(() => undefined), this.options.flushMs ?? 1000);
      this.timer.unref();
    }
  }

  /** A line into the buffer's last piece, or a new one (UTF-8 takes at most 3 bytes per UTF-16 unit). */
  private append(line: string): void {
    const chunks = this.buffered.chunks;
    let last = chunks.at(-1);
    if (last === undefined || last.bytes.length - last.used < 3 * line.length) {
      const spare = this.spare.pop();
      const bytes = spare && spare.length >= 3 * line.length ? spare : Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, 3 * line.length));
      chunks.push((last = { bytes, used: 0 }));
    }
    last.used += last.bytes.write(line, last.used);
  }

  /** Writes what is buffered (one commit); resolves once everything recorded before the call is stored. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.buffered;
    this.buffered = { chunks: [], count: 0, several: [] };
    this.flushing = this.flushing.then(() => this.write(batch));
    return this.flushing;
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
        const { fields, several } = fieldsOf(read, d.at as string);
        const entry: DocOp = { collection: ACCESS_ENTRIES, id: numberedId(seq), position: seq, set: Object.assign({ seq }, fields) };
        return several ? [entry, ...shownOps(seq, { at: d.at as string, actorId: d.actorId as string, what: read.what, records: several })] : [entry];
      });
      await this.reads.commit(CHECKPOINT, ops, Math.max(last, await this.reads.getCheckpoint(CHECKPOINT)));
    }
    await this.reads.reset(`${CHECKPOINT}:moved`, drop);
  }

  /** One flush's reads, numbered on from the last: their text as it is, and a document per record shown by reads of several. */
  private async write(batch: Buffered): Promise<void> {
    if (batch.count === 0) return;
    await this.prepare();
    const before = this.seq ?? (await this.reads.getCheckpoint(CHECKPOINT));
    const lines = new Uint8Array(batch.chunks.reduce((n, c) => n + c.used, 0));
    let at = 0;
    for (const c of batch.chunks) {
      lines.set(c.bytes.subarray(0, c.used), at);
      at += c.used;
      if (this.spare.length < SPARE_CHUNKS && c.bytes.length === CHUNK_BYTES) this.spare.push(c.bytes);
    }
    const ops = batch.several.flatMap((s) => shownOps(before + 1 + s.index, s));
    await this.reads.appendNumbered(CHECKPOINT, { collection: ACCESS_ENTRIES, lines, first: before + 1, ops }, before + batch.count);
    this.seq = before + batch.count;
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
