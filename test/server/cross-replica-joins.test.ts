/**
 * Two replicas on one real redis-server: a participant learns of a newcomer on the other replica, from its
 * welcome or from `peer:joined`, even when Redis is slow to subscribe its replica to the room.
 */
import type { Socket } from 'socket.io-client';
import type { Peer, Welcome } from '../../server/protocol/events';
import { SUBSCRIBE_WAIT_MS } from '../../server/redis/subscriptions';
import { closeAll, connect, join, waitFor } from '../helpers/client';
import { startCluster, type Cluster } from '../helpers/cluster';
import { startRedis, type RedisProcess } from '../helpers/procs';
import { slowSubscribe, type SlowSubscribe } from '../helpers/slow-subscribe';

const LIMITS = { joinRatePerAddr: 100_000, joinBurstPerAddr: 100_000, maxConnsPerAddr: 100_000 };
let redis: RedisProcess;
let n = 0;
const fresh = () => `xr-${++n}-${Date.now().toString(36)}`;

jest.setTimeout(60_000);

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(() => closeAll());
afterAll(async () => {
  await redis?.stop();
});

/** A cluster whose replica 0 reaches Redis through a relay that holds its subscriptions back by `delayMs`. */
async function withSlowReplica<T>(delayMs: number, run: (cluster: Cluster) => Promise<T>): Promise<T> {
  const relay: SlowSubscribe = await slowSubscribe(redis.port, delayMs);
  const cluster = await startCluster([relay.url, redis.url], 2, LIMITS);
  try {
    return await run(cluster);
  } finally {
    closeAll();
    // A replica quitting Redis would otherwise wait behind the held commands.
    relay.release();
    await cluster.close();
    await relay.close();
  }
}

test('a welcomed participant hears of a newcomer on another replica while Redis is slow to subscribe its replica', async () => {
  await withSlowReplica(500, async (cluster) => {
    const room = fresh();
    const ada = await join(cluster.replicas[0].url, { room, name: 'Ada' });
    const heard = waitFor<Peer>(ada.socket, 'peer:joined', 5000);
    const bob = await join(cluster.replicas[1].url, { room, name: 'Bob' });
    expect(bob.welcome.peers.map((p) => p.name)).toEqual(['Ada']);
    expect((await heard).name).toBe('Bob');
  });
});

test('a join goes on, after a bounded wait, when Redis never confirms the subscription', async () => {
  await withSlowReplica(60_000, async (cluster) => {
    const started = Date.now();
    const socket = connect(cluster.replicas[0].url, '/room', { auth: { room: fresh(), name: 'Ada' } });
    const ada = await waitFor<Welcome>(socket, 'room:welcome', SUBSCRIBE_WAIT_MS + 10_000);
    expect(ada.self.name).toBe('Ada');
    expect(Date.now() - started).toBeGreaterThanOrEqual(SUBSCRIBE_WAIT_MS);
  });
});

/** One side of a pair, seen as the web client sees it: the welcome sets the list, `peer:joined` adds to it. */
interface Side {
  socket: Socket;
  self: string;
  view: Set<string>;
  welcomed: Promise<void>;
}

function openSide(url: string, room: string, name: string): Side {
  const socket = connect(url, '/room', { auth: { room, name }, transports: ['websocket'], timeout: 20_000 });
  const side = { socket, self: '', view: new Set<string>() } as Side;
  side.welcomed = new Promise<void>((resolve, reject) => {
    socket.once('room:welcome', (w: Welcome) => {
      side.self = w.self.id;
      side.view = new Set(w.peers.map((p) => p.id));
      resolve();
    });
    socket.once('connect_error', reject);
  });
  socket.on('peer:joined', (p: Peer) => side.view.add(p.id));
  return side;
}

/**
 * 500 pairs, 50 at a time, each straddling the two replicas; the second member of a pair joins as soon as the
 * first is welcomed, so the first learns of it through `peer:joined` alone. Replica 0 is slow to subscribe by
 * `delayMs`; half the pairs begin there.
 */
async function pairsAcross(delayMs: number): Promise<string[]> {
  return withSlowReplica(delayMs, async (cluster) => {
    const out: string[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const pairs = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const room = fresh();
          const first = openSide(cluster.replicas[i % 2].url, room, `P${i}-a`);
          await first.welcomed;
          const second = openSide(cluster.replicas[(i + 1) % 2].url, room, `P${i}-b`);
          await second.welcomed;
          return [first, second] as const;
        }),
      );
      const knows = (a: Side, b: Side) => a.view.has(b.self);
      const done = () => pairs.every(([a, b]) => knows(a, b) && knows(b, a));
      const deadline = Date.now() + 5000;
      while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      for (const [i, [a, b]] of pairs.entries()) {
        if (!knows(a, b)) out.push(`batch ${batch} pair ${i}: the first does not know the second`);
        if (!knows(b, a)) out.push(`batch ${batch} pair ${i}: the second does not know the first`);
      }
      closeAll();
    }
    return out;
  });
}

test('500 pairs straddling two replicas, 50 at a time: every participant knows its partner', async () => {
  expect(await pairsAcross(0)).toEqual([]);
});

test('500 pairs straddling two replicas, one of them 25 ms slow to subscribe: every participant knows its partner', async () => {
  expect(await pairsAcross(25)).toEqual([]);
});

test('a newcomer whose replica handles its snapshot late hears of a later joiner only after its welcome, and keeps them', async () => {
  const cluster = await startCluster(redis.url, 2, LIMITS);
  try {
    const room = fresh();
    const store = cluster.replicas[0].backend.store;
    const read = store.snapshot.bind(store);
    let bob: Promise<unknown> | undefined;
    // Replica 0 gets its snapshot from Redis, then handles it 300 ms later (as a busy replica that reads its pub/sub
    // connection first would); Bob joins on replica 1 in between.
    jest.spyOn(store, 'snapshot').mockImplementation(async (id: string) => {
      const snap = await read(id);
      if (id === room && !bob) {
        bob = join(cluster.replicas[1].url, { room, name: 'Bob' });
        await new Promise((r) => setTimeout(r, 300));
      }
      return snap;
    });
    const ada = openSide(cluster.replicas[0].url, room, 'Ada');
    const order: string[] = [];
    ada.socket.onAny((event: string, body: { name?: string; peers?: Peer[] }) =>
      order.push(event === 'room:welcome' ? `welcome [${body.peers?.map((p) => p.name).join(',')}]` : `${event} ${body.name ?? ''}`),
    );
    await ada.welcomed;
    await bob;
    const deadline = Date.now() + 3000;
    while (order.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual(['welcome []', 'peer:joined Bob']);
    expect(ada.view.size).toBe(1);
  } finally {
    closeAll();
    await cluster.close();
  }
});
