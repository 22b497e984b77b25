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
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { startCluster, type Cluster, type ReplicaHandle } from '../../scripts/cluster.cjs';
import type { Ack, ChatMessage, LobbyRoom, Peer, Welcome } from '../../server/protocol/events';

export interface SoakOptions {
  seconds: number;
  participants?: number;
  rooms?: number;
  /** Grace period of the replicas; clients of a killed replica must be back within it. */
  graceMs?: number;
  log?: (line: string) => void;
}

export interface SoakResult {
  seconds: number;
  participants: number;
  rooms: number;
  joins: number;
  resumes: number;
  rejoins: number;
  signalsSent: number;
  signalsAcked: number;
  chatAcked: number;
  chatLost: number;
  mediaUpdates: number;
  drainNotices: number;
  /** Clients of the SIGKILLed replica, and the longest time from the kill to a fresh welcome. */
  killedClients: number;
  maxResumeAfterKillMs: number;
  /** Clients of the SIGTERMed replica and the longest time from the drain notice to a fresh welcome. */
  drainedClients: number;
  maxResumeAfterDrainMs: number;
  checkpoints: number;
  /** Lobby counts that differed from what the clients believe (room, replica, count, believed). */
  mismatches: string[];
  /** Rooms not empty on some replica after everyone left. */
  ghosts: string[];
  /** PeerIds that changed over a resume, refusals a client could not recover from. */
  anomalies: string[];
  /** Replica log lines at level error (50) or above. */
  errorLines: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rand = (lo: number, hi: number) => lo + Math.random() * (hi - lo);
const pick = <T>(xs: T[]): T | undefined => (xs.length ? xs[Math.floor(Math.random() * xs.length)] : undefined);

type State = 'out' | 'joining' | 'in' | 'away' | 'leaving';

class Participant {
  socket: Socket | null = null;
  state: State = 'out';
  self = '';
  resume = '';
  peers = new Set<string>();
  busy = false;
  /** When the current absence began (a dropped connection or a drain notice), and why. */
  awaySince = 0;
  awayCause: 'kill' | 'drain' | 'other' = 'other';

  constructor(
    readonly room: string,
    readonly name: string,
    readonly stable: boolean,
    readonly polling: boolean,
  ) {}
}

export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const log = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const participantsN = opts.participants ?? 200;
  const roomsN = opts.rooms ?? 50;
  const graceMs = opts.graceMs ?? 10_000;
  const durationMs = opts.seconds * 1000;
  const r: SoakResult = {
    seconds: opts.seconds,
    participants: participantsN,
    rooms: roomsN,
    joins: 0,
    resumes: 0,
    rejoins: 0,
    signalsSent: 0,
    signalsAcked: 0,
    chatAcked: 0,
    chatLost: 0,
    mediaUpdates: 0,
    drainNotices: 0,
    killedClients: 0,
    maxResumeAfterKillMs: 0,
    drainedClients: 0,
    maxResumeAfterDrainMs: 0,
    checkpoints: 0,
    mismatches: [],
    ghosts: [],
    anomalies: [],
    errorLines: [],
  };

  const cluster: Cluster = await startCluster({
    replicas: 3,
    turn: false,
    logs: 'files',
    env: {
      LOG_LEVEL: 'info',
      CHAT_HISTORY: '1000',
      RESUME_GRACE_MS: String(graceMs),
      DRAIN_TIMEOUT_MS: '8000',
      // Every simulated client comes from 127.0.0.1: lift the per-address handshake limit for them.
      JOIN_RATE_PER_ADDR: '2000',
      JOIN_BURST_PER_ADDR: '4000',
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
  let running = true;
  let paused = false;
  let killedAt = 0;

  const connectSocket = (p: Participant): void => {
    p.state = 'joining';
    const socket = io(`${cluster.url}/room`, {
      auth: { room: p.room, name: p.name },
      transports: p.polling ? ['polling', 'websocket'] : ['websocket'],
      withCredentials: true,
      forceNew: true,
      reconnection: true,
      reconnectionDelay: 250,
      reconnectionDelayMax: 2000,
      randomizationFactor: 0.5,
      timeout: 5000,
    });
    p.socket = socket;
    socket.on('room:welcome', (w: Welcome) => {
      const now = Date.now();
      if (p.self && p.state !== 'joining') {
        // Came back after a drop or a drain notice.
        if (w.self.id !== p.self) r.anomalies.push(`${p.name}: resumed as ${w.self.id}, was ${p.self}`);
        r.resumes++;
        const took = now - p.awaySince;
        if (p.awayCause === 'kill') r.maxResumeAfterKillMs = Math.max(r.maxResumeAfterKillMs, took);
        if (p.awayCause === 'drain') r.maxResumeAfterDrainMs = Math.max(r.maxResumeAfterDrainMs, took);
      } else {
        r.joins++;
      }
      p.self = w.self.id;
      p.resume = w.resume;
      p.peers = new Set(w.peers.map((x) => x.id));
      p.state = 'in';
      p.awayCause = 'other';
      socket.auth = { room: p.room, name: p.name, resume: w.resume };
    });
    socket.on('peer:joined', (peer: Peer) => p.peers.add(peer.id));
    socket.on('peer:left', ({ id }: { id: string }) => p.peers.delete(id));
    socket.on('server:draining', ({ reconnectInMs }: { reconnectInMs: number }) => {
      r.drainNotices++;
      if (p.state !== 'in') return;
      p.state = 'away';
      p.awaySince = Date.now();
      p.awayCause = 'drain';
      r.drainedClients++;
      socket.disconnect();
      setTimeout(() => running && p.socket === socket && socket.connect(), reconnectInMs);
    });
    socket.on('disconnect', (reason: string) => {
      // A leave ends with the server closing the socket (over long-polling in the same response as the ack).
      if (p.socket !== socket || p.state === 'out' || p.state === 'away' || p.state === 'leaving') return;
      p.state = 'away';
      p.awaySince = Date.now();
      // Connections that drop right after the SIGKILL were on the killed replica.
      p.awayCause = killedAt && Date.now() - killedAt < 3000 ? 'kill' : 'other';
      if (p.awayCause === 'kill') r.killedClients++;
      // The server closed this socket itself (a lost place, a take-over): no automatic reconnection then.
      if (reason === 'io server disconnect')
        setTimeout(() => running && p.socket === socket && p.state === 'away' && socket.connect(), 200);
    });
    socket.on('connect_error', (err: Error & { data?: { code: string; retryable?: boolean } }) => {
      if (!err.data) return; // transport-level: the manager retries on its own
      const code = err.data.code;
      if (code === 'INTERNAL' || code === 'RATE_LIMITED') {
        setTimeout(() => running && p.socket === socket && socket.connect(), 500);
        return;
      }
      r.anomalies.push(`${p.name}: refused ${code} (${p.state})`);
      socket.close();
      p.socket = null;
      p.state = 'out';
      p.self = '';
    });
  };

  async function act(p: Participant): Promise<void> {
    const s = p.socket;
    if (!s || p.state !== 'in') return;
    const roll = Math.random();
    if (roll < 0.4) {
      const to = pick([...p.peers]);
      if (!to) return;
      r.signalsSent++;
      const ack = (await s
        .timeout(5000)
        .emitWithAck('signal', { to, candidate: { candidate: `candidate:${r.signalsSent} 1 udp 1 127.0.0.1 9 typ host`, sdpMid: '0' } })
        .catch(() => null)) as Ack<object> | null;
      if (ack?.ok) r.signalsAcked++;
    } else if (roll < 0.7) {
      const ack = (await s
        .timeout(5000)
        .emitWithAck('chat:send', { text: `${p.name} says ${Math.random().toString(36).slice(2)}` })
        .catch(() => null)) as Ack<{ message: ChatMessage }> | null;
      if (ack?.ok) {
        r.chatAcked++;
        acked.get(p.room)?.push(ack.message);
      }
    } else if (roll < 0.85 || p.stable) {
      r.mediaUpdates++;
      await s
        .timeout(5000)
        .emitWithAck('media', { audio: Math.random() < 0.5, video: Math.random() < 0.5, screen: false })
        .catch(() => null);
    } else {
      // Leave for good, then come back as a new participant a moment later.
      p.state = 'leaving';
      const ack = (await s
        .timeout(5000)
        .emitWithAck('room:leave')
        .catch(() => null)) as Ack<object> | null;
      if (!ack?.ok) r.anomalies.push(`${p.name}: room:leave not acknowledged`);
      p.state = 'out';
      p.self = '';
      s.close();
      p.socket = null;
      await sleep(rand(300, 1500));
      if (!running) return;
      r.rejoins++;
      connectSocket(p);
    }
  }

  async function loop(p: Participant): Promise<void> {
    while (running) {
      await sleep(rand(1500, 4500));
      if (!running) break;
      if (paused || p.state !== 'in') continue;
      p.busy = true;
      try {
        await act(p);
      } finally {
        p.busy = false;
      }
    }
  }

  /** Waits until every client is idle and either in its room or out of it, then compares lobby counts. */
  async function checkpoint(label: string): Promise<void> {
    paused = true;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && people.some((p) => p.busy || p.state === 'joining' || p.state === 'away')) await sleep(100);
    const stuck = people.filter((p) => p.busy || p.state === 'joining' || p.state === 'away');
    if (stuck.length) r.anomalies.push(`${label}: ${stuck.length} clients not settled after 30 s`);
    await sleep(1500);
    for (const replica of cluster.replicas) {
      const counts = await lobbyCounts(replica);
      for (const room of rooms) {
        const believed = people.filter((p) => p.room === room && p.state === 'in').length;
        if (counts.get(room) !== believed)
          r.mismatches.push(`${label}: ${room} on ${replica.id}: ${counts.get(room)} (believed ${believed})`);
      }
    }
    r.checkpoints++;
    log(`soak ${label}: ${people.filter((p) => p.state === 'in').length} in, mismatches so far ${r.mismatches.length}`);
    paused = false;
  }

  async function lobbyCounts(replica: ReplicaHandle): Promise<Map<string, number>> {
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

  const readLogs = (): string[] => {
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
  };

  const started = Date.now();
  try {
    // Everyone joins, a batch at a time.
    for (let i = 0; i < people.length; i += 20) {
      people.slice(i, i + 20).forEach(connectSocket);
      await sleep(250);
    }
    const joinDeadline = Date.now() + 30_000;
    while (people.some((p) => p.state !== 'in') && Date.now() < joinDeadline) await sleep(100);
    log(`soak: ${people.filter((p) => p.state === 'in').length}/${people.length} joined in ${Date.now() - started} ms`);
    const loops = people.map((p) => loop(p));

    const at = (fraction: number) => sleep(Math.max(0, started + durationMs * fraction - Date.now()));
    await at(0.2);
    await checkpoint('checkpoint 1');

    await at(0.3);
    const victim = cluster.replicas[1];
    const onVictim = await participantsOn(victim);
    killedAt = Date.now();
    await victim.kill('SIGKILL');
    log(`soak: SIGKILL ${victim.id} (${onVictim} participants on it)`);
    await sleep(Math.min(5000, durationMs * 0.05));
    await victim.start();
    log(`soak: ${victim.id} started again`);

    await at(0.5);
    await checkpoint('checkpoint 2');

    await at(0.6);
    const drained = cluster.replicas[2];
    log(`soak: SIGTERM ${drained.id} (${await participantsOn(drained)} participants on it), then start`);
    await drained.restart();
    log(`soak: ${drained.id} restarted`);

    await at(0.8);
    await checkpoint('checkpoint 3');

    await at(1);
    running = false;
    await Promise.all(loops);
    await checkpoint('final');

    // History: every acknowledged message is in its room's history, as a newcomer gets it.
    for (const room of rooms) {
      const auditor = io(`${cluster.url}/room`, {
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
      for (const m of acked.get(room) ?? []) {
        const h = history.get(m.id);
        if (!h || h.text !== m.text || h.from !== m.from) r.chatLost++;
      }
      await auditor
        .timeout(5000)
        .emitWithAck('room:leave')
        .catch(() => null);
      auditor.close();
    }

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
    for (const replica of cluster.replicas) {
      const counts = await lobbyCounts(replica);
      for (const [room, n] of counts) if (n !== 0) r.ghosts.push(`${room} on ${replica.id}: ${n}`);
    }
    r.errorLines = readLogs();
  } finally {
    running = false;
    for (const p of people) p.socket?.close();
    await cluster.stop();
  }
  return r;
}

async function participantsOn(replica: ReplicaHandle): Promise<number> {
  const text = await (await fetch(`${replica.url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  return Number(/^parley_participants(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? -1);
}

/** One line per figure, for the console and for docs. */
export function describe(r: SoakResult): string {
  return [
    `soak: ${r.seconds} s, ${r.participants} participants in ${r.rooms} rooms, 3 replicas behind HAProxy`,
    `  joins ${r.joins} (rejoins after leaving ${r.rejoins}), resumes ${r.resumes}`,
    `  signals ${r.signalsSent} sent, ${r.signalsAcked} acked; chat ${r.chatAcked} acked, ${r.chatLost} lost; media updates ${r.mediaUpdates}`,
    `  SIGKILL: ${r.killedClients} clients dropped, all back within ${r.maxResumeAfterKillMs} ms`,
    `  SIGTERM: ${r.drainNotices} drain notices, ${r.drainedClients} clients moved, longest ${r.maxResumeAfterDrainMs} ms`,
    `  checkpoints ${r.checkpoints}, lobby mismatches ${r.mismatches.length}, ghosts ${r.ghosts.length}, anomalies ${r.anomalies.length}, error log lines ${r.errorLines.length}`,
  ].join('\n');
}
