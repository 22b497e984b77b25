/** Staying in the call: resume within the grace period, presence after it, token checks, and a restart with the same SECRET. */
import {
  closeAll,
  disconnected,
  dropTransport,
  emitAck,
  join,
  peek,
  record,
  refused,
  sleep,
  sync,
  waitFor,
  type Joined,
} from '../helpers/client';
import { startServer, type TestServer } from '../helpers/server';

const GRACE_MS = 2500;
const SECRET = 'resume-secret-for-tests-0123456789';
let srv: TestServer;
let n = 0;
const fresh = () => `res-${++n}-${Date.now().toString(36)}`;
const opts = { resumeGraceMs: GRACE_MS, secret: SECRET, joinRatePerAddr: 1000, joinBurstPerAddr: 1000 };

beforeAll(async () => {
  srv = await startServer(opts);
});
afterEach(() => closeAll());
afterAll(() => srv.close());

async function members(room: string, ...names: string[]): Promise<Joined[]> {
  const out: Joined[] = [];
  for (const name of names) out.push(await join(srv.url, { room, name }));
  return out;
}

/** Events that would show a change of membership. */
const membership = (seen: ReturnType<typeof record>) => seen.filter((e) => e.event === 'peer:left' || e.event === 'peer:joined');

test('a dropped participant that resumes within the grace period keeps its PeerId; nobody sees a change', async () => {
  const room = fresh();
  const [ada, bob] = await members(room, 'Ada', 'Bob');
  const adaSeen = record(ada.socket);
  const closed = disconnected(bob.socket);
  dropTransport(bob.socket);
  await closed;
  await sleep(300);
  const back = await join(srv.url, { room, name: 'Bob', resume: bob.welcome.resume });
  expect(back.welcome.self).toEqual(bob.welcome.self);
  expect(back.welcome.peers).toEqual([ada.welcome.self]);
  expect(typeof back.welcome.resume).toBe('string');
  // Past the end of the first grace period: still nothing.
  await sleep(GRACE_MS + 500);
  await sync(ada.socket);
  expect(membership(adaSeen)).toEqual([]);
  expect(await peek(srv.url, room)).toMatchObject({ ok: true, room: { count: 2, names: ['Ada', 'Bob'] } });
  // The new token works as well as the old one did.
  const again = await join(srv.url, { room, name: 'Bob', resume: back.welcome.resume });
  expect(again.welcome.self.id).toBe(bob.welcome.self.id);
});

test('one that does not come back is announced with peer:left "disconnected" after the grace period', async () => {
  const room = fresh();
  const [ada, bob] = await members(room, 'Ada', 'Bob');
  const left = waitFor(ada.socket, 'peer:left', GRACE_MS + 5000);
  const dropped = Date.now();
  dropTransport(bob.socket);
  // Nothing during the grace period.
  await sleep(GRACE_MS - 500);
  expect(await Promise.race([left.then(() => 'left'), Promise.resolve('waiting')])).toBe('waiting');
  expect(await left).toEqual({ id: bob.welcome.self.id, reason: 'disconnected' });
  expect(Date.now() - dropped).toBeGreaterThanOrEqual(GRACE_MS - 50);
  expect(await peek(srv.url, room)).toMatchObject({ ok: true, room: { count: 1, names: ['Ada'] } });
});

test('resume while the old socket still looks connected takes its place; nobody sees a change, also when the stale socket closes', async () => {
  const room = fresh();
  const [ada, bob] = await members(room, 'Ada', 'Bob');
  const adaSeen = record(ada.socket);
  const staleClosed = disconnected(bob.socket);
  const back = await join(srv.url, { room, name: 'Bob', resume: bob.welcome.resume });
  expect(back.welcome.self.id).toBe(bob.welcome.self.id);
  expect(await staleClosed).toBe('io server disconnect');
  bob.socket.close();
  // The new connection holds the place past a whole grace period.
  await sleep(GRACE_MS + 500);
  await sync(ada.socket);
  expect(membership(adaSeen)).toEqual([]);
  expect(await peek(srv.url, room)).toMatchObject({ ok: true, room: { count: 2 } });
  // And it still works: a chat from the resumed connection reaches Ada.
  const msg = waitFor(ada.socket, 'chat:message');
  expect(await emitAck(back.socket, 'chat:send', { text: 'still here' })).toMatchObject({ ok: true });
  expect(await msg).toMatchObject({ from: bob.welcome.self.id, text: 'still here' });
});

test('a host stays host after a resume', async () => {
  const room = fresh();
  const [ada, bob] = await members(room, 'Ada', 'Bob');
  const bobSeen = record(bob.socket);
  dropTransport(ada.socket);
  await sleep(200);
  const back = await join(srv.url, { room, name: 'Ada', resume: ada.welcome.resume });
  expect(back.welcome.self).toMatchObject({ id: ada.welcome.self.id, host: true });
  expect(await emitAck(back.socket, 'host:lock', { locked: true })).toEqual({ ok: true });
  await sync(bob.socket);
  expect(bobSeen.map((e) => e.event)).toEqual(['room:updated']);
});

test('a locked room and a password room let their own dropped participant back', async () => {
  const locked = fresh();
  const [ada, bob] = await members(locked, 'Ada', 'Bob');
  await emitAck(ada.socket, 'host:lock', { locked: true });
  dropTransport(bob.socket);
  expect((await refused(srv.url, { room: locked, name: 'Cy' })).message).toBe('ROOM_LOCKED');
  const bobBack = await join(srv.url, { room: locked, name: 'Bob', resume: bob.welcome.resume });
  expect(bobBack.welcome.self.id).toBe(bob.welcome.self.id);

  const guarded = fresh();
  await join(srv.url, { room: guarded, name: 'Ada', password: 'pw' });
  const cy = await join(srv.url, { room: guarded, name: 'Cy', password: 'pw' });
  dropTransport(cy.socket);
  const cyBack = await join(srv.url, { room: guarded, name: 'Cy', resume: cy.welcome.resume });
  expect(cyBack.welcome.self.id).toBe(cy.welcome.self.id);
});

test('someone who joins during the grace period sees the dropped participant in peers', async () => {
  const room = fresh();
  const [ada, bob] = await members(room, 'Ada', 'Bob');
  dropTransport(bob.socket);
  await sleep(200);
  const cy = await join(srv.url, { room, name: 'Cy' });
  expect(cy.welcome.peers.map((p) => p.id)).toEqual([ada.welcome.self.id, bob.welcome.self.id]);
  const cySeen = record(cy.socket);
  await join(srv.url, { room, name: 'Bob', resume: bob.welcome.resume });
  await sync(cy.socket);
  expect(membership(cySeen)).toEqual([]);
});

test('a dropped participant counts against capacity during the grace period', async () => {
  const small = await startServer({ ...opts, roomMaxPeers: 2 });
  try {
    const room = fresh();
    await join(small.url, { room, name: 'Ada' });
    const bob = await join(small.url, { room, name: 'Bob' });
    dropTransport(bob.socket);
    await sleep(100);
    expect((await refused(small.url, { room, name: 'Cy' })).message).toBe('ROOM_FULL');
    expect((await join(small.url, { room, name: 'Bob', resume: bob.welcome.resume })).welcome.self.id).toBe(bob.welcome.self.id);
  } finally {
    closeAll();
    await small.close();
  }
});

test('after the grace period a valid token is admitted again under the same PeerId, as a new arrival', async () => {
  const room = fresh();
  const [ada, bob] = await members(room, 'Ada', 'Bob');
  const left = waitFor(ada.socket, 'peer:left', GRACE_MS + 5000);
  dropTransport(bob.socket);
  expect(await left).toEqual({ id: bob.welcome.self.id, reason: 'disconnected' });
  const joined = waitFor(ada.socket, 'peer:joined');
  const back = await join(srv.url, { room, name: 'Bob', resume: bob.welcome.resume });
  expect(back.welcome.self.id).toBe(bob.welcome.self.id);
  expect(await joined).toEqual(back.welcome.self);
});

describe('tokens and auth that are refused (never INTERNAL)', () => {
  let room: string;
  let bob: Joined;
  let other: Joined;
  beforeEach(async () => {
    room = fresh();
    [, bob] = await members(room, 'Ada', 'Bob');
    other = await join(srv.url, { room: fresh(), name: 'Bob' });
  });

  const cases: Array<[string, () => Record<string, unknown>]> = [
    ['a token of another room', () => ({ room, name: 'Bob', resume: other.welcome.resume })],
    ['a token used for another room', () => ({ room: other.welcome.room.id + '-x', name: 'Bob', resume: bob.welcome.resume })],
    [
      'a tampered signature',
      () => ({ room, name: 'Bob', resume: bob.welcome.resume.slice(0, -2) + (bob.welcome.resume.endsWith('AA') ? 'BB' : 'AA') }),
    ],
    [
      'a tampered body',
      () => {
        const [body, mac] = bob.welcome.resume.split('.');
        const claim = JSON.parse(Buffer.from(body, 'base64url').toString()) as unknown[];
        claim[1] = 'someone-else';
        return { room, name: 'Bob', resume: `${Buffer.from(JSON.stringify(claim)).toString('base64url')}.${mac}` };
      },
    ],
    ['a signature alone', () => ({ room, name: 'Bob', resume: bob.welcome.resume.split('.')[1] })],
    ['two dots', () => ({ room, name: 'Bob', resume: bob.welcome.resume + '.x' })],
    ['a plain string', () => ({ room, name: 'Bob', resume: 'let-me-in' })],
    ['an empty string', () => ({ room, name: 'Bob', resume: '' })],
    ['a huge string', () => ({ room, name: 'Bob', resume: 'a.'.repeat(5000) })],
    ['a number', () => ({ room, name: 'Bob', resume: 42 })],
    ['an object', () => ({ room, name: 'Bob', resume: { peer: bob.welcome.self.id } })],
    ['null', () => ({ room, name: 'Bob', resume: null })],
    ['an array', () => ({ room, name: 'Bob', resume: [bob.welcome.resume] })],
    ['a numeric password', () => ({ room, name: 'Bob', password: 1234 })],
    ['a boolean password', () => ({ room, name: 'Bob', password: true })],
    ['an object password', () => ({ room, name: 'Bob', password: { toString: 'x' } })],
  ];

  test.each(cases)('resume/password as %s is refused', async (_label, auth) => {
    const refusal = await refused(srv.url, auth());
    expect(refusal.message).not.toBe('INTERNAL');
    expect(refusal.data?.code).toBe(refusal.message);
    expect(await peek(srv.url, room)).toMatchObject({ ok: true, room: { count: 2, names: ['Ada', 'Bob'] } });
  });

  test('wrong-typed resume and password are BAD_REQUEST', async () => {
    for (const auth of [
      { room, name: 'Cy', resume: 42 },
      { room, name: 'Cy', resume: null },
      { room, name: 'Cy', password: 42 },
      { room, name: 'Cy', password: false },
    ]) {
      expect((await refused(srv.url, auth)).message).toBe('BAD_REQUEST');
    }
  });
});

test('a server restart with the same SECRET accepts resumes and rebuilds the room with the same PeerIds', async () => {
  const first = await startServer(opts);
  const room = fresh();
  const ada = await join(first.url, { room, name: 'Ada' });
  const bob = await join(first.url, { room, name: 'Bob' });
  const chatOk = await emitAck(ada.socket, 'chat:send', { text: 'before the restart' });
  expect(chatOk).toMatchObject({ ok: true });
  await first.close();
  await Promise.all([disconnected(ada.socket), disconnected(bob.socket)]);

  const second = await startServer(opts);
  try {
    const adaBack = await join(second.url, { room, name: 'Ada', resume: ada.welcome.resume });
    const bobJoined = waitFor(adaBack.socket, 'peer:joined');
    const bobBack = await join(second.url, { room, name: 'Bob', resume: bob.welcome.resume });
    expect(adaBack.welcome.self).toMatchObject({ id: ada.welcome.self.id, name: 'Ada', host: true });
    expect(bobBack.welcome.self).toMatchObject({ id: bob.welcome.self.id, name: 'Bob', host: false });
    expect(bobBack.welcome.peers.map((p) => p.id)).toEqual([ada.welcome.self.id]);
    expect(await bobJoined).toMatchObject({ id: bob.welcome.self.id });
    // A token of this replica is as good as one of the first.
    const token = await join(second.url, { room, name: 'Bob', resume: bobBack.welcome.resume });
    expect(token.welcome.self.id).toBe(bob.welcome.self.id);
  } finally {
    closeAll();
    await second.close();
  }
});

test('a server with another SECRET refuses the tokens', async () => {
  const room = fresh();
  const ada = await join(srv.url, { room, name: 'Ada' });
  const stranger = await startServer({ ...opts, secret: 'a-different-secret-0123456789' });
  try {
    const refusal = await refused(stranger.url, { room, name: 'Ada', resume: ada.welcome.resume });
    expect(refusal.message).not.toBe('INTERNAL');
  } finally {
    closeAll();
    await stranger.close();
  }
});

test('wrong passwords from the same address do not keep a participant of that room from resuming', async () => {
  const strict = await startServer({ ...opts, passwordAttemptsPerMin: 1 });
  try {
    const room = fresh();
    await join(strict.url, { room, name: 'Ada', password: 'pw' });
    const bob = await join(strict.url, { room, name: 'Bob', password: 'pw' });
    expect((await refused(strict.url, { room, name: 'Guess', password: 'nope' })).message).toBe('WRONG_PASSWORD');
    expect((await refused(strict.url, { room, name: 'Guess', password: 'nope2' })).message).toBe('RATE_LIMITED');
    dropTransport(bob.socket);
    const back = await join(strict.url, { room, name: 'Bob', resume: bob.welcome.resume });
    expect(back.welcome.self.id).toBe(bob.welcome.self.id);
  } finally {
    closeAll();
    await strict.close();
  }
});
