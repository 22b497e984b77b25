/** Error codes from the server, in words a person understands (in the UI's language). */
import type { ErrorCode } from '../../server/protocol/events';
import { t } from '../i18n';

const CODES: Record<ErrorCode, true> = {
  BAD_REQUEST: true,
  ROOM_FULL: true,
  ROOM_LOCKED: true,
  WRONG_PASSWORD: true,
  NOT_IN_ROOM: true,
  NOT_HOST: true,
  BANNED: true,
  RATE_LIMITED: true,
  PAYLOAD_TOO_LARGE: true,
  INTERNAL: true,
  ASK_TO_JOIN: true,
  DENIED: true,
};

/** The contract code carried by a socket.io error (its message, or `data.code`), if any. */
export function errorCode(err: unknown): ErrorCode | null {
  if (!err || typeof err !== 'object') return null;
  const e = err as { message?: unknown; data?: { code?: unknown } };
  const candidates = [e.data?.code, e.message];
  for (const c of candidates) if (typeof c === 'string' && c in CODES) return c as ErrorCode;
  return null;
}

/** Words for any error: a known code's sentence, or the "can't reach" sentence for transport failures. */
export function errorWords(err: unknown): string {
  const code = errorCode(err);
  return code ? wordsFor(code) : t('error.unreachable');
}

export function wordsFor(code: ErrorCode): string {
  return t(`error.${code}`);
}
