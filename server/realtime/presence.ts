/**
 * Presence of `/room` participants on this replica: the places local connections hold, covered by one lease of the
 * replica's presence owner (renewed by a heartbeat, whatever the number of participants), the reaper that removes
 * whoever's place ran out on any replica, and the drain that sends everyone elsewhere before the replica goes away.
 */
import type { Logger } from '../logger';
import type { Presence } from '../rooms/store';
import { peerRoom, type RoomServices, type RoomSocket } from './context';

export interface PresenceRuntime {
  /** Local connections holding a place, by socket id. */
  local: Map<string, Presence>;
  /** The presence owner whose lease covers this replica's places (a new one if the lease ever lapsed). */
  readonly owner: string;
  /**
   * A joining connection's place ends at this time unless the owner covers it (outlives one missed heartbeat, as the
   * owner's lease does).
   */
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
  const leaseMs = config.resumeGraceMs + heartbeatMs;
  const connectedLease = () => Date.now() + leaseMs;
  // The first owner is the replica process itself; after a lapse, `<instance>/<n>` (see instanceOf).
  let generation = 0;
  const newOwner = () => (generation++ === 0 ? svc.instance : `${svc.instance}/${generation - 1}`);
  let owner = newOwner();
  let registered = false;
  /** Welcomed while the owner did not cover them (not registered yet, or lapsed): claimed at the next heartbeat. */
  const unclaimed = new Map<string, Presence>();
  /** Rooms where the last local connection went away since the last heartbeat. */
  const emptied = new Set<string>();
  const localRooms = new Map<string, number>();

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
      unclaimed.delete(socket.id);
      const left = (localRooms.get(roomId) ?? 1) - 1;
      if (left > 0) localRooms.set(roomId, left);
      else {
        localRooms.delete(roomId);
        emptied.add(roomId);
      }
      updateGauges();
      if (socket.data.gone) return;
      const detached = store.detach({ roomId, peerId, sid }, Date.now() + config.resumeGraceMs).then(
        (kept) => kept && plog.info({ reason }, 'participant dropped; place kept for the grace period'),
        (err: unknown) => plog.error({ err }, 'detach failed'),
      );
      pending.add(detached);
      void detached.finally(() => pending.delete(detached));
    });
    const entry = { roomId, peerId, sid };
    local.set(socket.id, entry);
    if (socket.data.owner !== owner) unclaimed.set(socket.id, entry);
    localRooms.set(roomId, (localRooms.get(roomId) ?? 0) + 1);
    emptied.delete(roomId);
    updateGauges();
  };

  /** Places given up while this replica could not cover them: those participants must come back through a resume. */
  const sendAway = (lost: Presence[]) => {
    for (const p of lost) {
      const socket = nsp.sockets.get(p.sid);
      if (!socket) continue;
      log.info({ room: p.roomId, peer: p.peerId }, 'place lost; asking the participant to resume');
      socket.data.gone = true;
      socket.emit('server:draining', { reconnectInMs: 0 });
      socket.disconnect(true);
    }
  };

  /** One renewal of the owner's lease, and the claims it calls for. */
  const renew = async () => {
    const fresh = !registered;
    const r = await store.renewOwner(owner, leaseMs, fresh);
    // A new owner, or a connection to the store that came back: claim every place held here.
    let all = fresh || r === 'check';
    if (r === 'lapsed') {
      // The lease ended unrenewed (this replica was cut off or stalled): its places are being reaped. Carry on under
      // a new owner, and claim every place that is still held.
      log.warn({ owner }, 'presence lease lapsed; renewing under a new owner');
      owner = newOwner();
      if ((await store.renewOwner(owner, leaseMs, true)) !== 'ok') throw new Error('a new presence owner was refused');
      all = true;
    }
    registered = true;
    const entries = all ? [...local] : [...unclaimed];
    if (entries.length > 0) {
      sendAway(
        await store.claim(
          owner,
          entries.map(([, p]) => p),
        ),
      );
      for (const [id] of entries) unclaimed.delete(id);
    }
    const rooms = [...emptied].filter((roomId) => !localRooms.has(roomId));
    if (rooms.length > 0) {
      await store.release(owner, rooms);
      for (const roomId of rooms) emptied.delete(roomId);
    }
  };
  let renewing = false;
  const beat = () => {
    if (renewing) return;
    renewing = true;
    renew()
      .catch((err: unknown) => log.warn({ err }, 'presence renewal failed'))
      .finally(() => {
        renewing = false;
      });
  };
  // The owner is registered at once, so that the first participants' places are covered from their join.
  beat();
  const heartbeat = setInterval(beat, heartbeatMs);
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
    get owner() {
      return owner;
    },
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
