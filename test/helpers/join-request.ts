/** Join requests for the room-state contract suites: unique ids and a request with every field filled. */
import type { JoinRequest } from '../../server/rooms/store';

let seq = 0;
/** An id unique in this process, with `prefix`. */
export const uid = (prefix: string) => `${prefix}${++seq}${Math.random().toString(36).slice(2, 6)}`;

/** A fresh participant's join of `room` now (a place for a minute, room of 8), with `over` on top. */
export function joinRequest(room: string, over: Partial<JoinRequest> = {}): JoinRequest {
  const peerId = over.peerId ?? uid('p');
  return {
    roomId: room,
    peerId,
    name: `N${peerId}`,
    identity: `127.0.0.1|n${peerId}`,
    sid: uid('s'),
    maxPeers: 8,
    expiresAt: Date.now() + 60_000,
    now: Date.now(),
    meeting: uid('m'),
    ...over,
  };
}
