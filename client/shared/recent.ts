/** Recently joined meetings, kept in localStorage (most recent first, no duplicates). */
import { ROOM_ID_PATTERN } from '../../server/protocol/limits';

export interface RecentMeeting {
  room: string;
  at: number;
}

export const RECENT_KEY = 'parley:recent';
const MAX = 6;

export function parseRecent(raw: string | null): RecentMeeting[] {
  if (!raw) return [];
  try {
    const data: unknown = JSON.parse(raw);
    if (!Array.isArray(data)) return [];
    return data
      .filter((m): m is RecentMeeting => !!m && typeof m.room === 'string' && typeof m.at === 'number' && ROOM_ID_PATTERN.test(m.room))
      .slice(0, MAX);
  } catch {
    return [];
  }
}

export function addRecent(list: RecentMeeting[], room: string, at: number): RecentMeeting[] {
  return [{ room, at }, ...list.filter((m) => m.room !== room)].slice(0, MAX);
}
