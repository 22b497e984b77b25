// A simulated participant: its socket, what it believes about its room, and what it does at random during the soak.
import { io, type Socket } from 'socket.io-client';
import type { Ack, ChatMessage, Peer, Welcome } from '../../server/protocol/events';
import type { SoakResult } from './result';
import { pick, rand, sleep, until } from './util';

type State = 'out' | 'joining' | 'in' | 'away' | 'leaving';

export class Participant {
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

/** What the participants share with the run: it flips `running` and `paused` and notes when it killed a replica. */
export interface Crowd {
  url: string;
  r: SoakResult;
  /** Per room, every chat message the server acknowledged. */
  acked: Map<string, ChatMessage[]>;
  running: boolean;
  paused: boolean;
  killedAt: number;
}

export function connectSocket(crowd: Crowd, p: Participant): void {
  const { r } = crowd;
  p.state = 'joining';
  const socket = io(`${crowd.url}/room`, {
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
      // Unless its leave reached the room state before the replica died: then the token admits a newcomer.
      if (w.self.id !== p.self && p.state !== 'leaving') r.anomalies.push(`${p.name}: resumed as ${w.self.id}, was ${p.self}`);
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
    setTimeout(() => crowd.running && p.socket === socket && socket.connect(), reconnectInMs);
  });
  socket.on('disconnect', (reason: string) => {
    // A leave ends with the server closing the socket (over long-polling in the same response as the ack).
    if (p.socket !== socket || p.state === 'out' || p.state === 'away' || p.state === 'leaving') return;
    p.state = 'away';
    p.awaySince = Date.now();
    // Connections that drop right after the SIGKILL were on the killed replica.
    p.awayCause = crowd.killedAt && Date.now() - crowd.killedAt < 3000 ? 'kill' : 'other';
    if (p.awayCause === 'kill') r.killedClients++;
    // The server closed this socket itself (a lost place, a take-over): no automatic reconnection then.
    if (reason === 'io server disconnect')
      setTimeout(() => crowd.running && p.socket === socket && p.state === 'away' && socket.connect(), 200);
  });
  socket.on('connect_error', (err: Error & { data?: { code: string; retryable?: boolean } }) => {
    if (!err.data) return; // transport-level: the manager retries on its own
    const code = err.data.code;
    if (code === 'INTERNAL' || code === 'RATE_LIMITED') {
      setTimeout(() => crowd.running && p.socket === socket && socket.connect(), 500);
      return;
    }
    r.anomalies.push(`${p.name}: refused ${code} (${p.state})`);
    socket.close();
    p.socket = null;
    p.state = 'out';
    p.self = '';
  });
}

async function act(crowd: Crowd, p: Participant): Promise<void> {
  const { r } = crowd;
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
      crowd.acked.get(p.room)?.push(ack.message);
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
    const leave = async () =>
      (await s
        .timeout(5000)
        .emitWithAck('room:leave')
        .catch(() => null)) as Ack<object> | null;
    let ack = await leave();
    if (!ack?.ok) {
      // The replica went down with the leave in flight: the socket resumes elsewhere, and leaves again from there.
      r.leaveRetries++;
      if (await until(() => s.connected && p.state === 'in', 10_000)) {
        p.state = 'leaving';
        ack = await leave();
      }
    }
    if (!ack?.ok) r.anomalies.push(`${p.name}: room:leave not acknowledged`);
    p.state = 'out';
    p.self = '';
    s.close();
    p.socket = null;
    await sleep(rand(300, 1500));
    if (!crowd.running) return;
    r.rejoins++;
    connectSocket(crowd, p);
  }
}

export async function loop(crowd: Crowd, p: Participant): Promise<void> {
  while (crowd.running) {
    await sleep(rand(1500, 4500));
    if (!crowd.running) break;
    if (crowd.paused || p.state !== 'in') continue;
    p.busy = true;
    try {
      await act(crowd, p);
    } finally {
      p.busy = false;
    }
  }
}
