// npx tsx scripts/bench-audit-rows.ts <dir> [csv] [asof] [access] (run in the order named) [--wait S] [--events N]: issue 9's HTTP rows alone (bench-audit.ts),
// against a data dir built once by bench-rebuild.ts <dir> --events N --scenario --persist (move its
// reads-<pid>/read-models.db into <dir>, where the server looks for it). With BENCH_CPU_PROF=<dir> the
// server writes a CPU profile on exit. --wait: seconds between the server's start and the rows (the bench
// runs other rows first, while the server builds its asOf key frames).
import { parseArgs } from 'node:util';
import { accessLogFigures, asOfFigures, csvExportFigures } from './bench-audit.js';
import { mb, rows, startServer } from './bench-kit.js';
import { ScenarioLog } from './bench-scenario-log.js';
import { SqliteEventStore } from '../src/infra/sqlite-event-store.js';
import { join } from 'node:path';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { wait: { type: 'string' }, events: { type: 'string' } } });
const [dir, ...which] = positionals;
if (!dir) throw new Error('usage: bench-audit-rows.ts <dir> [csv] [asof] [access]');
for (const name of which) if (!['csv', 'asof', 'access'].includes(name)) throw new Error(`unknown row ${name}: csv, asof or access`);
const events = SqliteEventStore.open(join(dir, 'events.db'));
const head = await events.headPosition();
await events.close();
const server = await startServer(['services'], { DATA_DIR: dir });
console.log(`server ready in ${(server.startupMs / 1000).toFixed(1)} s${server.warmMs === null ? '' : `, asOf key frames built in ${(server.warmMs / 1000).toFixed(1)} s`}`);
await new Promise((resolve) => setTimeout(resolve, Number(values.wait ?? 0) * 1000));
try {
  // In the order named (the bench runs asof, then csv, then access); all three in that order when none is named.
  for (const name of which.length === 0 ? ['asof', 'csv', 'access'] : which) {
    if (name === 'csv') for (let k = 0; k < 3; k++) await csvExportFigures(server.url, head);
    else if (name === 'asof') await asOfFigures(server.url, head, 100, 30_000);
    else {
      // The scenario the log was written from (`--events`: the bench's N, when commands ran on it after)
      const scenario = new ScenarioLog({ events: Number(values.events ?? head) });
      for (const _ of scenario.events()); // the generator fills in the applications as it goes
      await accessLogFigures(server, scenario);
    }
  }
  const { maxRssBytes, rssBytes } = await server.usage();
  console.log(`server memory: peak RSS ${mb(maxRssBytes)}, now ${mb(rssBytes)}`);
} finally {
  await server.stop();
}
for (const r of rows) console.log(`${r.figure}\n  ${r.measured} | ${r.ceiling} | ${r.verdict}`);
