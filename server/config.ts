/** Configuration: parsed and checked once, from the environment, with a clear message for a bad value. */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';

const int = (min: number, max: number) =>
  z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().int().min(min).max(max));

const list = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);

/**
 * Every setting, keyed by its Config field; its environment variable is the key in SCREAMING_SNAKE_CASE
 * (roomMaxPeers is ROOM_MAX_PEERS), so a new setting is written here once.
 */
const settings = z.object({
  port: int(0, 65535).default(3000),
  host: z.string().min(1).default('0.0.0.0'),
  redisUrl: z.url({ protocol: /^rediss?$/ }).optional(),
  roomMaxPeers: int(2, 50).default(8),
  stunUrls: list.pipe(z.array(z.string().regex(/^stuns?:/, 'must start with stun: or stuns:'))).default(['stun:stun.l.google.com:19302']),
  turnUrls: list.pipe(z.array(z.string().regex(/^turns?:/, 'must start with turn: or turns:'))).default([]),
  turnSecret: z.string().min(8).optional(),
  // Short: a credential opens new relays only until it expires; clients renew it (ice:refresh) before then.
  turnTtlS: int(60, 86_400).default(600),
  iceRefreshPerMin: int(1, 600).default(3),
  // Random per process when unset: fine for one replica; replicas of a cluster must share one.
  secret: z
    .string()
    .min(16, 'must be at least 16 characters')
    .default(() => randomBytes(32).toString('hex')),
  resumeGraceMs: int(1000, 600_000).default(15_000),
  chatHistory: int(0, 1000).default(100),
  signalRate: int(1, 100_000).default(100),
  signalBurst: int(1, 100_000).default(400),
  eventRate: int(1, 100_000).default(20),
  eventBurst: int(1, 100_000).default(60),
  reactionRate: int(1, 100_000).default(2),
  reactionBurst: int(1, 100_000).default(6),
  // Open connections (browser tabs) from one address at once; raise it for many users behind one NAT.
  maxConnsPerAddr: int(1, 100_000).default(100),
  joinRatePerAddr: int(1, 100_000).default(20),
  joinBurstPerAddr: int(1, 100_000).default(60),
  // Lobby peeks and watches per address: a peek that hits shows who is in the room.
  peekRatePerAddr: int(1, 100_000).default(2),
  peekBurstPerAddr: int(1, 100_000).default(20),
  passwordAttemptsPerMin: int(1, 10_000).default(10),
  trustProxy: z
    .enum(['0', '1', 'true', 'false'])
    .default('0')
    .transform((v) => v === '1' || v === 'true'),
  allowedOrigins: list.default([]),
  drainTimeoutMs: int(0, 600_000).default(10_000),
  // On SIGTERM, how long /readyz answers 503 before the participants are told to move, the replica meanwhile
  // serving and admitting as before: by then the load balancer must have taken it out of the rotation, or a client
  // whose cookie names this replica comes back here and is refused. HAProxy as in deploy/haproxy.cfg (inter 2s,
  // fastinter 500ms, fall 2) needs at most inter + (fall - 1) × fastinter = 2.5 s; the default is fall × inter,
  // which leaves 1.5 s for slow checks. Keep it above that bound when the checks change; 0 without a load balancer.
  drainNoticeMs: int(0, 600_000).default(4000),
  replicaId: z
    .string()
    .regex(/^[\w.-]{1,64}$/)
    .default(() => randomBytes(4).toString('hex')),
  // Checked against pino's names, but typed as the plain string the logger takes.
  logLevel: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .transform((level): string => level),
  // Only for a machine nobody else reaches: start even when SECRET or TURN_SECRET is a published example value.
  allowPublishedSecrets: z
    .enum(['0', '1', 'true', 'false'])
    .default('0')
    .transform((v) => v === '1' || v === 'true'),
});

export type Config = z.output<typeof settings>;

/** The environment variable of a setting: roomMaxPeers → ROOM_MAX_PEERS. */
const envName = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

export class ConfigError extends Error {}

/**
 * Values printed in docs and example files (`change-me…`): anyone can sign resume tokens or mint TURN
 * credentials with them, so they are refused unless ALLOW_PUBLISHED_SECRETS says this machine is private.
 */
export const isPublishedSecret = (value: string): boolean => /^change[-_ ]?me/i.test(value.trim());

/** Reads the configuration from an environment; throws ConfigError naming every bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(settings.shape)) {
    const value = source[envName(key)];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const parsed = settings.safeParse(picked);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      ({ path: [key, ...rest], message }) => `  ${[envName(String(key)), ...rest].join('.')}: ${message}`,
    );
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  if (parsed.data.turnUrls.length > 0 && !parsed.data.turnSecret) {
    throw new ConfigError('Invalid configuration:\n  TURN_SECRET: required when TURN_URLS is set');
  }
  if (!parsed.data.allowPublishedSecrets) {
    const published = (['secret', 'turnSecret'] as const).filter((key) => isPublishedSecret(parsed.data[key] ?? ''));
    if (published.length > 0) {
      const lines = published.map((key) => `  ${envName(key)}: is a published example value; set a random one (openssl rand -hex 32)`);
      throw new ConfigError(
        `Invalid configuration:\n${lines.join('\n')}\n  (ALLOW_PUBLISHED_SECRETS=1 allows it on a machine nobody else reaches)`,
      );
    }
  }
  return parsed.data;
}
