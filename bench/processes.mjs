// Starting and stopping the bench's child processes, and reading their CPU time and memory from /proc.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopProcess } from '../scripts/procs.cjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TICK = 100; // clock ticks per second for /proc/<pid>/stat (CLK_TCK on Linux x86_64)

/** CPU seconds used so far by a process. */
export function cpuOf(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / TICK;
  } catch {
    return NaN;
  }
}
export function rssKb(pid) {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

// Every process the bench starts gets a high file-descriptor limit (20k participants = 20k sockets).
export function launch(cmd, argv, env) {
  const p = spawn('sh', ['-c', `ulimit -n 65536 2>/dev/null || true; exec "$0" "$@"`, cmd, ...argv], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  p.stderr.on('data', () => undefined);
  p.stdout.on('data', () => undefined);
  return p;
}
// Nothing the bench starts has state worth a drain: SIGKILL after 5 s.
export const stop = (p) => stopProcess(p, 'SIGTERM', 5000);
