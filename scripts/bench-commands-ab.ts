// Commands of two checkouts side by side: npx tsx scripts/bench-commands-ab.ts <checkout> [<checkout> …]
//   [--pairs 3] [--rounds 4] [--seconds 5] [--mode post|mixed|both]
// Issues 6 and 7 ask that the command rows not regress by more than 10 % against the code before them
// (9210e74), and this machine moves single runs by ±25 % within minutes: only runs next to each other in
// time compare. Each pair starts every checkout's own scripts/bench-server.ts (with its own npm ci) on a
// fresh data dir in turn, registers the 500 projects the bench's mixed load PATCHes, then runs the load
// `rounds` times: the first run is a fresh server's JIT warming up and is shown but not counted. It prints
// each run (commands/s, p99, and the server's CPU per command by thread from /proc, where there is one)
// and, at the end, each checkout's median of the counted runs.
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type AutocannonRequest, SECRET, load, median, mixedRequests, officerHeaders, registerBody, registerProjects, settings } from './bench-kit.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { pairs: { type: 'string', default: '3' }, rounds: { type: 'string', default: '4' }, seconds: { type: 'string', default: '5' }, mode: { type: 'string', default: 'both' } },
});
const checkouts = positionals.map((p) => resolve(p));
if (checkouts.length === 0) throw new Error('name at least one checkout (a folder with scripts/bench-server.ts and node_modules)');
for (const c of checkouts) if (!existsSync(join(c, 'scripts', 'bench-server.ts'))) throw new Error(`${c} has no scripts/bench-server.ts`);
const modes = args.mode === 'both' ? ['post', 'mixed'] : [args.mode!];
if (!modes.every((m) => m === 'post' || m === 'mixed')) throw new Error('--mode is post, mixed or both');
settings.seconds = Number(args.seconds);

const headers = officerHeaders();
/** The checkout's own server, with the young generation its package.json gives `npm start` (none: Node's default). */
async function start(checkout: string, dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const semi = /--max-semi-space-size=(\d+)/.exec(JSON.parse(readFileSync(join(checkout, 'package.json'), 'utf8')).scripts?.start ?? '')?.[1];
  const child = fork(join(checkout, 'scripts', 'bench-server.ts'), ['platform'], {
    cwd: checkout,
    execArgv: ['--import', 'tsx', ...(semi ? [`--max-semi-space-size=${semi}`] : [])],
    env: { ...process.env, DATA_DIR: dataDir, NATS_URL: '', EVENTSTORE_URL: '', MONGO_URL: '', JWT_SECRET: SECRET, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((res, rej) => {
    child.on('message', (m: { type?: string; url?: string }) => m.type === 'ready' && res(m.url!));
    child.once('exit', (code) => rej(new Error(`${checkout}'s bench server exited with ${code}`)));
  });
  return { child, url };
}

/** CPU ticks (1/100 s) of each thread of a process; empty where /proc is not. */
function threadTicks(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      const fields = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8').split(')').pop()!.trim().split(' ');
      out.set(t === String(pid) ? 'main' : t, Number(fields[11]) + Number(fields[12]));
    }
  } catch {
    // not Linux, or the thread ended between the two reads: what was read stands
  }
  return out;
}

async function run(checkout: string, mode: string): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'isp-commands-ab-'));
  const { child, url } = await start(checkout, join(dir, 'commands'));
  try {
    const ids = await registerProjects(url, headers);
    const requests: AutocannonRequest[] = mode === 'post' ? [{ method: 'POST', path: '/api/projects', body: JSON.stringify(registerBody(0)) }] : mixedRequests(ids);
    const counted: number[] = [];
    for (let r = 0; r < Number(args.rounds); r++) {
      const before = threadTicks(child.pid!);
      const result = await load(url, { headers, requests });
      const after = threadTicks(child.pid!);
      const perThread = [...after].map(([t, v]) => [t, ((v - (before.get(t) ?? 0)) * 10_000) / result.answered] as const).filter(([, us]) => us >= 1).sort((a, b) => b[1] - a[1]);
      const total = perThread.reduce((s, [, us]) => s + us, 0);
      const cpu = perThread.length ? ` · server CPU ${total.toFixed(0)} µs per command (${perThread.map(([t, us]) => `${t} ${us.toFixed(0)}`).join(', ')})` : '';
      console.log(`  ${mode} run ${r}${r === 0 ? ' (warm-up, not counted)' : ''}: ${Math.round(result.perSecond)}/s, p99 ${result.p99} ms${result.failed ? `, ${result.failed} failed` : ''}${cpu}`);
      if (r > 0) counted.push(result.perSecond);
    }
    return counted;
  } finally {
    await new Promise((res) => {
      child.once('exit', res);
      child.send({ type: 'stop' });
    });
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = new Map<string, number[]>();
for (let p = 0; p < Number(args.pairs); p++) {
  for (const mode of modes) {
    for (const checkout of checkouts) {
      console.log(`pair ${p + 1}, ${checkout}:`);
      const key = `${mode} ${checkout}`;
      results.set(key, [...(results.get(key) ?? []), ...(await run(checkout, mode))]);
    }
  }
}
for (const [key, runs] of results) console.log(`${key}: median ${Math.round(median(runs))}/s of ${runs.length} runs (${runs.map((r) => Math.round(r)).join(', ')})`);
