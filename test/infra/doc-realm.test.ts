// Stored documents hold objects keyed by data (units by unit id). Made in this context, each such first key
// would take a transition from V8's root map, which holds ~1,500 at most: once full, every object shape
// first met afterwards gets a hidden class per object (doc-realm.ts, the README's "heavy state"). The store
// makes its documents in a context of its own, whether written by ops or loaded from its file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedReadStore } from '../../src/infra/embedded-read-store.js';
import type { DocOp } from '../../src/infra/read-store.js';
import { rootMapTakesTransitions } from '../../scripts/root-map.js';

const PROJECTS = 3_000; // twice what the root map holds
/** Ops whose own objects take no transitions (null-prototype objects are dictionaries): only the store's copies could. */
function projectOps(from: number): DocOp[] {
  return Array.from({ length: PROJECTS }, (_, k) => {
    const i = from + k;
    const units = Object.create(null) as Record<string, unknown>;
    // Four: JSON.parse starts an object of four keys from the same root map as `{}`.
    for (const [j, area] of [100, 200, 300, 400].entries()) units[`u${i}-${j}`] = { area };
    const set = Object.create(null) as Record<string, unknown>;
    set.units = units;
    set[`rooms.r${i}`] = { floor: 3 }; // a dotted path: the store makes the object it lands in
    return { collection: 'projects', id: `p${i}`, position: i + 1, set };
  });
}

const dir = mkdtempSync(join(tmpdir(), 'doc-realm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("stored documents and this context's hidden classes", () => {
  it('written, changed in bulk and loaded again, they leave the root map free', async () => {
    expect(rootMapTakesTransitions(), 'the test starts with a root map that takes transitions').toBe(true);
    const reads = EmbeddedReadStore.open(dir);
    await reads.commit('p', projectOps(0), PROJECTS);
    await reads.setBulk(true);
    await reads.commit('p', projectOps(PROJECTS), 2 * PROJECTS); // written in place
    await reads.setBulk(false);
    expect(rootMapTakesTransitions(), 'after writes').toBe(true);
    const doc = await reads.findOne('projects', { _id: 'p7' });
    expect(doc).toStrictEqual({ _id: 'p7', units: { 'u7-0': { area: 100 }, 'u7-1': { area: 200 }, 'u7-2': { area: 300 }, 'u7-3': { area: 400 } }, rooms: { r7: { floor: 3 } }, _position: 8 });
    await reads.close();

    const again = EmbeddedReadStore.open(dir);
    expect(await again.count('projects', { 'units.u4321-1.area': 200 })).toBe(1);
    expect(rootMapTakesTransitions(), 'after a load').toBe(true);
    await again.close();
  });

  it('the check can fail: the same data parsed here fills the root map', () => {
    const kept = Array.from({ length: PROJECTS }, (_, i) => JSON.parse(`{"u${i}-0": 1, "u${i}-1": 2, "u${i}-2": 3, "u${i}-3": 4}`) as unknown);
    expect(kept).toHaveLength(PROJECTS);
    expect(rootMapTakesTransitions()).toBe(false);
  });
});
