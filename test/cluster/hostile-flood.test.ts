/**
 * Floods against three real replica processes (redis-server, HAProxy): handshakes from thousands of addresses
 * and from one, event floods, oversized frames and half-sent binary packets. Every replica keeps serving and
 * its heap comes back near its baseline once the attackers are gone (read from each replica's /metrics after a
 * full garbage collection through its inspector, so that the readings count what is retained, not garbage).
 */
import path from 'node:path';
import { startCluster, type Cluster, type ReplicaHandle } from '../../scripts/cluster.cjs';
import { closeAll, join, sleep } from '../helpers/client';
import { collectGarbage, inspectorUrl } from '../helpers/inspector';
import { replicaMetrics } from '../helpers/metrics';
import { rawConnect, rawJoin, type RawConn } from '../security/raw';

jest.setTimeout(240_000);

let cluster: Cluster;
const MB = 1024 * 1024;

beforeAll(async () => {
  cluster = await startCluster({
    replicas: 3,
    turn: false,
    logs: 'files',
    env: { LOG_LEVEL: 'warn', RESUME_GRACE_MS: '2000', NODE_OPTIONS: '--inspect=127.0.0.1:0' },
  });
});
afterAll(async () => {
  closeAll();
  await cluster?.stop();
});

interface Memory {
  heap: number;
  rss: number;
}

async function memory(replica: ReplicaHandle): Promise<Memory> {
  await collectGarbage(inspectorUrl(path.join(cluster.dir, `${replica.id}.log`)));
  const value = await replicaMetrics(replica.url, 10_000);
  return { heap: value('nodejs_heap_size_used_bytes') ?? NaN, rss: value('process_resident_memory_bytes') ?? NaN };
}

const all = () => Promise.all(cluster.replicas.map(memory));
const fmt = (m: Memory[]) => m.map((x) => `${(x.heap / MB).toFixed(1)}/${(x.rss / MB).toFixed(0)}`).join(' ');

/** Runs `n` tasks, at most `width` at a time. */
async function waves(n: number, width: number, task: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < n; i += width)
    await Promise.all(Array.from({ length: Math.min(width, n - i) }, (_, k) => task(i + k).catch(() => undefined)));
}

let addr = 0;
const nextAddr = () => {
  const n = ++addr;
  return `172.16.${(n >> 8) & 255}.${n & 255}`;
};

test('after floods of every kind, every replica serves and its heap is back within 10 MB of its baseline', async () => {
  // Warm up (lazy code paths, JIT, pools), then take the baseline.
  for (const r of cluster.replicas) {
    for (let i = 0; i < 5; i++) {
      const j = await join(r.url, { room: `warm-${i}`, name: 'Warm' }, { extraHeaders: { 'x-forwarded-for': nextAddr() } });
      j.socket.close();
    }
  }
  await sleep(4000);
  const baseline = await all();

  const open: RawConn[] = [];
  let handshakes = 0;
  let limited = 0;
  const tally = (res: { ok: boolean; code?: string }) => {
    handshakes++;
    if (!res.ok && res.code === 'RATE_LIMITED') limited++;
  };
  for (const [i, r] of cluster.replicas.entries()) {
    // 1,500 handshakes from 1,500 addresses: two thirds refused (bad auth), a third admitted and dropped at once.
    await waves(1500, 50, async (k) => {
      const c = await rawConnect(r.url, { 'x-forwarded-for': nextAddr() });
      const res = await rawJoin(c, k % 3 === 0 ? { room: `flood-${i}-${k}`, name: 'Drop' } : { room: '../x', name: 'Bad' });
      tally(res.ok ? { ok: true } : res);
      c.close();
    });
    // 200 handshakes from one address: the address runs out of budget.
    const one = nextAddr();
    await waves(200, 50, async () => {
      const c = await rawConnect(r.url, { 'x-forwarded-for': one });
      tally(await rawJoin(c, { room: `one-${i}`, name: `Knock${Math.random()}` }));
      c.close();
    });
    // 20 participants each flood 500 chat messages and 500 signals, then 30 oversized frames and 40 half-sent
    // binary packets (10 attachments announced, 9 sent, 60 KB each): the announcement closes the connection, so
    // none of the attachments is held.
    await waves(20, 20, async (k) => {
      const c = await rawConnect(r.url, { 'x-forwarded-for': nextAddr() });
      const res = await rawJoin(c, { room: `chat-${i}-${k % 4}`, name: `Spam ${k}` });
      if (!res.ok) return;
      for (let m = 0; m < 500; m++) c.send(`42/room,${m}["chat:send",{"text":"${'x'.repeat(1500)}"}]`);
      for (let m = 0; m < 500; m++) c.send(`42/room,["signal",{"to":"nobody","candidate":{"candidate":"${'c'.repeat(1000)}"}}]`);
      await sleep(500);
      c.close();
    });
    await waves(30, 10, async () => {
      const c = await rawConnect(r.url, { 'x-forwarded-for': nextAddr() });
      c.send('x'.repeat(70_000));
      await c.closed;
    });
    await waves(40, 20, async (k) => {
      const c = await rawConnect(r.url, { 'x-forwarded-for': nextAddr() });
      const res = await rawJoin(c, { room: `bin-${i}-${k}`, name: 'Binary' });
      if (!res.ok) return;
      const placeholders = Array.from({ length: 10 }, (_, n) => `{"_placeholder":true,"num":${n}}`).join(',');
      c.send(`4510-/room,["chat:send",[${placeholders}]]`);
      for (let b = 0; b < 9; b++) c.send(Buffer.alloc(60_000, b), true);
      open.push(c);
    });
  }
  const during = await all();
  for (const c of open) c.close();
  expect(limited).toBeGreaterThan(0);

  // Every replica still serves: health, and a fresh participant from a fresh address.
  for (const r of cluster.replicas) {
    expect((await fetch(`${r.url}/healthz`)).status).toBe(200);
    expect(r.running()).toBe(true);
    const probe = await join(r.url, { room: `probe-${r.id}`, name: 'Probe' }, { extraHeaders: { 'x-forwarded-for': nextAddr() } });
    expect(probe.welcome.peers).toEqual([]);
    probe.socket.close();
  }

  // Settle: dropped participants are reaped after the grace period; garbage is collected in the meantime.
  let settled = await all();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && settled.some((m, i) => m.heap > baseline[i].heap + 10 * MB)) {
    await sleep(3000);
    settled = await all();
  }
  console.log(
    `flood: ${handshakes} raw handshakes (${limited} RATE_LIMITED), 60,000 flood events, 90 oversized frames, 120 half-sent binary packets; ` +
      `heap/RSS MB per replica: baseline ${fmt(baseline)}, during ${fmt(during)}, settled ${fmt(settled)}`,
  );
  for (const [i, m] of settled.entries()) expect(m.heap).toBeLessThan(baseline[i].heap + 10 * MB);
  for (const r of cluster.replicas) expect(r.running()).toBe(true);
});
