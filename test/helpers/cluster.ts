/** N in-process replicas sharing one real redis-server: room state and Socket.IO fan-out through Redis. */
import { randomBytes } from 'node:crypto';
import type { Config } from '../../server/config';
import { createLogger } from '../../server/logger';
import { appDeps, createRedisBackend, type AdapterMode, type RedisBackend } from '../../server/redis/backend';
import { startServer, testConfig, type TestServer } from './server';

export interface Replica extends TestServer {
  backend: RedisBackend;
}

export interface Cluster {
  replicas: Replica[];
  /** Key and channel prefix of this cluster, so that clusters sharing a redis-server never meet. */
  prefix: string;
  close(): Promise<void>;
}

/**
 * Starts `n` replicas on `redisUrl` with one shared SECRET; each has its own three Redis connections. With a list,
 * replica i reaches Redis through `redisUrl[i]` (e.g. a relay that slows one replica's connections down).
 */
export async function startCluster(
  redisUrl: string | string[],
  n: number,
  overrides: Partial<Config> = {},
  opts: { mode?: AdapterMode } = {},
): Promise<Cluster> {
  const prefix = `c${randomBytes(4).toString('hex')}`;
  const secret = `cluster-secret-${prefix}-0123456789`;
  const log = createLogger('silent');
  const replicas: Replica[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const url = Array.isArray(redisUrl) ? redisUrl[i] : redisUrl;
      const backend = createRedisBackend({ ...testConfig(overrides), redisUrl: url, replicaId: `${prefix}-${i}` }, log, {
        prefix: `${prefix}:`,
        channelPrefix: prefix,
        mode: opts.mode,
      });
      await backend.connected;
      const server = await startServer({ secret, replicaId: `${prefix}-${i}`, ...overrides }, appDeps(backend));
      replicas.push({ ...server, backend });
    }
  } catch (err) {
    await Promise.all(replicas.map((r) => r.close()));
    throw err;
  }
  return {
    replicas,
    prefix,
    close: async () => {
      await Promise.all(replicas.map((r) => r.close().catch(() => undefined)));
    },
  };
}
