/**
 * Three replicas on one real redis-server, 500 two-person meetings joined at once: each meeting's two members
 * join on different replicas at the same moment, and each must end up knowing the other, from its welcome or
 * from `peer:joined`, as the web client would. Once on a plain cluster, once with a replica that Redis is slow to
 * subscribe to new rooms (which is where a welcome read too early would lose a partner).
 */
import type { Socket } from 'socket.io-client';
import type { Peer, Welcome } from '../../server/protocol/events';
import { closeAll, connect, sleep, waitFor } from '../helpers/client';
import { startCluster, type Cluster } from '../helpers/cluster';
import { startRedis, type RedisProcess } from '../helpers/procs';
import { slowSubscribe, type SlowSubscribe } from '../helpers/slow-subscribe';

const LIMITS = { joinRatePerAddr: 100_000, joinBurstPerAddr: 100_000, maxConnsPerAddr: 100_000 };
const REPLICAS = 3;
const PAIRS = 500;
/** Pairs being joined at any moment (twice as many joins). */
const PAIRS_IN_FLIGHT = 25;
/** How long a participant may take to hear of a partner that is not in its welcome. */
const LATE_MS = 5000;

let redis: RedisProcess;

jest.setTimeout(120_000);

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(() => closeAll());
afterAll(async () => {
  await redis?.stop();
});

/** One member of a pair as the web client sees it: the welcome sets the list, `peer:joined` adds to it. */
interface Side {
  replica: number;
  socket: Socket;
  id: string;
  view: Set<string>;
  startedMs: number;
  welcomedMs: number;
  /** Who was in the welcome. */
  welcomePeers: string[];
  /** When each `peer:joined` arrived, and whether that was before the welcome (which then replaces the list). */
  joinedHeard: Array<{ id: string; ms: number; early: boolean }>;
}

async function openSide(cluster: Cluster, replica: number, room: string, name: string, t0: number): Promise<Side> {
  const socket = connect(cluster.replicas[replica].url, '/room', { auth: { room, name }, transports: ['websocket'], timeout: 20_000 });
  const side: Side = {
    replica,
    socket,
    id: '',
    view: new Set(),
    startedMs: Date.now() - t0,
    welcomedMs: NaN,
    welcomePeers: [],
    joinedHeard: [],
  };
  socket.on('peer:joined', (p: Peer) => {
    side.joinedHeard.push({ id: p.id, ms: Date.now() - t0, early: !side.id });
    side.view.add(p.id);
  });
  const refused = new Promise<never>((_, reject) =>
    socket.once('connect_error', (err: Error) => reject(new Error(`${name} on replica ${replica} refused: ${err.message}`))),
  );
  const w = await Promise.race([waitFor<Welcome>(socket, 'room:welcome', 30_000), refused]);
  side.id = w.self.id;
  side.welcomedMs = Date.now() - t0;
  side.welcomePeers = w.peers.map((p) => p.id);
  side.view = new Set(side.welcomePeers);
  return side;
}

const knows = (a: Side, b: Side) => a.view.has(b.id);

function describeSide(label: string, s: Side, partner: Side): string {
  const heard = s.joinedHeard.map((h) => `${h.id === partner.id ? 'partner' : h.id}@${h.ms}${h.early ? ' (before welcome)' : ''}`);
  return (
    `${label} on replica ${s.replica}: started ${s.startedMs} ms, welcomed ${s.welcomedMs} ms with ` +
    `${s.welcomePeers.includes(partner.id) ? 'the partner' : 'nobody'}, peer:joined heard [${heard.join(', ')}]`
  );
}

/**
 * Joins PAIRS pairs, PAIRS_IN_FLIGHT at a time, pair i with A on replica i and B on replica i + 1 (mod the
 * cluster's size) at once; waits up to LATE_MS for late `peer:joined`. Resolves with a verdict naming every miss.
 */
async function pairsAcross(cluster: Cluster): Promise<string> {
  const n = cluster.replicas.length;
  const t0 = Date.now();
  const pairs: Array<readonly [Side, Side]> = [];
  let next = 0;
  const tag = Date.now().toString(36);
  const worker = async () => {
    while (next < PAIRS) {
      const i = next++;
      const room = `pair-${i}-${tag}`;
      // Both members at once, on neighbouring replicas: either may be the first in the room.
      pairs[i] = await Promise.all([openSide(cluster, i % n, room, `A${i}`, t0), openSide(cluster, (i + 1) % n, room, `B${i}`, t0)]);
    }
  };
  await Promise.all(Array.from({ length: PAIRS_IN_FLIGHT }, worker));
  const joinedMs = Date.now() - t0;

  const complete = () => pairs.every(([a, b]) => knows(a, b) && knows(b, a));
  const deadline = Date.now() + LATE_MS;
  while (!complete() && Date.now() < deadline) await sleep(50);

  // Whoever came second has the other in its welcome: the store admits one at a time.
  const unmet = pairs.filter(([a, b]) => !a.welcomePeers.includes(b.id) && !b.welcomePeers.includes(a.id)).length;
  const missed = pairs.flatMap(([a, b], i) => {
    const sides = [!knows(a, b) && 'A does not know B', !knows(b, a) && 'B does not know A'].filter(Boolean);
    if (sides.length === 0) return [];
    return [`pair ${i}: ${sides.join(', ')}; ${describeSide('A', a, b)}; ${describeSide('B', b, a)}`];
  });
  if (missed.length === 0 && unmet === 0) return 'every pair complete';
  const aMissed = pairs.filter(([a, b]) => !knows(a, b)).length;
  const bMissed = pairs.filter(([a, b]) => !knows(b, a)).length;
  return (
    `${missed.length} of ${PAIRS} pairs missed a partner (A side ${aMissed}, B side ${bMissed}; ${unmet} pairs in neither welcome; ` +
    `all joined by ${joinedMs} ms, waited ${LATE_MS} ms more):\n${missed.join('\n')}`
  );
}

test(`${PAIRS} pairs, each straddling two of ${REPLICAS} replicas and joining at once: every participant knows its partner`, async () => {
  const cluster = await startCluster(redis.url, REPLICAS, LIMITS);
  try {
    expect(await pairsAcross(cluster)).toBe('every pair complete');
  } finally {
    closeAll();
    await cluster.close();
  }
});

test(`${PAIRS} pairs joining at once across ${REPLICAS} replicas, one of them 25 ms slow to subscribe: every participant knows its partner`, async () => {
  const relay: SlowSubscribe = await slowSubscribe(redis.port, 25);
  const cluster = await startCluster([relay.url, redis.url, redis.url], REPLICAS, LIMITS);
  try {
    expect(await pairsAcross(cluster)).toBe('every pair complete');
  } finally {
    closeAll();
    // A replica quitting Redis would otherwise wait behind the held commands.
    relay.release();
    await cluster.close();
    await relay.close();
  }
});
