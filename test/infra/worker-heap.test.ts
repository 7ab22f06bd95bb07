// workerHeap: a worker gets the young generation it asks for, though the process was started with the
// main thread's --max-semi-space-size (which V8 would otherwise apply to every isolate). growingWorkerHeap:
// the as-of thread's old generation may take half the memory, unless the operator set one.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { growingOldSpaceMb } from '../../src/infra/worker-heap.js';

const helper = fileURLToPath(new URL('../../src/infra/worker-heap.ts', import.meta.url));
// A worker that keeps ~20 MB alive while allocating, so its semi-spaces grow to their limit, then says how big they got.
const WORKER = `const v8 = process.getBuiltinModule('node:v8'); const keep = [];
for (let i = 0; i < 2e6; i++) { keep.push({ a: i, b: 'x' + i }); if (keep.length > 2e5) keep.splice(0, 1e5); }
process.getBuiltinModule('node:worker_threads').parentPort.postMessage(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576);`;
const CHILD = `import { Worker } from 'node:worker_threads';
const { workerHeap } = await import(${JSON.stringify(helper)});
const newSpace = (limits) => new Promise((resolve, reject) => { const w = new Worker(${JSON.stringify(WORKER)}, { eval: true, resourceLimits: limits }); w.once('message', resolve); w.once('error', reject); });
console.log(JSON.stringify({ small: await newSpace(workerHeap(24)), asMain: await newSpace(workerHeap()) }));`;

describe('workerHeap', () => {
  it('gives a worker its own young generation under a process-wide --max-semi-space-size', async () => {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--import', 'tsx', '--max-semi-space-size=64', '--input-type=module', '-e', CHILD], (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve(stdout))),
    );
    const { small, asMain } = JSON.parse(out) as { small: number; asMain: number };
    expect(small).toBeLessThanOrEqual(16); // 24 MB young: two semi-spaces of 8
    expect(asMain).toBe(128); // the main thread's: two semi-spaces of 64
  }, 30_000);

  it("gives the as-of thread's old generation half the memory, never less than the main thread's, unless the operator set one", async () => {
    const GiB = 2 ** 30;
    expect(growingOldSpaceMb(null, 16 * GiB, 4_144)).toBe(8_192);
    expect(growingOldSpaceMb(null, 4 * GiB, 2_000)).toBe(2_048);
    expect(growingOldSpaceMb(null, 2 * GiB, 2_000)).toBe(2_000);
    expect(growingOldSpaceMb(3_000, 16 * GiB, 3_000)).toBeUndefined(); // --max-old-space-size: V8 gives every isolate that
    const limit = (flags: string[]) =>
      new Promise<{ worker: number; main: number; memory: number }>((resolve, reject) =>
        execFile(process.execPath, ['--import', 'tsx', ...flags, '--input-type=module', '-e', LIMITS], (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve(JSON.parse(stdout)))),
      );
    const roomy = await limit([]);
    expect(roomy.worker).toBeGreaterThanOrEqual(Math.max(roomy.main, Math.floor(roomy.memory / 2 ** 21)));
    const set = await limit(['--max-old-space-size=1500']);
    expect(set.worker).toBeGreaterThanOrEqual(1_500);
    expect(set.worker).toBeLessThan(1_500 + 400); // the young generation on top
  }, 30_000);
});

// A worker made with growingWorkerHeap says its heap's limit (MB), beside the main thread's and the memory the process may use.
const LIMITS = `import { Worker } from 'node:worker_threads';
import os from 'node:os';
import v8 from 'node:v8';
const { growingWorkerHeap } = await import(${JSON.stringify(helper)});
const w = new Worker("process.getBuiltinModule('node:worker_threads').parentPort.postMessage(process.getBuiltinModule('node:v8').getHeapStatistics().heap_size_limit / 1048576)", { eval: true, resourceLimits: growingWorkerHeap() });
const worker = await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
console.log(JSON.stringify({ worker, main: v8.getHeapStatistics().heap_size_limit / 1048576, memory: Math.min(os.totalmem(), process.constrainedMemory?.() || Infinity) }));`;
