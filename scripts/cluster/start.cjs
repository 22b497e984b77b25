// startCluster: the whole cluster on free loopback ports in dependency order, torn down again if any part fails.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { freePort, httpGet, requireBinary, stopProcess, until } = require('../procs.cjs');
const { buildIfNeeded } = require('./build.cjs');
const { stopChild } = require('./launch.cjs');
const { launchLb, lbReady, replicaHandle, startRedis, startTurn } = require('./starters.cjs');

const MAX_REPLICAS = 9;

/**
 * Starts a cluster. Options (all optional):
 *   replicas   number of replicas, 1 to 9 (default 3)
 *   port       load balancer port on 127.0.0.1 (default: a free one)
 *   redis      start a redis-server and set REDIS_URL (default true)
 *   turn       start coturn and set TURN_URLS/TURN_SECRET (default true)
 *   turnPort   coturn listening port (default: a free one)
 *   env        extra environment for every replica (e.g. { RESUME_GRACE_MS: '3000' })
 *   lbEnv      extra environment for HAProxy (e.g. { PARLEY_METRICS_TOKEN: '...' })
 *   logs       'files' (default; in the cluster's directory), 'prefix' or 'ignore'
 *   build      true: always build; 'if-needed' (default): build when dist is missing or stale; false: never
 */
async function startCluster(options = {}) {
  const count = options.replicas ?? 3;
  if (!Number.isInteger(count) || count < 1 || count > MAX_REPLICAS) throw new Error(`replicas must be 1 to ${MAX_REPLICAS}`);
  const logs = options.logs ?? 'files';
  const haproxyBin = requireBinary('haproxy');
  const redisBin = options.redis === false ? null : requireBinary('redis-server');
  const turnBin = options.turn === false ? null : requireBinary('turnserver');
  if (options.build !== false) buildIfNeeded(options.build === true);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-cluster-'));
  const secret = crypto.randomBytes(24).toString('hex');
  // HAProxy's cookie key has its own value: every client gets a fast hash of it in the cookie (an offline guessing
  // oracle), so it must never be the replicas' SECRET.
  const cookieKey = crypto.randomBytes(24).toString('hex');
  const cluster = { dir, url: '', replicas: [], redis: null, turn: null, lb: null, stop: async () => undefined, rollingRestart: null };
  const stops = [];
  let stopped = false;
  cluster.stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all(cluster.replicas.map((r) => r.stop()));
    for (const stop of stops.reverse()) await stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    const baseEnv = { ...process.env };
    delete baseEnv.PORT;
    delete baseEnv.REDIS_URL;
    const out = { env: baseEnv, logs, dir };

    if (redisBin) {
      const redis = await startRedis(redisBin, await freePort(), out);
      cluster.redis = redis;
      stops.push(() => stopChild(redis.proc));
    }

    if (turnBin) {
      const turn = await startTurn(turnBin, options.turnPort ?? (await freePort()), out);
      cluster.turn = turn;
      stops.push(() => stopChild(turn.proc));
    }

    const ports = [];
    for (let i = 0; i < count; i++) ports.push(await freePort());
    const replicaEnv = {
      ...baseEnv,
      HOST: '127.0.0.1',
      SECRET: secret,
      TRUST_PROXY: '1',
      LOG_LEVEL: 'info',
      ...(cluster.redis ? { REDIS_URL: cluster.redis.url } : {}),
      ...(cluster.turn ? { TURN_URLS: cluster.turn.urls.join(','), TURN_SECRET: cluster.turn.secret } : {}),
      ...options.env,
    };
    for (let i = 0; i < count; i++) cluster.replicas.push(replicaHandle(`r${i + 1}`, ports[i], { ...out, env: replicaEnv }));
    await Promise.all(cluster.replicas.map((r) => r.start()));
    cluster.rollingRestart = (opts = {}) => rollingRestart(cluster, opts);

    const lbOut = { ...out, env: { ...baseEnv, ...options.lbEnv } };
    const lb = launchLb(haproxyBin, options.port ?? (await freePort()), cluster.replicas, cookieKey, lbOut);
    cluster.lb = lb;
    stops.push(() => stopChild(lb.proc));
    cluster.url = `http://127.0.0.1:${lb.port}`;
    await lbReady(lb, count);
    return cluster;
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

// One replica at a time: SIGTERM (it drains: /readyz 503, its participants move elsewhere), wait for it to exit,
// start it again, wait until the load balancer sends it requests again; then the next one.
async function rollingRestart(cluster, opts) {
  const steps = [];
  for (const r of cluster.replicas) {
    const began = Date.now();
    opts.onStep?.({ replica: r.id, phase: 'stopping' });
    await stopProcess(r.proc, opts.signal ?? 'SIGTERM', opts.stopTimeoutMs ?? 30_000);
    const stoppedMs = Date.now() - began;
    opts.onStep?.({ replica: r.id, phase: 'starting' });
    await r.start();
    await until(
      `load balancer routing to ${r.id}`,
      async () => (await httpGet(cluster.lb.port, '/readyz'))?.headers['x-parley-server'] === r.id,
      20_000,
      r.proc,
    );
    const step = { replica: r.id, stoppedMs, backMs: Date.now() - began };
    opts.onStep?.({ ...step, phase: 'back' });
    steps.push(step);
  }
  return steps;
}

module.exports = { startCluster };
