/** A private redis-server for tests, started with the process toolkit (scripts/procs.cjs). */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, requireBinary, stopProcess, waitForPort } from '../../scripts/procs.cjs';

export interface RedisProcess {
  url: string;
  port: number;
  proc: ChildProcess;
  /** SIGKILL the server (its data dir is kept so that start() can bring it back with AOF). */
  kill(): Promise<void>;
  /** Start it again on the same port and directory. */
  start(): Promise<void>;
  /** Stop for good and remove its directory. */
  stop(): Promise<void>;
}

/**
 * Starts a private redis-server on a free loopback port (AOF on, so a restart keeps acknowledged writes).
 * `extraArgs` are more redis-server options, e.g. `['--requirepass', 'secret']`.
 */
export async function startRedis(extraArgs: string[] = []): Promise<RedisProcess> {
  const bin = requireBinary('redis-server');
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-redis-'));
  const handle: RedisProcess = {
    url: `redis://127.0.0.1:${port}`,
    port,
    proc: undefined as unknown as ChildProcess,
    async start() {
      handle.proc = spawn(
        bin,
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--save',
          '',
          '--appendonly',
          'yes',
          '--appendfsync',
          'always',
          ...extraArgs,
        ],
        { stdio: 'ignore' },
      );
      await waitForPort(port);
    },
    async kill() {
      await stopProcess(handle.proc, 'SIGKILL');
    },
    async stop() {
      await stopProcess(handle.proc, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await handle.start();
  return handle;
}
