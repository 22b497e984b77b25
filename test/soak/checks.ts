// What the soak checks: lobby counts against the clients' beliefs, chat history, rooms left empty, replica error logs.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { io } from 'socket.io-client';
import type { Cluster, ReplicaHandle } from '../../scripts/cluster.cjs';
import type { Ack, LobbyRoom, Welcome } from '../../server/protocol/events';
import type { Crowd, Participant } from './participant';
import { sleep } from './util';
import { replicaMetrics } from '../helpers/metrics';

/** The run as the checks see it. */
export interface SoakRun extends Crowd {
  cluster: Cluster;
  rooms: string[];
  people: Participant[];
  log: (line: string) => void;
}

/** Waits until every client is idle and either in its room or out of it, then compares lobby counts. */
export async function checkpoint(run: SoakRun, label: string): Promise<void> {
  const { r, people, rooms } = run;
  run.paused = true;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && people.some((p) => p.busy || p.state === 'joining' || p.state === 'away')) await sleep(100);
  const stuck = people.filter((p) => p.busy || p.state === 'joining' || p.state === 'away');
  if (stuck.length) r.anomalies.push(`${label}: ${stuck.length} clients not settled after 30 s`);
  await sleep(1500);
  for (const replica of run.cluster.replicas) {
    const counts = await lobbyCounts(replica, rooms);
    for (const room of rooms) {
      const believed = people.filter((p) => p.room === room && p.state === 'in').length;
      if (counts.get(room) !== believed)
        r.mismatches.push(`${label}: ${room} on ${replica.id}: ${counts.get(room)} (believed ${believed})`);
    }
  }
  r.checkpoints++;
  run.log(`soak ${label}: ${people.filter((p) => p.state === 'in').length} in, mismatches so far ${r.mismatches.length}`);
  run.paused = false;
}

async function lobbyCounts(replica: ReplicaHandle, rooms: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const lobby = io(`${replica.url}/lobby`, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: 5000 });
  try {
    for (const room of rooms) {
      const ack = (await lobby.timeout(5000).emitWithAck('lobby:peek', { room })) as Ack<{ room: LobbyRoom }>;
      out.set(room, ack.ok ? ack.room.count : -1);
    }
  } finally {
    lobby.close();
  }
  return out;
}

/** Every acknowledged message is in its room's history, as a newcomer gets it. */
export async function auditHistory(run: SoakRun): Promise<void> {
  const { r } = run;
  for (const room of run.rooms) {
    const auditor = io(`${run.cluster.url}/room`, {
      auth: { room, name: 'Auditor' },
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    const welcome = await new Promise<Welcome | null>((resolve) => {
      auditor.once('room:welcome', resolve);
      auditor.once('connect_error', () => resolve(null));
      setTimeout(() => resolve(null), 10_000);
    });
    if (!welcome) {
      r.anomalies.push(`auditor could not join ${room}`);
      auditor.close();
      continue;
    }
    const history = new Map(welcome.chat.map((m) => [m.id, m]));
    for (const m of run.acked.get(room) ?? []) {
      const h = history.get(m.id);
      if (!h || h.text !== m.text || h.from !== m.from) r.chatLost++;
    }
    await auditor
      .timeout(5000)
      .emitWithAck('room:leave')
      .catch(() => null);
    auditor.close();
  }
}

/** After everyone has left and the grace period has passed, no room holds anybody on any replica. */
export async function findGhosts(run: SoakRun): Promise<void> {
  for (const replica of run.cluster.replicas) {
    const counts = await lobbyCounts(replica, run.rooms);
    for (const [room, n] of counts) if (n !== 0) run.r.ghosts.push(`${room} on ${replica.id}: ${n}`);
  }
}

/** The replicas' log lines at level error (50) or above. */
export function errorLines(cluster: Cluster): string[] {
  const lines: string[] = [];
  for (const replica of cluster.replicas) {
    const file = path.join(cluster.dir, `${replica.id}.log`);
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        if ((JSON.parse(line) as { level?: number }).level! >= 50) lines.push(`${replica.id}: ${line.slice(0, 400)}`);
      } catch {
        // not a log record
      }
    }
  }
  return lines;
}

export async function participantsOn(replica: ReplicaHandle): Promise<number> {
  return (await replicaMetrics(replica.url))('parley_participants') ?? -1;
}
