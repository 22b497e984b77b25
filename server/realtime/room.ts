/** `/room`: membership, signaling relay, chat, media state and host controls. */
import type { Namespace, Server, Socket } from 'socket.io';
import type { ExtendedError } from 'socket.io/dist/namespace';
import { iceServersFor } from '../ice/ice';
import type { ChatMessage, LeaveReason, RoomClientToServer, RoomServerToClient, SignalIn } from '../protocol/events';
import { AppError, type ErrorCode } from '../protocol/errors';
import * as S from '../protocol/schemas';
import { newMessageId, newPeerId } from '../rooms/codes';
import { toPeer, type Presence, type Removal } from '../rooms/store';
import { clientAddress, meetingRoom, peerRoom, type RealtimeDeps } from './context';
import { on, refuseUnknown } from './handler';
import { localLimits } from './limits';
import { TokenBucket } from './rate';
import { issueResume, verifyResume } from './resume';

interface RoomSocketData {
  roomId: string;
  peerId: string;
  sid: string;
  name: string;
  resumed: boolean;
  startedAt: number;
  /** Set once the participant left or was removed, so the disconnect keeps no place. */
  gone: boolean;
}

type RoomNamespace = Namespace<RoomClientToServer, RoomServerToClient, Record<string, never>, RoomSocketData>;
type RoomSocket = Socket<RoomClientToServer, RoomServerToClient, Record<string, never>, RoomSocketData>;

const KNOWN = new Set(['signal', 'media', 'hand', 'chat:send', 'room:leave', 'host:lock', 'host:kick', 'host:mute']);

function refusal(code: ErrorCode, message?: string, extra: object = {}): ExtendedError {
  const body = new AppError(code, message).toBody();
  const err = new Error(code) as ExtendedError;
  err.data = { ...body, ...extra };
  return err;
}

export interface RoomRuntime {
  nsp: RoomNamespace;
  /** Local connections holding a place, by socket id. */
  presence: Map<string, Presence>;
  /** Announces removals decided by the store (reaper, kick, leave). */
  announce: (removal: Removal) => void;
  /**
   * Asks every local participant to move to another replica (each after its own random delay
   * up to `spreadMs`, so they do not all arrive at once) and resolves when none is left here
   * or `timeoutMs` has passed. Resume keeps their PeerIds; nobody sees them leave.
   */
  drain: (spreadMs: number, timeoutMs: number) => Promise<number>;
  stop: () => void;
}

export function attachRoom(io: Server, deps: RealtimeDeps, notifyLobby: (roomId: string) => void): RoomRuntime {
  const { config, store, metrics } = deps;
  const log = deps.log.child({ ns: 'room' });
  const nsp = io.of('/room') as unknown as RoomNamespace;
  const presence = new Map<string, Presence>();
  // Per address, shared by the replicas when there is Redis: handshakes, and wrong passwords per room.
  const limits = deps.limits ?? localLimits(config);
  const heartbeatMs = Math.min(1000, Math.floor(config.resumeGraceMs / 4));
  // A connected participant's lease outlives one missed heartbeat; a dropped one gets exactly the grace period.
  const connectedLease = () => Date.now() + config.resumeGraceMs + heartbeatMs;

  const updateGauges = () => {
    metrics.participants.set(presence.size);
    metrics.rooms.set(new Set([...presence.values()].map((p) => p.roomId)).size);
  };

  const announce = (r: Removal) => {
    metrics.leaves.inc({ reason: r.reason });
    const others = nsp.to(meetingRoom(r.roomId)).except(peerRoom(r.roomId, r.member.id));
    others.emit('peer:left', { id: r.member.id, reason: r.reason as LeaveReason });
    if (r.newHost) nsp.to(meetingRoom(r.roomId)).emit('peer:updated', { id: r.newHost, host: true });
    log.info({ room: r.roomId, peer: r.member.id, reason: r.reason, newHost: r.newHost }, 'participant removed');
    notifyLobby(r.roomId);
  };

  nsp.use((socket, next) => {
    const s = socket as RoomSocket;
    const fail = (code: ErrorCode, message?: string, extra?: object) => {
      metrics.refused.inc({ event: 'handshake', code });
      next(refusal(code, message, extra));
    };
    admit(s).then(
      (refused) => (refused ? fail(...refused) : next()),
      (err: unknown) => {
        // Typically the room state is out of reach (Redis down): say so, and that trying again will work.
        log.error({ err, room: (s.handshake.auth as { room?: unknown })?.room }, 'join failed');
        fail('INTERNAL', 'The meeting service is briefly unavailable; try again in a moment.', { retryable: true });
      },
    );
  });

  /** Admission of a handshake: sets socket.data, or returns the refusal. */
  async function admit(s: RoomSocket): Promise<[ErrorCode, string?] | undefined> {
    const address = clientAddress(s.handshake.headers, s.handshake.address, config.trustProxy);
    if (!(await limits.handshakes.take(address))) return ['RATE_LIMITED'];
    let auth: ReturnType<typeof S.roomAuth.parse>;
    try {
      auth = S.parse(S.roomAuth, s.handshake.auth);
    } catch (err) {
      return [(err as AppError).code, (err as AppError).message];
    }
    let peerId = newPeerId();
    if (auth.resume !== undefined) {
      const claim = verifyResume(config.secret, auth.resume, auth.room);
      if (!claim) return ['BAD_REQUEST', 'The resume token is not valid for this room.'];
      peerId = claim.peer;
    }
    // Only an offered password is a guess. A resume never checks the password, so others' guesses do not block it.
    const guessKey = auth.password !== undefined && auth.resume === undefined ? `${address}|${auth.room}` : undefined;
    if (guessKey && (await limits.passwords.exhausted(guessKey))) {
      return ['RATE_LIMITED', 'Too many wrong passwords; try again in a minute.'];
    }
    const sid = s.id;
    const startedAt = Date.now();
    const result = await store.join({
      roomId: auth.room,
      peerId,
      name: auth.name,
      identity: `${address}|${auth.name.toLowerCase()}`,
      sid,
      maxPeers: config.roomMaxPeers,
      expiresAt: connectedLease(),
      now: startedAt,
      password: auth.password,
      resuming: auth.resume !== undefined,
    });
    if (!result.ok) {
      if (result.code === 'WRONG_PASSWORD' && guessKey) await limits.passwords.take(guessKey);
      return [result.code];
    }
    s.data = {
      roomId: auth.room,
      peerId,
      sid,
      name: result.member.name,
      resumed: result.resumed,
      startedAt,
      gone: false,
    };
    return undefined;
  }

  nsp.on('connection', (socket) => {
    void welcome(socket).catch((err: unknown) => {
      log.error({ err }, 'welcome failed');
      socket.disconnect(true);
    });
  });

  async function welcome(socket: RoomSocket): Promise<void> {
    const { roomId, peerId, sid, resumed } = socket.data;
    const plog = log.child({ room: roomId, peer: peerId });
    metrics.sockets.inc({ namespace: '/room' });
    socket.on('disconnect', (reason) => {
      metrics.sockets.dec({ namespace: '/room' });
      presence.delete(socket.id);
      updateGauges();
      if (socket.data.gone) return;
      store.detach({ roomId, peerId, sid }, Date.now() + config.resumeGraceMs).then(
        (kept) => kept && plog.info({ reason }, 'participant dropped; place kept for the grace period'),
        (err: unknown) => plog.error({ err }, 'detach failed'),
      );
    });
    // A resumed participant takes its place over from a stale connection, wherever that one is.
    // With a cluster adapter the local part runs only after a Redis round trip, when this socket has
    // joined the peer's room too: it must be excluded by id.
    if (resumed) nsp.in(peerRoom(roomId, peerId)).except(socket.id).disconnectSockets(true);
    socket.join([meetingRoom(roomId), peerRoom(roomId, peerId)]);
    presence.set(socket.id, { roomId, peerId, sid });
    updateGauges();
    register(socket, plog);

    const [snap, chat] = await Promise.all([store.snapshot(roomId), store.chat(roomId)]);
    const self = snap?.members.find((m) => m.id === peerId);
    if (!snap || !self || self.sid !== sid) {
      // Removed (or replaced) between admission and now.
      socket.data.gone = true;
      socket.disconnect(true);
      return;
    }
    socket.emit('room:welcome', {
      self: toPeer(self),
      resume: issueResume(config.secret, { room: roomId, peer: peerId, iat: Math.floor(Date.now() / 1000) }),
      peers: snap.members.filter((m) => m.id !== peerId).map(toPeer),
      iceServers: iceServersFor(config, peerId),
      chat,
      room: { id: roomId, locked: snap.locked, maxPeers: config.roomMaxPeers },
    });
    metrics.joinSeconds.observe((Date.now() - socket.data.startedAt) / 1000);
    metrics.joins.inc({ kind: resumed ? 'resume' : 'join' });
    if (!resumed) {
      socket.to(meetingRoom(roomId)).emit('peer:joined', toPeer(self));
      notifyLobby(roomId);
    }
    plog.info({ resumed }, resumed ? 'participant resumed' : 'participant joined');
  }

  function register(socket: RoomSocket, plog: typeof log): void {
    const { roomId, peerId, sid } = socket.data;
    const signals = new TokenBucket(config.signalRate, config.signalBurst);
    const events = new TokenBucket(config.eventRate, config.eventBurst);
    const others = () => socket.to(meetingRoom(roomId));
    const self = (): Presence => ({ roomId, peerId, sid });
    refuseUnknown(socket, KNOWN, metrics, plog);

    on(
      socket,
      'signal',
      {
        arity: 1,
        bucket: signals,
        run: async (payload) => {
          const msg = S.parse(S.signal, payload, true);
          if (msg.to === peerId) throw new AppError('BAD_REQUEST', 'A signal cannot be sent to oneself.');
          if (!(await store.isMember(roomId, msg.to))) throw new AppError('NOT_IN_ROOM');
          const out: SignalIn = { from: peerId };
          if (msg.description !== undefined) out.description = msg.description;
          if (msg.candidate !== undefined) out.candidate = msg.candidate;
          // A participant has one socket: when it is on this replica, deliver here and spare the
          // cluster a publish (and this replica reading its own message back from Redis).
          const target = peerRoom(roomId, msg.to);
          if (nsp.adapter.rooms.has(target)) nsp.local.to(target).emit('signal', out);
          else nsp.to(target).emit('signal', out);
          metrics.signals.inc();
        },
      },
      metrics,
      plog,
    );

    on(
      socket,
      'media',
      {
        arity: 1,
        bucket: events,
        run: async (payload) => {
          const media = S.parse(S.media, payload);
          if (!(await store.updatePeer(roomId, peerId, { media }))) throw new AppError('NOT_IN_ROOM');
          others().emit('peer:updated', { id: peerId, media });
        },
      },
      metrics,
      plog,
    );

    on(
      socket,
      'hand',
      {
        arity: 1,
        bucket: events,
        run: async (payload) => {
          const { raised } = S.parse(S.hand, payload);
          if (!(await store.updatePeer(roomId, peerId, { hand: raised }))) throw new AppError('NOT_IN_ROOM');
          others().emit('peer:updated', { id: peerId, hand: raised });
        },
      },
      metrics,
      plog,
    );

    on(
      socket,
      'chat:send',
      {
        arity: 1,
        bucket: events,
        run: async (payload) => {
          const { text } = S.parse(S.chatSend, payload, true);
          const message: ChatMessage = { id: newMessageId(), from: peerId, name: socket.data.name, text, ts: Date.now() };
          // Stored before it is acknowledged or delivered.
          if (!(await store.addChat(roomId, message, config.chatHistory))) throw new AppError('NOT_IN_ROOM');
          others().emit('chat:message', message);
          metrics.chat.inc();
          return { message };
        },
      },
      metrics,
      plog,
    );

    on(
      socket,
      'room:leave',
      {
        arity: 0,
        bucket: events,
        run: async () => {
          socket.data.gone = true;
          const removal = await store.leave(self());
          if (removal) announce(removal);
          // Let the ack go out first; then close.
          setImmediate(() => socket.disconnect(true));
        },
      },
      metrics,
      plog,
    );

    on(
      socket,
      'host:lock',
      {
        arity: 1,
        bucket: events,
        run: async (payload) => {
          const { locked } = S.parse(S.hostLock, payload);
          const r = await store.setLocked(roomId, peerId, locked);
          if (!r.ok) throw new AppError(r.code);
          nsp.to(meetingRoom(roomId)).emit('room:updated', { locked });
          notifyLobby(roomId);
          plog.info({ locked }, 'room lock changed');
        },
      },
      metrics,
      plog,
    );

    on(
      socket,
      'host:kick',
      {
        arity: 1,
        bucket: events,
        run: async (payload) => {
          const { id } = S.parse(S.hostTarget, payload);
          const r = await store.kick(roomId, peerId, id);
          if (!r.ok) throw new AppError(r.code);
          const target = peerRoom(roomId, id);
          nsp.to(target).emit('room:kicked', { by: peerId });
          nsp.in(target).disconnectSockets(true);
          announce(r.removal);
        },
      },
      metrics,
      plog,
    );

    on(
      socket,
      'host:mute',
      {
        arity: 1,
        bucket: events,
        run: async (payload) => {
          const { id } = S.parse(S.hostTarget, payload);
          const r = await store.checkHostOver(roomId, peerId, id);
          if (!r.ok) throw new AppError(r.code);
          nsp.to(peerRoom(roomId, id)).emit('media:mute-request', { by: peerId });
        },
      },
      metrics,
      plog,
    );
  }

  // Presence: renew the leases of local connections; remove whoever's lease ran out.
  const heartbeat = setInterval(() => {
    if (presence.size === 0) return;
    store.touch([...presence.values()], connectedLease()).then(
      (lost) => {
        // Places given up while this replica could not renew them (cut off from Redis longer than the
        // grace period): those participants must come back through a resume, so send them on their way.
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
            announce(r);
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
    for (const socket of nsp.sockets.values()) {
      socket.emit('server:draining', { reconnectInMs: Math.floor(Math.random() * spreadMs) });
    }
    const deadline = Date.now() + timeoutMs;
    while (nsp.sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    log.info({ remaining: nsp.sockets.size }, 'drained');
    return nsp.sockets.size;
  };

  return {
    nsp,
    presence,
    announce,
    drain,
    stop: () => {
      clearInterval(heartbeat);
      clearInterval(reaper);
    },
  };
}
