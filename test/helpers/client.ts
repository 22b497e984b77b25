/** Tiny socket.io-client helpers: connect and join, wait for an event, assert an event does not come. */
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type { Ack, LobbyRoom, Peer, RoomAuth, Welcome } from '../../server/protocol/events';

export type AnySocket = Socket;

const open: Socket[] = [];

export interface Joined {
  socket: Socket;
  welcome: Welcome;
}

export interface JoinRefusal {
  message: string;
  data?: { code: string; message: string };
}

/** Options for tests: no automatic reconnection, a fresh manager per socket. */
export function socketOptions(extra: Partial<ManagerOptions & SocketOptions> = {}): Partial<ManagerOptions & SocketOptions> {
  return { reconnection: false, forceNew: true, timeout: 5000, ...extra };
}

/** Opens a socket to a namespace (closed by closeAll). */
export function connect(url: string, nsp: '/room' | '/lobby', opts: Partial<ManagerOptions & SocketOptions> = {}): Socket {
  const s = io(url + nsp, socketOptions(opts));
  open.push(s);
  return s;
}

/** Joins a room and resolves with the socket and its welcome; rejects with the connect_error. */
export function join(
  url: string,
  auth: Partial<RoomAuth> | Record<string, unknown>,
  opts: Partial<ManagerOptions & SocketOptions> = {},
): Promise<Joined> {
  const socket = connect(url, '/room', { auth: auth as Record<string, unknown>, ...opts });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no room:welcome within 5 s')), 5000);
    socket.once('room:welcome', (welcome: Welcome) => {
      clearTimeout(timer);
      resolve({ socket, welcome });
    });
    socket.once('connect_error', (err: Error & { data?: JoinRefusal['data'] }) => {
      clearTimeout(timer);
      socket.close();
      reject(Object.assign(new Error(err.message), { data: err.data }));
    });
  });
}

/** Joins `names` in order, the i-th through `urlOf(i)`; resolves once everyone has seen everyone join. */
export async function joinInOrder(urlOf: (i: number) => string, room: string, ...names: string[]): Promise<Joined[]> {
  const out: Joined[] = [];
  for (const [i, name] of names.entries()) {
    const seen = out.map((j) => waitFor<Peer>(j.socket, 'peer:joined', 5000, (p) => p.name === name));
    out.push(await join(urlOf(i), { room, name }));
    await Promise.all(seen);
  }
  return out;
}

/** Resolves with the refusal of a join that must fail. */
export async function refused(
  url: string,
  auth: Record<string, unknown>,
  opts: Partial<ManagerOptions & SocketOptions> = {},
): Promise<JoinRefusal> {
  try {
    const { socket } = await join(url, auth, opts);
    socket.close();
  } catch (err) {
    return err as JoinRefusal;
  }
  throw new Error('the join was admitted but should have been refused');
}

export function waitFor<T = unknown>(socket: Socket, event: string, timeoutMs = 5000, filter: (v: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, handler);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const handler = (value: T) => {
      if (!filter(value)) return;
      clearTimeout(timer);
      socket.off(event, handler);
      resolve(value);
    };
    socket.on(event, handler);
  });
}

/** Records every event a socket receives from now on. */
export function record(socket: Socket): Array<{ event: string; args: unknown[] }> {
  const seen: Array<{ event: string; args: unknown[] }> = [];
  socket.onAny((event: string, ...args: unknown[]) => seen.push({ event, args }));
  return seen;
}

export function emitAck<T extends object = object>(socket: Socket, event: string, ...payload: unknown[]): Promise<Ack<T>> {
  return socket.timeout(5000).emitWithAck(event, ...payload) as Promise<Ack<T>>;
}

export function peek(url: string, room: string): Promise<Ack<{ room: LobbyRoom }>> {
  const s = connect(url, '/lobby');
  return emitAck<{ room: LobbyRoom }>(s, 'lobby:peek', { room }).finally(() => s.close());
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Drops a socket's transport without a goodbye, as a network blip or a dead replica would. */
export function dropTransport(socket: Socket): void {
  (socket.io as unknown as { engine: { close(): void } }).engine.close();
}

export function closeAll(): void {
  for (const s of open.splice(0)) s.close();
}

/**
 * A round trip through the server on `socket`: resolves once the server answered an event sent after
 * everything sent before, so anything the server emitted to this socket earlier has arrived.
 */
export async function sync(socket: Socket): Promise<void> {
  const reply = await emitAck(socket, 'sync:ping');
  if (reply.ok) throw new Error('an unknown event was acknowledged as ok');
}

/** Resolves when the socket is disconnected (at once if it already is), with the reason. */
export function disconnected(socket: Socket, timeoutMs = 5000): Promise<string> {
  if (!socket.connected) return Promise.resolve('already disconnected');
  return waitFor<string>(socket, 'disconnect', timeoutMs);
}

/** Sends one raw Engine.IO message (a Socket.IO packet as text) on the socket's connection. */
export function rawSend(socket: Socket, packet: string): void {
  (socket.io as unknown as { engine: { write(msg: string): void } }).engine.write(packet);
}

/** Asserts that a socket does not get `event` within `ms`. */
export async function nothing(socket: Socket, event: string, ms: number): Promise<void> {
  let got: unknown[] | undefined;
  const handler = (...args: unknown[]) => {
    got = args;
  };
  socket.on(event, handler);
  await sleep(ms);
  socket.off(event, handler);
  if (got !== undefined) throw new Error(`unexpected ${event}: ${JSON.stringify(got)}`);
}
