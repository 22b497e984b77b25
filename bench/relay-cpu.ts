/**
 * CPU per signal between two replicas: the signal relay (server/redis/relay.ts) against the adapter's
 * `nsp.to(room).emit`, with one replica's own `nsp.local.to(room).emit` as the floor. Replica A sends to rooms whose
 * sockets are on replica B (two processes, one redis-server); the CPU of A, B and Redis is read over each run.
 *
 *   npx esbuild bench/relay-cpu.ts --bundle --platform=node --packages=external --outfile=.tmp/relay-cpu.cjs
 *   node .tmp/relay-cpu.cjs [rounds] [local,adapter,relay]
 *
 * With RELAY_CPU_PROFILE_DIR set, both replicas write a V8 CPU profile there (read it with bench/profile-top.mjs).
 */
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import { Server } from 'socket.io';
import { io as connectClient, type Socket } from 'socket.io-client';
import { createLogger } from '../server/logger';
import { closeClient, createRedisClient } from '../server/redis/client';
import { createSignalRelay } from '../server/redis/relay';
import { startRedis } from '../test/helpers/procs';

const PREFIX = 'relaybench';
const ROOMS = 20;
type Mode = 'local' | 'adapter' | 'relay';

interface SendCommand {
  cmd: 'send';
  mode: Mode;
  n: number;
  perTurn: number;
  payload: unknown;
}
type Command = SendCommand | { cmd: 'cpu' } | { cmd: 'exit' };

const room = (i: number) => `p:bench:${i % ROOMS}`;
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** A replica: Socket.IO with the sharded adapter and a relay; it sends on command and reports its CPU. */
async function replica(instance: string, redisUrl: string): Promise<void> {
  const log = createLogger('warn');
  const pub = createRedisClient(redisUrl, log, 'pub', { commandTimeoutMs: 0 });
  const sub = createRedisClient(redisUrl, log, 'sub', { commandTimeoutMs: 0 });
  await Promise.all([pub.connect(), sub.connect()]);
  const server = http.createServer();
  const io = new Server(server, { adapter: createShardedAdapter(pub, sub, { channelPrefix: PREFIX, subscriptionMode: 'dynamic' }) });
  const nsp = io.of('/room');
  nsp.on('connection', (socket) => {
    if (typeof socket.handshake.auth.room === 'string') socket.join(socket.handshake.auth.room);
  });
  const relay = createSignalRelay({
    pub,
    sub,
    nsp,
    instance,
    channelPrefix: PREFIX,
    log,
    onMiss: (r, args) => nsp.to(r).emit(args[0] as string, ...args.slice(1)),
  });
  await relay.ready;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const reply = (msg: object) => process.send?.(msg);
  reply({ port: (server.address() as AddressInfo).port });
  process.on('message', (msg: Command) => {
    if (msg.cmd === 'cpu') return reply({ cpu: process.cpuUsage(), stats: relay.stats() });
    if (msg.cmd === 'exit') {
      void relay
        .close()
        .then(() => io.close())
        .then(() => Promise.all([pub, sub].map(closeClient)))
        .finally(() => process.exit(0));
      return;
    }
    void (async () => {
      const { mode, n, perTurn, payload } = msg;
      for (let sent = 0; sent < n;) {
        await turn();
        for (let k = 0; k < perTurn && sent < n; k++, sent++) {
          if (mode === 'relay') relay.send('B', room(sent), ['signal', payload]);
          else if (mode === 'adapter') nsp.to(room(sent)).emit('signal', payload);
          else nsp.local.to(room(sent)).emit('signal', payload);
        }
      }
      reply({ sent: n });
    })();
  });
}

function ask<T>(p: ChildProcess, cmd: Command, key: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (msg: Record<string, unknown>) => {
      if (!(key in msg)) return;
      p.off('message', on);
      resolve(msg as T);
    };
    p.on('message', on);
    p.send(cmd);
  });
}

const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 3);
  const only = process.argv[3]?.split(',');
  const profileDir = process.env.RELAY_CPU_PROFILE_DIR;
  const redis = await startRedis();
  const raw = createRedisClient(redis.url, createLogger('silent'), 'raw');
  await raw.connect();
  const redisCpuMs = async () => {
    const info = await raw.info('cpu');
    const f = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0);
    return (f('used_cpu_user') + f('used_cpu_sys')) * 1000;
  };
  const start = (instance: string) =>
    new Promise<{ proc: ChildProcess; port: number }>((resolve) => {
      const execArgv = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${instance}.cpuprofile`] : [];
      const proc = fork(process.argv[1], ['replica', instance, redis.url], { execArgv });
      proc.once('message', (m: { port: number }) => resolve({ proc, port: m.port }));
    });
  const a = await start('A');
  const b = await start('B');
  const clients: Socket[] = [];
  let received = 0;
  for (let i = 0; i < ROOMS; i++) {
    const s = connectClient(`http://127.0.0.1:${b.port}/room`, { auth: { room: room(i) }, transports: ['websocket'], forceNew: true });
    s.on('signal', () => received++);
    await new Promise<void>((resolve) => s.once('connect', () => resolve()));
    clients.push(s);
  }
  // Let the adapter's room subscriptions on B settle.
  await new Promise((resolve) => setTimeout(resolve, 200));

  const candidate = {
    from: 'Jk3mQ9xTzP',
    candidate: {
      candidate:
        'candidate:842163049 1 udp 1677729535 203.0.113.7 54321 typ srflx raddr 192.168.1.20 rport 54321 generation 0 ufrag EsAw network-cost 999',
      sdpMid: '0',
      sdpMLineIndex: 0,
      usernameFragment: 'EsAw',
    },
  };
  const sdpLine = 'a=rtcp-fb:111 transport-cc\r\na=fmtp:111 minptime=10;useinbandfec=1\r\na=rtpmap:96 VP8/90000\r\n';
  const offer = { from: 'Jk3mQ9xTzP', description: { type: 'offer', sdp: 'v=0\r\n' + sdpLine.repeat(Math.ceil(4000 / sdpLine.length)) } };

  const run = async (mode: Mode, payload: unknown, n: number, perTurn: number) => {
    received = 0;
    const sender = mode === 'local' ? b : a;
    const [a0, b0, r0] = await Promise.all([
      ask<{ cpu: NodeJS.CpuUsage }>(a.proc, { cmd: 'cpu' }, 'cpu'),
      ask<{ cpu: NodeJS.CpuUsage }>(b.proc, { cmd: 'cpu' }, 'cpu'),
      redisCpuMs(),
    ]);
    const t0 = Date.now();
    await ask(sender.proc, { cmd: 'send', mode, n, perTurn, payload }, 'sent');
    while (received < n) await new Promise((resolve) => setTimeout(resolve, 5));
    const wall = Date.now() - t0;
    const [a1, b1, r1] = await Promise.all([
      ask<{ cpu: NodeJS.CpuUsage }>(a.proc, { cmd: 'cpu' }, 'cpu'),
      ask<{ cpu: NodeJS.CpuUsage }>(b.proc, { cmd: 'cpu' }, 'cpu'),
      redisCpuMs(),
    ]);
    if (received !== n) throw new Error(`${mode}: ${received} of ${n} arrived`);
    const us = (ms: number) => (ms * 1000) / n;
    return {
      a: us(cpuMs(a1.cpu) - cpuMs(a0.cpu)),
      b: us(cpuMs(b1.cpu) - cpuMs(b0.cpu)),
      redis: us(r1 - r0),
      wall,
    };
  };

  const scenarios = [
    { name: 'candidate', payload: candidate, n: 20_000 },
    { name: 'offer 4 KB', payload: offer, n: 5_000 },
  ];
  const modes = (['local', 'adapter', 'relay'] as Mode[]).filter((m) => !only || only.includes(m));
  // Warm up every path once.
  for (const mode of modes) await run(mode, candidate, 5000, 1);
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const lines: string[] = [];
  for (const sc of scenarios) {
    for (const perTurn of [1, 10]) {
      const results: Record<Mode, Awaited<ReturnType<typeof run>>[]> = { local: [], adapter: [], relay: [] };
      for (let r = 0; r < rounds; r++) for (const mode of modes) results[mode].push(await run(mode, sc.payload, sc.n, perTurn));
      for (const mode of modes) {
        const m = (k: 'a' | 'b' | 'redis' | 'wall') => median(results[mode].map((x) => x[k]));
        const nodeUs = median(results[mode].map((x) => x.a + x.b));
        lines.push(
          [
            sc.name.padEnd(11),
            String(perTurn).padStart(3),
            mode.padEnd(8),
            m('a').toFixed(1).padStart(6),
            m('b').toFixed(1).padStart(6),
            nodeUs.toFixed(1).padStart(7),
            m('redis').toFixed(1).padStart(6),
            String(m('wall')).padStart(6),
          ].join(' '),
        );
      }
    }
  }
  console.log('payload     per  path     A µs   B µs  A+B µs  redis  wall ms   (CPU per signal, median of %d)', rounds);
  console.log('            turn');
  for (const l of lines) console.log(l);

  for (const s of clients) s.close();
  await Promise.all([a, b].map(({ proc }) => new Promise((resolve) => (proc.once('exit', resolve), proc.send({ cmd: 'exit' })))));
  await closeClient(raw);
  await redis.stop();
}

if (process.argv[2] === 'replica') void replica(process.argv[3], process.argv[4]);
else
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
