// Runs bench/load.mjs worker processes and measures the server's CPU between the marks they print.
import { launch } from './processes.mjs';

/** Runs load workers; samples server CPU between their measure marks (or over the whole run). */
export function runLoad(jobs, onMark) {
  return Promise.all(
    jobs.map(
      (job, worker) =>
        new Promise((resolve, reject) => {
          const p = launch('node', ['bench/load.mjs', JSON.stringify({ ...job, worker })], {});
          let buf = '';
          let result;
          p.stdout.on('data', (d) => {
            buf += d;
            let i;
            while ((i = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, i);
              buf = buf.slice(i + 1);
              if (!line.trim()) continue;
              const msg = JSON.parse(line);
              if (msg.mark) onMark?.(msg.mark, worker, msg, p);
              else result = msg;
            }
          });
          p.on('exit', (code) => {
            if (result?.error || code !== 0) reject(new Error(result?.error ?? `load worker exited ${code}`));
            else resolve({ ...result, pid: p.pid });
          });
        }),
    ),
  );
}

/** Measures server CPU between the first measure-start and the last measure-end across workers. */
export async function measured(env, jobs) {
  let start = env.cpu();
  let end;
  let started = 0;
  let ended = 0;
  const hasStart = jobs[0].scenario !== 'join';
  let t0 = Date.now();
  let t1;
  const results = await runLoad(jobs, (mark) => {
    if (mark === 'measure-start' && ++started === 1) {
      start = env.cpu();
      t0 = Date.now();
    }
    if (mark === 'measure-end' && ++ended === jobs.length) {
      end = env.cpu();
      t1 = Date.now();
    }
  });
  end ??= env.cpu();
  t1 ??= Date.now();
  if (!hasStart && !started) t0 = t0 || Date.now();
  return {
    results,
    serverCpuSec: end.server - start.server,
    redisCpuSec: end.redis - start.redis,
    wallSec: (t1 - t0) / 1000,
    loadCpuSec: results.reduce((s, r) => s + r.loadCpuSec, 0),
  };
}

export const split = (n, parts) => Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));
