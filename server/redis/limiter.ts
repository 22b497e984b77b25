/**
 * Per-address limits shared by every replica: one token bucket per address in Redis (scripts/bucket.ts), and
 * one count of open connections per address and replica (scripts/conns.ts). While Redis is unreachable each
 * falls back to a local one: limits keep applying (per replica) and nobody is locked out by an outage.
 */
import { LocalConnections, LocalLimiter, type AddressLimiter, type ConnectionCap, type LimitRates, type Limits } from '../realtime/limits';
import type { RedisClient } from './client';
import { BUCKET, CONNS, evalScript } from './scripts';

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

/** How long a replica's count of an address's connections stands without renewal: a dead replica's lapses. */
export const CONN_LEASE_MS = 30_000;

/**
 * Open connections per address over every replica. Each replica keeps its own count (which alone decides while
 * Redis is away) and records it in Redis under a lease it renews; a connection is admitted when the others'
 * counts plus this replica's stay within max.
 */
export class RedisConnections implements ConnectionCap {
  private readonly local: LocalConnections;
  private readonly renewal: NodeJS.Timeout;

  constructor(
    private readonly client: RedisClient,
    private readonly replica: string,
    private readonly max: number,
    private readonly prefix = 'parley:',
    private readonly leaseMs = CONN_LEASE_MS,
  ) {
    this.local = new LocalConnections(max);
    this.renewal = setInterval(() => this.renew(), Math.max(100, Math.floor(leaseMs / 3)));
    this.renewal.unref();
  }

  private record(address: string, max: number): Promise<unknown> {
    const keys = [`${this.prefix}conns:{${address}}`, `${this.prefix}conns-lease:{${address}}`];
    return evalScript(this.client, CONNS, keys, [this.replica, this.local.count(address), max, this.leaseMs].map(String));
  }

  /** Writes this replica's count for `address` (in the order the counts changed: one connection, in order). */
  private sync(address: string): void {
    if (this.client.isReady) this.record(address, 0).catch(() => undefined);
  }

  private renew(): void {
    for (const [address] of this.local.entries()) this.sync(address);
  }

  async open(address: string): Promise<boolean> {
    // Counted here first, so that connections opening at the same moment see each other.
    if (!this.local.reserve(address)) return false;
    if (!this.client.isReady) return true;
    let admitted: boolean;
    try {
      admitted = (await this.record(address, this.max)) === 1;
    } catch {
      return true;
    }
    if (!admitted) this.close(address);
    return admitted;
  }

  close(address: string): void {
    this.local.close(address);
    this.sync(address);
  }

  stop(): void {
    clearInterval(this.renewal);
  }
}

export interface SharedLimitRates extends LimitRates {
  replicaId: string;
}

export function redisLimits(client: RedisClient, c: SharedLimitRates, prefix?: string): Limits {
  return {
    connections: new RedisConnections(client, c.replicaId, c.maxConnsPerAddr, prefix),
    handshakes: new RedisLimiter(client, 'handshake', c.joinRatePerAddr, c.joinBurstPerAddr, prefix),
    peeks: new RedisLimiter(client, 'peek', c.peekRatePerAddr, c.peekBurstPerAddr, prefix),
    passwords: new RedisLimiter(client, 'password', c.passwordAttemptsPerMin / 60, c.passwordAttemptsPerMin, prefix),
  };
}
