// npm run verify [-- --data-dir <dir>]: checks the log's hash chain and the newest signed checkpoint
// (CHECKPOINT_SIGNING_KEY / _FILE, CHECKPOINT_FILE as for the server), then prints the answer and the
// rate. The embedded log in <dir> (default DATA_DIR), or with EVENTSTORE_URL the EventStoreDB log: one
// pass over $all, without the scan bound the HTTP route keeps. Exit status 0 when intact, 1 when not,
// 2 on a usage error, 3 when the log could not be read (no server, a lost connection).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { signingKeyFrom, verifyLog } from '../src/application/checkpoints.js';
import { loadConfig } from '../src/config.js';
import { FileAnchorLedger } from '../src/infra/checkpoint-anchors.js';
import { Unavailable, type EventStore } from '../src/infra/event-store.js';
import { SqliteEventStore } from '../src/infra/sqlite-event-store.js';

const config = loadConfig();
const { values } = parseArgs({ options: { 'data-dir': { type: 'string' } } });
const dir = values['data-dir'] ?? config.DATA_DIR;
/** The URL without its credentials, for messages. */
const where = (url: string) => url.replace(/\/\/[^@/]*@/, '//');

const pem = config.CHECKPOINT_SIGNING_KEY ?? (config.CHECKPOINT_SIGNING_KEY_FILE ? readFileSync(config.CHECKPOINT_SIGNING_KEY_FILE, 'utf8') : undefined);
const key = pem ? signingKeyFrom(pem) : null;
const ledger = key ? new FileAnchorLedger(config.CHECKPOINT_FILE ?? join(dir, 'checkpoints.jsonl')) : null;

let events: EventStore;
if (config.EVENTSTORE_URL) {
  const { EsdbEventStore } = await import('../src/infra/esdb-event-store.js');
  try {
    events = await EsdbEventStore.connect(config.EVENTSTORE_URL, { verifyScanLimit: Number.POSITIVE_INFINITY, verifyTimeLimitMs: Number.POSITIVE_INFINITY });
  } catch (err) {
    console.error(`EventStoreDB at ${where(config.EVENTSTORE_URL)} did not answer: ${(err as Error).message.replace(/\s*Resolution note:\s*$/, '')}`);
    process.exit(3);
  }
} else {
  const file = join(dir, 'events.db');
  if (!existsSync(file)) {
    console.error(`no log at ${file}`);
    process.exit(2);
  }
  events = SqliteEventStore.open(file);
}
if (!key) console.error('CHECKPOINT_SIGNING_KEY is not set: checking the chain only (removed newest events would not show).');
const started = process.hrtime.bigint();
const result = await verifyLog(events, ledger, key).catch((err: unknown) => {
  if (!(err instanceof Unavailable)) throw err;
  console.error(`the log could not be read to the end: ${err.message}`);
  process.exit(3);
});
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
await events.close();
console.log(JSON.stringify(result, null, 2));
console.error(`${result.checked} events in ${seconds.toFixed(2)} s: ${Math.round(result.checked / Math.max(seconds, 1e-9)).toLocaleString('en')} events/s`);
process.exit(result.ok ? 0 : 1);
