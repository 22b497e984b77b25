/** A cluster from the outside: the load balancer's pinning cookies, where it routes, and joins with socket.io-client. */
import { io, type Socket } from 'socket.io-client';
import type { Cluster, ReplicaHandle } from '../../scripts/cluster.cjs';
import type { Welcome } from '../../server/protocol/events';
import { waitUntil } from './browser';
import { replicaMetrics } from './metrics';

export interface LbAnswer {
  status: number;
  headers: Headers;
  body: string;
}

/**
 * A GET through the load balancer, its body read. Each request has a connection of its own (`Connection: close`):
 * one kept alive from an earlier request may be closed by HAProxy just as it is reused ("other side closed"), as
 * when a replica goes away. A GET that fails without an answer that way is sent once more; an HTTP status never is.
 */
export async function lbGet(url: string, cookie?: string, timeoutMs = 5000): Promise<LbAnswer> {
  const once = async (): Promise<LbAnswer> => {
    const res = await fetch(url, {
      headers: { connection: 'close', ...(cookie ? { cookie } : {}) },
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.status, headers: res.headers, body: await res.text() };
  };
  try {
    return await once();
  } catch (err) {
    if ((err as Error).name === 'TimeoutError') throw err;
    return once();
  }
}

/** Learns which PARLEY_LB value pins which replica from requests without a cookie (round robin). */
export async function lbCookies(url: string, replicas: number): Promise<Map<string, string>> {
  const cookies = new Map<string, string>();
  for (let i = 0; i < 10 * replicas && cookies.size < replicas; i++) {
    const res = await lbGet(`${url}/readyz`);
    const replica = res.headers.get('x-parley-replica');
    const value = /PARLEY_LB=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
    if (replica && value) cookies.set(replica, value);
  }
  if (cookies.size < replicas) throw new Error(`the load balancer pinned only ${cookies.size} of ${replicas} replicas`);
  return cookies;
}

/** parley_participants of each replica that answers (asked directly, not through the LB). */
export async function participantsPerReplica(cluster: Cluster): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  await Promise.all(
    cluster.replicas.map(async (r: ReplicaHandle) => {
      try {
        const n = (await replicaMetrics(r.url, 2000))('parley_participants');
        if (n !== undefined) out[r.id] = n;
      } catch {
        // Not running: no entry.
      }
    }),
  );
  return out;
}

/** Waits until the LB sends requests without a cookie to `replica` again (its health check passed). */
export async function untilLbRoutesTo(url: string, replica: string, timeoutMs = 15_000): Promise<void> {
  await waitUntil(
    `the load balancer to route to ${replica}`,
    async () => {
      for (let i = 0; i < 6; i++) {
        const res = await lbGet(`${url}/healthz`, undefined, 2000);
        if (res.headers.get('x-parley-server') === replica) return true;
      }
      return false;
    },
    timeoutMs,
  );
}

export interface JoinAttempt {
  ok: boolean;
  /** From the start of the attempt to its welcome or refusal. */
  ms: number;
  code?: string;
  retryable?: boolean;
  /** The connect_error message (an error code, or a transport error such as "xhr poll error"). */
  message?: string;
  /** A transport error's detail, e.g. the HTTP status the load balancer answered with. */
  status?: unknown;
  welcome?: Welcome;
  socket?: Socket;
}

/**
 * One join with socket.io-client and no automatic reconnection; never throws. Close `socket` when ok. The requests of
 * one polling session must reach one replica: through the LB, either pass a `cookie` (PARLEY_LB=...) that pins one,
 * or none, and the client keeps the cookie the LB sets on the handshake, as a browser does. A fixed pin to a replica
 * that is out of rotation sends the handshake elsewhere and the session's next requests back to it, which fail.
 */
export function attemptJoin(url: string, auth: { room: string; name: string }, cookie?: string, timeoutMs = 5000): Promise<JoinAttempt> {
  const started = Date.now();
  const socket = io(`${url}/room`, {
    auth,
    forceNew: true,
    reconnection: false,
    timeout: timeoutMs,
    ...(cookie ? { extraHeaders: { cookie } } : { withCredentials: true }),
  });
  return new Promise((resolve) => {
    const done = (r: Omit<JoinAttempt, 'ms'>) => {
      clearTimeout(timer);
      if (!r.ok) socket.close();
      resolve({ ...r, ms: Date.now() - started });
    };
    const timer = setTimeout(() => {
      // The server may still admit it after we stop waiting (a slow handshake): such a late welcome is answered with
      // room:leave, so that a given-up attempt does not hold a place for the grace period.
      socket.once('room:welcome', () => socket.emit('room:leave', () => socket.close()));
      setTimeout(() => socket.close(), 10_000).unref();
      resolve({ ok: false, message: `no answer within ${timeoutMs} ms`, ms: Date.now() - started });
    }, timeoutMs);
    socket.once('room:welcome', (welcome: Welcome) => done({ ok: true, welcome, socket }));
    socket.once('connect_error', (err: Error & { data?: { code?: string; retryable?: boolean }; description?: unknown }) =>
      done({ ok: false, message: err.message, code: err.data?.code, retryable: err.data?.retryable, status: err.description }),
    );
  });
}
