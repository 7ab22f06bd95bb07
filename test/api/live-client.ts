// A WebSocket client of /api/live for tests: keeps every message and waits for one matching a predicate
// (a positive signal, never a fixed sleep).
import WebSocket from 'ws';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Message = any;

export interface LiveClient {
  ws: WebSocket;
  messages: Message[];
  /** The first message (already received or to come) matching `pred`; rejects after 5 s. */
  next(pred: (m: Message) => boolean): Promise<Message>;
  send(message: unknown): void;
  close(): void;
}

export function openLive(url: string, query = ''): Promise<LiveClient> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/api/live${query}`);
  const messages: Message[] = [];
  const waiters: { pred: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  ws.on('message', (raw) => {
    const m = JSON.parse(raw.toString());
    messages.push(m);
    for (const w of [...waiters])
      if (w.pred(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
  });
  const next = (pred: (m: Message) => boolean) =>
    new Promise<Message>((resolve, reject) => {
      const found = messages.find(pred);
      if (found) return resolve(found);
      const timer = setTimeout(() => reject(new Error(`no such message within 5 s; got ${JSON.stringify(messages).slice(0, 500)}`)), 5000);
      waiters.push({ pred, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  return new Promise((resolve, reject) => {
    ws.on('open', () => resolve({ ws, messages, next, send: (m) => ws.send(JSON.stringify(m)), close: () => ws.close() }));
    ws.on('error', reject);
  });
}

/** Subscribes and waits for the answer: the topics followed and the refusals, by topic. */
export async function subscribe(client: LiveClient, topics: string[], token?: string): Promise<{ subscribed: string[]; refused: string[] }> {
  const before = client.messages.length;
  client.send({ subscribe: topics, ...(token ? { token } : {}) });
  const answer = await client.next((m) => Array.isArray(m.subscribed) && client.messages.indexOf(m) >= before);
  const refused = client.messages.slice(before).filter((m) => m.code === 'TOPIC_FORBIDDEN').map((m) => m.subscription as string);
  return { subscribed: answer.subscribed, refused };
}

/** Pushes received on a topic. */
export const pushesOn = (client: LiveClient, topic: string) => client.messages.filter((m) => m.topic === topic && 'data' in m);
