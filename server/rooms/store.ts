/**
 * Room state: one interface, a memory and a Redis implementation, one contract test suite.
 *
 * Every method that checks and then changes state is a single atomic step of the store
 * (one critical section in memory, one Lua script in Redis): callers never read-then-write.
 */
import type { ChatMessage, LeaveReason, Media, Peer, PeerId } from '../protocol/events';
import type { ErrorCode } from '../protocol/errors';

/** A participant as the store keeps it: the public Peer plus what only the server may know. */
export interface Member extends Peer {
  /** Ban identity: who this participant is for a kick (name and address), never sent to clients. */
  identity: string;
  /** The connection currently holding this place; '' while the participant is away (grace period). */
  sid: string;
  /** Epoch ms after which the place is given up unless renewed (presence lease). */
  expiresAt: number;
  joinedAt: number;
}

export interface RoomSnapshot {
  id: string;
  locked: boolean;
  hasPassword: boolean;
  /** In join order. */
  members: Member[];
}

export interface JoinRequest {
  roomId: string;
  /** The PeerId to take: a fresh one, or the one a valid resume token names. */
  peerId: PeerId;
  name: string;
  identity: string;
  sid: string;
  maxPeers: number;
  expiresAt: number;
  now: number;
  /** The password offered (plain); the store keeps only a hash. */
  password?: string;
  /**
   * Set when the participant proved with a resume token that it was admitted before:
   * a place it still holds is taken over; if the place is gone it is admitted again
   * (lock and capacity apply, the password does not).
   */
  resuming: boolean;
}

export type JoinResult = { ok: true; member: Member; resumed: boolean } | { ok: false; code: ErrorCode };

export interface Removal {
  roomId: string;
  member: Member;
  reason: LeaveReason;
  /** The participant that became host because of this removal. */
  newHost?: PeerId;
}

export type HostAction<T = object> = ({ ok: true } & T) | { ok: false; code: ErrorCode };

export interface Presence {
  roomId: string;
  peerId: PeerId;
  sid: string;
}

export interface RoomStore {
  /** Admits (or re-admits) a participant: ban, lock, password and capacity are checked and the place taken atomically. */
  join(req: JoinRequest): Promise<JoinResult>;
  /** The room as it is now, or null when nobody is in it. */
  snapshot(roomId: string): Promise<RoomSnapshot | null>;
  /** True when `peerId` holds a place in `roomId` (connected or within its grace period). */
  isMember(roomId: string, peerId: PeerId): Promise<boolean>;
  /**
   * Renews the presence lease of connections that still hold their place, and returns those that
   * no longer do (removed or taken over elsewhere, e.g. while this replica was cut off from Redis).
   */
  touch(entries: Presence[], expiresAt: number): Promise<Presence[]>;
  /** The connection `sid` went away without leaving: the place is kept until `expiresAt`. No-op if `sid` no longer holds it. */
  detach(p: Presence, expiresAt: number): Promise<boolean>;
  /** Gives up the place held by `sid` (room:leave). */
  leave(p: Presence): Promise<Removal | null>;
  /** Removes every participant whose lease ended before `now`, each exactly once across all replicas. */
  reap(now: number): Promise<Removal[]>;
  updatePeer(roomId: string, peerId: PeerId, patch: { media?: Media; hand?: boolean }): Promise<boolean>;
  setLocked(roomId: string, by: PeerId, locked: boolean): Promise<HostAction>;
  /** Removes `target` and bans its identity and PeerId for the room's life. */
  kick(roomId: string, by: PeerId, target: PeerId): Promise<HostAction<{ removal: Removal }>>;
  /** Checks that `by` is host and `target` a member (for host:mute). */
  checkHostOver(roomId: string, by: PeerId, target: PeerId): Promise<HostAction>;
  /** Stores a chat message (before it is acknowledged) and trims history to `limit`. */
  addChat(roomId: string, message: ChatMessage, limit: number): Promise<boolean>;
  chat(roomId: string): Promise<ChatMessage[]>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

export const DEFAULT_MEDIA: Media = { audio: true, video: true, screen: false };

/** The public view of a member. */
export function toPeer(m: Member): Peer {
  return { id: m.id, name: m.name, host: m.host, media: { ...m.media }, hand: m.hand };
}
