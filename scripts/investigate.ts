// npm run investigate -- --until <ISO time | position> [--streams <prefix>] --out <dir> [--mongo-db <name>]
// Rebuilds every read model from the log up to the cut into a separate place, never touching the live
// read models: the embedded log is copied (an online SQLite backup of DATA_DIR/events.db) into <dir>,
// and the read models are built there (or, with MONGO_URL, in the database --mongo-db). The cut and the
// stream prefix are written to <dir>/investigation.json, so `READ_ONLY=1 DATA_DIR=<dir> npm start`
// serves exactly that view, read-only. A time cuts by recordedAt: what the platform had recorded by then.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { createServices } from '../src/application/services.js';
import { loadConfig } from '../src/config.js';
import { CutEventStore, INVESTIGATION_FILE } from '../src/infra/cut-event-store.js';
import { EmbeddedReadStore } from '../src/infra/embedded-read-store.js';
import type { EventStore } from '../src/infra/event-store.js';
import type { ReadStore } from '../src/infra/read-store.js';
import { SqliteEventStore } from '../src/infra/sqlite-event-store.js';

const usage = 'usage: npm run investigate -- --until <ISO time | position> [--streams <prefix>] --out <dir> [--mongo-db <name>]';
const { values } = parseArgs({ options: { until: { type: 'string' }, streams: { type: 'string' }, out: { type: 'string' }, 'mongo-db': { type: 'string' } } });
if (!values.until || !values.out) {
  console.error(usage);
  process.exit(2);
}
const config = loadConfig();
const out = resolve(values.out);
if (resolve(config.DATA_DIR) === out) {
  console.error('--out must not be the live DATA_DIR');
  process.exit(2);
}
if (existsSync(out) && readdirSync(out).length > 0) {
  console.error(`--out ${out} is not empty: an investigation starts from nothing`);
  process.exit(2);
}
if (config.MONGO_URL && !values['mongo-db']) {
  console.error('with MONGO_URL, name a separate database with --mongo-db (never the live one)');
  process.exit(2);
}
mkdirSync(out, { recursive: true });

// The log: EventStoreDB is only read; the embedded file is copied by SQLite's online backup.
let source: EventStore;
if (config.EVENTSTORE_URL) {
  const { EsdbEventStore } = await import('../src/infra/esdb-event-store.js');
  source = await EsdbEventStore.connect(config.EVENTSTORE_URL);
} else {
  const live = join(config.DATA_DIR, 'events.db');
  if (!existsSync(live)) {
    console.error(`no log at ${live}`);
    process.exit(2);
  }
  const db = new Database(live, { readonly: true, fileMustExist: true });
  await db.backup(join(out, 'events.db'));
  db.close();
  source = SqliteEventStore.open(join(out, 'events.db'));
}

// The cut as a position: a number is one; a time is the last event recorded by then.
const until = values.until;
const asPosition = /^\d+$/.test(until) ? Number(until) : null;
const untilMs = asPosition === null ? Date.parse(until) : NaN;
if (asPosition === null && Number.isNaN(untilMs)) {
  console.error(`--until ${until}: neither a position nor an ISO-8601 time`);
  process.exit(2);
}
const total = await source.headPosition();
let cut = 0;
let head = 0;
for (let after = 0; ; ) {
  const page = await source.readAll(after, 10_000);
  if (page.length === 0) break;
  let past = false;
  for (const e of page) {
    if (asPosition !== null ? e.position > asPosition : Date.parse(e.recordedAt) > untilMs) {
      past = true;
      break;
    }
    cut = e.position;
    if (values.streams === undefined || e.stream.startsWith(values.streams)) head = e.position;
  }
  if (past) break;
  after = page[page.length - 1]!.position;
}
const view = { cut, head, ...(values.streams !== undefined ? { streams: values.streams } : {}) };
const events = new CutEventStore(source, view);

let reads: ReadStore;
if (config.MONGO_URL) {
  const { MongoReadStore } = await import('../src/infra/mongo-read-store.js');
  reads = await MongoReadStore.connect(config.MONGO_URL, values['mongo-db']);
} else {
  reads = EmbeddedReadStore.open(out, { persistDelayMs: 1000 });
}

// A progress bar on stderr while every read model is built up to the cut.
const width = 30;
const bar = (done: number) => {
  const share = head === 0 ? 1 : Math.min(1, done / head);
  const filled = Math.round(share * width);
  process.stderr.write(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${(share * 100).toFixed(1).padStart(5)}%  ${done}/${head}`);
};
const services = createServices(events, reads, { onBatch: (_events, position) => bar(position) });
bar(0);
await services.runner.start();
while (!(await services.runner.waitFor(head, 1000))) {
  if (services.runner.error) throw services.runner.error;
}
process.stderr.write('\n');
await services.runner.stop();
await reads.close();
await events.close();
writeFileSync(
  join(out, INVESTIGATION_FILE),
  JSON.stringify({ until, ...view, logHead: total, builtAt: new Date().toISOString(), ...(values['mongo-db'] ? { mongoDb: values['mongo-db'] } : {}) }, null, 2) + '\n',
);
console.log(`read models up to position ${cut}${values.streams ? ` (streams ${values.streams}*)` : ''} of ${total} in ${out}`);
console.log(`serve them read-only: READ_ONLY=1 DATA_DIR=${out}${values['mongo-db'] ? ` MONGO_DB=${values['mongo-db']}` : ''} npm start`);
