/** Redis connections: created to reconnect on their own, closed the same way everywhere. */
import { createClient, ErrorReply } from 'redis';
import type { Logger } from '../logger';

/** What to check when Redis answers a new connection with an error instead of accepting it. */
const REFUSAL_HINTS: Record<string, string> = {
  WRONGPASS: "check REDIS_URL's user name and password",
  NOAUTH: 'Redis requires a password: put it in REDIS_URL, redis://:password@host:port',
  NOPERM: "REDIS_URL's user lacks a permission Parley needs",
  DENIED: 'Redis is in protected mode: give it a password and put it in REDIS_URL, or let it accept this address',
};

/**
 * The longest wait between two attempts to reach Redis. A replica is not ready (/readyz 503) until its connections
 * are back, so after an outage this bounds how long it stays out of the load balancer's rotation once Redis is back.
 * An attempt against a Redis that is still down costs a refused TCP connection; a few per second are nothing.
 */
export const REDIS_RECONNECT_MAX_MS = 500;

/**
 * The wait before reconnection attempt `retries + 1`: doubling from 50 ms up to REDIS_RECONNECT_MAX_MS, then a random
 * half of it taken off, so that the replicas (and each replica's connections), which all lost Redis at the same
 * moment, do not come back in lockstep.
 */
export function reconnectDelay(retries: number, random: number): number {
  const base = Math.min(50 * 2 ** Math.min(Math.max(0, retries), 10), REDIS_RECONNECT_MAX_MS);
  return Math.round(base * (1 - Math.min(1, Math.max(0, random)) / 2));
}

/** `url` without its password, fit for a log line. */
export function loggableUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return u.toString();
  } catch {
    return 'an unparsable Redis URL';
  }
}

/**
 * A Redis client that reconnects forever with capped back-off and logs (never throws) connection errors,
 * once per distinct failure rather than once per attempt.
 * With `offlineQueue: false` commands fail at once while Redis is away instead of piling up.
 */
export function createRedisClient(
  url: string,
  log: Logger,
  role: string,
  opts: { offlineQueue?: boolean; commandTimeoutMs?: number } = {},
) {
  const client = createClient({
    url,
    disableOfflineQueue: opts.offlineQueue === false,
    // node-redis arms an AbortSignal timer per command for this; 0 turns it off (pub/sub on the hot path).
    commandOptions: { timeout: opts.commandTimeoutMs ?? 5000 },
    pingInterval: 5000,
    socket: {
      connectTimeout: 5000,
      reconnectStrategy: (retries: number) => reconnectDelay(retries, Math.random()),
    },
  });
  const rlog = log.child({ ns: 'redis', role, redis: loggableUrl(url) });
  let everReady = false;
  // The failure last logged in this outage; undefined while connected.
  let reported: string | undefined;
  client.on('error', (err: unknown) => {
    // An error reply before the connection is ready is Redis refusing it (authentication, protected
    // mode, too many clients): a configuration problem that retrying alone will not fix, so say what it is.
    if (err instanceof ErrorReply && !client.isReady) {
      if (reported === err.message) return;
      reported = err.message;
      const hint = REFUSAL_HINTS[err.message.split(' ')[0]];
      rlog.error(`redis refused the connection: ${err.message}${hint ? ` (${hint})` : ''}; retrying`);
      return;
    }
    if (reported === 'unreachable') return;
    reported = 'unreachable';
    if (everReady) rlog.warn({ err }, 'redis connection lost; reconnecting');
    else rlog.warn({ err }, 'cannot reach redis; retrying');
  });
  client.on('ready', () => {
    if (reported !== undefined) rlog.info(everReady ? 'redis connection restored' : 'redis accepted the connection');
    reported = undefined;
    everReady = true;
  });
  return client;
}

export type RedisClient = ReturnType<typeof createRedisClient>;

/** Quits `client` politely when Redis is there to answer, else drops the connection. */
export async function closeClient(client: RedisClient): Promise<void> {
  if (!client.isOpen) return;
  if (client.isReady) await client.quit().catch(() => client.destroy());
  else client.destroy();
}
