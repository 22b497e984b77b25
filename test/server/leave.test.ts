/**
 * Leaving is for good, on every replica (three on one real redis-server): after room:leave, an outside client with
 * the leaver's resume token is a newcomer wherever it comes in (a new PeerId, no host role, the password asked for),
 * and a meeting that emptied is not brought back by its tokens. A participant that only dropped still comes back as
 * itself.
 */
import type { Peer } from '../../server/protocol/events';
import { closeAll, disconnected, dropTransport, emitAck, join, refused, waitFor, type Joined } from '../helpers/client';
import { startCluster, type Cluster } from '../helpers/cluster';
import { startRedis, type RedisProcess } from '../helpers/procs';

jest.setTimeout(30_000);

const GRACE_MS = 1500;
let redis: RedisProcess;
let cluster: Cluster;
let n = 0;
const fresh = () => `leave-${++n}-${Date.now().toString(36)}`;
const url = (i: number) => cluster.replicas[i % 3].url;
const store = () => cluster.replicas[0].parley.store;
const members = async (room: string) => (await store().snapshot(room))?.members.map((m) => [m.name, m.id, m.host]);

beforeAll(async () => {
  redis = await startRedis();
  cluster = await startCluster(redis.url, 3, { resumeGraceMs: GRACE_MS, joinRatePerAddr: 1000, joinBurstPerAddr: 1000 });
});
afterEach(() => closeAll());
afterAll(async () => {
  await cluster?.close();
  await redis?.stop();
});

/** Leaves on its socket; resolves once `watcher` has seen it go. */
async function leave(p: Joined, watcher?: Joined): Promise<void> {
  const seen = watcher ? waitFor(watcher.socket, 'peer:left', 5000, (m: { id: string }) => m.id === p.welcome.self.id) : undefined;
  expect(await emitAck(p.socket, 'room:leave')).toEqual({ ok: true });
  await disconnected(p.socket);
  if (seen) expect(await seen).toEqual({ id: p.welcome.self.id, reason: 'left' });
}

test('a leaver on replica A: its token readmits nobody under its PeerId on B or C; the password applies; the host role stays gone', async () => {
  const room = fresh();
  const pw = { password: 'sesame' };
  const ada = await join(url(0), { room, name: 'Ada', ...pw });
  const bob = await join(url(0), { room, name: 'Bob', ...pw });
  const cy = await join(url(1), { room, name: 'Cy', ...pw });
  const dee = await join(url(2), { room, name: 'Dee', ...pw });
  await leave(bob, cy);
  // On B without the password: a newcomer, so the password is asked for.
  expect((await refused(url(1), { room, name: 'Bob', resume: bob.welcome.resume })).message).toBe('WRONG_PASSWORD');
  // On B and on C with it: admitted as somebody new; the others see a join, not a resume.
  for (const r of [1, 2]) {
    const joined = waitFor<Peer>(dee.socket, 'peer:joined', 5000, (p) => p.name === `Bob ${r}`);
    const back = await join(url(r), { room, name: `Bob ${r}`, resume: bob.welcome.resume, ...pw });
    expect(back.welcome.self.id).not.toBe(bob.welcome.self.id);
    expect(back.welcome.self.host).toBe(false);
    expect((await joined).id).toBe(back.welcome.self.id);
    expect(await emitAck(back.socket, 'room:leave')).toEqual({ ok: true });
  }
  // The host leaves on A; Cy (next in join order) is host. The host's token, on B and C: a guest with a new PeerId.
  await leave(ada, dee);
  for (const r of [1, 2]) {
    const back = await join(url(r), { room, name: 'Ada', resume: ada.welcome.resume, ...pw });
    expect(back.welcome.self).toMatchObject({ host: false });
    expect(back.welcome.self.id).not.toBe(ada.welcome.self.id);
    expect(await emitAck(back.socket, 'host:lock', { locked: true })).toMatchObject({ ok: false, error: { code: 'NOT_HOST' } });
    expect(await emitAck(back.socket, 'room:leave')).toEqual({ ok: true });
  }
  expect(await members(room)).toEqual([
    ['Cy', cy.welcome.self.id, true],
    ['Dee', dee.welcome.self.id, false],
  ]);
});

test('the last leaver ends the meeting: its tokens, on any replica, open a new meeting under new PeerIds', async () => {
  const room = fresh();
  const ada = await join(url(0), { room, name: 'Ada', password: 'sesame' });
  const bob = await join(url(1), { room, name: 'Bob', password: 'sesame' });
  const before = (await store().snapshot(room))?.meeting;
  await leave(bob, ada);
  await leave(ada);
  expect(await store().snapshot(room)).toBeNull();
  // The host's token on C: not the old meeting back under the old PeerId, but a new meeting its holder opens.
  const first = await join(url(2), { room, name: 'Ada', resume: ada.welcome.resume });
  expect(first.welcome.self.id).not.toBe(ada.welcome.self.id);
  expect(first.welcome.peers).toEqual([]);
  const after = await store().snapshot(room);
  expect(after?.meeting).not.toBe(before);
  expect(after?.hasPassword).toBe(false);
  // Bob's token on B: a guest of that new meeting.
  const second = await join(url(1), { room, name: 'Bob', resume: bob.welcome.resume });
  expect(second.welcome.self).toMatchObject({ host: false });
  expect(second.welcome.self.id).not.toBe(bob.welcome.self.id);
  expect(await members(room)).toEqual([
    ['Ada', first.welcome.self.id, true],
    ['Bob', second.welcome.self.id, false],
  ]);
});

test('a room emptied by the grace period running out has ended too; one who only dropped, in a room that lives, is itself', async () => {
  const room = fresh();
  const ada = await join(url(0), { room, name: 'Ada' });
  const bob = await join(url(1), { room, name: 'Bob' });
  // Bob drops and comes back within the grace period on C: the same PeerId.
  dropTransport(bob.socket);
  await disconnected(bob.socket);
  const bobBack = await join(url(2), { room, name: 'Bob', resume: bob.welcome.resume });
  expect(bobBack.welcome.self).toEqual(bob.welcome.self);
  // Both drop for good: the reaper of some replica removes them after the grace period, and the meeting ends.
  dropTransport(ada.socket);
  dropTransport(bobBack.socket);
  const deadline = Date.now() + GRACE_MS + 10_000;
  while ((await store().snapshot(room)) !== null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(await store().snapshot(room)).toBeNull();
  const late = await join(url(1), { room, name: 'Ada', resume: ada.welcome.resume });
  expect(late.welcome.self.id).not.toBe(ada.welcome.self.id);
  expect(late.welcome.peers).toEqual([]);
});
