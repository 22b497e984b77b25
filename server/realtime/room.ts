/** `/room`: membership, signaling relay, chat, media state and host controls, wired from their parts. */
import { randomBytes } from 'node:crypto';
import type { Server } from 'socket.io';
import type { LeaveReason } from '../protocol/events';
import type { Presence, Removal } from '../rooms/store';
import { admission, enter, resumeToken, welcome } from './admission';
import { meetingRoom, peerRoom, type RealtimeDeps, type Relay, type RoomNamespace, type RoomServices } from './context';
import { registerEvents, socketBuckets } from './handler';
import { tellHosts } from './knocks';
import { onePerConnection } from './connections';
import { localLimits } from './limits';
import { startPresence } from './presence';
import { roomEvents } from './room-events';

export interface RoomRuntime {
  nsp: RoomNamespace;
  /** Local connections holding a place, by socket id. */
  presence: Map<string, Presence>;
  /** Announces removals decided by the store (reaper, kick, leave). */
  announce: (removal: Removal) => void;
  /** See PresenceRuntime.drain. */
  drain: (spreadMs: number, timeoutMs: number) => Promise<number>;
  /** Resolves once every connection that went away has been told to the store. */
  settled: () => Promise<void>;
  stop: () => void;
  /** The direct relay of signals between replicas, in a cluster. */
  relay?: Relay;
}

export function attachRoom(io: Server, deps: RealtimeDeps, notifyLobby: (roomId: string) => void): RoomRuntime {
  const { metrics } = deps;
  const log = deps.log.child({ ns: 'room' });
  const nsp = io.of('/room') as unknown as RoomNamespace;

  const announce = (r: Removal) => {
    metrics.leaves.inc({ reason: r.reason });
    const others = nsp.to(meetingRoom(r.roomId)).except(peerRoom(r.roomId, r.member.id));
    others.emit('peer:left', { id: r.member.id, reason: r.reason as LeaveReason });
    if (r.newHost) {
      nsp.to(meetingRoom(r.roomId)).emit('peer:updated', { id: r.newHost, host: true });
      renewToken(r.roomId, r.newHost);
      tellHosts(nsp, deps.store, r.roomId, r.newHost).catch((err: unknown) => log.warn({ err, room: r.roomId }, 'knock list failed'));
    }
    log.info({ room: r.roomId, peer: r.member.id, reason: r.reason, newHost: r.newHost }, 'participant removed');
    notifyLobby(r.roomId);
  };

  // A participant whose role changed gets a token that says so, for a meeting that has to be brought back.
  const renewToken = (roomId: string, peerId: string) => {
    deps.store.snapshot(roomId).then(
      (snap) => {
        const self = snap?.members.find((m) => m.id === peerId);
        if (snap && self) nsp.to(peerRoom(roomId, peerId)).emit('room:resume', { resume: resumeToken(deps.config, snap, self) });
      },
      (err: unknown) => log.warn({ err, room: roomId }, 'token renewal failed'),
    );
  };

  const instance = `${deps.config.replicaId}.${randomBytes(6).toString('hex')}`;
  const relay = deps.relay?.(nsp, instance);
  const subscribed = deps.subscribed ?? (async () => undefined);
  // Settles once the relay listens (at start-up), or after a bounded wait when Redis is away.
  const relayReady = relay && boundedWait(relay.ready);
  let relayClosed: Promise<void> | undefined;
  const svc: RoomServices = {
    ...deps,
    instance,
    relay,
    log,
    limits: deps.limits ?? localLimits(deps.config),
    // A newcomer is welcomed once other replicas' packets for its rooms, and for this replica, reach it.
    subscribed: relayReady ? async (name, rooms) => void (await Promise.all([relayReady, subscribed(name, rooms)])) : subscribed,
    nsp,
    announce,
    notifyLobby,
  };
  const presence = startPresence(svc);

  nsp.use(onePerConnection('/room', admission(svc, presence)));
  nsp.on('connection', (socket) => {
    const plog = log.child({ room: socket.data.roomId, peer: socket.data.peerId });
    presence.track(socket, plog);
    enter(svc, socket);
    registerEvents(socket, roomEvents, { svc, socket, metrics, log: plog, buckets: socketBuckets(deps.config) });
    welcome(svc, socket, plog).then(
      // Admitted while the drain began: it must move on like everyone else.
      () => presence.draining && socket.emit('server:draining', { reconnectInMs: 0 }),
      (err: unknown) => {
        log.error({ err }, 'welcome failed');
        socket.disconnect(true);
      },
    );
  });

  return {
    nsp,
    relay,
    presence: presence.local,
    announce,
    drain: presence.drain,
    settled: async () => {
      await presence.settled();
      await relayClosed;
    },
    stop: () => {
      presence.stop();
      relayClosed ??= relay?.close().catch((err: unknown) => log.warn({ err }, 'relay close failed'));
    },
  };
}

/** How long a welcome waits for the relay to listen, at most (Redis confirms within a round trip when it is up). */
const RELAY_WAIT_MS = 2000;

function boundedWait(p: Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, RELAY_WAIT_MS);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    p.then(done, done);
  });
}
