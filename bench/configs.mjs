// The configurations a scenario runs on: the bare relay or Parley, alone or as two or three replicas on one redis-server.
import { freePort, requireBinary, waitForPort } from '../scripts/procs.cjs';
import { profile } from './options.mjs';
import { cpuOf, launch, rssKb, stop } from './processes.mjs';

const PARLEY_ENV = {
  LOG_LEVEL: 'warn',
  SECRET: 'bench-secret-bench-secret-0123',
  STUN_URLS: 'stun:127.0.0.1:3478',
  // The bench measures the relay, not the abuse limits: lift them.
  SIGNAL_RATE: '100000',
  SIGNAL_BURST: '100000',
  EVENT_RATE: '100000',
  EVENT_BURST: '100000',
  MAX_CONNS_PER_ADDR: '100000',
  JOIN_RATE_PER_ADDR: '100000',
  JOIN_BURST_PER_ADDR: '100000',
  PEEK_RATE_PER_ADDR: '100000',
  PEEK_BURST_PER_ADDR: '100000',
};

/** Starts one configuration; returns its URLs and the pids that count as "the server". */
export async function startConfig(name) {
  const procs = [];
  let redis;
  const redisUp = async () => {
    requireBinary('redis-server');
    const port = await freePort();
    redis = launch('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    await waitForPort(port, 15_000);
    return `redis://127.0.0.1:${port}`;
  };
  const replica = async (env) => {
    const port = await freePort();
    const p = name.startsWith('baseline')
      ? launch('node', ['bench/baseline/relay.mjs'], { PORT: String(port), ...env })
      : launch('node', [...(profile ? ['--cpu-prof', '--cpu-prof-dir', 'bench/results/profiles'] : []), 'dist/server/index.js'], {
          ...PARLEY_ENV,
          PORT: String(port),
          HOST: '127.0.0.1',
          ...env,
        });
    procs.push(p);
    await waitForPort(port, 15_000);
    return `http://127.0.0.1:${port}`;
  };
  const urls = [];
  if (name === 'baseline' || name === 'memory') urls.push(await replica({}));
  else if (name === 'redis') urls.push(await replica({ REDIS_URL: await redisUp() }));
  else if (/^(baseline-)?redis[23]$/.test(name)) {
    const url = await redisUp();
    for (let i = 0; i < Number(name.at(-1)); i++) urls.push(await replica({ REDIS_URL: url, REPLICA_ID: `r${i}` }));
  } else throw new Error(`unknown configuration ${name}`);
  const pids = procs.map((p) => p.pid);
  return {
    baseline: name.startsWith('baseline'),
    urls,
    pids,
    redisPid: redis?.pid,
    cpu: () => ({ server: pids.reduce((s, pid) => s + cpuOf(pid), 0), redis: redis ? cpuOf(redis.pid) : 0 }),
    rss: () => pids.reduce((s, pid) => s + rssKb(pid), 0),
    async stop() {
      await Promise.all(procs.map(stop));
      if (redis) await stop(redis);
    },
  };
}
