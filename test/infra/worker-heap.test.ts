// workerHeap: a worker gets the young generation it asks for, though the process was started with the
// main thread's --max-semi-space-size (which V8 would otherwise apply to every isolate).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

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
});
