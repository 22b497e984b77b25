import { retryableTransport, retryDelay } from '../../client/session/backoff';
import { RECONNECT_DELAY_MAX_MS } from '../../server/protocol/limits';
import { reconnectDelay, REDIS_RECONNECT_MAX_MS } from '../../server/redis/client';
import { REAP_HOLD_MS } from '../../server/redis/room-store';

describe('the client’s retries of /room', () => {
  test('double from half a second, jittered, and never exceed RECONNECT_DELAY_MAX_MS', () => {
    expect([0, 1, 2].map((n) => retryDelay(n, 0))).toEqual([500, 1000, 2000]);
    expect(retryDelay(0, 0.999)).toBeGreaterThan(retryDelay(0, 0));
    for (let n = 0; n < 40; n++) {
      for (const r of [0, 0.5, 0.999, 1, -1, 2]) expect(retryDelay(n, r)).toBeLessThanOrEqual(RECONNECT_DELAY_MAX_MS);
    }
    expect(retryDelay(40, 1)).toBe(RECONNECT_DELAY_MAX_MS);
  });

  test('the server holds reaping after an outage longer than the client’s longest back-off, with room for a handshake', () => {
    expect(REAP_HOLD_MS - RECONNECT_DELAY_MAX_MS).toBeGreaterThanOrEqual(2000);
  });

  test('a handshake that the service answered 502/503/504, or that nothing answered, is retried; a 4xx is not', () => {
    for (const description of [503, 502, 504, 0, undefined, { type: 'error' }]) expect(retryableTransport({ description })).toBe(true);
    for (const description of [400, 403, 404]) expect(retryableTransport({ description })).toBe(false);
    expect(retryableTransport(new Error('timeout'))).toBe(true);
  });
});

describe('reconnecting to Redis', () => {
  test('doubles from 50 ms, never waits more than REDIS_RECONNECT_MAX_MS, and spreads the replicas', () => {
    expect(reconnectDelay(0, 0)).toBe(50);
    expect(reconnectDelay(2, 0)).toBe(200);
    for (let n = 0; n < 1000; n += 7) expect(reconnectDelay(n, 0)).toBeLessThanOrEqual(REDIS_RECONNECT_MAX_MS);
    expect(reconnectDelay(50, 0.99)).toBeLessThan(reconnectDelay(50, 0));
    expect(reconnectDelay(50, 1)).toBeGreaterThan(0);
  });
});
