/**
 * The same server tests on one replica with state in memory and on three replicas sharing a real redis-server:
 * `describe.each(REPLICA_SETUPS)('%s', (_label, count) => { const set = useReplicaSet(count, config); ... })`.
 */
import type { Config } from '../../server/config';
import type { RoomStore } from '../../server/rooms/store';
import { closeAll } from './client';
import { startCluster, type Cluster } from './cluster';
import { startRedis, type RedisProcess } from './procs';
import { startServer, type TestServer } from './server';

export const REPLICA_SETUPS = [
  ['one replica, state in memory', 1],
  ['three replicas on Redis', 3],
] as const;

export interface ReplicaSet {
  /** Replica i mod the count's URL. */
  url(i: number): string;
  /** Replica i's room store. */
  store(i?: number): RoomStore;
  /** The replicas on Redis; undefined for one replica in memory. */
  cluster(): Cluster | undefined;
}

/** Starts the replicas before the describe block's tests, closes the test's sockets after each, stops all after. */
export function useReplicaSet(count: number, config: Partial<Config>): ReplicaSet {
  let redis: RedisProcess | undefined;
  let cluster: Cluster | undefined;
  let single: TestServer | undefined;
  beforeAll(async () => {
    if (count === 1) {
      single = await startServer(config);
    } else {
      redis = await startRedis();
      cluster = await startCluster(redis.url, count, config);
    }
  });
  afterEach(() => closeAll());
  afterAll(async () => {
    await single?.close();
    await cluster?.close();
    await redis?.stop();
  });
  const server = (i: number): TestServer => (cluster ? cluster.replicas[i % cluster.replicas.length] : (single as TestServer));
  return { url: (i) => server(i).url, store: (i = 0) => server(i).parley.store, cluster: () => cluster };
}
