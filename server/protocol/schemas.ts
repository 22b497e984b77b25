/** One zod schema per inbound payload. Objects are strict: unknown keys (including `__proto__`) are refused. */
import { z } from 'zod';
import { AppError } from './errors';
import { REACTIONS } from './events';
import {
  BIDI_CONTROLS_ALL,
  CANDIDATE_MAX,
  CHAT_MAX,
  CONTROL_CHARS,
  LONE_SURROGATE,
  NAME_INPUT_MAX,
  NAME_MAX,
  PASSWORD_MAX,
  RESUME_TOKEN_MAX,
  ROOM_ID_MAX,
  ROOM_ID_PATTERN,
  SDP_MAX,
  VISIBLE_CHAR,
} from './limits';

/** Room ids are case-folded before the pattern check. */
export const roomId = z
  .string()
  .max(ROOM_ID_MAX)
  .transform((s) => s.toLowerCase())
  .pipe(z.string().regex(ROOM_ID_PATTERN));

/** Bidi embedding, override and isolate controls removed (see BIDI_CONTROLS_ALL). */
const withoutBidi = (s: string) => s.replace(BIDI_CONTROLS_ALL, '');

/** Bidi controls are stripped before trimming, so a name of nothing else (and spaces) is empty and refused. */
export const name = z
  .string()
  .max(NAME_INPUT_MAX)
  .transform((s) => withoutBidi(s).trim())
  .pipe(
    z
      .string()
      .min(1)
      .max(NAME_MAX)
      .refine((s) => !CONTROL_CHARS.test(s), 'control characters are not allowed')
      .refine((s) => !LONE_SURROGATE.test(s), 'lone surrogates are not allowed')
      .refine((s) => VISIBLE_CHAR.test(s), 'a name needs a visible character'),
  );

export const peerId = z.string().min(1).max(64);

export const roomAuth = z.strictObject({
  room: roomId,
  name,
  password: z.string().min(1).max(PASSWORD_MAX).optional(),
  resume: z.string().min(1).max(RESUME_TOKEN_MAX).optional(),
  admit: z.string().min(1).max(RESUME_TOKEN_MAX).optional(),
});

const description = z.strictObject({
  type: z.enum(['offer', 'answer', 'pranswer', 'rollback']),
  sdp: z.string().max(SDP_MAX).optional(),
});

const candidate = z.strictObject({
  candidate: z.string().max(CANDIDATE_MAX).optional(),
  sdpMid: z.string().max(64).nullable().optional(),
  sdpMLineIndex: z.number().int().min(0).max(1024).nullable().optional(),
  usernameFragment: z.string().max(256).nullable().optional(),
});

export const signal = z
  .strictObject({
    to: peerId,
    description: description.optional(),
    candidate: candidate.nullable().optional(),
    // A client-sent `from` is replaced by the server, not refused.
    from: z.unknown().optional(),
  })
  .refine((s) => s.description !== undefined || s.candidate !== undefined, 'a description or a candidate is required');

export const media = z.strictObject({ audio: z.boolean(), video: z.boolean(), screen: z.boolean() });
export const hand = z.strictObject({ raised: z.boolean() });
export const recording = z.strictObject({ on: z.boolean() });
/** The limit applies to the text as sent (PAYLOAD_TOO_LARGE); a text of nothing but bidi controls is empty and refused. */
export const chatSend = z.strictObject({
  text: z
    .string()
    .max(CHAT_MAX)
    .refine((s) => !LONE_SURROGATE.test(s), 'lone surrogates are not allowed')
    .transform(withoutBidi)
    .pipe(z.string().min(1)),
});
export const hostLock = z.strictObject({ locked: z.boolean() });
export const hostTarget = z.strictObject({ id: peerId });
export const hostCohost = z.strictObject({ id: peerId, cohost: z.boolean() });
export const hostSettings = z
  .strictObject({
    locked: z.boolean().optional(),
    chatLocked: z.boolean().optional(),
    screenLocked: z.boolean().optional(),
    askToJoin: z.boolean().optional(),
  })
  .refine((s) => Object.values(s).some((v) => v !== undefined), 'at least one setting is required');
export const reaction = z.strictObject({ emoji: z.enum(REACTIONS) });
/** PeerIds as keys of an object: never a name that means something to every object. */
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'];
const peerIdKey = peerId.refine((k) => !PROTO_KEYS.includes(k), 'not a PeerId');
export const BREAKOUT_ROOMS_MAX = 20;
export const breakoutsOpen = z
  .strictObject({
    rooms: z.array(name).min(1).max(BREAKOUT_ROOMS_MAX),
    // A plain object whose own keys are PeerIds (an own `__proto__` key, as JSON.parse makes it, is refused).
    assign: z
      .custom<Record<string, unknown>>(
        (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).every((k) => !PROTO_KEYS.includes(k)),
        'not a map of PeerIds',
      )
      .pipe(
        z.record(
          peerIdKey,
          z
            .number()
            .int()
            .min(0)
            .max(BREAKOUT_ROOMS_MAX - 1),
        ),
      ),
    // Whole minutes in the web client; a fraction (down to 6 s) for a quick try.
    minutes: z.number().min(0.1).max(240).optional(),
  })
  .refine((b) => Object.values(b.assign).every((i) => i < b.rooms.length), 'a participant is sent to a room that does not exist');
export const breakoutsMessage = z.strictObject({
  text: z
    .string()
    .max(500)
    .refine((s) => !LONE_SURROGATE.test(s), 'lone surrogates are not allowed')
    .transform(withoutBidi)
    .pipe(z.string().trim().min(1)),
});
/** A knock id: made by the server, random. */
export const knockId = z.string().regex(/^[A-Za-z0-9_-]{8,32}$/);
export const hostAdmit = z.union([z.strictObject({ id: knockId }), z.strictObject({ all: z.literal(true) })]);
export const hostDeny = z.strictObject({ id: knockId });
export const lobbyKnock = z.strictObject({ room: roomId, name, id: knockId.optional() });
export const lobbyWithdraw = z.strictObject({ room: roomId, id: knockId });
export const lobbyRoom = z.strictObject({ room: roomId });

/**
 * Parses a payload or throws the contract's error. With `bulky`, a string over its limit
 * (chat text, SDP) is PAYLOAD_TOO_LARGE; everything else is BAD_REQUEST.
 */
export function parse<T extends z.ZodType>(schema: T, input: unknown, bulky = false): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  if (bulky && result.error.issues.some((i) => i.code === 'too_big' && i.origin === 'string')) {
    throw new AppError('PAYLOAD_TOO_LARGE');
  }
  const first = result.error.issues[0];
  const where = first && first.path.length > 0 ? ` at ${first.path.map(String).join('.')}` : '';
  throw new AppError('BAD_REQUEST', `Invalid payload${where}.`);
}
