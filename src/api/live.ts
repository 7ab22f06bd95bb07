// Live updates (api.md, "Live updates"): after the read models reflect a batch, each touched topic
// gets one update through the bus; every instance forwards updates to its subscribed sockets,
// obeying the same scoping as reads.
import type { FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import { decodeJwt } from 'jose';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import type { Actor } from '../domain/shared.js';
import type { Bus, LiveUpdate } from '../infra/bus.js';
import type { Services } from '../application/services.js';
import { bearerToken } from './auth.js';
import { type Loaded, type TopicFamily, audienceOfTopic, topicsOf } from './live-topics.js';
import { presentAnswer } from './present.js';
import { CLOCK_TOLERANCE_S } from './token-verifier.js';
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

/** Topics one socket follows at most: a portal's page of records, not the whole platform (each reply lists them all). */
export const MAX_TOPICS_PER_SOCKET = 200;

/** When a token that verified stops being valid (ms): its `exp`, with the verifier's tolerance for clocks. */
function expiryOf(token: string): number {
  const exp = decodeJwt(token).exp;
  return typeof exp === 'number' ? (exp + CLOCK_TOLERANCE_S) * 1000 : Number.POSITIVE_INFINITY;
}

export interface LiveOptions {
  /**
   * Called before a push goes to a signed-in caller (the socket's connection request's id with it): a staff
   * read of a protected record is recorded in the access log. If it throws, that push is not sent.
   */
  delivering?: (actor: Actor, topic: string, requestId: string) => void;
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
export async function registerLive(app: FastifyInstance, bus: Bus, families: TopicFamily[], options: LiveOptions = {}): Promise<(topic: string) => boolean> {
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  const sockets = new Map<WebSocket, Follower>();
  const followers = new Map<string, number>();
  const follow = (topic: string, by: number) => {
    const n = (followers.get(topic) ?? 0) + by;
    if (n > 0) followers.set(topic, n);
    else followers.delete(topic);
  };
  const off = bus.onLive((update: LiveUpdate) => {
    const message = JSON.stringify({ topic: update.topic, position: update.position, data: update.data });
    for (const [socket, s] of sockets) {
      if (!s.topics.has(update.topic) || expired(socket, s) || !mayReceive(s.actor, update.audience)) continue;
      if (s.actor && options.delivering) {
        try {
          options.delivering(s.actor, update.topic, s.requestId);
        } catch {
          continue; // not recorded, not sent: the client's next read gets it (or the refusal)
        }
      }
      socket.send(message);
    }
  });
  app.addHook('onClose', async () => off());

  app.get('/api/live', { websocket: true, schema: { hide: true } }, (socket, req) => {
    const bearer = bearerToken(req.headers.authorization);
    const state: Follower = { actor: req.actor, topics: new Set<string>(), expiresAtMs: Number.POSITIVE_INFINITY, requestId: req.id, timer: null };
    const signedIn = (actor: Actor, token: string) => {
      state.actor = actor;
      state.expiresAtMs = expiryOf(token);
      if (state.timer) clearTimeout(state.timer);
      // Closed when it expires, even with nothing to push (pushes check it too); a timer waits at most ~24.8
      // days, so a longer wait is taken in steps.
      const arm = () => {
        state.timer = setTimeout(() => expired(socket, state) || arm(), Math.min(Math.max(0, state.expiresAtMs - Date.now()), 2 ** 31 - 1));
        state.timer.unref();
      };
      arm();
    };
    if (state.actor && bearer) signedIn(state.actor, bearer);
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
          signedIn(await app.actorFromToken(token), token);
        } catch {
          socket.close(4401, 'invalid token');
        }
      });
    }
    sockets.set(socket, state);
    socket.on('close', () => {
      if (state.timer) clearTimeout(state.timer);
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
          signedIn(await app.actorFromToken(msg.token), msg.token);
        } catch {
          return fail('invalid token');
        }
        // Another caller now: what the earlier one followed is checked again.
        for (const t of [...state.topics]) if (!(await mayFollow(t)) && state.topics.delete(t)) follow(t, -1);
      }
      if (socket.readyState !== socket.OPEN || expired(socket, state)) return; // closed meanwhile (an invalid ?token=)
      if ('subscribe' in msg) {
        for (const t of msg.subscribe) {
          if (state.topics.has(t)) continue;
          if (state.topics.size >= MAX_TOPICS_PER_SOCKET) {
            socket.send(JSON.stringify({ error: `一个连接最多订阅 ${MAX_TOPICS_PER_SOCKET} 个主题: ${t}`, code: 'TOPIC_LIMIT', subscription: t }));
            continue;
          }
          if (!(await mayFollow(t))) continue;
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

interface Follower {
  actor: Actor | null;
  topics: Set<string>;
  /** When the caller's token expires (ms): the socket is closed then (4401), as a read would be refused. */
  expiresAtMs: number;
  /** The id of the socket's connection request (the access log's requestId for what it is sent). */
  requestId: string;
  timer: NodeJS.Timeout | null;
}

/** True, and the socket closed with 4401, once the caller's token has expired. */
function expired(socket: WebSocket, s: Follower): boolean {
  if (s.actor === null || Date.now() < s.expiresAtMs) return false;
  if (socket.readyState === socket.OPEN) socket.close(4401, 'token expired');
  return true;
}
