// The whole check, as CI runs it: system packages the tests start (installed when this is root with apt-get), type
// check (server and client), lint and format check, build, then every test. Ends with one line "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

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

mkdirSync('test-results', { recursive: true });
const out = 'test-results/jest.json';
const extra = process.argv.slice(2);
process.stdout.write('\n== tests\n');
const jest = spawnSync('npx', ['jest', '--json', `--outputFile=${out}`, ...extra], { stdio: 'inherit' });
let passed = 0;
let failed = failedSteps;
if (existsSync(out)) {
  const report = JSON.parse(readFileSync(out, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests + report.numRuntimeErrorTestSuites;
  if (report.numTotalTests === 0) failed++;
} else {
  failed++;
}
if (jest.status !== 0 && failed === 0) failed++;
// CI runs the docker-compose test (npm run test:compose) first and passes its exit code here.
if (process.env.PARLEY_COMPOSE_RC !== undefined) {
  const ok = process.env.PARLEY_COMPOSE_RC === '0';
  process.stdout.write(`\ncompose test (docker-compose.yml, 3 replicas): ${ok ? 'passed' : 'FAILED'}\n`);
  if (ok) passed++;
  else failed++;
}
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
