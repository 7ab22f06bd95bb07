// NATS_URL may carry credentials (`nats://user:password@host:4222`, or `nats://token@host`): the nats
// client does not read them from the URL, so they become its connect options here. Logs and errors
// name the URL without them.
import type { ConnectionOptions } from 'nats';

export function natsConnectOptions(url: string): ConnectionOptions & { servers: string[] } {
  const servers: string[] = [];
  let credentials: Pick<ConnectionOptions, 'user' | 'pass' | 'token'> = {};
  for (const one of url.split(',').map((s) => s.trim()).filter(Boolean)) {
    const parsed = new URL(one.includes('://') ? one : `nats://${one}`);
    const user = decodeURIComponent(parsed.username);
    const pass = decodeURIComponent(parsed.password);
    if (user && pass) credentials = { user, pass };
    else if (user) credentials = { token: user };
    parsed.username = '';
    parsed.password = '';
    servers.push(parsed.toString().replace(/\/$/, ''));
  }
  return { servers, ...credentials };
}

/** The URL as it may be logged. */
export function redactedNatsUrl(url: string): string {
  return natsConnectOptions(url).servers.join(',');
}
