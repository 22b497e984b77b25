/**
 * A four-person call in Chromium through HAProxy and three replica processes on Redis survives the replicas going
 * away: a SIGKILLed replica's two participants move to the others, and a rolling restart moves everyone in turn.
 * Media is peer to peer and keeps decoding on every tile; nobody sees anybody leave; PeerIds stay.
 */
import { sleep, tileIds, waitUntil } from '../helpers/browser';
import { leftSeen, replicaOf, useCallCluster, welcomeAfter, type ClusterParticipant } from '../helpers/call-cluster';
import { participantsPerReplica, untilLbRoutesTo } from '../helpers/lb';
import { FrameSampler } from '../helpers/frame-sampler';
import { parleyPeers } from '../helpers/browser';

const GRACE_MS = 6000;
// A draining replica tells its participants to move only after this (the replicas' default).
const NOTICE_MS = 4000;
// Two participants pinned to r1 (by the LB cookie), one each on r2 and r3.
const cc = useCallCluster({ RESUME_GRACE_MS: String(GRACE_MS), DRAIN_TIMEOUT_MS: '6000', DRAIN_NOTICE_MS: String(NOTICE_MS) }, [
  ['Ada', 'r1'],
  ['Bob', 'r1'],
  ['Cy', 'r2'],
  ['Dee', 'r3'],
]);

async function views() {
  return Promise.all(
    cc.people.map(async (p) => ({ name: p.name, peers: (await parleyPeers(p.page)).sort(), tiles: await tileIds(p.page) })),
  );
}

test('SIGKILL of the replica holding two participants: both move to another replica within 5 s, media never stops, nobody leaves', async () => {
  expect(cc.people.map((p) => replicaOf(p))).toEqual(['r1', 'r1', 'r2', 'r3']);
  expect(await participantsPerReplica(cc.cluster)).toEqual({ r1: 2, r2: 1, r3: 1 });
  const before = await views();
  const r1 = cc.cluster.replicas[0];

  const sampler = new FrameSampler(cc.people, 500);
  await sleep(1500);
  const killedAt = Date.now();
  await r1.kill('SIGKILL');
  const moved: Record<string, number> = {};
  try {
    for (const p of [cc.byName('Ada'), cc.byName('Bob')]) {
      const w = await waitUntil(`${p.name} welcomed again`, () => welcomeAfter(p, killedAt), 20_000);
      moved[p.name] = w.at - killedAt;
    }
    // Past the grace period and a lease: a participant who had not resumed would have been announced as left by now.
    await sleep(Math.max(0, killedAt + GRACE_MS + 2500 - Date.now()));
  } finally {
    await sampler.stop();
  }
  const where = Object.fromEntries(cc.people.map((p) => [p.name, replicaOf(p)]));
  const counts = await participantsPerReplica(cc.cluster);
  const frames = sampler.around(killedAt, 2000);
  console.info(
    `SIGKILL r1: Ada back after ${moved.Ada} ms on ${where.Ada}, Bob after ${moved.Bob} ms on ${where.Bob}; ` +
      `frames decoded on all 12 tiles: ${frames.before} just before the kill, ${frames.after} 2 s later, ` +
      `${sampler.totals().last} at the end; ${sampler.samples.length} samples every 500 ms; participants per replica now ${JSON.stringify(counts)}`,
  );

  expect(sampler.stalls()).toEqual([]);
  expect(sampler.samples.length).toBeGreaterThan(10);
  for (const name of ['Ada', 'Bob']) {
    expect(moved[name]).toBeLessThan(5000);
    expect(['r2', 'r3']).toContain(where[name]);
  }
  expect(counts).toEqual({ r2: (counts.r2 ?? 0) as number, r3: (counts.r3 ?? 0) as number });
  expect((counts.r2 ?? 0) + (counts.r3 ?? 0)).toBe(4);
  for (const p of cc.people) expect(await leftSeen(p)).toEqual([]);
  expect(await views()).toEqual(before);

  await r1.start();
  await untilLbRoutesTo(cc.cluster.url, 'r1');
});

test('rolling restart of all three replicas (SIGTERM, drain, back, next): everyone moves, media never stops, nobody leaves', async () => {
  const before = await views();
  const sampler = new FrameSampler(cc.people, 500);
  await sleep(1000);
  const began = Date.now();
  // When each replica was told to stop, and who was on it then.
  const stops: { replica: string; at: number; on: ClusterParticipant[] }[] = [];
  let steps: Awaited<ReturnType<typeof cc.cluster.rollingRestart>>;
  try {
    steps = await cc.cluster.rollingRestart({
      onStep: (s) => {
        if (s.phase === 'stopping')
          stops.push({ replica: s.replica, at: Date.now(), on: cc.people.filter((p) => replicaOf(p) === s.replica) });
      },
    });
    await sleep(Math.max(0, GRACE_MS + 2500 - (Date.now() - stops[2].at)));
  } finally {
    await sampler.stop();
  }

  const moves: string[] = [];
  const moveMs: number[] = [];
  for (const s of stops) {
    for (const p of s.on) {
      const w = await welcomeAfter(p, s.at);
      const ms = w ? w.at - s.at : Infinity;
      moveMs.push(ms);
      moves.push(`${p.name} ${s.replica}→${p.handshakes.filter((h) => h.status === 200 && h.at > s.at)[0]?.server ?? '?'} ${ms} ms`);
    }
  }
  const frames = sampler.totals();
  console.info(
    `rolling restart in ${Date.now() - began} ms: ${steps.map((s) => `${s.replica} stopped after ${s.stoppedMs} ms, back in the LB after ${s.backMs} ms`).join('; ')}; ` +
      `moves (SIGTERM to welcome elsewhere): ${moves.join(', ')}; frames decoded on all tiles ${frames.first} → ${frames.last} over ${sampler.samples.length} samples; ` +
      `refused handshakes on the way: ${cc.people.reduce((n, p) => n + p.handshakes.filter((h) => h.at > began && h.status !== 200).length, 0)}`,
  );

  expect(sampler.stalls()).toEqual([]);
  // Everyone sat on a replica that was stopped at least once, and so moved at least once.
  expect(cc.people.filter((p) => !stops.some((s) => s.on.includes(p))).map((p) => p.name)).toEqual([]);
  // Within 5 s of its turn to move: the notice comes NOTICE_MS after the SIGTERM and tells each participant to move
  // after a random delay of up to 2 s (the drain's spread), so that they do not all arrive at once.
  for (const ms of moveMs) expect(ms).toBeLessThan(NOTICE_MS + 2000 + 5000);
  for (const p of cc.people) expect(await leftSeen(p)).toEqual([]);
  expect(await views()).toEqual(before);
  const counts = await participantsPerReplica(cc.cluster);
  expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(4);
});
