// The cluster's processes one by one: redis-server, coturn, a replica, HAProxy; each returns the handle the tests use.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { exited, httpGet, tcpOpen, until } = require('../procs.cjs');
const { ROOT, launch, logTail, stopChild } = require('./launch.cjs');

const HAPROXY_CFG = path.join(ROOT, 'deploy', 'haproxy.cfg');
const TURN_CONF = path.join(ROOT, 'deploy', 'turnserver.conf');

/** `out` is { env, logs, dir }: the environment and where the output goes, the same for every process. */
async function startRedis(bin, port, out) {
  const data = path.join(out.dir, 'redis');
  fs.mkdirSync(data);
  const redis = { port, url: `redis://127.0.0.1:${port}`, pid: 0, proc: null };
  redis.start = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', data, '--save', '', '--appendonly', 'yes'];
    redis.proc = launch(bin, args, { ...out, name: 'redis' });
    redis.pid = redis.proc.pid;
    await until('redis-server', () => tcpOpen(port), 10_000, redis.proc);
  };
  redis.kill = (signal = 'SIGKILL') => stopChild(redis.proc, signal);
  await redis.start();
  return redis;
}

async function startTurn(bin, port, out) {
  const secret = crypto.randomBytes(16).toString('hex');
  const args = [
    '-c',
    TURN_CONF,
    '--listening-ip=127.0.0.1',
    '--relay-ip=127.0.0.1',
    `--listening-port=${port}`,
    `--static-auth-secret=${secret}`,
    // Loopback only: browsers on this machine relay to each other through 127.0.0.1.
    '--allow-loopback-peers',
    '--no-cli',
    `--pidfile=${path.join(out.dir, 'turnserver.pid')}`,
    `--db=${path.join(out.dir, 'turndb')}`,
  ];
  const proc = launch(bin, args, { ...out, name: 'turn' });
  await until('turnserver', () => tcpOpen(port), 10_000, proc);
  return {
    port,
    secret,
    urls: [`turn:127.0.0.1:${port}?transport=udp`, `turn:127.0.0.1:${port}?transport=tcp`],
    pid: proc.pid,
    proc,
  };
}

/** A process's scheduler state and CPU time so far (Linux /proc), for an error message. */
function processState(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return `process ${pid} state ${fields[0]}, ${(ticks / 100).toFixed(2)} s of CPU`;
  } catch {
    return `process ${pid} not found`;
  }
}

/** A replica's handle, not started yet: out.env is the environment every replica shares. */
function replicaHandle(name, port, out) {
  const replica = { id: name, port, url: `http://127.0.0.1:${port}`, pid: 0, proc: null };
  replica.start = async () => {
    if (!exited(replica.proc)) throw new Error(`replica ${name} is running`);
    replica.proc = launch(process.execPath, ['dist/server/index.js'], {
      env: { ...out.env, PORT: String(port), REPLICA_ID: name },
      logs: out.logs,
      dir: out.dir,
      name,
    });
    replica.pid = replica.proc.pid;
    let answer = 'no answer';
    try {
      await until(
        `replica ${name} /readyz`,
        async () => {
          const res = await httpGet(port, '/readyz');
          answer = res ? `HTTP ${res.status}` : 'no answer';
          return res?.status === 200;
        },
        20_000,
        replica.proc,
      );
    } catch (err) {
      // Say why: the last answer and the end of the replica's own log (when it writes one).
      err.message += `; last /readyz: ${answer}; ${processState(replica.proc.pid)}${logTail(out, name)}`;
      throw err;
    }
  };
  replica.kill = (signal = 'SIGTERM') => stopChild(replica.proc, signal);
  replica.restart = async () => {
    await stopChild(replica.proc);
    await replica.start();
  };
  replica.stop = () => stopChild(replica.proc);
  replica.running = () => !exited(replica.proc);
  return replica;
}

/** HAProxy with deploy/haproxy.cfg in front of the replicas; returned as soon as it is spawned (see lbReady). */
function launchLb(bin, port, replicas, cookieKey, out) {
  const env = { ...out.env, PARLEY_LB_BIND: `127.0.0.1:${port}`, PARLEY_COOKIE_KEY: cookieKey };
  replicas.forEach((r, i) => (env[`PARLEY_REPLICA_${i + 1}`] = `127.0.0.1:${r.port}`));
  const proc = launch(bin, ['-f', HAPROXY_CFG, '-db'], { ...out, env, name: 'lb' });
  return { port, pid: proc.pid, proc };
}

/** Ready when the load balancer has sent a request to every replica. */
async function lbReady(lb, count) {
  const seen = new Set();
  await until(
    'load balancer',
    async () => {
      const res = await httpGet(lb.port, '/readyz');
      if (res?.status === 200) seen.add(res.headers['x-parley-replica']);
      return seen.size === count;
    },
    20_000,
    lb.proc,
  );
}

module.exports = { startRedis, startTurn, replicaHandle, launchLb, lbReady };
