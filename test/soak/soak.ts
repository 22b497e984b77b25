/**
 * Soak: simulated participants (socket.io-client) in many rooms join, signal, chat with acks, toggle media and
 * leave and rejoin, for a while, across three replica processes behind the real HAProxy on one redis-server.
 * On the way one replica is killed with SIGKILL (and started again) and another is restarted with SIGTERM
 * (drain) and started again; clients follow `server:draining` and reconnect with their resume tokens.
 *
 * Checked: no acknowledged chat message is lost (every room keeps one member who never leaves, so rooms never
 * empty and their history is whole; CHAT_HISTORY is raised above what a run sends); at every checkpoint each
 * room's lobby count, asked of every replica, equals the number of clients that believe they are in it; after
 * everyone leaves and the grace period passes every room is empty on every replica; the replicas log nothing
 * at error level or above.
 *
 * `npm run soak` runs it for SOAK_SECONDS (default 300); test/cluster/soak.test.ts runs a short one.
 * This file is the timeline; participant.ts the clients, checks.ts the checks, result.ts the figures.
 */
import type { ChatMessage } from '../../server/protocol/events';
import { startCluster } from '../../scripts/cluster.cjs';
import { auditHistory, checkpoint, errorLines, findGhosts, participantsOn, type SoakRun } from './checks';
import { connectSocket, loop, Participant } from './participant';
import { emptyResult, type SoakResult } from './result';
import { sleep } from './util';

export { describe } from './result';
export type { SoakResult } from './result';

export interface SoakOptions {
  seconds: number;
  participants?: number;
  rooms?: number;
  /** Grace period of the replicas; clients of a killed replica must be back within it. */
  graceMs?: number;
  log?: (line: string) => void;
}

export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const log = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const participantsN = opts.participants ?? 200;
  const roomsN = opts.rooms ?? 50;
  const graceMs = opts.graceMs ?? 10_000;
  const durationMs = opts.seconds * 1000;
  const r = emptyResult(opts.seconds, participantsN, roomsN);

  const cluster = await startCluster({
    replicas: 3,
    turn: false,
    logs: 'files',
    env: {
      LOG_LEVEL: 'info',
      CHAT_HISTORY: '1000',
      RESUME_GRACE_MS: String(graceMs),
      DRAIN_TIMEOUT_MS: '8000',
      // Every simulated client comes from 127.0.0.1: lift the per-address limits for them.
      MAX_CONNS_PER_ADDR: '10000',
      JOIN_RATE_PER_ADDR: '2000',
      JOIN_BURST_PER_ADDR: '4000',
      PEEK_RATE_PER_ADDR: '2000',
      PEEK_BURST_PER_ADDR: '4000',
    },
  });
  const tag = Date.now().toString(36);
  const rooms = Array.from({ length: roomsN }, (_, i) => `soak-${tag}-${i}`);
  const acked = new Map<string, ChatMessage[]>(rooms.map((room) => [room, []]));
  const people: Participant[] = [];
  for (let i = 0; i < participantsN; i++) {
    const room = rooms[i % roomsN];
    // The first participant of each room stays all along; a quarter of the clients long-poll first.
    people.push(new Participant(room, `P${i}`, i < roomsN, i % 4 === 3));
  }
  const run: SoakRun = { url: cluster.url, r, acked, running: true, paused: false, killedAt: 0, cluster, rooms, people, log };

  const started = Date.now();
  try {
    // Everyone joins, a batch at a time.
    for (let i = 0; i < people.length; i += 20) {
      people.slice(i, i + 20).forEach((p) => connectSocket(run, p));
      await sleep(250);
    }
    const joinDeadline = Date.now() + 30_000;
    while (people.some((p) => p.state !== 'in') && Date.now() < joinDeadline) await sleep(100);
    log(`soak: ${people.filter((p) => p.state === 'in').length}/${people.length} joined in ${Date.now() - started} ms`);
    const loops = people.map((p) => loop(run, p));

    const at = (fraction: number) => sleep(Math.max(0, started + durationMs * fraction - Date.now()));
    await at(0.2);
    await checkpoint(run, 'checkpoint 1');

    await at(0.3);
    const victim = cluster.replicas[1];
    const onVictim = await participantsOn(victim);
    run.killedAt = Date.now();
    await victim.kill('SIGKILL');
    log(`soak: SIGKILL ${victim.id} (${onVictim} participants on it)`);
    await sleep(Math.min(5000, durationMs * 0.05));
    await victim.start();
    log(`soak: ${victim.id} started again`);

    await at(0.5);
    await checkpoint(run, 'checkpoint 2');

    await at(0.6);
    const drained = cluster.replicas[2];
    log(`soak: SIGTERM ${drained.id} (${await participantsOn(drained)} participants on it), then start`);
    await drained.restart();
    log(`soak: ${drained.id} restarted`);

    await at(0.8);
    await checkpoint(run, 'checkpoint 3');

    await at(1);
    run.running = false;
    await Promise.all(loops);
    await checkpoint(run, 'final');

    await auditHistory(run);

    // Everyone leaves; after the grace period no room holds anybody, on any replica.
    await Promise.all(
      people.map(async (p) => {
        if (p.socket && p.state === 'in')
          await p.socket
            .timeout(5000)
            .emitWithAck('room:leave')
            .catch(() => null);
        p.state = 'out';
        p.socket?.close();
        p.socket = null;
      }),
    );
    await sleep(graceMs + 2500);
    await findGhosts(run);
    r.errorLines = errorLines(cluster);
  } finally {
    run.running = false;
    for (const p of people) p.socket?.close();
    await cluster.stop();
  }
  return r;
}
