/** Redis connections: created to reconnect on their own, closed the same way everywhere. */
import { createClient } from 'redis';
import type { Logger } from '../logger';

/**
 * A Redis client that reconnects forever with capped back-off and logs (never throws) connection errors.
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
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 6), 2000),
    },
  });
  const rlog = log.child({ ns: 'redis', role });
  let down = false;
  client.on('error', (err: unknown) => {
    // One warning per outage; the client keeps reconnecting.
    if (!down) rlog.warn({ err }, 'redis connection lost; reconnecting');
    down = true;
  });
  client.on('ready', () => {
    if (down) rlog.info('redis connection restored');
    down = false;
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
