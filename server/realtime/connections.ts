/**
 * Connections per client address, over every namespace: an Engine.IO connection takes a place from the address's
 * cap (limits.ts) at its handshake and gives it back when it closes; and a connection holds at most one socket
 * per namespace, so that the cap bounds `/room` places and `/lobby` watches per address too.
 */
import type { IncomingMessage } from 'node:http';
import type { Server } from 'socket.io';
import { refusal } from './admission';
import type { ConnectionCap } from './limits';

/** A place taken at a handshake that led to no connection (a refused WebSocket upgrade) is given back after this. */
const UNCLAIMED_MS = 10_000;

export interface ConnectionGate {
  /** For Engine.IO's allowRequest: takes a place for a new connection from `address`; false when it has none. */
  admit(req: IncomingMessage, address: string): Promise<boolean>;
}

export function gateConnections(io: Server, cap: ConnectionCap): ConnectionGate {
  const unclaimed = new WeakMap<IncomingMessage, { address: string; timer: NodeJS.Timeout }>();
  const release = (req: IncomingMessage) => {
    const place = unclaimed.get(req);
    if (!place) return;
    unclaimed.delete(req);
    clearTimeout(place.timer);
    cap.close(place.address);
  };
  io.engine.on('connection', (conn: { request: IncomingMessage; once(event: 'close', fn: () => void): void }) => {
    const place = unclaimed.get(conn.request);
    if (!place) return;
    unclaimed.delete(conn.request);
    clearTimeout(place.timer);
    conn.once('close', () => cap.close(place.address));
  });
  io.engine.on('connection_error', (err: { req: IncomingMessage }) => release(err.req));
  return {
    async admit(req, address) {
      if (!(await cap.open(address))) return false;
      const timer = setTimeout(() => release(req), UNCLAIMED_MS);
      timer.unref();
      unclaimed.set(req, { address, timer });
      return true;
    },
  };
}

/** What the middleware needs of a socket, whatever its namespace's event maps. */
interface AnySocket {
  conn: object;
  once(event: 'disconnect', listener: () => void): unknown;
}
type Middleware<S extends AnySocket> = (socket: S, next: (err?: Error) => void) => void;

/**
 * Namespace middleware around the namespace's own admission (`admit`): refuses a second socket of this namespace
 * on one connection while the first is open or still being admitted. A client reconnects a namespace only after
 * its socket there closed or was refused.
 */
export function onePerConnection<S extends AnySocket>(namespace: string, admit: Middleware<S>): Middleware<S> {
  const holding = new WeakSet<object>();
  return (socket, next) => {
    const conn = socket.conn;
    if (holding.has(conn)) return next(refusal('BAD_REQUEST', `This connection already has a socket on ${namespace}.`));
    holding.add(conn);
    admit(socket, (err) => {
      if (err) holding.delete(conn);
      else socket.once('disconnect', () => holding.delete(conn));
      next(err);
    });
  };
}
