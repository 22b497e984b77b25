/**
 * Joining `/room`: the handshake's admission (rate, payload, resume token, password guesses, the store's
 * capacity/lock/password/ban checks) and the welcome of an admitted socket.
 */
import type { ExtendedError } from 'socket.io/dist/namespace';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { holdEvents, type Hold } from './hold';
import { iceServersFor } from '../ice/ice';
import { AppError, type ErrorCode } from '../protocol/errors';
import * as S from '../protocol/schemas';
import { banKey, newMeetingId, newPeerId } from '../rooms/codes';
import {
  handQueue,
  runsMeeting,
  toPeer,
  wireSettings,
  type GuessBudget,
  type JoinRequest,
  type Member,
  type RoomSnapshot,
} from '../rooms/store';
import { clientAddress, meetingRoom, peerRoom, type RoomServices, type RoomSocket } from './context';
import type { PresenceRuntime } from './presence';
import { returnTicket, tellHosts, verifyTicket } from './knocks';
import { issueResume, verifyResume, type ResumeClaim } from './resume';

type Refusal = [ErrorCode, string?, object?];

export function refusal(code: ErrorCode, message?: string, extra: object = {}): ExtendedError {
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
  if (presence.draining) return ['INTERNAL', 'This server is going away; try again in a moment.', { retryable: true }];
  let auth: ReturnType<typeof S.roomAuth.parse>;
  try {
    auth = S.parse(S.roomAuth, s.handshake.auth);
  } catch (err) {
    return [(err as AppError).code, (err as AppError).message];
  }
  // Let in by a host (a knock), sent to a breakout room, or back from one: the ticket names this room (and name).
  const ticket = auth.admit === undefined ? null : verifyTicket(config.secret, auth.admit, auth.room, auth.name);
  if (auth.admit !== undefined && ticket === null) {
    return ['BAD_REQUEST', 'The admission ticket is not valid (or too old) for this room and name.'];
  }
  let claim: ResumeClaim | undefined;
  if (auth.resume !== undefined) {
    claim = verifyResume(config.secret, auth.resume, auth.room) ?? undefined;
    if (!claim) return ['BAD_REQUEST', 'The resume token is not valid for this room.'];
  }
  // Wrong passwords are counted per address and room. A resume never checks the password, so others' guesses do not
  // block it.
  const guessKey = `${address}|${auth.room}`;
  const guesses: GuessBudget = {
    spend: () => limits.passwords.take(guessKey),
    refund: () => limits.passwords.refund(guessKey),
  };
  const startedAt = Date.now();
  const owner = presence.owner;
  const request = (peerId: string, resume?: ResumeClaim): JoinRequest => ({
    roomId: auth.room,
    peerId,
    name: auth.name,
    identity: `${address}|${banKey(auth.name)}`,
    sid: s.id,
    maxPeers: config.roomMaxPeers,
    expiresAt: presence.connectedLease(),
    owner,
    now: startedAt,
    meeting: newMeetingId(),
    password: auth.password,
    resume,
    admitted: ticket !== null,
    returning: ticket?.startsWith('r:') ?? false,
    parent: ticket?.startsWith('b:') ? ticket.slice(2) : undefined,
    guesses,
  });
  let peerId = claim?.peer ?? newPeerId();
  let result = await store.join(request(peerId, claim));
  if (!result.ok && result.code === 'STALE_RESUME') {
    // A token of an earlier meeting of this room code: join this one afresh, as anybody would.
    peerId = newPeerId();
    result = await store.join(request(peerId));
  }
  if (!result.ok) {
    if (result.code === 'RATE_LIMITED') return ['RATE_LIMITED', 'Too many wrong passwords; try again in a minute.'];
    if (result.code === 'STALE_RESUME') return ['INTERNAL'];
    return [result.code];
  }
  s.data = {
    roomId: auth.room,
    peerId,
    sid: s.id,
    name: result.member.name,
    resumed: result.resumed,
    startedAt,
    gone: false,
    owner: result.member.expiresAt === Infinity ? owner : '',
  };
  return undefined;
}

/** A resume token for a participant as the room is now (its meeting, its role). */
export function resumeToken(config: Config, snap: RoomSnapshot, self: Member): string {
  const iat = Math.floor(Date.now() / 1000);
  return issueResume(config.secret, {
    room: snap.id,
    peer: self.id,
    iat,
    meeting: snap.meeting,
    host: self.host,
    password: snap.hasPassword,
  });
}

/** Sends `socket` back to main room `parent` when breakout room `roomId` is no longer among its open rooms. */
async function returnIfClosed(svc: RoomServices, parent: string, roomId: string, socket: RoomSocket): Promise<void> {
  const main = await svc.store.snapshot(parent);
  if (main?.breakouts?.rooms.some((r) => r.id === roomId)) return;
  socket.emit('breakout:return', { room: parent, ticket: returnTicket(svc.config.secret, parent, roomId) });
}

/** What is sent to entered sockets before their welcome (see ./hold). */
const holds = new WeakMap<RoomSocket, Hold>();

/**
 * Puts an admitted socket in its rooms, taking its place over from a stale connection (synchronous). What reaches
 * the socket from then on is held until its welcome.
 */
export function enter(svc: RoomServices, socket: RoomSocket): void {
  holds.set(socket, holdEvents(socket));
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
  // Read the room only once this replica hears the room's events: a participant who joins on another replica
  // after this read announces itself with `peer:joined`, which would otherwise be lost before Redis has
  // processed the subscription that `enter` sent.
  const hold = holds.get(socket);
  holds.delete(socket);
  try {
    await svc.subscribed(svc.nsp.name, [meetingRoom(roomId), peerRoom(roomId, peerId)]);
    const [snap, chat] = await Promise.all([store.snapshot(roomId), store.chat(roomId)]);
    const self = snap?.members.find((m) => m.id === peerId);
    if (!snap || !self || self.sid !== sid) {
      // Removed (or replaced) between admission and now.
      socket.data.gone = true;
      socket.disconnect(true);
      return;
    }
    const hands = handQueue(snap.members);
    // The hand queue as of the snapshot goes right behind the welcome, before anything newer that was held.
    const welcome = () => {
      socket.emit('room:welcome', {
        self: toPeer(self),
        resume: resumeToken(config, snap, self),
        peers: snap.members.filter((m) => m.id !== peerId).map(toPeer),
        iceServers: iceServersFor(config, peerId),
        chat,
        room: { id: roomId, ...wireSettings(snap), maxPeers: config.roomMaxPeers },
      });
      if (hands.length > 0) socket.emit('room:hands', { queue: hands });
      if (snap.breakouts) socket.emit('room:breakouts', { breakouts: snap.breakouts });
    };
    if (hold) hold.release(welcome, new Set(snap.members.map((m) => m.id)));
    else welcome();
    metrics.joinSeconds.observe((Date.now() - socket.data.startedAt) / 1000);
    metrics.joins.inc({ kind: resumed ? 'resume' : 'join' });
    if (!resumed) {
      socket.to(meetingRoom(roomId)).emit('peer:joined', toPeer(self));
      svc.notifyLobby(roomId);
    }
    // A host or co-host sees who is asking to join (when somebody is).
    if (runsMeeting(self) && snap.askToJoin) await tellHosts(svc.nsp, store, roomId, peerId);
    // Into a breakout room whose rooms closed meanwhile (while moving, or away): straight back to the main room.
    if (snap.parent) await returnIfClosed(svc, snap.parent, roomId, socket);
    plog.info({ resumed }, resumed ? 'participant resumed' : 'participant joined');
  } finally {
    hold?.discard();
  }
}
