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

const env = z.object({
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  ROOM_MAX_PEERS: int(2, 50).default(8),
  STUN_URLS: list.pipe(z.array(z.string().regex(/^stuns?:/, 'must start with stun: or stuns:'))).default(['stun:stun.l.google.com:19302']),
  TURN_URLS: list.pipe(z.array(z.string().regex(/^turns?:/, 'must start with turn: or turns:'))).default([]),
  TURN_SECRET: z.string().min(8).optional(),
  TURN_TTL_S: int(60, 86_400).default(3600),
  SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  RESUME_GRACE_MS: int(1000, 600_000).default(15_000),
  CHAT_HISTORY: int(0, 1000).default(100),
  SIGNAL_RATE: int(1, 100_000).default(100),
  SIGNAL_BURST: int(1, 100_000).default(400),
  EVENT_RATE: int(1, 100_000).default(20),
  EVENT_BURST: int(1, 100_000).default(60),
  JOIN_RATE_PER_ADDR: int(1, 100_000).default(20),
  JOIN_BURST_PER_ADDR: int(1, 100_000).default(60),
  PASSWORD_ATTEMPTS_PER_MIN: int(1, 10_000).default(10),
  TRUST_PROXY: z
    .enum(['0', '1', 'true', 'false'])
    .default('0')
    .transform((v) => v === '1' || v === 'true'),
  ALLOWED_ORIGINS: list.default([]),
  DRAIN_TIMEOUT_MS: int(0, 600_000).default(10_000),
  REPLICA_ID: z
    .string()
    .regex(/^[\w.-]{1,64}$/)
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  port: number;
  host: string;
  redisUrl?: string;
  roomMaxPeers: number;
  stunUrls: string[];
  turnUrls: string[];
  turnSecret?: string;
  turnTtlS: number;
  secret: string;
  resumeGraceMs: number;
  chatHistory: number;
  signalRate: number;
  signalBurst: number;
  eventRate: number;
  eventBurst: number;
  joinRatePerAddr: number;
  joinBurstPerAddr: number;
  passwordAttemptsPerMin: number;
  trustProxy: boolean;
  allowedOrigins: string[];
  drainTimeoutMs: number;
  replicaId: string;
  logLevel: string;
}

export class ConfigError extends Error {}

/** Reads the configuration from an environment; throws ConfigError naming every bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(env.shape)) {
    const value = source[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const parsed = env.safeParse(picked);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.TURN_URLS.length > 0 && !e.TURN_SECRET) {
    throw new ConfigError('Invalid configuration:\n  TURN_SECRET: required when TURN_URLS is set');
  }
  return {
    port: e.PORT,
    host: e.HOST,
    redisUrl: e.REDIS_URL,
    roomMaxPeers: e.ROOM_MAX_PEERS,
    stunUrls: e.STUN_URLS,
    turnUrls: e.TURN_URLS,
    turnSecret: e.TURN_SECRET,
    turnTtlS: e.TURN_TTL_S,
    secret: e.SECRET ?? randomBytes(32).toString('hex'),
    resumeGraceMs: e.RESUME_GRACE_MS,
    chatHistory: e.CHAT_HISTORY,
    signalRate: e.SIGNAL_RATE,
    signalBurst: e.SIGNAL_BURST,
    eventRate: e.EVENT_RATE,
    eventBurst: e.EVENT_BURST,
    joinRatePerAddr: e.JOIN_RATE_PER_ADDR,
    joinBurstPerAddr: e.JOIN_BURST_PER_ADDR,
    passwordAttemptsPerMin: e.PASSWORD_ATTEMPTS_PER_MIN,
    trustProxy: e.TRUST_PROXY,
    allowedOrigins: e.ALLOWED_ORIGINS,
    drainTimeoutMs: e.DRAIN_TIMEOUT_MS,
    replicaId: e.REPLICA_ID ?? randomBytes(4).toString('hex'),
    logLevel: e.LOG_LEVEL,
  };
}
