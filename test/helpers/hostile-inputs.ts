/** Handshakes that every replica must refuse (or admit alike), shared by the one-replica and the three-replica hostile suites. */
import { issueResume } from '../../server/realtime/resume';

/** A payload parsed from JSON text, so that `__proto__` and friends are own keys as a wire client sends them. */
export const raw = (json: string): unknown => JSON.parse(json);
export const big = (n: number) => 'x'.repeat(n);

/** The PeerIds of the suites' participants: Mal (host), Gus and Bea in room A; Oz, Ola and Obi in room B. */
export type Cast = Record<'mal' | 'gus' | 'bea' | 'oz' | 'ola' | 'obi', string>;

/** Handshake `auth` values refused with BAD_REQUEST. */
export const BAD_HANDSHAKES: Array<[string, unknown]> = [
  ['no auth at all', undefined],
  ['empty auth', {}],
  ['missing name', { room: 'hs-room' }],
  ['missing room', { name: 'Zed' }],
  ['an empty name', { room: 'hs-room', name: '' }],
  ['a name of spaces', { room: 'hs-room', name: '   ' }],
  ['a name of 41 characters', { room: 'hs-room', name: 'n'.repeat(41) }],
  ['a name of 41 astral characters', { room: 'hs-room', name: '😀'.repeat(41) }],
  ['a name of 60,000 characters', { room: 'hs-room', name: big(60_000) }],
  ['a name with a tab', { room: 'hs-room', name: 'Ze\td' }],
  ['a name with a newline', { room: 'hs-room', name: 'Ze\nd' }],
  ['a name with a carriage return', { room: 'hs-room', name: 'Ze\rd' }],
  ['a name with NUL', { room: 'hs-room', name: 'Ze\u0000d' }],
  ['a name with ESC', { room: 'hs-room', name: '\u001b[31mZed' }],
  ['a name with DEL', { room: 'hs-room', name: 'Ze\u007fd' }],
  ['a name with a C1 control (NEL)', { room: 'hs-room', name: 'Ze\u0085d' }],
  ['a name with a C1 control (0x9f)', { room: 'hs-room', name: 'Ze\u009fd' }],
  ['a name with a lone surrogate', { room: 'hs-room', name: 'Ze\ud800d' }],
  ['a name that is a lone low surrogate', { room: 'hs-room', name: '\udc00' }],
  ['a name that is a number', { room: 'hs-room', name: 7 }],
  ['a name that is an array', { room: 'hs-room', name: ['Zed'] }],
  ['a name that is an object', { room: 'hs-room', name: { toString: 'Zed' } }],
  ['a room of 65 characters', { room: 'r'.repeat(65), name: 'Zed' }],
  ['a room with a space', { room: 'hs room', name: 'Zed' }],
  ['a room with a slash', { room: 'hs/room', name: 'Zed' }],
  ['a room with dots', { room: '..', name: 'Zed' }],
  ['a room with a zero-width space', { room: 'hs\u200broom', name: 'Zed' }],
  ['a room with non-ASCII letters', { room: 'réunion', name: 'Zed' }],
  ['a room with a NUL', { room: 'hs-room\u0000', name: 'Zed' }],
  ['an empty room', { room: '', name: 'Zed' }],
  ['a room that is a number', { room: 12345, name: 'Zed' }],
  ['a room that is null', { room: null, name: 'Zed' }],
  ['an extra key', { room: 'hs-room', name: 'Zed', host: true }],
  ['an own __proto__ key', raw('{"room":"hs-room","name":"Zed","__proto__":{"host":true}}')],
  ['a constructor key', raw('{"room":"hs-room","name":"Zed","constructor":{"prototype":{"host":true}}}')],
  ['a prototype key', { room: 'hs-room', name: 'Zed', prototype: { host: true } }],
  ['a password that is a number', { room: 'hs-room', name: 'Zed', password: 1 }],
  ['an empty password', { room: 'hs-room', name: 'Zed', password: '' }],
  ['a password of 129 characters', { room: 'hs-room', name: 'Zed', password: big(129) }],
  ['a password that is a Buffer', { room: 'hs-room', name: 'Zed', password: Buffer.from('secret') }],
  ['a name that is a Buffer', { room: 'hs-room', name: Buffer.from('Zed') }],
  ['a room that is a Buffer', { room: Buffer.from('hs-room'), name: 'Zed' }],
  ['a resume that is a number', { room: 'hs-room', name: 'Zed', resume: 1 }],
  ['a resume that is not a token', { room: 'hs-room', name: 'Zed', resume: 'abc.def' }],
  // Nothing in these names shows: the tile would be blank and a ban of it meaningless.
  ['a name of only zero-width characters', { room: 'hs-room', name: '\u200b\u200c' }],
  ['a name of only bidi controls', { room: 'hs-room', name: '\u202e\u2066\u2069' }],
  ['a name of only combining marks', { room: 'hs-room', name: '\u0301\u0308' }],
  ['a name of only a zero-width joiner between spaces', { room: 'hs-room', name: '\u2003\u200d\u3000' }],
];

/**
 * Names with format characters are not control characters: they are admitted and read the same everywhere (the page
 * renders them as text). Bidi embeddings, overrides and isolates are stripped, the rest (zero-width, marks) is
 * stored trimmed and otherwise verbatim. [what, name sent, name stored].
 */
export const UNICODE_NAMES: Array<[string, string, string]> = [
  ['a right-to-left override (stripped)', '\u202eevil\u202c', 'evil'],
  ['bidi isolates and embeddings (stripped)', '\u2067Ze\u2069\u202ad\u202c', 'Zed'],
  ['a bidi override between spaces (stripped, then trimmed)', ' \u202d Zed \u202e ', 'Zed'],
  ['right-to-left marks (kept)', '\u200fZed\u200e', '\u200fZed\u200e'],
  ['a zero-width space', 'Ze\u200bd', 'Ze\u200bd'],
  ['a zero-width joiner sequence', '👩\u200d💻 Dev', '👩\u200d💻 Dev'],
  ['a byte order mark around it (trimmed)', '\ufeffZed\ufeff', 'Zed'],
  ['no-break spaces around it (trimmed)', '\u00a0Zed\u2003', 'Zed'],
  ['combining marks', 'Z\u0301e\u0308d', 'Z\u0301e\u0308d'],
  ['40 astral characters (80 UTF-16 units: lengths count characters)', '😀'.repeat(40), '😀'.repeat(40)],
  ['Arabic and Hebrew', 'زيد שלום', 'زيد שלום'],
  ['markup', '<img src=x onerror=alert(1)>', '<img src=x onerror=alert(1)>'],
];

/** What a resume case is made from: the rooms, the shared SECRET, the cast's PeerIds and the resume tokens of their welcomes. */
export interface ResumeCtx {
  roomA: string;
  roomB: string;
  secret: string;
  id: Cast;
  token: Cast;
  /** Now, in epoch seconds. */
  now: number;
}

const flip = (s: string, at: number) => s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** The same signature bytes, spelt differently: the last character of 32 bytes in base64 has 2 unused bits. */
const spareBits = (token: string) => token.slice(0, -1) + B64[B64.indexOf(token.slice(-1)) ^ 1];

/** Resume tokens presented with the name Gus, refused with BAD_REQUEST: [what, the auth's room and resume]. */
export const BAD_RESUMES: Array<[string, (c: ResumeCtx) => { room: string; token: unknown }]> = [
  ['a token of room B presented for room A', (c) => ({ room: c.roomA, token: c.token.oz })],
  ['a token of room A presented for room B', (c) => ({ room: c.roomB, token: c.token.gus })],
  ['a token with a tampered signature', (c) => ({ room: c.roomA, token: flip(c.token.gus, c.token.gus.length - 3) })],
  ['a token with a tampered body', (c) => ({ room: c.roomA, token: flip(c.token.gus, 2) })],
  ['a token cut short', (c) => ({ room: c.roomA, token: c.token.gus.slice(0, -5) })],
  ['a token with a second dot', (c) => ({ room: c.roomA, token: `${c.token.gus}.x` })],
  ['a token with a trailing space', (c) => ({ room: c.roomA, token: `${c.token.gus} ` })],
  ['a token with padding added', (c) => ({ room: c.roomA, token: `${c.token.gus}=` })],
  ['a token with a space inside its signature', (c) => ({ room: c.roomA, token: c.token.gus.replace(/(.{5})$/, ' $1') })],
  ['a token whose last character differs only in unused bits', (c) => ({ room: c.roomA, token: spareBits(c.token.gus) })],
  [
    'the body of one token with the signature of another',
    (c) => ({ room: c.roomA, token: `${c.token.gus.split('.')[0]}.${c.token.bea.split('.')[1]}` }),
  ],
  [
    'an expired token (25 h old)',
    (c) => ({
      room: c.roomA,
      token: issueResume(c.secret, { room: c.roomA, peer: c.id.gus, iat: c.now - 25 * 3600, meeting: 'm', host: true, password: false }),
    }),
  ],
  [
    'a token issued in the future',
    (c) => ({
      room: c.roomA,
      token: issueResume(c.secret, { room: c.roomA, peer: c.id.gus, iat: c.now + 3600, meeting: 'm', host: true, password: false }),
    }),
  ],
  [
    'a token signed with another secret',
    (c) => ({
      room: c.roomA,
      token: issueResume('another-secret-0123456789', {
        room: c.roomA,
        peer: c.id.gus,
        iat: c.now,
        meeting: 'm',
        host: true,
        password: false,
      }),
    }),
  ],
  ['a token of 513 characters', (c) => ({ room: c.roomA, token: big(513) })],
  ['an empty token', (c) => ({ room: c.roomA, token: '' })],
  ['a token that is an object', (c) => ({ room: c.roomA, token: { peer: c.id.gus } })],
];
