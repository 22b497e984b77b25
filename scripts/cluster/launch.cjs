// Spawning and stopping the cluster's child processes, with their output in log files, prefixed lines or nowhere.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { stopProcess } = require('../procs.cjs');

const ROOT = path.resolve(__dirname, '..', '..');

// Above the replicas' default drain (DRAIN_NOTICE_MS 4 s, then DRAIN_TIMEOUT_MS 10 s, then up to 2 s closing): a
// draining replica gets to finish before SIGKILL.
const STOP_TIMEOUT_MS = 20_000;
const stopChild = (proc, signal = 'SIGTERM') => stopProcess(proc, signal, STOP_TIMEOUT_MS);

/**
 * Where a child's output goes: 'files' (dir/<name>.log), 'prefix' (this process's stdout, each line
 * prefixed with the name) or 'ignore'.
 */
function outputOf(logs, dir, name) {
  if (logs === 'ignore') return { stdio: ['ignore', 'ignore', 'ignore'], attach() {} };
  if (logs === 'files') {
    const fd = fs.openSync(path.join(dir, `${name}.log`), 'a');
    return { stdio: ['ignore', fd, fd], attach: () => fs.closeSync(fd) };
  }
  return {
    stdio: ['ignore', 'pipe', 'pipe'],
    attach(proc) {
      for (const stream of [proc.stdout, proc.stderr]) {
        let rest = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk) => {
          const lines = (rest + chunk).split('\n');
          rest = lines.pop();
          for (const line of lines) process.stdout.write(`[${name}] ${line}\n`);
        });
      }
    },
  };
}

function launch(bin, args, { env, logs, dir, name }) {
  const out = outputOf(logs, dir, name);
  const proc = spawn(bin, args, { cwd: ROOT, env, stdio: out.stdio });
  out.attach(proc);
  return proc;
}

/** The last lines of a child's log file (logs 'files'), for an error message; '' when it writes none. */
function logTail({ logs, dir }, name, lines = 20) {
  if (logs !== 'files') return '';
  try {
    const text = fs.readFileSync(path.join(dir, `${name}.log`), 'utf8').trimEnd();
    return text ? `\n--- ${name}.log, last ${lines} lines ---\n${text.split('\n').slice(-lines).join('\n')}` : '';
  } catch {
    return '';
  }
}

module.exports = { ROOT, launch, logTail, stopChild };
