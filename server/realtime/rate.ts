/** Token buckets: `rate` tokens a second, at most `burst` saved up. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now = Date.now(),
  ) {
    this.tokens = burst;
    this.last = now;
  }

  take(now = Date.now()): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Gives one token back, up to `burst`. */
  give(now = Date.now()): void {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000 + 1);
    this.last = now;
  }

  /** True when a token could be taken now. */
  available(now = Date.now()): boolean {
    return this.tokens + ((now - this.last) * this.rate) / 1000 >= 1;
  }

  /** True when the bucket is full again, i.e. it holds no memory of past use. */
  idle(now = Date.now()): boolean {
    return this.tokens + ((now - this.last) * this.rate) / 1000 >= this.burst;
  }
}

/** Buckets per key (an address), forgotten once full again so memory stays bounded by active keys. */
export class KeyedLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private sweeps = 0;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {}

  take(key: string, now = Date.now()): boolean {
    let b = this.buckets.get(key);
    if (!b) {
      b = new TokenBucket(this.rate, this.burst, now);
      this.buckets.set(key, b);
    }
    if (++this.sweeps >= 1000) this.sweep(now);
    return b.take(now);
  }

  /** Gives back a token taken for `key`. */
  refund(key: string, now = Date.now()): void {
    this.buckets.get(key)?.give(now);
  }

  /** True when `key` has no token left (without taking one). */
  exhausted(key: string, now = Date.now()): boolean {
    const b = this.buckets.get(key);
    return b !== undefined && !b.available(now);
  }

  sweep(now = Date.now()): void {
    this.sweeps = 0;
    for (const [k, b] of this.buckets) if (b.idle(now)) this.buckets.delete(k);
  }

  get size(): number {
    return this.buckets.size;
  }
}
