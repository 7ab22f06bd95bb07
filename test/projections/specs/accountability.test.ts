// Accountability read model: violation cases and sanctions, found by a normalised subject key.
import { describe, it } from 'vitest';
import type { AccountabilityEvent } from '../../../src/domain/accountability.js';
import { SANCTIONS, VIOLATIONS, accountability } from '../../../src/projections/accountability.js';
import { projectionSpec } from '../projection-spec.js';
import { at } from './fixtures.js';

const spec = projectionSpec<AccountabilityEvent>(accountability);
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
      reason: '三年内不得申请',
      imposedBy: recorder,
      imposedAt: at(2),
    });
  });
});
