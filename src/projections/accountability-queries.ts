// Accountability cases as auditors read them: each violation with its evidence (every cited event id
// looked up in the audit trail, so a citation of an event that does not exist shows), its sanctions and
// their effect at the time asked, and its appeals.
import type { Doc, Filter, ReadStore } from '../infra/read-store.js';
import { SANCTIONS, SANCTION_APPEALS, SANCTION_EFFECTS, VIOLATIONS } from './accountability.js';
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

/**
 * What a sanction does at `at`: as imposed, then moved by the appeals decided by then (a shortening sets an
 * earlier end, a lift ends it). A ban bars applications until its end; a revocation is carried out once
 * (its effect: the forfeiture or recovery naming the case); criticism and referral stand until lifted.
 */
function effectOf(s: Doc, appeals: Doc[], carriedOut: Doc | undefined, at: string): { active: boolean; description: string } {
  if (typeof s.imposedAt === 'string' && s.imposedAt > at) return { active: false, description: '尚未作出' };
  let until = typeof s.imposedUntil === 'string' ? s.imposedUntil : undefined;
  let liftedAt: string | undefined;
  for (const a of appeals) {
    if (typeof a.decidedAt !== 'string' || a.decidedAt > at) continue;
    if (a.decision === 'shorten' && typeof a.until === 'string') until = a.until;
    if (a.decision === 'lift') liftedAt = a.decidedAt;
  }
  if (liftedAt !== undefined) return { active: false, description: `已于 ${liftedAt} 经申诉撤销` };
  if (s.kind === 'revocation') return { active: true, description: revocationText(s.revokes as Doc | undefined, carriedOut) };
  const active = until === undefined ? s.kind !== 'application_ban' : until > at;
  const description =
    s.kind === 'application_ban' ? (active ? `限制申请至 ${until ?? ''}` : `限制申请已于 ${until ?? ''} 届满`) : s.kind === 'public_criticism' ? '通报批评' : '移送纪检监察机关';
  return { active, description };
}

function revocationText(revokes: Doc | undefined, carriedOut: Doc | undefined): string {
  if (!revokes) return '撤销';
  const what = revokes.what === 'allocation' ? `撤销申请 ${String(revokes.applicationId)} 的配租配售（${String(revokes.area)} ㎡），用房递补或恢复可供` : `收回租赁 ${String(revokes.tenancyId)} 的用房（${String(revokes.area)} ㎡）`;
  return carriedOut ? `${what}，已于 ${String(carriedOut.at)} 执行` : `${what}，待执行`;
}

export interface PendingRevocation {
  caseId: string;
  sanctionId: string;
  reason: string;
  revokes: { what: 'allocation'; applicationId: string; noticeId: string; area: number } | { what: 'tenancy'; applicationId: string; tenancyId: string; area: number };
}

/** Revocations whose effect (the forfeiture or recovery naming the case) is not in the read models. */
export async function pendingRevocations(reads: ReadStore): Promise<PendingRevocation[]> {
  const revocations = await reads.find(SANCTIONS, { kind: 'revocation' }, { sort: { imposedAt: 1, _id: 1 } });
  if (revocations.length === 0) return [];
  const effects = await reads.find(SANCTION_EFFECTS, { caseId: { $in: [...new Set(revocations.map((r) => String(r.caseId)))] } });
  const done = (r: Doc) => {
    const x = r.revokes as Doc | undefined;
    return !x || effects.some((e) => e.caseId === r.caseId && e.what === x.what && (x.what === 'allocation' ? e.applicationId === x.applicationId : e.tenancyId === x.tenancyId));
  };
  return revocations
    .filter((r) => !done(r))
    .map((r) => ({ caseId: String(r.caseId), sanctionId: r._id, reason: String(r.reason), revokes: r.revokes as PendingRevocation['revokes'] }));
}

/** The case a sanction belongs to (undefined for an unknown sanction). */
export async function caseOfSanction(reads: ReadStore, sanctionId: string): Promise<string | undefined> {
  const doc = await reads.findOne(SANCTIONS, { _id: sanctionId });
  return doc ? String(doc.caseId) : undefined;
}

/** Cases newest first; each sanction's effect as of `at` (the time asked, or now). */
export async function listCases(reads: ReadStore, q: CaseQuery, at: string): Promise<{ items: Record<string, unknown>[]; total: number }> {
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
  const byCase = { caseId: { $in: caseIds } };
  const [sanctions, cited, appeals, effects] = await Promise.all([
    caseIds.length ? reads.find(SANCTIONS, byCase, { sort: { imposedAt: 1, _id: 1 } }) : [],
    evidenceIds.length ? reads.find(AUDIT_TRAIL, { eventId: { $in: evidenceIds } }) : [],
    caseIds.length ? reads.find(SANCTION_APPEALS, byCase, { sort: { decidedAt: 1, _id: 1 } }) : [],
    caseIds.length ? reads.find(SANCTION_EFFECTS, byCase, { sort: { at: 1, _id: 1 } }) : [],
  ]);
  const carriedOut = (s: Doc) => {
    const r = s.revokes as Doc | undefined;
    if (!r) return undefined;
    return effects.find((e) => e.caseId === s.caseId && e.what === r.what && (r.what === 'allocation' ? e.applicationId === r.applicationId : e.tenancyId === r.tenancyId));
  };
  const events = new Map(cited.map((d) => [d.eventId as string, presentAuditEntry(d)]));
  const items = cases.map((c) => {
    const { _id, _position, subjectKey: _key, subjectKind: _kind, ...rest } = c;
    const evidence: Evidence[] = ((c.evidence as string[] | undefined) ?? []).map((eid) => {
      const e = events.get(eid);
      return e ? { id: eid, found: true, type: e.type, stream: e.stream, recordedAt: e.recordedAt, actor: e.actor } : { id: eid, found: false };
    });
    const ownAppeals = appeals.filter((a) => a.caseId === _id);
    const own = sanctions
      .filter((s) => s.caseId === _id)
      .map(({ _id: sid, _position: _p, subjectKey: _k, subjectKind: _sk, ...s }) => {
        const done = carriedOut(s as Doc);
        return {
          id: sid,
          ...s,
          ...(done ? { carriedOut: { at: done.at, stream: done.stream, eventId: done._id } } : {}),
          effect: effectOf(s as Doc, ownAppeals.filter((a) => a.sanctionId === sid), done, at),
        };
      });
    const presentedAppeals = ownAppeals.map(({ _id: aid, _position: _p, ...a }) => ({ id: aid, ...a }));
    return { ...rest, id: _id, evidence, evidenceComplete: evidence.every((e) => e.found), sanctions: own, appeals: presentedAppeals };
  });
  return { items, total };
}
