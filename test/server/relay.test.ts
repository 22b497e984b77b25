/** The signal relay between two Socket.IO servers on one real redis-server, with the sharded adapter beside it. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import { Server } from 'socket.io';
import type { Socket } from 'socket.io-client';
import { createLogger } from '../../server/logger';
import { closeClient, createRedisClient, type RedisClient } from '../../server/redis/client';
import { createSignalRelay, MAX_BATCH, parseBatch, relayChannel, type SignalRelay } from '../../server/redis/relay';
import { until } from '../../scripts/procs.cjs';
import { closeAll, connect, nothing, record, sleep, waitFor } from '../helpers/client';
import { startRedis, type RedisProcess } from '../helpers/procs';
import { redisGate } from '../helpers/redis-gate';

const PREFIX = 'relaytest';
const ROOM = 'p:x:y';

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

interface Replica {
  instance: string;
  url: string;
  io: Server;
  pub: RedisClient;
  sub: RedisClient;
  relay: SignalRelay;
  misses: Array<[string, unknown[]]>;
  logs: LogLine[];
  close(): Promise<void>;
}

let redis: RedisProcess;
let a: Replica;
let b: Replica;
let raw: RedisClient;

/**
 * A Socket.IO server on `redisUrl` with the sharded adapter and a relay listening as `instance`. Its `/room`
 * sockets join the room named in their auth.
 */
async function startReplica(
  instance: string,
  redisUrl: string,
  opts: { subUrl?: string; pubOfflineQueue?: boolean } = {},
): Promise<Replica> {
  const logs: LogLine[] = [];
  const log = createLogger('info', {}, { write: (line: string) => logs.push(JSON.parse(line) as LogLine) });
  const quiet = createLogger('silent');
  const pub = createRedisClient(redisUrl, quiet, 'pub', { commandTimeoutMs: 0, offlineQueue: opts.pubOfflineQueue });
  const sub = createRedisClient(opts.subUrl ?? redisUrl, quiet, 'sub', { commandTimeoutMs: 0 });
  await Promise.all([pub.connect(), sub.connect()]);
  const httpServer = http.createServer();
  const io = new Server(httpServer, { adapter: createShardedAdapter(pub, sub, { channelPrefix: PREFIX, subscriptionMode: 'dynamic' }) });
  const nsp = io.of('/room');
  nsp.on('connection', (socket) => {
    for (const room of [socket.handshake.auth.room].flat()) if (typeof room === 'string') socket.join(room);
  });
  const misses: Array<[string, unknown[]]> = [];
  const relay = createSignalRelay({
    pub,
    sub,
    nsp,
    instance,
    channelPrefix: PREFIX,
    log,
    onMiss: (room, args) => misses.push([room, args]),
  });
  await relay.ready;
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    instance,
    url: `http://127.0.0.1:${port}`,
    io,
    pub,
    sub,
    relay,
    misses,
    logs,
    async close() {
      await relay.close();
      await io.close();
      await Promise.all([pub, sub].map(closeClient));
    },
  };
}

/** A client of `replica`'s `/room` whose server-side socket is in `rooms`; resolves once connected. */
async function member(replica: Replica, rooms: string | string[], transports: string[] = ['websocket']): Promise<Socket> {
  const socket = connect(replica.url, '/room', { auth: { room: rooms }, transports });
  await waitFor(socket, 'connect');
  return socket;
}

async function spublishCalls(): Promise<number> {
  const info = await raw.info('commandstats');
  return Number(/cmdstat_spublish:calls=(\d+)/.exec(info)?.[1] ?? 0);
}

const signals = (seen: ReturnType<typeof record>) => seen.filter((e) => e.event === 'signal').map((e) => e.args);

beforeAll(async () => {
  redis = await startRedis();
  raw = createRedisClient(redis.url, createLogger('silent'), 'raw');
  await raw.connect();
  a = await startReplica('replica-a', redis.url);
  b = await startReplica('replica-b', redis.url);
});
afterEach(() => closeAll());
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  if (raw) await closeClient(raw);
  await redis?.stop();
});

describe('parseBatch', () => {
  test('splits rooms and packets by their lengths, whatever they contain', () => {
    expect(parseBatch('1;3:a:b4:2[1]1:x0:')).toEqual(['a:b', '2[1]', 'x', '']);
    expect(parseBatch('1;')).toEqual([]);
  });

  test.each([
    ['no tag', '3:abc1:x'],
    ['another tag', '2;3:abc1:x'],
    ['a length past the end', '1;3:abc9:x'],
    ['a room without its packet', '1;3:abc'],
    ['no length', '1;:abc'],
    ['a length that is not a number', '1;3x:abc1:x'],
    ['a length of ten digits', '1;0000000003:abc1:x'],
  ])('refuses %s', (_what, message) => {
    expect(parseBatch(message)).toBeUndefined();
  });
});

describe('between two replicas', () => {
  test('a packet relayed to the replica that holds the room reaches its socket once, as sent', async () => {
    const client = await member(b, ROOM);
    const seen = record(client);
    const payload = { from: 'peer-a', description: { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' } };
    const before = b.relay.stats();
    a.relay.send(b.instance, ROOM, ['signal', payload]);
    expect(await waitFor(client, 'signal')).toEqual(payload);
    // A second packet behind the first: once it is in, a duplicate of the first would have come before it.
    a.relay.send(b.instance, ROOM, ['signal', { last: true }]);
    await waitFor(client, 'signal', 5000, (v: { last?: boolean }) => v.last === true);
    expect(seen).toEqual([
      { event: 'signal', args: [payload] },
      { event: 'signal', args: [{ last: true }] },
    ]);
    const after = b.relay.stats();
    expect(after.delivered - before.delivered).toBe(2);
    expect(after.missed).toBe(before.missed);
  });

  test('packets queued in one turn arrive in order in one SPUBLISH', async () => {
    const client = await member(b, ROOM);
    const seen = record(client);
    const calls = await spublishCalls();
    const batches = a.relay.stats().batches;
    for (let i = 0; i < 50; i++) a.relay.send(b.instance, ROOM, ['signal', { i }]);
    await until('50 signals', () => signals(seen).length >= 50, 5000);
    expect(signals(seen)).toEqual(Array.from({ length: 50 }, (_, i) => [{ i }]));
    expect((await spublishCalls()) - calls).toBe(1);
    expect(a.relay.stats().batches - batches).toBe(1);
  });

  test('packets queued in separate turns go in separate SPUBLISHes', async () => {
    const client = await member(b, ROOM);
    const seen = record(client);
    const calls = await spublishCalls();
    for (let i = 0; i < 3; i++) {
      a.relay.send(b.instance, ROOM, ['signal', { i }]);
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await until('3 signals', () => signals(seen).length >= 3, 5000);
    expect(signals(seen)).toEqual([[{ i: 0 }], [{ i: 1 }], [{ i: 2 }]]);
    expect((await spublishCalls()) - calls).toBe(3);
  });

  test('a batch is capped: more than the cap in one turn goes out as several SPUBLISHes, still in order', async () => {
    const client = await member(b, ROOM);
    const seen = record(client);
    const calls = await spublishCalls();
    // Each packet is a little over 40% of the cap: two fit in a batch, a third does not.
    const big = (i: number) => ({ i, blob: String(i).repeat(Math.floor(MAX_BATCH * 0.4)) });
    for (let i = 0; i < 5; i++) a.relay.send(b.instance, ROOM, ['signal', big(i)]);
    await until('5 signals', () => signals(seen).length >= 5, 10_000);
    expect(signals(seen).map(([v]) => (v as { i: number }).i)).toEqual([0, 1, 2, 3, 4]);
    expect(signals(seen)).toEqual([0, 1, 2, 3, 4].map((i) => [big(i)]));
    expect((await spublishCalls()) - calls).toBe(3);
  });

  test('text in any script, line breaks, quotes, backslashes and lone surrogates arrive identical', async () => {
    const room = 'p:会議😀:参加者';
    const client = await member(b, room);
    const seen = record(client);
    const tricky = {
      emoji: '😀👩‍👩‍👧🏳️‍🌈',
      cjk: '漢字かな한국어',
      lines: 'a\r\nb\nc\rd\u2028e\u2029',
      quotes: `"double" 'single' \`back\``,
      backslashes: '\\ \\\\ \\" \\u0041 \\n',
      framing: '1;12:34:5:',
      control: '\u0000\u0001\u001f\u007f',
      lone: '\ud800 \udfff',
    };
    // In one batch, with plain packets after each: a length off by one unit would break the ones that follow.
    a.relay.send(b.instance, room, ['signal', tricky]);
    a.relay.send(b.instance, room, ['signal', { after: 1 }]);
    a.relay.send(b.instance, room, ['signal', Object.values(tricky).join('|')]);
    a.relay.send(b.instance, room, ['signal', { after: 2 }]);
    await until('4 signals', () => signals(seen).length >= 4, 5000);
    const got = signals(seen);
    expect(got).toEqual([[tricky], [{ after: 1 }], [Object.values(tricky).join('|')], [{ after: 2 }]]);
    expect(JSON.stringify(got[0][0])).toBe(JSON.stringify(tricky));
  });

  test('a room with sockets on WebSocket and on long-polling gets the packet on each', async () => {
    const room = 'p:x:two';
    const ws = await member(b, room, ['websocket']);
    const polling = await member(b, room, ['polling']);
    const payload = { from: 'peer-a', candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0' } };
    const both = Promise.all([waitFor(ws, 'signal'), waitFor(polling, 'signal')]);
    a.relay.send(b.instance, room, ['signal', payload]);
    expect(await both).toEqual([payload, payload]);
  });

  test('a packet for a room with no socket on the target replica goes to its onMiss, decoded', async () => {
    const payload = { from: 'peer-a', candidate: { candidate: 'candidate:2 1 tcp 5 10.0.0.1 9 typ host tcptype active', sdpMid: '0' } };
    const before = b.relay.stats();
    b.misses.length = 0;
    a.relay.send(b.instance, 'p:x:gone', ['signal', payload]);
    await until('the miss', () => b.misses.length > 0, 5000);
    expect(b.misses).toEqual([['p:x:gone', ['signal', payload]]]);
    expect(b.relay.stats().missed - before.missed).toBe(1);
    expect(b.relay.stats().delivered).toBe(before.delivered);
  });

  test('packets to a replica that is gone (nobody listens on its channel) go to the sender’s onMiss, decoded, in order', async () => {
    const payloads = [1, 2, 3].map((n) => ({ from: 'peer-a', candidate: { candidate: `candidate:${n} 1 udp 1 127.0.0.1 9 typ host` } }));
    const before = a.relay.stats();
    a.misses.length = 0;
    for (const p of payloads) a.relay.send('replica-gone', ROOM, ['signal', p]);
    // Handed over only once Redis said nobody heard them.
    expect(a.misses).toEqual([]);
    await until('the misses', () => a.misses.length === 3, 5000);
    expect(a.misses).toEqual(payloads.map((p) => [ROOM, ['signal', p]]));
    expect(a.relay.stats().unheard - before.unheard).toBe(3);
    // One replica heard its batch: nothing comes back to the sender.
    const client = await member(b, ROOM);
    a.misses.length = 0;
    const got = waitFor(client, 'signal');
    a.relay.send(b.instance, ROOM, ['signal', { heard: true }]);
    expect(await got).toEqual({ heard: true });
    await sleep(50);
    expect(a.misses).toEqual([]);
    expect(a.relay.stats().unheard - before.unheard).toBe(3);
  });

  test('a packet to its own instance is written here, without Redis', async () => {
    const client = await member(b, ROOM);
    const calls = await spublishCalls();
    const got = waitFor(client, 'signal');
    b.relay.send(b.instance, ROOM, ['signal', { self: true }]);
    expect(await got).toEqual({ self: true });
    expect(await spublishCalls()).toBe(calls);
  });

  test('args that do not encode as text go to onMiss on the sending replica, nothing is published', async () => {
    const calls = await spublishCalls();
    const before = a.relay.stats();
    a.misses.length = 0;
    const args = ['signal', { bytes: Buffer.from([1, 2, 3]) }];
    a.relay.send(b.instance, ROOM, args);
    expect(a.misses).toEqual([[ROOM, args]]);
    expect(a.relay.stats().unencodable - before.unencodable).toBe(1);
    await sleep(50);
    expect(await spublishCalls()).toBe(calls);
  });

  test('malformed messages on the relay channel are ignored whole, with one warning', async () => {
    const client = await member(b, ROOM);
    const seen = record(client);
    const channel = relayChannel(PREFIX, b.instance);
    const item = (room: string, packet: string) => `${room.length}:${room}${packet.length}:${packet}`;
    const good = item(ROOM, '2/room,["signal",{"forged":true}]');
    const garbage = [
      'garbage',
      '1;5:abc',
      '1;3:abc999:x',
      `1;${item(ROOM, 'hello')}`,
      `1;${item(ROOM, '0/room,{"sid":"x"}')}`,
      `1;${item(ROOM, '2/other,["signal",1]')}`,
      `1;${item(ROOM, '2/room,7["signal",1]')}`,
      `1;${good}${item(ROOM, '2')}`,
      `1;${good}2`,
    ];
    const before = b.relay.stats();
    const warnings = b.logs.length;
    for (const message of garbage) await raw.sPublish(channel, message);
    await raw.sPublish(channel, Buffer.from([0x31, 0x3b, 0xff, 0xfe, 0x3a]));
    a.relay.send(b.instance, ROOM, ['signal', { ok: true }]);
    await waitFor(client, 'signal');
    expect(signals(seen)).toEqual([[{ ok: true }]]);
    expect(b.relay.stats().malformed - before.malformed).toBe(garbage.length + 1);
    expect(b.relay.stats().delivered - before.delivered).toBe(1);
    const warned = b.logs.slice(warnings).filter((l) => l.msg === 'malformed message on the relay channel ignored');
    expect(warned).toHaveLength(1);
    expect(warned[0].level).toBe(40);
  });

  test('a throwing onMiss is logged and the rest of the batch is still delivered', async () => {
    const logs: LogLine[] = [];
    const c = await startReplica('replica-c', redis.url);
    try {
      const log = createLogger('info', {}, { write: (line: string) => logs.push(JSON.parse(line) as LogLine) });
      // A second relay on C's namespace under another instance name, whose onMiss throws.
      const pub = c.pub;
      const sub = createRedisClient(redis.url, createLogger('silent'), 'sub');
      await sub.connect();
      const relay = createSignalRelay({
        pub,
        sub,
        nsp: c.io.of('/room'),
        instance: 'replica-c2',
        channelPrefix: PREFIX,
        log,
        onMiss: () => {
          throw new Error('miss handler broke');
        },
      });
      await relay.ready;
      const client = await member(c, ROOM);
      a.relay.send('replica-c2', 'p:x:nobody', ['signal', 1]);
      a.relay.send('replica-c2', ROOM, ['signal', 2]);
      expect(await waitFor(client, 'signal')).toBe(2);
      expect(logs.filter((l) => l.msg === 'relay miss handler failed')).toHaveLength(1);
      await relay.close();
      await closeClient(sub);
    } finally {
      await c.close();
    }
  });
});

test('a closed relay ignores what Redis still sends it before its unsubscription is through', async () => {
  const gate = await redisGate(redis.port);
  const c = await startReplica('replica-gated', redis.url, { subUrl: gate.url });
  try {
    const client = await member(c, ROOM);
    const seen = record(client);
    const before = c.relay.stats();
    // Redis gets C's SUNSUBSCRIBE only once released; meanwhile a packet for C reaches C's connection.
    gate.hold();
    const closing = c.relay.close();
    a.relay.send(c.instance, ROOM, ['signal', { late: 'marker-after-close' }]);
    await until('the packet at C', () => gate.received('marker-after-close'), 5000);
    await nothing(client, 'signal', 200);
    expect(seen).toEqual([]);
    expect(c.relay.stats()).toEqual(before);
    gate.release();
    await closing;
    // Sends on a closed relay are dropped.
    c.relay.send(a.instance, ROOM, ['signal', 1]);
    expect(c.relay.stats()).toEqual(before);
  } finally {
    gate.release();
    await c.close();
    await gate.close();
  }
});

test('publishing while Redis is away rejects nothing unhandled, warns once, and says when it works again', async () => {
  const own = await startRedis();
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  process.on('unhandledRejection', onRejection);
  // Without an offline queue a publish fails at once while Redis is away, as it does on a closed connection.
  const d = await startReplica('replica-d', own.url, { pubOfflineQueue: false });
  try {
    await own.kill();
    await until('pub down', () => !d.pub.isReady, 5000);
    for (let i = 0; i < 3; i++) {
      d.relay.send('replica-x', ROOM, ['signal', i]);
      await sleep(20);
    }
    await until('3 failures', () => d.relay.stats().failed === 3, 5000);
    const failed = d.logs.filter((l) => l.msg.startsWith('relay publish failed'));
    expect(failed).toHaveLength(1);
    expect(failed[0].level).toBe(40);
    await own.start();
    // Both connections back, so that closing them afterwards is polite.
    await until('redis back', () => d.pub.isReady && d.sub.isReady, 10_000);
    d.relay.send('replica-x', ROOM, ['signal', 'back']);
    await until('publishing again', () => d.logs.some((l) => l.msg === 'relay publishing again'), 5000);
    expect(d.relay.stats().failed).toBe(3);
    // Unhandled rejections are reported on a later turn.
    await sleep(50);
    expect(rejections).toEqual([]);
  } finally {
    process.off('unhandledRejection', onRejection);
    await d.close();
    await own.stop();
  }
});
