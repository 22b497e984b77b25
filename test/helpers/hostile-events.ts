/**
 * Bad events of /room and /lobby, sent over socket.io-client by members of room A and by lobby sockets; the
 * same table for one replica and for several. Each case is refused with a code, dropped (no ack asked), or,
 * for a signal with a forged `from`, delivered with the server's own idea of the sender.
 */
import type { ErrorCode } from '../../server/protocol/events';
import { CANDIDATE_MAX, SDP_MAX } from '../../server/protocol/limits';
import { big, raw, type Cast } from './hostile-inputs';

/** Whom a case can name. `guest` is a guest other than the sender; `bystander` a member of A that is neither sender nor host. */
export interface EventCtx {
  self: string;
  host: string;
  guest: string;
  bystander: string;
  /** A PeerId of room B. */
  outsider: string;
  roomA: string;
  roomB: string;
  id: Cast;
}

export interface EventCase {
  name: string;
  /** Who sends: the host of room A, a guest of room A, or a socket of /lobby. */
  by: 'host' | 'guest' | 'lobby';
  event: string;
  args: (c: EventCtx) => unknown[];
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

const OFFER = { type: 'offer', sdp: 'v=0\r\n' };
const nested = (depth: number): unknown => {
  let v: unknown = 'deep';
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};

/** A valid payload of each event, by whom it would be valid; every generated case breaks exactly one thing. */
const VALID: Array<{ event: string; by: EventCase['by']; payload: (c: EventCtx) => Record<string, unknown> }> = [
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
  { event: 'recording', by: 'guest', payload: () => ({ on: true }) },
  { event: 'chat:send', by: 'guest', payload: () => ({ text: 'hello' }) },
  { event: 'host:lock', by: 'host', payload: () => ({ locked: true }) },
  { event: 'host:kick', by: 'host', payload: (c) => ({ id: c.bystander }) },
  { event: 'host:mute', by: 'host', payload: (c) => ({ id: c.bystander }) },
  { event: 'host:cohost', by: 'host', payload: (c) => ({ id: c.bystander, cohost: true }) },
  { event: 'host:settings', by: 'host', payload: () => ({ locked: false, chatLocked: true, screenLocked: true }) },
  { event: 'host:lower-hand', by: 'host', payload: (c) => ({ id: c.bystander }) },
  { event: 'reaction', by: 'guest', payload: () => ({ emoji: '🎉' }) },
  { event: 'host:admit', by: 'host', payload: () => ({ id: 'knock-id-0000001' }) },
  { event: 'host:deny', by: 'host', payload: () => ({ id: 'knock-id-0000001' }) },
  { event: 'host:breakouts-open', by: 'host', payload: (c) => ({ rooms: ['Room 1'], assign: { [c.bystander]: 0 }, minutes: 5 }) },
  { event: 'host:breakouts-message', by: 'host', payload: () => ({ text: 'Five minutes left' }) },
  { event: 'lobby:knock', by: 'lobby', payload: (c) => ({ room: c.roomB, name: 'Zed' }) },
  { event: 'lobby:withdraw', by: 'lobby', payload: (c) => ({ room: c.roomB, id: 'knock-id-0000001' }) },
  { event: 'lobby:peek', by: 'lobby', payload: (c) => ({ room: c.roomB }) },
  { event: 'lobby:watch', by: 'lobby', payload: (c) => ({ room: c.roomB }) },
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
const SAMPLE: EventCtx = {
  self: 's',
  host: 'h',
  guest: 'g',
  bystander: 'b',
  outsider: 'o',
  roomA: 'a',
  roomB: 'b',
  id: { mal: 'm', gus: 'g', bea: 'b', oz: 'o', ola: 'o', obi: 'o' },
};
const BINARIES: Array<[string, () => unknown]> = [
  ['a Buffer', () => Buffer.from('x')],
  ['an ArrayBuffer', () => new ArrayBuffer(8)],
  ['a Uint8Array', () => new Uint8Array([1, 2, 3])],
];

const GENERATED: EventCase[] = VALID.flatMap(({ event, by, payload }) => [
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

const SIGNAL: EventCase[] = [
  // shapes
  ev('signal: an array payload', 'guest', 'signal', (c) => [[c.bystander, OFFER]]),
  ev('signal: missing to', 'guest', 'signal', () => [{ description: OFFER }]),
  ev('signal: to is a number', 'guest', 'signal', () => [{ to: 7, description: OFFER }]),
  ev('signal: to is empty', 'guest', 'signal', () => [{ to: '', description: OFFER }]),
  ev('signal: to is an object', 'guest', 'signal', (c) => [{ to: { id: c.bystander }, description: OFFER }]),
  ev('signal: extra key', 'guest', 'signal', (c) => [{ to: c.bystander, description: OFFER, room: 'elsewhere' }]),
  ev('signal: own __proto__ key', 'guest', 'signal', (c) => [raw(`{"__proto__":{"polluted":1},"to":"${c.bystander}","candidate":null}`)]),
  ev('signal: constructor key', 'guest', 'signal', (c) => [
    raw(`{"constructor":{"prototype":{"polluted":1}},"to":"${c.bystander}","candidate":null}`),
  ]),
  ev('signal: prototype key', 'guest', 'signal', (c) => [{ prototype: { polluted: 1 }, to: c.bystander, candidate: null }]),
  ev('signal: __proto__ inside the description', 'guest', 'signal', (c) => [
    { to: c.bystander, description: raw('{"type":"offer","sdp":"v=0","__proto__":{"polluted":1}}') },
  ]),
  ev('signal: neither description nor candidate', 'guest', 'signal', (c) => [{ to: c.bystander }]),
  ev('signal: description null', 'guest', 'signal', (c) => [{ to: c.bystander, description: null }]),
  ev('signal: description of type "hijack"', 'guest', 'signal', (c) => [{ to: c.bystander, description: { type: 'hijack' } }]),
  ev('signal: sdp is a number', 'guest', 'signal', (c) => [{ to: c.bystander, description: { type: 'offer', sdp: 1 } }]),
  ev('signal: description with an extra key', 'guest', 'signal', (c) => [{ to: c.bystander, description: { ...OFFER, x: 1 } }]),
  ev('signal: candidate is a string', 'guest', 'signal', (c) => [{ to: c.bystander, candidate: 'candidate:1' }]),
  ev('signal: sdpMLineIndex negative', 'guest', 'signal', (c) => [{ to: c.bystander, candidate: { candidate: 'c', sdpMLineIndex: -1 } }]),
  ev('signal: sdpMLineIndex fractional', 'guest', 'signal', (c) => [
    { to: c.bystander, candidate: { candidate: 'c', sdpMLineIndex: 0.5 } },
  ]),
  ev('signal: sdpMLineIndex a string', 'guest', 'signal', (c) => [{ to: c.bystander, candidate: { candidate: 'c', sdpMLineIndex: '0' } }]),
  ev('signal: sdpMLineIndex 1025', 'guest', 'signal', (c) => [{ to: c.bystander, candidate: { sdpMLineIndex: 1025 } }]),
  ev('signal: sdpMLineIndex NaN-like string', 'guest', 'signal', (c) => [{ to: c.bystander, candidate: { sdpMLineIndex: 'NaN' } }]),
  ev('signal: sdpMLineIndex 1e308', 'guest', 'signal', (c) => [{ to: c.bystander, candidate: { sdpMLineIndex: 1e308 } }]),
  ev('signal: deeply nested description', 'guest', 'signal', (c) => [{ to: c.bystander, description: nested(3000) }]),
  ev('signal: a Buffer payload', 'guest', 'signal', () => [Buffer.from('{"to":"x"}')]),
  ev('signal: invalid without an ack', 'guest', 'signal', (c) => [{ to: c.bystander, description: null }], 'dropped'),
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
  // recipients that are not in the sender's room
  ev('signal: to oneself', 'guest', 'signal', (c) => [{ to: c.self, candidate: null }]),
  ev('signal: to an unknown PeerId', 'guest', 'signal', () => [{ to: 'no-such-peer', candidate: null }], 'NOT_IN_ROOM'),
  ev('signal: to with a zero-width space', 'guest', 'signal', (c) => [{ to: `${c.bystander}\u200b`, candidate: null }], 'NOT_IN_ROOM'),
  ev('signal: to with a NUL', 'guest', 'signal', (c) => [{ to: `${c.bystander}\u0000`, candidate: null }], 'NOT_IN_ROOM'),
  ev('signal: to "__proto__"', 'guest', 'signal', () => [{ to: '__proto__', candidate: null }], 'NOT_IN_ROOM'),
  ev('signal: to "constructor"', 'guest', 'signal', () => [{ to: 'constructor', candidate: null }], 'NOT_IN_ROOM'),
  ev('signal: to "hasOwnProperty"', 'guest', 'signal', () => [{ to: 'hasOwnProperty', candidate: null }], 'NOT_IN_ROOM'),
  ev('signal: to a PeerId of another room', 'guest', 'signal', (c) => [{ to: c.outsider, description: OFFER }], 'NOT_IN_ROOM'),
  ev(
    'signal: to another room with a forged from',
    'guest',
    'signal',
    (c) => [{ to: c.outsider, from: c.bystander, candidate: null }],
    'NOT_IN_ROOM',
  ),
  ev('signal: to Oz (room B)', 'guest', 'signal', (c) => [{ to: c.id.oz, description: OFFER }], 'NOT_IN_ROOM'),
  ev('signal: to Ola (room B)', 'guest', 'signal', (c) => [{ to: c.id.ola, description: OFFER }], 'NOT_IN_ROOM'),
  ev('signal: to Obi (room B)', 'guest', 'signal', (c) => [{ to: c.id.obi, candidate: null }], 'NOT_IN_ROOM'),
  ev('signal: by the host to Ola', 'host', 'signal', (c) => [{ to: c.id.ola, candidate: null }], 'NOT_IN_ROOM'),
  ev(
    'signal: by the host to Obi, forged from Oz',
    'host',
    'signal',
    (c) => [{ to: c.id.obi, from: c.id.oz, candidate: null }],
    'NOT_IN_ROOM',
  ),
  ev('signal: to another room, without an ack', 'guest', 'signal', (c) => [{ to: c.outsider, description: OFFER }], 'dropped'),
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
];

const MEDIA_HAND_CHAT: EventCase[] = [
  ev('media: missing fields', 'guest', 'media', () => [{ audio: false }]),
  ev('media: strings for booleans', 'guest', 'media', () => [{ audio: 'false', video: 'true', screen: 'no' }]),
  ev('media: extra key', 'guest', 'media', () => [{ audio: false, video: false, screen: false, host: true }]),
  ev('media: an array', 'guest', 'media', () => [[false, false, false]]),
  ev('media: own __proto__ key', 'guest', 'media', () => [raw('{"audio":false,"video":false,"screen":false,"__proto__":{"host":true}}')]),
  ev('media: a huge payload', 'guest', 'media', () => [{ audio: false, video: false, screen: false, junk: big(50_000) }]),
  ev('media: forged id', 'guest', 'media', (c) => [{ id: c.host, audio: false, video: false, screen: false }]),
  ev('media: invalid without an ack', 'guest', 'media', () => [{ audio: 1, video: 0, screen: 0 }], 'dropped'),
  ev('hand: raised is a string', 'guest', 'hand', () => [{ raised: 'yes' }]),
  ev('hand: empty object', 'guest', 'hand', () => [{}]),
  ev('hand: raised is a number', 'guest', 'hand', () => [{ raised: 1 }]),
  ev('recording: on is a string', 'guest', 'recording', () => [{ on: 'true' }]),
  ev('recording: on is a number', 'guest', 'recording', () => [{ on: 1 }]),
  ev('recording: on is null', 'guest', 'recording', () => [{ on: null }]),
  ev('recording: empty object', 'guest', 'recording', () => [{}]),
  ev('recording: a bare boolean', 'guest', 'recording', () => [true]),
  ev('recording: forged id', 'guest', 'recording', (c) => [{ on: true, id: c.host }]),
  ev('recording: another name for the key', 'guest', 'recording', () => [{ recording: true }]),
  ev('recording: invalid without an ack', 'guest', 'recording', () => [{ on: 'yes' }], 'dropped'),
  ev('chat: 2,001 characters', 'guest', 'chat:send', () => [{ text: big(2001) }], TOO_BIG),
  ev('chat: 40,000 characters', 'guest', 'chat:send', () => [{ text: big(40_000) }], TOO_BIG),
  ev('chat: 60,000 characters', 'guest', 'chat:send', () => [{ text: big(60_000) }], TOO_BIG),
  // Lengths count characters (code points), not UTF-16 units: 2,000 emoji fit, 2,001 do not.
  ev('chat: 2,001 astral characters', 'guest', 'chat:send', () => [{ text: '😀'.repeat(2001) }], TOO_BIG),
  ev('chat: empty text', 'guest', 'chat:send', () => [{ text: '' }]),
  ev('chat: a lone surrogate', 'guest', 'chat:send', () => [{ text: 'broken \ud800 text' }]),
  ev('chat: a lone low surrogate', 'guest', 'chat:send', () => [{ text: '\udfff' }]),
  ev('chat: text is a number', 'guest', 'chat:send', () => [{ text: 12 }]),
  ev('chat: text is an array', 'guest', 'chat:send', () => [{ text: ['a', 'b'] }]),
  ev('chat: a Buffer attachment', 'guest', 'chat:send', () => [{ text: 'see file', file: Buffer.alloc(1024) }]),
  ev('chat: own __proto__ key', 'guest', 'chat:send', () => [raw('{"__proto__":{"x":1},"text":"a"}')]),
  ev('chat: constructor key', 'guest', 'chat:send', () => [raw('{"constructor":{"name":"x"},"text":"a"}')]),
  ev('chat: forged from and name', 'guest', 'chat:send', (c) => [{ text: 'a', from: c.host, name: 'Mal' }]),
  ev('chat: a bare string', 'guest', 'chat:send', () => ['hello']),
  ev('chat: two arguments', 'guest', 'chat:send', () => [{ text: 'a' }, { text: 'b' }]),
  ev('chat: invalid without an ack', 'guest', 'chat:send', () => [{ text: big(2001) }], 'dropped'),
  ev('room:leave with a payload', 'guest', 'room:leave', () => [{ everyone: true }]),
  ev('room:leave with a payload, without an ack', 'guest', 'room:leave', () => [{ reason: 'kicked' }], 'dropped'),
];

const HOST: EventCase[] = [
  ev('host:lock: locked is a string', 'host', 'host:lock', () => [{ locked: 'true' }]),
  ev('host:lock: empty object', 'host', 'host:lock', () => [{}]),
  ev('host:lock: own __proto__ key', 'host', 'host:lock', () => [raw('{"locked":true,"__proto__":{"locked":true}}')]),
  ev('host:lock by a guest', 'guest', 'host:lock', () => [{ locked: true }], 'NOT_HOST'),
  ev('host:kick: id is a number', 'host', 'host:kick', () => [{ id: 123 }]),
  ev('host:kick of oneself', 'host', 'host:kick', (c) => [{ id: c.self }]),
  ev('host:kick: a PeerId of another room', 'host', 'host:kick', (c) => [{ id: c.outsider }], 'NOT_IN_ROOM'),
  ev('host:kick of Oz (room B)', 'host', 'host:kick', (c) => [{ id: c.id.oz }], 'NOT_IN_ROOM'),
  ev('host:kick of Obi (room B)', 'host', 'host:kick', (c) => [{ id: c.id.obi }], 'NOT_IN_ROOM'),
  ev('host:kick by a guest', 'guest', 'host:kick', (c) => [{ id: c.host }], 'NOT_HOST'),
  ev('host:kick: a bystander, by a guest', 'guest', 'host:kick', (c) => [{ id: c.bystander }], 'NOT_HOST'),
  ev('host:kick by a guest, forged by', 'guest', 'host:kick', (c) => [{ id: c.bystander, by: c.host }]),
  ev('host:mute: a PeerId of another room', 'host', 'host:mute', (c) => [{ id: c.outsider }], 'NOT_IN_ROOM'),
  ev('host:mute of Ola (room B)', 'host', 'host:mute', (c) => [{ id: c.id.ola }], 'NOT_IN_ROOM'),
  ev('host:mute of "__proto__"', 'host', 'host:mute', () => [{ id: '__proto__' }], 'NOT_IN_ROOM'),
  ev('host:mute: extra key', 'host', 'host:mute', (c) => [{ id: c.bystander, all: true }]),
  ev('host:mute by a guest', 'guest', 'host:mute', (c) => [{ id: c.bystander }], 'NOT_HOST'),
  ev('host:mute by a guest, without an ack', 'guest', 'host:mute', (c) => [{ id: c.bystander }], 'dropped'),
  ev('host:cohost by a guest', 'guest', 'host:cohost', (c) => [{ id: c.bystander, cohost: true }], 'NOT_HOST'),
  ev('host:cohost of oneself, by a guest', 'guest', 'host:cohost', (c) => [{ id: c.self, cohost: true }], 'NOT_HOST'),
  ev('host:cohost of the host', 'host', 'host:cohost', (c) => [{ id: c.self, cohost: true }]),
  ev('host:cohost of Oz (room B)', 'host', 'host:cohost', (c) => [{ id: c.id.oz, cohost: true }], 'NOT_IN_ROOM'),
  ev('host:cohost: cohost is a string', 'host', 'host:cohost', (c) => [{ id: c.bystander, cohost: 'true' }]),
  ev('host:cohost: forged by', 'host', 'host:cohost', (c) => [{ id: c.bystander, cohost: true, by: c.guest }]),
  ev('host:settings by a guest', 'guest', 'host:settings', () => [{ chatLocked: true }], 'NOT_HOST'),
  ev('host:settings: nothing to set', 'host', 'host:settings', () => [{}]),
  ev('host:settings: an unknown setting', 'host', 'host:settings', () => [{ password: 'x' }]),
  ev('host:settings: a host setting', 'host', 'host:settings', (c) => [{ host: c.guest }]),
  ev('host:settings: locked is null', 'host', 'host:settings', () => [{ locked: null }]),
  ev('host:settings: own __proto__ key', 'host', 'host:settings', () => [raw('{"__proto__":{"chatLocked":true}}')]),
  ev('host:mute-all by a guest', 'guest', 'host:mute-all', () => [], 'NOT_HOST'),
  ev('host:mute-all with a payload', 'host', 'host:mute-all', () => [{ except: [] }]),
  ev('host:mute-all by a guest, without an ack', 'guest', 'host:mute-all', () => [], 'dropped'),
  ev('host:lower-hand by a guest', 'guest', 'host:lower-hand', (c) => [{ id: c.bystander }], 'NOT_HOST'),
  ev('host:lower-hand of oneself', 'host', 'host:lower-hand', (c) => [{ id: c.self }]),
  ev('host:lower-hand of Obi (room B)', 'host', 'host:lower-hand', (c) => [{ id: c.id.obi }], 'NOT_IN_ROOM'),
  ev('reaction: not one of the set', 'guest', 'reaction', () => [{ emoji: '🖕' }]),
  ev('reaction: emoji with a variation selector added', 'guest', 'reaction', () => [{ emoji: '👍️' }]),
  ev('reaction: 10,000 characters', 'guest', 'reaction', () => [{ emoji: big(10_000) }]),
  ev('reaction: forged id', 'guest', 'reaction', (c) => [{ emoji: '👍', id: c.host }]),
  ev('reaction: to another room', 'guest', 'reaction', (c) => [{ emoji: '👍', room: c.roomB }]),
  ev('host:admit by a guest', 'guest', 'host:admit', () => [{ id: 'knock-id-0000001' }], 'NOT_HOST'),
  ev('host:admit all by a guest', 'guest', 'host:admit', () => [{ all: true }], 'NOT_HOST'),
  ev('host:admit: all is false', 'host', 'host:admit', () => [{ all: false }]),
  ev('host:admit: an id and all', 'host', 'host:admit', () => [{ id: 'knock-id-0000001', all: true }]),
  ev('host:admit: a list of ids', 'host', 'host:admit', () => [{ id: ['knock-id-0000001'] }]),
  ev('host:admit: nobody knocks under that id', 'host', 'host:admit', () => [{ id: 'knock-id-0000001' }], 'NOT_IN_ROOM'),
  ev('host:deny by a guest', 'guest', 'host:deny', () => [{ id: 'knock-id-0000001' }], 'NOT_HOST'),
  ev('host:deny: all', 'host', 'host:deny', () => [{ all: true }]),
  ev('host:breakouts-open by a guest', 'guest', 'host:breakouts-open', (c) => [{ rooms: ['R'], assign: { [c.bystander]: 0 } }], 'NOT_HOST'),
  ev('host:breakouts-open: the host sent away', 'host', 'host:breakouts-open', (c) => [{ rooms: ['R'], assign: { [c.self]: 0 } }]),
  ev(
    'host:breakouts-open: Oz (room B) sent away',
    'host',
    'host:breakouts-open',
    (c) => [{ rooms: ['R'], assign: { [c.id.oz]: 0 } }],
    'NOT_IN_ROOM',
  ),
  ev('host:breakouts-open: a room that does not exist', 'host', 'host:breakouts-open', (c) => [
    { rooms: ['R'], assign: { [c.bystander]: 3 } },
  ]),
  ev('host:breakouts-open: own __proto__ in assign', 'host', 'host:breakouts-open', () => [
    raw('{"rooms":["R"],"assign":{"__proto__":0}}'),
  ]),
  ev('host:breakouts-open: 21 rooms', 'host', 'host:breakouts-open', () => [
    { rooms: Array.from({ length: 21 }, (_, i) => `R${i}`), assign: {} },
  ]),
  ev('host:breakouts-open: a room name of control characters', 'host', 'host:breakouts-open', () => [
    { rooms: ['\u0000\u0001'], assign: {} },
  ]),
  ev('host:breakouts-message by a guest', 'guest', 'host:breakouts-message', () => [{ text: 'hi' }], 'NOT_HOST'),
  ev('host:breakouts-message: 501 characters', 'host', 'host:breakouts-message', () => [{ text: big(501) }]),
  ev('host:breakouts-message: none are open', 'host', 'host:breakouts-message', () => [{ text: 'hi' }]),
  ev('host:breakouts-close by a guest', 'guest', 'host:breakouts-close', () => [], 'NOT_HOST'),
  ev('host:breakouts-close with a payload', 'host', 'host:breakouts-close', () => [{ all: true }]),
  ev('breakout:help outside a breakout room', 'guest', 'breakout:help', () => []),
  ev('breakout:help with a payload', 'guest', 'breakout:help', () => [{ room: 'x' }]),
  ev('host:deny: an id with a slash', 'host', 'host:deny', () => [{ id: '../../knock-id-01' }]),
];

const UNKNOWN: EventCase[] = [
  ev('unknown event with an ack', 'guest', 'admin:shutdown', () => [{}]),
  ev('unknown event without an ack', 'guest', 'admin:shutdown', () => [{}], 'dropped'),
  ev('a /lobby event on /room', 'guest', 'lobby:peek', (c) => [{ room: c.roomB }]),
  ev('a server event name (peer:left)', 'guest', 'peer:left', (c) => [{ id: c.bystander, reason: 'kicked' }]),
  ev('a server event name (room:welcome), without an ack', 'guest', 'room:welcome', () => [{}], 'dropped'),
  ev('a server event name (room:kicked), without an ack', 'guest', 'room:kicked', (c) => [{ by: c.host }], 'dropped'),
  ev('a server event name (signal) on /lobby', 'lobby', 'signal', (c) => [{ to: c.id.oz, candidate: null }]),
  ev('event named __proto__', 'guest', '__proto__', () => [{}]),
  ev('event named constructor', 'host', 'constructor', () => [{}]),
  ev('event named constructor, without an ack', 'guest', 'constructor', () => [{}], 'dropped'),
  ev('event named hasOwnProperty', 'guest', 'hasOwnProperty', () => []),
  ev('event named toString, without an ack', 'guest', 'toString', () => [], 'dropped'),
  ev('event named with a zero-width space', 'guest', 'chat:send\u200b', () => [{ text: 'hi' }]),
  ev('event named with an RTL override', 'guest', '\u202esend:chat', () => [{ text: 'hi' }]),
  ev('event name of 10,000 characters', 'guest', big(10_000), () => [{}]),
];

const LOBBY: EventCase[] = [
  ev('lobby:knock: a name of control characters', 'lobby', 'lobby:knock', (c) => [{ room: c.roomA, name: '\u0007\u0008' }]),
  ev('lobby:knock: a name of 200 characters', 'lobby', 'lobby:knock', (c) => [{ room: c.roomA, name: big(200) }]),
  ev('lobby:knock: a knock id of 33 characters', 'lobby', 'lobby:knock', (c) => [{ room: c.roomA, name: 'Zed', id: 'k'.repeat(33) }]),
  ev('lobby:knock: a forged host flag', 'lobby', 'lobby:knock', (c) => [{ room: c.roomA, name: 'Zed', host: true }]),
  ev('lobby:knock: a password', 'lobby', 'lobby:knock', (c) => [{ room: c.roomA, name: 'Zed', password: 'x' }]),
  ev('lobby:withdraw of a knock never made', 'lobby', 'lobby:withdraw', (c) => [{ room: c.roomA, id: 'knock-id-0000001' }], 'NOT_IN_ROOM'),
  ev('lobby:peek: room of 65 characters', 'lobby', 'lobby:peek', () => [{ room: 'a'.repeat(65) }]),
  ev('lobby:peek: room of 50,000 characters', 'lobby', 'lobby:peek', () => [{ room: 'a'.repeat(50_000) }]),
  ev('lobby:peek: room with a space', 'lobby', 'lobby:peek', () => [{ room: 'a b' }]),
  ev('lobby:peek: room "../etc"', 'lobby', 'lobby:peek', () => [{ room: '../etc' }]),
  ev('lobby:peek: room is a number', 'lobby', 'lobby:peek', () => [{ room: 5 }]),
  ev('lobby:peek: extra key', 'lobby', 'lobby:peek', (c) => [{ room: c.roomA, names: true }]),
  ev('lobby:peek: own __proto__ key', 'lobby', 'lobby:peek', (c) => [raw(`{"room":"${c.roomA}","__proto__":{"x":1}}`)]),
  // encodings and unicode in identifiers
  ev('lobby:peek: room with a zero-width space', 'lobby', 'lobby:peek', (c) => [{ room: `${c.roomA}\u200b` }]),
  ev('lobby:peek: room with a right-to-left override', 'lobby', 'lobby:peek', (c) => [{ room: `\u202e${c.roomA}` }]),
  ev('lobby:peek: room with a NUL', 'lobby', 'lobby:peek', (c) => [{ room: `${c.roomA}\u0000` }]),
  ev('lobby:peek: room of full-width letters', 'lobby', 'lobby:peek', () => [{ room: 'ａｂｃ' }]),
  ev('lobby:watch: room "__proto__"', 'lobby', 'lobby:watch', () => [{ room: '__proto__' }]),
  ev('lobby:watch: room is an array', 'lobby', 'lobby:watch', (c) => [{ room: [c.roomA] }]),
  ev('lobby:watch: a Buffer payload', 'lobby', 'lobby:watch', (c) => [Buffer.from(c.roomA)]),
  ev('lobby: unknown event', 'lobby', 'lobby:join', (c) => [{ room: c.roomA }]),
  ev('lobby: a /room event', 'lobby', 'chat:send', () => [{ text: 'hi' }]),
  ev('lobby: unknown event without an ack', 'lobby', 'lobby:spam', (c) => [{ room: c.roomA }], 'dropped'),
];

export const EVENTS: EventCase[] = [...GENERATED, ...SIGNAL, ...MEDIA_HAND_CHAT, ...HOST, ...UNKNOWN, ...LOBBY];
