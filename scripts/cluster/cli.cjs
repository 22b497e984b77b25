// `npm run cluster`: the command line, the startup summary, and the signals that stop or roll the cluster.
'use strict';
const { startCluster } = require('./start.cjs');

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

module.exports = { main };
