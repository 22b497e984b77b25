// A Parley cluster on one machine without Docker: redis-server, N replicas, HAProxy with deploy/haproxy.cfg
// (the file docker-compose.yml uses) and coturn, all on loopback.
//
//   npm run cluster -- --replicas 3 [--port 3000] [--turn-port 3478] [--no-redis] [--no-turn] [--build]
//
// Also a module: startCluster(options) starts the same thing on free ports and returns handles to
// kill and restart each process (the cluster tests use it). See docs/operations.md.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { exited, freePort, httpGet, requireBinary, stopProcess, tcpOpen, until } = require('./procs.cjs');

const ROOT = path.resolve(__dirname, '..');
const HAPROXY_CFG = path.join(ROOT, 'deploy', 'haproxy.cfg');
const TURN_CONF = path.join(ROOT, 'deploy', 'turnserver.conf');
const MAX_REPLICAS = 9;

// Above the replicas' default drain (DRAIN_TIMEOUT_MS, 10 s): a draining replica gets to finish before SIGKILL.
const STOP_TIMEOUT_MS = 15_000;
const stopChild = (proc, signal = 'SIGTERM') => stopProcess(proc, signal, STOP_TIMEOUT_MS);

function newestMtime(dir) {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** Runs `npm run build` when dist/ or public/build/ is missing or older than the sources. */
function buildIfNeeded(force = false) {
  const server = path.join(ROOT, 'dist', 'server', 'index.js');
  const client = path.join(ROOT, 'public', 'build', 'room.js');
  const stale =
    !fs.existsSync(server) ||
    !fs.existsSync(client) ||
    newestMtime(path.join(ROOT, 'server')) > fs.statSync(server).mtimeMs ||
    newestMtime(path.join(ROOT, 'client')) > fs.statSync(client).mtimeMs;
  if (!force && !stale) return;
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error('npm run build failed');
}

/**
 * Where a child's output goes: 'files' (dir/<name>.log), 'prefix' (this process's stdout, each line
 * prefixed with the name) or 'ignore'.
 */
function outputOf(logs, dir, name) {
  if (logs === 'ignore') return { stdio: ['ignore', 'ignore', 'ignore'], attach() {} };
  if (logs === 'files') {
    const fd = fs.openSync(path.join(dir, `${name}.log`), 'a');
    return { stdio: ['ignore', fd, fd], attach: () => fs.closeSync(fd) };
  }
  return {
    stdio: ['ignore', 'pipe', 'pipe'],
    attach(proc) {
      for (const stream of [proc.stdout, proc.stderr]) {
        let rest = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk) => {
          const lines = (rest + chunk).split('\n');
          rest = lines.pop();
          for (const line of lines) process.stdout.write(`[${name}] ${line}\n`);
        });
      }
    },
  };
}

function launch(bin, args, { env, logs, dir, name }) {
  const out = outputOf(logs, dir, name);
  const proc = spawn(bin, args, { cwd: ROOT, env, stdio: out.stdio });
  out.attach(proc);
  return proc;
}

/**
 * Starts a cluster. Options (all optional):
 *   replicas   number of replicas, 1 to 9 (default 3)
 *   port       load balancer port on 127.0.0.1 (default: a free one)
 *   redis      start a redis-server and set REDIS_URL (default true)
 *   turn       start coturn and set TURN_URLS/TURN_SECRET (default true)
 *   turnPort   coturn listening port (default: a free one)
 *   env        extra environment for every replica (e.g. { RESUME_GRACE_MS: '3000' })
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

    if (redisBin) {
      const port = await freePort();
      const data = path.join(dir, 'redis');
      fs.mkdirSync(data);
      const redis = { port, url: `redis://127.0.0.1:${port}`, pid: 0, proc: null };
      redis.start = async () => {
        const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', data, '--save', '', '--appendonly', 'yes'];
        redis.proc = launch(redisBin, args, { env: baseEnv, logs, dir, name: 'redis' });
        redis.pid = redis.proc.pid;
        await until('redis-server', () => tcpOpen(port), 10_000, redis.proc);
      };
      redis.kill = (signal = 'SIGKILL') => stopChild(redis.proc, signal);
      await redis.start();
      cluster.redis = redis;
      stops.push(() => stopChild(redis.proc));
    }

    if (turnBin) {
      const port = options.turnPort ?? (await freePort());
      const turnSecret = crypto.randomBytes(16).toString('hex');
      const args = [
        '-c',
        TURN_CONF,
        '--listening-ip=127.0.0.1',
        '--relay-ip=127.0.0.1',
        `--listening-port=${port}`,
        `--static-auth-secret=${turnSecret}`,
        // Loopback only: browsers on this machine relay to each other through 127.0.0.1.
        '--allow-loopback-peers',
        '--no-cli',
        `--pidfile=${path.join(dir, 'turnserver.pid')}`,
        `--db=${path.join(dir, 'turndb')}`,
      ];
      const proc = launch(turnBin, args, { env: baseEnv, logs, dir, name: 'turn' });
      await until('turnserver', () => tcpOpen(port), 10_000, proc);
      cluster.turn = {
        port,
        secret: turnSecret,
        urls: [`turn:127.0.0.1:${port}?transport=udp`, `turn:127.0.0.1:${port}?transport=tcp`],
        pid: proc.pid,
        proc,
      };
      stops.push(() => stopChild(proc));
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
    for (let i = 0; i < count; i++) {
      const name = `r${i + 1}`;
      const port = ports[i];
      const replica = { id: name, port, url: `http://127.0.0.1:${port}`, pid: 0, proc: null };
      replica.start = async () => {
        if (!exited(replica.proc)) throw new Error(`replica ${name} is running`);
        replica.proc = launch(process.execPath, ['dist/server/index.js'], {
          env: { ...replicaEnv, PORT: String(port), REPLICA_ID: name },
          logs,
          dir,
          name,
        });
        replica.pid = replica.proc.pid;
        await until(`replica ${name} /readyz`, async () => (await httpGet(port, '/readyz'))?.status === 200, 20_000, replica.proc);
      };
      replica.kill = (signal = 'SIGTERM') => stopChild(replica.proc, signal);
      replica.restart = async () => {
        await stopChild(replica.proc);
        await replica.start();
      };
      replica.stop = () => stopChild(replica.proc);
      replica.running = () => !exited(replica.proc);
      cluster.replicas.push(replica);
    }
    await Promise.all(cluster.replicas.map((r) => r.start()));

    // One replica at a time: SIGTERM (it drains: /readyz 503, its participants move elsewhere), wait for it to exit,
    // start it again, wait until the load balancer sends it requests again; then the next one.
    cluster.rollingRestart = async (opts = {}) => {
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
    };

    const lbPort = options.port ?? (await freePort());
    const lbEnv = { ...baseEnv, PARLEY_LB_BIND: `127.0.0.1:${lbPort}`, PARLEY_COOKIE_KEY: secret };
    cluster.replicas.forEach((r, i) => (lbEnv[`PARLEY_REPLICA_${i + 1}`] = `127.0.0.1:${r.port}`));
    const lb = launch(haproxyBin, ['-f', HAPROXY_CFG, '-db'], { env: lbEnv, logs, dir, name: 'lb' });
    cluster.lb = { port: lbPort, pid: lb.pid, proc: lb };
    stops.push(() => stopChild(lb));
    cluster.url = `http://127.0.0.1:${lbPort}`;
    // Ready when the load balancer has sent a request to every replica.
    const seen = new Set();
    await until(
      'load balancer',
      async () => {
        const res = await httpGet(lbPort, '/readyz');
        if (res?.status === 200) seen.add(res.headers['x-parley-replica']);
        return seen.size === count;
      },
      20_000,
      lb,
    );
    return cluster;
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

function parseArgs(argv) {
  const opts = { replicas: 3, port: 3000, turnPort: 3478, redis: true, turn: true, build: 'if-needed' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || !/^\d+$/.test(v)) throw new Error(`${arg} needs a number`);
      return Number(v);
    };
    if (arg === '--replicas' || arg === '-n') opts.replicas = value();
    else if (arg === '--port') opts.port = value();
    else if (arg === '--turn-port') opts.turnPort = value();
    else if (arg === '--no-redis') opts.redis = false;
    else if (arg === '--no-turn') opts.turn = false;
    else if (arg === '--build') opts.build = true;
    else if (arg === '--help' || arg === '-h') opts.help = true;
    else throw new Error(`unknown option ${arg}`);
  }
  return opts;
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  if (opts.help) {
    process.stdout.write(
      'npm run cluster -- [--replicas N] [--port 3000] [--turn-port 3478] [--no-redis] [--no-turn] [--build]\n' +
        'Starts redis-server, N replicas, HAProxy (deploy/haproxy.cfg) and coturn on 127.0.0.1; Ctrl+C stops them.\n' +
        'SIGUSR2 to this process restarts the replicas one at a time (drain, start, back in the load balancer).\n',
    );
    return;
  }
  if (!opts.redis && opts.replicas > 1) process.stdout.write('without Redis every replica keeps its own rooms: use one replica\n');
  const cluster = await startCluster({ ...opts, logs: 'prefix' });
  process.stdout.write(
    `\nParley cluster: ${cluster.url}\n` +
      cluster.replicas.map((r) => `  replica ${r.id}: ${r.url} (pid ${r.pid})\n`).join('') +
      (cluster.redis ? `  redis: ${cluster.redis.url}\n` : '') +
      (cluster.turn ? `  turn: ${cluster.turn.urls.join(', ')}\n` : '') +
      `Ctrl+C stops everything; kill -USR2 ${process.pid} restarts the replicas one at a time.\n\n`,
  );
  let stopping = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the cluster\n`);
    cluster.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // kill -USR2 <pid of this runner>: rolling restart of the replicas, one at a time.
  let rolling = false;
  process.on('SIGUSR2', () => {
    if (rolling || stopping) return;
    rolling = true;
    process.stdout.write('SIGUSR2: rolling restart\n');
    cluster
      .rollingRestart({
        onStep: (s) => process.stdout.write(`rolling restart: ${s.replica} ${s.phase}${s.backMs ? ` after ${s.backMs} ms` : ''}\n`),
      })
      .then(
        () => process.stdout.write('rolling restart done\n'),
        (err) => process.stdout.write(`rolling restart failed: ${err.message}\n`),
      )
      .finally(() => (rolling = false));
  });
  // A replica that dies is reported; the cluster keeps running (restart it by hand, or stop with Ctrl+C).
  for (const r of cluster.replicas)
    r.proc.on('exit', (code, sig) => !stopping && process.stdout.write(`replica ${r.id} exited (${code ?? sig})\n`));
}

module.exports = { startCluster, buildIfNeeded };

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`cluster failed to start: ${err.message}\n`);
    process.exit(1);
  });
}
