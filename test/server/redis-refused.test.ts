/**
 * A Redis that answers the connection with an error (wrong or missing password, protected mode): one clear
 * log line per failure, a replica that stays up but not ready while the clients keep retrying, and a
 * replica that works in full (store, fan-out subscriptions) once Redis accepts it.
 *
 * Jest fails a test on an unhandled rejection, so none happening is part of every test here.
 */
import net from 'node:net';
import { createClient } from 'redis';
import { createLogger } from '../../server/logger';
import { appDeps, createRedisBackend, type AdapterMode, type RedisBackend } from '../../server/redis/backend';
import { sleep } from '../helpers/client';
import { startRedis, type RedisProcess } from '../helpers/procs';
import { startServer, testConfig, type TestServer } from '../helpers/server';

const PASSWORD = 'the-right-one-7c1d';
const WRONG = 'not-the-password-93af';

type Line = { level: number; msg: string; redis?: string; role?: string };

/** A logger whose lines the test reads. */
function capturedLogger() {
  const lines: Line[] = [];
  const log = createLogger('info', {}, { write: (s: string) => void lines.push(JSON.parse(s) as Line) });
  return { log, lines, refusals: () => lines.filter((l) => l.msg.startsWith('redis refused the connection')) };
}

/** Resolves once `client` has failed to connect `n` more times. */
function failures(backend: RedisBackend, n: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const onError = () => {
      if (++seen < n) return;
      backend.client.off('error', onError);
      resolve();
    };
    backend.client.on('error', onError);
  });
}

const status = async (url: string, path: string) => (await fetch(url + path)).status;

describe('a Redis that refuses the connection', () => {
  let redis: RedisProcess;
  let admin: ReturnType<typeof createClient>;
  let backend: RedisBackend | undefined;
  let server: TestServer | undefined;
  let n = 0;

  beforeAll(async () => {
    redis = await startRedis(['--requirepass', PASSWORD]);
    admin = createClient({ url: `redis://:${PASSWORD}@127.0.0.1:${redis.port}` });
    await admin.connect();
  });
  beforeEach(async () => {
    await admin.configSet('requirepass', PASSWORD);
  });
  afterEach(async () => {
    await server?.close();
    await backend?.close();
    server = backend = undefined;
  });
  afterAll(async () => {
    await admin.quit();
    await redis.stop();
  });

  test.each([
    { what: 'a wrong password', auth: `:${WRONG}@`, reply: 'WRONGPASS', hint: "check REDIS_URL's user name and password", mode: 'sharded' },
    { what: 'no password', auth: '', reply: 'NOAUTH', hint: 'Redis requires a password: put it in REDIS_URL', mode: 'classic' },
  ] as const)('with $what: logged once, not ready, then ready and working once Redis accepts ($mode adapter)', async (c) => {
    const prefix = `refused${++n}`;
    const { log, lines, refusals } = capturedLogger();
    const url = `redis://${c.auth}127.0.0.1:${redis.port}`;
    backend = createRedisBackend({ ...testConfig(), redisUrl: url }, log, {
      prefix: `${prefix}:`,
      channelPrefix: prefix,
      mode: c.mode as AdapterMode,
    });
    server = await startServer({}, appDeps(backend));

    // Several attempts, one line: what Redis said, what to check, and where, without the password.
    await failures(backend, 4);
    expect(refusals()).toHaveLength(1);
    const [line] = refusals();
    expect(line.msg).toContain(c.reply);
    expect(line.msg).toContain(c.hint);
    expect(line.msg).toMatch(/; retrying$/);
    expect(line).toMatchObject({ role: 'store', redis: `redis://127.0.0.1:${redis.port}` });
    expect(JSON.stringify(lines)).not.toContain(WRONG);

    // Up, but out of rotation.
    expect(backend.healthy()).toBe(false);
    expect(await status(server.url, '/healthz')).toBe(200);
    expect(await status(server.url, '/readyz')).toBe(503);

    await admin.configSet('requirepass', '');
    await backend.connected;
    expect(backend.healthy()).toBe(true);
    expect(await status(server.url, '/readyz')).toBe(200);
    const joined = await backend.store.join({
      roomId: 'after-refusal',
      peerId: 'p1',
      name: 'Ada',
      identity: '127.0.0.1|ada',
      sid: 's1',
      maxPeers: 8,
      expiresAt: Date.now() + 60_000,
      now: Date.now(),
      meeting: 'm1',
    });
    expect(joined.ok).toBe(true);
    expect((await backend.store.snapshot('after-refusal'))?.members.map((m) => m.name)).toEqual(['Ada']);
    // The adapter's own channels are subscribed: this replica hears the others.
    const numsub =
      c.mode === 'sharded'
        ? await admin.sendCommand(['PUBSUB', 'SHARDNUMSUB', `${prefix}#/room#`])
        : await admin.sendCommand(['PUBSUB', 'NUMSUB', `${prefix}-request#/room#`]);
    expect(numsub).toEqual([expect.any(String), 1]);
    expect(refusals()).toHaveLength(1);
  });

  test('any error reply to the connection is handled the same way (a Redis in protected mode)', async () => {
    // Protected mode refuses only non-loopback clients; this stand-in answers like such a Redis.
    const denied = net.createServer((socket) => {
      // Read what the client sends, so that its closing ends this socket too.
      socket.resume();
      socket.end('-DENIED Redis is running in protected mode because protected mode is enabled and no password is set\r\n');
    });
    await new Promise<void>((resolve) => denied.listen(0, '127.0.0.1', resolve));
    const { port } = denied.address() as net.AddressInfo;
    try {
      const { log, refusals } = capturedLogger();
      backend = createRedisBackend({ ...testConfig(), redisUrl: `redis://127.0.0.1:${port}` }, log);
      server = await startServer({}, appDeps(backend));
      await failures(backend, 4);
      expect(refusals()).toHaveLength(1);
      expect(refusals()[0].msg).toContain('DENIED Redis is running in protected mode');
      expect(refusals()[0].msg).toContain('Redis is in protected mode: give it a password');
      expect(backend.healthy()).toBe(false);
      expect(await status(server.url, '/readyz')).toBe(503);
      await sleep(100);
      expect(await status(server.url, '/healthz')).toBe(200);
    } finally {
      await server?.close();
      await backend?.close();
      server = backend = undefined;
      await new Promise((resolve) => denied.close(resolve));
    }
  });
});
