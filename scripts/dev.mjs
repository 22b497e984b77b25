// Development: rebuild the client and the server on change and restart the server.
import { spawn } from 'node:child_process';

const run = (cmd, args) => spawn(cmd, args, { stdio: 'inherit', shell: false });
const children = [
  run('node', ['scripts/build-client.mjs', '--watch']),
  run('npx', ['tsc', '-p', 'tsconfig.build.json', '--watch', '--preserveWatchOutput']),
  run('node', ['--watch-path=dist/server', '--watch-path=views', 'dist/server/index.js']),
];
const stop = () => {
  for (const c of children) c.kill('SIGTERM');
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
