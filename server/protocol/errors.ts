/** The fixed set of error codes of the wire contract. */
export const ERROR_CODES = [
  'BAD_REQUEST',
  'ROOM_FULL',
  'ROOM_LOCKED',
  'WRONG_PASSWORD',
  'NOT_IN_ROOM',
  'NOT_HOST',
  'BANNED',
  'RATE_LIMITED',
  'PAYLOAD_TOO_LARGE',
  'INTERNAL',
  // Extensions: a room that asks to join (see docs/protocol.md, "Ask to join").
  'ASK_TO_JOIN',
  'DENIED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

const DEFAULT_MESSAGES: Record<ErrorCode, string> = {
  BAD_REQUEST: 'The request is malformed.',
  ROOM_FULL: 'This meeting is full.',
  ROOM_LOCKED: 'The host has locked this meeting.',
  WRONG_PASSWORD: 'The meeting password is wrong.',
  NOT_IN_ROOM: 'That participant is not in this meeting.',
  NOT_HOST: 'Only the host can do that.',
  BANNED: 'You were removed from this meeting.',
  RATE_LIMITED: 'Too many requests; slow down.',
  PAYLOAD_TOO_LARGE: 'The request is too large.',
  INTERNAL: 'Something went wrong on the server.',
  ASK_TO_JOIN: 'This meeting asks to join: wait for a host to let you in.',
  DENIED: 'A host declined your request to join; you can ask again in a minute.',
};

/** An error that is safe to show to a client: a contract code and a fixed message. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string = DEFAULT_MESSAGES[code],
  ) {
    super(message);
    this.name = 'AppError';
  }

  toBody(): ErrorBody {
    return { code: this.code, message: this.message };
  }
}

/** Turns anything thrown into a body fit for a client: internal details never leave the server. */
export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof AppError) return err.toBody();
  return { code: 'INTERNAL', message: DEFAULT_MESSAGES.INTERNAL };
}
