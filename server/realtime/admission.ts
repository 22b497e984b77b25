/**
 * Joining `/room`: the handshake's admission (rate, payload, resume token, password guesses, the store's
 * capacity/lock/password/ban checks) and the welcome of an admitted socket.
 */
import type { ExtendedError } from 'socket.io/dist/namespace';
import type { Logger } from '../logger';
import { iceServersFor } from '../ice/ice';
import { AppError, type ErrorCode } from '../protocol/errors';
import * as S from '../protocol/schemas';
import { newPeerId } from '../rooms/codes';
import { toPeer } from '../rooms/store';
import { clientAddress, meetingRoom, peerRoom, type RoomServices, type RoomSocket } from './context';
import type { PresenceRuntime } from './presence';
import { issueResume, verifyResume } from './resume';

type Refusal = [ErrorCode, string?];

function refusal(code: ErrorCode, message?: string, extra: object = {}): ExtendedError {
  const body = new AppError(code, message).toBody();
  const err = new Error(code) as ExtendedError;
  err.data = { ...body, ...extra };
  return err;
}

/** The namespace middleware: admits a handshake (setting socket.data) or refuses it with `err.data = { code, message }`. */
export function admission(svc: RoomServices, presence: PresenceRuntime) {
  const { metrics, log } = svc;
  return (socket: RoomSocket, next: (err?: ExtendedError) => void): void => {
    const fail = (code: ErrorCode, message?: string, extra?: object) => {
      metrics.refused.inc({ event: 'handshake', code });
      next(refusal(code, message, extra));
    };
    admit(svc, presence, socket).then(
      (refused) => (refused ? fail(...refused) : next()),
      (err: unknown) => {
        // Typically the room state is out of reach (Redis down): say so, and that trying again will work.
        log.error({ err, room: (socket.handshake.auth as { room?: unknown })?.room }, 'join failed');
        fail('INTERNAL', 'The meeting service is briefly unavailable; try again in a moment.', { retryable: true });
      },
    );
  };
}

async function admit(svc: RoomServices, presence: PresenceRuntime, s: RoomSocket): Promise<Refusal | undefined> {
  const { config, limits, store } = svc;
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
    expiresAt: presence.connectedLease(),
    now: startedAt,
    password: auth.password,
    resuming: auth.resume !== undefined,
  });
  if (!result.ok) {
    if (result.code === 'WRONG_PASSWORD' && guessKey) await limits.passwords.take(guessKey);
    return [result.code];
  }
  s.data = { roomId: auth.room, peerId, sid, name: result.member.name, resumed: result.resumed, startedAt, gone: false };
  return undefined;
}

/** Puts an admitted socket in its rooms, taking its place over from a stale connection (synchronous). */
export function enter(svc: RoomServices, socket: RoomSocket): void {
  const { roomId, peerId } = socket.data;
  // A resumed participant takes its place over from a stale connection, wherever that one is. With a cluster
  // adapter the local part runs only after a Redis round trip, when this socket has joined the peer's room too:
  // it must be excluded by id.
  if (socket.data.resumed) svc.nsp.in(peerRoom(roomId, peerId)).except(socket.id).disconnectSockets(true);
  socket.join([meetingRoom(roomId), peerRoom(roomId, peerId)]);
}

/** Sends `room:welcome` to an entered socket and tells the others it joined. */
export async function welcome(svc: RoomServices, socket: RoomSocket, plog: Logger): Promise<void> {
  const { config, store, metrics } = svc;
  const { roomId, peerId, sid, resumed } = socket.data;
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
    svc.notifyLobby(roomId);
  }
  plog.info({ resumed }, resumed ? 'participant resumed' : 'participant joined');
}
