// `npm run bench`: every scenario on every configuration, interleaved in one run, with the bare
// Socket.IO relay as the baseline. Prints progress and a table; writes JSON to bench/results/.
//   npm run bench -- [--quick] [--scenarios join,latency,...] [--configs baseline,memory,redis,redis3]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, requireBinary, stopProcess, waitForPort } from '../scripts/procs.cjs';
import { chart } from './chart.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const quick = flag('quick');
// --profile: Parley replicas write V8 CPU profiles to bench/results/profiles (read them with bench/profile-top.mjs).
const profile = flag('profile');
const scenarioNames = opt('scenarios', 'join,latency,throughput,fanout,capacity,browser').split(',');
const configNames = opt('configs', 'baseline,memory,redis,redis3').split(',');
const TICK = 100; // clock ticks per second for /proc/<pid>/stat (CLK_TCK on Linux x86_64)

const log = (s) => process.stderr.write(`${s}\n`);

/** CPU seconds used so far by a process. */
function cpuOf(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / TICK;
  } catch {
    return NaN;
  }
}
function rssKb(pid) {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

// Every process the bench starts gets a high file-descriptor limit (20k participants = 20k sockets).
function launch(cmd, argv, env) {
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
const stop = (p) => stopProcess(p, 'SIGTERM', 5000);

const PARLEY_ENV = {
  LOG_LEVEL: 'warn',
  SECRET: 'bench-secret-bench-secret-0123',
  STUN_URLS: 'stun:127.0.0.1:3478',
  // The bench measures the relay, not the abuse limits: lift them.
  SIGNAL_RATE: '100000',
  SIGNAL_BURST: '100000',
  EVENT_RATE: '100000',
  EVENT_BURST: '100000',
  JOIN_RATE_PER_ADDR: '100000',
  JOIN_BURST_PER_ADDR: '100000',
};

/** Starts one configuration; returns its URLs and the pids that count as "the server". */
async function startConfig(name) {
  const procs = [];
  let redis;
  const redisUp = async () => {
    requireBinary('redis-server');
    const port = await freePort();
    redis = launch('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    await waitForPort(port, 15_000);
    return `redis://127.0.0.1:${port}`;
  };
  const replica = async (env) => {
    const port = await freePort();
    const p = name.startsWith('baseline')
      ? launch('node', ['bench/baseline/relay.mjs'], { PORT: String(port), ...env })
      : launch('node', [...(profile ? ['--cpu-prof', '--cpu-prof-dir', 'bench/results/profiles'] : []), 'dist/server/index.js'], {
          ...PARLEY_ENV,
          PORT: String(port),
          HOST: '127.0.0.1',
          ...env,
        });
    procs.push(p);
    await waitForPort(port, 15_000);
    return `http://127.0.0.1:${port}`;
  };
  const urls = [];
  if (name === 'baseline' || name === 'memory') urls.push(await replica({}));
  else if (name === 'redis') urls.push(await replica({ REDIS_URL: await redisUp() }));
  else if (name === 'redis3' || name === 'baseline-redis3') {
    const url = await redisUp();
    for (let i = 0; i < 3; i++) urls.push(await replica({ REDIS_URL: url, REPLICA_ID: `r${i}` }));
  } else throw new Error(`unknown configuration ${name}`);
  const pids = procs.map((p) => p.pid);
  return {
    baseline: name.startsWith('baseline'),
    urls,
    pids,
    redisPid: redis?.pid,
    cpu: () => ({ server: pids.reduce((s, pid) => s + cpuOf(pid), 0), redis: redis ? cpuOf(redis.pid) : 0 }),
    rss: () => pids.reduce((s, pid) => s + rssKb(pid), 0),
    async stop() {
      await Promise.all(procs.map(stop));
      if (redis) await stop(redis);
    },
  };
}

/** Runs load workers; samples server CPU between their measure marks (or over the whole run). */
function runLoad(jobs, onMark) {
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
async function measured(env, jobs) {
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

const split = (n, parts) => Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));

const SCENARIOS = {
  async browser(env) {
    if (env.baseline) return { skipped: 'the bare relay has no pages' };
    const [r] = await new Promise((resolve, reject) => {
      const p = launch('node', ['bench/browser.mjs', JSON.stringify({ urls: env.urls, runs: quick ? 3 : 10 })], {});
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => process.stderr.write(d));
      p.on('exit', (code) =>
        code === 0 ? resolve([JSON.parse(out.trim().split('\n').pop()).result]) : reject(new Error(`browser run exited ${code}`)),
      );
    });
    return r;
  },
  async join(env) {
    const count = quick ? 200 : 1600;
    const workers = 2;
    const m = await measured(
      env,
      split(count, workers).map((c) => ({ scenario: 'join', urls: env.urls, count: c, roomSize: 8, concurrency: 20 })),
    );
    const joins = m.results.reduce((s, r) => s + r.result.joins, 0);
    const lat = m.results[0].result.latencyMs;
    return {
      joins,
      failed: m.results.reduce((s, r) => s + r.result.failed, 0),
      joinsPerSec: joins / m.wallSec,
      p50: lat.p50,
      p95: lat.p95,
      p99: lat.p99,
      cpuMsPerJoin: ((m.serverCpuSec + m.redisCpuSec) / joins) * 1000,
      serverCpuMsPerJoin: (m.serverCpuSec / joins) * 1000,
      loadCpuSec: m.loadCpuSec,
    };
  },
  async latency(env, rate) {
    const m = await measured(env, [
      { scenario: 'latency', urls: env.urls, pairs: 50, rate, durationMs: quick ? 3000 : 10_000, warmupMs: quick ? 500 : 2000 },
    ]);
    const r = m.results[0].result;
    return { rate, achievedRate: r.achievedRate, p50: r.latencyMs.p50, p99: r.latencyMs.p99, max: r.latencyMs.max, samples: r.latencyMs.n };
  },
  async throughput(env) {
    const m = await measured(
      env,
      [0, 1].map(() => ({
        scenario: 'throughput',
        urls: env.urls,
        pairs: 10,
        window: 8,
        durationMs: quick ? 3000 : 10_000,
        warmupMs: 1000,
      })),
    );
    const delivered = m.results.reduce((s, r) => s + r.result.delivered, 0);
    return {
      signalsPerSec: delivered / m.wallSec,
      serverCpuUsPerSignal: (m.serverCpuSec / delivered) * 1e6,
      cpuUsPerSignalWithRedis: ((m.serverCpuSec + m.redisCpuSec) / delivered) * 1e6,
      serverCores: m.serverCpuSec / m.wallSec,
      loadCores: m.loadCpuSec / m.wallSec,
    };
  },
  async fanout(env) {
    const m = await measured(env, [
      { scenario: 'fanout', urls: env.urls, rooms: 10, pauseMs: 20, durationMs: quick ? 3000 : 10_000, warmupMs: 1000 },
    ]);
    const r = m.results[0].result;
    return { deliveriesPerSec: r.deliveriesPerSec, serverCpuUsPerDelivery: ((m.serverCpuSec + m.redisCpuSec) / r.deliveries) * 1e6 };
  },
  /** One level of idle participants on a fresh server: RSS and heap against the server's own idle baseline. */
  async capacity(env, n) {
    const base = env.rss();
    const workers = Math.ceil(n / 5000);
    const held = [];
    let connected = 0;
    let failed = 0;
    await new Promise((resolve, reject) => {
      let marks = 0;
      runLoad(
        split(n, workers).map((c) => ({ scenario: 'idle', urls: env.urls, count: c, concurrency: 50 })),
        (mark, _w, msg, proc) => {
          connected += msg.connected;
          failed += msg.failed;
          held.push(proc);
          if (++marks === workers) resolve();
        },
      ).catch(reject);
    });
    await new Promise((r) => setTimeout(r, 3000));
    const rss = env.rss();
    for (const p of held) p.stdin.write('stop\n');
    log(
      `    ${connected} idle participants (${failed} failed): RSS ${(rss / 1024).toFixed(0)} MB, ${((rss - base) / connected).toFixed(1)} KB each`,
    );
    return { participants: connected, failed, baseRssKb: base, rssKb: rss, kbPerParticipant: (rss - base) / connected };
  },
};

async function main() {
  if (!flag('no-build') || !existsSync(path.join(ROOT, 'dist/server/index.js'))) {
    log('building…');
    if (spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] }).status !== 0)
      throw new Error('build failed');
  }
  const results = {
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGb: Math.round(os.totalmem() / 2 ** 30), node: process.version },
    when: new Date().toISOString(),
    quick,
    runs: [],
  };
  const plan = [];
  for (const s of scenarioNames) {
    if (s === 'latency') for (const rate of [1000, 4000]) plan.push([s, rate]);
    else if (s === 'capacity') for (const n of quick ? [1000, 2000] : [1000, 5000, 10000, 20000]) plan.push([s, n]);
    else plan.push([s]);
  }
  for (const [scenario, param] of plan) {
    for (const config of configNames) {
      const label = `${scenario}${param ? (scenario === 'capacity' ? ` ${param} participants` : ` @${param}/s`) : ''} on ${config}`;
      log(`▶ ${label}`);
      const env = await startConfig(config);
      try {
        await new Promise((r) => setTimeout(r, 500));
        const r = await SCENARIOS[scenario](env, param);
        results.runs.push({ scenario, param, config, ...r });
        log(`  ${JSON.stringify(r, (k, v) => (typeof v === 'number' ? Number(v.toFixed(3)) : v))}`);
      } catch (err) {
        results.runs.push({ scenario, param, config, error: err.message });
        log(`  failed: ${err.message}`);
      } finally {
        await env.stop();
      }
    }
  }
  mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
  const file = path.join(ROOT, 'bench/results', `${results.when.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2));
  writeFileSync(path.join(ROOT, 'bench/results/latest.json'), JSON.stringify(results, null, 2));
  writeFileSync(path.join(ROOT, 'bench/results/latest.svg'), chart(results));
  const report = table(results);
  writeFileSync(path.join(ROOT, 'bench/results/latest.md'), report);
  process.stdout.write(report);
  log(`\nresults: ${path.relative(ROOT, file)}, chart: bench/results/latest.svg`);
}

function table(results) {
  const lines = [];
  const get = (scenario, param, config) => results.runs.find((r) => r.scenario === scenario && r.param === param && r.config === config);
  const fmt = (v, d = 2) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : '—');
  const metrics = {
    join: [
      ['joinsPerSec', 'joins/s', 0],
      ['p50', 'p50 ms', 1],
      ['p95', 'p95 ms', 1],
      ['p99', 'p99 ms', 1],
      ['serverCpuMsPerJoin', 'server CPU ms/join', 2],
      ['cpuMsPerJoin', '+redis CPU ms/join', 2],
    ],
    latency: [
      ['achievedRate', 'achieved/s', 0],
      ['p50', 'p50 ms', 2],
      ['p99', 'p99 ms', 2],
    ],
    throughput: [
      ['signalsPerSec', 'signals/s', 0],
      ['serverCpuUsPerSignal', 'server CPU µs/signal', 1],
      ['cpuUsPerSignalWithRedis', '+redis µs/signal', 1],
      ['loadCores', 'load gen cores', 2],
    ],
    fanout: [
      ['deliveriesPerSec', 'deliveries/s', 0],
      ['serverCpuUsPerDelivery', 'CPU µs/delivery', 1],
    ],
    browser: [
      ['p50', '"Join now" → first remote frame p50 ms', 0],
      ['p95', 'p95 ms', 0],
      ['runs', 'runs', 0],
    ],
  };
  const baselineOf = (scenario, param) => get(scenario, param, 'baseline');
  for (const [scenario, param] of [...new Set(results.runs.map((r) => `${r.scenario}|${r.param ?? ''}`))].map((k) => k.split('|'))) {
    const p = param ? Number(param) : undefined;
    if (scenario === 'capacity') continue;
    lines.push(`\n## ${scenario}${p ? ` @ ${p} signals/s` : ''}`);
    const cols = metrics[scenario];
    lines.push(`| config | ${cols.map((c) => c[1]).join(' | ')} | ratio to baseline |`);
    lines.push(`|---|${cols.map(() => '---').join('|')}|---|`);
    for (const config of configNames) {
      const r = get(scenario, p, config);
      const b = baselineOf(scenario, p);
      const key = cols.find((c) => /cpu/i.test(c[0]))?.[0] ?? cols.find((c) => c[0] === 'p99')?.[0] ?? cols[0][0];
      const ratio = r && b && !r.error && !b.skipped ? fmt(r[key] / b[key]) + ` (${key})` : '—';
      const cells = r?.error ? `failed: ${r.error}` : r?.skipped ? `n/a (${r.skipped})` : cols.map((c) => fmt(r?.[c[0]], c[2])).join(' | ');
      lines.push(`| ${config} | ${cells} | ${ratio} |`);
    }
  }
  const levels = [...new Set(results.runs.filter((r) => r.scenario === 'capacity').map((r) => r.param))];
  if (levels.length > 0) {
    lines.push('\n## capacity: idle participants on a fresh server (RSS MB / KB per participant over the idle server)');
    lines.push(`| config | ${levels.map((n) => `${n}`).join(' | ')} |`);
    lines.push(`|---|${levels.map(() => '---').join('|')}|`);
    for (const config of configNames) {
      const cells = levels.map((n) => {
        const r = get('capacity', n, config);
        if (!r || r.error) return r?.error ? `failed: ${r.error}` : '—';
        return `${(r.rssKb / 1024).toFixed(0)} / ${fmt(r.kbPerParticipant, 1)}${r.failed ? ` (${r.failed} failed)` : ''}`;
      });
      lines.push(`| ${config} | ${cells.join(' | ')} |`);
    }
  }
  return lines.join('\n') + '\n';
}

main().catch((err) => {
  log(err.stack ?? String(err));
  process.exit(1);
});
