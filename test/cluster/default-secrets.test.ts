/**
 * Secrets of a default deployment: replica processes (dist/server/index.js) on one real redis-server, started
 * with the environment docker-compose.yml used to fall back to, and the way it starts them now (secrets made by
 * deploy/secrets.sh, read through its entrypoint wrapper). The attack: a resume token for the host's PeerId,
 * signed with a value printed in the repository.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildIfNeeded } from '../../scripts/cluster.cjs';
import { exited, freePort, httpGet, stopProcess, until } from '../../scripts/procs.cjs';
import { createHmac } from 'node:crypto';
import { closeAll, disconnected, join, joinInOrder, refused } from '../helpers/client';
import { startRedis, type RedisProcess } from '../helpers/procs';

const ROOT = path.resolve(__dirname, '..', '..');
const SECRETS_SH = path.join(ROOT, 'deploy', 'secrets.sh');
// What docker-compose.yml gave every replica when SECRET and TURN_SECRET were not set.
const PUBLISHED_SECRET = 'change-me-parley-local-secret';
const PUBLISHED_TURN_SECRET = 'change-me-turn-secret';

let redis: RedisProcess;
let dir: string;
const procs: ChildProcess[] = [];

beforeAll(async () => {
  buildIfNeeded();
  redis = await startRedis();
  dir = mkdtempSync(path.join(os.tmpdir(), 'parley-secrets-'));
});

afterEach(async () => {
  closeAll();
  await Promise.all(procs.splice(0).map((p) => stopProcess(p, 'SIGTERM', 15_000)));
});

afterAll(async () => {
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The replica's environment as compose sets it, on loopback; nothing inherited from this process. */
function replicaEnv(port: number, env: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    PORT: String(port),
    HOST: '127.0.0.1',
    REDIS_URL: redis.url,
    TURN_URLS: 'turn:127.0.0.1:3478?transport=udp',
    TRUST_PROXY: '1',
    LOG_LEVEL: 'warn',
    DRAIN_TIMEOUT_MS: '0',
    DRAIN_NOTICE_MS: '0',
    ...env,
  };
}

interface Started {
  proc: ChildProcess;
  url: string;
  /** Resolves with the exit code once the process has ended, and its stderr. */
  ended: Promise<{ code: number | null; stderr: string }>;
}

function launch(argv: string[], env: NodeJS.ProcessEnv): Started & { port: number } {
  const port = Number(env.PORT);
  const proc = spawn(argv[0], argv.slice(1), { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  procs.push(proc);
  let stderr = '';
  proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const ended = new Promise<{ code: number | null; stderr: string }>((resolve) => proc.once('exit', (code) => resolve({ code, stderr })));
  return { proc, port, url: `http://127.0.0.1:${port}`, ended };
}

/** 'ready' once /readyz answers 200, or the process's exit code and stderr if it ends first. */
async function outcome(r: Started & { port: number }): Promise<'ready' | { code: number | null; stderr: string }> {
  const ready = until('replica /readyz', async () => (await httpGet(r.port, '/readyz'))?.status === 200, 20_000, r.proc).then(
    () => 'ready' as const,
    (err: unknown) => (exited(r.proc) ? r.ended : Promise.reject(err)),
  );
  return Promise.race([ready, r.ended]);
}

async function replica(argv: string[], env: Record<string, string>): Promise<Started> {
  const r = launch(argv, replicaEnv(await freePort(), env));
  const result = await outcome(r);
  if (result !== 'ready') throw new Error(`the replica exited (${result.code}): ${result.stderr}`);
  return r;
}

/**
 * A token for `peer` in `room`, signed with `secret`: what anyone who knows the secret can make. It names no meeting
 * (the form tokens had before meetings had ids), which still takes over a place that is held.
 */
const forge = (secret: string, room: string, peer: string) => {
  const body = Buffer.from(JSON.stringify([room, peer, Math.floor(Date.now() / 1000)])).toString('base64url');
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
};

const roomId = (tag: string) => `secrets-${tag}-${Date.now().toString(36)}`;

test('a replica given the values docker-compose.yml used to fall back to refuses to start, naming both', async () => {
  const r = launch(
    ['node', 'dist/server/index.js'],
    replicaEnv(await freePort(), { SECRET: PUBLISHED_SECRET, TURN_SECRET: PUBLISHED_TURN_SECRET }),
  );
  const result = await outcome(r);
  expect(result).toEqual({ code: 2, stderr: expect.stringContaining('SECRET: is a published example value') });
  const { stderr } = result as { stderr: string };
  expect(stderr).toContain('\n  TURN_SECRET: is a published example value');
  expect(stderr).toContain('ALLOW_PUBLISHED_SECRETS=1');
});

test('with ALLOW_PUBLISHED_SECRETS=1 it starts, and anyone can take the host’s place with a token signed with the published value', async () => {
  // Local mode, as it is meant for a machine nobody else reaches: this shows why the values are refused elsewhere.
  const env = { SECRET: PUBLISHED_SECRET, TURN_SECRET: PUBLISHED_TURN_SECRET, ALLOW_PUBLISHED_SECRETS: '1' };
  const a = await replica(['node', 'dist/server/index.js'], env);
  const room = roomId('local');
  const [host] = await joinInOrder(() => a.url, room, 'Host');
  expect(host.welcome.self.host).toBe(true);
  const hostDropped = disconnected(host.socket);
  const thief = await join(a.url, { room, name: 'Mallory', resume: forge(PUBLISHED_SECRET, room, host.welcome.self.id) });
  expect(thief.welcome.self).toMatchObject({ id: host.welcome.self.id, host: true });
  await hostDropped;
});

test('replicas started as docker-compose.yml starts them share a generated SECRET: the forged token is refused, the host’s own resumes elsewhere', async () => {
  // The one-shot `secrets` service, then each replica through the entrypoint wrapper with compose's environment.
  const init = spawn('sh', [SECRETS_SH, 'init', dir], { stdio: 'ignore' });
  expect(await new Promise((resolve) => init.once('exit', resolve))).toBe(0);
  const env = {
    SECRET: '',
    SECRET_FILE: path.join(dir, 'server', 'secret'),
    TURN_SECRET: '',
    TURN_SECRET_FILE: path.join(dir, 'server', 'turn_secret'),
  };
  const argv = ['sh', SECRETS_SH, 'run', 'node', 'dist/server/index.js'];
  const [a, b] = await Promise.all([replica(argv, env), replica(argv, env)]);
  const generated = readFileSync(env.SECRET_FILE, 'utf8');
  expect(generated).toMatch(/^[0-9a-f]{64}$/);
  // The wrapper execs node: the replica process itself carries the generated SECRET.
  expect(readFileSync(`/proc/${a.proc.pid}/environ`, 'utf8').split('\0')).toContain(`SECRET=${generated}`);

  const room = roomId('compose');
  const [host, guest] = await joinInOrder((i) => [a.url, b.url][i], room, 'Host', 'Guest');
  expect(host.welcome.self.host).toBe(true);

  for (const url of [a.url, b.url]) {
    const refusal = await refused(url, { room, name: 'Mallory', resume: forge(PUBLISHED_SECRET, room, host.welcome.self.id) });
    expect(refusal.data).toEqual({ code: 'BAD_REQUEST', message: 'The resume token is not valid for this room.' });
  }
  // Nothing changed: the host is still connected and still the host, as a newcomer on either replica sees it.
  expect(host.socket.connected).toBe(true);
  const seen = await join(b.url, { room, name: 'Newcomer' });
  expect(seen.welcome.peers.map((p) => [p.id, p.host])).toEqual([
    [host.welcome.self.id, true],
    [guest.welcome.self.id, false],
  ]);

  // One SECRET for all: the host's own token, issued by replica A, resumes on replica B as the same PeerId.
  const hostDropped = disconnected(host.socket);
  const back = await join(b.url, { room, name: 'Host', resume: host.welcome.resume });
  expect(back.welcome.self).toMatchObject({ id: host.welcome.self.id, host: true });
  await hostDropped;
  expect(exited(a.proc) || exited(b.proc)).toBe(false);
});
