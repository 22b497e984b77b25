// `npm run bench`: every scenario on every configuration, interleaved in one run, with the bare
// Socket.IO relay as the baseline. Prints progress and a table; writes JSON to bench/results/.
//   npm run bench -- [--quick] [--scenarios join,pairjoin,latency,...] [--configs baseline,memory,redis,redis2,redis3]
//     [--capacity 20000,50000]
// Flags in options.mjs, configurations in configs.mjs, scenarios in scenarios.mjs, tables and files in report.mjs.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startConfig } from './configs.mjs';
import { capacityLevels, configNames, log, noBuild, quick, scenarioNames } from './options.mjs';
import { ROOT } from './processes.mjs';
import { writeReport } from './report.mjs';
import { SCENARIOS } from './scenarios.mjs';

async function main() {
  if (!noBuild || !existsSync(path.join(ROOT, 'dist/server/index.js'))) {
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
    else if (s === 'pairjoin') plan.push([s], [s, 1000]);
    else if (s === 'capacity') for (const n of capacityLevels) plan.push([s, n]);
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
  const { report, file } = writeReport(results, configNames);
  process.stdout.write(report);
  log(`\nresults: ${path.relative(ROOT, file)}, chart: bench/results/latest.svg`);
}

main().catch((err) => {
  log(err.stack ?? String(err));
  process.exit(1);
});
