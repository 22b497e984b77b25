/**
 * Redis goes away for ten seconds in the middle of a call in Chromium (three replicas behind HAProxy): media keeps
 * decoding, joins meanwhile are refused at once as retryable instead of hanging, joins work again soon after Redis
 * is back, a participant whose socket dropped meanwhile keeps trying with its resume token and comes back as itself,
 * nobody is removed, and every chat message stored before the outage is still in the history (AOF).
 */
import type { Page } from 'playwright-core';
import { parleyPeers, sleep } from '../helpers/browser';
import { leftSeen, trail, useCallCluster } from '../helpers/call-cluster';
import { attemptJoin, type JoinAttempt } from '../helpers/lb';
import { FrameSampler } from '../helpers/frame-sampler';

const GRACE_MS = 6000;
const OUTAGE_MS = 10_000;
const cc = useCallCluster({ RESUME_GRACE_MS: String(GRACE_MS) }, [
  ['Ada', 'r1'],
  ['Bob', 'r2'],
  ['Cy', 'r3'],
]);

async function openChat(page: Page) {
  const box = page.getByRole('textbox', { name: 'Message' });
  if (!(await box.isVisible())) await page.getByRole('button', { name: 'Chat', exact: true }).click();
  await box.waitFor();
  return box;
}

/** A chat line in the chat panel (exact text, so a notification toast quoting it does not count). */
const chatLine = (page: Page, text: string) => page.getByText(text, { exact: true }).filter({ visible: true }).first();

test('Redis down for 10 s mid-call: media goes on, joins are refused as retryable, come back within seconds, a participant who dropped meanwhile resumes; chat history survives', async () => {
  const redis = cc.cluster.redis;
  if (!redis) throw new Error('the cluster runs without Redis');
  // Chat before the outage: each message delivered to another page was stored (and acknowledged) first.
  const sent: string[] = [];
  for (const p of cc.people) await openChat(p.page);
  for (const [i, p] of cc.people.entries()) {
    const text = `before the outage ${i + 1} from ${p.name}`;
    const box = await openChat(p.page);
    await box.fill(text);
    await box.press('Enter');
    await chatLine(cc.people[(i + 1) % cc.people.length].page, text).waitFor({ timeout: 10_000 });
    sent.push(text);
  }
  const peersBefore = await Promise.all(cc.people.map(async (p) => (await parleyPeers(p.page)).sort()));

  const pin = `PARLEY_LB=${cc.cookies.get('r2')}`;
  const sampler = new FrameSampler(cc.people, 500);
  await sleep(1000);
  const killedAt = Date.now();
  await redis.kill('SIGKILL');
  // Bob's network blinks just then: his socket drops and comes back while the room state is out of reach.
  const bob = cc.people[1];
  await bob.context.setOffline(true);
  await sleep(300);
  await bob.context.setOffline(false);
  let during: JoinAttempt[] | undefined;
  let backAt: number | undefined;
  let rejoinedAt = 0;
  let rejoin: JoinAttempt | undefined;
  const tries: JoinAttempt[] = [];
  try {
    await sleep(200);
    // A join straight to a replica, and one through the load balancer (which takes the replicas out of its rotation
    // once their /readyz says 503): both answered at once, neither hangs.
    during = await Promise.all([
      attemptJoin(cc.cluster.replicas[0].url, { room: cc.room, name: 'Early' }),
      attemptJoin(cc.cluster.url, { room: cc.room, name: 'Early' }, pin),
    ]);
    await sleep(4000);
    during.push(await attemptJoin(cc.cluster.url, { room: cc.room, name: 'Early' }, pin));
    await sleep(Math.max(0, killedAt + OUTAGE_MS - Date.now()));
    await redis.start();
    backAt = Date.now();
    // Join through the LB as soon as it works again; the new participant's welcome carries the chat history. Not pinned:
    // the replicas come back one by one, and the LB sends a newcomer to whichever is ready, cookie and all.
    while (Date.now() - backAt < 20_000) {
      const a = await attemptJoin(cc.cluster.url, { room: cc.room, name: 'Late' }, undefined, 3000);
      tries.push(a);
      if (a.ok) {
        rejoinedAt = Date.now();
        rejoin = a;
        break;
      }
      await sleep(200);
    }
    // Past the reaping hold after the reconnection and a grace period: anyone lost would be announced by now.
    await sleep(GRACE_MS + 2000);
  } finally {
    await sampler.stop();
    if (!(redis.proc.exitCode === null && redis.proc.signalCode === null)) await redis.start();
  }
  if (!during || backAt === undefined) throw new Error('the outage did not run to its end');
  const joinedAfter = rejoin ? rejoinedAt - backAt : -1;
  const welcomesDuring = await Promise.all(
    cc.people.map(async (p) => (await trail(p)).filter((e) => e.event === 'welcome' && e.at > killedAt).length),
  );
  const frames = sampler.around(killedAt, OUTAGE_MS);
  const bobBack = (await trail(bob)).find((e) => e.event === 'welcome' && e.at > killedAt);
  console.info(
    `Redis down ${backAt - killedAt} ms: joins meanwhile → ${during
      .map((d) => (d.code ? `${d.code} retryable=${d.retryable}` : `${d.message} (HTTP ${String(d.status)})`) + ` in ${d.ms} ms`)
      .join('; ')}; ` +
      `a join through the LB worked ${joinedAfter} ms after Redis was back (${tries.length} tries: ${tries.map((t) => (t.ok ? 'ok' : (t.code ?? (t.status === undefined ? t.message : `HTTP ${String(t.status)}`)))).join(', ')}); ` +
      `frames decoded on all 6 tiles: ${frames.before} at the kill, ${frames.after} when Redis came back, ${sampler.totals().last} at the end (${sampler.samples.length} samples); ` +
      `welcomes (resumes) during/after the outage per participant: ${welcomesDuring.join(', ')}; ` +
      `Bob's handshakes after the blink: ${bob.handshakes
        .filter((h) => h.at > killedAt)
        .map((h) => `${h.server} ${h.status} at +${h.at - killedAt} ms`)
        .join(', ')}; Bob back ${bobBack ? bobBack.at - backAt : '-'} ms after Redis`,
  );

  expect(sampler.stalls()).toEqual([]);
  // Straight to a replica: the room state is out of reach, and the refusal says that trying again will work.
  expect(during[0]).toMatchObject({ ok: false, code: 'INTERNAL', retryable: true });
  // Through the LB: that same refusal, or the LB's own 503 once no replica is ready; at once either way.
  for (const d of during.slice(1)) {
    expect(d.ok).toBe(false);
    expect(d.code === 'INTERNAL' ? d.retryable : d.status).toBe(d.code === 'INTERNAL' ? true : 503);
    expect(d.ms).toBeLessThan(5000);
  }
  expect(rejoin?.ok).toBe(true);
  expect(joinedAfter).toBeLessThan(5000);
  const history = (rejoin?.welcome?.chat ?? []).map((m: { text: string }) => m.text);
  expect(history).toEqual(expect.arrayContaining(sent));
  expect(rejoin?.welcome?.peers.map((p: { name: string }) => p.name).sort()).toEqual(['Ada', 'Bob', 'Cy']);
  const ids = new Set(cc.people.map((p) => p.id));
  for (const p of cc.people) expect((await leftSeen(p)).filter((e) => ids.has(e.id as string))).toEqual([]);
  // Only Bob came back (once, as himself: every welcome on a page carries the same PeerId, see trail()).
  expect(welcomesDuring).toEqual([0, 1, 0]);
  expect((await trail(bob)).filter((e) => e.event === 'welcome').map((e) => e.id)).toEqual([bob.id, bob.id]);
  expect(await Promise.all(cc.people.map(async (p) => (await parleyPeers(p.page)).filter((id) => ids.has(id)).sort()))).toEqual(
    peersBefore,
  );
  rejoin?.socket?.close();
});
