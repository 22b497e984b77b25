// A Parley cluster on one machine without Docker: redis-server, N replicas, HAProxy with deploy/haproxy.cfg
// (the file docker-compose.yml uses) and coturn, all on loopback.
//
//   npm run cluster -- --replicas 3 [--port 3000] [--turn-port 3478] [--no-redis] [--no-turn] [--build]
//
// Also a module: startCluster(options) starts the same thing on free ports and returns handles to
// kill and restart each process (the cluster tests use it). See docs/operations.md. The parts are in cluster/:
// start.cjs (startCluster), starters.cjs (each process), launch.cjs (spawning, logs), build.cjs, cli.cjs.
'use strict';
const { buildIfNeeded } = require('./cluster/build.cjs');
const { startCluster } = require('./cluster/start.cjs');

module.exports = { startCluster, buildIfNeeded };

if (require.main === module) {
  require('./cluster/cli.cjs')
    .main()
    .catch((err) => {
      process.stderr.write(`cluster failed to start: ${err.message}\n`);
      process.exit(1);
    });
}
