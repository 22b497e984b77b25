/**
 * Limits per client address (handshakes, wrong passwords): local to this replica here, shared by every
 * replica through Redis when there is one (server/redis/limiter.ts). A socket's own limits stay local:
 * a socket lives on one replica.
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

  async refund(key: string): Promise<void> {
    this.keyed.refund(key);
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
