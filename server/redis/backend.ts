/**
 * What a replica of a cluster gets from Redis: the Socket.IO adapter (fan-out between replicas), the
 * room store and the per-address limits, on three connections that reconnect on their own. Nothing here
 * throws on a Redis outage: errors are logged and `healthy()` turns false, which takes the replica out
 * of rotation (/readyz).
 */
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import type { ServerOptions } from 'socket.io';
import type { AppDeps } from '../app';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { Limits } from '../realtime/limits';
import { closeClient, createRedisClient, type RedisClient } from './client';
import { redisLimits } from './limiter';
import { RedisRoomStore, type RedisStoreOptions } from './room-store';
import type { RelayFactory, SubscribedFn, WatchedFn } from '../realtime/context';
import { createSignalRelay } from './relay';
import { trackSubscriptions } from './subscriptions';

/**
 * `sharded`: Redis 7 sharded pub/sub with one channel per Socket.IO room (subscriptionMode 'dynamic'),
 * so a signal to one participant reaches only the replica that holds it. `classic`: one channel per
 * namespace that every replica reads. See docs/scaling.md.
 */
export type AdapterMode = 'sharded' | 'classic';

export interface RedisBackendOptions extends RedisStoreOptions {
  mode?: AdapterMode;
  /** Pub/sub channel prefix; replicas of one deployment must agree on it. */
  channelPrefix?: string;
}

export interface RedisBackend {
  store: RedisRoomStore;
  /** The store's connection, also used by the limits. */
  client: RedisClient;
  adapter: NonNullable<ServerOptions['adapter']>;
  /** Per-address limits shared by the replicas, under the store's key prefix. */
  limits: Limits;
  /** False while any of the Redis connections is down. */
  healthy(): boolean;
  /** Resolves once Redis has confirmed this replica's subscriptions to the given rooms (see ./subscriptions). */
  subscribed: SubscribedFn;
  /**
   * Whether any replica has a socket in a room: its adapter subscribes to the room's channel (sharded mode); always
   * true in classic mode, where every replica reads every room's events.
   */
  watched: WatchedFn;
  /**
   * The direct relay of signals to the replica that holds their target (./relay); a packet that finds nobody there
   * (the participant just moved) goes on through the adapter. Sharded mode only (it needs Redis 7's sharded pub/sub).
   */
  relay?: RelayFactory;
  /** Resolves once every connection is up the first time (it keeps retrying until then). */
  connected: Promise<void>;
  /** Closes the store and quits the pub/sub connections (after Socket.IO is closed). */
  close(): Promise<void>;
}

export type RedisBackendConfig = Pick<
  Config,
  | 'redisUrl'
  | 'replicaId'
  | 'maxConnsPerAddr'
  | 'joinRatePerAddr'
  | 'joinBurstPerAddr'
  | 'peekRatePerAddr'
  | 'peekBurstPerAddr'
  | 'passwordAttemptsPerMin'
>;

export function createRedisBackend(config: RedisBackendConfig, log: Logger, opts: RedisBackendOptions = {}): RedisBackend {
  const url = config.redisUrl;
  if (!url) throw new Error('createRedisBackend needs config.redisUrl');
  const mode = opts.mode ?? 'sharded';
  // The store fails fast while Redis is away (a join gets INTERNAL at once instead of hanging);
  // pub/sub keeps its queue so that subscriptions made meanwhile are sent on reconnect.
  const storeClient = createRedisClient(url, log, 'store', { offlineQueue: false });
  // Publishing is fire-and-forget on every relayed event: no per-command timer (a lost connection is
  // noticed by the ping and reconnects; `healthy()` reports it meanwhile).
  const pub = createRedisClient(url, log, 'pub', { commandTimeoutMs: 0 });
  const sub = createRedisClient(url, log, 'sub', { commandTimeoutMs: 0 });
  const store = new RedisRoomStore(storeClient, opts);
  const channelPrefix = opts.channelPrefix ?? 'parley';
  // The classic adapter has one channel per namespace, subscribed before the replica is ready.
  const subscribed: SubscribedFn = mode === 'sharded' ? trackSubscriptions(sub, channelPrefix, log) : async () => undefined;
  const watched: WatchedFn =
    mode === 'sharded'
      ? async (nsp, room) => {
          const channel = `${channelPrefix}#${nsp}#${room}#`;
          return ((await pub.pubSubShardNumSub(channel))[channel] ?? 0) > 0;
        }
      : async () => true;
  const adapter =
    mode === 'sharded'
      ? createShardedAdapter(pub, sub, { channelPrefix, subscriptionMode: 'dynamic' })
      : createAdapter(pub, sub, { key: channelPrefix, requestsTimeout: 5000 });
  const clients = [storeClient, pub, sub];
  let closed = false;
  // Pub/sub connect only once Redis has accepted the store's connection. The adapter queues its
  // subscriptions on `sub` from the start and node-redis sends them right behind the handshake: had
  // Redis refused that handshake (wrong password, protected mode), they would fail for good and this
  // replica would stay deaf to the others after Redis accepts it.
  const connected = storeClient
    .connect()
    .then(() => {
      if (closed) throw new Error('closed before redis accepted the connection');
      return Promise.all([pub.connect(), sub.connect()]);
    })
    .then(() => {
      log.info({ mode }, 'connected to redis');
    });
  // Rejects only when closed before the first connection; nobody needs to hear about that.
  connected.catch(() => undefined);
  const limits = redisLimits(storeClient, config, opts.prefix);
  return {
    store,
    client: storeClient,
    adapter,
    limits,
    healthy: () => clients.every((c) => c.isReady),
    subscribed,
    watched,
    relay:
      mode === 'sharded'
        ? (nsp, instance) =>
            createSignalRelay({
              pub,
              sub,
              nsp,
              instance,
              channelPrefix,
              log,
              onMiss: (room, args) => {
                const [event, ...rest] = args as [string, ...unknown[]];
                (nsp.to(room).emit as (ev: string, ...a: unknown[]) => boolean)(event, ...rest);
              },
            })
        : undefined,
    connected,
    async close() {
      closed = true;
      limits.connections.stop();
      await store.close();
      await Promise.all([pub, sub].map(closeClient));
    },
  };
}

/** The backend as createApp takes it. */
export function appDeps(
  backend: RedisBackend,
): Required<Pick<AppDeps, 'store' | 'adapter' | 'limits' | 'healthy' | 'subscribed' | 'watched' | 'onClose'>> & Pick<AppDeps, 'relay'> {
  const { store, adapter, limits, healthy, subscribed, watched, relay } = backend;
  return { store, adapter, limits, healthy, subscribed, watched, relay, onClose: backend.close };
}
