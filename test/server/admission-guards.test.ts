/**
 * Admission under attack, on one replica and on two sharing a real redis-server: the password-guess budget holds
 * against concurrent guesses, passwords are hashed only when one must be checked or set, a resume token belongs to
 * one meeting and confers no more than it proved when the room's state is gone, bans see through look-alike names,
 * a drain admits nobody new, and a shutdown tells the store about every connection before closing it.
 */
import { createClient } from 'redis';
import { io } from 'socket.io-client';
import type { Welcome } from '../../server/protocol/events';
import { closeAll, disconnected, emitAck, join, refused, sleep, socketOptions, waitFor, type JoinRefusal } from '../helpers/client';
import { startCluster, type Cluster } from '../helpers/cluster';
import { replicaMetrics } from '../helpers/metrics';
import { startRedis, type RedisProcess } from '../helpers/procs';
import { startServer, useServer } from '../helpers/server';

jest.setTimeout(30_000);

const OPEN = { joinRatePerAddr: 1000, joinBurstPerAddr: 1000, roomMaxPeers: 50 };
const codes = (results: PromiseSettledResult<unknown>[]) => {
  const tally: Record<string, number> = {};
  for (const r of results) {
    const code = r.status === 'fulfilled' ? 'ADMITTED' : ((r.reason as JoinRefusal).message ?? 'ERROR');
    tally[code] = (tally[code] ?? 0) + 1;
  }
  return tally;
};
const guess = (url: string, room: string, i: number) => join(url, { room, name: `Guess ${i}`, password: `wrong-${i}` });

describe('one replica', () => {
  const srv = useServer({ ...OPEN, resumeGraceMs: 2000 });
  const hashes = async () => (await replicaMetrics(srv.url()))('parley_password_hashes_total') ?? NaN;

  test('55 concurrent wrong guesses get 10 WRONG_PASSWORD (the budget a minute) and 45 RATE_LIMITED', async () => {
    const room = srv.fresh();
    await join(srv.url(), { room, name: 'Host', password: 'right' });
    const tally = codes(await Promise.allSettled(Array.from({ length: 55 }, (_, i) => guess(srv.url(), room, i))));
    expect(tally).toEqual({ WRONG_PASSWORD: 10, RATE_LIMITED: 45 });
    // The budget is spent: even the right password waits for the minute to pass.
    expect((await refused(srv.url(), { room, name: 'Late', password: 'right' })).message).toBe('RATE_LIMITED');
  });

  test('a right password gives its guess back: more right passwords than the budget all get in', async () => {
    const room = srv.fresh();
    await join(srv.url(), { room, name: 'Host', password: 'right' });
    for (let i = 0; i < 12; i++) await join(srv.url(), { room, name: `Guest ${i}`, password: 'right' }).then((j) => j.socket.close());
    expect((await join(srv.url(), { room, name: 'One more', password: 'right' })).welcome.self.name).toBe('One more');
  });

  test('nothing is hashed for a room without a password, a locked or full room, a ban, or a resume', async () => {
    const open = srv.fresh();
    await join(srv.url(), { room: open, name: 'Host' });
    const before = await hashes();
    let tally = codes(await Promise.allSettled(Array.from({ length: 30 }, (_, i) => guess(srv.url(), open, i))));
    expect(tally).toEqual({ ADMITTED: 30 });
    closeAll();

    const locked = srv.fresh();
    const lockHost = await join(srv.url(), { room: locked, name: 'Host', password: 'right' });
    const afterCreate = await hashes();
    expect(afterCreate - before).toBe(1);
    const troll = await join(srv.url(), { room: locked, name: 'Troll', password: 'right' });
    expect(await emitAck(lockHost.socket, 'host:kick', { id: troll.welcome.self.id })).toEqual({ ok: true });
    const afterTroll = await hashes();
    const back = await refused(srv.url(), { room: locked, name: 'troll', password: 'anything' });
    expect(back.message).toBe('BANNED');
    expect(await emitAck(lockHost.socket, 'host:lock', { locked: true })).toEqual({ ok: true });
    tally = codes(await Promise.allSettled(Array.from({ length: 20 }, (_, i) => guess(srv.url(), locked, i))));
    expect(tally).toEqual({ ROOM_LOCKED: 20 });
    expect(await hashes()).toBe(afterTroll);
  });

  test('a full room refuses before any hash', async () => {
    const small = await startServer({ ...OPEN, roomMaxPeers: 2 });
    try {
      const room = `full-${Date.now()}`;
      await join(small.url, { room, name: 'Host', password: 'right' });
      await join(small.url, { room, name: 'Guest', password: 'right' });
      const before = (await replicaMetrics(small.url))('parley_password_hashes_total');
      const tally = codes(await Promise.allSettled(Array.from({ length: 20 }, (_, i) => guess(small.url, room, i))));
      expect(tally).toEqual({ ROOM_FULL: 20 });
      expect((await replicaMetrics(small.url))('parley_password_hashes_total')).toBe(before);
    } finally {
      closeAll();
      await small.close();
    }
  });

  test('a token of an earlier meeting of the same room code is no way around the new meeting password', async () => {
    const room = srv.fresh();
    const ada = await join(srv.url(), { room, name: 'Ada' });
    const bob = await join(srv.url(), { room, name: 'Bob' });
    expect(await emitAck(bob.socket, 'room:leave')).toEqual({ ok: true });
    expect(await emitAck(ada.socket, 'room:leave')).toEqual({ ok: true });
    closeAll();
    // The room emptied; somebody opens a new meeting under the same code, with a password.
    const host = await join(srv.url(), { room, name: 'Host', password: 'new-secret' });
    expect((await refused(srv.url(), { room, name: 'Bob', resume: bob.welcome.resume })).message).toBe('WRONG_PASSWORD');
    // With the password, the holder of the old token is a newcomer: a new PeerId, not host.
    const again = await join(srv.url(), { room, name: 'Bob', resume: bob.welcome.resume, password: 'new-secret' });
    expect(again.welcome.self.id).not.toBe(bob.welcome.self.id);
    expect(again.welcome.self.host).toBe(false);
    expect(again.welcome.peers.map((p) => p.id)).toEqual([host.welcome.self.id]);
  });

  test.each([
    ['a zero-width space', 'Mallory\u200b'],
    ['a zero-width joiner inside', 'Ma\u200dllory'],
    ['a full-width letter', '\uff2dallory'],
    ['a combining accent', 'Mallory\u0301'],
    ['a bidi isolate around it', '\u2066Mallory\u2069'],
    ['capitals', 'MALLORY'],
    ['a mathematical bold letter', '\u{1d40c}allory'],
  ])('a kicked name comes back with %s: BANNED', async (_what, variant) => {
    const room = srv.fresh();
    const host = await join(srv.url(), { room, name: 'Host' });
    const mallory = await join(srv.url(), { room, name: 'Mallory' });
    expect(await emitAck(host.socket, 'host:kick', { id: mallory.welcome.self.id })).toEqual({ ok: true });
    expect((await refused(srv.url(), { room, name: variant })).message).toBe('BANNED');
    // Another name from the same address is somebody else.
    expect((await join(srv.url(), { room, name: 'Malorie' })).welcome.self.name).toBe('Malorie');
  });

  test('a /room opened over an existing connection while the replica drains is sent elsewhere; the drain ends at once', async () => {
    const own = await startServer({ ...OPEN });
    try {
      const room = `drain-${Date.now()}`;
      const lobby = io(`${own.url}/lobby`, socketOptions());
      await waitFor(lobby, 'connect');
      const draining = own.parley.room.drain(0, 5000);
      // The same Engine.IO connection (one manager) opens /room: no new session, so no allowRequest.
      const roomSocket = lobby.io.socket('/room', { auth: { room, name: 'Late' } });
      const err = await waitFor<Error & { data?: { code: string; retryable?: boolean } }>(roomSocket, 'connect_error');
      expect(err.data).toMatchObject({ code: 'INTERNAL', retryable: true });
      expect(await draining).toBe(0);
      lobby.close();
    } finally {
      closeAll();
      await own.close();
    }
  });
});

test('after a restart of an in-memory replica, the host is who was host, whoever comes back first', async () => {
  const opts = { ...OPEN, secret: 'restart-secret-0123456789abcdef' };
  const first = await startServer(opts);
  const room = `restart-${Date.now()}`;
  const ada = await join(first.url, { room, name: 'Ada' });
  const bob = await join(first.url, { room, name: 'Bob' });
  const troll = await join(first.url, { room, name: 'Troll' });
  expect(await emitAck(ada.socket, 'host:kick', { id: troll.welcome.self.id })).toEqual({ ok: true });
  await first.close();
  await Promise.all([disconnected(ada.socket), disconnected(bob.socket)]);
  const second = await startServer(opts);
  try {
    // The kicked participant's token came from the same meeting; its ban went with the memory, but it is no host.
    const trollBack = await join(second.url, { room, name: 'Troll', resume: troll.welcome.resume });
    expect(trollBack.welcome.self).toMatchObject({ id: troll.welcome.self.id, host: false });
    const bobBack = await join(second.url, { room, name: 'Bob', resume: bob.welcome.resume });
    expect(bobBack.welcome.self.host).toBe(false);
    const adaBack = await join(second.url, { room, name: 'Ada', resume: ada.welcome.resume });
    expect(adaBack.welcome.self).toMatchObject({ id: ada.welcome.self.id, host: true });
    expect(await emitAck(trollBack.socket, 'host:kick', { id: adaBack.welcome.self.id })).toMatchObject({ ok: false });
    expect(await emitAck(adaBack.socket, 'host:kick', { id: trollBack.welcome.self.id })).toEqual({ ok: true });
  } finally {
    closeAll();
    await second.close();
  }
});

test('a participant made host by the host leaving gets a token that says so', async () => {
  const opts = { ...OPEN, secret: 'handover-secret-0123456789abcdef' };
  const first = await startServer(opts);
  const room = `handover-${Date.now()}`;
  const ada = await join(first.url, { room, name: 'Ada' });
  const bob = await join(first.url, { room, name: 'Bob' });
  const cy = await join(first.url, { room, name: 'Cy' });
  const renewed = waitFor<{ resume: string }>(bob.socket, 'room:resume');
  expect(await emitAck(ada.socket, 'room:leave')).toEqual({ ok: true });
  const { resume } = await renewed;
  await first.close();
  const second = await startServer(opts);
  try {
    const cyBack = await join(second.url, { room, name: 'Cy', resume: cy.welcome.resume });
    expect(cyBack.welcome.self.host).toBe(false);
    const bobBack = await join(second.url, { room, name: 'Bob', resume });
    expect(bobBack.welcome.self).toMatchObject({ id: bob.welcome.self.id, host: true });
  } finally {
    closeAll();
    await second.close();
  }
});

describe('two replicas on Redis', () => {
  let redis: RedisProcess;
  let cluster: Cluster;
  const url = (i: number) => cluster.replicas[i % 2].url;
  /** Loses every room's state at once, as an emptied or replaced Redis would. */
  const flush = async () => {
    const raw = createClient({ url: redis.url });
    await raw.connect();
    await raw.flushAll();
    await raw.quit();
  };
  beforeAll(async () => {
    redis = await startRedis();
    cluster = await startCluster(redis.url, 2, { ...OPEN, resumeGraceMs: 2000 });
  });
  afterEach(() => closeAll());
  afterAll(async () => {
    await cluster?.close();
    await redis?.stop();
  });

  test('40 concurrent wrong guesses spread over both replicas get 10 WRONG_PASSWORD in all', async () => {
    const room = `guess-${Date.now()}`;
    await join(url(0), { room, name: 'Host', password: 'right' });
    const tally = codes(await Promise.allSettled(Array.from({ length: 40 }, (_, i) => guess(url(i), room, i))));
    expect(tally).toEqual({ WRONG_PASSWORD: 10, RATE_LIMITED: 30 });
  });

  test('after the room state is lost (FLUSHALL), a kicked participant comes back without host powers; the host is host', async () => {
    const room = `flushed-${Date.now()}`;
    const host = await join(url(0), { room, name: 'Host' });
    const guest = await join(url(1), { room, name: 'Guest' });
    const mallory = await join(url(1), { room, name: 'Mallory' });
    expect(await emitAck(host.socket, 'host:kick', { id: mallory.welcome.self.id })).toEqual({ ok: true });
    // Every replica notices the places are gone and sends their holders to resume (listening from before the flush:
    // a heartbeat can notice it before the flush's own connection has quit).
    const told = Promise.all([waitFor(host.socket, 'server:draining', 5000), waitFor(guest.socket, 'server:draining', 5000)]);
    await flush();
    await told;
    const back = await join(url(0), { room, name: 'Mallory', resume: mallory.welcome.resume });
    expect(back.welcome.self).toMatchObject({ id: mallory.welcome.self.id, host: false });
    expect(back.welcome.room.locked).toBe(false);
    expect(await emitAck(back.socket, 'host:lock', { locked: true })).toMatchObject({ ok: false, error: { code: 'NOT_HOST' } });
    const hostBack = await join(url(1), { room, name: 'Host', resume: host.welcome.resume });
    expect(hostBack.welcome.self).toMatchObject({ id: host.welcome.self.id, host: true });
    expect(await emitAck(back.socket, 'host:kick', { id: hostBack.welcome.self.id })).toMatchObject({ ok: false });
    expect(await emitAck(hostBack.socket, 'host:kick', { id: back.welcome.self.id })).toEqual({ ok: true });
  });

  test('after the room state is lost, a meeting that had a password comes back only with it', async () => {
    const room = `flushed-pw-${Date.now()}`;
    const host = await join(url(0), { room, name: 'Host', password: 'right' });
    const told = waitFor(host.socket, 'server:draining', 5000);
    await flush();
    await told;
    expect((await refused(url(1), { room, name: 'Host', resume: host.welcome.resume })).message).toBe('WRONG_PASSWORD');
    const back = await join(url(1), { room, name: 'Host', resume: host.welcome.resume, password: 'right' });
    expect(back.welcome.self).toMatchObject({ id: host.welcome.self.id, host: true });
    expect((await refused(url(0), { room, name: 'Stranger' })).message).toBe('WRONG_PASSWORD');
  });

  test('a replica shutting down detaches every participant before it closes Redis: their places wait for them', async () => {
    const room = `shutdown-${Date.now()}`;
    const own = await startCluster(redis.url, 2, { ...OPEN, resumeGraceMs: 10_000 });
    try {
      const joined: Welcome[] = [];
      for (let i = 0; i < 15; i++) joined.push((await join(own.replicas[0].url, { room, name: `P${i}` })).welcome);
      // A slow moment of Redis (writes paused for 300 ms) with its script cache emptied (as after a restart or a
      // failover): each detach is slow and takes two round trips.
      const raw = createClient({ url: redis.url });
      await raw.connect();
      await raw.scriptFlush();
      await raw.sendCommand(['CLIENT', 'PAUSE', '300', 'WRITE']);
      await raw.quit();
      await own.replicas[0].close();
      await sleep(200);
      const snap = await own.replicas[1].parley.store.snapshot(room);
      expect(snap?.members.map((m) => m.sid)).toEqual(joined.map(() => ''));
    } finally {
      closeAll();
      await own.close();
    }
  });
});
