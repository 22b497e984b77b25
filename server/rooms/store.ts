/**
 * Room state: one interface, a memory and a Redis implementation, one contract test suite.
 *
 * Every method that checks and then changes state is a single atomic step of the store
 * (one critical section in memory, one Lua script in Redis): callers never read-then-write.
 */
import type { Breakouts, ChatMessage, Knock, KnockState, LeaveReason, Media, Peer, PeerId, RoomSettings } from '../protocol/events';
import type { ErrorCode } from '../protocol/errors';
import { RESUME_MAX_AGE_S } from '../protocol/limits';
import { hashPassword, newSalt, type PasswordHash } from './password';

/** The room's settings as the store keeps them: every one on or off. */
export type Settings = Required<RoomSettings>;

/** A participant as the store keeps it: the public Peer plus what only the server may know. */
export interface Member extends Peer {
  cohost: boolean;
  /** Recording the meeting on its own device (the public Peer carries it only while true). */
  recording: boolean;
  /** When the hand went up (the store's clock, epoch ms); 0 while it is down. */
  handAt: number;
  /** Ban identity: who this participant is for a kick (name and address), never sent to clients. */
  identity: string;
  /** The connection currently holding this place; '' while the participant is away (grace period). */
  sid: string;
  /**
   * Epoch ms after which the place is given up: Infinity while a live presence owner covers it (its replica's lease,
   * see RoomStore.renewOwner), the end of the grace period while the participant is away.
   */
  expiresAt: number;
  joinedAt: number;
}

export interface RoomSnapshot extends Settings {
  id: string;
  /** Random id of this meeting, made when the room was created: a room code emptied and reused is another meeting. */
  meeting: string;
  hasPassword: boolean;
  /** For a breakout room: the room of its meeting; '' otherwise. */
  parent: string;
  /** The breakout rooms open in this (main) room, if any. */
  breakouts: Breakouts | null;
  /** In join order. */
  members: Member[];
}

/** What a valid resume token proves: the participant was admitted to this meeting, with this role. */
export interface ResumeProof {
  /** The meeting the token was issued in; '' for a token that names none (it can only take over a place still held). */
  meeting: string;
  /** Host when the token was issued. */
  host: boolean;
  /** The meeting had a password. */
  password: boolean;
}

/** The per-address budget of password guesses, spent before an offered password is checked against a room's. */
export interface GuessBudget {
  /** Takes one guess; false when none is left (the join is refused RATE_LIMITED without hashing). */
  spend(): Promise<boolean>;
  /** Gives the guess back (the password was right, or the join failed for another reason). */
  refund(): Promise<void>;
}

export interface JoinRequest {
  roomId: string;
  /** The PeerId to take: a fresh one, or the one a valid resume token names. */
  peerId: PeerId;
  name: string;
  identity: string;
  sid: string;
  maxPeers: number;
  /** The place's end while no live owner covers it (until its replica claims it: see `owner`). */
  expiresAt: number;
  /**
   * The presence owner of the connection (its replica's, see RoomStore.renewOwner): while that owner's lease is live,
   * the place lasts as long as the lease does, with nothing renewed per participant. Absent, or not live: the place
   * ends at `expiresAt` unless claimed.
   */
  owner?: string;
  now: number;
  /** Let in by a host or co-host (a knock's ticket): the room's "ask to join" does not stop it. */
  admitted?: boolean;
  /** Coming back from a breakout room (its ticket): neither the lock nor "ask to join" stops it. */
  returning?: boolean;
  /** A breakout room's main room: kept when this join creates the room. */
  parent?: string;
  /** The meeting id the room gets if this join creates it. */
  meeting: string;
  /** The password offered (plain); the store keeps only a hash. */
  password?: string;
  /**
   * Set when the participant proved with a resume token that it was admitted before. In the same meeting, a place
   * it still holds is taken over, and a place that is gone is given again (lock and capacity apply, the password does
   * not; host only if the token says so and the room has no host), unless the participant left (room:leave): its
   * token is void. When the room's state is gone altogether, the meeting is brought back under the token's meeting
   * id, host only by the token, and a meeting that had a password needs one again; unless the meeting ended (its
   * room emptied) within the token lifetime. A token of another meeting, of a participant that left or of a meeting
   * that ended is STALE_RESUME: the caller joins afresh.
   */
  resume?: ResumeProof;
  guesses?: GuessBudget;
}

export type JoinResult = { ok: true; member: Member; resumed: boolean } | { ok: false; code: ErrorCode | 'STALE_RESUME' };

/** One atomic attempt of a join: its result, or the salt to hash the offered password with ('' = a new room's). */
export type JoinStep = JoinResult | { ok: false; code: 'HASH'; salt: string };

export interface Removal {
  roomId: string;
  member: Member;
  reason: LeaveReason;
  /**
   * The participant that became host because of this removal (the host's): the co-host present longest, else the
   * participant present longest. It stops being a co-host.
   */
  newHost?: PeerId;
}

export type HostAction<T = object> = ({ ok: true } & T) | { ok: false; code: ErrorCode };

/** A participant's own change (media, hand, recording): refused NOT_HOST when a room setting reserves it to hosts. */
export type PeerUpdate = { ok: true } | { ok: false; code: 'NOT_IN_ROOM' | 'NOT_HOST' };

/** What a participant changes of its own: any of these (at least one). */
export interface PeerPatch {
  media?: Media;
  hand?: boolean;
  recording?: boolean;
}

/** What `setSettings` may change (at least one field). */
export type SettingsPatch = Partial<Settings>;

/** Someone asking to join, as the store keeps it. */
export interface KnockRequest {
  roomId: string;
  id: string;
  name: string;
  /** Ban identity (address and name), as a join's. */
  identity: string;
  now: number;
  /** A waiting knock is forgotten after this (the knocker renews it while it waits). */
  expiresAt: number;
}

/** A knock's answer: where it stands; `changed` when the waiting list changed (a new knock). */
export type KnockResult = { ok: true; state: KnockState; changed: boolean } | { ok: false; code: ErrorCode };

/** How long an answered knock is remembered for its knocker to pick up, and a denied one may not knock again. */
export const KNOCK_ANSWER_MS = 60_000;
/** At most this many knocks wait at once per room (beyond: RATE_LIMITED). */
export const KNOCKS_MAX = 50;

/** True for the host and co-hosts: the participants that run the meeting. */
export const runsMeeting = (m: Pick<Peer, 'host' | 'cohost'>): boolean => m.host || m.cohost === true;

export interface Presence {
  roomId: string;
  peerId: PeerId;
  sid: string;
}

/**
 * A renewal of a presence owner's lease: 'ok'; 'lapsed' when the lease had ended (its places are being reaped, and
 * the owner is never live again: the replica takes a new owner and claims its connections); 'check' when the lease
 * holds but the store lost its connection since the last renewal (places may have been taken over meanwhile: the
 * replica claims its connections again to find out).
 */
export type OwnerRenewal = 'ok' | 'lapsed' | 'check';

export interface RoomStore {
  /** Admits (or re-admits) a participant: ban, lock, password and capacity are checked and the place taken atomically. */
  join(req: JoinRequest): Promise<JoinResult>;
  /** The room as it is now, or null when nobody is in it. */
  snapshot(roomId: string): Promise<RoomSnapshot | null>;
  /** True when `peerId` holds a place in `roomId` (connected or within its grace period). */
  isMember(roomId: string, peerId: PeerId): Promise<boolean>;
  /**
   * Where a member's connection is: the presence owner covering its place, '' while none does (away, or not claimed
   * yet), null when `peerId` holds no place in `roomId`.
   */
  locate(roomId: string, peerId: PeerId): Promise<string | null>;
  /**
   * Starts (`fresh`, a new owner id) or renews the lease of presence owner `owner` for `leaseMs` of the store's clock.
   * One call per replica and heartbeat covers all of its participants. When a lease ends unrenewed, the reaper
   * removes every place the owner covered (as 'disconnected'), and the owner is never live again.
   */
  renewOwner(owner: string, leaseMs: number, fresh: boolean): Promise<OwnerRenewal>;
  /**
   * Puts the places held by exactly these connections under `owner`'s lease, and returns the connections that no
   * longer hold a place (removed, or taken over elsewhere, e.g. while this replica was cut off from Redis).
   */
  claim(owner: string, entries: Presence[]): Promise<Presence[]>;
  /** Tells the store that `owner` has no connection left in these rooms (so that its lease stops listing them). */
  release(owner: string, roomIds: string[]): Promise<void>;
  /**
   * The connection `sid` went away without leaving: the place is kept until `expiresAt`, covered by no owner. No-op
   * if `sid` no longer holds it.
   */
  detach(p: Presence, expiresAt: number): Promise<boolean>;
  /** Gives up the place held by `sid` (room:leave): for good, the participant's resume token no longer admits it. */
  leave(p: Presence): Promise<Removal | null>;
  /**
   * Removes every participant whose place ended before `now`, or whose owner's lease ended, each exactly once across
   * all replicas, and forgets meetings that ended longer ago than a token lives.
   */
  reap(now: number): Promise<Removal[]>;
  /**
   * A participant's own change. Raising a hand stamps it with the store's clock (raising it again keeps the stamp);
   * turning screen sharing on while the screen is locked is refused unless the participant runs the meeting.
   */
  updatePeer(roomId: string, peerId: PeerId, patch: PeerPatch): Promise<PeerUpdate>;
  /** Host or co-host: changes room settings; answers all of them as they are now. */
  setSettings(roomId: string, by: PeerId, patch: SettingsPatch): Promise<HostAction<{ settings: Settings }>>;
  /** Host only: makes `target` a co-host, or not. The host cannot be made a co-host. */
  setCohost(roomId: string, by: PeerId, target: PeerId, cohost: boolean): Promise<HostAction>;
  /** Host or co-host: lowers `target`'s hand. */
  lowerHand(roomId: string, by: PeerId, target: PeerId): Promise<HostAction>;
  /**
   * Host or co-host (a co-host not over the host): removes `target` and bans its identity and PeerId for the room's
   * life.
   */
  kick(roomId: string, by: PeerId, target: PeerId): Promise<HostAction<{ removal: Removal }>>;
  /**
   * Checks that `by` is host or co-host and, with a `target`, that the target is another member (for host:mute) and,
   * for a co-host, not the host. Answers the members as they are now (for host:mute-all).
   */
  checkHostOver(roomId: string, by: PeerId, target?: PeerId): Promise<HostAction<{ members: Member[] }>>;
  /**
   * Asks to join, or renews a waiting knock (same id, same identity) and tells its answer. Refused BANNED for a
   * banned identity, ROOM_LOCKED, DENIED within KNOCK_ANSWER_MS of a denial of the same identity. `open` when the
   * room does not ask to join or is empty (nothing is kept).
   */
  knock(req: KnockRequest): Promise<KnockResult>;
  /** The knocks waiting in a room, oldest first. */
  knocks(roomId: string, now: number): Promise<Knock[]>;
  /**
   * Host or co-host: admits or denies the waiting knocks named (or all). A denial keeps the identity from knocking
   * again for KNOCK_ANSWER_MS. NOT_IN_ROOM when a single named knock is not waiting.
   */
  answerKnocks(roomId: string, by: PeerId, ids: string[] | 'all', admit: boolean, now: number): Promise<HostAction<{ answered: Knock[] }>>;
  /** Gives up a waiting knock; true when there was one. */
  withdrawKnock(roomId: string, id: string): Promise<boolean>;
  /**
   * Host or co-host: opens breakout rooms (`plan`) and sends `assign`ed members there. BAD_REQUEST while some are
   * open or when one of them runs the meeting; NOT_IN_ROOM when one holds no place.
   */
  openBreakouts(roomId: string, by: PeerId, plan: Breakouts, assign: PeerId[]): Promise<HostAction>;
  /** Host or co-host (`by`), or the timer (`by` null, only the plan `opened`): closes them; answers the plan closed. */
  closeBreakouts(roomId: string, by: PeerId | null, opened?: Breakouts): Promise<HostAction<{ closed: Breakouts | null }>>;
  /**
   * Stores a chat message (before it is acknowledged) and trims history to `limit`. Refused NOT_IN_ROOM when the
   * sender holds no place, NOT_HOST when chat is locked and the sender does not run the meeting.
   */
  addChat(roomId: string, message: ChatMessage, limit: number): Promise<HostAction>;
  chat(roomId: string): Promise<ChatMessage[]>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

export const DEFAULT_MEDIA: Media = { audio: true, video: true, screen: false };

/** How long a meeting that ended is remembered: as long as any of its resume tokens can be valid. */
export const ENDED_MEETING_MS = RESUME_MAX_AGE_S * 1000;

/** The public view of a member: the extension fields only when they say something (see Peer). */
export function toPeer(m: Member): Peer {
  const peer: Peer = { id: m.id, name: m.name, host: m.host, media: { ...m.media }, hand: m.hand };
  if (m.cohost) peer.cohost = true;
  if (m.recording) peer.recording = true;
  return peer;
}

/** The raised hands in the order they went up (join order among equal stamps): members come in join order. */
export function handQueue(members: Member[]): PeerId[] {
  return members
    .filter((m) => m.hand)
    .map((m, i) => ({ id: m.id, at: m.handAt, i }))
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .map((m) => m.id);
}

/** Every setting as kept. */
export function settingsOf(s: Settings): Settings {
  return { locked: s.locked, chatLocked: s.chatLocked, screenLocked: s.screenLocked, askToJoin: s.askToJoin };
}

/**
 * The settings as sent (see RoomSettings): `locked`, and the others when on or named in `changed` (a change that
 * turned one off says so).
 */
export function wireSettings(s: Settings, changed: SettingsPatch = {}): RoomSettings {
  const out: RoomSettings = { locked: s.locked };
  if (s.chatLocked || changed.chatLocked !== undefined) out.chatLocked = s.chatLocked;
  if (s.screenLocked || changed.screenLocked !== undefined) out.screenLocked = s.screenLocked;
  if (s.askToJoin || changed.askToJoin !== undefined) out.askToJoin = s.askToJoin;
  return out;
}

/**
 * A join as both stores run it: atomic steps (`step`) that ask for a hash only when an offered password must be
 * checked or stored, after the cheap checks (ban, lock, capacity, "has a password"). Checking against an existing
 * room spends a guess first, atomically, so concurrent wrong guesses cannot pass the budget together; the guess is
 * given back unless the answer was WRONG_PASSWORD.
 */
export async function runJoin(req: JoinRequest, step: (offered?: PasswordHash) => Promise<JoinStep>): Promise<JoinResult> {
  let offered: PasswordHash | undefined;
  let spent = false;
  const settle = async (r: JoinResult): Promise<JoinResult> => {
    if (spent && !(r.ok === false && r.code === 'WRONG_PASSWORD')) await req.guesses?.refund();
    return r;
  };
  // A room's salt changes only when it empties and is created again: a few attempts are plenty.
  for (let attempt = 0; attempt < 4; attempt++) {
    const r = await step(offered);
    if (r.ok || r.code !== 'HASH') return settle(r);
    if (req.password === undefined) return settle({ ok: false, code: 'INTERNAL' });
    if (r.salt !== '' && !spent) {
      if (req.guesses && !(await req.guesses.spend())) return { ok: false, code: 'RATE_LIMITED' };
      spent = true;
    }
    try {
      offered = await hashPassword(req.password, r.salt || newSalt());
    } catch (err) {
      // Busy hashing (or a failure of scrypt itself): the caller answers "try again in a moment".
      await settle({ ok: false, code: 'INTERNAL' });
      throw err;
    }
  }
  return settle({ ok: false, code: 'INTERNAL' });
}
