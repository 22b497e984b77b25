// Checks a running Parley cluster through its load balancer, as a user's client sees it:
// readiness, every replica in the rotation, and a call whose two participants sit on different replicas
// (one WebSocket-only, one long-polling-only), who see each other and exchange a signal and a chat message.
//
//   node test/compose/check.mjs <lb-url> <replicas>
//
// PARLEY_METRICS_TOKEN is the load balancer's: with it, per-replica metrics are read through the LB.
// Prints one PASS or FAIL line per check; exits 1 when any check fails.
/* global fetch, AbortSignal */
import { Buffer } from 'node:buffer';
import { createHmac } from 'node:crypto';
import { io } from 'socket.io-client';
import { until } from '../../scripts/procs.cjs';

const url = process.argv[2] ?? 'http://127.0.0.1:3000';
const replicas = Number(process.argv[3] ?? 3);
const metricsToken = process.env.PARLEY_METRICS_TOKEN ?? '';
let failures = 0;
let passes = 0;
const sockets = [];

async function check(name, fn) {
  const started = Date.now();
  try {
    const detail = await fn();
    passes++;
    console.log(`PASS ${name}${detail ? `: ${detail}` : ''} (${Date.now() - started} ms)`);
    return true;
  } catch (err) {
    failures++;
    console.log(`FAIL ${name}: ${err instanceof Error ? err.message : String(err)} (${Date.now() - started} ms)`);
    return false;
  }
}

async function get(path, headers = {}) {
  const res = await fetch(url + path, { headers, signal: AbortSignal.timeout(3000) });
  await res.arrayBuffer();
  return res;
}

// Every 250 ms: each probe is a request through the load balancer into containers that may still be starting.
const eventually = (what, timeoutMs, fn) => until(what, fn, timeoutMs, undefined, 250);

function once(socket, event, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    socket.once(event, (value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

function join(room, name, transports, cookie, extraAuth = {}) {
  const socket = io(`${url}/room`, {
    auth: { room, name, ...extraAuth },
    transports,
    upgrade: false,
    reconnection: false,
    forceNew: true,
    timeout: 10_000,
    extraHeaders: { cookie },
  });
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('room:welcome', (welcome) => resolve({ socket, welcome }));
    socket.once('connect_error', (err) => reject(Object.assign(new Error(`join refused: ${err.message}`), { data: err.data })));
  });
}

/** Gauge value of parley_participants on the replica that `cookie` pins. */
async function participantsOn(cookie) {
  const res = await fetch(url + '/metrics', {
    headers: { cookie, authorization: `Bearer ${metricsToken}` },
    signal: AbortSignal.timeout(3000),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`/metrics through the LB answered ${res.status}`);
  const m = /^parley_participants(?:\{[^}]*\})? (\d+)/m.exec(text);
  return { replica: res.headers.get('x-parley-replica'), count: m ? Number(m[1]) : NaN };
}

function finish() {
  for (const s of sockets) s.close();
  console.log(`compose check: ${passes} passed, ${failures} failed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(failures === 0 ? 0 : 1);
}

const started = Date.now();
const ready = await check('load balancer /readyz answers 200', () =>
  eventually('200 from /readyz', 120_000, async () => (await get('/readyz')).status === 200 && 'ready'),
);

if (!ready) finish();

const cookies = new Map(); // replica id → LB cookie that pins it
const allReached = await check(`requests reach all ${replicas} replicas`, () =>
  eventually(`${replicas} distinct X-Parley-Replica values`, 60_000, async () => {
    for (let i = 0; i < replicas * 2; i++) {
      const res = await get('/readyz');
      const replica = res.headers.get('x-parley-replica');
      const cookie = /PARLEY_LB=[^;]+/.exec(res.headers.get('set-cookie') ?? '')?.[0];
      if (res.status === 200 && replica && cookie) cookies.set(replica, cookie);
    }
    return cookies.size >= replicas && [...cookies.keys()].sort().join(', ');
  }),
);

await check('the LB cookie pins a replica', async () => {
  for (const [replica, cookie] of cookies) {
    for (let i = 0; i < 3; i++) {
      const got = (await get('/healthz', { cookie })).headers.get('x-parley-replica');
      if (got !== replica) throw new Error(`cookie for ${replica} reached ${got}`);
    }
  }
  return `${cookies.size} replicas, 3 requests each`;
});

await check("the image serves the page's styles, scripts, and the effects' WebAssembly and model", async () => {
  const files = [
    '/assets/app.css',
    '/assets/favicon.svg',
    '/assets/build/room.js',
    '/assets/build/noise-worklet.js',
    '/assets/build/rnnoise.wasm',
    '/assets/build/rec-clock.js',
    '/assets/build/mediapipe/vision_wasm_internal.wasm',
    '/assets/build/mediapipe/selfie_segmentation.tflite',
  ];
  for (const file of files) {
    const res = await fetch(url + file, { signal: AbortSignal.timeout(5000) });
    const size = (await res.arrayBuffer()).byteLength;
    if (res.status !== 200 || size === 0) throw new Error(`${file}: ${res.status}, ${size} bytes`);
  }
  return `${files.length} files`;
});

await check('the LB refuses /metrics without its token', async () => {
  for (const headers of [{}, { authorization: 'Bearer wrong' }]) {
    const res = await get('/metrics', headers);
    if (res.status !== 403) throw new Error(`/metrics with ${JSON.stringify(headers)} answered ${res.status}`);
  }
  return '403 without a token and with a wrong one';
});

if (!allReached || cookies.size < 2) finish();
const [[replicaA, cookieA], [replicaB, cookieB]] = [...cookies];
const room = `compose-${Date.now().toString(36)}`;
let a;
let b;
await check('a WebSocket-only participant joins', async () => {
  a = await join(room, 'Ada', ['websocket'], cookieA);
  return `on ${replicaA}, peer ${a.welcome.self.id}`;
});
await check('a long-polling-only participant on another replica joins and sees the first', async () => {
  if (!a) throw new Error('no first participant');
  const joinedSeen = once(a.socket, 'peer:joined');
  b = await join(room, 'Bob', ['polling'], cookieB);
  if (!b.welcome.peers.some((p) => p.id === a.welcome.self.id)) throw new Error('the first participant is not in room:welcome.peers');
  const joined = await joinedSeen;
  if (joined.id !== b.welcome.self.id) throw new Error(`peer:joined for ${joined.id}`);
  return `on ${replicaB}, peer ${b.welcome.self.id}`;
});
await check('the participants are on different replicas (per replica metrics)', async () => {
  const onA = await participantsOn(cookieA);
  const onB = await participantsOn(cookieB);
  if (onA.replica === onB.replica) throw new Error(`both on ${onA.replica}`);
  if (!(onA.count >= 1 && onB.count >= 1)) throw new Error(`participants: ${onA.replica}=${onA.count}, ${onB.replica}=${onB.count}`);
  return `${onA.replica}=${onA.count}, ${onB.replica}=${onB.count}`;
});
await check('a signal crosses replicas both ways', async () => {
  if (!a || !b) throw new Error('no call');
  const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' };
  const atB = once(b.socket, 'signal');
  a.socket.emit('signal', { to: b.welcome.self.id, description: offer });
  const got = await atB;
  if (got.from !== a.welcome.self.id || got.description?.sdp !== offer.sdp) throw new Error(`B got ${JSON.stringify(got)}`);
  const atA = once(a.socket, 'signal');
  b.socket.emit('signal', { to: a.welcome.self.id, candidate: null });
  const back = await atA;
  if (back.from !== b.welcome.self.id || back.candidate !== null) throw new Error(`A got ${JSON.stringify(back)}`);
  return 'offer A→B, end-of-candidates B→A';
});
await check('chat crosses replicas', async () => {
  if (!a || !b) throw new Error('no call');
  const atA = once(a.socket, 'chat:message');
  const ack = await b.socket.timeout(10_000).emitWithAck('chat:send', { text: 'hello across replicas' });
  if (!ack.ok) throw new Error(`ack ${JSON.stringify(ack)}`);
  const msg = await atA;
  if (msg.text !== 'hello across replicas') throw new Error(`A got ${JSON.stringify(msg)}`);
});

// The value docker-compose.yml used to fall back to for SECRET: printed in the repository, so anyone could sign with it.
const PUBLISHED_SECRET = 'change-me-parley-local-secret';
/** A resume token for `peer` in `room` signed with `secret`, in the server's format (server/realtime/resume.ts). */
function forgeResume(secret, room, peer) {
  const body = Buffer.from(JSON.stringify([room, peer, Math.floor(Date.now() / 1000)])).toString('base64url');
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}
await check("a resume token for the host's PeerId signed with the published example SECRET is refused", async () => {
  if (!a) throw new Error('no host');
  if (!a.welcome.self.host) throw new Error('the first participant is not the host');
  for (const cookie of [cookieA, cookieB]) {
    const forged = { resume: forgeResume(PUBLISHED_SECRET, room, a.welcome.self.id) };
    const outcome = await join(room, 'Mallory', ['websocket'], cookie, forged).then(
      (stolen) => ({ admitted: stolen.welcome.self }),
      (err) => ({ refused: err.data ?? err.message }),
    );
    if (outcome.admitted) throw new Error(`admitted as ${JSON.stringify(outcome.admitted)}`);
    if (outcome.refused?.code !== 'BAD_REQUEST') throw new Error(`refused with ${JSON.stringify(outcome.refused)}`);
  }
  if (!a.socket.connected) throw new Error('the host lost its connection');
  return `BAD_REQUEST on ${replicaA} and ${replicaB}; the host stays`;
});
await check('the replicas share one generated SECRET: the host resumes on another replica as the same PeerId', async () => {
  if (!a) throw new Error('no host');
  const back = await join(room, 'Ada', ['websocket'], cookieB, { resume: a.welcome.resume });
  if (back.welcome.self.id !== a.welcome.self.id || !back.welcome.self.host)
    throw new Error(`resumed as ${JSON.stringify(back.welcome.self)}`);
  return `token from ${replicaA} accepted on ${replicaB}`;
});

finish();
