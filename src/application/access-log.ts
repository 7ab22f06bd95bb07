// Staff-behaviour controls (第六章): who opened which non-public record (an application's declared facts
// and documents, an enterprise's sanctions), when, and why if they said so. Reads are many, so entries
// are buffered and written in one commit per flush (every `flushMs` or `maxBuffer` entries): never a
// write, let alone an fsync, per read. Stored through the ReadStore port (any adapter) in collections
// no projection owns, so a rebuild of the read models never drops them; they are log collections, so the
// embedded store keeps them in its file, not in memory, however many reads there were.
import type { Actor } from '../domain/shared.js';
import type { Doc, DocOp, Filter, ReadStore } from '../infra/read-store.js';

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
 * A read as kept until its flush: text only, so the request's own objects (its actor, its list of records)
 * do not live on with it into the old generation; a busy server keeps ~1,000 of them at a time.
 */
interface Entry {
  at: string;
  actorId: string;
  actorName: string | null;
  role: string;
  district: string | null;
  what: string;
  /** The record shown, or the distinct records of a read of several (never one: that is the record shown). */
  record: string | string[];
  reason?: string;
  requestId?: string;
}

/** Named field by field: a literal that starts with a spread and goes on costs ~1 µs on Node 20's V8. */
function entryOf(r: AccessRead, at: string): Entry {
  const a = r.actor;
  const distinct = r.records.length === 1 ? r.records : [...new Set(r.records)];
  const record = distinct.length === 1 ? distinct[0]! : distinct;
  return { at, actorId: a.id, actorName: a.name ?? null, role: a.role, district: a.district ?? null, what: r.what, record, reason: r.reason, requestId: r.requestId };
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

const idOf = (seq: number) => String(seq).padStart(16, '0');

/**
 * The ops of one read: its entry (naming its record when it showed one), and one per record when it showed
 * several. Built by plain assignment, not spreads: one entry per staff read, on the thread serving reads.
 */
function opsOf(seq: number, r: Entry): DocOp[] {
  const id = idOf(seq);
  const set: Record<string, unknown> = { seq, at: r.at, actorId: r.actorId, actorName: r.actorName, role: r.role, district: r.district, what: r.what };
  if (typeof r.record === 'string') {
    set.record = r.record;
    set.recordBucket = recordBucket(r.record);
  } else set.records = JSON.stringify(r.record);
  if (r.reason) set.reason = r.reason;
  if (r.requestId) set.requestId = r.requestId;
  const entry: DocOp = { collection: ACCESS_ENTRIES, id, position: seq, set };
  if (typeof r.record === 'string') return [entry];
  const shown = r.record.map((record, i): DocOp => ({ collection: ACCESS_RECORDS, id: `${id}:${i}`, position: seq, set: { seq, entry: id, record, recordBucket: recordBucket(record), at: r.at, actorId: r.actorId, what: r.what } }));
  return [entry, ...shown];
}

/** An entry as the API shows it (the shape it always had: `records` a list). */
function present(d: Doc): Record<string, unknown> {
  const { _id, _position, record, records, recordBucket: _bucket, ...rest } = d;
  return { id: _id, ...rest, records: typeof record === 'string' ? [record] : (JSON.parse(records as string) as string[]) };
}

export class AccessLog {
  private buffer: Entry[] = [];
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
    this.buffer.push(entryOf(read, this.now()));
    if (this.buffer.length >= (this.options.maxBuffer ?? 1000)) void this.flush().catch(() => undefined);
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush().catch(() => undefined), this.options.flushMs ?? 1000);
      this.timer.unref();
    }
  }

  /** Writes what is buffered (one commit); resolves once everything recorded before the call is stored. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.buffer;
    this.buffer = [];
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
        return opsOf(d.seq as number, entryOf(read, d.at as string));
      });
      await this.reads.commit(CHECKPOINT, ops, Math.max(last, await this.reads.getCheckpoint(CHECKPOINT)));
    }
    await this.reads.reset(`${CHECKPOINT}:moved`, drop);
  }

  private async write(batch: Entry[]): Promise<void> {
    if (batch.length === 0) return;
    await this.prepare();
    let seq = this.seq ?? (await this.reads.getCheckpoint(CHECKPOINT));
    const ops: DocOp[] = batch.flatMap((r) => opsOf(++seq, r));
    await this.reads.commit(CHECKPOINT, ops, seq);
    this.seq = seq;
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
