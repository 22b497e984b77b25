/** STUN/TURN settings per participant: TURN REST credentials (coturn use-auth-secret) from a fixed secret and clock. */
import { createHmac } from 'node:crypto';
import { iceServersFor, turnCredentials } from '../../server/ice/ice';

const SECRET = 'turn-secret-0123';
const NOW_MS = 1_700_000_000_000;

test('the username is "<expiry>:<peer>" and the credential base64(HMAC-SHA1(secret, username))', () => {
  const creds = turnCredentials(SECRET, 'peer-1', 3600, NOW_MS);
  expect(creds.username).toBe('1700003600:peer-1');
  expect(creds.credential).toBe(createHmac('sha1', 'turn-secret-0123').update('1700003600:peer-1').digest('base64'));
  expect(creds.credential).toBe('2hoYghuHmf1jl4L2R0MbFb5HXWE=');
});

test('the expiry counts whole seconds from now', () => {
  expect(turnCredentials(SECRET, 'peer-1', 60, NOW_MS + 999).username).toBe('1700000060:peer-1');
  expect(turnCredentials(SECRET, 'peer-1', 60, NOW_MS + 1000).username).toBe('1700000061:peer-1');
});

test('the default clock is now', () => {
  jest.useFakeTimers({ now: NOW_MS });
  try {
    expect(turnCredentials(SECRET, 'peer-1', 3600)).toEqual({
      username: '1700003600:peer-1',
      credential: '2hoYghuHmf1jl4L2R0MbFb5HXWE=',
    });
  } finally {
    jest.useRealTimers();
  }
});

test('another peer or another secret gives another credential', () => {
  const other = turnCredentials(SECRET, 'peer-2', 3600, NOW_MS);
  expect(other.username).toBe('1700003600:peer-2');
  expect(other.credential).toBe(createHmac('sha1', SECRET).update('1700003600:peer-2').digest('base64'));
  expect(turnCredentials('another-secret', 'peer-1', 3600, NOW_MS).credential).toBe(
    createHmac('sha1', 'another-secret').update('1700003600:peer-1').digest('base64'),
  );
});

const STUN = ['stun:stun.example.org:3478'];
const TURN = ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:5349'];

test('STUN and TURN: one entry each, TURN with the credentials', () => {
  expect(iceServersFor({ stunUrls: STUN, turnUrls: TURN, turnSecret: SECRET, turnTtlS: 3600 }, 'peer-1', NOW_MS)).toEqual([
    { urls: ['stun:stun.example.org:3478'] },
    {
      urls: ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:5349'],
      username: '1700003600:peer-1',
      credential: '2hoYghuHmf1jl4L2R0MbFb5HXWE=',
    },
  ]);
});

test('no TURN_URLS: no TURN entry, even with a secret', () => {
  expect(iceServersFor({ stunUrls: STUN, turnUrls: [], turnSecret: SECRET, turnTtlS: 3600 }, 'peer-1', NOW_MS)).toEqual([
    { urls: ['stun:stun.example.org:3478'] },
  ]);
});

test('TURN_URLS without a secret: no TURN entry', () => {
  expect(iceServersFor({ stunUrls: STUN, turnUrls: TURN, turnTtlS: 3600 }, 'peer-1', NOW_MS)).toEqual([{ urls: STUN }]);
});

test('no STUN: only the TURN entry; nothing at all: no entries', () => {
  expect(iceServersFor({ stunUrls: [], turnUrls: TURN, turnSecret: SECRET, turnTtlS: 600 }, 'peer-1', NOW_MS)).toEqual([
    { urls: TURN, username: '1700000600:peer-1', credential: createHmac('sha1', SECRET).update('1700000600:peer-1').digest('base64') },
  ]);
  expect(iceServersFor({ stunUrls: [], turnUrls: [], turnTtlS: 600 }, 'peer-1', NOW_MS)).toEqual([]);
});

test('the URL lists are copies: changing one does not change the settings', () => {
  const cfg = { stunUrls: [...STUN], turnUrls: [...TURN], turnSecret: SECRET, turnTtlS: 3600 };
  const [stun, turn] = iceServersFor(cfg, 'peer-1', NOW_MS);
  (stun.urls as string[]).push('stun:evil.example');
  (turn.urls as string[]).length = 0;
  expect(cfg.stunUrls).toEqual(STUN);
  expect(cfg.turnUrls).toEqual(TURN);
});
