/** Resume tokens: a token issued with a fixed secret verifies for its room and until it expires; nothing else does. */
import { createHmac } from 'node:crypto';
import { issueResume, verifyResume } from '../../server/realtime/resume';

const SECRET = 'resume-secret-0123456789';
const ROOM = 'abc-defg-hij';
const IAT = 1_700_000_000;
const AT_IAT_MS = IAT * 1000;
const CLAIM = { room: ROOM, peer: 'peer-1', iat: IAT, meeting: 'mtg-1', host: true, password: false };
/** issueResume(SECRET, CLAIM), written out. */
const TOKEN = 'WyJhYmMtZGVmZy1oaWoiLCJwZWVyLTEiLDE3MDAwMDAwMDAsIm10Zy0xIiwxLDBd.CN4Vcl921gdK52bhWYPv8ko8AUwkp6TiYGgx4a8vqI8';
/** A token as issued before meetings had ids: room, peer and time only. */
const LEGACY = 'WyJhYmMtZGVmZy1oaWoiLCJwZWVyLTEiLDE3MDAwMDAwMDBd.c9aX5YqQAZDwHjKmVTMPLpSLPpqKvmCIpVQzrkY08XE';

/** A token for any body, signed here as the server signs: HMAC-SHA256 of the base64url body, base64url. */
function forge(body: string, secret = SECRET): string {
  const b = Buffer.from(body).toString('base64url');
  return `${b}.${createHmac('sha256', secret).update(b).digest('base64url')}`;
}
const flip = (s: string, at: number) => s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);

test('a token is the base64url claim (room, peer, time, meeting, host, password) and its signature', () => {
  expect(issueResume(SECRET, CLAIM)).toBe(TOKEN);
  expect(Buffer.from(TOKEN.split('.')[0], 'base64url').toString()).toBe('["abc-defg-hij","peer-1",1700000000,"mtg-1",1,0]');
  expect(forge('["abc-defg-hij","peer-1",1700000000,"mtg-1",1,0]')).toBe(TOKEN);
  expect(verifyResume(SECRET, forge('["abc-defg-hij","peer-1",1700000000,"mtg-1",0,1]'), ROOM, AT_IAT_MS)).toEqual({
    ...CLAIM,
    host: false,
    password: true,
  });
});

test('a token issued before meetings had ids names no meeting and no role', () => {
  expect(forge('["abc-defg-hij","peer-1",1700000000]')).toBe(LEGACY);
  expect(verifyResume(SECRET, LEGACY, ROOM, AT_IAT_MS)).toEqual({ ...CLAIM, meeting: '', host: false });
});

test('the token verifies for its room, from its issue to 24 hours later', () => {
  const claim = CLAIM;
  expect(verifyResume(SECRET, TOKEN, ROOM, AT_IAT_MS)).toEqual(claim);
  expect(verifyResume(SECRET, TOKEN, ROOM, AT_IAT_MS + 24 * 3600 * 1000)).toEqual(claim);
  // A replica whose clock is up to a minute behind the issuer's still accepts it.
  expect(verifyResume(SECRET, TOKEN, ROOM, AT_IAT_MS - 60_000)).toEqual(claim);
});

test('the default clock is now', () => {
  jest.useFakeTimers({ now: AT_IAT_MS + 5000 });
  try {
    expect(verifyResume(SECRET, TOKEN, ROOM)).toEqual(CLAIM);
    jest.setSystemTime(AT_IAT_MS + 25 * 3600 * 1000);
    expect(verifyResume(SECRET, TOKEN, ROOM)).toBeNull();
  } finally {
    jest.useRealTimers();
  }
});

const [BODY, MAC] = TOKEN.split('.');
const REFUSED: Array<[string, string, string?, string?, number?]> = [
  // [what, token, room, secret, now]
  ['for another room', TOKEN, 'xyz-defg-hij'],
  ['for the same room in capitals (room ids reach it case-folded)', TOKEN, 'ABC-DEFG-HIJ'],
  ['under another secret', TOKEN, ROOM, 'another-secret-0123456789'],
  ['expired: a second past 24 hours', TOKEN, ROOM, SECRET, AT_IAT_MS + (24 * 3600 + 1) * 1000],
  ['issued more than a minute in the future', TOKEN, ROOM, SECRET, AT_IAT_MS - 61_000],
  ['with a signature character altered', flip(TOKEN, TOKEN.length - 3)],
  ['with a body character altered', flip(TOKEN, 2)],
  ['with its signature cut short', TOKEN.slice(0, -1)],
  ['with a character added to its signature', `${TOKEN}A`],
  ['with base64 padding added', `${TOKEN}=`],
  ['with a trailing space', `${TOKEN} `],
  ['with a space inside its signature', `${BODY}.${MAC.slice(0, 5)} ${MAC.slice(5)}`],
  // The last of 43 characters carries 2 unused bits: decoded, "E" and "F" are the same bytes.
  ['with the unused bits of its last character changed', `${TOKEN.slice(0, -1)}F`],
  ['with a second dot', `${TOKEN}.x`],
  ['with the signature of another token', `${BODY}.${forge('["abc-defg-hij","peer-2",1700000000]').split('.')[1]}`],
  ['signed, but for another peer than its body says', `${forge('["abc-defg-hij","peer-2",1700000000]').split('.')[0]}.${MAC}`],
  ['empty', ''],
  ['a dot alone', '.'],
  ['a signature without a body', `.${MAC}`],
  ['a body without a signature', `${BODY}.`],
  ['garbage', 'not a token at all'],
  ['signed, but not JSON', forge('room abc-defg-hij peer-1')],
  ['signed, but an object', forge('{"room":"abc-defg-hij","peer":"peer-1","iat":1700000000}')],
  ['signed, but two fields', forge('["abc-defg-hij","peer-1"]')],
  ['signed, but four fields', forge('["abc-defg-hij","peer-1",1700000000,"host"]')],
  ['signed, but the time a string', forge('["abc-defg-hij","peer-1","1700000000","mtg-1",1,0]')],
  ['signed, but the peer a number', forge('["abc-defg-hij",1,1700000000]')],
  ['signed, but five fields', forge('["abc-defg-hij","peer-1",1700000000,"mtg-1",1]')],
  ['signed, but seven fields', forge('["abc-defg-hij","peer-1",1700000000,"mtg-1",1,0,0]')],
  ['signed, but an empty meeting', forge('["abc-defg-hij","peer-1",1700000000,"",1,0]')],
  ['signed, but the meeting a number', forge('["abc-defg-hij","peer-1",1700000000,7,1,0]')],
  ['signed, but host true instead of 1', forge('["abc-defg-hij","peer-1",1700000000,"mtg-1",true,0]')],
  ['signed, but host 2', forge('["abc-defg-hij","peer-1",1700000000,"mtg-1",2,0]')],
  ['signed, but password "1"', forge('["abc-defg-hij","peer-1",1700000000,"mtg-1",1,"1"]')],
];

test.each(REFUSED)('a token %s is refused', (_what, token, room = ROOM, secret = SECRET, now = AT_IAT_MS) => {
  expect(verifyResume(secret, token, room, now)).toBeNull();
});
