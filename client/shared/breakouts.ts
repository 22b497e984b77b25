/** Breakout rooms without the page: names, who goes where, the time left and the end of the timer. */
import type { PeerId } from '../../server/protocol/events';
import { t } from '../i18n';

/** The limits of `host:breakouts-open` and `host:breakouts-message` (docs/protocol.md, "Breakout rooms"). */
export const BREAKOUT_ROOMS_MAX = 20;
export const BREAKOUT_MINUTES_MAX = 240;
export const BREAKOUT_MESSAGE_MAX = 500;

/** Stays in the main room (in an assignment). */
export const MAIN_ROOM = -1;

/** Who goes where: PeerId → index of a room, or MAIN_ROOM. */
export type Assignment = Record<PeerId, number>;

/** "Room 1" … "Room n", in the UI's language (the names everyone sees are the ones the host opened them with). */
export function roomNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => t('breakout.roomN', { n: i + 1 }));
}

/** The number of rooms a person typed, within 1 … BREAKOUT_ROOMS_MAX (2 when it is no number). */
export function clampRooms(raw: string | number): number {
  const n = Math.round(Number(raw));
  if (!Number.isFinite(n) || String(raw).trim() === '') return 2;
  return Math.min(BREAKOUT_ROOMS_MAX, Math.max(1, n));
}

/**
 * The timer a person typed: `null` for none (an empty box), a whole number of minutes within 1 …
 * BREAKOUT_MINUTES_MAX, or `undefined` when it is neither (the box says it is not valid).
 */
export function parseMinutes(raw: string): number | null | undefined {
  const text = raw.trim();
  if (!text) return null;
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= BREAKOUT_MINUTES_MAX ? n : undefined;
}

/** Everyone in a room at random, evenly: no room has more than one person more than another. */
export function shuffleAssign(ids: readonly PeerId[], rooms: number, random: () => number = Math.random): Assignment {
  const order = [...ids];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  // Which rooms get one more is random too.
  const offset = rooms > 0 ? Math.floor(random() * rooms) : 0;
  return Object.fromEntries(order.map((id, i) => [id, (i + offset) % rooms]));
}

/**
 * The assignment for `ids` and `rooms` rooms, keeping what was chosen: someone who left is dropped, someone in a room
 * that no longer exists and someone new go to the room with the fewest people (the first of them on a tie).
 */
export function fillAssign(previous: Assignment, ids: readonly PeerId[], rooms: number): Assignment {
  const next: Assignment = {};
  const sizes = new Array<number>(rooms).fill(0);
  const open: PeerId[] = [];
  for (const id of ids) {
    const room = previous[id];
    if (room === MAIN_ROOM || (room !== undefined && room >= 0 && room < rooms)) {
      next[id] = room;
      if (room >= 0) sizes[room]++;
    } else {
      open.push(id);
    }
  }
  for (const id of open) {
    if (rooms === 0) {
      next[id] = MAIN_ROOM;
      continue;
    }
    const room = sizes.indexOf(Math.min(...sizes));
    next[id] = room;
    sizes[room]++;
  }
  return next;
}

/** What `host:breakouts-open` carries for an assignment: only the people sent to a room. */
export function toSend(assign: Assignment): Assignment {
  return Object.fromEntries(Object.entries(assign).filter(([, room]) => room >= 0));
}

/** Time left as a clock shows it, rounded up to the second: "4:05", "1:02:03", "0:00". */
export function formatLeft(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const s = total % 60;
  const m = Math.floor(total / 60) % 60;
  const hours = Math.floor(total / 3600);
  const ss = String(s).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export interface CountdownHandlers {
  /** Every second (and at once): the milliseconds left, never below 0. */
  tick?(leftMs: number): void;
  /** Once, when `endsAt + graceMs` has passed. */
  end?(): void;
}

/**
 * Counts down to `endsAt` (epoch ms; 0: no timer, nothing happens). The clock is read at every tick rather than
 * trusted to a single long timer, so a computer that slept, or a clock that was set forward, ends it at the next
 * tick. Returns the function that stops it.
 */
export function countdown(endsAt: number, on: CountdownHandlers, graceMs = 0, everyMs = 1000): () => void {
  if (!(endsAt > 0)) return () => undefined;
  let timer: ReturnType<typeof setInterval> | null = null;
  const stop = () => {
    if (timer !== null) clearInterval(timer);
    timer = null;
  };
  const check = () => {
    const left = endsAt - Date.now();
    on.tick?.(Math.max(0, left));
    if (left + graceMs <= 0) {
      stop();
      on.end?.();
      return true;
    }
    return false;
  };
  if (!check()) timer = setInterval(check, everyMs);
  return stop;
}
