/** `/room`: membership, signaling relay, chat, media state and host controls, wired from their parts. */
import type { Server } from 'socket.io';
import type { LeaveReason } from '../protocol/events';
import type { Presence, Removal } from '../rooms/store';
import { admission, enter, resumeToken, welcome } from './admission';
import { meetingRoom, peerRoom, type RealtimeDeps, type RoomNamespace, type RoomServices } from './context';
import { registerEvents, socketBuckets } from './handler';
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

  const svc: RoomServices = {
    ...deps,
    log,
    limits: deps.limits ?? localLimits(deps.config),
    subscribed: deps.subscribed ?? (async () => undefined),
    watched: deps.watched ?? (async () => false),
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

  return { nsp, presence: presence.local, announce, drain: presence.drain, settled: presence.settled, stop: presence.stop };
}
