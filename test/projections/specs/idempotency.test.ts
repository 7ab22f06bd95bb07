// Idempotency answers: the last event of a command sent with an Idempotency-Key, by actor and key.
import { describe, expect, it } from 'vitest';
import type { ProjectEvent, StatFigures } from '../../../src/domain/project.js';
import { IDEMPOTENCY, idempotency } from '../../../src/projections/idempotency.js';
import { projectionSpec } from '../projection-spec.js';

const spec = projectionSpec<ProjectEvent>(idempotency);
const figures: StatFigures = { district: 'nanshan', useType: 'rnd', supplyModes: ['rent'], totalArea: 100 };
const keyed = (key: string, requestHash: string) => ({ actor: { id: 'officer-ns', role: 'housing_dept' }, idempotencyKey: key, requestHash });

describe('idempotency', () => {
  it('remembers the answer of the last event of a keyed command: stream id, revision, position', () =>
    spec
      .given([
        { type: 'ProjectPublished', data: { projectId: 'p-1', ...figures }, stream: 'project-p-1', metadata: keyed('k-1', 'h-1') },
        { type: 'ProjectPublished', data: { projectId: 'p-1', ...figures }, stream: 'project-p-1', metadata: keyed('k-1', 'h-1') },
      ])
      .then(IDEMPOTENCY, 'officer-ns\u0000k-1', { requestHash: 'h-1', result: { id: 'p-1', revision: 1, position: 2 } }));

  it('keeps nothing for a command sent without a key', async () => {
    const docs = await spec.given([{ type: 'ProjectPublished', data: { projectId: 'p-1', ...figures }, stream: 'project-p-1' }]).documents(IDEMPOTENCY);
    expect(docs.size).toBe(0);
  });
});
