// Scratch: how long matching's warm-up holds the event loop at a start (not committed).
import { EmbeddedReadStore } from '../src/infra/embedded-read-store.js';
import { demandMatching, rankingHeads } from '../src/projections/demand-matching.js';
const dir = process.argv[2]!;
const t0 = performance.now();
const store = EmbeddedReadStore.open(dir);
console.log(`opened in ${(performance.now() - t0).toFixed(0)} ms`);
await new Promise((r) => setTimeout(r, 2000));
let last = performance.now();
let max = 0;
const gaps: number[] = [];
let ticking = true;
const tick = () => {
  const now = performance.now();
  gaps.push(now - last);
  max = Math.max(max, now - last);
  last = now;
  if (ticking) setImmediate(tick);
};
setImmediate(tick);
const t1 = performance.now();
let built = 0;
// The index alone: warm builds it first (indexOf), then ranks shallow demands in slices of 5; stop after the build.
let calls = 0;
await demandMatching.warm!(store, () => { calls++; if (built === 0) built = performance.now() - t1; return false; });
ticking = false;
gaps.sort((a, b) => b - a);
console.log(`index built after ${built.toFixed(0)} ms; ${rankingHeads(store)?.size} open demands; longest holds ${gaps.slice(0, 5).map((g) => g.toFixed(1)).join(', ')} ms; turns ${gaps.length}`);
await store.close();
