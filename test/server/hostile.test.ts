/**
 * Hostile input, table-driven: every case is refused with the right code (or dropped), reaches nobody,
 * changes no room state, and leaves the replica serving.
 */
import { io, type Socket } from 'socket.io-client';
import type { ErrorCode } from '../../server/protocol/events';
import { CANDIDATE_MAX, SDP_MAX } from '../../server/protocol/limits';
import type { RoomSnapshot } from '../../server/rooms/store';
import {
  closeAll,
  connect,
  disconnected,
  emitAck,
  join,
  rawSend,
  record,
  refused,
  sleep,
  socketOptions,
  sync,
  type Joined,
} from '../helpers/client';
import { startServer, type TestServer } from '../helpers/server';
import { BAD_HANDSHAKES, big, raw } from '../helpers/hostile-inputs';

let srv: TestServer;
let roomA: string;
let roomB: string;
/** Mal: host of A, attacker. Gus: guest of A, attacker. Bea: bystander in A. Oz: member of B. */
let mal: Joined;
let gus: Joined;
let bea: Joined;
let oz: Joined;
/** A lobby socket that attacks, and one that watches room A. */
let lobby: Socket;
let watcher: Socket;
let logs: Record<string, ReturnType<typeof record>>;
let served = 0;

const tag = Date.now().toString(36);

beforeAll(async () => {
  srv = await startServer({
    resumeGraceMs: 1500,
    joinRatePerAddr: 10_000,
    joinBurstPerAddr: 10_000,
    eventRate: 10_000,
    eventBurst: 10_000,
    signalRate: 10_000,
    signalBurst: 10_000,
  });
  roomA = `hostile-a-${tag}`;
  roomB = `hostile-b-${tag}`;
  mal = await join(srv.url, { room: roomA, name: 'Mal' });
  gus = await join(srv.url, { room: roomA, name: 'Gus' });
  bea = await join(srv.url, { room: roomA, name: 'Bea' });
  oz = await join(srv.url, { room: roomB, name: 'Oz' });
  await emitAck(bea.socket, 'chat:send', { text: 'history before the attack' });
  lobby = connect(srv.url, '/lobby');
  watcher = connect(srv.url, '/lobby');
  await emitAck(watcher, 'lobby:watch', { room: roomA });
  logs = { mal: record(mal.socket), gus: record(gus.socket), bea: record(bea.socket), oz: record(oz.socket), watcher: record(watcher) };
});
afterAll(async () => {
  closeAll();
  await srv.close();
});

/** Room state as the store has it (without the lease times, which heartbeats renew). */
async function state(): Promise<unknown> {
  const strip = (s: RoomSnapshot | null) => s && { ...s, members: s.members.map(({ expiresAt: _e, ...m }) => m) };
  const { store } = srv.parley;
  return {
    a: strip(await store.snapshot(roomA)),
    b: strip(await store.snapshot(roomB)),
    chatA: await store.chat(roomA),
    chatB: await store.chat(roomB),
  };
}

function clearLogs(): void {
  for (const log of Object.values(logs)) log.length = 0;
}

/** Everyone but the sender has had a round trip, so anything the server sent them has arrived. */
async function settle(sender?: Socket): Promise<void> {
  if (sender?.connected) await sync(sender);
  await sleep(20);
  await Promise.all([mal.socket, gus.socket, bea.socket, oz.socket, watcher].map((s) => sync(s)));
}

/** The replica still serves: a fresh participant is admitted and welcomed. */
async function stillServes(): Promise<void> {
  const probe = await join(srv.url, { room: `probe-${tag}-${++served}`, name: 'Probe' });
  expect(probe.welcome.peers).toEqual([]);
  probe.socket.close();
}

function expectQuiet(): void {
  const noisy = Object.entries(logs).filter(([, log]) => log.length > 0);
  expect(noisy.map(([who, log]) => `${who}: ${JSON.stringify(log).slice(0, 300)}`)).toEqual([]);
}

const OFFER = { type: 'offer', sdp: 'v=0\r\n' };
const nested = (depth: number): unknown => {
  let v: unknown = 'deep';
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};

type Ctx = { self: string; guest: string; host: string; bystander: string; outsider: string };
interface Case {
  name: string;
  /** Who sends: the host of room A, a guest of room A, or a socket of /lobby. */
  by: 'host' | 'guest' | 'lobby';
  event: string;
  args: (c: Ctx) => unknown[];
  /** The refusal code, or 'dropped' for an event sent without an ack. */
  expect: ErrorCode | 'dropped';
}

const BAD: ErrorCode = 'BAD_REQUEST';
const c = (name: string, by: Case['by'], event: string, args: Case['args'], expect: Case['expect'] = BAD): Case => ({
  name,
  by,
  event,
  args,
  expect,
});

const CASES: Case[] = [
  // signal: shapes
  c('signal: a string payload', 'guest', 'signal', () => ['offer']),
  c('signal: a number payload', 'guest', 'signal', () => [42]),
  c('signal: null payload', 'guest', 'signal', () => [null]),
  c('signal: an array payload', 'guest', 'signal', (x) => [[x.bystander, OFFER]]),
  c('signal: a boolean payload', 'guest', 'signal', () => [true]),
  c('signal: no payload', 'guest', 'signal', () => []),
  c('signal: missing to', 'guest', 'signal', () => [{ description: OFFER }]),
  c('signal: to is a number', 'guest', 'signal', () => [{ to: 7, description: OFFER }]),
  c('signal: to is empty', 'guest', 'signal', () => [{ to: '', description: OFFER }]),
  c('signal: to is 65 characters', 'guest', 'signal', () => [{ to: big(65), description: OFFER }], 'PAYLOAD_TOO_LARGE'),
  c('signal: to is an object', 'guest', 'signal', (x) => [{ to: { id: x.bystander }, description: OFFER }]),
  c('signal: extra key', 'guest', 'signal', (x) => [{ to: x.bystander, description: OFFER, room: 'elsewhere' }]),
  c('signal: own __proto__ key', 'guest', 'signal', (x) => [raw(`{"__proto__":{"polluted":1},"to":"${x.bystander}","candidate":null}`)]),
  c('signal: constructor key', 'guest', 'signal', (x) => [
    raw(`{"constructor":{"prototype":{"polluted":1}},"to":"${x.bystander}","candidate":null}`),
  ]),
  c('signal: prototype key', 'guest', 'signal', (x) => [{ prototype: { polluted: 1 }, to: x.bystander, candidate: null }]),
  c('signal: __proto__ inside the description', 'guest', 'signal', (x) => [
    { to: x.bystander, description: raw('{"type":"offer","sdp":"v=0","__proto__":{"polluted":1}}') },
  ]),
  c('signal: neither description nor candidate', 'guest', 'signal', (x) => [{ to: x.bystander }]),
  c('signal: description null', 'guest', 'signal', (x) => [{ to: x.bystander, description: null }]),
  c('signal: description of an unknown type', 'guest', 'signal', (x) => [{ to: x.bystander, description: { type: 'hijack', sdp: 'v=0' } }]),
  c('signal: sdp is a number', 'guest', 'signal', (x) => [{ to: x.bystander, description: { type: 'offer', sdp: 1 } }]),
  c('signal: description with an extra key', 'guest', 'signal', (x) => [{ to: x.bystander, description: { ...OFFER, x: 1 } }]),
  c(
    'signal: sdp over the limit',
    'guest',
    'signal',
    (x) => [{ to: x.bystander, description: { type: 'offer', sdp: big(SDP_MAX + 1) } }],
    'PAYLOAD_TOO_LARGE',
  ),
  c('signal: candidate is a string', 'guest', 'signal', (x) => [{ to: x.bystander, candidate: 'candidate:1' }]),
  c(
    'signal: candidate over the limit',
    'guest',
    'signal',
    (x) => [{ to: x.bystander, candidate: { candidate: big(CANDIDATE_MAX + 1) } }],
    'PAYLOAD_TOO_LARGE',
  ),
  c('signal: sdpMLineIndex negative', 'guest', 'signal', (x) => [{ to: x.bystander, candidate: { candidate: 'c', sdpMLineIndex: -1 } }]),
  c('signal: sdpMLineIndex fractional', 'guest', 'signal', (x) => [{ to: x.bystander, candidate: { candidate: 'c', sdpMLineIndex: 0.5 } }]),
  c('signal: sdpMLineIndex a string', 'guest', 'signal', (x) => [{ to: x.bystander, candidate: { candidate: 'c', sdpMLineIndex: '0' } }]),
  c('signal: to oneself', 'guest', 'signal', (x) => [{ to: x.self, description: OFFER }]),
  c('signal: to an unknown PeerId', 'guest', 'signal', () => [{ to: 'no-such-peer', description: OFFER }], 'NOT_IN_ROOM'),
  c('signal: to a PeerId of another room', 'guest', 'signal', (x) => [{ to: x.outsider, description: OFFER }], 'NOT_IN_ROOM'),
  c(
    'signal: to another room with a forged from',
    'guest',
    'signal',
    (x) => [{ to: x.outsider, from: x.bystander, candidate: null }],
    'NOT_IN_ROOM',
  ),
  c('signal: to "__proto__"', 'guest', 'signal', () => [{ to: '__proto__', candidate: null }], 'NOT_IN_ROOM'),
  c('signal: to "constructor"', 'guest', 'signal', () => [{ to: 'constructor', candidate: null }], 'NOT_IN_ROOM'),
  c('signal: a Buffer payload', 'guest', 'signal', () => [Buffer.from('{"to":"x"}')]),
  c('signal: sdp as a Buffer', 'guest', 'signal', (x) => [{ to: x.bystander, description: { type: 'offer', sdp: Buffer.from('v=0') } }]),
  c('signal: candidate as a Buffer', 'guest', 'signal', (x) => [{ to: x.bystander, candidate: Buffer.alloc(16) }]),
  c('signal: an extra argument', 'guest', 'signal', (x) => [{ to: x.bystander, description: OFFER }, 'extra']),
  c('signal: deeply nested', 'guest', 'signal', (x) => [{ to: x.bystander, description: nested(2000) }]),
  c('signal: invalid without an ack', 'guest', 'signal', (x) => [{ to: x.bystander, description: null }], 'dropped'),
  c('signal: to another room without an ack', 'guest', 'signal', (x) => [{ to: x.outsider, description: OFFER }], 'dropped'),
  // media and hand
  c('media: missing fields', 'guest', 'media', () => [{ audio: false }]),
  c('media: strings for booleans', 'guest', 'media', () => [{ audio: 'false', video: 'true', screen: 'no' }]),
  c('media: extra key', 'guest', 'media', () => [{ audio: false, video: false, screen: false, host: true }]),
  c('media: an array', 'guest', 'media', () => [[false, false, false]]),
  c('media: own __proto__ key', 'guest', 'media', () => [raw('{"audio":false,"video":false,"screen":false,"__proto__":{"host":true}}')]),
  c('media: a huge payload', 'guest', 'media', () => [{ audio: false, video: false, screen: false, junk: big(50_000) }]),
  c('media: invalid without an ack', 'guest', 'media', () => [{ audio: 1, video: 0, screen: 0 }], 'dropped'),
  c('hand: raised is a string', 'guest', 'hand', () => [{ raised: 'yes' }]),
  c('hand: empty object', 'guest', 'hand', () => [{}]),
  c('hand: null', 'guest', 'hand', () => [null]),
  c('hand: raised is a number', 'guest', 'hand', () => [{ raised: 1 }]),
  c('hand: a bare boolean', 'guest', 'hand', () => [true]),
  // chat
  c('chat: 2,001 characters', 'guest', 'chat:send', () => [{ text: big(2001) }], 'PAYLOAD_TOO_LARGE'),
  c('chat: 40,000 characters', 'guest', 'chat:send', () => [{ text: big(40_000) }], 'PAYLOAD_TOO_LARGE'),
  c('chat: empty text', 'guest', 'chat:send', () => [{ text: '' }]),
  c('chat: text is a number', 'guest', 'chat:send', () => [{ text: 12 }]),
  c('chat: text is an array', 'guest', 'chat:send', () => [{ text: ['a', 'b'] }]),
  c('chat: text is a Buffer', 'guest', 'chat:send', () => [{ text: Buffer.from('hello') }]),
  c('chat: a Buffer attachment', 'guest', 'chat:send', () => [{ text: 'see file', file: Buffer.alloc(1024) }]),
  c('chat: own __proto__ key', 'guest', 'chat:send', () => [raw('{"__proto__":{"x":1},"text":"a"}')]),
  c('chat: constructor key', 'guest', 'chat:send', () => [raw('{"constructor":{"name":"x"},"text":"a"}')]),
  c('chat: forged from and name', 'guest', 'chat:send', (x) => [{ text: 'a', from: x.host, name: 'Mal' }]),
  c('chat: a bare string', 'guest', 'chat:send', () => ['hello']),
  c('chat: two arguments', 'guest', 'chat:send', () => [{ text: 'a' }, { text: 'b' }]),
  c('chat: invalid without an ack', 'guest', 'chat:send', () => [{ text: big(2001) }], 'dropped'),
  // leave
  c('room:leave: with a payload', 'guest', 'room:leave', () => [{ reason: 'kicked' }]),
  c('room:leave: with a payload, without an ack', 'guest', 'room:leave', () => [{ everyone: true }], 'dropped'),
  // host controls
  c('host:lock: locked is a string', 'host', 'host:lock', () => [{ locked: 'true' }]),
  c('host:lock: empty object', 'host', 'host:lock', () => [{}]),
  c('host:lock: own __proto__ key', 'host', 'host:lock', () => [raw('{"locked":true,"__proto__":{"locked":true}}')]),
  c('host:lock: by a guest', 'guest', 'host:lock', () => [{ locked: true }], 'NOT_HOST'),
  c('host:kick: id is a number', 'host', 'host:kick', () => [{ id: 123 }]),
  c('host:kick: oneself', 'host', 'host:kick', (x) => [{ id: x.self }]),
  c('host:kick: a PeerId of another room', 'host', 'host:kick', (x) => [{ id: x.outsider }], 'NOT_IN_ROOM'),
  c('host:kick: by a guest', 'guest', 'host:kick', (x) => [{ id: x.host }], 'NOT_HOST'),
  c('host:kick: a bystander, by a guest', 'guest', 'host:kick', (x) => [{ id: x.bystander }], 'NOT_HOST'),
  c('host:kick: by a guest with a forged by', 'guest', 'host:kick', (x) => [{ id: x.bystander, by: x.host }]),
  c('host:mute: a PeerId of another room', 'host', 'host:mute', (x) => [{ id: x.outsider }], 'NOT_IN_ROOM'),
  c('host:mute: "__proto__"', 'host', 'host:mute', () => [{ id: '__proto__' }], 'NOT_IN_ROOM'),
  c('host:mute: extra key', 'host', 'host:mute', (x) => [{ id: x.bystander, all: true }]),
  c('host:mute: by a guest', 'guest', 'host:mute', (x) => [{ id: x.bystander }], 'NOT_HOST'),
  c('host:mute: by a guest without an ack', 'guest', 'host:mute', (x) => [{ id: x.bystander }], 'dropped'),
  // unknown events
  c('unknown event with an ack', 'guest', 'admin:shutdown', () => [{}]),
  c('unknown event without an ack', 'guest', 'admin:shutdown', () => [{}], 'dropped'),
  c('a /lobby event on /room', 'guest', 'lobby:peek', () => [{ room: roomB }]),
  c('a server event name sent by a client', 'guest', 'peer:left', (x) => [{ id: x.bystander, reason: 'kicked' }]),
  c('a server event name without an ack', 'guest', 'room:kicked', (x) => [{ by: x.host }], 'dropped'),
  c('event named __proto__', 'guest', '__proto__', () => [{}]),
  c('event named hasOwnProperty', 'guest', 'hasOwnProperty', () => []),
  c('event named constructor without an ack', 'guest', 'constructor', () => [{}], 'dropped'),
  // /lobby
  c('lobby:peek: room over 64 characters', 'lobby', 'lobby:peek', () => [{ room: 'a'.repeat(65) }]),
  c('lobby:peek: room with a space', 'lobby', 'lobby:peek', () => [{ room: 'a b' }]),
  c('lobby:peek: room with a slash', 'lobby', 'lobby:peek', () => [{ room: '../etc' }]),
  c('lobby:peek: room is a number', 'lobby', 'lobby:peek', () => [{ room: 5 }]),
  c('lobby:peek: null payload', 'lobby', 'lobby:peek', () => [null]),
  c('lobby:peek: no payload', 'lobby', 'lobby:peek', () => []),
  c('lobby:peek: extra key', 'lobby', 'lobby:peek', () => [{ room: roomA, names: true }]),
  c('lobby:peek: own __proto__ key', 'lobby', 'lobby:peek', () => [raw(`{"room":"${roomA}","__proto__":{"x":1}}`)]),
  c('lobby:watch: room is an array', 'lobby', 'lobby:watch', () => [{ room: [roomA] }]),
  c('lobby:watch: a Buffer payload', 'lobby', 'lobby:watch', () => [Buffer.from(roomA)]),
  c('lobby: unknown event', 'lobby', 'lobby:join', () => [{ room: roomA }]),
  c('lobby: a /room event', 'lobby', 'chat:send', () => [{ text: 'hi' }]),
  c('lobby: unknown event without an ack', 'lobby', 'lobby:spam', () => [{ room: roomA }], 'dropped'),
];

test('the table has at least 50 cases', () => {
  expect(CASES.length).toBeGreaterThanOrEqual(50);
  expect(new Set(CASES.map((x) => x.name)).size).toBe(CASES.length);
});

describe('events', () => {
  test.each(CASES.map((x) => [x.name, x] as const))('%s', async (_name, kase) => {
    const sender = kase.by === 'host' ? mal.socket : kase.by === 'guest' ? gus.socket : lobby;
    const ctx: Ctx = {
      self: kase.by === 'host' ? mal.welcome.self.id : gus.welcome.self.id,
      guest: gus.welcome.self.id,
      host: mal.welcome.self.id,
      bystander: bea.welcome.self.id,
      outsider: oz.welcome.self.id,
    };
    const before = await state();
    await settle();
    clearLogs();
    const args = kase.args(ctx);
    if (kase.expect === 'dropped') {
      sender.emit(kase.event, ...args);
    } else {
      const reply = (await sender.timeout(5000).emitWithAck(kase.event, ...args)) as {
        ok: boolean;
        error?: { code: string; message: string };
      };
      expect(reply).toEqual({ ok: false, error: { code: kase.expect, message: expect.any(String) } });
      expect(reply.error?.message).not.toMatch(/\n\s+at |Error:|zod|node_modules/);
    }
    await settle(sender);
    expect(sender.connected).toBe(true);
    expectQuiet();
    expect(await state()).toEqual(before);
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).x).toBeUndefined();
    await stillServes();
  });
});

describe('handshakes', () => {
  const HANDSHAKES = BAD_HANDSHAKES;

  test('there are cases for every kind of bad handshake', () => {
    expect(HANDSHAKES.length).toBeGreaterThanOrEqual(25);
  });

  test.each(HANDSHAKES)('refused: %s', async (_name, auth) => {
    const before = await state();
    await settle();
    clearLogs();
    const refusal = await refused(srv.url, auth as Record<string, unknown>);
    expect(refusal.message).toBe('BAD_REQUEST');
    expect(refusal.data).toEqual({ code: 'BAD_REQUEST', message: expect.any(String) });
    await settle();
    expectQuiet();
    expect(await state()).toEqual(before);
    expect(await srv.parley.store.snapshot('hs-room')).toBeNull();
    await stillServes();
  });

  test('the same auth with a valid name and room is admitted (the cases differ only in what is bad)', async () => {
    const ok = await join(srv.url, { room: 'hs-room', name: 'Zed' });
    expect(ok.welcome.self.name).toBe('Zed');
    ok.socket.emit('room:leave');
    await disconnected(ok.socket);
  });

  test('an unknown namespace is refused and nobody notices', async () => {
    await settle();
    clearLogs();
    const admin = io(srv.url + '/admin', socketOptions());
    const err = await new Promise<Error>((resolve) => admin.once('connect_error', resolve));
    admin.close();
    expect(err.message).toBe('Invalid namespace');
    await settle();
    expectQuiet();
    await stillServes();
  });
});

describe('inputs that close the connection', () => {
  /** A throwaway attacker alone in its own room, so its departure concerns nobody. */
  async function loner(transports?: string[]): Promise<Joined> {
    return join(srv.url, { room: `loner-${tag}-${++served}`, name: 'Loner' }, transports ? { transports } : {});
  }

  async function expectClosedQuietly(attacker: Joined, act: () => void): Promise<void> {
    const before = await state();
    await settle();
    clearLogs();
    const closed = disconnected(attacker.socket);
    act();
    expect(await closed).toMatch(/transport|parse|server/);
    await settle();
    expectQuiet();
    expect(await state()).toEqual(before);
    await stillServes();
  }

  test('a payload above maxHttpBufferSize over websocket', async () => {
    const a = await loner(['websocket']);
    await expectClosedQuietly(a, () => a.socket.emit('chat:send', { text: big(200_000) }, () => undefined));
  });

  test('a payload above maxHttpBufferSize over polling', async () => {
    const a = await loner(['polling']);
    await expectClosedQuietly(a, () =>
      a.socket.emit('signal', { to: bea.welcome.self.id, description: { type: 'offer', sdp: big(200_000) } }),
    );
  });

  test('a binary attachment above maxHttpBufferSize', async () => {
    const a = await loner(['websocket']);
    await expectClosedQuietly(a, () => a.socket.emit('chat:send', { text: 'x', file: Buffer.alloc(200_000) }));
  });

  test('a malformed Socket.IO packet', async () => {
    const a = await loner(['websocket']);
    await expectClosedQuietly(a, () => rawSend(a.socket, '2/room,["chat:send",{"text":'));
  });

  test('a reserved event name in a raw packet', async () => {
    const a = await loner(['websocket']);
    await expectClosedQuietly(a, () => rawSend(a.socket, '2/room,["disconnect","forged"]'));
  });

  test('a raw packet for a namespace the connection has not joined', async () => {
    const a = await loner(['websocket']);
    await expectClosedQuietly(a, () => rawSend(a.socket, '2/admin,["chat:send",{"text":"x"}]'));
  });

  test('a raw packet with a numeric event name is dropped, the connection stays', async () => {
    const a = await loner(['websocket']);
    await settle();
    clearLogs();
    rawSend(a.socket, '2/room,[123,{"text":"x"}]');
    rawSend(a.socket, '2/room,7[456]');
    await settle(a.socket);
    expect(a.socket.connected).toBe(true);
    expectQuiet();
    await stillServes();
  });
});

describe('floods', () => {
  /** A replica with the default per-socket rates and a small per-address handshake budget. */
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startServer({ resumeGraceMs: 1500, joinRatePerAddr: 5, joinBurstPerAddr: 12 });
  });
  afterAll(() => limited.close());

  test('a signal flood is RATE_LIMITED past the burst; the bystander gets exactly the accepted ones; the socket works again', async () => {
    const room = `flood-sig-${tag}`;
    const a = await join(limited.url, { room, name: 'Flood' });
    const b = await join(limited.url, { room, name: 'Target' });
    const other = await join(limited.url, { room: `flood-other-${tag}`, name: 'Other' });
    const bSeen = record(b.socket);
    const otherSeen = record(other.socket);
    const replies = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => emitAck(a.socket, 'signal', { to: b.welcome.self.id, candidate: { candidate: `c${i}` } })),
    );
    const ok = replies.filter((r) => r.ok).length;
    const limitedCount = replies.filter((r) => !r.ok && r.error.code === 'RATE_LIMITED').length;
    // The contract's floor: bursts of 200 pass.
    expect(ok).toBeGreaterThanOrEqual(200);
    expect(limitedCount).toBeGreaterThan(0);
    expect(ok + limitedCount).toBe(1000);
    await sleep(20);
    await sync(b.socket);
    expect(bSeen.filter((e) => e.event === 'signal')).toHaveLength(ok);
    expect(bSeen.every((e) => e.event === 'signal')).toBe(true);
    await sync(other.socket);
    expect(otherSeen).toEqual([]);
    await sleep(1000);
    expect(await emitAck(a.socket, 'signal', { to: b.welcome.self.id, candidate: null })).toEqual({ ok: true });
    expect(a.socket.connected).toBe(true);
  });

  test('50 signals a second, sustained for 3 s, all pass', async () => {
    const room = `flood-steady-${tag}`;
    const a = await join(limited.url, { room, name: 'Steady' });
    const b = await join(limited.url, { room, name: 'Target' });
    const replies: Array<Promise<{ ok: boolean }>> = [];
    for (let tick = 0; tick < 30; tick++) {
      for (let i = 0; i < 5; i++)
        replies.push(emitAck(a.socket, 'signal', { to: b.welcome.self.id, candidate: { candidate: `t${tick}-${i}` } }));
      await sleep(100);
    }
    expect((await Promise.all(replies)).every((r) => r.ok)).toBe(true);
  });

  test('an event flood (chat) is RATE_LIMITED; only accepted messages are stored and delivered', async () => {
    const room = `flood-chat-${tag}`;
    const a = await join(limited.url, { room, name: 'Chatty' });
    const b = await join(limited.url, { room, name: 'Reader' });
    const bSeen = record(b.socket);
    const replies = await Promise.all(Array.from({ length: 150 }, (_, i) => emitAck(a.socket, 'chat:send', { text: `spam ${i}` })));
    const ok = replies.filter((r) => r.ok).length;
    expect(ok).toBeGreaterThan(0);
    expect(ok).toBeLessThan(150);
    expect(replies.filter((r) => !r.ok).every((r) => !r.ok && r.error.code === 'RATE_LIMITED')).toBe(true);
    await sync(b.socket);
    expect(bSeen.filter((e) => e.event === 'chat:message')).toHaveLength(ok);
    expect((await limited.parley.store.chat(room)).length).toBe(Math.min(ok, limited.config.chatHistory));
    await sleep(1000);
    expect(await emitAck(a.socket, 'chat:send', { text: 'calm again' })).toMatchObject({ ok: true });
  });

  test('a lobby flood is RATE_LIMITED and watching is bounded; a new lobby socket works at once', async () => {
    const s = connect(limited.url, '/lobby');
    const replies = await Promise.all(Array.from({ length: 120 }, () => emitAck(s, 'lobby:peek', { room: 'anything' })));
    expect(replies.some((r) => !r.ok && r.error.code === 'RATE_LIMITED')).toBe(true);
    const watcherSocket = connect(limited.url, '/lobby');
    const watches = [];
    for (let i = 0; i < 10; i++) watches.push(await emitAck(watcherSocket, 'lobby:watch', { room: `w-${i}` }));
    expect(watches.slice(0, 8).every((r) => r.ok)).toBe(true);
    expect(watches.slice(8)).toEqual([
      expect.objectContaining({ ok: false, error: expect.objectContaining({ code: 'RATE_LIMITED' }) }),
      expect.anything(),
    ]);
    const fresh = connect(limited.url, '/lobby');
    expect(await emitAck(fresh, 'lobby:peek', { room: 'anything' })).toMatchObject({ ok: true });
  });

  test('a handshake flood from one address is RATE_LIMITED, and the address gets back in once it slows down', async () => {
    const room = `flood-join-${tag}`;
    await sleep(2500); // earlier tests in this block used some of the address's budget
    const outcomes = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) => join(limited.url, { room: `${room}-${i}`, name: 'Knock' })),
    );
    const refusedCodes = outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason.message as string);
    expect(refusedCodes.length).toBeGreaterThan(0);
    expect(new Set(refusedCodes)).toEqual(new Set(['RATE_LIMITED']));
    closeAll();
    await sleep(1000);
    const back = await join(limited.url, { room, name: 'Patient' });
    expect(back.welcome.self.name).toBe('Patient');
  });
});
