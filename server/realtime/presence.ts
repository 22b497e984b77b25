/**
 * Presence of `/room` participants on this replica: the places local connections hold, their leases (renewed by a
 * heartbeat), the reaper that removes whoever's lease ran out on any replica, and the drain that sends everyone
 * elsewhere before the replica goes away.
 */
import type { Logger } from '../logger';
import type { Presence } from '../rooms/store';
import { peerRoom, type RoomServices, type RoomSocket } from './context';

export interface PresenceRuntime {
  /** Local connections holding a place, by socket id. */
  local: Map<string, Presence>;
  /** A connection's place expires at this time while it stays connected (outlives one missed heartbeat). */
  connectedLease(): number;
  /** Counts a welcomed socket; when it drops without leaving, its place is kept for the grace period. */
  track(socket: RoomSocket, log: Logger): void;
  /**
   * Asks every local participant to move to another replica (each after its own random delay up to `spreadMs`, so
   * they do not all arrive at once) and resolves with how many are left here once none is or `timeoutMs` has
   * passed. Resume keeps their PeerIds; nobody sees them leave.
   */
  drain(spreadMs: number, timeoutMs: number): Promise<number>;
  /** True from the start of a drain: admission sends newcomers elsewhere, whatever transport they came by. */
  readonly draining: boolean;
  /** Resolves once the store has been told about every connection that went away (before the store is closed). */
  settled(): Promise<void>;
  stop(): void;
}

export function startPresence(svc: RoomServices): PresenceRuntime {
  const { config, store, metrics, nsp } = svc;
  const log = svc.log.child({ ns: 'presence' });
  const local = new Map<string, Presence>();
  const pending = new Set<Promise<unknown>>();
  let draining = false;
  const heartbeatMs = Math.min(1000, Math.floor(config.resumeGraceMs / 4));
  const connectedLease = () => Date.now() + config.resumeGraceMs + heartbeatMs;

  const updateGauges = () => {
    metrics.participants.set(local.size);
    metrics.rooms.set(new Set([...local.values()].map((p) => p.roomId)).size);
  };

  const track = (socket: RoomSocket, plog: Logger) => {
    const { roomId, peerId, sid } = socket.data;
    metrics.sockets.inc({ namespace: '/room' });
    socket.on('disconnect', (reason) => {
      metrics.sockets.dec({ namespace: '/room' });
      local.delete(socket.id);
      updateGauges();
      if (socket.data.gone) return;
      const detached = store.detach({ roomId, peerId, sid }, Date.now() + config.resumeGraceMs).then(
        (kept) => kept && plog.info({ reason }, 'participant dropped; place kept for the grace period'),
        (err: unknown) => plog.error({ err }, 'detach failed'),
      );
      pending.add(detached);
      void detached.finally(() => pending.delete(detached));
    });
    local.set(socket.id, { roomId, peerId, sid });
    updateGauges();
  };

  const heartbeat = setInterval(() => {
    if (local.size === 0) return;
    store.touch([...local.values()], connectedLease()).then(
      (lost) => {
        // Places given up while this replica could not renew them (cut off from Redis longer than the grace
        // period): those participants must come back through a resume, so send them on their way.
        for (const p of lost) {
          const socket = nsp.sockets.get(p.sid);
          if (!socket) continue;
          log.info({ room: p.roomId, peer: p.peerId }, 'place lost; asking the participant to resume');
          socket.data.gone = true;
          socket.emit('server:draining', { reconnectInMs: 0 });
          socket.disconnect(true);
        }
      },
      (err: unknown) => log.warn({ err }, 'presence renewal failed'),
    );
  }, heartbeatMs);
  const reaper = setInterval(
    () => {
      store.reap(Date.now()).then(
        (removals) => {
          for (const r of removals) {
            nsp.in(peerRoom(r.roomId, r.member.id)).disconnectSockets(true);
            svc.announce(r);
          }
        },
        (err: unknown) => log.warn({ err }, 'reaping failed'),
      );
    },
    Math.min(500, heartbeatMs),
  );
  heartbeat.unref();
  reaper.unref();

  const drain = async (spreadMs: number, timeoutMs: number): Promise<number> => {
    draining = true;
    for (const socket of nsp.sockets.values()) {
      socket.emit('server:draining', { reconnectInMs: Math.floor(Math.random() * spreadMs) });
    }
    const deadline = Date.now() + timeoutMs;
    while (nsp.sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    log.info({ remaining: nsp.sockets.size }, 'drained');
    return nsp.sockets.size;
  };

  return {
    local,
    connectedLease,
    track,
    drain,
    get draining() {
      return draining;
    },
    settled: async () => {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    stop: () => {
      clearInterval(heartbeat);
      clearInterval(reaper);
    },
  };
}
