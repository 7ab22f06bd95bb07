// Live updates (api.md, "Live updates"): after the read models reflect a batch, each touched topic
// gets one update through the bus; every instance forwards updates to its subscribed sockets,
// obeying the same scoping as reads.
import type { FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import type { Actor } from '../domain/shared.js';
import type { Audience, Bus, LiveUpdate } from '../infra/bus.js';
import type { RecordedEvent } from '../infra/event-store.js';
import { PROJECTS } from '../projections/project-search.js';
import { getApplication, getNotice, listFeed } from '../projections/procedure-queries.js';
import { currentStatistics, statistics } from '../projections/statistics.js';
import type { Services } from '../application/services.js';
import { hideObjectors, presentProject } from './present.js';
import { mayReceive, maySeeProject } from './visibility.js';

/** A topic and how to fetch what its subscribers see, resolved once per batch. */
export type TopicSource = (event: RecordedEvent) => { topic: string; load: () => Promise<{ data: unknown; audience: Audience } | null> } | null;

export function projectTopics(services: Services): TopicSource[] {
  return [
    (e) => {
      if (!e.stream.startsWith('project-')) return null;
      const id = (e.data as { projectId: string }).projectId;
      return {
        topic: `project:${id}`,
        load: async () => {
          const doc = await services.reads.findOne(PROJECTS, { _id: id });
          if (!doc) return null;
          const audience: Audience = maySeeProject(null, doc) ? { public: true } : { public: false, district: String(doc.district) };
          return { data: presentProject(doc), audience };
        },
      };
    },
    (e) =>
      statistics.handles.has(e.type)
        ? { topic: 'statistics', load: async () => ({ data: await currentStatistics(services.reads, services.commands.now()), audience: { public: true } }) }
        : null,
  ];
}

const FEED_EVENTS = new Set(['NoticePublished', 'NoticeAmended', 'NoticeCancelled', 'QualificationPublicityStarted', 'ResultPublished', 'ExchangeResultPublished']);

export function procedureTopics(services: Services): TopicSource[] {
  return [
    (e) =>
      FEED_EVENTS.has(e.type)
        ? { topic: 'notices', load: async () => ({ data: await listFeed(services.reads, { page: 1, pageSize: 20 }), audience: { public: true } }) }
        : null,
    (e) => {
      if (!e.stream.startsWith('notice-')) return null;
      const id = e.stream.slice('notice-'.length);
      return { topic: `notice:${id}`, load: async () => ({ data: await getNotice(services.reads, id), audience: { public: true } }) };
    },
    (e) => {
      if (!e.stream.startsWith('application-')) return null;
      const id = e.stream.slice('application-'.length);
      return {
        topic: `application:${id}`,
        load: async () => {
          const doc = await getApplication(services.reads, id);
          if (!doc) return null;
          // Who filed an objection stays with officers (GET /api/applications/:id shows them); pushes omit it.
          return { data: hideObjectors(doc), audience: { public: false, creditCode: String(doc.creditCode), district: String(doc.district) } };
        },
      };
    },
  ];
}

/**
 * Publishes one update per topic touched by each committed batch. `interested` skips the reads for
 * topics nobody follows (known for the in-process bus; through NATS other instances may follow anything).
 */
export function startLiveFeed(services: Services, bus: Bus, sources: TopicSource[], interested: (topic: string) => boolean = () => true): () => void {
  return services.runner.onBatch((batch, position) => {
    const touched = new Map<string, () => Promise<{ data: unknown; audience: Audience } | null>>();
    for (const e of batch) for (const source of sources) {
      const t = source(e);
      if (t && interested(t.topic)) touched.set(t.topic, t.load);
    }
    void (async () => {
      for (const [topic, load] of touched) {
        try {
          const loaded = await load();
          if (loaded) await bus.publishLive({ topic, position, ...loaded });
        } catch {
          // A lost live update is recovered by the client's next read; the log is untouched.
        }
      }
    })();
  });
}

const TOPIC = /^(notices|statistics|(project|application|notice|exchange|demand):[A-Za-z0-9_.~-]{1,100})$/;
const clientMessage = z.union([
  z.strictObject({ subscribe: z.array(z.string().regex(TOPIC)).max(100), token: z.string().optional() }),
  z.strictObject({ unsubscribe: z.array(z.string()).max(100) }),
  z.strictObject({ token: z.string() }),
]);

/** Registers /api/live; answers whether any socket of this instance follows a topic. */
export async function registerLive(app: FastifyInstance, bus: Bus): Promise<(topic: string) => boolean> {
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
    const then = (step: () => Promise<void> | void) => (queue = queue.then(step).catch((err) => req.log.warn({ err }, 'live message failed')));
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
    socket.on('message', (raw: Buffer) =>
      then(async () => {
        let parsed;
        try {
          parsed = clientMessage.safeParse(JSON.parse(raw.toString()));
        } catch {
          return fail('messages are JSON');
        }
        if (!parsed.success) return fail(`invalid message: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
        const msg = parsed.data;
        if ('token' in msg && msg.token) {
          try {
            state.actor = await app.actorFromToken(msg.token);
          } catch {
            return fail('invalid token');
          }
        }
        if (socket.readyState !== socket.OPEN) return; // closed meanwhile (an invalid ?token=)
        if ('subscribe' in msg) {
          for (const t of msg.subscribe) {
            if (state.topics.has(t)) continue;
            state.topics.add(t);
            follow(t, 1);
          }
        }
        if ('unsubscribe' in msg) for (const t of msg.unsubscribe) if (state.topics.delete(t)) follow(t, -1);
        socket.send(JSON.stringify({ subscribed: [...state.topics] }));
      }),
    );
  });
  return (topic) => followers.has(topic);
}
