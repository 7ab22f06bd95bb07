// Copy-on-write of a nested object (embedded-doc-ops.ts, Writer.own): one keyed by data, or of more than 16
// keys, is copied into an object without a prototype, then given the documents' prototype (doc-realm.ts,
// copyNestedNode). The copy must be what a spread gives: the same own keys in the same order, the same
// values, a plain object.
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { DOC_PROTO, copyNestedNode, newDocNode } from '../../src/infra/doc-realm.js';
import { EmbeddedReadStore, applyDocOp } from '../../src/infra/embedded-read-store.js';
import type { Doc } from '../../src/infra/read-store.js';

function nested(keys: number): Record<string, unknown> {
  const o = newDocNode();
  // Integer-like keys come first in any own-key order: mixed in, they test that the copy keeps it.
  for (let i = 0; i < keys; i++) o[i % 5 === 0 ? String(keys - i) : `unit-${i}`] = i % 2 === 0 ? { area: i } : `v${i}`;
  return Object.freeze(o);
}

describe('copyNestedNode', () => {
  for (const keys of [0, 3, 16, 17, 25, 200]) {
    it(`copies ${keys} keys as a spread does`, () => {
      const source = nested(keys);
      const copy = copyNestedNode(source);
      expect(copy).not.toBe(source);
      expect(Object.getPrototypeOf(copy)).toBe(DOC_PROTO);
      expect(Object.isFrozen(copy)).toBe(false);
      expect(Object.keys(copy)).toEqual(Object.keys({ ...source }));
      for (const k of Object.keys(source)) expect(copy[k]).toBe(source[k]);
      expect(JSON.stringify(copy)).toBe(JSON.stringify(source));
      expect(copy).toStrictEqual({ ...source });
    });
  }
});

describe('a change to one of many entries keyed by data', () => {
  const units = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`b0000002-0000-4000-8000-${String(i).padStart(12, '0')}`, { area: 100 + i, status: 'available' }]));
  const id = 'b0000002-0000-4000-8000-000000000007';

  it('gives a new version with that entry changed, the rest shared, the version before untouched', () => {
    const before = applyDocOp(undefined, { collection: 'projects', id: 'p1', position: 1, set: { name: '南山产业园', units: units(25) } })!;
    const after = applyDocOp(before, { collection: 'projects', id: 'p1', position: 2, set: { [`units.${id}.status`]: 'let', updatedAt: '2026-12-05T00:00:00.000Z' } })!;
    const was = before.units as Record<string, Doc>;
    const now = after.units as Record<string, Doc>;
    expect(now).not.toBe(was);
    expect(Object.keys(now)).toEqual(Object.keys(was));
    expect(now[id]).toEqual({ area: 107, status: 'let' });
    expect(was[id]).toEqual({ area: 107, status: 'available' });
    for (const k of Object.keys(was)) if (k !== id) expect(now[k]).toBe(was[k]);
    expect(Object.isFrozen(now)).toBe(true);
    expect(Object.getPrototypeOf(now)).toBe(DOC_PROTO);
  });

  it('is found by a query on the changed entry, and removed by an unset, through the store', async () => {
    const reads = EmbeddedReadStore.open(null);
    await reads.commit('p', [{ collection: 'projects', id: 'p1', position: 1, set: { units: units(40) } }], 1);
    await reads.commit('p', [{ collection: 'projects', id: 'p1', position: 2, set: { [`units.${id}.status`]: 'let' } }], 2);
    expect(await reads.count('projects', { [`units.${id}.status`]: 'let' })).toBe(1);
    await reads.commit('p', [{ collection: 'projects', id: 'p1', position: 3, unset: [`units.${id}`] }], 3);
    const doc = (await reads.findOne('projects', { _id: 'p1' }))!;
    expect(Object.keys(doc.units as object)).toHaveLength(39);
    expect((doc.units as Record<string, unknown>)[id]).toBeUndefined();
    await reads.close();
  });
});

// Objects keyed by data (doc-realm.ts) are dictionaries in every size, so their keys take no hidden classes:
// made as ordinary objects, each one's first key took a transition from the documents' root map, full after
// ~1,500, and from then on every such object had hidden classes of its own.
describe('objects keyed by data', () => {
  setFlagsFromString('--allow-natives-syntax');
  const fast = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;
  const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
  const unitId = (project: number, unit: number) => `c${String(project).padStart(7, '0')}-0000-4000-8000-${String(unit).padStart(12, '0')}`;

  it('are stored as dictionaries however few their keys, and fields as ordinary objects', () => {
    const doc = applyDocOp(undefined, {
      collection: 'projects', id: 'p1', position: 1,
      set: { name: '南山产业园', units: { [unitId(1, 1)]: { area: 100, status: 'available' } }, 'amendments.p12': { changes: 1 }, location: { lat: 22.5, lng: 113.9 } },
    })!;
    expect(fast(doc.units as object)).toBe(false);
    expect(fast(doc.amendments as object)).toBe(false); // made for a dotted path whose next key is data
    expect(fast((doc.units as Record<string, object>)[unitId(1, 1)]!)).toBe(true);
    expect(fast(doc.location as object)).toBe(true);
    const next = applyDocOp(doc, { collection: 'projects', id: 'p1', position: 2, set: { [`units.${unitId(1, 2)}`]: { area: 50, status: 'let' } } })!;
    expect(fast(next.units as object)).toBe(false); // its copy too
    expect(Object.keys(next.units as object)).toEqual([unitId(1, 1), unitId(1, 2)]);
  });

  it('leave the root map of the documents free to take the shapes met afterwards', () => {
    for (let p = 0; p < 3_000; p++) {
      applyDocOp(undefined, { collection: 'projects', id: `p${p}`, position: 1, set: { units: { [unitId(p, 0)]: { area: 1 }, [unitId(p, 1)]: { area: 2 } } } });
    }
    const shape = () => {
      const o = newDocNode();
      o.neverSeenBefore = 1;
      return o;
    };
    expect(sameMap(shape(), shape())).toBe(true);
  });
});
