/**
 * Ask to join across replicas in Chromium: the host (on r1) makes Bob (on r2) co-host and turns on "Ask to join";
 * a newcomer on r3 knocks; r1 is SIGKILLed, and while the host is away Bob admits the knock. The newcomer is in
 * without another click, everyone ends up seeing everyone (the host back on another replica with the same PeerId),
 * and nobody sees anybody leave.
 */
import type { Page } from 'playwright-core';
import { knockList, openPeople, personRow, sleep, tileIds, waitUntil } from '../helpers/browser';
import {
  allDecoding,
  leftSeen,
  openThroughLb,
  replicaOf,
  selfIdOf,
  trail,
  useCallCluster,
  welcomeAfter,
  type ClusterPage,
  type ClusterParticipant,
} from '../helpers/call-cluster';
import { participantsPerReplica } from '../helpers/lb';
import { parleyStats } from '../helpers/frames';

const GRACE_MS = 6000;
const cc = useCallCluster({ RESUME_GRACE_MS: String(GRACE_MS) }, [
  ['Ada', 'r1'],
  ['Bob', 'r2'],
]);
let cyPage: ClusterPage | undefined;
afterAll(async () => {
  await cyPage?.context.close().catch(() => undefined);
});

const askToJoinOn = async (page: Page) => (await page.getByRole('button', { name: 'Ask to join' }).getAttribute('aria-pressed')) === 'true';

/** Each page's peer connections (state, frames decoded) and its client's own log lines, PeerIds shown as names. */
async function linkReport(people: ClusterParticipant[]): Promise<string> {
  const named = (line: string) => people.reduce((l, p) => l.split(p.id).join(p.name), line);
  const lines = await Promise.all(
    people.map(async (p) => {
      const stats = await parleyStats(p.page);
      const links = people
        .filter((o) => o !== p)
        .map((o) => {
          const s = stats[o.id];
          return `${o.name} ${s ? `${s.connectionState}/${s.iceState}, ${s.framesDecoded} frames` : 'no connection'}`;
        });
      const log = p.console.filter((l) => l.startsWith('parley:')).map(named);
      return `${p.name} sees ${links.join('; ')}${log.map((l) => `\n  ${l}`).join('')}`;
    }),
  );
  return lines.join('\n');
}

test('SIGKILL of the host’s replica while a newcomer knocks: the co-host on another replica admits, the newcomer is in, nobody leaves', async () => {
  const ada = cc.byName('Ada');
  const bob = cc.byName('Bob');
  expect(cc.people.map((p) => replicaOf(p))).toEqual(['r1', 'r2']);

  // Ada makes Bob co-host and turns on "Ask to join"; Bob's panel follows.
  await openPeople(ada.page);
  await openPeople(bob.page);
  await personRow(ada.page, 'Bob').getByRole('button', { name: 'Make co-host', exact: true }).click();
  await personRow(ada.page, 'Bob').getByRole('button', { name: 'Remove co-host', exact: true }).waitFor();
  await bob.page.getByRole('heading', { name: 'Host controls' }).waitFor();
  await ada.page.getByRole('button', { name: 'Ask to join' }).click();
  await waitUntil('Ada’s "Ask to join" to show on', () => askToJoinOn(ada.page));
  await waitUntil('Bob’s "Ask to join" to show on', () => askToJoinOn(bob.page));

  // Cy opens the room page pinned to r3 and knocks; Ada (r1) and Bob (r2) both see the knock.
  const cy = await openThroughLb(cc, cc.room, 'Cy', 'r3');
  cyPage = cy;
  await cy.page.getByRole('textbox', { name: 'Your name' }).fill('Cy');
  await cy.page.getByRole('button', { name: 'Join now' }).click();
  await cy.page.getByRole('status').filter({ hasText: 'Asking to join…' }).waitFor();
  for (const p of [ada, bob]) await knockList(p.page).getByText('Cy', { exact: true }).waitFor();
  expect(await cy.page.getByRole('button', { name: 'Leave call' }).count()).toBe(0);
  // Every socket Cy's page opened so far (the room watch and the knock on /lobby) is on r3.
  expect(cy.handshakes.length).toBeGreaterThan(0);
  expect(new Set(cy.handshakes.map((h) => `${h.status} ${h.server}`))).toEqual(new Set(['200 r3']));

  // r1 dies. As soon as Ada's page knows it is away, Bob admits Cy. Ada's attempts to come back (Socket.IO
  // handshakes) are held in her browser until Bob has clicked, so that the admission happens while she is away
  // whatever the reconnection's random delay; then they go on to the load balancer as they were.
  let release = () => {};
  const clicked = new Promise<void>((resolve) => (release = resolve));
  let held = 0;
  const handshake = (u: URL) => u.pathname === '/socket.io/' && !u.searchParams.has('sid');
  await ada.context.route(handshake, async (route) => {
    held++;
    await clicked;
    await route.continue();
  });
  const killedAt = Date.now();
  await cc.cluster.replicas[0].kill('SIGKILL');
  await ada.page.waitForFunction(
    (since) =>
      (window as unknown as { parley: { trail(): { at: number; event: string }[] } }).parley
        .trail()
        .some((e) => e.event === 'reconnecting' && e.at >= since),
    killedAt,
    { polling: 20, timeout: 10_000 },
  );
  await knockList(bob.page).getByRole('listitem').filter({ hasText: 'Cy' }).getByRole('button', { name: 'Admit', exact: true }).click();
  const admittedAt = Date.now();
  release();
  await ada.context.unroute(handshake);

  // Cy is in without another click: the call's own controls and own tile.
  await cy.page.getByRole('button', { name: 'Leave call' }).waitFor({ timeout: 15_000 });
  const cyId = await waitUntil('Cy’s PeerId', () => selfIdOf(cy.page));
  const cyIn = await waitUntil('Cy’s welcome', async () => (await trail(cy)).find((e) => e.event === 'welcome' && e.id === cyId));
  const cyP: ClusterParticipant = { ...cy, id: cyId };
  await cy.page.locator(`[data-participant-id="${cyId}"]`).first().waitFor();
  await bob.page.locator(`[data-participant-id="${cyId}"]`).first().waitFor({ timeout: 15_000 });

  // Ada comes back on another replica with her PeerId, and sees Cy too.
  const adaBack = await waitUntil('Ada welcomed again', () => welcomeAfter(ada, killedAt), 20_000);
  await ada.page.locator(`[data-participant-id="${cyId}"]`).first().waitFor({ timeout: 15_000 });
  const everyone = [ada, bob, cyP];
  await waitUntil('every page decoding video from every other participant', () => allDecoding(everyone), 30_000).catch(
    async (err: Error) => {
      throw new Error(`${err.message}\n${await linkReport(everyone)}`);
    },
  );
  const decodingAt = Date.now();
  // Past the grace period and a lease: a participant who had not resumed would have been announced as left by now.
  await sleep(Math.max(0, killedAt + GRACE_MS + 2500 - Date.now()));

  const counts = await participantsPerReplica(cc.cluster);
  console.info(
    `SIGKILL r1 → Ada's page away after ${(await trail(ada)).find((e) => e.event === 'reconnecting' && e.at >= killedAt)!.at - killedAt} ms, ` +
      `Bob's Admit clicked at +${admittedAt - killedAt} ms, Cy welcomed at +${cyIn.at - killedAt} ms on ${replicaOf(cy)} ` +
      `(${cyIn.at - admittedAt} ms after the click), Ada welcomed again at +${adaBack.at - killedAt} ms on ${replicaOf(ada)}, ` +
      `all three decoding each other at +${decodingAt - killedAt} ms; Ada's handshakes held until the click: ${held}; ` +
      `participants per replica now ${JSON.stringify(counts)}; ICE restarts: ${everyone
        .map((p) => `${p.name} ${p.console.filter((l) => l.startsWith('parley: ICE restart')).length}`)
        .join(', ')}`,
  );

  // Bob admitted while Ada was still away.
  expect(admittedAt).toBeLessThan(adaBack.at);
  expect(cyIn.at).toBeGreaterThan(admittedAt);
  expect(cyIn.at - admittedAt).toBeLessThan(5000);
  expect(replicaOf(cy)).toBe('r3');
  expect(replicaOf(bob)).toBe('r2');
  expect(['r2', 'r3']).toContain(replicaOf(ada));
  // Ada's and Bob's PeerIds stayed; each page shows the same three tiles.
  const ids = [ada.id, bob.id, cyId].sort();
  for (const p of everyone) expect([p.name, await tileIds(p.page)]).toEqual([p.name, ids]);
  for (const p of everyone) expect([p.name, await leftSeen(p)]).toEqual([p.name, []]);
  // Nobody is left asking.
  for (const p of [ada, bob]) {
    await waitUntil(`${p.name}’s knock list to empty`, async () => !(await knockList(p.page).isVisible()));
  }
  expect(counts).toEqual({ r2: (counts.r2 ?? 0) as number, r3: (counts.r3 ?? 0) as number });
  expect((counts.r2 ?? 0) + (counts.r3 ?? 0)).toBe(3);
});
