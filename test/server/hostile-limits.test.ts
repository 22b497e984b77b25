/**
 * Per-address limiters under a flood of distinct addresses: the memory they hold stays bounded by the
 * addresses active within one refill period, not by every address ever seen.
 */
import { KeyedLimiter } from '../../server/realtime/rate';

/** Feeds `keys` distinct keys at `perSecond` (simulated time) and returns the largest map size seen and the end size. */
function flood(limiter: KeyedLimiter, keys: number, perSecond: number): { max: number; end: number; refused: number } {
  let max = 0;
  let refused = 0;
  for (let i = 0; i < keys; i++) {
    const now = Math.floor((i * 1000) / perSecond);
    if (!limiter.take(`198.51.${(i >> 8) & 255}.${i & 255}#${i}`, now)) refused++;
    max = Math.max(max, limiter.size);
  }
  return { max, end: limiter.size, refused };
}

test('handshake limiter (20/s, bursts of 60): 200,000 addresses at 5,000 a second hold about 1,250 buckets at most', () => {
  const r = flood(new KeyedLimiter(20, 60), 200_000, 5000);
  expect(r.refused).toBe(0); // every address is new: nobody is limited by someone else
  // One sweep interval (1,000 takes) plus the keys of the last refill period (1/20 s at 5,000 a second).
  expect(r.max).toBeLessThanOrEqual(1000 + 250);
});

test('wrong-password limiter (10 a minute): 100,000 address-room pairs at 1,000 a second hold at most one refill period of them', () => {
  const l = new KeyedLimiter(10 / 60, 10);
  const r = flood(l, 100_000, 1000);
  // A bucket with one token spent is full again after 6 s: at most 6 s of keys, plus one sweep interval.
  expect(r.max).toBeLessThanOrEqual(6 * 1000 + 1000);
  l.sweep(200_000);
  expect(l.size).toBe(0);
});

test('one abusive address is limited and then forgotten once it stops', () => {
  const l = new KeyedLimiter(20, 60);
  let ok = 0;
  for (let i = 0; i < 1000; i++) if (l.take('203.0.113.7', 0)) ok++;
  expect(ok).toBe(60);
  expect(l.take('203.0.113.8', 0)).toBe(true);
  l.sweep(10_000);
  expect(l.size).toBe(0);
  expect(l.take('203.0.113.7', 10_000)).toBe(true);
});
