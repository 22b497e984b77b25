/** loadConfig: the environment in, a typed Config (or one ConfigError naming every bad variable) out. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../server/config';

const EVERY_VARIABLE = {
  PORT: '8080',
  HOST: '127.0.0.1',
  REDIS_URL: 'rediss://cache.internal:6380/2',
  ROOM_MAX_PEERS: '12',
  STUN_URLS: 'stun:stun.example.org:3478, stuns:stun.example.org:5349',
  TURN_URLS: 'turn:turn.example.org:3478?transport=udp,turns:turn.example.org:5349',
  TURN_SECRET: 'turn-shared-secret',
  TURN_TTL_S: '300',
  ICE_REFRESH_PER_MIN: '6',
  SECRET: 'a-secret-of-sixteen+',
  RESUME_GRACE_MS: '30000',
  CHAT_HISTORY: '0',
  SIGNAL_RATE: '50',
  SIGNAL_BURST: '200',
  EVENT_RATE: '10',
  REACTION_RATE: '4',
  REACTION_BURST: '8',
  EVENT_BURST: '30',
  JOIN_RATE_PER_ADDR: '5',
  JOIN_BURST_PER_ADDR: '15',
  MAX_CONNS_PER_ADDR: '40',
  PEEK_RATE_PER_ADDR: '4',
  PEEK_BURST_PER_ADDR: '12',
  PASSWORD_ATTEMPTS_PER_MIN: '3',
  TRUST_PROXY: 'true',
  ALLOWED_ORIGINS: 'https://meet.example.org, https://parley.example.org',
  DRAIN_TIMEOUT_MS: '0',
  DRAIN_NOTICE_MS: '0',
  REPLICA_ID: 'eu-west.replica_2',
  LOG_LEVEL: 'debug',
  ALLOW_PUBLISHED_SECRETS: 'true',
};

/** One message naming every variable the environment gets wrong (or undefined when it loads). */
function failure(env: Record<string, string>): string | undefined {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  return undefined;
}

test('an empty environment gives the defaults, with a random SECRET and REPLICA_ID per load', () => {
  const config = loadConfig({});
  expect(config).toEqual({
    port: 3000,
    host: '0.0.0.0',
    redisUrl: undefined,
    roomMaxPeers: 8,
    stunUrls: ['stun:stun.l.google.com:19302'],
    turnUrls: [],
    turnSecret: undefined,
    turnTtlS: 600,
    iceRefreshPerMin: 3,
    secret: expect.stringMatching(/^[0-9a-f]{64}$/),
    resumeGraceMs: 15_000,
    chatHistory: 100,
    signalRate: 100,
    signalBurst: 400,
    eventRate: 20,
    eventBurst: 60,
    reactionRate: 2,
    reactionBurst: 6,
    maxConnsPerAddr: 100,
    joinRatePerAddr: 20,
    joinBurstPerAddr: 60,
    peekRatePerAddr: 2,
    peekBurstPerAddr: 20,
    passwordAttemptsPerMin: 10,
    trustProxy: false,
    allowedOrigins: [],
    drainTimeoutMs: 10_000,
    drainNoticeMs: 4000,
    replicaId: expect.stringMatching(/^[0-9a-f]{8}$/),
    logLevel: 'info',
    allowPublishedSecrets: false,
  });
  const again = loadConfig({});
  expect(again.secret).not.toBe(config.secret);
  expect(again.replicaId).not.toBe(config.replicaId);
});

test('every variable is read and parsed', () => {
  expect(loadConfig(EVERY_VARIABLE)).toEqual({
    port: 8080,
    host: '127.0.0.1',
    redisUrl: 'rediss://cache.internal:6380/2',
    roomMaxPeers: 12,
    stunUrls: ['stun:stun.example.org:3478', 'stuns:stun.example.org:5349'],
    turnUrls: ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:5349'],
    turnSecret: 'turn-shared-secret',
    turnTtlS: 300,
    iceRefreshPerMin: 6,
    secret: 'a-secret-of-sixteen+',
    resumeGraceMs: 30_000,
    chatHistory: 0,
    signalRate: 50,
    signalBurst: 200,
    eventRate: 10,
    eventBurst: 30,
    reactionRate: 4,
    reactionBurst: 8,
    maxConnsPerAddr: 40,
    joinRatePerAddr: 5,
    joinBurstPerAddr: 15,
    peekRatePerAddr: 4,
    peekBurstPerAddr: 12,
    passwordAttemptsPerMin: 3,
    trustProxy: true,
    allowedOrigins: ['https://meet.example.org', 'https://parley.example.org'],
    drainTimeoutMs: 0,
    drainNoticeMs: 0,
    replicaId: 'eu-west.replica_2',
    logLevel: 'debug',
    allowPublishedSecrets: true,
  });
});

test('variables outside the configuration are ignored, and an empty value counts as unset', () => {
  const config = loadConfig({ PORT: '', SECRET: '', TURN_URLS: '', HOME: '/root', port: '1' });
  expect(config.port).toBe(3000);
  expect(config.secret).toMatch(/^[0-9a-f]{64}$/);
  expect(config.turnUrls).toEqual([]);
});

test.each([
  ['1', true],
  ['true', true],
  ['0', false],
  ['false', false],
])('TRUST_PROXY=%s is %s', (value, expected) => {
  expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toBe(expected);
});

test('lists drop empty entries and surrounding spaces', () => {
  expect(loadConfig({ STUN_URLS: ' stun:a:3478 ,, stun:b ,', ALLOWED_ORIGINS: ',' })).toMatchObject({
    stunUrls: ['stun:a:3478', 'stun:b'],
    allowedOrigins: [],
  });
});

test('bad values give one ConfigError naming each bad variable, in the order of the table', () => {
  const message = failure({
    PORT: '70000',
    HOST: '',
    REDIS_URL: 'http://cache.internal:6379',
    ROOM_MAX_PEERS: '1',
    STUN_URLS: 'turn:x',
    TURN_URLS: 'stun:x',
    TURN_SECRET: 'short',
    TURN_TTL_S: '10',
    SECRET: 'short',
    RESUME_GRACE_MS: '1.5',
    CHAT_HISTORY: '-1',
    SIGNAL_RATE: '0',
    SIGNAL_BURST: 'x',
    EVENT_RATE: '100001',
    EVENT_BURST: '1e3',
    JOIN_RATE_PER_ADDR: ' 5',
    JOIN_BURST_PER_ADDR: '0x10',
    PASSWORD_ATTEMPTS_PER_MIN: '10001',
    TRUST_PROXY: 'yes',
    ALLOWED_ORIGINS: 'anything',
    DRAIN_TIMEOUT_MS: '600001',
    DRAIN_NOTICE_MS: '-1',
    REPLICA_ID: 'a b',
    LOG_LEVEL: 'verbose',
    ALLOW_PUBLISHED_SECRETS: 'yes',
  });
  expect(message).toBe(
    [
      'Invalid configuration:',
      '  PORT: Too big: expected number to be <=65535',
      '  REDIS_URL: Invalid URL',
      '  ROOM_MAX_PEERS: Too small: expected number to be >=2',
      '  STUN_URLS.0: must start with stun: or stuns:',
      '  TURN_URLS.0: must start with turn: or turns:',
      '  TURN_SECRET: Too small: expected string to have >=8 characters',
      '  TURN_TTL_S: Too small: expected number to be >=60',
      '  SECRET: must be at least 16 characters',
      '  RESUME_GRACE_MS: must be a whole number',
      '  CHAT_HISTORY: must be a whole number',
      '  SIGNAL_RATE: Too small: expected number to be >=1',
      '  SIGNAL_BURST: must be a whole number',
      '  EVENT_RATE: Too big: expected number to be <=100000',
      '  EVENT_BURST: must be a whole number',
      '  JOIN_RATE_PER_ADDR: must be a whole number',
      '  JOIN_BURST_PER_ADDR: must be a whole number',
      '  PASSWORD_ATTEMPTS_PER_MIN: Too big: expected number to be <=10000',
      '  TRUST_PROXY: Invalid option: expected one of "0"|"1"|"true"|"false"',
      '  DRAIN_TIMEOUT_MS: Too big: expected number to be <=600000',
      '  DRAIN_NOTICE_MS: must be a whole number',
      '  REPLICA_ID: Invalid string: must match pattern /^[\\w.-]{1,64}$/',
      '  LOG_LEVEL: Invalid option: expected one of "fatal"|"error"|"warn"|"info"|"debug"|"trace"|"silent"',
      '  ALLOW_PUBLISHED_SECRETS: Invalid option: expected one of "0"|"1"|"true"|"false"',
    ].join('\n'),
  );
});

test('a bad entry of a list is named by its position', () => {
  expect(failure({ STUN_URLS: 'stun:a, turn:b' })).toBe('Invalid configuration:\n  STUN_URLS.1: must start with stun: or stuns:');
});

test('the edges of each range are accepted', () => {
  expect(loadConfig({ PORT: '0', ROOM_MAX_PEERS: '50', TURN_TTL_S: '86400', CHAT_HISTORY: '1000' })).toMatchObject({
    port: 0,
    roomMaxPeers: 50,
    turnTtlS: 86_400,
    chatHistory: 1000,
  });
  expect(failure({ PORT: '65536' })).toBe('Invalid configuration:\n  PORT: Too big: expected number to be <=65535');
});

test('TURN_URLS without TURN_SECRET is refused; TURN_SECRET alone is fine', () => {
  expect(failure({ TURN_URLS: 'turn:turn.example.org:3478' })).toBe(
    'Invalid configuration:\n  TURN_SECRET: required when TURN_URLS is set',
  );
  expect(loadConfig({ TURN_SECRET: 'turn-shared-secret' })).toMatchObject({ turnUrls: [], turnSecret: 'turn-shared-secret' });
});

test('a bad value elsewhere is reported without the TURN_SECRET requirement (that one is checked on a valid environment)', () => {
  expect(failure({ TURN_URLS: 'turn:a', PORT: 'x' })).toBe('Invalid configuration:\n  PORT: must be a whole number');
});

// The values docker-compose.yml used to fall back to, and the shapes of the same placeholder elsewhere.
const PUBLISHED = { SECRET: 'change-me-parley-local-secret', TURN_SECRET: 'change-me-turn-secret' };

test('published example values of SECRET and TURN_SECRET are refused, both named in one error', () => {
  expect(failure({ ...PUBLISHED, TURN_URLS: 'turn:turn.example.org:3478' })).toBe(
    [
      'Invalid configuration:',
      '  SECRET: is a published example value; set a random one (openssl rand -hex 32)',
      '  TURN_SECRET: is a published example value; set a random one (openssl rand -hex 32)',
      '  (ALLOW_PUBLISHED_SECRETS=1 allows it on a machine nobody else reaches)',
    ].join('\n'),
  );
  for (const secret of ['change-me-0123456789abcdef', 'CHANGE-ME-please-0123456', 'changeme-0123456789abcdef', ' change_me 0123456789ab']) {
    expect(failure({ SECRET: secret })).toMatch(/^Invalid configuration:\n {2}SECRET: is a published example value/);
  }
  expect(failure({ TURN_SECRET: 'change-me' })).toMatch(/^Invalid configuration:\n {2}TURN_SECRET: is a published example value/);
});

test('ALLOW_PUBLISHED_SECRETS=1 accepts them (a machine nobody else reaches); other values are never refused as published', () => {
  expect(loadConfig({ ...PUBLISHED, ALLOW_PUBLISHED_SECRETS: '1' })).toMatchObject({
    secret: PUBLISHED.SECRET,
    turnSecret: PUBLISHED.TURN_SECRET,
    allowPublishedSecrets: true,
  });
  expect(failure({ ...PUBLISHED, ALLOW_PUBLISHED_SECRETS: '0' })).toMatch(/SECRET: is a published example value/);
  expect(loadConfig({ SECRET: 'please-change-me-later', TURN_SECRET: 'exchange-me-not' })).toMatchObject({
    secret: 'please-change-me-later',
    turnSecret: 'exchange-me-not',
  });
});

test("the README's table names every variable", () => {
  const readme = readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Layout'));
  const named = new Set([...table.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]));
  expect([...named].sort()).toEqual(Object.keys(EVERY_VARIABLE).sort());
});
