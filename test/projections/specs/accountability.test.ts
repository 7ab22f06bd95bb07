// Accountability read model: violation cases and sanctions, found by a normalised subject key.
import { describe, it } from 'vitest';
import type { AccountabilityEvent } from '../../../src/domain/accountability.js';
import type { NoticeEvent } from '../../../src/domain/notice.js';
import type { TenancyEvent } from '../../../src/domain/tenancy.js';
import { SANCTIONS, SANCTION_APPEALS, SANCTION_EFFECTS, VIOLATIONS, accountability } from '../../../src/projections/accountability.js';
import { projectionSpec } from '../projection-spec.js';
import { at } from './fixtures.js';

const spec = projectionSpec<AccountabilityEvent | NoticeEvent | TenancyEvent>(accountability);
const subject = { kind: 'enterprise', id: '91440300ma5dxxxx1a ', name: '深圳市创新科技有限公司' } as const;
const recorder = { id: 'admin-1', name: '市规划和自然资源局' };
const violation: AccountabilityEvent = { type: 'ViolationRecorded', data: { caseId: 'case-1', subject, kind: 'false_material', description: '虚假材料', evidence: ['e-1'], recorder } };
const violationDoc = {
  caseId: 'case-1',
  subject,
  subjectKind: 'enterprise',
  subjectKey: '91440300MA5DXXXX1A',
  kind: 'false_material',
  kindName: '提供虚假材料',
  description: '虚假材料',
  evidence: ['e-1'],
  recorder,
  recordedAt: at(1),
};

describe('accountability', () => {
  it('a violation case, with no sanction yet', () => spec.given([violation]).then(VIOLATIONS, 'case-1', { ...violationDoc, updatedAt: at(1), sanctionCount: 0 }));

  it('a sanction: its own document (with its end in UTC) and one more on its case', async () => {
    const given = spec.given([
      violation,
      { type: 'SanctionImposed', data: { caseId: 'case-1', sanctionId: 's-1', subject, kind: 'application_ban', until: '2030-01-04T10:00:00+08:00', reason: '三年内不得申请', imposedBy: recorder } },
    ]);
    await given.then(VIOLATIONS, 'case-1', { ...violationDoc, updatedAt: at(2), sanctionCount: 1 });
    await given.then(SANCTIONS, 's-1', {
      sanctionId: 's-1',
      caseId: 'case-1',
      subject,
      subjectKind: 'enterprise',
      subjectKey: '91440300MA5DXXXX1A',
      kind: 'application_ban',
      kindName: '限制申请',
      until: '2030-01-04T02:00:00.000Z',
      imposedUntil: '2030-01-04T02:00:00.000Z',
      reason: '三年内不得申请',
      imposedBy: recorder,
      imposedAt: at(2),
    });
  });

  const ban: AccountabilityEvent = { type: 'SanctionImposed', data: { caseId: 'case-1', sanctionId: 's-1', subject, kind: 'application_ban', until: '2030-01-04T10:00:00+08:00', reason: '三年内不得申请', imposedBy: recorder } };
  const appeal = (decision: 'lift' | 'shorten', n: number): AccountabilityEvent => ({
    type: 'SanctionAppealDecided',
    data: { caseId: 'case-1', sanctionId: 's-1', appealId: `a-${n}`, decision, ...(decision === 'shorten' ? { until: '2028-01-04T02:00:00.000Z', previousUntil: '2030-01-04T02:00:00.000Z' } : {}), reasons: ['复核'], decidedAt: at(n), decidedBy: recorder },
  });

  it('an appeal: its own document; a shortening moves the end in force, a lift marks the sanction lifted; the imposed end stays', async () => {
    const given = spec.given([violation, ban, appeal('shorten', 3), appeal('lift', 4)]);
    await given.then(SANCTION_APPEALS, 'a-3', {
      appealId: 'a-3',
      caseId: 'case-1',
      sanctionId: 's-1',
      decision: 'shorten',
      decisionName: '缩短期限',
      until: '2028-01-04T02:00:00.000Z',
      previousUntil: '2030-01-04T02:00:00.000Z',
      reasons: ['复核'],
      decidedAt: at(3),
      decidedBy: recorder,
    });
    await given.then(SANCTIONS, 's-1', {
      sanctionId: 's-1',
      caseId: 'case-1',
      subject,
      subjectKind: 'enterprise',
      subjectKey: '91440300MA5DXXXX1A',
      kind: 'application_ban',
      kindName: '限制申请',
      until: '2028-01-04T02:00:00.000Z',
      imposedUntil: '2030-01-04T02:00:00.000Z',
      liftedAt: at(4),
      reason: '三年内不得申请',
      imposedBy: recorder,
      imposedAt: at(2),
      updatedAt: at(4),
    });
    await given.then(VIOLATIONS, 'case-1', { ...violationDoc, updatedAt: at(4), sanctionCount: 1, appealCount: 2 });
  });

  it('a revocation carried out: the forfeiture or the recovery naming the case, and nothing for others', async () => {
    const ref = { noticeId: 'n-1', district: 'nanshan', projectId: 'p-1' } as const;
    const forfeited = (accountabilityId?: string): NoticeEvent => ({ type: 'AllocationForfeited', data: { ...ref, applicationId: 'n-1.X', area: 300, reason: 'revoked', ...(accountabilityId ? { accountabilityId } : {}) } });
    const recovered: TenancyEvent = {
      type: 'TenancyEnded',
      data: { tenancyId: 't-1', projectId: 'p-1', district: 'nanshan', creditCode: 'X', how: 'recovery', endedOn: at(3), area: 200, unitIds: [], reasons: ['r'], grounds: 'sanction', accountabilityId: 'case-1' },
    };
    const given = spec.given([violation, { ...forfeited('case-1'), stream: 'notice-n-1' }, forfeited(), { ...recovered, stream: 'tenancy-t-1' }]);
    await given.then(SANCTION_EFFECTS, '00000000-0000-4000-8000-000000000002', { caseId: 'case-1', what: 'allocation', applicationId: 'n-1.X', noticeId: 'n-1', area: 300, stream: 'notice-n-1', at: at(2) });
    await given.then(SANCTION_EFFECTS, '00000000-0000-4000-8000-000000000003', null);
    await given.then(SANCTION_EFFECTS, '00000000-0000-4000-8000-000000000004', { caseId: 'case-1', what: 'tenancy', tenancyId: 't-1', area: 200, stream: 'tenancy-t-1', at: at(4) });
  });
});
