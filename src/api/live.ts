// Live updates (api.md, "Live updates"): after the read models reflect a batch, each touched topic
// gets one update through the bus; every instance forwards updates to its subscribed sockets,
// obeying the same scoping as reads.
import type { FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import type { Actor } from '../domain/shared.js';
import type { Bus, LiveUpdate } from '../infra/bus.js';
import type { Services } from '../application/services.js';
import { type Loaded, type TopicFamily, audienceOfTopic, topicsOf } from './live-topics.js';
import { presentAnswer } from './present.js';
import { mayReceive } from './visibility.js';

/**
 * Publishes one update per topic touched by each committed batch. `interested` skips the reads for
 * topics nobody follows (known for the in-process bus; through NATS other instances may follow anything).
 */
export function startLiveFeed(services: Services, bus: Bus, families: TopicFamily[], interested: (topic: string) => boolean = () => true): () => void {
  // Batches publish one after another, so a topic's pushes arrive in log order.
  let published = Promise.resolve();
  return services.runner.onBatch((batch, position) => {
    // Several instances on one bus: the leader alone publishes, every instance's sockets receive.
    if (services.leadership && !services.leadership.isLeader) return;
    const touched = new Map<string, () => Promise<Loaded | null>>();
    for (const e of batch) for (const t of topicsOf(families, e)) if (interested(t.topic)) touched.set(t.topic, t.load);
    if (touched.size === 0) return;
    published = published.then(async () => {
      for (const [topic, load] of touched) {
        try {
          const loaded = await load();
          if (loaded) await bus.publishLive({ topic, position, ...loaded, data: presentAnswer(loaded.data) });
        } catch {
          // A lost live update is recovered by the client's next read; the log is untouched.
        }
      }
    });
  });
}

const TOPIC = /^(notices|statistics|(project|application|notice|exchange|demand):[A-Za-z0-9_.~-]{1,100})$/;
const clientMessage = z.union([
  z.strictObject({ subscribe: z.array(z.string().regex(TOPIC)).max(100), token: z.string().optional() }),
  z.strictObject({ unsubscribe: z.array(z.string()).max(100) }),
  z.strictObject({ token: z.string() }),
]);

/**
 * Registers /api/live; answers whether any socket of this instance follows a topic. A subscription the
 * caller may not read (the read's visibility rule, an unknown private record included) is answered with
 * an error naming the topic and is not followed; the socket stays open.
 */
export async function registerLive(app: FastifyInstance, bus: Bus, families: TopicFamily[]): Promise<(topic: string) => boolean> {
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  const sockets = new Map<WebSocket, { actor: Actor | null; topics: Set<string> }>();
  const followers = new Map<string, number>();
  const follow = (topic: string, by: number) => {
    const n = (followers.get(topic) ?? 0) + by;
    if (n > 0) followers.set(topic, n);
    else followers.delete(topic);
  };
  const off = bus.onLive((update: LiveUpdate) => {
    const message = JSON.stringify({ topic: update.topic, position: update.position, data: update.data });
    for (const [socket, s] of sockets) if (s.topics.has(update.topic) && mayReceive(s.actor, update.audience)) socket.send(message);
  });
  app.addHook('onClose', async () => off());

  app.get('/api/live', { websocket: true, schema: { hide: true } }, (socket, req) => {
    const state = { actor: req.actor, topics: new Set<string>() };
    const query = req.query as { token?: string };
    const fail = (message: string) => socket.send(JSON.stringify({ error: message }));
    // Checking a token is asynchronous: messages are handled one after another, so a subscription sent
    // after a token is judged with that token.
    let queue: Promise<unknown> = Promise.resolve();
    const then = (step: () => Promise<void> | void) =>
      (queue = queue.then(step).catch((err) => {
        req.log.warn({ err }, 'live message failed');
        fail('subscription failed, try again');
      }));
    if (query.token) {
      const token = query.token;
      then(async () => {
        try {
          state.actor = await app.actorFromToken(token);
        } catch {
          socket.close(4401, 'invalid token');
        }
      });
    }
    sockets.set(socket, state);
    socket.on('close', () => {
      sockets.delete(socket);
      for (const t of state.topics) follow(t, -1);
    });
    const handle = async (raw: Buffer) => {
      let parsed;
      try {
        parsed = clientMessage.safeParse(JSON.parse(raw.toString()));
      } catch {
        return fail('messages are JSON');
      }
      if (!parsed.success) return fail(`invalid message: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
      const msg = parsed.data;
      const mayFollow = async (t: string) => {
        const audience = await audienceOfTopic(families, t);
        if (audience && mayReceive(state.actor, audience)) return true;
        socket.send(JSON.stringify({ error: `无权订阅该主题（或记录不存在）: ${t}`, code: 'TOPIC_FORBIDDEN', subscription: t }));
        return false;
      };
      if ('token' in msg && msg.token) {
        try {
          state.actor = await app.actorFromToken(msg.token);
        } catch {
          return fail('invalid token');
        }
        // Another caller now: what the earlier one followed is checked again.
        for (const t of [...state.topics]) if (!(await mayFollow(t)) && state.topics.delete(t)) follow(t, -1);
      }
      if (socket.readyState !== socket.OPEN) return; // closed meanwhile (an invalid ?token=)
      if ('subscribe' in msg) {
        for (const t of msg.subscribe) {
          if (state.topics.has(t) || !(await mayFollow(t))) continue;
          if (!sockets.has(socket)) return; // closed while reading
          state.topics.add(t);
          follow(t, 1);
        }
      }
      if ('unsubscribe' in msg) for (const t of msg.unsubscribe) if (state.topics.delete(t)) follow(t, -1);
      socket.send(JSON.stringify({ subscribed: [...state.topics] }));
    };
    socket.on('message', (raw: Buffer) => then(() => handle(raw)));
  });
  return (topic) => followers.has(topic);
}
