/**
 * Per-address limits shared by every replica: one token bucket per address in Redis (scripts/bucket.ts).
 * While Redis is unreachable the limiter falls back to a local one: limits keep applying (per replica)
 * and nobody is locked out by an outage.
 */
import { LocalLimiter, type AddressLimiter, type LimitRates, type Limits } from '../realtime/limits';
import type { RedisClient } from './client';
import { BUCKET, evalScript } from './scripts';

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
    if (!this.client.isReady) return this.runLocally(key, cost);
    const keys = [`${this.prefix}limit:${this.name}:${key}`];
    try {
      return (await evalScript(this.client, BUCKET, keys, [this.rate, this.burst, Date.now(), cost].map(String))) === 1;
    } catch {
      return this.runLocally(key, cost);
    }
  }

  /** The same answer from this replica's own bucket, while Redis cannot give it. */
  private async runLocally(key: string, cost: number): Promise<boolean> {
    if (cost < 0) return this.local.refund(key).then(() => true);
    return cost > 0 ? this.local.take(key) : !(await this.local.exhausted(key));
  }

  take(key: string): Promise<boolean> {
    return this.run(key, 1);
  }

  async refund(key: string): Promise<void> {
    await this.run(key, -1);
  }

  async exhausted(key: string): Promise<boolean> {
    return !(await this.run(key, 0));
  }
}

export function redisLimits(client: RedisClient, c: LimitRates, prefix?: string): Limits {
  return {
    handshakes: new RedisLimiter(client, 'handshake', c.joinRatePerAddr, c.joinBurstPerAddr, prefix),
    passwords: new RedisLimiter(client, 'password', c.passwordAttemptsPerMin / 60, c.passwordAttemptsPerMin, prefix),
  };
}
