// npx tsx --max-semi-space-size=64 scripts/bench-gc-states.ts <dir> [path] [phases]: how the server's collector
// fares under GET load (README, Speed: the "heavy state"). Starts the bench's platform server on the data dir
// <dir> (as bench-audit-rows.ts), then runs the phases in order, comma-separated (default run,run,gc,run,run,run):
//   run    50 connections of GET <path> (default /health) for 5 s; short: the same for 1 s
//   post   50 connections of POST /api/projects for 10 s (commands: the heap grows, V8 collects on its own)
//   gc     one full collection forced in the server
//   map    whether V8's root map in the server still takes transitions (src/infra/doc-realm.ts): when it
//          does not, shapes first met afterwards get a hidden class per object (the old "heavy state")
// and prints, per load, requests/s, p99, what the server promoted to its old generation per request, its
// young collections' pauses per request, its main thread's CPU per request and V8's own full collections.
import { load, officerHeaders, registerBody, startServer } from './bench-kit.js';

const [dir, path = '/health', phases = 'run,run,gc,run,run,run'] = process.argv.slice(2);
if (!dir) throw new Error('usage: bench-gc-states.ts <dir> [path] [phases]');
const server = await startServer(['services'], { DATA_DIR: dir });
console.log(`server ready in ${(server.startupMs / 1000).toFixed(1)} s, asOf key frames ${((server.warmMs ?? 0) / 1000).toFixed(1)} s`);
try {
  for (const phase of phases.split(',')) {
    if (phase === 'map') {
      console.log(`map: the root map ${(await server.rootMapTakesTransitions()) ? 'takes transitions' : 'is full'}`);
      continue;
    }
    if (phase === 'gc') {
      const c = await server.collect();
      console.log(`gc: ${c.ms?.toFixed(0)} ms, old generation ${(c.oldBytes / 2 ** 20).toFixed(0)} MB`);
      continue;
    }
    const u0 = await server.usage();
    const r =
      phase === 'post'
        ? await load(`${server.url}/api/projects`, { method: 'POST', headers: officerHeaders(), body: JSON.stringify(registerBody(1)) }, 10)
        : await load(server.url + path, {}, phase === 'short' ? 1 : 5);
    const u1 = await server.usage();
    const n = Math.max(1, r.answered);
    console.log(
      `${phase}: ${r.perSecond.toFixed(0)}/s, p99 ${r.p99} ms; promoted ${((u1.oldBytes - u0.oldBytes) / n / 1024).toFixed(2)} KB a request; ` +
        `young collections ${((u1.minorGcMicros! - u0.minorGcMicros!) / n).toFixed(1)} µs a request; main thread ${(((u1.mainCpuMicros ?? 0) - (u0.mainCpuMicros ?? 0)) / n).toFixed(0)} µs a request; ` +
        `V8's full collections ${u1.majorGcs - u0.majorGcs}`,
    );
  }
} finally {
  await server.stop();
}
