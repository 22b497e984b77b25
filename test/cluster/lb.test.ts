/**
 * The cluster through its load balancer: redis-server, three replica processes, HAProxy with deploy/haproxy.cfg
 * and coturn, started by scripts/cluster.cjs (the runner behind `npm run cluster`).
 */
import { readFileSync } from 'node:fs';
import type { Socket } from 'socket.io-client';
import { startCluster, type Cluster, type ReplicaHandle } from '../../scripts/cluster.cjs';
import type { Peer, Welcome } from '../../server/protocol/events';
import { closeAll, connect, emitAck, join, record, sleep, waitFor } from '../helpers/client';
import { lbGet, type LbAnswer } from '../helpers/lb';
import { replicaMetrics } from '../helpers/metrics';

// Starting processes and waiting for health checks takes seconds, not the default five.
jest.setTimeout(120_000);

let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster({ replicas: 3, env: { LOG_LEVEL: 'warn', DRAIN_TIMEOUT_MS: '2000' } });
});

afterEach(() => closeAll());

afterAll(async () => {
  await cluster?.stop();
});

/** Through the LB, a connection per request (see lbGet: replicas go away in these tests). */
const get = (path: string, cookie?: string): Promise<LbAnswer> => lbGet(cluster.url + path, cookie);

/** The LB cookie that pins each replica, learnt from responses without a cookie (round robin). */
async function cookiesByReplica(): Promise<Map<string, string>> {
  const cookies = new Map<string, string>();
  for (let i = 0; i < 20 && cookies.size < cluster.replicas.length; i++) {
    const res = await get('/readyz');
    const replica = res.headers.get('x-parley-replica');
    const cookie = /PARLEY_LB=[^;]+/.exec(res.headers.get('set-cookie') ?? '')?.[0];
    if (replica && cookie) cookies.set(replica, cookie);
  }
  return cookies;
}

/** parley_participants as the replica itself reports it (asked directly, not through the LB). */
async function participantsOn(replica: ReplicaHandle): Promise<number> {
  const n = (await replicaMetrics(replica.url))('parley_participants');
  if (n === undefined) throw new Error(`no parley_participants on ${replica.id}`);
  return n;
}

function replica(id: string): ReplicaHandle {
  const r = cluster.replicas.find((x) => x.id === id);
  if (!r) throw new Error(`no replica ${id}`);
  return r;
}

const roomId = (tag: string) => `lb-${tag}-${Date.now().toString(36)}`;

/** The environment a running process was started with, as the kernel keeps it (Linux). */
function environOf(pid: number): Map<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  return new Map(entries.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

test('the load balancer answers /healthz and /readyz', async () => {
  const ready = await get('/readyz');
  expect(ready.status).toBe(200);
  expect(JSON.parse(ready.body)).toEqual({ status: 'ready' });
  const live = await get('/healthz');
  expect(live.status).toBe(200);
  expect(JSON.parse(live.body)).toEqual({ status: 'ok' });
});

test('requests without a cookie go round all replicas, and the LB names the replica that served', async () => {
  const seen = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const res = await get('/healthz');
    const id = res.headers.get('x-parley-replica');
    expect(id).toBeTruthy();
    // The runner names each replica after its HAProxy server (r1, r2, ...): both headers agree.
    expect(res.headers.get('x-parley-server')).toBe(id);
    seen.add(id as string);
  }
  expect([...seen].sort()).toEqual(['r1', 'r2', 'r3']);
});

test('the LB cookie keeps a client on one replica', async () => {
  const cookies = await cookiesByReplica();
  expect([...cookies.keys()].sort()).toEqual(['r1', 'r2', 'r3']);
  for (const [id, cookie] of cookies) {
    for (let i = 0; i < 4; i++) expect((await get('/healthz', cookie)).headers.get('x-parley-replica')).toBe(id);
  }
});

test('a WebSocket-only and a polling-only participant on different replicas see each other and exchange signals', async () => {
  const cookies = await cookiesByReplica();
  const room = roomId('mixed');
  const before1 = await participantsOn(replica('r1'));
  const before2 = await participantsOn(replica('r2'));

  const a = await join(
    cluster.url,
    { room, name: 'Ada' },
    { transports: ['websocket'], extraHeaders: { cookie: cookies.get('r1') as string } },
  );
  const joined = waitFor<Peer>(a.socket, 'peer:joined');
  const b = await join(
    cluster.url,
    { room, name: 'Bob' },
    { transports: ['polling'], extraHeaders: { cookie: cookies.get('r2') as string } },
  );
  expect(b.welcome.peers.map((p) => p.id)).toEqual([a.welcome.self.id]);
  expect((await joined).id).toBe(b.welcome.self.id);

  // Each sits on its own replica, as those replicas count it.
  expect(await participantsOn(replica('r1'))).toBe(before1 + 1);
  expect(await participantsOn(replica('r2'))).toBe(before2 + 1);

  const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' };
  const atB = waitFor<{ from: string; description?: unknown }>(b.socket, 'signal');
  a.socket.emit('signal', { to: b.welcome.self.id, description: offer });
  expect(await atB).toEqual({ from: a.welcome.self.id, description: offer });

  const atA = waitFor<{ from: string; candidate?: unknown }>(a.socket, 'signal');
  b.socket.emit('signal', { to: a.welcome.self.id, candidate: null });
  expect(await atA).toEqual({ from: b.welcome.self.id, candidate: null });

  const chat = waitFor<{ text: string; from: string }>(a.socket, 'chat:message');
  const ack = await emitAck(b.socket, 'chat:send', { text: 'across replicas' });
  expect(ack.ok).toBe(true);
  expect(await chat).toMatchObject({ text: 'across replicas', from: b.welcome.self.id });
});

test('three participants, one per replica, all see each other', async () => {
  const cookies = await cookiesByReplica();
  const room = roomId('three');
  const joinedBy: Array<{ socket: Socket; welcome: Welcome }> = [];
  for (const id of ['r1', 'r2', 'r3']) {
    joinedBy.push(
      await join(
        cluster.url,
        { room, name: `On ${id}` },
        { transports: ['websocket'], extraHeaders: { cookie: cookies.get(id) as string } },
      ),
    );
  }
  const ids = joinedBy.map((j) => j.welcome.self.id);
  expect(joinedBy[2].welcome.peers.map((p) => p.id)).toEqual(ids.slice(0, 2));
  // The newest participant's signal reaches the first, two replicas away.
  const atFirst = waitFor<{ from: string }>(joinedBy[0].socket, 'signal');
  joinedBy[2].socket.emit('signal', {
    to: ids[0],
    candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 },
  });
  expect((await atFirst).from).toBe(ids[2]);
});

test("HAProxy's cookie key is its own random value, not the replicas' shared SECRET", async () => {
  // Each PARLEY_LB value is a fast hash of the key: a key equal to SECRET would let anyone test guesses of SECRET.
  const secrets = new Set(cluster.replicas.map((r) => environOf(r.pid).get('SECRET')));
  expect(secrets.size).toBe(1);
  const [secret] = [...secrets];
  expect(secret).toMatch(/^[0-9a-f]{48}$/);
  const cookieKey = environOf(cluster.lb.pid).get('PARLEY_COOKIE_KEY');
  expect(cookieKey).toMatch(/^[0-9a-f]{48}$/);
  expect(cookieKey).not.toBe(secret);
  expect(cookieKey).not.toContain(secret as string);
  expect(secret).not.toContain(cookieKey as string);
  // And HAProxy does use it: the cookies it hands out pin every replica (resume across replicas is the drain test).
  expect([...(await cookiesByReplica()).keys()].sort()).toEqual(['r1', 'r2', 'r3']);
});

test('long-polling upgrades to WebSocket through the load balancer', async () => {
  const cookies = await cookiesByReplica();
  const socket = connect(cluster.url, '/room', {
    auth: { room: roomId('upgrade'), name: 'Cy' },
    transports: ['polling', 'websocket'],
    extraHeaders: { cookie: cookies.get('r3') as string },
  });
  await waitFor(socket, 'room:welcome');
  const engine = socket.io.engine;
  if (engine.transport.name !== 'websocket') await new Promise((resolve) => engine.once('upgrade', resolve));
  expect(engine.transport.name).toBe('websocket');
  const ack = await emitAck(socket, 'chat:send', { text: 'after the upgrade' });
  expect(ack.ok).toBe(true);
});

test('lobby peeks through the load balancer see a room whose participants are on other replicas', async () => {
  const cookies = await cookiesByReplica();
  const room = roomId('lobby');
  await join(cluster.url, { room, name: 'Dee' }, { transports: ['websocket'], extraHeaders: { cookie: cookies.get('r1') as string } });
  const lobby = connect(cluster.url, '/lobby', { transports: ['websocket'], extraHeaders: { cookie: cookies.get('r3') as string } });
  const peek = await emitAck<{ room: { count: number; names: string[] } }>(lobby, 'lobby:peek', { room });
  expect(peek.ok && peek.room).toMatchObject({ count: 1, names: ['Dee'] });
});

test('a replica draining on SIGTERM leaves the rotation; its participant resumes through the LB elsewhere as the same peer', async () => {
  const cookies = await cookiesByReplica();
  const room = roomId('drain');
  const a = await join(
    cluster.url,
    { room, name: 'Stays' },
    { transports: ['websocket'], extraHeaders: { cookie: cookies.get('r1') as string } },
  );
  const b = await join(
    cluster.url,
    { room, name: 'Moves' },
    { transports: ['websocket'], extraHeaders: { cookie: cookies.get('r3') as string } },
  );
  const seenByA = record(a.socket);
  const told = waitFor<{ reconnectInMs: number }>(b.socket, 'server:draining', 10_000);
  const r3 = replica('r3');
  const exited = r3.kill('SIGTERM');
  try {
    expect((await told).reconnectInMs).toBeGreaterThanOrEqual(0);
    // The health check sees /readyz 503: the LB sends even a client pinned to r3 elsewhere.
    const deadline = Date.now() + 10_000;
    let served: string | null = 'r3';
    while (served === 'r3' && Date.now() < deadline) {
      served = (await get('/healthz', cookies.get('r3'))).headers.get('x-parley-replica');
      if (served === 'r3') await sleep(100);
    }
    expect(served).not.toBe('r3');

    // The client comes back with its resume token and the cookie it has: same PeerId, on another replica.
    const back = await join(
      cluster.url,
      { room, name: 'Moves', resume: b.welcome.resume },
      { transports: ['websocket'], extraHeaders: { cookie: cookies.get('r3') as string } },
    );
    expect(back.welcome.self.id).toBe(b.welcome.self.id);
    expect(back.welcome.peers.map((p) => p.id)).toEqual([a.welcome.self.id]);
    await exited;
    await sleep(500);
    expect(seenByA.filter((e) => e.event === 'peer:left')).toEqual([]);
    const signal = waitFor<{ from: string }>(a.socket, 'signal');
    back.socket.emit('signal', { to: a.welcome.self.id, candidate: null });
    expect((await signal).from).toBe(b.welcome.self.id);
  } finally {
    await exited;
    await r3.start();
  }
  // Back in the rotation once its health check passes.
  const seen = new Set<string>();
  const until = Date.now() + 10_000;
  while (!seen.has('r3') && Date.now() < until) {
    seen.add((await get('/healthz')).headers.get('x-parley-replica') as string);
    if (!seen.has('r3')) await sleep(100);
  }
  expect(seen.has('r3')).toBe(true);
});
