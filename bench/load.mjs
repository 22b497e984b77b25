// A load generator process: opens participants against the servers it is given and runs one scenario.
// Input: one JSON argument. Output: progress on stderr, one JSON result line on stdout.
import { performance } from 'node:perf_hooks';
import { io } from 'socket.io-client';

const job = JSON.parse(process.argv[2]);
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const progress = (msg) => process.stderr.write(`    [load ${job.worker ?? 0}] ${msg}\n`);

function connect(url, room, name) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = io(`${url}/room`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: 20_000,
      auth: { room, name },
    });
    const timer = setTimeout(() => reject(new Error('join timeout')), 30_000);
    socket.once('room:welcome', (w) => {
      clearTimeout(timer);
      resolve({ socket, id: w.self.id, peers: w.peers.map((p) => p.id), ms: performance.now() - started });
    });
    socket.once('connect_error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** Opens `count` participants with at most `concurrency` joins in flight; url and room chosen by index. */
async function openMany(count, concurrency, pick) {
  const out = new Array(count);
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const { url, room } = pick(i);
      try {
        out[i] = await connect(url, room, `p${i}`);
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { participants: out.filter(Boolean), failed };
}

const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);
function summary(values) {
  const s = Float64Array.from(values).sort();
  return { n: s.length, p50: pct(s, 50), p95: pct(s, 95), p99: pct(s, 99), max: s.length ? s[s.length - 1] : NaN };
}

// An SDP-sized description (1.5 KB) carrying its send time.
const PAD = 'a=candidate:1 1 udp 2122260223 192.168.1.10 54321 typ host generation 0\r\n'.repeat(20).slice(0, 1400);
const sdpAt = (t) => `v=0\r\no=- ${t.toFixed(3)} 2 IN IP4 127.0.0.1\r\n${PAD}`;
const sentAt = (sdp) => Number(/^v=0\r\no=- ([\d.]+) /.exec(sdp)[1]);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Tells the orchestrator where a phase starts or ends (it samples server CPU there). */
const mark = (name, extra = {}) => process.stdout.write(JSON.stringify({ mark: name, ...extra }) + '\n');

/** Counts deliveries only inside the measuring window. */
function windowCounter() {
  const c = { n: 0, on: false, hit: () => c.on && c.n++ };
  return c;
}

/** Warm-up, then the measuring window (marked for the orchestrator); resolves with its length in seconds. */
async function measure(counter) {
  await sleep(job.warmupMs);
  counter.on = true;
  const start = performance.now();
  mark('measure-start');
  await sleep(job.durationMs);
  counter.on = false;
  mark('measure-end');
  return (performance.now() - start) / 1000;
}
// Room names are unique per run, so that places kept for the grace period by an earlier run never fill them.
const RUN = Math.random().toString(36).slice(2, 8);
const roomOf = (prefix, i, k) => `${prefix}-${RUN}-${job.worker ?? 0}-${Math.floor(i / k)}`;

async function pairs(count) {
  // Pair i: member A on url[i % n], member B on url[(i + 1) % n] (straddling replicas when n > 1).
  const urls = job.urls;
  const { participants, failed } = await openMany(count * 2, 20, (j) => {
    const pair = Math.floor(j / 2);
    return { url: urls[(pair + (j % 2)) % urls.length], room: roomOf('pair', j, 2) };
  });
  if (failed) throw new Error(`${failed} joins failed`);
  const out = [];
  for (let i = 0; i < participants.length; i += 2) {
    const a = participants[i];
    const b = participants[i + 1];
    // B joined second, so A knows B through peer:joined and B knows A from its welcome.
    out.push({ a, b, aId: a.id, bId: b.id });
  }
  return out;
}

const scenarios = {
  async join() {
    const { participants, failed } = await openMany(job.count, job.concurrency, (i) => ({
      url: job.urls[i % job.urls.length],
      room: roomOf('join', i, job.roomSize),
    }));
    const elapsed = (performance.now() - t0) / 1000;
    mark('measure-end');
    const lat = summary(participants.map((p) => p.ms));
    for (const p of participants) p.socket.close();
    return { joins: participants.length, failed, joinsPerSec: participants.length / elapsed, latencyMs: lat };
  },

  async latency() {
    const ps = await pairs(job.pairs);
    const lat = [];
    let received = 0;
    for (const { a, b } of ps) {
      for (const s of [a.socket, b.socket]) {
        s.on('signal', (m) => {
          received++;
          if (measuring) lat.push(performance.now() - sentAt(m.description.sdp));
        });
      }
    }
    let measuring = false;
    const senders = ps.flatMap(({ a, b, aId, bId }) => [
      { s: a.socket, to: bId },
      { s: b.socket, to: aId },
    ]);
    // Fixed total rate: ticks of 10 ms, each sending rate/100 signals round-robin over the senders.
    const perTick = job.rate / 100;
    let carry = 0;
    let k = 0;
    let sent = 0;
    const warm = job.warmupMs;
    const end = performance.now() + warm + job.durationMs;
    setTimeout(() => {
      measuring = true;
    }, warm);
    let startMeasure = 0;
    let sentMeasured = 0;
    while (performance.now() < end) {
      const tick = performance.now();
      carry += perTick;
      while (carry >= 1) {
        carry -= 1;
        const { s, to } = senders[k++ % senders.length];
        s.emit('signal', { to, description: { type: 'offer', sdp: sdpAt(performance.now()) } });
        sent++;
        if (measuring) {
          if (!startMeasure) startMeasure = performance.now();
          sentMeasured++;
        }
      }
      const wait = 10 - (performance.now() - tick);
      if (wait > 0) await sleep(wait);
    }
    const measuredSecs = (performance.now() - startMeasure) / 1000;
    await sleep(500);
    for (const { a, b } of ps) {
      a.socket.close();
      b.socket.close();
    }
    return { sent, received, achievedRate: sentMeasured / measuredSecs, latencyMs: summary(lat) };
  },

  async throughput() {
    const ps = await pairs(job.pairs);
    const delivered = windowCounter();
    for (const { a, b, aId, bId } of ps) {
      // Ping-pong with `window` signals in flight per pair: every signal received is answered.
      a.socket.on('signal', (m) => {
        delivered.hit();
        a.socket.emit('signal', { to: bId, description: m.description });
      });
      b.socket.on('signal', (m) => {
        delivered.hit();
        b.socket.emit('signal', { to: aId, description: m.description });
      });
    }
    for (const { a, bId } of ps)
      for (let w = 0; w < job.window; w++) a.socket.emit('signal', { to: bId, description: { type: 'offer', sdp: sdpAt(0) } });
    const secs = await measure(delivered);
    for (const { a, b } of ps) {
      a.socket.close();
      b.socket.close();
    }
    return { delivered: delivered.n, signalsPerSec: delivered.n / secs };
  },

  async fanout() {
    const { participants, failed } = await openMany(job.rooms * 8, 20, (i) => ({
      url: job.urls[i % job.urls.length],
      room: roomOf('fan', i, 8),
    }));
    if (failed) throw new Error(`${failed} joins failed`);
    const deliveries = windowCounter();
    for (const p of participants) {
      p.socket.on('peer:updated', deliveries.hit);
      p.socket.on('chat:message', deliveries.hit);
    }
    let stop = false;
    // Each participant alternates a media update and a chat message (acked) in a closed loop.
    const loop = async (p) => {
      let audio = true;
      while (!stop) {
        audio = !audio;
        p.socket.emit('media', { audio, video: true, screen: false });
        await p.socket
          .timeout(10_000)
          .emitWithAck('chat:send', { text: 'hello there' })
          .catch(() => undefined);
        await sleep(job.pauseMs);
      }
    };
    const loops = participants.map(loop);
    const secs = await measure(deliveries);
    stop = true;
    await Promise.all(loops);
    for (const p of participants) p.socket.close();
    return { deliveries: deliveries.n, deliveriesPerSec: deliveries.n / secs };
  },

  async idle() {
    const { participants, failed } = await openMany(job.count, job.concurrency, (i) => ({
      url: job.urls[i % job.urls.length],
      room: roomOf('idle', i, 8),
    }));
    mark('connected', { connected: participants.length, failed });
    // Hold the connections until told to stop (a line on stdin).
    await new Promise((r) => process.stdin.once('data', r));
    for (const p of participants) p.socket.close();
    return { connected: participants.length, failed };
  },
};

try {
  const result = await scenarios[job.scenario]();
  const cpu = process.cpuUsage(cpu0);
  const wall = (performance.now() - t0) / 1000;
  process.stdout.write(JSON.stringify({ result, loadCpuSec: (cpu.user + cpu.system) / 1e6, wallSec: wall }) + '\n');
  progress('done');
  process.exit(0);
} catch (err) {
  process.stdout.write(JSON.stringify({ error: String(err?.message ?? err) }) + '\n');
  process.exit(1);
}
