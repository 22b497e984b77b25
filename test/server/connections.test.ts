/**
 * Connections per address: a cap on open Engine.IO connections over every namespace (shared by the replicas
 * through Redis), one socket per namespace on a connection, `/lobby` handshakes in the handshake budget, a peek
 * budget per address, and no binary attachments parked in memory.
 */
import WebSocket from 'ws';
import { createLogger } from '../../server/logger';
import { createRedisClient, type RedisClient } from '../../server/redis/client';
import { RedisConnections } from '../../server/redis/limiter';
import { closeAll, connect, join, sleep } from '../helpers/client';
import { startCluster, type Cluster } from '../helpers/cluster';
import { startRedis, type RedisProcess } from '../helpers/procs';
import { startServer, type TestServer } from '../helpers/server';

/** A raw Engine.IO WebSocket: every text frame it got, in order. */
interface Raw {
  ws: WebSocket;
  frames: string[];
  closed: Promise<void>;
  /** Resolves with the first frame received (so far, or next) that matches. */
  next(match: (frame: string) => boolean, timeoutMs?: number): Promise<string>;
}

/** Opens an Engine.IO WebSocket connection; resolves once it is open (its open packet came) or refused. */
function raw(url: string): Promise<Raw | 'refused'> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  const frames: string[] = [];
  const waiters: Array<{ match: (f: string) => boolean; resolve: (f: string) => void }> = [];
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    const frame = data.toString();
    // Engine.IO pings; answering keeps the connection open.
    if (frame === '2') return ws.send('3');
    frames.push(frame);
    for (const w of waiters.splice(0)) {
      if (w.match(frame)) w.resolve(frame);
      else waiters.push(w);
    }
  });
  const next = (match: (f: string) => boolean, timeoutMs = 5000) =>
    new Promise<string>((resolve, reject) => {
      const got = frames.find(match);
      if (got !== undefined) return resolve(got);
      const timer = setTimeout(
        () => reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(frames)}`)),
        timeoutMs,
      );
      waiters.push({ match, resolve: (f) => (clearTimeout(timer), resolve(f)) });
    });
  return new Promise((resolve) => {
    ws.once('unexpected-response', () => resolve('refused'));
    ws.once('error', () => resolve('refused'));
    ws.once('message', () => resolve({ ws, frames, closed, next }));
  });
}

const opened = (conns: Array<Raw | 'refused'>) => conns.filter((c): c is Raw => c !== 'refused');

async function closeRaw(conns: Array<Raw | 'refused'>): Promise<void> {
  for (const c of opened(conns)) c.ws.close();
  await Promise.all(opened(conns).map((c) => c.closed));
}

describe('one replica', () => {
  let srv: TestServer | undefined;
  afterEach(async () => {
    closeAll();
    await srv?.close();
    srv = undefined;
  });

  test('an address holds at most maxConnsPerAddr connections; a closed one frees its place', async () => {
    srv = await startServer({ maxConnsPerAddr: 5 });
    const conns = await Promise.all(Array.from({ length: 8 }, () => raw(srv!.url)));
    expect(opened(conns)).toHaveLength(5);
    expect(conns.filter((c) => c === 'refused')).toHaveLength(3);
    // Both namespaces count: a Socket.IO client is refused too.
    const lobby = connect(srv.url, '/lobby', { transports: ['websocket'] });
    await new Promise((resolve) => lobby.once('connect_error', resolve));
    expect(lobby.connected).toBe(false);

    const first = opened(conns)[0];
    first.ws.close();
    await first.closed;
    const again = await raw(srv.url);
    expect(again).not.toBe('refused');
    expect(await raw(srv.url)).toBe('refused');
    await closeRaw([...conns, again]);
  });

  // Socket.IO closes a connection that sends CONNECT for a namespace it is connected to; a CONNECT sent while the
  // first is still being admitted would otherwise be admitted beside it.
  test('a connection holds one /room socket: a second CONNECT during admission is refused and admits nobody', async () => {
    srv = await startServer();
    const conn = await raw(srv.url);
    if (conn === 'refused') throw new Error('refused');
    conn.ws.send('40/room,{"room":"one-per-conn","name":"Ada"}');
    conn.ws.send('40/room,{"room":"one-per-conn-2","name":"Eve"}');
    const answer = await conn.next((f) => f.startsWith('44/room,'));
    expect(JSON.parse(answer.slice('44/room,'.length)).data.code).toBe('BAD_REQUEST');
    await conn.next((f) => f.startsWith('42/room,["room:welcome"'));
    await sleep(200);
    expect(conn.frames.filter((f) => f.startsWith('42/room,["room:welcome"'))).toHaveLength(1);
    expect(await srv.parley.store.snapshot('one-per-conn-2')).toBeNull();
    expect((await srv.parley.store.snapshot('one-per-conn'))?.members.map((m) => m.name)).toEqual(['Ada']);
    // /lobby alike.
    conn.ws.send('40/lobby,');
    conn.ws.send('40/lobby,');
    expect(JSON.parse((await conn.next((f) => f.startsWith('44/lobby,'))).slice('44/lobby,'.length)).data.code).toBe('BAD_REQUEST');
    await conn.next((f) => f.startsWith('40/lobby,'));
    await closeRaw([conn]);
  });

  test('a refused /room handshake frees the connection for the next try', async () => {
    srv = await startServer();
    const conn = await raw(srv.url);
    if (conn === 'refused') throw new Error('refused');
    conn.ws.send('40/room,{"room":"retry-room","name":""}');
    expect(JSON.parse((await conn.next((f) => f.startsWith('44/room,'))).slice('44/room,'.length)).data.code).toBe('BAD_REQUEST');
    conn.ws.send('40/room,{"room":"retry-room","name":"Ada"}');
    await conn.next((f) => f.startsWith('42/room,["room:welcome"'));
    await closeRaw([conn]);
  });

  test('/lobby sockets spend the handshake budget of their address', async () => {
    srv = await startServer({ joinRatePerAddr: 1, joinBurstPerAddr: 3 });
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const s = connect(srv!.url, '/lobby');
        return new Promise<string>((resolve) => {
          s.once('connect', () => resolve('connected'));
          s.once('connect_error', (err: Error & { data?: { code: string } }) => resolve(err.data?.code ?? err.message));
        });
      }),
    );
    expect(outcomes.sort()).toEqual(['RATE_LIMITED', 'RATE_LIMITED', 'connected', 'connected', 'connected']);
    // And a join after them finds the budget spent as well.
    await expect(join(srv.url, { room: 'after-lobby', name: 'Ada' })).rejects.toThrow('RATE_LIMITED');
  });

  test('peeks and watches share one budget per address; a refused peek shows nobody', async () => {
    srv = await startServer({ peekRatePerAddr: 1, peekBurstPerAddr: 5 });
    await join(srv.url, { room: 'peeked', name: 'Secret Name' });
    const one = connect(srv.url, '/lobby');
    const two = connect(srv.url, '/lobby');
    const replies: Array<{ ok: boolean; room?: { names: string[] }; error?: { code: string } }> = [];
    for (let i = 0; i < 4; i++) replies.push(await one.timeout(5000).emitWithAck('lobby:peek', { room: 'peeked' }));
    replies.push(await two.timeout(5000).emitWithAck('lobby:watch', { room: 'peeked' }));
    replies.push(await two.timeout(5000).emitWithAck('lobby:peek', { room: 'peeked' }));
    replies.push(await one.timeout(5000).emitWithAck('lobby:watch', { room: 'peeked' }));
    expect(replies.slice(0, 5).every((r) => r.ok && r.room?.names[0] === 'Secret Name')).toBe(true);
    expect(replies.slice(5)).toEqual([
      { ok: false, error: expect.objectContaining({ code: 'RATE_LIMITED' }) },
      { ok: false, error: expect.objectContaining({ code: 'RATE_LIMITED' }) },
    ]);
    // The budget refills at peekRatePerAddr.
    await sleep(1100);
    expect(await one.timeout(5000).emitWithAck('lobby:peek', { room: 'peeked' })).toMatchObject({ ok: true });
  });

  test('a packet announcing more than one attachment closes its connection at once: no attachment is parked', async () => {
    srv = await startServer();
    const conn = await raw(srv.url);
    if (conn === 'refused') throw new Error('refused');
    conn.ws.send('40/lobby,');
    await conn.next((f) => f.startsWith('40/lobby,'));
    conn.ws.send('452-/lobby,["lobby:peek",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
    await conn.closed;
    // The connection's place is free again, and the replica serves the next one.
    const next = await raw(srv.url);
    expect(next).not.toBe('refused');
    await closeRaw([next]);
  });
});

describe('over several replicas (Redis)', () => {
  let redis: RedisProcess;
  let cluster: Cluster | undefined;
  let client: RedisClient | undefined;
  const counters: RedisConnections[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    closeAll();
    for (const c of counters.splice(0)) c.stop();
    await cluster?.close();
    cluster = undefined;
    await client?.quit();
    client = undefined;
  });
  afterAll(async () => {
    await redis.stop();
  });

  test('the cap counts the connections of an address on every replica', async () => {
    cluster = await startCluster(redis.url, 2, { maxConnsPerAddr: 6 });
    const [a, b] = cluster.replicas;
    const onA = await Promise.all(Array.from({ length: 4 }, () => raw(a.url)));
    const onB = await Promise.all(Array.from({ length: 4 }, () => raw(b.url)));
    expect(opened(onA)).toHaveLength(4);
    expect(opened(onB)).toHaveLength(2);
    // Closing two on A makes room on B.
    for (const c of opened(onA).slice(0, 2)) c.ws.close();
    await Promise.all(
      opened(onA)
        .slice(0, 2)
        .map((c) => c.closed),
    );
    await sleep(100);
    const more = await Promise.all([raw(b.url), raw(b.url), raw(b.url)]);
    expect(opened(more)).toHaveLength(2);
    await closeRaw([...onA.slice(2), ...onB, ...more]);
  });

  test('a replica that stops renewing its count stops counting once its lease ends', async () => {
    client = createRedisClient(redis.url, createLogger('silent'), 'test');
    await client.connect();
    const prefix = `lease${Date.now()}:`;
    const dead = new RedisConnections(client, 'dead', 3, prefix, 600);
    const live = new RedisConnections(client, 'live', 3, prefix, 600);
    counters.push(dead, live);
    expect(await Promise.all([dead.open('10.0.0.1'), dead.open('10.0.0.1'), dead.open('10.0.0.1')])).toEqual([true, true, true]);
    expect(await live.open('10.0.0.1')).toBe(false);
    // Another address is not affected.
    expect(await live.open('10.0.0.2')).toBe(true);
    dead.stop();
    await sleep(900);
    expect(await live.open('10.0.0.1')).toBe(true);
    // The live one renews its own: after two leases its place still counts for the others.
    await sleep(1300);
    const other = new RedisConnections(client, 'other', 2, prefix, 600);
    counters.push(other);
    expect(await other.open('10.0.0.1')).toBe(true);
    expect(await other.open('10.0.0.1')).toBe(false);
  });
});
