/**
 * Hostile wire traffic: raw Engine.IO WebSocket frames (malformed Socket.IO packets, invalid UTF-8, binary
 * placeholder abuse) from a raw client that has joined a room of its own, and packets that socket.io-client
 * sends on an ordinary connection. Each either closes only the sender's connection, is dropped, or is refused.
 */
import type { Socket } from 'socket.io-client';
import { rawSend } from './client';
import { big, type Cast } from './hostile-inputs';

export type Frame = string | { binary: Buffer } | { text: Buffer };
export interface RawCase {
  name: string;
  /** `me`: the raw client's own PeerId. */
  frames: (me: string, id: Cast) => Frame[];
  expect: 'closed' | 'dropped' | 'refused';
}
const rc = (name: string, frames: RawCase['frames'], expect: RawCase['expect']): RawCase => ({ name, frames, expect });
export const RAW: RawCase[] = [
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
  rc('signal to Oz of room B, with an ack', (_me, id) => [`42/room,7["signal",{"to":"${id.oz}","candidate":null}]`], 'refused'),
  rc(
    'signal to Bea of room A, forged from Gus, with an ack',
    (_me, id) => [`42/room,8["signal",{"to":"${id.bea}","from":"${id.gus}","candidate":null}]`],
    'refused',
  ),
  rc('host:kick of Mal (room A) by the host of its own room', (_me, id) => [`42/room,9["host:kick",{"id":"${id.mal}"}]`], 'refused'),
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

/** Inputs sent over socket.io-client on a connection of its own: above the size limits, or packets written by hand. */
export interface ClientFrameCase {
  name: string;
  transports: Array<'websocket' | 'polling'>;
  send: (socket: Socket, id: Cast) => void;
  /** 'closed': only this connection is closed; 'dropped': the connection stays. */
  expect: 'closed' | 'dropped';
}
export const CLIENT_FRAMES: ClientFrameCase[] = [
  {
    name: 'a payload above maxHttpBufferSize over websocket',
    transports: ['websocket'],
    send: (s) => s.emit('chat:send', { text: big(200_000) }, () => undefined),
    expect: 'closed',
  },
  {
    name: 'a payload above maxHttpBufferSize over polling',
    transports: ['polling'],
    send: (s, id) => s.emit('signal', { to: id.bea, description: { type: 'offer', sdp: big(200_000) } }),
    expect: 'closed',
  },
  {
    name: 'a binary attachment above maxHttpBufferSize',
    transports: ['websocket'],
    send: (s) => s.emit('chat:send', { text: 'x', file: Buffer.alloc(200_000) }),
    expect: 'closed',
  },
  {
    name: 'a malformed Socket.IO packet',
    transports: ['websocket'],
    send: (s) => rawSend(s, '2/room,["chat:send",{"text":'),
    expect: 'closed',
  },
  {
    name: 'a reserved event name in a raw packet',
    transports: ['websocket'],
    send: (s) => rawSend(s, '2/room,["disconnect","forged"]'),
    expect: 'closed',
  },
  {
    name: 'a raw packet for a namespace the connection has not joined',
    transports: ['websocket'],
    send: (s) => rawSend(s, '2/admin,["chat:send",{"text":"x"}]'),
    expect: 'closed',
  },
  {
    name: 'a raw packet with a numeric event name is dropped, the connection stays',
    transports: ['websocket'],
    send: (s) => {
      rawSend(s, '2/room,[123,{"text":"x"}]');
      rawSend(s, '2/room,7[456]');
    },
    expect: 'dropped',
  },
];
