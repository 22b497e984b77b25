/** Error codes from the server, in words a person understands. */
import type { ErrorCode } from '../../server/protocol/events';

const WORDS: Record<ErrorCode, string> = {
  BAD_REQUEST: 'Parley could not understand that request. Check your name and try again.',
  ROOM_FULL: 'This meeting is full',
  ROOM_LOCKED: 'The host has locked this meeting',
  WRONG_PASSWORD: 'That meeting password is not right',
  NOT_IN_ROOM: 'That person is no longer in this meeting',
  NOT_HOST: 'Only the host can do that',
  BANNED: 'You were removed from this meeting',
  RATE_LIMITED: 'Too many attempts. Wait a moment and try again.',
  PAYLOAD_TOO_LARGE: 'That is too long to send',
  INTERNAL: 'Something went wrong on the server. Try again.',
  ASK_TO_JOIN: 'This meeting asks to join: a host has to let you in',
  DENIED: 'A host declined your request to join. You can ask again in a minute.',
};

export const UNREACHABLE = "Can't reach Parley. Check your connection and try again.";

/** The contract code carried by a socket.io error (its message, or `data.code`), if any. */
export function errorCode(err: unknown): ErrorCode | null {
  if (!err || typeof err !== 'object') return null;
  const e = err as { message?: unknown; data?: { code?: unknown } };
  const candidates = [e.data?.code, e.message];
  for (const c of candidates) if (typeof c === 'string' && c in WORDS) return c as ErrorCode;
  return null;
}

/** Words for any error: a known code's sentence, or the "can't reach" sentence for transport failures. */
export function errorWords(err: unknown): string {
  const code = errorCode(err);
  return code ? WORDS[code] : UNREACHABLE;
}

export function wordsFor(code: ErrorCode): string {
  return WORDS[code];
}
