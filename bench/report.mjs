// The results as Markdown tables (one per scenario, each configuration against the baseline) and the files they go to.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chart } from './chart.mjs';
import { ROOT } from './processes.mjs';

/** Writes bench/results/<time>.json and latest.{json,svg,md}; returns the tables and the JSON file's path. */
export function writeReport(results, configNames) {
  mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
  const file = path.join(ROOT, 'bench/results', `${results.when.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2));
  writeFileSync(path.join(ROOT, 'bench/results/latest.json'), JSON.stringify(results, null, 2));
  writeFileSync(path.join(ROOT, 'bench/results/latest.svg'), chart(results));
  const report = table(results, configNames);
  writeFileSync(path.join(ROOT, 'bench/results/latest.md'), report);
  return { report, file };
}

function table(results, configNames) {
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
    pairjoin: [
      ['signalRate', 'signals/s alongside', 0],
      ['pairs', 'pairs', 0],
      ['reps', 'reps', 0],
      ['missed', 'missed', 0],
      ['p50', 'join p50 ms', 1],
      ['p99', 'join p99 ms', 1],
    ],
    latency: [
      ['achievedRate', 'achieved/s', 0],
      ['p50', 'p50 ms', 2],
      ['p99', 'p99 ms', 2],
      ['serverCpuUsPerSignal', 'server CPU µs/signal', 1],
      ['cpuUsPerSignalWithRedis', '+redis µs/signal', 1],
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
    if (scenario === 'effects') {
      lines.push(...effectsTable(results.runs.filter((r) => r.scenario === 'effects')));
      continue;
    }
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

/** One row per setting of the media effects and configuration: each participant's browser CPU and the join time. */
function effectsTable(runs) {
  const lines = ['\n## effects: two Chromium participants, each setting in turn'];
  lines.push('| config | setting | browser CPU, cores (first / newcomer) | "Join now" → first remote frame ms | blur stayed on |');
  lines.push('|---|---|---|---|---|');
  for (const run of runs) {
    if (run.error || run.skipped) {
      lines.push(`| ${run.config} | ${run.error ? `failed: ${run.error}` : `n/a (${run.skipped})`} | | | |`);
      continue;
    }
    for (const r of run.settings) {
      if (r.error) lines.push(`| ${run.config} | ${r.setting} | failed: ${r.error} | | |`);
      else
        lines.push(
          `| ${run.config} | ${r.setting} | ${r.cpuCores.map((c) => c.toFixed(2)).join(' / ')} | ${r.joinMs} | ${r.blurStayedOn === null ? '—' : r.blurStayedOn ? 'yes' : 'no (turned itself off)'} |`,
        );
    }
  }
  const joined = runs.filter((r) => r.joinFirstFrame && Object.keys(r.joinFirstFrame).length);
  if (joined.length) {
    lines.push('\n"Join now" → first remote frame, interleaved run by run with Parley before the media effects:');
    lines.push('| config | build and setting | runs | p50 ms | each run, ms |');
    lines.push('|---|---|---|---|---|');
    for (const run of joined)
      for (const [label, j] of Object.entries(run.joinFirstFrame))
        lines.push(`| ${run.config} | ${label} | ${j.runs} | ${j.p50 ?? '—'} | ${j.ms.join(', ')} |`);
  }
  return lines;
}
