// Ops that name entries by data (units by unit id, objections by id) are made as dictionaries, so a
// busy server's commands do not fill V8's root maps with transitions of keys used once (doc-paths.ts,
// src/infra/doc-realm.ts): after them, a shape never seen before still gets a shared hidden class.
import { describe, expect, it } from 'vitest';
import type { ApplicationEvent } from '../../src/domain/application.js';
import type { ProjectEvent } from '../../src/domain/project.js';
import { applications } from '../../src/projections/applications.js';
import { projectSearch } from '../../src/projections/project-search.js';
import type { Projection } from '../../src/projections/projection.js';
import { recorded } from './projection-spec.js';
import { rootMapTakesTransitions } from '../../scripts/root-map.js';

/** Whether shapes of one to five keys never built before still share a hidden class (the literal sizes the ops had). */
const rootsTakeTransitions = () => [0, 1, 2, 3, 4].every((fixed) => rootMapTakesTransitions(fixed));

const EVENTS = 2_000; // more than a root map's ~1,500 transitions
const unit = (i: number, j: number) => ({ unitId: `u-${i}-${j}`, building: 'A栋', floor: '3', number: `30${j}`, area: 100 });

function apply<E extends ProjectEvent | ApplicationEvent>(projection: Projection, events: E[]): number {
  let ops = 0;
  events.forEach((e, i) => {
    ops += projection.apply(recorded(e, i + 1)).length;
  });
  return ops;
}

describe('ops keyed by data', () => {
  it('registrations, units added, reviews and objections leave the root maps taking transitions', () => {
    expect(rootsTakeTransitions(), 'the test starts with free root maps').toBe(true);
    const registered = Array.from({ length: EVENTS }, (_, i): ProjectEvent => ({
      type: 'ProjectRegistered',
      data: { projectId: `p-${i}`, name: '南山智园', district: 'nanshan', address: '留仙大道', useType: 'rnd', supplyModes: ['rent'], totalArea: 12000, location: { lng: 113.95, lat: 22.58 }, units: [unit(i, 1), unit(i, 2)] },
    }));
    const added = Array.from({ length: EVENTS }, (_, i): ProjectEvent => ({ type: 'UnitsAdded', data: { projectId: `p-${i}`, units: [unit(i, 3)] } }));
    const reviewed = Array.from({ length: EVENTS }, (_, i): ApplicationEvent => ({
      type: 'QualificationReviewed',
      data: { applicationId: `n-1.${i}`, noticeId: 'n-1', qualified: true, reasons: [], reviewer: 'officer-1' },
    } as unknown as ApplicationEvent));
    expect(apply(projectSearch, [...registered, ...added])).toBe(2 * EVENTS);
    const objected = Array.from({ length: EVENTS }, (_, i): ApplicationEvent => ({
      type: 'ObjectionFiled',
      data: { applicationId: `n-1.${i}`, objectionId: `o-${i}`, noticeId: 'n-1', content: '异议', filedBy: 'someone' },
    } as unknown as ApplicationEvent));
    expect(apply(applications, [...reviewed, ...objected])).toBe(3 * EVENTS); // an objection: the application and the objection
    expect(rootsTakeTransitions()).toBe(true);
  });

  it('the check can fail: the same keys as literals fill a root map', () => {
    const kept = Array.from({ length: EVENTS }, (_, i) => ({ [`units.u-${i}`]: i, updatedAt: 't' }));
    expect(kept).toHaveLength(EVENTS);
    expect(rootsTakeTransitions()).toBe(false);
  });
});
