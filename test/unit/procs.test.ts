import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  ensureSystemPackages,
  exited,
  freePort,
  missingPackages,
  requireBinary,
  stopGroup,
  stopProcess,
  until,
  waitForPort,
} from '../../scripts/procs.cjs';

/** Runs `fn` with PATH set to a fresh directory holding only `present` (empty shell scripts). */
function withPath<T>(present: string[], fn: () => T): T {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-path-'));
  for (const name of present) {
    writeFileSync(path.join(dir, name), '#!/bin/sh\n');
    chmodSync(path.join(dir, name), 0o755);
  }
  const saved = process.env.PATH;
  process.env.PATH = dir;
  try {
    return fn();
  } finally {
    process.env.PATH = saved;
    rmSync(dir, { recursive: true, force: true });
  }
}

/** True when `pid` is gone or a zombie (dead, waiting for its new parent to reap it). */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].startsWith('Z');
  } catch {
    return true;
  }
}

describe('requireBinary', () => {
  test('a binary missing from the table is an error naming the table, even where it is installed', () => {
    expect(() => requireBinary('sh')).toThrow('no Debian package is known for sh: add it to SYSTEM_BINARIES in scripts/procs.cjs');
  });

  test('a missing binary names its Debian package', () => {
    expect(() => withPath([], () => requireBinary('turnserver'))).toThrow(
      'turnserver is required but is not installed: apt-get install coturn',
    );
  });

  test('a present binary: its path', () => {
    const where = withPath(['haproxy'], () => requireBinary('haproxy'));
    expect(path.basename(where)).toBe('haproxy');
  });
});

describe('missingPackages', () => {
  test('the packages of the missing binaries, in order, each once', () => {
    expect(
      withPath(['haproxy'], () => missingPackages(['turnserver', 'dockerd', 'haproxy', 'docker', 'redis-server', 'turnserver'])),
    ).toEqual(['coturn', 'docker.io', 'redis-server']);
  });

  test('nothing missing', () => {
    expect(withPath(['haproxy', 'chromium'], () => missingPackages(['haproxy', 'chromium']))).toEqual([]);
  });

  test('a binary missing from the table is an error, even where it is installed', () => {
    expect(() => withPath(['haproxy', 'sh'], () => missingPackages(['haproxy', 'sh']))).toThrow('no Debian package is known for sh');
  });
});

describe('ensureSystemPackages', () => {
  test('without apt-get: the exact line to run as root', () => {
    const said: string[] = [];
    expect(() => withPath([], () => ensureSystemPackages(['dockerd', 'docker', 'debootstrap'], (line) => said.push(line)))).toThrow(
      'missing system packages: docker.io, debootstrap. Install them as root with:\n  apt-get install -y --no-install-recommends docker.io debootstrap',
    );
    expect(said).toEqual([]);
  });

  test('nothing missing: nothing installed', () => {
    expect(withPath(['debootstrap'], () => ensureSystemPackages(['debootstrap']))).toEqual([]);
  });
});

describe('ports', () => {
  test('freePort gives a port that can be bound', async () => {
    const port = await freePort();
    const srv = net.createServer();
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', resolve);
    });
    expect((srv.address() as net.AddressInfo).port).toBe(port);
    await new Promise((r) => srv.close(r));
  });

  test('waitForPort times out naming the address', async () => {
    const port = await freePort();
    await expect(waitForPort(port, 200)).rejects.toThrow(`nothing listens on 127.0.0.1:${port}: not within 200 ms`);
  });

  test('waitForPort fails at once when the process it waits for has exited', async () => {
    const proc = spawn('true');
    await new Promise((r) => proc.once('exit', r));
    await expect(waitForPort(await freePort(), 10_000, proc)).rejects.toThrow('the process exited (0)');
  });
});

describe('until', () => {
  test('times out naming what was awaited', async () => {
    await expect(until('the answer', () => false, 100)).rejects.toThrow('the answer: not within 100 ms');
  });

  test('resolves with the first answer, asking again after an error', async () => {
    let asked = 0;
    const answer = await until('the third try', () => {
      asked++;
      if (asked === 1) throw new Error('not yet');
      return asked === 3 ? 0 : null;
    });
    expect([answer, asked]).toEqual([0, 3]);
  });

  test('the timeout names the last error', async () => {
    const check = () => {
      throw new Error('connection refused');
    };
    await expect(until('the server', check, 100)).rejects.toThrow('the server: not within 100 ms (connection refused)');
  });
});

describe('stopping', () => {
  test('stopProcess resolves once the child has exited', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    await stopProcess(child);
    expect(exited(child)).toBe(true);
    expect(child.signalCode).toBe('SIGTERM');
  });

  test('stopGroup stops a shell and what it started', async () => {
    const shell = spawn('sh', ['-c', 'sleep 30 & echo $!; wait'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    const grandchild = await new Promise<number>((resolve) => shell.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
    expect(gone(grandchild)).toBe(false);
    await stopGroup(shell);
    expect(exited(shell)).toBe(true);
    await until(`sleep (pid ${grandchild}) gone`, () => gone(grandchild), 2000);
  });
});
