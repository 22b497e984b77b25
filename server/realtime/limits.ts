/**
 * Limits per client address (handshakes, wrong passwords), shared by every replica through Redis when
 * there is one. A socket's own limits stay local: a socket lives on one replica.
 *
 * While Redis is unreachable a shared limiter falls back to a local one: limits keep applying
 * (per replica) and nobody is locked out by an outage.
 */
import { createHash } from 'node:crypto';
import type { RedisClient } from '../rooms/redis';
import { KeyedLimiter } from './rate';

export interface AddressLimiter {
  /** Takes one token for `key`; false when none is left. */
  take(key: string): Promise<boolean>;
  /** True when `key` has no token left (takes none). */
  exhausted(key: string): Promise<boolean>;
}

export interface Limits {
  handshakes: AddressLimiter;
  passwords: AddressLimiter;
}

export class LocalLimiter implements AddressLimiter {
  private readonly keyed: KeyedLimiter;

  constructor(rate: number, burst: number) {
    this.keyed = new KeyedLimiter(rate, burst);
  }

  async take(key: string): Promise<boolean> {
    return this.keyed.take(key);
  }

  async exhausted(key: string): Promise<boolean> {
    return this.keyed.exhausted(key);
  }
}

// A token bucket in one hash: t = tokens, l = last refill (ms). ARGV: rate/s, burst, now, cost.
// Returns 1 when `cost` tokens could be taken (cost 0 only asks). Idle buckets expire once full.
const BUCKET = `
local rate, burst, now, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local t = tonumber(redis.call('HGET', KEYS[1], 't') or burst)
local l = tonumber(redis.call('HGET', KEYS[1], 'l') or now)
t = math.min(burst, t + math.max(0, now - l) * rate / 1000)
local ok = 0
if t >= math.max(cost, 1) then
  t = t - cost
  ok = 1
end
if cost > 0 then
  redis.call('HSET', KEYS[1], 't', tostring(t), 'l', tostring(now))
  redis.call('PEXPIRE', KEYS[1], math.ceil((burst - t) * 1000 / rate) + 1000)
end
return ok
`;
const BUCKET_SHA = createHash('sha1').update(BUCKET).digest('hex');

export class RedisLimiter implements AddressLimiter {
  private readonly local: LocalLimiter;

  constructor(
    private readonly client: RedisClient,
    private readonly name: string,
    private readonly rate: number,
    private readonly burst: number,
    private readonly prefix = 'parley:',
  ) {
    this.local = new LocalLimiter(rate, burst);
  }

  private async run(key: string, cost: number): Promise<boolean> {
    if (!this.client.isReady) return cost > 0 ? this.local.take(key) : !(await this.local.exhausted(key));
    const options = { keys: [`${this.prefix}limit:${this.name}:${key}`], arguments: [this.rate, this.burst, Date.now(), cost].map(String) };
    try {
      let r: unknown;
      try {
        r = await this.client.evalSha(BUCKET_SHA, options);
      } catch (err) {
        if (!(err instanceof Error && err.message.startsWith('NOSCRIPT'))) throw err;
        r = await this.client.eval(BUCKET, options);
      }
      return r === 1;
    } catch {
      return cost > 0 ? this.local.take(key) : !(await this.local.exhausted(key));
    }
  }

  take(key: string): Promise<boolean> {
    return this.run(key, 1);
  }

  async exhausted(key: string): Promise<boolean> {
    return !(await this.run(key, 0));
  }
}

export interface LimitRates {
  joinRatePerAddr: number;
  joinBurstPerAddr: number;
  passwordAttemptsPerMin: number;
}

export function localLimits(c: LimitRates): Limits {
  return {
    handshakes: new LocalLimiter(c.joinRatePerAddr, c.joinBurstPerAddr),
    passwords: new LocalLimiter(c.passwordAttemptsPerMin / 60, c.passwordAttemptsPerMin),
  };
}

export function redisLimits(client: RedisClient, c: LimitRates, prefix?: string): Limits {
  return {
    handshakes: new RedisLimiter(client, 'handshake', c.joinRatePerAddr, c.joinBurstPerAddr, prefix),
    passwords: new RedisLimiter(client, 'password', c.passwordAttemptsPerMin / 60, c.passwordAttemptsPerMin, prefix),
  };
}
