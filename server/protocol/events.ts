/**
 * The wire contract of Parley: one event map per namespace, shared by the server
 * and (through `import type`) by the browser client. docs/protocol.md describes it in prose.
 */
import type { ErrorBody } from './errors';

export type { ErrorBody, ErrorCode } from './errors';

/** Stable for a participant's whole stay; never a socket id. */
export type PeerId = string;

export interface Media {
  audio: boolean;
  video: boolean;
  screen: boolean;
}

export interface Peer {
  id: PeerId;
  name: string;
  host: boolean;
  media: Media;
  hand: boolean;
  /**
   * Extension: a co-host has the host's powers, except over the host and over who is co-host. Present (true) only
   * for a co-host; `peer:updated` carries `cohost: false` when one stops being co-host.
   */
  cohost?: boolean;
  /**
   * Extension: this participant is recording the meeting on its own device. Present (true) only while it records;
   * `peer:updated` carries `recording: false` when it stops.
   */
  recording?: boolean;
}

export interface ChatMessage {
  id: string;
  from: PeerId;
  name: string;
  text: string;
  ts: number;
}

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/**
 * What hosts and co-hosts set for the whole room. Every field but `locked` is an extension, sent only when it is on
 * (and, in `room:updated`, when the change turned it off): absent means off in `room:welcome`, unchanged in
 * `room:updated`.
 */
export interface RoomSettings {
  locked: boolean;
  /** Only hosts and co-hosts may send chat messages. */
  chatLocked?: boolean;
  /** Only hosts and co-hosts may start sharing their screen. */
  screenLocked?: boolean;
  /** Newcomers ask to join (`lobby:knock`) and a host or co-host lets them in. */
  askToJoin?: boolean;
}

/** Extension: one breakout room of a meeting: an ordinary room with a random id, and who was sent there. */
export interface BreakoutRoom {
  id: string;
  name: string;
  /** The names of the participants sent there. */
  members: string[];
}

/** Extension: a meeting's open breakout rooms. `endsAt`: when they close (epoch ms), 0 without a timer. */
export interface Breakouts {
  rooms: BreakoutRoom[];
  endsAt: number;
}

/** Extension: someone asking to join, as hosts and co-hosts see them. `at`: when they asked, epoch ms. */
export interface Knock {
  id: string;
  name: string;
  at: number;
}

/**
 * Extension: where a knock stands. `open`: the room does not ask to join (or nobody is in it): join directly.
 * `waiting`: for a host or co-host. `admitted`: join with `ticket` as `auth.admit`. `denied`: not let in.
 */
export type KnockState = 'open' | 'waiting' | 'admitted' | 'denied';

export interface KnockStatus {
  id: string;
  state: KnockState;
  /** With `admitted`: present it as `auth.admit` (valid for two minutes, for this name only). */
  ticket?: string;
}

export interface RoomInfo extends RoomSettings {
  id: string;
  maxPeers: number;
}

/** Extension: the reactions a participant may send (shown on its tile for a few seconds). */
export const REACTIONS = ['👍', '👏', '❤️', '😂', '😮', '🎉'] as const;
export type Reaction = (typeof REACTIONS)[number];

export interface Welcome {
  self: Peer;
  resume: string;
  peers: Peer[];
  iceServers: IceServer[];
  chat: ChatMessage[];
  room: RoomInfo;
}

/** What `/lobby` tells about a room before joining. `password` is an extension of the contract. */
export interface LobbyRoom {
  id: string;
  count: number;
  names: string[];
  locked: boolean;
  password: boolean;
  /** Extension: present (true) when newcomers ask to join. */
  askToJoin?: true;
}

export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: ErrorBody };
export type AckFn<T extends object = object> = (reply: Ack<T>) => void;

export interface SessionDescription {
  type: 'offer' | 'answer' | 'pranswer' | 'rollback';
  sdp?: string;
}

export interface IceCandidate {
  candidate?: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

export interface SignalOut {
  to: PeerId;
  description?: SessionDescription;
  candidate?: IceCandidate | null;
}

export interface SignalIn {
  from: PeerId;
  description?: SessionDescription;
  candidate?: IceCandidate | null;
}

export type LeaveReason = 'left' | 'disconnected' | 'kicked';

/** Handshake `auth` of the `/room` namespace. */
export interface RoomAuth {
  room: string;
  name: string;
  password?: string;
  resume?: string;
  /** Extension: the ticket of an admitted knock. */
  admit?: string;
}

export interface RoomClientToServer {
  signal: (msg: SignalOut, ack?: AckFn) => void;
  media: (media: Media, ack?: AckFn) => void;
  hand: (msg: { raised: boolean }, ack?: AckFn) => void;
  /** Extension: this participant started (`on`) or stopped recording; others get `peer:updated { id, recording }`. */
  recording: (msg: { on: boolean }, ack?: AckFn) => void;
  'chat:send': (msg: { text: string }, ack?: AckFn<{ message: ChatMessage }>) => void;
  'room:leave': (ack?: AckFn) => void;
  'host:lock': (msg: { locked: boolean }, ack?: AckFn) => void;
  'host:kick': (msg: { id: PeerId }, ack?: AckFn) => void;
  'host:mute': (msg: { id: PeerId }, ack?: AckFn) => void;
  /** Extension: host only; everyone gets `peer:updated { id, cohost }`. */
  'host:cohost': (msg: { id: PeerId; cohost: boolean }, ack?: AckFn) => void;
  /** Extension: host or co-host; sets some of the room's settings; everyone gets `room:updated` with all of them. */
  'host:settings': (msg: Partial<RoomSettings>, ack?: AckFn<{ settings: Required<RoomSettings> }>) => void;
  /** Extension: host or co-host; every participant but the hosts and co-hosts gets `media:mute-request`. */
  'host:mute-all': (ack?: AckFn) => void;
  /** Extension: host or co-host; lowers a raised hand; everyone gets `peer:updated { id, hand: false }`. */
  'host:lower-hand': (msg: { id: PeerId }, ack?: AckFn) => void;
  /** Extension: host or co-host; lets one knock in (`id`) or all of them (`all: true`). */
  'host:admit': (msg: { id: string } | { all: true }, ack?: AckFn<{ admitted: number }>) => void;
  /** Extension: host or co-host; turns a knock away (it may not knock again for a minute). */
  'host:deny': (msg: { id: string }, ack?: AckFn) => void;
  /**
   * Extension: host or co-host; opens breakout rooms named `rooms` and sends each participant of `assign` (PeerId →
   * index in `rooms`; never a host or co-host) to its room, for `minutes` if given.
   */
  'host:breakouts-open': (
    msg: { rooms: string[]; assign: Record<PeerId, number>; minutes?: number },
    ack?: AckFn<{ breakouts: Breakouts }>,
  ) => void;
  /** Extension: host or co-host; a message to every open breakout room (`breakout:message`). */
  'host:breakouts-message': (msg: { text: string }, ack?: AckFn) => void;
  /** Extension: host or co-host; closes the breakout rooms: everyone in them gets `breakout:return`. */
  'host:breakouts-close': (ack?: AckFn) => void;
  /** Extension: from a breakout room; the hosts and co-hosts of its meeting get `breakout:help`. */
  'breakout:help': (ack?: AckFn) => void;
  /** Extension: others get `peer:reaction { id, emoji }`; rate-limited. */
  reaction: (msg: { emoji: Reaction }, ack?: AckFn) => void;
  /** Extension: fresh STUN/TURN settings (new TURN credentials) for an admitted participant, before the old expire. */
  'ice:refresh': (ack: AckFn<{ iceServers: IceServer[] }>) => void;
}

export interface RoomServerToClient {
  'room:welcome': (welcome: Welcome) => void;
  'peer:joined': (peer: Peer) => void;
  'peer:left': (msg: { id: PeerId; reason: LeaveReason }) => void;
  'peer:updated': (msg: { id: PeerId } & Partial<Omit<Peer, 'id'>>) => void;
  signal: (msg: SignalIn) => void;
  'chat:message': (message: ChatMessage) => void;
  /** `locked` as the contract says; the other settings are an extension. */
  'room:updated': (msg: RoomSettings) => void;
  'room:kicked': (msg: { by: PeerId }) => void;
  'media:mute-request': (msg: { by: PeerId }) => void;
  /**
   * Extension: the raised hands in the order they went up (the server's order), sent to everyone when it changes
   * and to a newcomer after its welcome when a hand is up. A participant who leaves leaves the queue.
   */
  'room:hands': (msg: { queue: PeerId[] }) => void;
  /** Extension: the meeting's breakout rooms opened (or `null`: closed); to everyone in the main room. */
  'room:breakouts': (msg: { breakouts: Breakouts | null }) => void;
  /**
   * Extension: go to breakout room `room` (named `name`): leave this room and join that one, under the same name, with
   * `ticket` as `auth.admit`. `endsAt` as in Breakouts.
   */
  'breakout:move': (msg: { room: string; name: string; ticket: string; endsAt: number }) => void;
  /** Extension, in a breakout room: a message from the meeting's hosts. */
  'breakout:message': (msg: { text: string; from: string }) => void;
  /** Extension, in a breakout room: the breakout rooms closed; leave and join `room` again with `ticket` as `auth.admit`. */
  'breakout:return': (msg: { room: string; ticket: string }) => void;
  /** Extension, to the hosts and co-hosts of a meeting: someone in breakout room `room` (its name) asks for help. */
  'breakout:help': (msg: { room: string; name: string }) => void;
  /** Extension, to hosts and co-hosts: who is asking to join, oldest first, whenever it changes. */
  'room:knocks': (msg: { knocks: Knock[] }) => void;
  /** Extension: a participant reacted; show it on its tile for a few seconds. */
  'peer:reaction': (msg: { id: PeerId; emoji: Reaction }) => void;
  /** Extension: a fresh resume token after the participant's role changed (it became host); use it from now on. */
  'room:resume': (msg: { resume: string }) => void;
  /** Extension: the replica is going away; reconnect (to any replica) with the resume token. */
  'server:draining': (msg: { reconnectInMs: number }) => void;
}

export interface LobbyClientToServer {
  'lobby:peek': (msg: { room: string }, ack: AckFn<{ room: LobbyRoom }>) => void;
  'lobby:watch': (msg: { room: string }, ack: AckFn<{ room: LobbyRoom }>) => void;
  /**
   * Extension: asks to join `room` as `name` (again with `id` to keep the request alive and learn its answer). The
   * answer also comes as `lobby:admitted` or `lobby:denied`.
   */
  'lobby:knock': (msg: { room: string; name: string; id?: string }, ack: AckFn<{ knock: KnockStatus }>) => void;
  /** Extension: gives up a knock. */
  'lobby:withdraw': (msg: { room: string; id: string }, ack?: AckFn) => void;
}

export interface LobbyServerToClient {
  'lobby:room': (room: LobbyRoom) => void;
  /** Extension: a knock was let in: join with `ticket` as `auth.admit`. */
  'lobby:admitted': (msg: { room: string; id: string; ticket: string }) => void;
  /** Extension: a knock was turned away. */
  'lobby:denied': (msg: { room: string; id: string }) => void;
}
