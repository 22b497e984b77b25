/** Real system processes for tests: a missing binary is a clear error naming its Debian package. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Throws unless `binary` is on the PATH; names the Debian package that provides it. */
export function requireBinary(binary: string, debianPackage: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' });
  const where = found.stdout.trim();
  if (found.status !== 0 || !where) {
    throw new Error(`${binary} is required by this test but is not installed: apt-get install ${debianPackage}`);
  }
  return where;
}

/** A free TCP port on 127.0.0.1 (bound and released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

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
  const bin = requireBinary('redis-server', 'redis-server');
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

/** Sends `signal` and resolves when the process has exited. */
export function stopProcess(proc: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    proc.kill(signal);
  });
}
