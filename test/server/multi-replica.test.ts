/** Three replicas on one real redis-server: a room's participants spread over all of them behave as one room. */
import type { Socket } from 'socket.io-client';
import type { ChatMessage, Peer, SignalIn, Welcome } from '../../server/protocol/events';
import {
  closeAll,
  connect,
  disconnected,
  dropTransport,
  emitAck,
  join,
  joinInOrder,
  peek,
  record,
  refused,
  sleep,
  waitFor,
} from '../helpers/client';
import { startCluster, type Cluster } from '../helpers/cluster';
import { startRedis, type RedisProcess } from '../helpers/procs';

const GRACE_MS = 1500;
let redis: RedisProcess;
let cluster: Cluster;
let n = 0;
const fresh = () => `multi-${++n}-${Date.now().toString(36)}`;
const url = (i: number) => cluster.replicas[i % cluster.replicas.length].url;

jest.setTimeout(20_000);

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

/** Joins `names` in order, the i-th on replica i mod 3; resolves once everyone has seen everyone join. */
const spread = (room: string, ...names: string[]) => joinInOrder(url, room, ...names);

describe.each(['sharded', 'classic'] as const)('%s adapter', (mode) => {
  beforeAll(async () => {
    cluster = await startCluster(redis.url, 3, { resumeGraceMs: GRACE_MS, joinRatePerAddr: 1000, joinBurstPerAddr: 1000 }, { mode });
  });
  afterEach(() => closeAll());
  afterAll(async () => {
    await cluster?.close();
  });

  test('participants on three replicas see each other join, in order', async () => {
    const room = fresh();
    const [ada] = await spread(room, 'Ada');
    const adaJoins = record(ada.socket);
    const bob = await join(url(1), { room, name: 'Bob' });
    const bobJoins = record(bob.socket);
    const cy = await join(url(2), { room, name: 'Cy' });
    expect(ada.welcome.self.host).toBe(true);
    expect(bob.welcome.peers.map((p) => p.name)).toEqual(['Ada']);
    expect(cy.welcome.peers.map((p) => p.name)).toEqual(['Ada', 'Bob']);
    const joined = (seen: ReturnType<typeof record>) => seen.filter((e) => e.event === 'peer:joined').map((e) => (e.args[0] as Peer).name);
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline && (joined(adaJoins).length < 2 || joined(bobJoins).length < 1)) await sleep(20);
    expect(joined(adaJoins)).toEqual(['Bob', 'Cy']);
    expect(joined(bobJoins)).toEqual(['Cy']);
  });

  test('signals, media, hand and chat cross replicas; history is shared', async () => {
    const room = fresh();
    const [ada, bob, cy] = await spread(room, 'Ada', 'Bob', 'Cy');
    const toBob = waitFor<SignalIn>(bob.socket, 'signal');
    const toCy = waitFor<SignalIn>(cy.socket, 'signal');
    ada.socket.emit('signal', { to: bob.welcome.self.id, description: { type: 'offer', sdp: 'v=0 bob' } });
    ada.socket.emit('signal', { to: cy.welcome.self.id, candidate: null, from: 'forged' });
    expect(await toBob).toEqual({ from: ada.welcome.self.id, description: { type: 'offer', sdp: 'v=0 bob' } });
    expect(await toCy).toEqual({ from: ada.welcome.self.id, candidate: null });

    const media = waitFor(ada.socket, 'peer:updated');
    cy.socket.emit('media', { audio: false, video: true, screen: false });
    expect(await media).toEqual({ id: cy.welcome.self.id, media: { audio: false, video: true, screen: false } });
    const hand = waitFor(cy.socket, 'peer:updated');
    bob.socket.emit('hand', { raised: true });
    expect(await hand).toEqual({ id: bob.welcome.self.id, hand: true });

    const atAda = waitFor<ChatMessage>(ada.socket, 'chat:message');
    const atBob = waitFor<ChatMessage>(bob.socket, 'chat:message');
    const ack = await emitAck<{ message: ChatMessage }>(cy.socket, 'chat:send', { text: 'hello from three' });
    if (!ack.ok) throw new Error(ack.error.code);
    expect(await atAda).toEqual(ack.message);
    expect(await atBob).toEqual(ack.message);

    // A newcomer on any replica gets the shared state: history, media and hand.
    const dee = await join(url(0), { room, name: 'Dee' });
    expect(dee.welcome.chat).toEqual([ack.message]);
    expect(dee.welcome.peers.map((p) => [p.name, p.media.audio, p.hand])).toEqual([
      ['Ada', true, false],
      ['Bob', true, true],
      ['Cy', false, false],
    ]);
  });

  test('the lobby counts right from every replica, and a watcher on one hears joins on another', async () => {
    const room = fresh();
    const watcher = connect(url(2), '/lobby');
    const watched = await emitAck<{ room: { count: number } }>(watcher, 'lobby:watch', { room });
    expect(watched).toMatchObject({ ok: true, room: { count: 0 } });
    const update = waitFor<{ count: number }>(watcher, 'lobby:room', 3000, (r) => r.count === 2);
    await spread(room, 'Ada', 'Bob');
    expect(await update).toMatchObject({ id: room, count: 2, names: ['Ada', 'Bob'] });
    for (let i = 0; i < 3; i++) {
      expect(await peek(url(i), room)).toMatchObject({ ok: true, room: { count: 2, names: ['Ada', 'Bob'], locked: false } });
    }
  });

  test('a room is read for the lobby only while somebody, on any replica, watches it', async () => {
    const store = cluster.replicas[0].backend.store;
    const reads = jest.spyOn(store, 'snapshot');
    try {
      const readsOf = (room: string) => reads.mock.calls.filter(([id]) => id === room).length;
      const quiet = fresh();
      await join(url(0), { room: quiet, name: 'Ada' });
      await join(url(0), { room: quiet, name: 'Bob' });
      const watchedRoom = fresh();
      const watcher = connect(url(2), '/lobby');
      expect(await emitAck(watcher, 'lobby:watch', { room: watchedRoom })).toMatchObject({ ok: true });
      const update = waitFor<{ count: number }>(watcher, 'lobby:room', 3000, (r) => r.count === 2);
      await join(url(0), { room: watchedRoom, name: 'Ada' });
      await join(url(0), { room: watchedRoom, name: 'Bob' });
      expect(await update).toMatchObject({ count: 2, names: ['Ada', 'Bob'] });
      await sleep(200);
      // One read per welcome; a watched room's joins are read once more each, for the watcher. The classic adapter
      // cannot tell whether another replica has a watcher: it reads every room.
      expect(readsOf(quiet)).toBe(mode === 'sharded' ? 2 : 4);
      expect(readsOf(watchedRoom)).toBe(4);
    } finally {
      reads.mockRestore();
    }
  });

  test('host controls work across replicas: lock, mute, kick with a ban', async () => {
    const room = fresh();
    const [host, bob, cy] = await spread(room, 'Host', 'Bob', 'Cy');

    const lockedAtCy = waitFor(cy.socket, 'room:updated');
    expect(await emitAck(host.socket, 'host:lock', { locked: true })).toMatchObject({ ok: true });
    expect(await lockedAtCy).toEqual({ locked: true });
    expect((await refused(url(2), { room, name: 'Late' })).data?.code).toBe('ROOM_LOCKED');
    expect(await emitAck(bob.socket, 'host:lock', { locked: false })).toMatchObject({ ok: false, error: { code: 'NOT_HOST' } });
    expect(await emitAck(host.socket, 'host:lock', { locked: false })).toMatchObject({ ok: true });

    const mute = waitFor(cy.socket, 'media:mute-request');
    expect(await emitAck(host.socket, 'host:mute', { id: cy.welcome.self.id })).toMatchObject({ ok: true });
    expect(await mute).toEqual({ by: host.welcome.self.id });

    const kicked = waitFor(bob.socket, 'room:kicked');
    const bobGone = disconnected(bob.socket);
    const leftAtCy = waitFor<{ id: string; reason: string }>(cy.socket, 'peer:left');
    expect(await emitAck(host.socket, 'host:kick', { id: bob.welcome.self.id })).toMatchObject({ ok: true });
    expect(await kicked).toEqual({ by: host.welcome.self.id });
    await bobGone;
    expect(await leftAtCy).toEqual({ id: bob.welcome.self.id, reason: 'kicked' });
    // Banned on every replica, through the resume token and under the same name.
    for (let i = 0; i < 3; i++) {
      expect((await refused(url(i), { room, name: 'Bob', resume: bob.welcome.resume })).data?.code).toBe('BANNED');
      expect((await refused(url(i), { room, name: 'bob' })).data?.code).toBe('BANNED');
    }
    // A signal to the kicked participant is refused wherever the sender sits.
    expect(await emitAck(cy.socket, 'signal', { to: bob.welcome.self.id, candidate: null })).toMatchObject({
      ok: false,
      error: { code: 'NOT_IN_ROOM' },
    });
  });

  test('50 concurrent joins to a room of 8 over three replicas: exactly 8 in, 42 ROOM_FULL, and all 8 agree', async () => {
    const room = fresh();
    const attempts = Array.from({ length: 50 }, (_, i) => {
      const socket = connect(url(i), '/room', { auth: { room, name: `P${i}` } });
      const view = new Set<string>();
      let self = '';
      const outcome = new Promise<'in' | string>((resolve) => {
        socket.on('room:welcome', (w: Welcome) => {
          self = w.self.id;
          for (const p of w.peers) view.add(p.id);
          resolve('in');
        });
        socket.on('connect_error', (err: Error & { data?: { code: string } }) => resolve(err.data?.code ?? err.message));
      });
      socket.on('peer:joined', (p: Peer) => view.add(p.id));
      socket.on('peer:left', (p: { id: string }) => view.delete(p.id));
      return { socket, view, outcome, self: () => self };
    });
    const outcomes = await Promise.all(attempts.map((a) => a.outcome));
    expect(outcomes.filter((o) => o === 'in')).toHaveLength(8);
    expect(outcomes.filter((o) => o === 'ROOM_FULL')).toHaveLength(42);
    const admitted = attempts.filter((_, i) => outcomes[i] === 'in');
    // Admissions landed on every replica.
    expect(new Set(admitted.map((a) => attempts.indexOf(a) % 3)).size).toBe(3);
    const ids = admitted.map((a) => a.self()).sort();
    const settled = async () => {
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline && !admitted.every((a) => a.view.size === 7)) await sleep(50);
    };
    await settled();
    await sleep(300);
    for (const a of admitted) {
      expect([...a.view, a.self()].sort()).toEqual(ids);
    }
    const snap = await cluster.replicas[0].parley.store.snapshot(room);
    expect(snap?.members.map((m) => m.id).sort()).toEqual(ids);
    expect(snap?.members.filter((m) => m.host)).toHaveLength(1);
  });

  test('a participant that drops and resumes on another replica keeps its PeerId; nobody sees it leave', async () => {
    const room = fresh();
    const [ada, bob, cy] = await spread(room, 'Ada', 'Bob', 'Cy');
    const adaSeen = record(ada.socket);
    const cySeen = record(cy.socket);
    const closed = disconnected(bob.socket);
    dropTransport(bob.socket);
    await closed;
    await sleep(200);
    const back = await join(url(2), { room, name: 'Bob', resume: bob.welcome.resume });
    expect(back.welcome.self).toEqual(bob.welcome.self);
    expect(back.welcome.peers.map((p) => p.name)).toEqual(['Ada', 'Cy']);
    // Signals reach it on its new replica.
    const sig = waitFor<SignalIn>(back.socket, 'signal');
    ada.socket.emit('signal', { to: bob.welcome.self.id, candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' } });
    expect((await sig).from).toBe(ada.welcome.self.id);
    await sleep(GRACE_MS + 1000);
    const membership = (seen: ReturnType<typeof record>) => seen.filter((e) => e.event === 'peer:left' || e.event === 'peer:joined');
    expect(membership(adaSeen)).toEqual([]);
    expect(membership(cySeen)).toEqual([]);
    expect(await peek(url(1), room)).toMatchObject({ ok: true, room: { count: 3 } });
  });

  test('a signal goes straight to the replica that holds its target; to one that just moved, it still arrives', async () => {
    const room = fresh();
    const [ada, bob] = await spread(room, 'Ada', 'Bob');
    const relayOf = (i: number) => cluster.replicas[i].parley.room.relay;
    if (mode === 'classic') {
      // Redis before 7 has no sharded pub/sub: signals go through the adapter.
      expect(relayOf(1)).toBeUndefined();
      return;
    }
    // Replica 0 knows where Bob is once presence covers his place (from his join, or the next heartbeat).
    const store = cluster.replicas[0].parley.store;
    const deadline = Date.now() + 3000;
    while (!(await store.locate(room, bob.welcome.self.id)) && Date.now() < deadline) await sleep(50);
    const before = relayOf(1)!.stats();
    const candidate = { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' };
    for (let i = 0; i < 3; i++) {
      const sig = waitFor<SignalIn>(bob.socket, 'signal');
      ada.socket.emit('signal', { to: bob.welcome.self.id, candidate });
      expect(await sig).toEqual({ from: ada.welcome.self.id, candidate });
    }
    expect(relayOf(1)!.stats().delivered - before.delivered).toBe(3);
    // Bob moves to replica 2 while replica 0 still remembers him on replica 1: replica 1 passes the signal on.
    const closed = disconnected(bob.socket);
    dropTransport(bob.socket);
    await closed;
    const back = await join(url(2), { room, name: 'Bob', resume: bob.welcome.resume });
    const sig = waitFor<SignalIn>(back.socket, 'signal');
    ada.socket.emit('signal', { to: bob.welcome.self.id, candidate });
    expect(await sig).toEqual({ from: ada.welcome.self.id, candidate });
    expect(relayOf(1)!.stats().missed - before.missed).toBe(1);
  });

  test('a resume on another replica takes over from a connection that still looks alive', async () => {
    const room = fresh();
    const [ada, bob] = await spread(room, 'Ada', 'Bob');
    const adaSeen = record(ada.socket);
    const stale = disconnected(bob.socket);
    const back = await join(url(2), { room, name: 'Bob', resume: bob.welcome.resume });
    expect(back.welcome.self.id).toBe(bob.welcome.self.id);
    // The stale connection on replica 1 is closed through the adapter.
    await stale;
    await sleep(GRACE_MS + 1000);
    expect(adaSeen.filter((e) => e.event === 'peer:left' || e.event === 'peer:joined')).toEqual([]);
    expect(back.socket.connected).toBe(true);
    const snap = await cluster.replicas[1].parley.store.snapshot(room);
    expect(snap?.members.map((m) => m.id)).toEqual([ada.welcome.self.id, bob.welcome.self.id]);
  });

  test('a participant that drops and does not come back is announced as left on every replica, once', async () => {
    const room = fresh();
    const [ada, bob, cy] = await spread(room, 'Ada', 'Bob', 'Cy');
    const seen = [record(ada.socket), record(bob.socket)];
    const dropped = Date.now();
    dropTransport(cy.socket);
    const left = await Promise.all(
      [ada.socket, bob.socket].map((s: Socket) => waitFor<{ id: string; reason: string }>(s, 'peer:left', GRACE_MS + 3000)),
    );
    const took = Date.now() - dropped;
    for (const l of left) expect(l).toEqual({ id: cy.welcome.self.id, reason: 'disconnected' });
    expect(took).toBeLessThan(GRACE_MS + 2000);
    await sleep(500);
    for (const s of seen) expect(s.filter((e) => e.event === 'peer:left')).toHaveLength(1);
  });
});
