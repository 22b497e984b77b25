/**
 * A rolling restart through HAProxy (deploy/haproxy.cfg) of three replica processes, with the replicas' default
 * DRAIN_NOTICE_MS, refuses nobody: participants whose replica drains move as the same peers without anybody seeing
 * them leave, and clients whose LB cookie names the draining replica load pages and join throughout.
 */
import { startCluster, type Cluster, type ReplicaHandle } from '../../scripts/cluster.cjs';
import { sleep, waitUntil } from '../helpers/browser';
import { lbCookies, lbGet, participantsPerReplica, untilLbRoutesTo } from '../helpers/lb';
import { Mover } from '../helpers/mover';

jest.setTimeout(120_000);

const GRACE_MS = 5000;
// How often a newcomer pinned to the draining replica arrives while it drains.
const ARRIVAL_EVERY_MS = 400;

let cluster: Cluster;
const movers: Mover[] = [];

beforeAll(async () => {
  cluster = await startCluster({
    replicas: 3,
    turn: false,
    env: {
      LOG_LEVEL: 'warn',
      RESUME_GRACE_MS: String(GRACE_MS),
      DRAIN_TIMEOUT_MS: '2000',
      // Every client here comes from 127.0.0.1.
      JOIN_RATE_PER_ADDR: '1000',
      JOIN_BURST_PER_ADDR: '1000',
      ROOM_MAX_PEERS: '50',
    },
  });
});

afterAll(async () => {
  for (const m of movers) m.close();
  await cluster?.stop();
});

interface Step {
  replica: string;
  at: number;
  /** Participants on the replica when it got SIGTERM. */
  on: number;
  stoppedMs: number;
  pages: number[];
  /** Newcomers pinned to the draining replica; those it admitted were then told to move by it. */
  arrivals: Mover[];
  admittedThere: number;
}

test('rolling restart: no refusal for anyone pinned to a draining replica, no PeerId changes, nobody leaves', async () => {
  const cookies = await lbCookies(cluster.url, 3);
  const pin = (replica: string) => `PARLEY_LB=${cookies.get(replica)}`;
  let draining = 'r1';
  const cookieOnNotice = () => pin(draining);
  const tag = Date.now().toString(36);
  const room = `drain-${tag}`;

  // Two per replica; one of each pair long-polls first and upgrades to WebSocket, as browsers do.
  for (const [i, replica] of ['r1', 'r1', 'r2', 'r2', 'r3', 'r3'].entries()) {
    const transports: Array<'polling' | 'websocket'> = i % 2 ? ['polling', 'websocket'] : ['websocket'];
    movers.push(await Mover.join(cluster.url, { room, name: `P${i}` }, pin(replica), cookieOnNotice, transports));
  }
  const callers = movers.slice();
  expect(callers.flatMap((m) => m.faults)).toEqual([]);
  expect(await participantsPerReplica(cluster)).toEqual({ r1: 2, r2: 2, r3: 2 });

  const began = Date.now();
  const steps: Step[] = [];
  for (const r of cluster.replicas as ReplicaHandle[]) {
    draining = r.id;
    const on = (await participantsPerReplica(cluster))[r.id] ?? 0;
    const stopAt = Date.now();
    let exited = false;
    const exit = r.kill('SIGTERM').then(() => {
      exited = true;
    });
    const step: Step = { replica: r.id, at: stopAt, on, stoppedMs: 0, pages: [], arrivals: [], admittedThere: 0 };
    const joins: Promise<Mover>[] = [];
    // Until the process is gone, newcomers whose cookie names it load the meeting page and join.
    while (!exited) {
      const name = `N${steps.length}-${joins.length}`;
      joins.push(Mover.join(cluster.url, { room: `${room}-${r.id}`, name }, pin(r.id), cookieOnNotice));
      step.pages.push((await lbGet(`${cluster.url}/r/${room}-${r.id}`, pin(r.id))).status);
      await Promise.race([exit, sleep(ARRIVAL_EVERY_MS)]);
    }
    await exit;
    step.stoppedMs = Date.now() - stopAt;
    step.arrivals = await Promise.all(joins);
    movers.push(...step.arrivals);
    step.admittedThere = step.arrivals.filter((m) => m.notices.some((at) => at < stopAt + step.stoppedMs)).length;
    steps.push(step);
    await r.start();
    await untilLbRoutesTo(cluster.url, r.id);
  }

  // Those not back by then are named below.
  await waitUntil('every participant welcomed after its last move', async () => movers.every((m) => m.settled()), 15_000).catch(
    () => undefined,
  );
  // Past the grace period and a lease: a participant who had not come back would have been announced as left.
  await sleep(Math.max(0, steps[2].at + GRACE_MS + 2500 - Date.now()));
  const counts = await participantsPerReplica(cluster);
  console.info(
    `rolling restart in ${Date.now() - began} ms: ` +
      steps
        .map(
          (s) =>
            `${s.replica} had ${s.on} participants, exited ${s.stoppedMs} ms after SIGTERM; ${s.arrivals.length} newcomers pinned ` +
            `to it joined meanwhile (${s.admittedThere} admitted by it, then moved), pages ${[...new Set(s.pages)].join('/')}`,
        )
        .join('; ') +
      `; moves per caller ${callers.map((m) => m.notices.length).join(',')}; participants per replica now ${JSON.stringify(counts)}`,
  );

  expect(movers.flatMap((m) => m.faults)).toEqual([]);
  expect(movers.filter((m) => !m.settled()).map((m) => m.auth.name)).toEqual([]);
  for (const s of steps) {
    expect(s.on).toBeGreaterThanOrEqual(2);
    expect(s.pages.filter((status) => status !== 200)).toEqual([]);
    expect(s.arrivals.length).toBeGreaterThanOrEqual(3);
    // The notice period admits: newcomers that reached the draining replica joined there and moved on like the rest.
    expect(s.admittedThere).toBeGreaterThanOrEqual(1);
  }
  // Every caller sat on a replica that was stopped, so moved at least once.
  for (const m of callers) expect(m.notices.length).toBeGreaterThanOrEqual(1);
  expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(movers.length);
});
