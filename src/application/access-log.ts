// Staff-behaviour controls (第六章): who opened which non-public record (an application's declared facts
// and documents, an enterprise's sanctions), when, and why if they said so. Reads are many, so entries
// are buffered and written in one commit per flush (every `flushMs` or `maxBuffer` entries): never a
// write, let alone an fsync, per read. Stored through the ReadStore port (any adapter) in a collection
// no projection owns, so a rebuild of the read models never drops it.
import type { Actor } from '../domain/shared.js';
import type { DocOp, Filter, ReadStore } from '../infra/read-store.js';

export const ACCESS_LOG = 'access_log';
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

export class AccessLog {
  private buffer: (AccessRead & { at: string })[] = [];
  private seq: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private indexed = false;

  constructor(
    private readonly reads: ReadStore,
    private readonly now: () => string,
    private readonly options: { flushMs?: number; maxBuffer?: number } = {},
  ) {}

  /** Staff reads only: an enterprise reading its own records is not what 第六章 controls. */
  record(read: AccessRead): void {
    if (read.actor.role === 'enterprise') return;
    this.buffer.push({ ...read, at: this.now() });
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

  private async write(batch: (AccessRead & { at: string })[]): Promise<void> {
    if (batch.length === 0) return;
    if (!this.indexed) {
      await this.reads.ensureIndexes([
        { collection: ACCESS_LOG, keys: { actorId: 1 } },
        { collection: ACCESS_LOG, keys: { records: 1 } },
      ]);
      this.indexed = true;
    }
    let seq = this.seq ?? (await this.reads.getCheckpoint(CHECKPOINT));
    const ops: DocOp[] = batch.map((r) => {
      seq++;
      const a = r.actor;
      return {
        collection: ACCESS_LOG,
        id: String(seq).padStart(16, '0'),
        position: seq,
        set: {
          seq,
          at: r.at,
          actorId: a.id,
          actorName: a.name ?? null,
          role: a.role,
          district: a.district ?? null,
          what: r.what,
          records: r.records,
          ...(r.reason ? { reason: r.reason } : {}),
          ...(r.requestId ? { requestId: r.requestId } : {}),
        },
      };
    });
    await this.reads.commit(CHECKPOINT, ops, seq);
    this.seq = seq;
  }

  async search(q: AccessQuery, page: number, pageSize: number): Promise<{ items: Record<string, unknown>[]; total: number }> {
    await this.flush();
    const f: Filter = {};
    if (q.actor !== undefined) f.actorId = q.actor;
    if (q.record !== undefined) f.records = q.record;
    if (q.what !== undefined) f.what = q.what;
    if (q.from !== undefined || q.to !== undefined) f.at = { ...(q.from ? { $gte: q.from } : {}), ...(q.to ? { $lte: q.to } : {}) };
    const [docs, total] = await Promise.all([
      this.reads.find(ACCESS_LOG, f, { sort: { _id: -1 }, skip: (page - 1) * pageSize, limit: pageSize }),
      this.reads.count(ACCESS_LOG, f),
    ]);
    return { items: docs.map(({ _id, _position, ...d }) => ({ id: _id, ...d })), total };
  }
}
