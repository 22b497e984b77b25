// Whether dist/ and public/build/ are older than the sources, and the build when they are.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');

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

module.exports = { buildIfNeeded };
