// A server process for the bench, so the load generator (autocannon, in the parent) does not share its
// event loop. Forked with IPC by scripts/bench.ts:
//   bench-server.ts services     the real API and projections on DATA_DIR (JWT_SECRET from the env)
//   bench-server.ts bare <file>  a bare Fastify answering pre-computed bodies: GET /bare/<i> → bodies[i]
// It reports { type: 'ready', url, startupMs } and answers { type: 'usage' } with its peak memory.
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { buildApp } from '../src/api/app.js';
import { authOptions, loadConfig } from '../src/config.js';
import { openStores } from '../src/infra/compose.js';
import { createServices } from '../src/application/services.js';

type Message = { type: 'usage' } | { type: 'stop' };

const send = (message: unknown) => process.send?.(message);
const t0 = performance.now();
const [mode, file] = process.argv.slice(2);
let app: FastifyInstance;
let close: () => Promise<void>;

if (mode === 'bare') {
  const bodies = JSON.parse(readFileSync(file!, 'utf8')) as string[];
  app = Fastify({ logger: false });
  bodies.forEach((body, i) => app.get(`/bare/${i}`, async (_req, reply) => reply.type('application/json; charset=utf-8').send(body)));
  close = () => app.close();
} else {
  const config = loadConfig();
  const stores = await openStores(config);
  const services = createServices(stores.events, stores.reads);
  app = await buildApp(services, { auth: authOptions(config), logger: false }); // no rate limit: the bench is one client
  await services.runner.start();
  const head = await stores.events.headPosition();
  while (!(await services.runner.waitFor(head, 1000))) {
    if (services.runner.error) throw services.runner.error;
  }
  close = async () => {
    await app.close();
    await services.runner.stop();
    await stores.events.close();
    await stores.reads.close();
  };
}

const url = await app.listen({ port: 0, host: '127.0.0.1' });
send({ type: 'ready', url, startupMs: performance.now() - t0 });

process.on('message', (message: Message) => {
  if (message.type === 'usage') {
    send({ type: 'usage', maxRssBytes: process.resourceUsage().maxRSS * 1024, rssBytes: process.memoryUsage().rss });
  } else if (message.type === 'stop') {
    void close().finally(() => process.exit(0));
  }
});
process.on('disconnect', () => void close().finally(() => process.exit(0)));
