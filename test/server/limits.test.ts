import { createLogger } from '../../server/logger';
import { createRedisClient } from '../../server/redis/client';
import { RedisLimiter } from '../../server/redis/limiter';
import { closeAll, join, refused } from '../helpers/client';
import { startCluster, type Cluster } from '../helpers/cluster';
import { startRedis, type RedisProcess } from '../helpers/procs';

describe('per-address limits shared by the replicas', () => {
  let redis: RedisProcess;
  let cluster: Cluster | undefined;

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    closeAll();
    await cluster?.close();
    cluster = undefined;
  });
  afterAll(async () => {
    await redis.stop();
  });

  test('handshakes from one address count on every replica', async () => {
    cluster = await startCluster(redis.url, 2, { joinRatePerAddr: 1, joinBurstPerAddr: 4 });
    const [a, b] = cluster.replicas;
    await join(a.url, { room: 'lim', name: 'A1' });
    await join(b.url, { room: 'lim', name: 'B1' });
    await join(a.url, { room: 'lim', name: 'A2' });
    await join(b.url, { room: 'lim', name: 'B2' });
    expect((await refused(a.url, { room: 'lim', name: 'A3' })).message).toBe('RATE_LIMITED');
    expect((await refused(b.url, { room: 'lim', name: 'B3' })).message).toBe('RATE_LIMITED');
  });

  test('wrong passwords count on every replica, and only for that room', async () => {
    cluster = await startCluster(redis.url, 2, { passwordAttemptsPerMin: 2 });
    const [a, b] = cluster.replicas;
    await join(a.url, { room: 'vault', name: 'Host', password: 'open sesame' });
    expect((await refused(a.url, { room: 'vault', name: 'G', password: 'guess1' })).message).toBe('WRONG_PASSWORD');
    expect((await refused(b.url, { room: 'vault', name: 'G', password: 'guess2' })).message).toBe('WRONG_PASSWORD');
    expect((await refused(b.url, { room: 'vault', name: 'G', password: 'open sesame' })).message).toBe('RATE_LIMITED');
    expect((await refused(a.url, { room: 'vault', name: 'G', password: 'open sesame' })).message).toBe('RATE_LIMITED');
    // Joining another room, and joining without offering a password, are not affected.
    await join(b.url, { room: 'elsewhere', name: 'G' });
  });

  test('with Redis out of reach, the limit keeps applying locally and nobody is locked out', async () => {
    const client = createRedisClient('redis://127.0.0.1:1', createLogger('silent'), 'test', { offlineQueue: false });
    const limiter = new RedisLimiter(client, 'handshake', 1, 2);
    expect(await limiter.take('10.0.0.9')).toBe(true);
    expect(await limiter.take('10.0.0.9')).toBe(true);
    expect(await limiter.take('10.0.0.9')).toBe(false);
    expect(await limiter.exhausted('10.0.0.9')).toBe(true);
    expect(await limiter.take('10.0.0.10')).toBe(true);
    await client.destroy();
  });

  test('a shared bucket refills at its rate and its key expires once full', async () => {
    const client = createRedisClient(redis.url, createLogger('silent'), 'test');
    await client.connect();
    // 2 per second: the third take fails unless half a second passed since the first, even on a busy machine.
    const limiter = new RedisLimiter(client, 'handshake', 2, 2, 'refill:');
    expect([await limiter.take('k'), await limiter.take('k'), await limiter.take('k')]).toEqual([true, true, false]);
    await new Promise((r) => setTimeout(r, 600));
    expect(await limiter.take('k')).toBe(true);
    const ttl = await client.pTTL('refill:limit:handshake:k');
    expect(ttl).toBeGreaterThan(0);
    // Until full again at 2/s (at most 1 s from empty), plus the 1 s the script adds.
    expect(ttl).toBeLessThanOrEqual(2000);
    await client.quit();
  });
});
