/** The participant list as a pure reducer over room events (join order kept, self first). */
import type { LeaveReason, Media, Peer, PeerId, Welcome } from '../../server/protocol/events';

export interface Participants {
  selfId: PeerId | null;
  /** Everyone including self, self first, others in join order. */
  list: Peer[];
  locked: boolean;
}

export type ParticipantEvent =
  | { type: 'welcome'; welcome: Pick<Welcome, 'self' | 'peers' | 'room'> }
  | { type: 'joined'; peer: Peer }
  | { type: 'left'; id: PeerId; reason: LeaveReason }
  | { type: 'updated'; id: PeerId; patch: Partial<Omit<Peer, 'id'>> }
  | { type: 'self-media'; media: Media }
  | { type: 'self-hand'; raised: boolean }
  | { type: 'locked'; locked: boolean };

export const emptyParticipants: Participants = { selfId: null, list: [], locked: false };

export function reduceParticipants(state: Participants, ev: ParticipantEvent): Participants {
  switch (ev.type) {
    case 'welcome': {
      const { self, peers, room } = ev.welcome;
      const others = peers.filter((p) => p.id !== self.id);
      return { selfId: self.id, list: [self, ...others], locked: room.locked };
    }
    case 'joined': {
      if (state.list.some((p) => p.id === ev.peer.id)) {
        return { ...state, list: state.list.map((p) => (p.id === ev.peer.id ? ev.peer : p)) };
      }
      return { ...state, list: [...state.list, ev.peer] };
    }
    case 'left':
      if (ev.id === state.selfId) return state;
      return { ...state, list: state.list.filter((p) => p.id !== ev.id) };
    case 'updated':
      return { ...state, list: state.list.map((p) => (p.id === ev.id ? mergePeer(p, ev.patch) : p)) };
    case 'self-media':
      return updateSelf(state, (p) => ({ ...p, media: { ...ev.media } }));
    case 'self-hand':
      return updateSelf(state, (p) => ({ ...p, hand: ev.raised }));
    case 'locked':
      return { ...state, locked: ev.locked };
  }
}

function updateSelf(state: Participants, fn: (p: Peer) => Peer): Participants {
  return { ...state, list: state.list.map((p) => (p.id === state.selfId ? fn(p) : p)) };
}

function mergePeer(p: Peer, patch: Partial<Omit<Peer, 'id'>>): Peer {
  return {
    ...p,
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.host !== undefined ? { host: patch.host } : {}),
    ...(patch.hand !== undefined ? { hand: patch.hand } : {}),
    ...(patch.media !== undefined ? { media: { ...p.media, ...patch.media } } : {}),
  };
}

export function selfOf(state: Participants): Peer | undefined {
  return state.list.find((p) => p.id === state.selfId);
}

export function othersOf(state: Participants): Peer[] {
  return state.list.filter((p) => p.id !== state.selfId);
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
