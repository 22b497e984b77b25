/** schemas.parse: one zod schema per inbound payload; a parsed value out, or the contract's error code. */
import { AppError } from '../../server/protocol/errors';
import { CANDIDATE_MAX, SDP_MAX } from '../../server/protocol/limits';
import {
  chatSend,
  hand,
  hostLock,
  hostTarget,
  lobbyRoom,
  media,
  name,
  parse,
  peerId,
  roomAuth,
  roomId,
  signal,
} from '../../server/protocol/schemas';
import { banKey } from '../../server/rooms/codes';

/** What parse throws: the code and the message a client would see. */
function refusal(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return { code: (err as AppError).code, message: (err as AppError).message };
  }
  throw new Error('the payload was accepted');
}

describe('a valid payload of each schema is returned parsed', () => {
  const VALID: Array<[string, Parameters<typeof parse>[0], unknown, unknown]> = [
    [
      'roomAuth',
      roomAuth,
      { room: 'Abc-Defg-Hij', name: '  Ada Lovelace ', password: 'correct horse', resume: 'body.mac' },
      { room: 'abc-defg-hij', name: 'Ada Lovelace', password: 'correct horse', resume: 'body.mac' },
    ],
    ['roomAuth, without password and resume', roomAuth, { room: 'r1', name: 'Bob' }, { room: 'r1', name: 'Bob' }],
    [
      'signal with a description',
      signal,
      { to: 'peer-2', description: { type: 'offer', sdp: 'v=0\r\n' } },
      { to: 'peer-2', description: { type: 'offer', sdp: 'v=0\r\n' } },
    ],
    [
      'signal with a full candidate',
      signal,
      {
        to: 'peer-2',
        candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'u' },
      },
      {
        to: 'peer-2',
        candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'u' },
      },
    ],
    ['signal with the end-of-candidates null', signal, { to: 'peer-2', candidate: null }, { to: 'peer-2', candidate: null }],
    [
      'signal: a rollback without sdp',
      signal,
      { to: 'p', description: { type: 'rollback' } },
      { to: 'p', description: { type: 'rollback' } },
    ],
    [
      'signal: nullable candidate fields',
      signal,
      { to: 'p', candidate: { sdpMid: null, sdpMLineIndex: null } },
      { to: 'p', candidate: { sdpMid: null, sdpMLineIndex: null } },
    ],
    // The server replaces `from`; the schema lets it through rather than refusing a whole signal for it.
    [
      'signal with a client-sent from',
      signal,
      { to: 'p', from: { id: 'x' }, candidate: null },
      { to: 'p', from: { id: 'x' }, candidate: null },
    ],
    ['media', media, { audio: true, video: false, screen: true }, { audio: true, video: false, screen: true }],
    ['hand', hand, { raised: false }, { raised: false }],
    ['chatSend', chatSend, { text: ' hello 😀 ' }, { text: ' hello 😀 ' }],
    ['chatSend: 2,000 astral characters', chatSend, { text: '😀'.repeat(2000) }, { text: '😀'.repeat(2000) }],
    ['hostLock', hostLock, { locked: true }, { locked: true }],
    ['hostTarget', hostTarget, { id: 'peer-2' }, { id: 'peer-2' }],
    ['lobbyRoom', lobbyRoom, { room: 'TEAM-SYNC' }, { room: 'team-sync' }],
  ];
  test.each(VALID)('%s', (_what, schema, input, expected) => {
    expect(parse(schema, input)).toEqual(expected);
    expect(parse(schema, input, true)).toEqual(expected);
  });
});

describe('room ids', () => {
  test.each([
    ['ABC-DEFG-HIJ', 'abc-defg-hij'],
    ['Team-Sync-2', 'team-sync-2'],
    ['a'.repeat(64), 'a'.repeat(64)],
    ['0', '0'],
    // Folding is Unicode's: the Kelvin sign lower-cases to an ASCII "k".
    ['\u212aelvin', 'kelvin'],
  ])('%s is the room %s', (input, expected) => {
    expect(parse(roomId, input)).toBe(expected);
  });

  test.each([
    ['empty', ''],
    ['65 characters', 'a'.repeat(65)],
    ['a space', 'abc def'],
    ['a slash', '../etc'],
    ['an underscore', '__proto__'],
    ['a zero-width space', 'abc\u200b'],
    ['non-ASCII letters', 'réunion'],
    ['full-width letters', 'ａｂｃ'],
    ['a number', 42],
  ])('refused: %s', (_what, input) => {
    expect(refusal(() => parse(roomId, input))).toEqual({ code: 'BAD_REQUEST', message: 'Invalid payload.' });
  });
});

describe('names', () => {
  test.each([
    ['  Ada  ', 'Ada'],
    ['\u00a0Zed\u2003', 'Zed'],
    ['\ufeffZed\ufeff', 'Zed'],
    ['Ze\u200bd', 'Ze\u200bd'],
    // Bidi embeddings, overrides and isolates go; other format characters (zero-width, marks) stay.
    ['\u202eevil\u202c', 'evil'],
    ['\u202aA\u202bB\u202cC\u202dD\u202eE', 'ABCDE'],
    ['\u2066Mal\u2067lo\u2068ry\u2069', 'Mallory'],
    ['\u202e Ada \u2069', 'Ada'],
    ['\u200fRTL mark\u200e', '\u200fRTL mark\u200e'],
    ['\u202e' + 'n'.repeat(40), 'n'.repeat(40)],
    ['😀'.repeat(40), '😀'.repeat(40)],
    [`${'n'.repeat(40)}   `, 'n'.repeat(40)],
  ])('%j is the name %j', (input, expected) => {
    expect(parse(name, input)).toBe(expected);
  });

  test.each([
    ['empty', ''],
    ['spaces only', '   '],
    ['41 characters', 'n'.repeat(41)],
    ['41 astral characters', '😀'.repeat(41)],
    ['201 characters before trimming', ` ${'n'.repeat(200)}`],
    ['a tab', 'Ze\td'],
    ['a newline', 'Ze\nd'],
    ['NUL', 'Ze\u0000d'],
    ['ESC', '\u001b[31mZed'],
    ['DEL', 'Ze\u007fd'],
    ['a C1 control', 'Ze\u0085d'],
    ['the last C1 control', 'Ze\u009fd'],
    ['a lone high surrogate', 'Ze\ud800d'],
    ['a lone low surrogate', '\udc00'],
    ['surrogates in the wrong order', '\ude00\ud83d'],
    ['only a right-to-left override', '\u202e'],
    ['only bidi controls and spaces', ' \u202a\u202b \u202c\u202d\u202e\u2066\u2067\u2068\u2069 '],
    ['only bidi controls and a zero-width space', '\u2066\u200b\u2069'],
  ])('refused: %s', (_what, input) => {
    expect(refusal(() => parse(name, input)).code).toBe('BAD_REQUEST');
  });
});

describe('ban keys', () => {
  // A ban is keyed on the name as stored; the key of what was typed must be the same, bidi controls or not.
  test.each([
    ['\u202eMallory\u202c', 'mallory'],
    ['\u2066Mal\u2069lory', 'mallory'],
    ['\u202a\u202b Ma\u200dllory \u202d', 'mallory'],
    ['Ｍallory\u2067', 'mallory'],
  ])('%j, as typed and as stored, is the ban key %j', (typed, key) => {
    expect(banKey(typed)).toBe(key);
    expect(banKey(parse(name, typed))).toBe(key);
  });
});

describe('chat text', () => {
  test.each([
    ['a lone high surrogate', 'broken \ud800 text'],
    ['a lone low surrogate', '\udfff'],
    ['empty', ''],
    ['only bidi controls', '\u202e\u2066\u2069\u202c'],
  ])('refused: %s', (_what, text) => {
    expect(refusal(() => parse(chatSend, { text }, true))).toEqual({ code: 'BAD_REQUEST', message: 'Invalid payload at text.' });
  });

  test.each([
    ['a right-to-left override', 'see \u202eexe.txt\u202c now', 'see exe.txt now'],
    ['every embedding, override and isolate', '\u202a1\u202b2\u202c3\u202d4\u202e5\u20666\u20677\u20688\u20699', '123456789'],
    ['a bidi control next to spaces', ' \u2067 hi ', '  hi '],
    ['marks and zero-width characters (kept)', 'a\u200fb\u200bc\u200dd', 'a\u200fb\u200bc\u200dd'],
  ])('bidi controls are stripped: %s', (_what, text, expected) => {
    expect(parse(chatSend, { text }, true)).toEqual({ text: expected });
  });

  test('the limit counts the text as sent, bidi controls included', () => {
    expect(refusal(() => parse(chatSend, { text: '\u202e'.repeat(2001) }, true)).code).toBe('PAYLOAD_TOO_LARGE');
    expect(parse(chatSend, { text: `${'\u202e'.repeat(1999)}x` })).toEqual({ text: 'x' });
  });

  test('control characters are text in a chat message', () => {
    expect(parse(chatSend, { text: 'line one\nline two\ttabbed' })).toEqual({ text: 'line one\nline two\ttabbed' });
  });
});

describe('bulky: a string over its limit is PAYLOAD_TOO_LARGE; every other fault is BAD_REQUEST', () => {
  const TOO_LARGE = { code: 'PAYLOAD_TOO_LARGE', message: 'The request is too large.' };
  test.each([
    ['chat text of 2,001 characters', chatSend, { text: 'x'.repeat(2001) }, 'text'],
    ['chat text of 2,001 astral characters', chatSend, { text: '😀'.repeat(2001) }, 'text'],
    ['an sdp over the limit', signal, { to: 'p', description: { type: 'offer', sdp: 'x'.repeat(SDP_MAX + 1) } }, 'description.sdp'],
    ['a candidate over the limit', signal, { to: 'p', candidate: { candidate: 'x'.repeat(CANDIDATE_MAX + 1) } }, 'candidate.candidate'],
    ['a to of 65 characters', signal, { to: 'x'.repeat(65), candidate: null }, 'to'],
    ['a password of 129 characters', roomAuth, { room: 'r1', name: 'Zed', password: 'p'.repeat(129) }, 'password'],
  ] as const)('%s', (_what, schema, input, at) => {
    expect(refusal(() => parse(schema, input, true))).toEqual(TOO_LARGE);
    expect(refusal(() => parse(schema, input))).toEqual({ code: 'BAD_REQUEST', message: `Invalid payload at ${at}.` });
  });

  test('a number over its maximum is not a large payload', () => {
    expect(refusal(() => parse(signal, { to: 'p', candidate: { sdpMLineIndex: 1025 } }, true))).toEqual({
      code: 'BAD_REQUEST',
      message: 'Invalid payload at candidate.sdpMLineIndex.',
    });
  });

  test('an oversized string next to another fault is still PAYLOAD_TOO_LARGE', () => {
    expect(refusal(() => parse(signal, { to: 7, description: { type: 'offer', sdp: 'x'.repeat(SDP_MAX + 1) } }, true)).code).toBe(
      'PAYLOAD_TOO_LARGE',
    );
  });
});

describe('strict objects: unknown keys are refused, own __proto__ keys included', () => {
  test.each([
    ['roomAuth', roomAuth, { room: 'r1', name: 'Zed', host: true }],
    ['signal', signal, { to: 'p', candidate: null, room: 'elsewhere' }],
    ['a description', signal, { to: 'p', description: { type: 'offer', sdp: 'v=0', x: 1 } }],
    ['a candidate', signal, { to: 'p', candidate: { candidate: 'c', port: 9 } }],
    ['media', media, { audio: false, video: false, screen: false, host: true }],
    ['hand', hand, { raised: true, all: true }],
    ['chatSend', chatSend, { text: 'a', from: 'host' }],
    ['hostLock', hostLock, { locked: true, forever: true }],
    ['hostTarget', hostTarget, { id: 'p', by: 'host' }],
    ['lobbyRoom', lobbyRoom, { room: 'r1', names: true }],
    // JSON.parse makes `__proto__` an own key, as a payload off the wire has it.
    ['roomAuth, own __proto__', roomAuth, JSON.parse('{"room":"r1","name":"Zed","__proto__":{"host":true}}')],
    ['chatSend, own __proto__', chatSend, JSON.parse('{"__proto__":{"x":1},"text":"a"}')],
    ['hostLock, own __proto__', hostLock, JSON.parse('{"locked":true,"__proto__":{"locked":true}}')],
    ['a description, own __proto__', signal, { to: 'p', description: JSON.parse('{"type":"offer","__proto__":{"polluted":1}}') }],
    ['media, constructor', media, JSON.parse('{"audio":false,"video":false,"screen":false,"constructor":{"prototype":{"x":1}}}')],
  ])('%s', (_what, schema, input) => {
    expect(refusal(() => parse(schema, input)).code).toBe('BAD_REQUEST');
    expect((Object.prototype as Record<string, unknown>).host).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('shapes', () => {
  test.each([
    ['a signal with neither description nor candidate', signal, { to: 'p' }, 'Invalid payload.'],
    ['a signal to an empty PeerId', signal, { to: '', candidate: null }, 'Invalid payload at to.'],
    ['a description of an unknown type', signal, { to: 'p', description: { type: 'hijack' } }, 'Invalid payload at description.type.'],
    ['a fractional sdpMLineIndex', signal, { to: 'p', candidate: { sdpMLineIndex: 0.5 } }, 'Invalid payload at candidate.sdpMLineIndex.'],
    ['media with a missing field', media, { audio: false, video: false }, 'Invalid payload at screen.'],
    ['a string for a boolean', hand, { raised: 'yes' }, 'Invalid payload at raised.'],
    ['null', hostLock, null, 'Invalid payload.'],
    ['an array', media, [false, false, false], 'Invalid payload.'],
    ['a Buffer', chatSend, Buffer.from('{"text":"a"}'), 'Invalid payload at text.'],
    ['a PeerId of 65 characters', peerId, 'p'.repeat(65), 'Invalid payload.'],
    ['an empty password', roomAuth, { room: 'r1', name: 'Zed', password: '' }, 'Invalid payload at password.'],
    ['a password of 129 characters', roomAuth, { room: 'r1', name: 'Zed', password: 'p'.repeat(129) }, 'Invalid payload at password.'],
    ['a resume token of 513 characters', roomAuth, { room: 'r1', name: 'Zed', resume: 't'.repeat(513) }, 'Invalid payload at resume.'],
  ])('refused: %s', (_what, schema, input, message) => {
    expect(refusal(() => parse(schema, input))).toEqual({ code: 'BAD_REQUEST', message });
  });
});
