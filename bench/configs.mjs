// The configurations a scenario runs on: the bare relay or Parley, alone or as two or three replicas on one redis-server.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, requireBinary, waitForPort } from '../scripts/procs.cjs';
import { profile } from './options.mjs';
import { cpuOf, launch, ROOT, rssKb, stop } from './processes.mjs';

export const PARLEY_ENV = {
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

/**
 * Parley as it was at git `ref`, one replica in memory, for a side-by-side figure in the same run: the ref is checked
 * out in a temporary worktree (sharing this checkout's node_modules), built, and started beside the configuration.
 */
export async function startParleyAt(ref) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-at-'));
  const git = (...a) => {
    const r = spawnSync('git', a, { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${a.join(' ')}: ${r.stderr.trim()}`);
  };
  git('worktree', 'add', '--detach', dir, ref);
  const remove = () => {
    spawnSync('git', ['worktree', 'remove', '--force', dir], { cwd: ROOT });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: dir, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`building ${ref} failed: ${build.stderr.slice(-500)}`);
    const port = await freePort();
    const p = spawn('node', ['dist/server/index.js'], {
      cwd: dir,
      env: { ...process.env, ...PARLEY_ENV, PORT: String(port), HOST: '127.0.0.1' },
      stdio: 'ignore',
    });
    await waitForPort(port, 15_000);
    return {
      url: `http://127.0.0.1:${port}`,
      async stop() {
        await stop(p);
        remove();
      },
    };
  } catch (err) {
    remove();
    throw err;
  }
}
