// The whole check, as CI runs it: system packages the tests start (installed when this is root with apt-get), type
// check (server and client), lint and format check, build, then every test. Ends with one line "N passed, N failed".
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const { ensureSystemPackages } = createRequire(import.meta.url)('./procs.cjs');

process.stdout.write('== system packages\n');
try {
  const installed = ensureSystemPackages();
  process.stdout.write(installed.length ? `installed: ${installed.join(' ')}\n` : 'all present\n');
} catch (err) {
  process.stdout.write(`${err.message}\n\n0 passed, 1 failed\n`);
  process.exit(1);
}

const steps = [
  ['type check', 'npm', ['run', '--silent', 'typecheck']],
  ['lint and format', 'npm', ['run', '--silent', 'lint']],
  ['build', 'npm', ['run', '--silent', 'build']],
];
let failedSteps = 0;
for (const [label, cmd, args] of steps) {
  process.stdout.write(`\n== ${label}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    failedSteps++;
    process.stdout.write(`== ${label}: FAILED\n`);
  }
}

/** How long the compose test may still take once the unit and server tests are done. */
const COMPOSE_WAIT_MS = 20 * 60_000;

/** How long Jest may take to exit once its report is written; longer means something a test opened is still open. */
const EXIT_GRACE_MS = 60_000;

/** Runs Jest writing its report to `out`; stops it (its whole process group) when it has not exited EXIT_GRACE_MS after. */
function runJest(args, out) {
  return new Promise((resolve) => {
    rmSync(out, { force: true });
    const child = spawn('npx', ['jest', '--json', `--outputFile=${out}`, ...args], { stdio: 'inherit', detached: true });
    let reportSeenAt = 0;
    let hung = false;
    const watch = setInterval(() => {
      if (!reportSeenAt && existsSync(out)) reportSeenAt = Date.now();
      if (reportSeenAt && Date.now() - reportSeenAt > EXIT_GRACE_MS) {
        hung = true;
        clearInterval(watch);
        process.kill(-child.pid, 'SIGKILL');
      }
    }, 1000);
    child.on('exit', (code) => {
      clearInterval(watch);
      resolve({ status: hung ? 1 : code, hung });
    });
  });
}

/**
 * CI runs the docker-compose test (npm run test:compose) beside this and names, in PARLEY_COMPOSE_RESULT, the file
 * its exit code will be written to (its log beside it, compose.log). Waits for it once, prints its log and counts it.
 */
let composeCounted = false;
async function composeResult() {
  const rcFile = process.env.PARLEY_COMPOSE_RESULT;
  if (!rcFile || composeCounted) return;
  composeCounted = true;
  const started = Date.now();
  if (!existsSync(rcFile)) process.stdout.write('\n== waiting for the compose test\n');
  while (!existsSync(rcFile) && Date.now() - started < COMPOSE_WAIT_MS) await new Promise((r) => setTimeout(r, 1000));
  const log = path.join(path.dirname(rcFile), 'compose.log');
  process.stdout.write(`\n== compose test\n${existsSync(log) ? readFileSync(log, 'utf8') : '(no log)\n'}`);
  const ok = existsSync(rcFile) && readFileSync(rcFile, 'utf8').trim() === '0';
  process.stdout.write(`compose test (docker-compose.yml, 3 replicas): ${ok ? 'passed' : 'FAILED'}\n`);
  if (ok) passed++;
  else failed++;
}

/**
 * The layers in two runs: unit and server tests (in-process replicas, no browser) two files at a time; cluster and
 * browser tests (replica processes, HAProxy, Chromium: timing-sensitive on a small machine) one file at a time.
 * Arguments given to `npm test` make it one run of exactly those.
 */
const extra = process.argv.slice(2);
const runs = extra.length
  ? [{ label: 'tests', args: extra, out: 'test-results/jest.json' }]
  : [
      { label: 'unit and server tests', args: ['--selectProjects', 'unit', 'server', '--maxWorkers=2'], out: 'test-results/jest-1.json' },
      {
        label: 'cluster and browser tests',
        args: ['--selectProjects', 'cluster', 'browser', '--maxWorkers=1'],
        out: 'test-results/jest-2.json',
        afterCompose: true,
      },
    ];
mkdirSync('test-results', { recursive: true });
let passed = 0;
let failed = failedSteps;
for (const run of runs) {
  if (run.afterCompose) await composeResult();
  process.stdout.write(`\n== ${run.label}\n`);
  const jest = await runJest(run.args, run.out);
  let runFailed = 0;
  if (jest.hung) {
    process.stdout.write(
      `== jest did not exit ${EXIT_GRACE_MS / 1000} s after writing its report (open handles): stopped, counted as a failure\n`,
    );
    runFailed++;
  }
  if (existsSync(run.out)) {
    const report = JSON.parse(readFileSync(run.out, 'utf8'));
    passed += report.numPassedTests;
    runFailed += report.numFailedTests + report.numRuntimeErrorTestSuites;
    if (report.numTotalTests === 0) runFailed++;
  } else {
    runFailed++;
  }
  if (jest.status !== 0 && runFailed === 0) runFailed++;
  failed += runFailed;
}
await composeResult();
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
