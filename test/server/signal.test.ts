/** Signaling relay: offers, answers and candidates reach exactly their addressee, from the server's idea of the sender. */
import type { SignalIn } from '../../server/protocol/events';
import { closeAll, emitAck, join, record, sleep, sync, waitFor, type Joined } from '../helpers/client';
import { startServer, type TestServer } from '../helpers/server';

let srv: TestServer;
let n = 0;
const fresh = () => `sig-${++n}-${Date.now().toString(36)}`;

beforeAll(async () => {
  srv = await startServer({ joinRatePerAddr: 1000, joinBurstPerAddr: 1000, resumeGraceMs: 5000 });
});
afterEach(() => closeAll());
afterAll(() => srv.close());

const OFFER = { type: 'offer' as const, sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' };
const ANSWER = { type: 'answer' as const, sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' };
const CANDIDATE = {
  candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host',
  sdpMid: '0',
  sdpMLineIndex: 0,
  usernameFragment: 'abcd',
};

interface Scene {
  ada: Joined;
  bob: Joined;
  eve: Joined;
  all: Array<{ who: Joined; seen: ReturnType<typeof record> }>;
}

/** Ada and Bob in one room, Eve in another; everything each receives is recorded. */
async function scene(): Promise<Scene> {
  const room = fresh();
  const ada = await join(srv.url, { room, name: 'Ada' });
  const bob = await join(srv.url, { room, name: 'Bob' });
  const eve = await join(srv.url, { room: fresh(), name: 'Eve' });
  const all = [ada, bob, eve].map((who) => ({ who, seen: record(who.socket) }));
  return { ada, bob, eve, all };
}

test('an offer, an answer and candidates (with the null end-of-candidates) go through, carrying only from/description/candidate', async () => {
  const { ada, bob, eve, all } = await scene();
  const bobGets: SignalIn[] = [];
  const adaGets: SignalIn[] = [];
  bob.socket.on('signal', (s: SignalIn) => bobGets.push(s));
  ada.socket.on('signal', (s: SignalIn) => adaGets.push(s));
  const A = ada.welcome.self.id;
  const B = bob.welcome.self.id;

  expect(await emitAck(ada.socket, 'signal', { to: B, description: OFFER })).toEqual({ ok: true });
  ada.socket.emit('signal', { to: B, candidate: CANDIDATE });
  ada.socket.emit('signal', { to: B, candidate: null });
  expect(await emitAck(bob.socket, 'signal', { to: A, description: ANSWER })).toEqual({ ok: true });
  expect(await emitAck(bob.socket, 'signal', { to: A, candidate: CANDIDATE })).toEqual({ ok: true });
  expect(await emitAck(bob.socket, 'signal', { to: A, candidate: null })).toEqual({ ok: true });
  await Promise.all([sync(ada.socket), sync(bob.socket), sync(eve.socket)]);

  expect(bobGets).toEqual([
    { from: A, description: OFFER },
    { from: A, candidate: CANDIDATE },
    { from: A, candidate: null },
  ]);
  expect(Object.keys(bobGets[2])).toEqual(['from', 'candidate']);
  expect(adaGets).toEqual([
    { from: B, description: ANSWER },
    { from: B, candidate: CANDIDATE },
    { from: B, candidate: null },
  ]);
  for (const s of [...bobGets, ...adaGets])
    expect(Object.keys(s).every((k) => ['from', 'description', 'candidate'].includes(k))).toBe(true);
  expect(all[2].seen).toEqual([]);
});

test('a description and a candidate in one signal are both delivered', async () => {
  const { ada, bob } = await scene();
  const got = waitFor<SignalIn>(bob.socket, 'signal');
  expect(await emitAck(ada.socket, 'signal', { to: bob.welcome.self.id, description: OFFER, candidate: CANDIDATE })).toEqual({ ok: true });
  expect(await got).toEqual({ from: ada.welcome.self.id, description: OFFER, candidate: CANDIDATE });
});

test('a forged `from` is replaced by the sender, not refused', async () => {
  const { ada, bob, eve } = await scene();
  const got = waitFor<SignalIn>(bob.socket, 'signal');
  const reply = await emitAck(ada.socket, 'signal', { to: bob.welcome.self.id, from: eve.welcome.self.id, description: OFFER });
  expect(reply).toEqual({ ok: true });
  expect(await got).toEqual({ from: ada.welcome.self.id, description: OFFER });
});

test('someone in another room can neither reach a participant nor be reached', async () => {
  const { ada, bob, eve, all } = await scene();
  const intoRoom = await emitAck(eve.socket, 'signal', { to: ada.welcome.self.id, description: OFFER });
  expect(intoRoom).toMatchObject({ ok: false, error: { code: 'NOT_IN_ROOM' } });
  eve.socket.emit('signal', { to: bob.welcome.self.id, candidate: CANDIDATE });
  const outOfRoom = await emitAck(ada.socket, 'signal', { to: eve.welcome.self.id, description: OFFER });
  expect(outOfRoom).toMatchObject({ ok: false, error: { code: 'NOT_IN_ROOM' } });
  await sleep(50);
  await Promise.all(all.map((a) => sync(a.who.socket)));
  for (const a of all) expect(a.seen).toEqual([]);
});

test('signals to oneself, with a null description, or with neither part are BAD_REQUEST and go nowhere', async () => {
  const { ada, bob, all } = await scene();
  const B = bob.welcome.self.id;
  for (const payload of [
    { to: ada.welcome.self.id, description: OFFER },
    { to: B, description: null },
    { to: B },
    { to: B, description: { type: 'bogus', sdp: 'x' } },
    { description: OFFER },
  ]) {
    expect(await emitAck(ada.socket, 'signal', payload)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  }
  await Promise.all(all.map((a) => sync(a.who.socket)));
  for (const a of all) expect(a.seen).toEqual([]);
});

test('a signal reaches a participant during its grace period once it is back', async () => {
  const { ada, bob } = await scene();
  bob.socket.close();
  await sleep(100);
  // Still a member (grace period): the signal is accepted; it cannot be delivered to nobody, and that is fine.
  expect(await emitAck(ada.socket, 'signal', { to: bob.welcome.self.id, candidate: null })).toEqual({ ok: true });
  const back = await join(srv.url, { room: ada.welcome.room.id, name: 'Bob', resume: bob.welcome.resume });
  const got = waitFor<SignalIn>(back.socket, 'signal');
  expect(await emitAck(ada.socket, 'signal', { to: bob.welcome.self.id, description: OFFER })).toEqual({ ok: true });
  expect(await got).toEqual({ from: ada.welcome.self.id, description: OFFER });
});

test('no participant ever receives the socket id of another', async () => {
  const room = fresh();
  const people: Joined[] = [];
  const logs: Array<ReturnType<typeof record>> = [];
  const welcomes: unknown[] = [];
  const socketIds: string[] = [];
  for (const name of ['Ada', 'Bob', 'Cy']) {
    const j = await join(srv.url, { room, name });
    people.push(j);
    welcomes.push(j.welcome);
    socketIds.push(j.socket.id ?? '');
    logs.push(record(j.socket));
  }
  const [ada, bob, cy] = people;
  await emitAck(ada.socket, 'signal', { to: bob.welcome.self.id, description: OFFER });
  await emitAck(bob.socket, 'signal', { to: ada.welcome.self.id, description: ANSWER });
  await emitAck(cy.socket, 'signal', { to: ada.welcome.self.id, candidate: CANDIDATE });
  await emitAck(ada.socket, 'media', { audio: false, video: false, screen: false });
  await emitAck(bob.socket, 'hand', { raised: true });
  await emitAck(cy.socket, 'chat:send', { text: 'hello' });
  await emitAck(ada.socket, 'host:mute', { id: cy.welcome.self.id });
  await emitAck(ada.socket, 'host:lock', { locked: true });
  const dee = await join(srv.url, { room, name: 'Dee', resume: cy.welcome.resume });
  welcomes.push(dee.welcome);
  socketIds.push(dee.socket.id ?? '');
  await emitAck(bob.socket, 'room:leave');
  await sleep(50);
  await Promise.all([ada, dee].map((j) => sync(j.socket)));

  expect(socketIds.every((id) => id.length > 0)).toBe(true);
  const received = JSON.stringify([welcomes, logs]);
  expect(logs.flat().length).toBeGreaterThan(8);
  for (const id of socketIds) expect(received).not.toContain(id);
  for (const [i, j] of [...people, dee].entries()) expect(j.welcome.self.id).not.toBe(socketIds[i]);
});

test.each([[['polling']], [['websocket']], [['polling', 'websocket']]])('transports %j: join, signal and chat work', async (transports) => {
  const room = fresh();
  const ada = await join(srv.url, { room, name: 'Ada' }, { transports });
  const bob = await join(srv.url, { room, name: 'Bob' }, { transports });
  const got = waitFor<SignalIn>(bob.socket, 'signal');
  expect(await emitAck(ada.socket, 'signal', { to: bob.welcome.self.id, description: OFFER })).toEqual({ ok: true });
  expect(await got).toEqual({ from: ada.welcome.self.id, description: OFFER });
  const msg = waitFor(ada.socket, 'chat:message');
  expect(await emitAck(bob.socket, 'chat:send', { text: 'over ' + transports.join('+') })).toMatchObject({ ok: true });
  expect(await msg).toMatchObject({ from: bob.welcome.self.id });
});
