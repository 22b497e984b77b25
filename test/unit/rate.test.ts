import { KeyedLimiter, TokenBucket } from '../../server/realtime/rate';

describe('TokenBucket', () => {
  test('allows the burst, then the sustained rate', () => {
    const b = new TokenBucket(10, 5, 0);
    expect([1, 2, 3, 4, 5, 6].map(() => b.take(0))).toEqual([true, true, true, true, true, false]);
    expect(b.take(50)).toBe(false);
    expect(b.take(100)).toBe(true);
    expect(b.take(100)).toBe(false);
    expect(b.idle(100)).toBe(false);
    expect(b.idle(700)).toBe(true);
  });
});

describe('KeyedLimiter', () => {
  test('keeps a bucket per key and forgets full ones', () => {
    const l = new KeyedLimiter(1, 2);
    expect(l.take('a', 0)).toBe(true);
    expect(l.take('a', 0)).toBe(true);
    expect(l.take('a', 0)).toBe(false);
    expect(l.exhausted('a', 0)).toBe(true);
    expect(l.exhausted('b', 0)).toBe(false);
    expect(l.take('b', 0)).toBe(true);
    expect(l.exhausted('a', 1000)).toBe(false);
    l.sweep(5000);
    expect(l.size).toBe(0);
  });
});
