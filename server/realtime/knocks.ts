/**
 * Asking to join: where knockers hear their answer, how hosts and co-hosts hear who is knocking, and the ticket an
 * admitted knocker joins with. The knocks themselves live in the room store, so that any replica's host or co-host
 * can answer them and a replica's loss loses none.
 */
import { createHmac } from 'node:crypto';
import type { Namespace } from 'socket.io';
import type { Knock, LobbyClientToServer, LobbyServerToClient } from '../protocol/events';
import { runsMeeting, type RoomStore } from '../rooms/store';
import { peerRoom, type RoomNamespace } from './context';
import { seal, unseal } from './signed';

/** A waiting knock is forgotten this long after its knocker last renewed it (the web client renews every 10 s). */
export const KNOCK_WAIT_MS = 30_000;
/** An admission ticket is good for this long. */
export const TICKET_MAX_AGE_MS = 120_000;

export type LobbyNamespace = Namespace<LobbyClientToServer, LobbyServerToClient>;

/** The `/lobby` room where a knocker hears its answer. */
export const knockRoom = (roomId: string, id: string) => `k:${roomId}:${id}`;

/** Tells the hosts and co-hosts of a room (or only `only`) who is knocking now. */
export async function tellHosts(nsp: RoomNamespace, store: RoomStore, roomId: string, only?: string): Promise<void> {
  const [snap, knocks] = await Promise.all([store.snapshot(roomId), store.knocks(roomId, Date.now())]);
  if (!snap) return;
  const to = snap.members.filter((m) => runsMeeting(m) && (only === undefined || m.id === only)).map((m) => peerRoom(roomId, m.id));
  if (to.length > 0) nsp.to(to).emit('room:knocks', { knocks });
}

/** Tells the knockers their answers; the admitted get a ticket. */
export function answerKnockers(lobby: LobbyNamespace, secret: string, roomId: string, answered: Knock[], admit: boolean): void {
  for (const k of answered) {
    const to = lobby.to(knockRoom(roomId, k.id));
    if (admit) to.emit('lobby:admitted', { room: roomId, id: k.id, ticket: issueTicket(secret, roomId, k.id, k.name) });
    else to.emit('lobby:denied', { room: roomId, id: k.id });
  }
}

function sign(secret: string, body: string): string {
  // Another purpose than resume tokens: the same secret never signs one for the other.
  return createHmac('sha256', secret).update(`admit\n${body}`).digest('base64url');
}

/**
 * A ticket that lets `name` into `roomId` for TICKET_MAX_AGE_MS ('' = any name). `id` says what for: a knock's id, or
 * `b:<main room>` (going to a breakout room of that meeting), or `r:<breakout id>` (coming back from one).
 */
export function issueTicket(secret: string, roomId: string, id: string, name: string, now = Date.now()): string {
  return seal([roomId, id, name, now], (body) => sign(secret, body));
}

/** The ticket back from breakout room `breakoutId` to its main room, for anyone in it. */
export function returnTicket(secret: string, mainRoom: string, breakoutId: string): string {
  return issueTicket(secret, mainRoom, `r:${breakoutId}`, '');
}

/** The `id` of a ticket of this room and name (or any name) that is neither altered nor too old; null for anything else. */
export function verifyTicket(secret: string, ticket: string, roomId: string, name: string, now = Date.now()): string | null {
  const parsed = unseal(ticket, (body) => sign(secret, body));
  if (!Array.isArray(parsed) || parsed.length !== 4) return null;
  const [r, id, n, iat] = parsed as unknown[];
  const fresh = typeof iat === 'number' && iat <= now + 60_000 && now - iat <= TICKET_MAX_AGE_MS;
  return r === roomId && typeof id === 'string' && (n === name || n === '') && fresh ? id : null;
}
