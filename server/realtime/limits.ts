/**
 * Limits per client address (open connections, handshakes, lobby peeks, wrong passwords): local to this replica
 * here, shared by every replica through Redis when there is one (server/redis/limiter.ts). A socket's own limits
 * stay local: a socket lives on one replica.
 */
import { KeyedLimiter } from './rate';

export interface AddressLimiter {
  /** Takes one token for `key`; false when none is left. */
  take(key: string): Promise<boolean>;
  /** True when `key` has no token left (takes none). */
  exhausted(key: string): Promise<boolean>;
  /** Gives back a token taken for `key` (what it paid for did not happen). */
  refund(key: string): Promise<void>;
}

/** Open connections per address, at most `max` at a time. */
export interface ConnectionCap {
  /** Takes a place for one more connection from `address`; false when it has its `max` already. */
  open(address: string): Promise<boolean>;
  /** Gives back the place of a connection that closed (or never opened). */
  close(address: string): void;
  /** Stops any timer it runs. */
  stop(): void;
}

export interface Limits {
  connections: ConnectionCap;
  handshakes: AddressLimiter;
  peeks: AddressLimiter;
  passwords: AddressLimiter;
}

/** This replica's open connections per address; an address is forgotten when its last connection closes. */
export class LocalConnections implements ConnectionCap {
  private readonly counts = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Connections open from `address` on this replica. */
  count(address: string): number {
    return this.counts.get(address) ?? 0;
  }

  /** Every address with a connection open here, and how many. */
  entries(): IterableIterator<[string, number]> {
    return this.counts.entries();
  }

  /** Takes a place when fewer than `max` are open here (and `others` elsewhere). */
  reserve(address: string, others = 0): boolean {
    const n = this.count(address);
    if (n + others >= this.max) return false;
    this.counts.set(address, n + 1);
    return true;
  }

  async open(address: string): Promise<boolean> {
    return this.reserve(address);
  }

  close(address: string): void {
    const n = this.count(address);
    if (n <= 1) this.counts.delete(address);
    else this.counts.set(address, n - 1);
  }

  stop(): void {}
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

  async refund(key: string): Promise<void> {
    this.keyed.refund(key);
  }
}

export interface LimitRates {
  maxConnsPerAddr: number;
  joinRatePerAddr: number;
  joinBurstPerAddr: number;
  peekRatePerAddr: number;
  peekBurstPerAddr: number;
  passwordAttemptsPerMin: number;
}

export function localLimits(c: LimitRates): Limits {
  return {
    connections: new LocalConnections(c.maxConnsPerAddr),
    handshakes: new LocalLimiter(c.joinRatePerAddr, c.joinBurstPerAddr),
    peeks: new LocalLimiter(c.peekRatePerAddr, c.peekBurstPerAddr),
    passwords: new LocalLimiter(c.passwordAttemptsPerMin / 60, c.passwordAttemptsPerMin),
  };
}
