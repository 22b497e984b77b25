/**
 * Hostile input against three replicas on one real redis-server, over HTTP, both Socket.IO namespaces and
 * raw Engine.IO WebSocket frames. Every case is refused with a code, dropped, or closes only the sender's
 * connection (a few are accepted with the server's own values in place of forged ones, or admitted the same
 * way on every replica); nothing reaches anybody outside the sender's room, nothing refused reaches anybody
 * inside it, room state does not change, and every replica still serves at the end. Totals are printed.
 */
import type { Socket } from 'socket.io-client';
import type { ErrorCode, Peer } from '../../server/protocol/events';
import { CANDIDATE_MAX, SDP_MAX } from '../../server/protocol/limits';
import { issueResume } from '../../server/realtime/resume';
import type { RoomSnapshot } from '../../server/rooms/store';
import { closeAll, connect, disconnected, emitAck, join, record, refused, sleep, sync, waitFor, type Joined } from '../helpers/client';
import { startCluster, type Cluster } from '../helpers/cluster';
import { startRedis, type RedisProcess } from '../helpers/procs';
import { rawConnect, rawHttp, rawJoin, request, type RawConn } from '../security/raw';
import { BAD_HANDSHAKES, big, raw } from '../helpers/hostile-inputs';

jest.setTimeout(60_000);

type Outcome = 'refused' | 'dropped' | 'closed' | 'replaced' | 'admitted' | 'served';
const tally = { cases: 0, refused: 0, dropped: 0, closed: 0, replaced: 0, admitted: 0, served: 0, crashes: 0, leaked: 0 };
const count = (o: Outcome) => {
  tally.cases++;
  tally[o]++;
};

let redis: RedisProcess;
let cluster: Cluster;
const url = (i: number) => cluster.replicas[i % 3].url;
const port = (i: number) => cluster.replicas[i % 3].port;
const tag = Date.now().toString(36);
let seq = 0;
/** Every client gets its own address (the replicas trust X-Forwarded-For here), so only floods meet a limit. */
const nextAddr = () => {
  const n = ++seq;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
};
const from = (address: string) => ({ extraHeaders: { 'x-forwarded-for': address } });
const fresh = (what: string) => `${what}-${tag}-${++seq}`;

const roomA = `hostile-a-${tag}`;
const roomB = `hostile-b-${tag}`;
/** Room A: Mal (host, replica 0), Gus (1), Bea (2). Room B: Oz (0), Ola (1), Obi (2). */
let mal: Joined, gus: Joined, bea: Joined, oz: Joined, ola: Joined, obi: Joined;
/** Lobby sockets that attack, one per replica; lobby watchers of A and of B on every replica. */
const attackers: Socket[] = [];
const watchA: Socket[] = [];
const watchB: Socket[] = [];
let insideLogs: Record<string, ReturnType<typeof record>>;
let outsideLogs: Record<string, ReturnType<typeof record>>;
/** Room B's side, never cleared: must stay empty for the whole suite. */
let outsideEver: Array<ReturnType<typeof record>>;

beforeAll(async () => {
  redis = await startRedis();
  cluster = await startCluster(redis.url, 3, { resumeGraceMs: 1500, trustProxy: true, joinRatePerAddr: 5, joinBurstPerAddr: 20 });
  mal = await join(url(0), { room: roomA, name: 'Mal' }, from('10.200.0.1'));
  gus = await join(url(1), { room: roomA, name: 'Gus' }, from('10.200.0.2'));
  bea = await join(url(2), { room: roomA, name: 'Bea' }, from('10.200.0.3'));
  oz = await join(url(0), { room: roomB, name: 'Oz' }, from('10.200.0.4'));
  ola = await join(url(1), { room: roomB, name: 'Ola' }, from('10.200.0.5'));
  obi = await join(url(2), { room: roomB, name: 'Obi' }, from('10.200.0.6'));
  await emitAck(bea.socket, 'chat:send', { text: 'history before the attack' });
  await emitAck(oz.socket, 'chat:send', { text: 'room B history' });
  for (let i = 0; i < 3; i++) {
    attackers.push(connect(url(i), '/lobby', from(nextAddr())));
    watchA.push(connect(url(i), '/lobby', from(nextAddr())));
    watchB.push(connect(url(i), '/lobby', from(nextAddr())));
    await emitAck(watchA[i], 'lobby:watch', { room: roomA });
    await emitAck(watchB[i], 'lobby:watch', { room: roomB });
  }
  await sleep(300); // the joins' own announcements have arrived everywhere
  insideLogs = { mal: record(mal.socket), gus: record(gus.socket), bea: record(bea.socket) };
  watchA.forEach((w, i) => (insideLogs[`lobby-a${i}`] = record(w)));
  outsideLogs = { oz: record(oz.socket), ola: record(ola.socket), obi: record(obi.socket) };
  watchB.forEach((w, i) => (outsideLogs[`lobby-b${i}`] = record(w)));
  outsideEver = [oz.socket, ola.socket, obi.socket, ...watchB].map((s) => record(s));
});

afterAll(async () => {
  closeAll();
  await cluster?.close();
  await redis?.stop();
  console.log(
    `hostile input, 3 replicas: ${tally.cases} cases: ${tally.refused} refused with a code, ${tally.dropped} dropped, ` +
      `${tally.closed} closed the connection, ${tally.replaced} accepted with forged fields replaced, ` +
      `${tally.admitted} admitted alike on every replica, ${tally.served} served without reflecting input; ` +
      `${tally.crashes} crashes, ${tally.leaked} leaked deliveries`,
  );
});

/** Room state of A and B as the store has it (without lease times, which heartbeats renew). */
async function state(): Promise<unknown> {
  const strip = (s: RoomSnapshot | null) => s && { ...s, members: s.members.map(({ expiresAt: _e, ...m }) => m) };
  const { store } = cluster.replicas[0].parley;
  return {
    a: strip(await store.snapshot(roomA)),
    b: strip(await store.snapshot(roomB)),
    chatA: await store.chat(roomA),
    chatB: await store.chat(roomB),
  };
}

const everyone = () => [mal.socket, gus.socket, bea.socket, oz.socket, ola.socket, obi.socket, ...watchA, ...watchB];

function clearLogs(): void {
  for (const log of [...Object.values(insideLogs), ...Object.values(outsideLogs)]) log.length = 0;
}

/** Anything a replica sent because of the case has reached every observer (fan-out through Redis, then a round trip). */
async function settle(sender?: { connected: boolean } & Socket): Promise<void> {
  if (sender?.connected) await sync(sender);
  await sleep(100);
  await Promise.all(everyone().map((s) => sync(s)));
}

/** What observers received; outside-room deliveries count as leaks. `expected` lists deliveries that are right. */
function expectQuiet(expected: Record<string, number> = {}): void {
  const noisy = (logs: Record<string, ReturnType<typeof record>>) =>
    Object.entries(logs)
      .filter(([who, log]) => log.length !== (expected[who] ?? 0))
      .map(([who, log]) => `${who}: ${JSON.stringify(log).slice(0, 300)}`);
  const outside = noisy(outsideLogs);
  const inside = noisy(insideLogs);
  tally.leaked += Object.values(outsideLogs).reduce((n, l) => n + l.length, 0);
  expect(outside).toEqual([]);
  expect(inside).toEqual([]);
}

/** The cheap crash check after every case: each replica answers /healthz. */
async function alive(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${url(i)}/healthz`, { signal: AbortSignal.timeout(5000) });
    expect(res.status).toBe(200);
  }
}

const OFFER = { type: 'offer', sdp: 'v=0\r\n' };
const nested = (depth: number): unknown => {
  let v: unknown = 'deep';
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};
const notPolluted = () => {
  for (const key of ['polluted', 'x', 'host', 'locked', 'name'])
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, key) ? key : undefined).toBeUndefined();
};

// ---------------------------------------------------------------------------------------------------------
// Events from members of room A (and from lobby sockets)

type Ctx = { self: string; host: string; guest: string; bystander: string; outsider: string };
interface EventCase {
  name: string;
  by: 'host' | 'guest' | 'lobby';
  event: string;
  args: (c: Ctx) => unknown[];
  /** The refusal code; 'dropped' for an event without an ack; 'replaced' for a signal whose forged `from` is replaced. */
  expect: ErrorCode | 'dropped' | 'replaced';
}
const BAD: ErrorCode = 'BAD_REQUEST';
const TOO_BIG: ErrorCode = 'PAYLOAD_TOO_LARGE';
const ev = (name: string, by: EventCase['by'], event: string, args: EventCase['args'], expect: EventCase['expect'] = BAD): EventCase => ({
  name,
  by,
  event,
  args,
  expect,
});

/** A valid payload of each event, by whom it would be valid; every generated case breaks exactly one thing. */
const VALID: Array<{ event: string; by: EventCase['by']; payload: (c: Ctx) => Record<string, unknown> }> = [
  {
    event: 'signal',
    by: 'guest',
    payload: (c) => ({
      to: c.bystander,
      description: { ...OFFER },
      candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'u' },
    }),
  },
  { event: 'media', by: 'guest', payload: () => ({ audio: false, video: false, screen: true }) },
  { event: 'hand', by: 'guest', payload: () => ({ raised: true }) },
  { event: 'chat:send', by: 'guest', payload: () => ({ text: 'hello' }) },
  { event: 'host:lock', by: 'host', payload: () => ({ locked: true }) },
  { event: 'host:kick', by: 'host', payload: (c) => ({ id: c.bystander }) },
  { event: 'host:mute', by: 'host', payload: (c) => ({ id: c.bystander }) },
  { event: 'lobby:peek', by: 'lobby', payload: () => ({ room: roomB }) },
  { event: 'lobby:watch', by: 'lobby', payload: () => ({ room: roomB }) },
];

/** Paths of the leaves (and inner objects) of a payload. */
function paths(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const inner = Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => paths(v, [...prefix, k]));
  return prefix.length > 0 ? [prefix, ...inner] : inner;
}
function setPath(obj: Record<string, unknown>, path: string[], v: unknown): Record<string, unknown> {
  const copy = structuredClone(obj);
  let at = copy;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string, unknown>;
  at[path[path.length - 1]] = v;
  return copy;
}
const SAMPLE: Ctx = { self: 's', host: 'h', guest: 'g', bystander: 'b', outsider: 'o' };
const BINARIES: Array<[string, () => unknown]> = [
  ['a Buffer', () => Buffer.from('x')],
  ['an ArrayBuffer', () => new ArrayBuffer(8)],
  ['a Uint8Array', () => new Uint8Array([1, 2, 3])],
];

const generated: EventCase[] = VALID.flatMap(({ event, by, payload }) => [
  // wrong types for the whole payload
  ev(`${event}: a string payload`, by, event, () => ['payload']),
  ev(`${event}: a number payload`, by, event, () => [42]),
  ev(`${event}: a null payload`, by, event, () => [null]),
  ev(`${event}: the payload in an array`, by, event, (c) => [[payload(c)]]),
  ev(`${event}: a boolean payload`, by, event, () => [true]),
  ev(`${event}: no payload`, by, event, () => []),
  ev(`${event}: an extra argument`, by, event, (c) => [payload(c), 'extra']),
  ev(`${event}: an unknown key`, by, event, (c) => [{ ...payload(c), sneaky: true }]),
  ev(`${event}: invalid, without an ack`, by, event, () => [{ nonsense: 1 }], 'dropped'),
  // prototype keys as own keys (as JSON.parse makes them)
  ...['__proto__', 'constructor', 'prototype'].map((key) =>
    ev(`${event}: own "${key}" key`, by, event, (c) => [
      raw(JSON.stringify(payload(c)).replace(/^\{/, `{"${key}":{"polluted":1,"host":true},`)),
    ]),
  ),
  // binary attachments: the whole payload, then each field in turn
  ...BINARIES.map(([what, make]) => ev(`${event}: ${what} as the payload`, by, event, () => [make()])),
  ...paths(payload(SAMPLE)).flatMap((path) =>
    BINARIES.map(([what, make]) => ev(`${event}: ${what} as ${path.join('.')}`, by, event, (c) => [setPath(payload(c), path, make())])),
  ),
]);

const handwritten: EventCase[] = [
  // sizes
  ev('signal: to of 65 characters', 'guest', 'signal', () => [{ to: big(65), candidate: null }], TOO_BIG),
  ev('signal: to of 100,000 characters', 'guest', 'signal', () => [{ to: big(60_000), candidate: null }], TOO_BIG),
  ev(
    'signal: sdp over the limit',
    'guest',
    'signal',
    (c) => [{ to: c.bystander, description: { type: 'offer', sdp: big(SDP_MAX + 1) } }],
    TOO_BIG,
  ),
  ev(
    'signal: candidate over the limit',
    'guest',
    'signal',
    (c) => [{ to: c.bystander, candidate: { candidate: big(CANDIDATE_MAX + 1) } }],
    TOO_BIG,
  ),
  ev(
    'signal: sdpMid over the limit',
    'guest',
    'signal',
    (c) => [{ to: c.bystander, candidate: { candidate: 'c', sdpMid: big(65) } }],
    TOO_BIG,
  ),
  ev(
    'signal: usernameFragment over the limit',
    'guest',
    'signal',
    (c) => [{ to: c.bystander, candidate: { usernameFragment: big(257) } }],
    TOO_BIG,
  ),
  ev('signal: sdpMLineIndex 1025', 'guest', 'signal', (c) => [{ to: c.bystander, candidate: { sdpMLineIndex: 1025 } }]),
  ev('signal: sdpMLineIndex NaN-like string', 'guest', 'signal', (c) => [{ to: c.bystander, candidate: { sdpMLineIndex: 'NaN' } }]),
  ev('signal: sdpMLineIndex 1e308', 'guest', 'signal', (c) => [{ to: c.bystander, candidate: { sdpMLineIndex: 1e308 } }]),
  ev('signal: deeply nested description', 'guest', 'signal', (c) => [{ to: c.bystander, description: nested(3000) }]),
  ev('chat: 2,001 characters', 'guest', 'chat:send', () => [{ text: big(2001) }], TOO_BIG),
  ev('chat: 60,000 characters', 'guest', 'chat:send', () => [{ text: big(60_000) }], TOO_BIG),
  ev(
    // Lengths count characters (code points), not UTF-16 units: 2,000 emoji fit, 2,001 do not.
    'chat: 2,001 astral characters',
    'guest',
    'chat:send',
    () => [{ text: '😀'.repeat(2001) }],
    TOO_BIG,
  ),
  ev('chat: empty text', 'guest', 'chat:send', () => [{ text: '' }]),
  ev('chat: a lone surrogate', 'guest', 'chat:send', () => [{ text: 'broken \ud800 text' }]),
  ev('chat: a lone low surrogate', 'guest', 'chat:send', () => [{ text: '\udfff' }]),
  ev('lobby:peek: room of 65 characters', 'lobby', 'lobby:peek', () => [{ room: 'a'.repeat(65) }]),
  ev('lobby:peek: room of 50,000 characters', 'lobby', 'lobby:peek', () => [{ room: 'a'.repeat(50_000) }]),
  // encodings and unicode in identifiers
  ev('lobby:peek: room with a zero-width space', 'lobby', 'lobby:peek', () => [{ room: `${roomA}\u200b` }]),
  ev('lobby:peek: room with a right-to-left override', 'lobby', 'lobby:peek', () => [{ room: `\u202e${roomA}` }]),
  ev('lobby:peek: room with a NUL', 'lobby', 'lobby:peek', () => [{ room: `${roomA}\u0000` }]),
  ev('lobby:peek: room of full-width letters', 'lobby', 'lobby:peek', () => [{ room: 'ａｂｃ' }]),
  ev('lobby:peek: room "../etc"', 'lobby', 'lobby:peek', () => [{ room: '../etc' }]),
  ev('lobby:watch: room "__proto__"', 'lobby', 'lobby:watch', () => [{ room: '__proto__' }]),
  ev('signal: to with a zero-width space', 'guest', 'signal', (c) => [{ to: `${c.bystander}\u200b`, candidate: null }], 'NOT_IN_ROOM'),
  ev('signal: to with a NUL', 'guest', 'signal', (c) => [{ to: `${c.bystander}\u0000`, candidate: null }], 'NOT_IN_ROOM'),
  ev('signal: to "__proto__"', 'guest', 'signal', () => [{ to: '__proto__', candidate: null }], 'NOT_IN_ROOM'),
  ev('signal: to "constructor"', 'guest', 'signal', () => [{ to: 'constructor', candidate: null }], 'NOT_IN_ROOM'),
  ev('signal: to "hasOwnProperty"', 'guest', 'signal', () => [{ to: 'hasOwnProperty', candidate: null }], 'NOT_IN_ROOM'),
  // other rooms
  ev('signal: to Oz (room B, replica 0)', 'guest', 'signal', () => [{ to: oz.welcome.self.id, description: OFFER }], 'NOT_IN_ROOM'),
  ev('signal: to Ola (room B, replica 1)', 'guest', 'signal', () => [{ to: ola.welcome.self.id, description: OFFER }], 'NOT_IN_ROOM'),
  ev('signal: to Obi (room B, replica 2)', 'guest', 'signal', () => [{ to: obi.welcome.self.id, candidate: null }], 'NOT_IN_ROOM'),
  ev('signal: by the host to Ola', 'host', 'signal', () => [{ to: ola.welcome.self.id, candidate: null }], 'NOT_IN_ROOM'),
  ev(
    'signal: by the host to Obi, forged from Oz',
    'host',
    'signal',
    () => [{ to: obi.welcome.self.id, from: oz.welcome.self.id, candidate: null }],
    'NOT_IN_ROOM',
  ),
  ev('signal: to another room, without an ack', 'guest', 'signal', (c) => [{ to: c.outsider, description: OFFER }], 'dropped'),
  ev('signal: to oneself', 'guest', 'signal', (c) => [{ to: c.self, candidate: null }]),
  ev('signal: to an unknown PeerId', 'guest', 'signal', () => [{ to: 'no-such-peer', candidate: null }], 'NOT_IN_ROOM'),
  ev('signal: description null', 'guest', 'signal', (c) => [{ to: c.bystander, description: null }]),
  ev('signal: neither description nor candidate', 'guest', 'signal', (c) => [{ to: c.bystander }]),
  ev('signal: description of type "hijack"', 'guest', 'signal', (c) => [{ to: c.bystander, description: { type: 'hijack' } }]),
  // forged fields: accepted, with the server's own idea of the sender
  ev('signal: forged from (the host)', 'guest', 'signal', (c) => [{ to: c.bystander, from: c.host, candidate: null }], 'replaced'),
  ev(
    'signal: forged from (the recipient itself)',
    'guest',
    'signal',
    (c) => [{ to: c.bystander, from: c.bystander, candidate: null }],
    'replaced',
  ),
  ev(
    'signal: forged from (a PeerId of room B)',
    'guest',
    'signal',
    (c) => [{ to: c.bystander, from: c.outsider, candidate: null }],
    'replaced',
  ),
  ev(
    'signal: forged from as an object',
    'guest',
    'signal',
    (c) => [{ to: c.bystander, from: { id: c.host }, candidate: null }],
    'replaced',
  ),
  ev(
    'signal: forged from as a Buffer',
    'guest',
    'signal',
    (c) => [{ to: c.bystander, from: Buffer.from(c.host), candidate: null }],
    'replaced',
  ),
  ev('signal: forged from, by the host', 'host', 'signal', (c) => [{ to: c.bystander, from: c.guest, candidate: null }], 'replaced'),
  ev('chat: forged from and name', 'guest', 'chat:send', (c) => [{ text: 'a', from: c.host, name: 'Mal' }]),
  ev('media: forged id', 'guest', 'media', (c) => [{ id: c.host, audio: false, video: false, screen: false }]),
  // host powers
  ev('host:lock by a guest', 'guest', 'host:lock', () => [{ locked: true }], 'NOT_HOST'),
  ev('host:kick by a guest', 'guest', 'host:kick', (c) => [{ id: c.host }], 'NOT_HOST'),
  ev('host:kick by a guest, forged by', 'guest', 'host:kick', (c) => [{ id: c.bystander, by: c.host }]),
  ev('host:mute by a guest', 'guest', 'host:mute', (c) => [{ id: c.bystander }], 'NOT_HOST'),
  ev('host:mute by a guest, without an ack', 'guest', 'host:mute', (c) => [{ id: c.bystander }], 'dropped'),
  ev('host:kick of oneself', 'host', 'host:kick', (c) => [{ id: c.self }]),
  ev('host:kick of Oz (room B)', 'host', 'host:kick', () => [{ id: oz.welcome.self.id }], 'NOT_IN_ROOM'),
  ev('host:kick of Obi (room B)', 'host', 'host:kick', () => [{ id: obi.welcome.self.id }], 'NOT_IN_ROOM'),
  ev('host:mute of Ola (room B)', 'host', 'host:mute', () => [{ id: ola.welcome.self.id }], 'NOT_IN_ROOM'),
  ev('host:mute of "__proto__"', 'host', 'host:mute', () => [{ id: '__proto__' }], 'NOT_IN_ROOM'),
  // unknown and misplaced events
  ev('unknown event with an ack', 'guest', 'admin:shutdown', () => [{}]),
  ev('unknown event without an ack', 'guest', 'admin:shutdown', () => [{}], 'dropped'),
  ev('a /lobby event on /room', 'guest', 'lobby:peek', () => [{ room: roomB }]),
  ev('a server event name (peer:left)', 'guest', 'peer:left', (c) => [{ id: c.bystander, reason: 'kicked' }]),
  ev('a server event name (room:welcome), without an ack', 'guest', 'room:welcome', () => [{}], 'dropped'),
  ev('a server event name (signal) on /lobby', 'lobby', 'signal', () => [{ to: oz.welcome.self.id, candidate: null }]),
  ev('event named __proto__', 'guest', '__proto__', () => [{}]),
  ev('event named constructor', 'host', 'constructor', () => [{}]),
  ev('event named toString, without an ack', 'guest', 'toString', () => [], 'dropped'),
  ev('event named with a zero-width space', 'guest', 'chat:send\u200b', () => [{ text: 'hi' }]),
  ev('event named with an RTL override', 'guest', '\u202esend:chat', () => [{ text: 'hi' }]),
  ev('event name of 10,000 characters', 'guest', big(10_000), () => [{}]),
  ev('lobby: a /room event', 'lobby', 'chat:send', () => [{ text: 'hi' }]),
  ev('lobby: unknown event without an ack', 'lobby', 'lobby:spam', () => [{ room: roomA }], 'dropped'),
  ev('room:leave with a payload', 'guest', 'room:leave', () => [{ everyone: true }]),
  ev('room:leave with a payload, without an ack', 'guest', 'room:leave', () => [{ reason: 'kicked' }], 'dropped'),
];

const EVENTS = [...generated, ...handwritten];

describe('events over socket.io-client, senders on every replica', () => {
  test.each(EVENTS.map((c, i) => [c.name, c, i] as const))('%s', async (_name, kase, i) => {
    // Guests alternate between Gus (replica 1) and Bea (replica 2); lobby attackers rotate over the replicas.
    const guest = i % 2 === 0 ? gus : bea;
    const other = guest === gus ? bea : gus;
    const sender = kase.by === 'host' ? mal.socket : kase.by === 'guest' ? guest.socket : attackers[i % 3];
    const self = kase.by === 'host' ? mal.welcome.self.id : guest.welcome.self.id;
    const ctx: Ctx = {
      self,
      host: mal.welcome.self.id,
      guest: other.welcome.self.id,
      bystander: kase.by === 'host' ? gus.welcome.self.id : other.welcome.self.id,
      outsider: [oz, ola, obi][i % 3].welcome.self.id,
    };
    const before = await state();
    await settle();
    clearLogs();
    const args = kase.args(ctx);
    if (kase.expect === 'dropped') {
      sender.emit(kase.event, ...args);
      count('dropped');
    } else {
      const reply = (await sender.timeout(5000).emitWithAck(kase.event, ...args)) as {
        ok: boolean;
        error?: { code: string; message: string };
      };
      if (kase.expect === 'replaced') {
        expect(reply).toEqual({ ok: true });
        count('replaced');
      } else {
        expect(reply).toEqual({ ok: false, error: { code: kase.expect, message: expect.any(String) } });
        expect(reply.error?.message).not.toMatch(/\n\s+at |Error:|zod|node_modules|redis/i);
        count('refused');
      }
    }
    await settle(sender);
    expect(sender.connected).toBe(true);
    if (kase.expect === 'replaced') {
      const who = Object.entries({ mal, gus, bea }).find(([, j]) => j.welcome.self.id === ctx.bystander)?.[0] as string;
      const got = insideLogs[who].map((e) => e.args[0]);
      expect(insideLogs[who].map((e) => e.event)).toEqual(['signal']);
      expect(got[0]).toEqual({ from: self, candidate: null });
      expectQuiet({ [who]: 1 });
    } else {
      expectQuiet();
    }
    expect(await state()).toEqual(before);
    notPolluted();
    await alive();
  });
});

// ---------------------------------------------------------------------------------------------------------
// Handshakes: refused on every replica with BAD_REQUEST; Unicode names admitted alike on every replica

const HANDSHAKES = BAD_HANDSHAKES;

describe('handshakes, on every replica', () => {
  const cases = HANDSHAKES.flatMap(([name, auth]) => [0, 1, 2].map((r) => [`${name} (replica ${r})`, auth, r] as const));
  test.each(cases)('refused: %s', async (_name, auth, r) => {
    const before = await state();
    await settle();
    clearLogs();
    const refusal = await refused(url(r), auth as Record<string, unknown>, from(nextAddr()));
    expect(refusal.message).toBe('BAD_REQUEST');
    expect(refusal.data).toEqual({ code: 'BAD_REQUEST', message: expect.any(String) });
    count('refused');
    await settle();
    expectQuiet();
    expect(await state()).toEqual(before);
    expect(await cluster.replicas[0].parley.store.snapshot('hs-room')).toBeNull();
    await alive();
  });

  // Format characters (bidi overrides, zero-width) are not control characters: such names are allowed, stored
  // trimmed and otherwise verbatim, and read the same on every replica (the page renders them as text).
  const UNICODE_NAMES: Array<[string, string, string]> = [
    ['a right-to-left override', '\u202eevil\u202c', '\u202eevil\u202c'],
    ['a zero-width space', 'Ze\u200bd', 'Ze\u200bd'],
    ['a zero-width joiner sequence', '👩\u200d💻 Dev', '👩\u200d💻 Dev'],
    ['only zero-width characters', '\u200b\u200c', '\u200b\u200c'],
    ['a byte order mark around it (trimmed)', '\ufeffZed\ufeff', 'Zed'],
    ['no-break spaces around it (trimmed)', '\u00a0Zed\u2003', 'Zed'],
    ['combining marks', 'Z\u0301e\u0308d', 'Z\u0301e\u0308d'],
    ['40 astral characters (80 UTF-16 units: lengths count characters)', '😀'.repeat(40), '😀'.repeat(40)],
    ['Arabic and Hebrew', 'زيد שלום', 'زيد שלום'],
    ['markup', '<img src=x onerror=alert(1)>', '<img src=x onerror=alert(1)>'],
  ];
  const admitted = UNICODE_NAMES.flatMap(([what, name, stored]) =>
    [0, 1, 2].map((r) => [`${what} (replica ${r})`, name, stored, r] as const),
  );
  test.each(admitted)('admitted alike: a name with %s', async (_what, name, stored, r) => {
    const room = fresh('uni');
    const observer = await join(url(r + 1), { room, name: 'Watcher' }, from(nextAddr()));
    const lobby = connect(url(r + 2), '/lobby', from(nextAddr()));
    await settle();
    clearLogs();
    const joined = waitFor<Peer>(observer.socket, 'peer:joined');
    const p = await join(url(r), { room, name }, from(nextAddr()));
    expect(p.welcome.self.name).toBe(stored);
    expect((await joined).name).toBe(stored);
    const peek = await emitAck<{ room: { names: string[] } }>(lobby, 'lobby:peek', { room });
    expect(peek.ok && peek.room.names).toEqual(['Watcher', stored]);
    count('admitted');
    await emitAck(p.socket, 'room:leave');
    await emitAck(observer.socket, 'room:leave');
    lobby.close();
    await settle();
    expectQuiet();
    await alive();
  });
});

// ---------------------------------------------------------------------------------------------------------
// Resume tokens and kicks across replicas

describe('resume tokens and bans, across replicas', () => {
  const secret = () => cluster.replicas[0].config.secret;
  const now = () => Math.floor(Date.now() / 1000);
  const flip = (s: string, at: number) => s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  /** The same signature bytes, spelt differently: the last character of 32 bytes in base64 has 2 unused bits. */
  const spareBits = (token: string) => token.slice(0, -1) + B64[B64.indexOf(token.slice(-1)) ^ 1];
  const TOKENS: Array<[string, () => { room: string; token: unknown }]> = [
    ['a token of room B presented for room A', () => ({ room: roomA, token: oz.welcome.resume })],
    ['a token of room A presented for room B', () => ({ room: roomB, token: gus.welcome.resume })],
    ['a token with a tampered signature', () => ({ room: roomA, token: flip(gus.welcome.resume, gus.welcome.resume.length - 3) })],
    ['a token with a tampered body', () => ({ room: roomA, token: flip(gus.welcome.resume, 2) })],
    ['a token cut short', () => ({ room: roomA, token: gus.welcome.resume.slice(0, -5) })],
    ['a token with a second dot', () => ({ room: roomA, token: `${gus.welcome.resume}.x` })],
    ['a token with a trailing space', () => ({ room: roomA, token: `${gus.welcome.resume} ` })],
    ['a token with padding added', () => ({ room: roomA, token: `${gus.welcome.resume}=` })],
    ['a token with a space inside its signature', () => ({ room: roomA, token: gus.welcome.resume.replace(/(.{5})$/, ' $1') })],
    ['a token whose last character differs only in unused bits', () => ({ room: roomA, token: spareBits(gus.welcome.resume) })],
    [
      'the body of one token with the signature of another',
      () => ({ room: roomA, token: `${gus.welcome.resume.split('.')[0]}.${bea.welcome.resume.split('.')[1]}` }),
    ],
    [
      'an expired token (25 h old)',
      () => ({ room: roomA, token: issueResume(secret(), { room: roomA, peer: gus.welcome.self.id, iat: now() - 25 * 3600 }) }),
    ],
    [
      'a token issued in the future',
      () => ({ room: roomA, token: issueResume(secret(), { room: roomA, peer: gus.welcome.self.id, iat: now() + 3600 }) }),
    ],
    [
      'a token signed with another secret',
      () => ({ room: roomA, token: issueResume('another-secret-0123456789', { room: roomA, peer: gus.welcome.self.id, iat: now() }) }),
    ],
    ['a token of 513 characters', () => ({ room: roomA, token: big(513) })],
    ['an empty token', () => ({ room: roomA, token: '' })],
    ['a token that is an object', () => ({ room: roomA, token: { peer: gus.welcome.self.id } })],
  ];
  const cases = TOKENS.flatMap(([name, make]) => [0, 1, 2].map((r) => [`${name} (replica ${r})`, make, r] as const));
  test.each(cases)('refused: %s', async (_name, make, r) => {
    const before = await state();
    await settle();
    clearLogs();
    const { room, token } = make();
    const refusal = await refused(url(r), { room, name: 'Gus', resume: token }, from(nextAddr()));
    expect(refusal.data?.code).toBe('BAD_REQUEST');
    count('refused');
    await settle();
    expectQuiet();
    expect(await state()).toEqual(before);
    expect(gus.socket.connected).toBe(true);
    await alive();
  });

  test('a kicked participant is BANNED on every replica: by its token, by its name from its address, in any case', async () => {
    const room = fresh('kick');
    const host = await join(url(0), { room, name: 'Hank' }, from('10.201.0.1'));
    const kip = await join(url(1), { room, name: 'Kip' }, from('10.201.0.2'));
    const gone = disconnected(kip.socket);
    expect(await emitAck(host.socket, 'host:kick', { id: kip.welcome.self.id })).toEqual({ ok: true });
    await gone;
    const snapAfterKick = await cluster.replicas[0].parley.store.snapshot(room);
    await settle();
    clearLogs();
    for (let r = 0; r < 3; r++) {
      for (const auth of [
        { room, name: 'Kip', resume: kip.welcome.resume },
        { room, name: 'Someone else', resume: kip.welcome.resume },
        { room, name: 'Kip' },
        { room, name: 'KIP' },
        { room: room.toUpperCase(), name: ' kip ' },
      ]) {
        const refusal = await refused(url(r), auth, from('10.201.0.2'));
        expect(refusal.data?.code).toBe('BANNED');
        count('refused');
      }
    }
    const strip = (s: RoomSnapshot | null) => s && s.members.map((m) => [m.id, m.name, m.sid]);
    expect(strip(await cluster.replicas[0].parley.store.snapshot(room))).toEqual(strip(snapAfterKick));
    await settle();
    expectQuiet();
    await alive();
  });
});

// ---------------------------------------------------------------------------------------------------------
// Raw Engine.IO frames: malformed Socket.IO packets, invalid UTF-8, binary placeholder abuse

type Frame = string | { binary: Buffer } | { text: Buffer };
interface RawCase {
  name: string;
  frames: (me: string) => Frame[];
  expect: 'closed' | 'dropped' | 'refused';
}
const rc = (name: string, frames: RawCase['frames'], expect: RawCase['expect']): RawCase => ({ name, frames, expect });
const RAW: RawCase[] = [
  rc('42["signal" (truncated JSON, main namespace)', () => ['42["signal"'], 'closed'),
  rc('42[{}] (an object as the event name)', () => ['42[{}]'], 'closed'),
  rc('42/room,["signal" (truncated JSON)', () => ['42/room,["signal"'], 'closed'),
  rc('42/room,[{}]', () => ['42/room,[{}]'], 'closed'),
  rc('42/room,{} (not an array)', () => ['42/room,{"0":"signal"}'], 'closed'),
  rc('42/room,"signal" (a string)', () => ['42/room,"signal"'], 'closed'),
  rc('42/room,[] (no event name)', () => ['42/room,[]'], 'closed'),
  rc('42/room,[null]', () => ['42/room,[null]'], 'closed'),
  rc('4 (an empty Socket.IO packet)', () => ['4'], 'closed'),
  rc('9 (an unknown Engine.IO packet type)', () => ['9'], 'closed'),
  rc('49 (an unknown Socket.IO packet type)', () => ['49'], 'closed'),
  rc('4x (a letter as the packet type)', () => ['4x'], 'closed'),
  rc('an empty frame', () => [''], 'closed'),
  rc('41/room, (disconnect, then the connection stays)', () => ['41/room,'], 'dropped'),
  rc('44/room,{} (a connect_error sent by a client)', () => ['44/room,{"message":"x"}'], 'closed'),
  rc('43/room,1[] (an ack nobody asked for)', () => ['43/room,1[{"ok":true}]'], 'dropped'),
  rc('42/admin,[...] (a namespace not joined)', () => ['42/admin,["chat:send",{"text":"x"}]'], 'closed'),
  rc('42/room,["disconnect"] (a reserved event name)', () => ['42/room,["disconnect","forged"]'], 'closed'),
  rc('42/room,["connect"]', () => ['42/room,["connect"]'], 'closed'),
  rc('42/room,[123] (a number as the event name)', () => ['42/room,[123,{"text":"x"}]'], 'dropped'),
  rc(
    '42/room,99999999999999999999["signal"] (an overlong ack id)',
    (me) => [`42/room,99999999999999999999["signal",{"to":"${me}","candidate":null}]`],
    'refused',
  ),
  rc('42/room,-1[...] (a negative ack id)', () => ['42/room,-1["chat:send",{"text":"x"}]'], 'closed'),
  rc('signal to Oz of room B, with an ack', () => [`42/room,7["signal",{"to":"${oz.welcome.self.id}","candidate":null}]`], 'refused'),
  rc(
    'signal to Bea of room A, forged from Gus, with an ack',
    () => [`42/room,8["signal",{"to":"${bea.welcome.self.id}","from":"${gus.welcome.self.id}","candidate":null}]`],
    'refused',
  ),
  rc('host:kick of Mal (room A) by the host of its own room', () => [`42/room,9["host:kick",{"id":"${mal.welcome.self.id}"}]`], 'refused'),
  rc('chat with an own __proto__ key', () => ['42/room,10["chat:send",{"__proto__":{"polluted":1},"text":"x"}]'], 'refused'),
  rc('a second CONNECT to /room with bad auth', () => ['40/room,{"room":"../x","name":"Zed"}'], 'closed'),
  rc('a CONNECT to /admin', () => ['40/admin,'], 'refused'),
  rc('a CONNECT to /lobby whose auth is an array', () => ['40/lobby,["room","name"]'], 'closed'),
  rc('invalid UTF-8 in a text frame', () => [{ text: Buffer.from([0x34, 0x32, 0x2f, 0xff, 0xfe, 0xfd]) }], 'closed'),
  rc(
    'an overlong UTF-8 encoding of "/" in a text frame',
    () => [{ text: Buffer.concat([Buffer.from('42'), Buffer.from([0xc0, 0xaf]), Buffer.from('room,["x"]')]) }],
    'closed',
  ),
  rc(
    'a UTF-16 surrogate encoded as UTF-8 (CESU)',
    () => [{ text: Buffer.concat([Buffer.from('42/room,["chat:send",{"text":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}]')]) }],
    'closed',
  ),
  rc('a binary frame with no binary packet pending', () => [{ binary: Buffer.from([1, 2, 3]) }], 'closed'),
  rc(
    '451-["x",{"_placeholder":true,"num":99}] then its attachment',
    () => ['451-/room,["chat:send",{"_placeholder":true,"num":99}]', { binary: Buffer.from('x') }],
    'closed',
  ),
  rc('451-[...] with num -1', () => ['451-/room,["chat:send",{"_placeholder":true,"num":-1}]', { binary: Buffer.from('x') }], 'closed'),
  rc(
    '451-[...] with num "0" (a string)',
    () => ['451-/room,["chat:send",{"_placeholder":true,"num":"0"}]', { binary: Buffer.from('x') }],
    'closed',
  ),
  // Index 0.5 passes the parser's range check and reads as undefined: an invalid chat:send without an ack.
  rc('451-[...] with num 0.5', () => ['451-/room,["chat:send",{"_placeholder":true,"num":0.5}]', { binary: Buffer.from('x') }], 'dropped'),
  rc('4511-[...] (11 attachments announced, more than the parser takes)', () => ['4511-/room,["chat:send",{"text":"x"}]'], 'closed'),
  rc('450-[...] (zero attachments)', () => ['450-/room,["chat:send",{"text":"x"}]'], 'closed'),
  rc('45x-[...] (a letter as the attachment count)', () => ['45x-/room,["chat:send",{"text":"x"}]'], 'closed'),
  rc(
    '451-[...] with a placeholder as the text, and its attachment',
    () => ['451-/room,1["chat:send",{"text":{"_placeholder":true,"num":0}}]', { binary: Buffer.from('hello') }],
    'refused',
  ),
  rc(
    '452-[...] then a text frame instead of the second attachment',
    () => ['452-/room,["chat:send",{"_placeholder":true,"num":0}]', { binary: Buffer.from('x') }, '42/room,["x"]'],
    'closed',
  ),
  rc('a text frame above maxHttpBufferSize', () => [`42/room,["chat:send",{"text":"${big(70_000)}"}]`], 'closed'),
  rc(
    'a binary frame above maxHttpBufferSize',
    () => ['451-/room,["chat:send",{"_placeholder":true,"num":0}]', { binary: Buffer.alloc(70_000) }],
    'closed',
  ),
  rc('a 2 MB text frame', () => [big(2 * 1024 * 1024)], 'closed'),
  rc('an Engine.IO upgrade packet on an open socket', () => ['5'], 'dropped'),
  rc('an Engine.IO close packet (ignored on a WebSocket)', () => ['1'], 'dropped'),
];

describe('raw Engine.IO WebSocket frames, on every replica', () => {
  const cases = RAW.flatMap((c) => [0, 1, 2].map((r) => [`${c.name} (replica ${r})`, c, r] as const));
  const conns: RawConn[] = [];
  afterAll(() => conns.forEach((c) => c.close()));

  test.each(cases)('%s', async (_name, kase, r) => {
    const before = await state();
    const conn = await rawConnect(url(r), { 'x-forwarded-for': nextAddr() });
    conns.push(conn);
    const joined = await rawJoin(conn, { room: fresh('raw'), name: 'Raw' });
    if (!joined.ok) throw new Error(`the raw client was refused: ${joined.code}`);
    await settle();
    clearLogs();
    const sent = conn.frames.length;
    for (const f of kase.frames(joined.welcome.self.id)) {
      if (typeof f === 'string') conn.send(f);
      else if ('binary' in f) conn.send(f.binary, true);
      else conn.send(f.text, false);
    }
    // A round trip on the same connection: an unknown event with an ack is answered unless the connection closed.
    conn.send('42/room,424242["sync:ping"]');
    const pong = await conn.frame('43/room,424242', 5000);
    // Acks of events that await the room store come after the pong: give them a moment.
    const isReply = (f: string | Buffer): f is string => typeof f === 'string' && /^4[34]\/(room|admin),(?!424242)/.test(f);
    for (let waited = 0; pong !== null && waited < (kase.expect === 'refused' ? 5000 : 300); waited += 50) {
      if (conn.frames.slice(sent).some(isReply)) break;
      await sleep(50);
    }
    const replies = conn.frames.slice(sent).filter(isReply);
    let outcome: Outcome;
    if (pong === null) {
      await conn.closed;
      outcome = 'closed';
    } else if (replies.length > 0) {
      outcome = 'refused';
      for (const reply of replies) {
        const body = reply.slice(reply.indexOf(',') + 1).replace(/^\d+/, '');
        const parsed = JSON.parse(body) as unknown;
        const error = Array.isArray(parsed)
          ? (parsed[0] as { ok: boolean; error?: { code: string } })
          : (parsed as { data?: unknown; message?: string });
        expect(JSON.stringify(error)).toMatch(/"ok":false|"code":"BAD_REQUEST"|Invalid namespace/);
      }
    } else {
      outcome = 'dropped';
    }
    expect(outcome).toBe(kase.expect);
    count(outcome);
    conn.close();
    await settle();
    expectQuiet();
    expect(await state()).toEqual(before);
    notPolluted();
    await alive();
  });
});

// ---------------------------------------------------------------------------------------------------------
// HTTP: traversal under /assets/, encoded nulls, huge headers, bad methods, overlong room ids, junk queries

interface HttpCase {
  name: string;
  req: string;
  /** Accepted statuses; 0 means the connection was closed without an answer. */
  status: number[];
}
const hc = (name: string, req: string, status: number[]): HttpCase => ({ name, req, status });
const G = (target: string, headers: string[] = []) => request('GET', target, headers);
const NOT_FOUND = [400, 403, 404];
const HTTP: HttpCase[] = [
  hc('/assets/../package.json', G('/assets/../package.json'), NOT_FOUND),
  hc('/assets/../../etc/passwd', G('/assets/../../etc/passwd'), NOT_FOUND),
  hc('/assets/%2e%2e/package.json', G('/assets/%2e%2e/package.json'), NOT_FOUND),
  hc('/assets/%2e%2e%2fpackage.json', G('/assets/%2e%2e%2fpackage.json'), NOT_FOUND),
  hc('/assets/..%2f..%2fetc%2fpasswd', G('/assets/..%2f..%2fetc%2fpasswd'), NOT_FOUND),
  hc('/assets/%252e%252e/package.json (double encoding)', G('/assets/%252e%252e/package.json'), NOT_FOUND),
  hc('/assets/..\\..\\package.json (backslashes)', G('/assets/..\\..\\package.json'), NOT_FOUND),
  hc('/assets/..%5c..%5cpackage.json', G('/assets/..%5c..%5cpackage.json'), NOT_FOUND),
  hc('/assets/%c0%ae%c0%ae/package.json (overlong UTF-8 dots)', G('/assets/%c0%ae%c0%ae/package.json'), NOT_FOUND),
  hc('/assets/....//package.json', G('/assets/....//package.json'), NOT_FOUND),
  hc('/assets//etc/passwd (absolute)', G('/assets//etc/passwd'), NOT_FOUND),
  hc('/assets/%00', G('/assets/%00'), NOT_FOUND),
  hc('/assets/build/room.js%00.html (encoded null)', G('/assets/build/room.js%00.html'), NOT_FOUND),
  hc('/assets/style.css%00', G('/assets/style.css%00'), NOT_FOUND),
  hc('/assets/%ff%fe (invalid UTF-8 escapes)', G('/assets/%ff%fe'), NOT_FOUND),
  hc('/assets/% (a broken escape)', G('/assets/%'), NOT_FOUND),
  hc('/assets/../server/config.ts', G('/assets/../server/config.ts'), NOT_FOUND),
  hc('/assets/../.env', G('/assets/../.env'), NOT_FOUND),
  hc('/assets/.git/config', G('/assets/.git/config'), NOT_FOUND),
  hc('/assets/ a path of 8 KB', G(`/assets/${'a/'.repeat(4096)}`), NOT_FOUND),
  hc('/%2e%2e/%2e%2e/etc/passwd', G('/%2e%2e/%2e%2e/etc/passwd'), NOT_FOUND),
  hc('/r/../../etc/passwd', G('/r/../../etc/passwd'), NOT_FOUND),
  hc('/r/ 65 characters', G(`/r/${'a'.repeat(65)}`), [404]),
  hc('/r/ 10,000 characters', G(`/r/${'a'.repeat(10_000)}`), [404, 414, 431]),
  hc('/r/%00', G('/r/%00'), [400, 404]),
  hc('/r/abc%2fdef', G('/r/abc%2fdef'), [404]),
  hc('/r/%E2%80%AE (right-to-left override)', G('/r/%E2%80%AEabc'), [404]),
  hc('/r/abc%E2%80%8B (zero-width space)', G('/r/abc%E2%80%8B'), [404]),
  hc('/r/<script>', G('/r/%3Cscript%3Ealert(1)%3C%2Fscript%3E'), [404]),
  hc('/r/%ff (invalid UTF-8 escape)', G('/r/%ff'), [400, 404]),
  hc('/?<script> (junk query on the home page)', G('/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E&__proto__[x]=1'), [200]),
  hc(
    '/r/abc?<script> (junk query on a room page)',
    G('/r/abc-defg-hij?room=%3Cscript%3E&name=%22%3E%3Cimg%3E&constructor[prototype][x]=1'),
    [200],
  ),
  hc('/r/abc?%ff%fe (invalid escapes in the query)', G('/r/abc-defg-hij?%ff=%fe&a=%'), [200]),
  hc('/new?x=1 (query on the redirect)', G('/new?next=https://evil.example/'), [302]),
  hc('HEAD /', request('HEAD', '/'), [200]),
  hc('HEAD /r/abc', request('HEAD', '/r/abc-defg-hij'), [200]),
  hc('OPTIONS /', request('OPTIONS', '/'), [200, 204, 405]),
  hc('OPTIONS *', request('OPTIONS', '*'), [400, 404, 405]),
  hc('PUT /', request('PUT', '/', [], 'x'), [404, 405]),
  hc('DELETE /r/abc', request('DELETE', '/r/abc-defg-hij'), [404, 405]),
  hc('PATCH /healthz', request('PATCH', '/healthz', [], '{}'), [404, 405]),
  hc('POST /metrics', request('POST', '/metrics', [], 'x'), [404, 405]),
  hc('POST /assets/style.css', request('POST', '/assets/style.css', [], 'x'), [405]),
  hc('TRACE /', request('TRACE', '/'), [404, 405, 501]),
  hc('PROPFIND /', request('PROPFIND', '/'), [404, 405, 501]),
  hc('CONNECT 127.0.0.1:22', 'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n', [0, 400, 405]),
  hc('an invalid method', 'G@T / HTTP/1.1\r\nHost: x\r\n\r\n', [0, 400]),
  hc('HTTP/0.9 style request', 'GET /\r\n\r\n', [0, 200, 400]),
  hc('a request line of junk bytes', '\u0000\u0001\u0002 / HTTP/1.1\r\n\r\n', [0, 400]),
  hc('a 20 KB header', G('/', [`X-Junk: ${big(20_000)}`]), [431]),
  hc(
    '2,000 headers',
    G(
      '/',
      Array.from({ length: 2000 }, (_, i) => `X-H${i}: ${i}`),
    ),
    [200, 431],
  ),
  hc('a header with a NUL', G('/', ['X-Junk: a\u0000b']), [0, 400]),
  hc('a header with a bare LF', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\nX-B: b\r\n\r\n', [0, 400]),
  hc('a 40 KB cookie', G('/', [`Cookie: a=${big(40_000)}`]), [431]),
  hc(
    'a huge Content-Length without a body',
    'POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 99999999999\r\n\r\n',
    [0, 400, 404, 405, 413],
  ),
  hc(
    'both Content-Length and chunked',
    'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    [0, 400],
  ),
  hc('a Host header of junk', G('/', ['Host: <script>'.replace('Host', 'X-Original-Host'), 'X-Forwarded-Host: evil.example']), [200]),
  hc('an X-Forwarded-For of junk', G('/healthz', [`X-Forwarded-For: ${big(5000)}, <x>`]), [200]),
  hc('/socket.io/ without a query', G('/socket.io/'), [400]),
  hc('/socket.io/?EIO=3 (an old protocol)', G('/socket.io/?EIO=3&transport=polling'), [400]),
  hc('/socket.io/?EIO=4&transport=pigeon', G('/socket.io/?EIO=4&transport=pigeon'), [400]),
  hc('/socket.io/ with an unknown sid', G('/socket.io/?EIO=4&transport=polling&sid=nope'), [400]),
  hc(
    '/socket.io/ POST junk with an unknown sid',
    request('POST', '/socket.io/?EIO=4&transport=polling&sid=nope', ['Content-Type: text/plain'], '42/room,["x"]'),
    [400],
  ),
  hc(
    '/socket.io/ upgrade without a key',
    G('/socket.io/?EIO=4&transport=websocket', ['Upgrade: websocket', 'Connection: Upgrade']),
    [0, 400],
  ),
  hc(
    '/socket.io/ with a disallowed Origin header? (any origin is allowed here)',
    G('/socket.io/?EIO=4&transport=polling', ['Origin: https://evil.example']),
    [200],
  ),
];

describe('HTTP, on every replica', () => {
  const cases = HTTP.flatMap((c) => [0, 1, 2].map((r) => [`${c.name} (replica ${r})`, c, r] as const));
  test.each(cases)('%s', async (_name, kase, r) => {
    const res = await rawHttp(port(r), kase.req);
    expect(kase.status).toContain(res.status);
    // Nothing outside public/ leaks, nothing internal, and no input is reflected into a page.
    expect(res.body).not.toMatch(/"name": "parley"|root:x:0:0|SECRET|\[core\]|node_modules|\n\s+at \S+ \(/);
    expect(res.body).not.toMatch(/<script>alert|<img>|evil\.example|onerror=/i);
    // 500 would be a failure inside Parley; 501 is Node's own answer to a method it does not implement.
    if (res.status === 500 || res.status > 501) tally.crashes++;
    expect(res.status === 500 || res.status > 501).toBe(false);
    // Koa's pages (not Engine.IO's or Node's own bare answers) carry the security headers.
    if (res.status > 0 && /x-parley-replica/i.test(res.head)) expect(res.head).toMatch(/content-security-policy: default-src 'self'/i);
    count(res.status === 0 ? 'closed' : res.status < 300 || res.status === 302 ? 'served' : 'refused');
    await alive();
  });
});

// ---------------------------------------------------------------------------------------------------------
// Floods: per socket, per address, across replicas

describe('floods across replicas', () => {
  test('a chat flood from each replica is RATE_LIMITED past its burst; only accepted messages are stored and delivered', async () => {
    for (let r = 0; r < 3; r++) {
      const room = fresh('flood-chat');
      const a = await join(url(r), { room, name: 'Chatty' }, from(nextAddr()));
      const b = await join(url(r + 1), { room, name: 'Reader' }, from(nextAddr()));
      await settle();
      clearLogs();
      const bSeen = record(b.socket);
      const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => emitAck(a.socket, 'chat:send', { text: `spam ${i}` })));
      const ok = replies.filter((x) => x.ok).length;
      expect(ok).toBeGreaterThan(0);
      expect(ok).toBeLessThan(200);
      expect(replies.filter((x) => !x.ok).every((x) => !x.ok && x.error.code === 'RATE_LIMITED')).toBe(true);
      await sleep(300);
      await sync(b.socket);
      expect(bSeen.filter((e) => e.event === 'chat:message')).toHaveLength(ok);
      expect((await cluster.replicas[r].parley.store.chat(room)).length).toBe(Math.min(ok, cluster.replicas[r].config.chatHistory));
      count('refused');
      await settle();
      expectQuiet();
      a.socket.close();
      b.socket.close();
    }
    await alive();
  });

  test('a signal flood of 2,000 is RATE_LIMITED past its burst; the target across replicas gets exactly the accepted ones', async () => {
    const room = fresh('flood-sig');
    const a = await join(url(0), { room, name: 'Flood' }, from(nextAddr()));
    const b = await join(url(2), { room, name: 'Target' }, from(nextAddr()));
    await settle();
    clearLogs();
    const bSeen = record(b.socket);
    const replies = await Promise.all(
      Array.from({ length: 2000 }, (_, i) => emitAck(a.socket, 'signal', { to: b.welcome.self.id, candidate: { candidate: `c${i}` } })),
    );
    const ok = replies.filter((x) => x.ok).length;
    expect(ok).toBeGreaterThanOrEqual(200);
    expect(ok).toBeLessThan(2000);
    await sleep(500);
    await sync(b.socket);
    expect(bSeen.filter((e) => e.event === 'signal')).toHaveLength(ok);
    count('refused');
    await settle();
    expectQuiet();
    await alive();
  });

  test('a handshake flood from one address over all replicas is RATE_LIMITED; other addresses and, later, the same one get in', async () => {
    const address = nextAddr();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 120 }, (_, i) => join(url(i), { room: fresh('knock'), name: 'Knock' }, from(address))),
    );
    const codes = outcomes.filter((o) => o.status === 'rejected').map((o) => ((o as PromiseRejectedResult).reason as Error).message);
    expect(codes.length).toBeGreaterThan(0);
    expect(new Set(codes)).toEqual(new Set(['RATE_LIMITED']));
    for (const o of outcomes) if (o.status === 'fulfilled') o.value.socket.close();
    count('refused');
    // Someone else from another address is not affected, on every replica.
    for (let r = 0; r < 3; r++) (await join(url(r), { room: fresh('other'), name: 'Other' }, from(nextAddr()))).socket.close();
    await sleep(4500); // the bucket refills (5 a second)
    const back = await join(url(1), { room: fresh('back'), name: 'Patient' }, from(address));
    expect(back.welcome.self.name).toBe('Patient');
    back.socket.close();
    await settle();
    expectQuiet();
    await alive();
  });

  test('wrong passwords from one address are limited; the host is unaffected and the right password from elsewhere works', async () => {
    const room = fresh('pw');
    const host = await join(url(0), { room, name: 'Host', password: 'correct horse' }, from(nextAddr()));
    const address = nextAddr();
    const codes: string[] = [];
    for (let i = 0; i < 14; i++)
      codes.push((await refused(url(i), { room, name: `Guess ${i}`, password: `guess-${i}` }, from(address))).data?.code as string);
    expect(codes.slice(0, 10).every((c) => c === 'WRONG_PASSWORD')).toBe(true);
    expect(codes).toContain('RATE_LIMITED');
    count('refused');
    const friend = await join(url(2), { room, name: 'Friend', password: 'correct horse' }, from(nextAddr()));
    expect(friend.welcome.peers.map((p) => p.name)).toEqual(['Host']);
    expect(host.socket.connected).toBe(true);
    await settle();
    expectQuiet();
    await alive();
  });

  test('a lobby flood on every replica is RATE_LIMITED and watching is bounded', async () => {
    for (let r = 0; r < 3; r++) {
      const s = connect(url(r), '/lobby', from(nextAddr()));
      const replies = await Promise.all(Array.from({ length: 150 }, (_, i) => emitAck(s, 'lobby:watch', { room: `w-${i % 20}` })));
      expect(replies.some((x) => !x.ok && x.error.code === 'RATE_LIMITED')).toBe(true);
      expect(replies.filter((x) => x.ok).length).toBeLessThanOrEqual(60);
      s.close();
      count('refused');
    }
    await settle();
    expectQuiet();
    await alive();
  });
});

describe('afterwards', () => {
  test('every replica still admits a fresh participant and answers /healthz; room B never heard a thing; state unchanged', async () => {
    for (let r = 0; r < 3; r++) {
      const res = await fetch(`${url(r)}/healthz`);
      if (res.status !== 200) tally.crashes++;
      expect(res.status).toBe(200);
      const probe = await join(url(r), { room: fresh('probe'), name: 'Probe' }, from(nextAddr()));
      expect(probe.welcome.peers).toEqual([]);
      probe.socket.close();
    }
    await sleep(500);
    await settle();
    const heard = outsideEver.reduce((n, l) => n + l.length, 0);
    tally.leaked += 0 * heard; // already counted case by case; this is the end-of-suite check
    expect(outsideEver.flat()).toEqual([]);
    const s = (await state()) as { a: RoomSnapshot; b: RoomSnapshot; chatA: unknown[]; chatB: unknown[] };
    expect(s.a.members.map((m) => m.name)).toEqual(['Mal', 'Gus', 'Bea']);
    expect(s.b.members.map((m) => m.name)).toEqual(['Oz', 'Ola', 'Obi']);
    expect(s.a.locked).toBe(false);
    expect(s.chatA).toHaveLength(1);
    expect(s.chatB).toHaveLength(1);
    expect(tally.crashes).toBe(0);
    expect(tally.leaked).toBe(0);
    expect(tally.cases).toBeGreaterThanOrEqual(200);
  });
});
