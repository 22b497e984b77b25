// The process toolkit shared by the cluster runner, the tests, the soak and the bench: system binaries named with
// their Debian packages, free ports, waiting for a port or an HTTP answer, stopping a process or its whole group.
//
// Also a command, for the shell scripts:
//   node scripts/procs.cjs ensure [binary...]    ensureSystemPackages (default: what `npm test` needs); exit 1 when missing
//   node scripts/procs.cjs require binary...     requireBinary for each; exit 1 naming the package of a missing one
//   node scripts/procs.cjs free-port             prints a free TCP port on 127.0.0.1
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const path = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');

/** Every system binary Parley's tests, cluster runner, bench and compose test start, with its Debian package. */
const SYSTEM_BINARIES = {
  'redis-server': 'redis-server',
  chromium: 'chromium',
  turnserver: 'coturn',
  haproxy: 'haproxy',
  // The compose test (test/compose/run.sh) only: a Docker engine, Compose v1 and debootstrap for the base images.
  dockerd: 'docker.io',
  docker: 'docker.io',
  'docker-compose': 'docker-compose',
  debootstrap: 'debootstrap',
};

/** The binaries `npm test` needs; the compose test installs its own. */
const TEST_BINARIES = ['redis-server', 'chromium', 'turnserver', 'haproxy'];

/** The path of `binary` in the first PATH directory that holds it as an executable file, or null. */
function whichBinary(binary) {
  // Searched here rather than by a shell's `command -v`: the PATH read is this process's as it is now, also where
  // process.env is not the object child_process reads (Jest's sandbox).
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, binary);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return null;
}

function packageOf(binary) {
  const pkg = SYSTEM_BINARIES[binary];
  if (!pkg) throw new Error(`no Debian package is known for ${binary}: add it to SYSTEM_BINARIES in scripts/procs.cjs`);
  return pkg;
}

/** Throws unless `binary` is on the PATH; the message names the Debian package that provides it. */
function requireBinary(binary) {
  // The table first, so that a binary missing from it fails on every machine, not only where it is absent.
  const pkg = packageOf(binary);
  const where = whichBinary(binary);
  if (!where) throw new Error(`${binary} is required but is not installed: apt-get install ${pkg}`);
  return where;
}

/** The Debian packages whose binaries are missing, in the order of `binaries`. */
function missingPackages(binaries = TEST_BINARIES) {
  const packages = binaries.map(packageOf);
  return [...new Set(packages.filter((_, i) => !whichBinary(binaries[i])))];
}

/**
 * Makes sure the binaries are installed. When some are missing and this process is root with apt-get, installs
 * their packages (saying which); otherwise throws with the exact `apt-get install` line to run.
 */
function ensureSystemPackages(binaries = TEST_BINARIES, say = (line) => process.stdout.write(`${line}\n`)) {
  const missing = missingPackages(binaries);
  if (missing.length === 0) return [];
  const line = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !whichBinary('apt-get')) {
    throw new Error(`missing system packages: ${missing.join(', ')}. Install them as root with:\n  ${line}`);
  }
  say(`installing Debian packages the tests need: ${missing.join(' ')} (apt-get update, then ${line})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const argv of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '--no-install-recommends', ...missing],
  ]) {
    const r = spawnSync('apt-get', argv, { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (r.status !== 0) throw new Error(`apt-get ${argv[0]} failed (exit ${r.status}); run as root:\n  ${line}`);
  }
  const still = missingPackages(binaries);
  if (still.length > 0) throw new Error(`still missing after apt-get install: ${still.join(', ')}`);
  return missing;
}

/** A free TCP port on 127.0.0.1 (bound and released). */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on host:port. */
function tcpOpen(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** A GET; resolves { status, headers, body }, or null when nothing answers within 2 s. */
function httpGet(port, pathname, headers = {}, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path: pathname, headers, agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

function exited(proc) {
  return !proc || proc.exitCode !== null || proc.signalCode !== null;
}

/**
 * Polls `check` every `everyMs` until it answers anything but undefined, null or false (so 0 and '' count) and
 * resolves with that answer. A check that throws is asked again; the timeout names its last error. Fails after
 * timeoutMs, or at once when `proc` has exited.
 */
async function until(what, check, timeoutMs = 10_000, proc = undefined, everyMs = 50) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    if (proc && exited(proc)) throw new Error(`${what}: the process exited (${proc.exitCode ?? proc.signalCode})`);
    try {
      const answer = await check();
      if (answer !== undefined && answer !== null && answer !== false) return answer;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (${last.message ?? last})` : ''}`);
    await sleep(everyMs);
  }
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
function waitForPort(port, timeoutMs = 10_000, proc = undefined) {
  return until(`nothing listens on 127.0.0.1:${port}`, () => tcpOpen(port), timeoutMs, proc);
}

/** Resolves once GET pathname on 127.0.0.1:port answers `status`. */
function waitForHttp(port, pathname, status = 200, timeoutMs = 20_000, proc = undefined) {
  return until(
    `GET 127.0.0.1:${port}${pathname} answering ${status}`,
    async () => (await httpGet(port, pathname))?.status === status,
    timeoutMs,
    proc,
  );
}

function stopWith(proc, kill, signal, timeoutMs) {
  if (exited(proc)) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => kill('SIGKILL'), timeoutMs);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    kill(signal);
  });
}

/** Sends `signal` and resolves when the process has exited (SIGKILL after timeoutMs). */
function stopProcess(proc, signal = 'SIGTERM', timeoutMs = 10_000) {
  return stopWith(proc, (sig) => proc.kill(sig), signal, timeoutMs);
}

/**
 * Like stopProcess for a child spawned with `detached: true`: the signal goes to its whole process group, so a
 * shell wrapper and what it started stop together.
 */
function stopGroup(proc, signal = 'SIGTERM', timeoutMs = 10_000) {
  const kill = (sig) => {
    try {
      process.kill(-proc.pid, sig);
    } catch {
      proc.kill(sig);
    }
  };
  return stopWith(proc, kill, signal, timeoutMs);
}

module.exports = {
  SYSTEM_BINARIES,
  TEST_BINARIES,
  whichBinary,
  requireBinary,
  missingPackages,
  ensureSystemPackages,
  freePort,
  tcpOpen,
  httpGet,
  until,
  exited,
  waitForPort,
  waitForHttp,
  stopProcess,
  stopGroup,
};

function main([command, ...names]) {
  if (command === 'ensure') ensureSystemPackages(names.length > 0 ? names : TEST_BINARIES);
  else if (command === 'require' && names.length > 0) names.forEach(requireBinary);
  else if (command === 'free-port') return freePort().then((port) => process.stdout.write(`${port}\n`));
  else throw new Error('usage: node scripts/procs.cjs ensure [binary...] | require binary... | free-port');
}

if (require.main === module) {
  Promise.resolve()
    .then(() => main(process.argv.slice(2)))
    .catch((err) => {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    });
}
