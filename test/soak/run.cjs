// `npm run soak`: runs test/soak/soak.ts for SOAK_SECONDS (default 300) and prints its figures.
// TypeScript is compiled on the fly with @swc/core (already used by Jest), so the soak needs no build step.
// The hook covers every .ts file, so the modules soak.ts imports without an extension load the same way.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { transformSync } = require('@swc/core');

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};

const { runSoak, describe } = require(path.join(__dirname, 'soak.ts'));

const seconds = Number(process.env.SOAK_SECONDS || 300);
if (!Number.isFinite(seconds) || seconds < 20) {
  process.stderr.write('SOAK_SECONDS must be a number of seconds, at least 20\n');
  process.exit(2);
}

runSoak({ seconds }).then(
  (result) => {
    process.stdout.write(`${describe(result)}\n`);
    const problems = [...result.mismatches, ...result.ghosts, ...result.anomalies, ...result.errorLines];
    for (const line of problems) process.stdout.write(`  ! ${line}\n`);
    const ok = problems.length === 0 && result.chatLost === 0;
    process.stdout.write(ok ? 'soak passed\n' : 'soak FAILED\n');
    if (process.env.SOAK_JSON) fs.writeFileSync(process.env.SOAK_JSON, JSON.stringify(result, null, 2));
    process.exit(ok ? 0 : 1);
  },
  (err) => {
    process.stderr.write(`soak failed to run: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  },
);
