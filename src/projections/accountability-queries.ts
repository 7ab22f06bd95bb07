// Accountability cases as auditors read them: each violation with its evidence (every cited event id
// looked up in the audit trail, so a citation of an event that does not exist shows), its sanctions and
// their effect at the time asked, and its appeals.
import type { Doc, Filter, ReadStore } from '../infra/read-store.js';
import { SANCTIONS, VIOLATIONS } from './accountability.js';
import { AUDIT_TRAIL } from './audit-trail.js';
import { presentAuditEntry } from './audit-queries.js';

export interface CaseQuery {
  subjectKind?: string;
  subjectId?: string;
  kind?: string;
  page: number;
  pageSize: number;
}

interface Evidence {
  id: string;
  /** False when no event of the log has this id: the finding cites something that is not on record. */
  found: boolean;
  type?: string;
  stream?: string;
  recordedAt?: string;
  actor?: { id: string | null; name: string | null; role: string | null; district: string | null };
}

/** What a sanction does at `now`: an application ban bars the enterprise's applications until its end. */
function effectOf(s: Doc, now: string): { active: boolean; description: string } {
  const until = typeof s.until === 'string' ? s.until : undefined;
  const active = until === undefined ? s.kind !== 'application_ban' : until > now;
  const description =
    s.kind === 'application_ban' ? (active ? `限制申请至 ${until ?? ''}` : `限制申请已于 ${until ?? ''} 届满`) : s.kind === 'public_criticism' ? '通报批评' : '移送纪检监察机关';
  return { active, description };
}

/** The case a sanction belongs to (undefined for an unknown sanction). */
export async function caseOfSanction(reads: ReadStore, sanctionId: string): Promise<string | undefined> {
  const doc = await reads.findOne(SANCTIONS, { _id: sanctionId });
  return doc ? String(doc.caseId) : undefined;
}

export async function listCases(reads: ReadStore, q: CaseQuery, now: string): Promise<{ items: Record<string, unknown>[]; total: number }> {
  const filter: Filter = {};
  if (q.subjectKind !== undefined) filter.subjectKind = q.subjectKind;
  if (q.subjectId !== undefined) filter.subjectKey = q.subjectId.trim().toUpperCase();
  if (q.kind !== undefined) filter.kind = q.kind;
  const [cases, total] = await Promise.all([
    reads.find(VIOLATIONS, filter, { sort: { recordedAt: -1, _id: 1 }, skip: (q.page - 1) * q.pageSize, limit: q.pageSize }),
    reads.count(VIOLATIONS, filter),
  ]);
  const caseIds = cases.map((c) => c._id);
  const evidenceIds = [...new Set(cases.flatMap((c) => (Array.isArray(c.evidence) ? (c.evidence as string[]) : [])))];
  const [sanctions, cited] = await Promise.all([
    caseIds.length ? reads.find(SANCTIONS, { caseId: { $in: caseIds } }, { sort: { imposedAt: 1, _id: 1 } }) : [],
    evidenceIds.length ? reads.find(AUDIT_TRAIL, { eventId: { $in: evidenceIds } }) : [],
  ]);
  const events = new Map(cited.map((d) => [d.eventId as string, presentAuditEntry(d)]));
  const items = cases.map((c) => {
    const { _id, _position, subjectKey: _key, subjectKind: _kind, ...rest } = c;
    const evidence: Evidence[] = ((c.evidence as string[] | undefined) ?? []).map((eid) => {
      const e = events.get(eid);
      return e ? { id: eid, found: true, type: e.type, stream: e.stream, recordedAt: e.recordedAt, actor: e.actor } : { id: eid, found: false };
    });
    const own = sanctions
      .filter((s) => s.caseId === _id)
      .map(({ _id: sid, _position: _p, subjectKey: _k, subjectKind: _sk, ...s }) => ({ id: sid, ...s, effect: effectOf(s as Doc, now) }));
    return { ...rest, id: _id, evidence, evidenceComplete: evidence.every((e) => e.found), sanctions: own, appeals: [] as unknown[] };
  });
  return { items, total };
}
