// The scenarios, each run on a fresh configuration: what load they put on it and which figures they keep.
import { startParleyAt } from './configs.mjs';
import { effectsBefore, log, quick } from './options.mjs';
import { measured, runLoad, split } from './measure.mjs';
import { launch } from './processes.mjs';

export const SCENARIOS = {
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
  /**
   * Two Chromium participants per setting of the media effects (none, noise suppression, blur, both): CPU, join time;
   * then "Join now" → first remote frame with no effect and with the defaults, interleaved with Parley as it was
   * before the effects (built from --effects-before), in the same run.
   */
  async effects(env) {
    if (env.baseline) return { skipped: 'the bare relay has no pages' };
    log(`  building Parley at ${effectsBefore} (before the media effects) for the join comparison…`);
    const before = await startParleyAt(effectsBefore);
    try {
      const job = { url: env.urls[0], beforeUrl: before.url, seconds: quick ? 5 : 10, joinRuns: quick ? 4 : 10 };
      return await new Promise((resolve, reject) => {
        const p = launch('node', ['bench/effects.mjs', JSON.stringify(job)], {});
        let out = '';
        p.stdout.on('data', (d) => (out += d));
        p.stderr.on('data', (d) => process.stderr.write(d));
        p.on('exit', (code) =>
          code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()).result) : reject(new Error(`effects run exited ${code}`)),
        );
      });
    } finally {
      await before.stop();
    }
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
    // CPU per signal at a fixed rate (server, and with Redis): unlike the throughput scenario, nothing is saturated.
    return {
      rate,
      achievedRate: r.achievedRate,
      p50: r.latencyMs.p50,
      p99: r.latencyMs.p99,
      max: r.latencyMs.max,
      samples: r.latencyMs.n,
      serverCpuUsPerSignal: (m.serverCpuSec / r.latencyMs.n) * 1e6,
      cpuUsPerSignalWithRedis: ((m.serverCpuSec + m.redisCpuSec) / r.latencyMs.n) * 1e6,
    };
  },
  /**
   * Rounds of 500 pairs joining at once, each straddling two replicas (with several), at `rate` signals/s of
   * other traffic (none without): how many participants never learn of their partner, and the join time.
   */
  async pairjoin(env, rate) {
    let signals;
    if (rate) {
      // The signal load starts first and runs until the rounds are over (10 min at most).
      signals = await new Promise((resolve, reject) => {
        const done = runLoad([{ scenario: 'signals', urls: env.urls, pairs: 50, rate, maxMs: 600_000 }], (mark, _w, _msg, proc) =>
          resolve({ proc, done }),
        );
        done.catch(reject);
      });
    }
    let r;
    try {
      [{ result: r }] = await runLoad([
        { scenario: 'pairjoin', urls: env.urls, pairs: 500, reps: quick ? 2 : 10, concurrency: 25, lateMs: 5000 },
      ]);
    } finally {
      signals?.proc.stdin.write('stop\n');
    }
    const load = signals ? (await signals.done)[0].result : undefined;
    for (const m of r.misses) log(`    missed: ${JSON.stringify(m)}`);
    return {
      pairs: r.pairs,
      reps: r.reps,
      missed: r.missed,
      failed: r.failed,
      earlyJoined: r.early,
      p50: r.latencyMs.p50,
      p99: r.latencyMs.p99,
      signalRate: load?.achievedRate ?? 0,
    };
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
