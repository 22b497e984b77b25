/** The participant list as a pure reducer over room events (join order kept, self first), with the room's settings and hand queue. */
import type { Knock, LeaveReason, Media, Peer, PeerId, RoomSettings, Welcome } from '../../server/protocol/events';

export interface Participants {
  selfId: PeerId | null;
  /** Everyone including self, self first, others in join order. */
  list: Peer[];
  locked: boolean;
  /** Only hosts and co-hosts may send chat messages. */
  chatLocked: boolean;
  /** Only hosts and co-hosts may start sharing their screen. */
  screenLocked: boolean;
  /** Newcomers ask to join and a host or co-host lets them in. */
  askToJoin: boolean;
  /** Raised hands in the order they went up (the server's order; our own hand as we last set it). */
  hands: PeerId[];
  /** Who is asking to join, oldest first (told to hosts and co-hosts only). */
  knocks: Knock[];
}

export type ParticipantEvent =
  | { type: 'welcome'; welcome: Pick<Welcome, 'self' | 'peers' | 'room'> }
  | { type: 'joined'; peer: Peer }
  | { type: 'left'; id: PeerId; reason: LeaveReason }
  | { type: 'updated'; id: PeerId; patch: Partial<Omit<Peer, 'id'>> }
  | { type: 'self-media'; media: Media }
  | { type: 'self-hand'; raised: boolean }
  | { type: 'settings'; settings: Partial<RoomSettings> }
  | { type: 'hands'; queue: PeerId[] }
  | { type: 'knocks'; knocks: Knock[] };

export const emptyParticipants: Participants = {
  selfId: null,
  list: [],
  locked: false,
  chatLocked: false,
  screenLocked: false,
  askToJoin: false,
  hands: [],
  knocks: [],
};

export function reduceParticipants(state: Participants, ev: ParticipantEvent): Participants {
  switch (ev.type) {
    case 'welcome': {
      const { self, peers, room } = ev.welcome;
      const others = peers.filter((p) => p.id !== self.id);
      const list = [self, ...others];
      // The queue itself comes right behind the welcome when a hand is up; until then, join order.
      return {
        selfId: self.id,
        list,
        locked: room.locked,
        chatLocked: room.chatLocked === true,
        screenLocked: room.screenLocked === true,
        askToJoin: room.askToJoin === true,
        hands: list.filter((p) => p.hand).map((p) => p.id),
        // Told again after the welcome when somebody is asking.
        knocks: [],
      };
    }
    case 'joined': {
      const hands = withHand(state.hands, ev.peer.id, ev.peer.hand);
      if (state.list.some((p) => p.id === ev.peer.id)) {
        return { ...state, hands, list: state.list.map((p) => (p.id === ev.peer.id ? ev.peer : p)) };
      }
      return { ...state, hands, list: [...state.list, ev.peer] };
    }
    case 'left':
      if (ev.id === state.selfId) return state;
      return { ...state, list: state.list.filter((p) => p.id !== ev.id), hands: state.hands.filter((id) => id !== ev.id) };
    case 'updated': {
      const hands = ev.patch.hand !== undefined ? withHand(state.hands, ev.id, ev.patch.hand) : state.hands;
      return { ...state, hands, list: state.list.map((p) => (p.id === ev.id ? mergePeer(p, ev.patch) : p)) };
    }
    case 'self-media':
      return updateSelf(state, (p) => ({ ...p, media: { ...ev.media } }));
    case 'self-hand': {
      const next = updateSelf(state, (p) => ({ ...p, hand: ev.raised }));
      return state.selfId ? { ...next, hands: withHand(state.hands, state.selfId, ev.raised) } : next;
    }
    case 'settings': {
      const s = ev.settings;
      return {
        ...state,
        ...(s.locked !== undefined ? { locked: s.locked } : {}),
        ...(s.chatLocked !== undefined ? { chatLocked: s.chatLocked } : {}),
        ...(s.screenLocked !== undefined ? { screenLocked: s.screenLocked } : {}),
        ...(s.askToJoin !== undefined ? { askToJoin: s.askToJoin } : {}),
      };
    }
    case 'knocks':
      return { ...state, knocks: ev.knocks.map((k) => ({ ...k })) };
    case 'hands': {
      // The server does not tell us about our own hand: a queue sent before it saw our latest change may have us
      // where we no longer are (or not yet where we are). Our own place follows what we last did.
      const self = selfOf(state);
      let hands = [...new Set(ev.queue)];
      if (self) hands = withHand(hands, self.id, self.hand);
      return { ...state, hands };
    }
  }
}

/** The queue with `id` in it (at the end, unless already there) or out of it. */
function withHand(hands: PeerId[], id: PeerId, raised: boolean): PeerId[] {
  if (raised) return hands.includes(id) ? hands : [...hands, id];
  return hands.includes(id) ? hands.filter((x) => x !== id) : hands;
}

function updateSelf(state: Participants, fn: (p: Peer) => Peer): Participants {
  return { ...state, list: state.list.map((p) => (p.id === state.selfId ? fn(p) : p)) };
}

function mergePeer(p: Peer, patch: Partial<Omit<Peer, 'id'>>): Peer {
  const next: Peer = {
    ...p,
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.host !== undefined ? { host: patch.host } : {}),
    ...(patch.hand !== undefined ? { hand: patch.hand } : {}),
    ...(patch.media !== undefined ? { media: { ...p.media, ...patch.media } } : {}),
  };
  // A co-host carries `cohost: true`; anyone else does not carry the field. A new host stops being co-host.
  const cohost = patch.host === true ? false : (patch.cohost ?? p.cohost === true);
  if (cohost) next.cohost = true;
  else delete next.cohost;
  if (patch.recording ?? p.recording === true) next.recording = true;
  else delete next.recording;
  return next;
}

export function selfOf(state: Participants): Peer | undefined {
  return state.list.find((p) => p.id === state.selfId);
}

export function othersOf(state: Participants): Peer[] {
  return state.list.filter((p) => p.id !== state.selfId);
}

/** Whether `p` runs the meeting: the host or a co-host. */
export function runsMeeting(p: Pick<Peer, 'host' | 'cohost'> | undefined): boolean {
  return !!p && (p.host || p.cohost === true);
}

/**
 * Everyone with a raised hand, in queue order: the queue's members first, then anybody whose hand is up but who is
 * not in the queue yet (a moment between `peer:updated` and the `room:hands` behind it).
 */
export function raisedHands(state: Participants): Peer[] {
  const byId = new Map(state.list.map((p) => [p.id, p]));
  const queued = state.hands.map((id) => byId.get(id)).filter((p): p is Peer => !!p && p.hand);
  const inQueue = new Set(queued.map((p) => p.id));
  return [...queued, ...state.list.filter((p) => p.hand && !inQueue.has(p.id))];
}

/** What a fresh welcome means for the peer connections we already have. */
export interface Reconcile {
  /** Connections to close: peers that are gone, or everyone when our own id changed. */
  close: PeerId[];
  /** Peers to offer to (we are the newcomer to them). */
  offer: PeerId[];
  /** Peers whose connection carries on untouched. */
  keep: PeerId[];
}

/**
 * After (re)connecting: a first welcome offers to everyone; a resume with the same id keeps the
 * connections to peers still present, closes the rest and offers to peers it did not know;
 * a resume that came back with another id (the place was gone) starts over.
 */
export function reconcile(previousSelf: PeerId | null, connected: PeerId[], welcome: Pick<Welcome, 'self' | 'peers'>): Reconcile {
  const now = welcome.peers.map((p) => p.id).filter((id) => id !== welcome.self.id);
  if (previousSelf !== welcome.self.id) return { close: [...connected], offer: now, keep: [] };
  const present = new Set(now);
  const known = new Set(connected);
  return {
    close: connected.filter((id) => !present.has(id)),
    offer: now.filter((id) => !known.has(id)),
    keep: now.filter((id) => known.has(id)),
  };
}
