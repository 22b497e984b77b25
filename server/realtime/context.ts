/** What the realtime layer needs from the rest of the server. */
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { RoomStore } from '../rooms/store';
import type { Limits } from './limits';

export interface RealtimeDeps {
  config: Config;
  store: RoomStore;
  metrics: Metrics;
  log: Logger;
  /** Per-address limits; local to the replica when absent. */
  limits?: Limits;
}

/** Socket.IO room names. A peer's room is scoped by its meeting, so a send to it cannot leave the meeting. */
export const meetingRoom = (roomId: string) => `r:${roomId}`;
export const peerRoom = (roomId: string, peerId: string) => `p:${roomId}:${peerId}`;
export const watchRoom = (roomId: string) => `w:${roomId}`;

/** The client's address: the socket's peer, or the first X-Forwarded-For hop behind a trusted proxy. */
export function clientAddress(headers: Record<string, string | string[] | undefined>, remote: string, trustProxy: boolean): string {
  if (trustProxy) {
    const xff = headers['x-forwarded-for'];
    const first = (Array.isArray(xff) ? xff[0] : xff)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return remote;
}
