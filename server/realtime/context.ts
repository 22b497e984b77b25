/** What the realtime layer needs from the rest of the server, and the names and types its parts share. */
import type { Namespace, Socket } from 'socket.io';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { RoomClientToServer, RoomServerToClient } from '../protocol/events';
import type { Removal, RoomStore } from '../rooms/store';
import type { Limits } from './limits';

export interface RealtimeDeps {
  config: Config;
  store: RoomStore;
  metrics: Metrics;
  log: Logger;
  /** Per-address limits; local to the replica when absent. */
  limits?: Limits;
  /** Waits for the adapter's subscriptions to a namespace's rooms; nothing to wait for when absent (one replica). */
  subscribed?: SubscribedFn;
  /** Whether any replica has a socket in a room of a namespace; only this replica's sockets count when absent. */
  watched?: WatchedFn;
  /** Sends packets straight to the replica that holds a participant (a cluster); the adapter's way when absent. */
  relay?: RelayFactory;
}

/** A direct relay of `/room` packets to other replicas, listening as replica process `instance`. */
export type RelayFactory = (nsp: RoomNamespace, instance: string) => Relay;

/** What the realtime layer uses of a relay (server/redis/relay.ts). */
export interface Relay {
  /** Queues `args` for the sockets of Socket.IO room `room` on replica process `instance`. */
  send(instance: string, room: string, args: unknown[]): void;
  /** Resolves once the relay hears what other replicas send it. */
  ready: Promise<void>;
  /** Packets received from other replicas: written to a local socket, or passed on through the adapter. */
  stats(): { delivered: number; missed: number };
  close(): Promise<void>;
}

/** The replica process a presence owner belongs to (owners are `<instance>` or `<instance>/<n>`). */
export const instanceOf = (owner: string) => owner.split('/')[0];

/**
 * Resolves once other replicas' events for these rooms of namespace `nsp` reach this replica, or once the wait
 * has given up (a bounded wait: a join goes on rather than hang while Redis is away).
 */
export type SubscribedFn = (nsp: string, rooms: string[]) => Promise<void>;

/**
 * Resolves true when some replica (this one included) may hold a socket in Socket.IO room `room` of namespace `nsp`.
 * May answer true when unsure; false only when nobody does.
 */
export type WatchedFn = (nsp: string, room: string) => Promise<boolean>;

/** A `/room` socket's identity, set once by admission. */
export interface RoomSocketData {
  roomId: string;
  peerId: string;
  sid: string;
  name: string;
  resumed: boolean;
  startedAt: number;
  /** Set once the participant left or was removed, so the disconnect keeps no place. */
  gone: boolean;
  /** The presence owner that covered the place when admitted ('' = none yet: presence claims it). */
  owner: string;
}

export type RoomNamespace = Namespace<RoomClientToServer, RoomServerToClient, Record<string, never>, RoomSocketData>;
export type RoomSocket = Socket<RoomClientToServer, RoomServerToClient, Record<string, never>, RoomSocketData>;

/** What the parts of `/room` (admission, events, presence) share on one replica. */
export interface RoomServices extends Required<Omit<RealtimeDeps, 'relay' | 'watched'>> {
  nsp: RoomNamespace;
  /** This replica process: `<REPLICA_ID>.<random>`, new at every start. */
  instance: string;
  relay?: Relay;
  /** Tells the room and the lobby about a removal the store decided (reaper, kick, leave). */
  announce: (removal: Removal) => void;
  notifyLobby: (roomId: string) => void;
}

/** Socket.IO room names. A peer's room is scoped by its meeting, so a send to it cannot leave the meeting. */
export const meetingRoom = (roomId: string) => `r:${roomId}`;
export const peerRoom = (roomId: string, peerId: string) => `p:${roomId}:${peerId}`;
export const watchRoom = (roomId: string) => `w:${roomId}`;

/**
 * The client's address: the socket's peer, or behind a trusted proxy the last X-Forwarded-For hop, the one that
 * proxy added (hops before it are whatever the client sent, so anyone could pick them).
 */
export function clientAddress(headers: Record<string, string | string[] | undefined>, remote: string, trustProxy: boolean): string {
  if (trustProxy) {
    const xff = headers['x-forwarded-for'];
    const last = (Array.isArray(xff) ? xff.join(',') : xff)?.split(',').pop()?.trim();
    if (last) return last;
  }
  return remote;
}
