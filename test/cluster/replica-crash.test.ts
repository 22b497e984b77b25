/**
 * Replica processes that die without a goodbye (SIGKILL), and Redis going away under them: presence stays
 * exact, resumes keep PeerIds, readiness follows the Redis connection.
 */
import { startCluster, type Cluster } from '../../scripts/cluster.cjs';
import type { Peer, SignalIn } from '../../server/protocol/events';
import { closeAll, disconnected, join, joinInOrder, record, sleep, waitFor } from '../helpers/client';

const GRACE_MS = 2000;
let cluster: Cluster;
jest.setTimeout(60_000);
let n = 0;
const fresh = () => `crash-${++n}-${Date.now().toString(36)}`;
const url = (i: number) => cluster.replicas[i].url;

beforeAll(async () => {
  cluster = await startCluster({ replicas: 3, turn: false, logs: 'files', env: { LOG_LEVEL: 'warn', RESUME_GRACE_MS: String(GRACE_MS) } });
});
afterEach(async () => {
  closeAll();
  // Whatever a test killed comes back for the next one.
  for (const r of cluster.replicas) if (!r.running()) await r.start();
  const r = cluster.redis;
  if (r && (r.proc.exitCode !== null || r.proc.signalCode !== null)) await r.start();
});
afterAll(async () => {
  await cluster?.stop();
});

/** One participant per replica, in order; resolves once everyone has seen everyone join. */
const onePerReplica = (room: string, ...names: string[]) => joinInOrder(url, room, ...names);

const readyz = (u: string) =>
  fetch(`${u}/readyz`, { signal: AbortSignal.timeout(2000) }).then(
    (r) => r.status,
    () => 0,
  );

test('a participant of a SIGKILLed replica that does not come back is announced as left within the grace period, once', async () => {
  const room = fresh();
  const [ada, bob, cy] = await onePerReplica(room, 'Ada', 'Bob', 'Cy');
  const seen = [record(ada.socket), record(bob.socket)];
  const cyGone = disconnected(cy.socket);
  const killedAt = Date.now();
  await cluster.replicas[2].kill('SIGKILL');
  await cyGone;
  const left = await Promise.all([ada, bob].map((j) => waitFor<{ id: string; reason: string }>(j.socket, 'peer:left', GRACE_MS + 5000)));
  const took = Date.now() - killedAt;
  for (const l of left) expect(l).toEqual({ id: cy.welcome.self.id, reason: 'disconnected' });
  expect(took).toBeLessThan(GRACE_MS + 2000);
  await sleep(1000);
  for (const s of seen) expect(s.filter((e) => e.event === 'peer:left')).toHaveLength(1);
  // Ada (the host) and Bob go on as a room of two.
  const peers = (await join(url(1), { room, name: 'Dee' })).welcome.peers.map((p) => p.name);
  expect(peers).toEqual(['Ada', 'Bob']);
});

test('a participant of a SIGKILLed replica that resumes on another keeps its PeerId; nobody sees it leave', async () => {
  const room = fresh();
  const [ada, bob, cy] = await onePerReplica(room, 'Ada', 'Bob', 'Cy');
  const seen = [record(ada.socket), record(bob.socket)];
  const cyGone = disconnected(cy.socket);
  await cluster.replicas[2].kill('SIGKILL');
  await cyGone;
  await sleep(300);
  const back = await join(url(0), { room, name: 'Cy', resume: cy.welcome.resume });
  expect(back.welcome.self).toEqual(cy.welcome.self);
  expect(back.welcome.peers.map((p) => p.name)).toEqual(['Ada', 'Bob']);
  await sleep(GRACE_MS + 1500);
  for (const s of seen) expect(s.filter((e) => e.event === 'peer:left' || e.event === 'peer:joined')).toEqual([]);
  expect(back.socket.connected).toBe(true);
});

test('a signal to a participant who came back from a SIGKILLed replica reaches it at once, though its sender’s replica last saw it on the dead one', async () => {
  const room = fresh();
  const [ada, , cy] = await onePerReplica(room, 'Ada', 'Bob', 'Cy');
  // Once presence covers Cy's place (the next heartbeat), a signal teaches Ada's replica where Cy is (it keeps that
  // for a second).
  await sleep(1000);
  const candidate = { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' };
  const first = waitFor<SignalIn>(cy.socket, 'signal');
  ada.socket.emit('signal', { to: cy.welcome.self.id, candidate });
  expect(await first).toEqual({ from: ada.welcome.self.id, candidate });
  const cyGone = disconnected(cy.socket);
  await cluster.replicas[2].kill('SIGKILL');
  await cyGone;
  const back = await join(url(1), { room, name: 'Cy', resume: cy.welcome.resume });
  expect(back.welcome.self.id).toBe(cy.welcome.self.id);
  const again = waitFor<SignalIn>(back.socket, 'signal', 3000);
  ada.socket.emit('signal', { to: cy.welcome.self.id, candidate: null });
  expect(await again).toEqual({ from: ada.welcome.self.id, candidate: null });
});

test('readiness follows Redis: 503 on every replica while it is down, 200 once it is back; an outage longer than the grace period removes nobody', async () => {
  const redis = cluster.redis;
  if (!redis) throw new Error('the cluster runs without Redis');
  const room = fresh();
  const [ada, bob] = await onePerReplica(room, 'Ada', 'Bob');
  const seen = [record(ada.socket), record(bob.socket)];
  for (let i = 0; i < 3; i++) expect(await readyz(url(i))).toBe(200);
  const killedAt = Date.now();
  await redis.kill('SIGKILL');
  const all = async (status: number, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    let statuses: number[] = [];
    while (Date.now() < deadline) {
      statuses = await Promise.all([0, 1, 2].map((i) => readyz(url(i))));
      if (statuses.every((s) => s === status)) break;
      await sleep(100);
    }
    return statuses;
  };
  expect(await all(503, 10_000)).toEqual([503, 503, 503]);
  // Down for longer than any lease: every lease in Redis has run out when it comes back.
  await sleep(Math.max(0, killedAt + GRACE_MS + 2000 - Date.now()));
  for (const r of cluster.replicas) expect(r.running()).toBe(true);
  await redis.start();
  expect(await all(200, 15_000)).toEqual([200, 200, 200]);
  await sleep(GRACE_MS + 1500);
  for (const s of seen) expect(s.filter((e) => e.event === 'peer:left')).toEqual([]);
  // The room survived in Redis (AOF) and fan-out works again.
  const heard = [ada, bob].map((j) => waitFor<Peer>(j.socket, 'peer:joined', 5000, (p) => p.name === 'Cy'));
  const cy = await join(url(2), { room, name: 'Cy' });
  expect(cy.welcome.peers.map((p) => p.name)).toEqual(['Ada', 'Bob']);
  await Promise.all(heard);
});
