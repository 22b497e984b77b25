// A load generator process: opens participants against the servers it is given and runs one scenario.
// Input: one JSON argument. Output: progress on stderr, one JSON result line on stdout.
import { performance } from 'node:perf_hooks';
import { io } from 'socket.io-client';

const job = JSON.parse(process.argv[2]);
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const progress = (msg) => process.stderr.write(`    [load ${job.worker ?? 0}] ${msg}\n`);

/**
 * Joins a room; resolves once welcomed. With `watchJoins`, `view` is who the participant knows as the web client
 * would: the welcome's peers, then each `peer:joined` after it (`early` counts those that came before it).
 */
function connect(url, room, name, { watchJoins = false } = {}) {
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
    let joined;
    const early = [];
    if (watchJoins) socket.on('peer:joined', (p) => (joined ? joined.view.add(p.id) : early.push({ id: p.id, at: performance.now() })));
    socket.once('room:welcome', (w) => {
      clearTimeout(timer);
      const peers = w.peers.map((p) => p.id);
      const at = performance.now();
      joined = { socket, id: w.self.id, peers, started, welcomedAt: at, ms: at - started, view: new Set(peers), early };
      resolve(joined);
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

/** Both directions of every pair, as senders of signals. */
const sendersOf = (ps) =>
  ps.flatMap(({ a, b, aId, bId }) => [
    { s: a.socket, to: bId },
    { s: b.socket, to: aId },
  ]);

/** A fixed total rate: ticks of 10 ms, each sending rate/100 signals round-robin over the senders, while `going()`. */
async function sendAtRate(rate, senders, going, onSent) {
  const perTick = rate / 100;
  let carry = 0;
  let k = 0;
  while (going()) {
    const tick = performance.now();
    carry += perTick;
    while (carry >= 1) {
      carry -= 1;
      const { s, to } = senders[k++ % senders.length];
      s.emit('signal', { to, description: { type: 'offer', sdp: sdpAt(performance.now()) } });
      onSent();
    }
    const wait = 10 - (performance.now() - tick);
    if (wait > 0) await sleep(wait);
  }
}

/**
 * Joins `job.pairs` pairs, `job.concurrency` at a time, both members of a pair at once: A on urls[i % n], B on
 * urls[(i + 1) % n]. Resolves with each pair's two members (null for a pair with a failed join).
 */
async function racePairs(tag) {
  const urls = job.urls;
  const out = new Array(job.pairs).fill(null);
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < job.pairs) {
      const i = next++;
      const room = roomOf(`pj-${tag}`, i, 1);
      const sides = await Promise.allSettled(
        [0, 1].map((m) => connect(urls[(i + m) % urls.length], room, `p${i}${m ? 'b' : 'a'}`, { watchJoins: true })),
      );
      const [a, b] = sides.map((r) => (r.status === 'fulfilled' ? r.value : null));
      failed += sides.filter((r) => r.status === 'rejected').length;
      if (a && b) out[i] = [a, b];
      else for (const m of [a, b]) m?.socket.close();
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  return { pairs: out, failed };
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
    let sent = 0;
    const warm = job.warmupMs;
    const end = performance.now() + warm + job.durationMs;
    setTimeout(() => {
      measuring = true;
      mark('measure-start');
    }, warm);
    let startMeasure = 0;
    let sentMeasured = 0;
    await sendAtRate(
      job.rate,
      sendersOf(ps),
      () => performance.now() < end,
      () => {
        sent++;
        if (measuring) {
          if (!startMeasure) startMeasure = performance.now();
          sentMeasured++;
        }
      },
    );
    const measuredSecs = (performance.now() - startMeasure) / 1000;
    // Signals still in flight are delivered within the window's CPU sample.
    await sleep(50);
    mark('measure-end');
    await sleep(450);
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

  /** `job.reps` rounds of racing pairs; counts the participants that never learn of their partner within `job.lateMs`. */
  async pairjoin() {
    const n = job.urls.length;
    const joinMs = [];
    let failed = 0;
    let missed = 0;
    let early = 0;
    const misses = [];
    for (let rep = 0; rep < job.reps; rep++) {
      const started = performance.now();
      const round = await racePairs(rep);
      failed += round.failed;
      const pairs = round.pairs.flatMap((p, i) => (p ? [{ i, a: p[0], b: p[1] }] : []));
      const joinedSec = (performance.now() - started) / 1000;
      const knows = (x, y) => x.view.has(y.id);
      const deadline = performance.now() + job.lateMs;
      while (!pairs.every(({ a, b }) => knows(a, b) && knows(b, a)) && performance.now() < deadline) await sleep(50);
      let repMissed = 0;
      for (const { i, a, b } of pairs) {
        joinMs.push(a.ms, b.ms);
        early += a.early.length + b.early.length;
        for (const [side, x, y, replica] of [
          ['A', a, b, i % n],
          ['B', b, a, (i + 1) % n],
        ]) {
          if (knows(x, y)) continue;
          repMissed++;
          if (misses.length >= 20) continue;
          // Times in ms from the start of the round.
          const t = (v) => Math.round((v - started) * 10) / 10;
          const heard = x.early.find((e) => e.id === y.id);
          misses.push({
            rep,
            pair: i,
            side,
            replica,
            partnerReplica: side === 'A' ? (i + 1) % n : i % n,
            started: t(x.started),
            welcomed: t(x.welcomedAt),
            partnerStarted: t(y.started),
            partnerWelcomed: t(y.welcomedAt),
            partnerInItsWelcome: y.peers.includes(x.id),
            heardPartnerBeforeWelcome: heard ? t(heard.at) : null,
          });
        }
      }
      missed += repMissed;
      progress(
        `round ${rep + 1}/${job.reps}: ${pairs.length} pairs joined in ${joinedSec.toFixed(1)} s, ${repMissed} participants missed their partner`,
      );
      for (const { a, b } of pairs) {
        a.socket.close();
        b.socket.close();
      }
      await sleep(500);
    }
    return { pairs: job.pairs, reps: job.reps, failed, missed, early, misses, latencyMs: summary(joinMs) };
  },

  /** A fixed rate of signals between `job.pairs` pairs from the 'signalling' mark until a line on stdin (or `job.maxMs`). */
  async signals() {
    const ps = await pairs(job.pairs);
    let received = 0;
    for (const { a, b } of ps) for (const s of [a.socket, b.socket]) s.on('signal', () => received++);
    let stop = false;
    process.stdin.once('data', () => (stop = true));
    const start = performance.now();
    const end = start + job.maxMs;
    let sent = 0;
    mark('signalling');
    await sendAtRate(
      job.rate,
      sendersOf(ps),
      () => !stop && performance.now() < end,
      () => sent++,
    );
    const secs = (performance.now() - start) / 1000;
    await sleep(500);
    for (const { a, b } of ps) {
      a.socket.close();
      b.socket.close();
    }
    return { sent, received, achievedRate: sent / secs };
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
