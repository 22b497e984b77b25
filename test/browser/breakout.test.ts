/**
 * Breakout rooms in Chromium through the real pages. Ada (the host) sends Bob and Cy to Room 1 and Dee and Eve to
 * Room 2 by hand: each room sees and decodes only its own people, the main room only Ada; a message to all rooms and a
 * request for help get through; "Close rooms" brings everyone back to the main call under the same names, with the
 * same camera, without a click. Then the timer: rooms shuffled by Ada close by themselves when her clock passes their
 * end, long before the server's own timer would.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { newRoomCode } from '../../server/rooms/codes';
import { openPeople, type Participant, tileIds, useBrowserCall, waitUntil } from '../helpers/browser';
import { COLOURS, makeMediaDir, rmMediaDir, waitForFrames, writeSolidY4m } from '../helpers/frames';
import { screenshotPath } from '../helpers/screenshots';

// A small solid-colour camera: five pages encoding and decoding a full mesh stay cheap on two cores.
const mediaDir = makeMediaDir();
const call = useBrowserCall({}, { fakeVideo: writeSolidY4m(path.join(mediaDir, 'camera.y4m'), COLOURS.blue) });
afterAll(() => rmMediaDir(mediaDir));

const selfId = (page: Page) => page.evaluate(() => (window as unknown as { parley: { selfId: string | null } }).parley.selfId ?? '');

/** The names on the page's tiles, sorted. */
const tileNames = (page: Page) =>
  page.$$eval('[data-participant-id] .tile-name', (els) => [...new Set(els.map((e) => e.textContent ?? ''))].sort());

/** The id of the camera track the page shows on its own tile. */
const ownTrack = (page: Page) =>
  page.evaluate(() => {
    const id = (window as unknown as { parley: { selfId: string | null } }).parley.selfId;
    const video = document.querySelector(`[data-participant-id="${id}"] video`) as HTMLVideoElement | null;
    return (video?.srcObject as MediaStream | null)?.getVideoTracks()[0]?.id ?? null;
  });

const bar = (page: Page) => page.getByRole('region', { name: 'Breakout room', exact: true });

/** Waits until the page is in a call with exactly `names` (itself included); resolves with its own PeerId there. */
async function waitForCall(p: Participant, names: string[], leftId: string): Promise<string> {
  const id = await waitUntil(`${p.name}'s new PeerId`, async () => {
    const now = await selfId(p.page);
    return now && now !== leftId ? now : undefined;
  });
  await waitUntil(
    `${p.name} to see ${names.join(', ')}`,
    async () => (await tileIds(p.page)).length === names.length && JSON.stringify(await tileNames(p.page)) === JSON.stringify(names),
  );
  return id;
}

async function openBreakoutPanel(page: Page) {
  await openPeople(page);
  await page.getByRole('button', { name: 'Breakout rooms', exact: true }).click();
  await page.getByRole('heading', { name: 'Breakout rooms' }).waitFor();
}

/** Joins Ada first (the host), then the others at once; waits until everyone sees everyone. */
async function joinAll(names: string[]): Promise<Participant[]> {
  const room = newRoomCode();
  const host = await call.join(room, names[0]);
  const rest = await Promise.all(names.slice(1).map((n) => call.join(room, n)));
  const all = [host, ...rest];
  const sorted = [...names].sort();
  for (const p of all) {
    await waitUntil(`${p.name} to see everyone`, async () => JSON.stringify(await tileNames(p.page)) === JSON.stringify(sorted));
  }
  return all;
}

test('rooms by hand: each room sees and hears only its own, messages and help get through, "Close rooms" brings all back', async () => {
  const started = Date.now();
  const [ada, bob, cy, dee, eve] = await joinAll(['Ada', 'Bob', 'Cy', 'Dee', 'Eve']);
  const guests = [bob, cy, dee, eve];
  const joinedMs = Date.now() - started;
  const tracks = await Promise.all(guests.map((p) => ownTrack(p.page)));
  expect(tracks.every(Boolean)).toBe(true);

  // Only hosts and co-hosts have the button.
  await bob.page.getByRole('button', { name: 'People', exact: true }).click();
  await bob.page.getByRole('list', { name: 'People in the meeting' }).waitFor();
  expect(await bob.page.getByRole('button', { name: 'Breakout rooms' }).count()).toBe(0);

  await openBreakoutPanel(ada.page);
  const panel = ada.page.getByRole('complementary');
  expect(await panel.getByLabel('Number of rooms').inputValue()).toBe('2');
  // Hosts stay in the main room: Ada has no picker; the four others have one each.
  expect(await panel.getByRole('combobox').count()).toBe(4);
  expect(await panel.getByLabel('Room for Ada').count()).toBe(0);
  await panel.getByLabel('Room for Bob').selectOption({ label: 'Room 1' });
  await panel.getByLabel('Room for Cy').selectOption({ label: 'Room 1' });
  await panel.getByLabel('Room for Dee').selectOption({ label: 'Room 2' });
  await panel.getByLabel('Room for Eve').selectOption({ label: 'Room 2' });
  await panel.getByLabel('Timer in minutes').fill('2');
  const openedAt = Date.now();
  await panel.getByRole('button', { name: 'Open rooms' }).click();

  // The host's panel shows the rooms and who is in them, and the time left.
  await panel.getByText('Breakout rooms are open').waitFor();
  const members = async (room: string) =>
    (
      await panel
        .getByRole('list', { name: `In ${room}` })
        .getByRole('listitem')
        .allTextContents()
    ).sort();
  expect(await members('Room 1')).toEqual(['Bob', 'Cy']);
  expect(await members('Room 2')).toEqual(['Dee', 'Eve']);
  expect(await panel.getByRole('timer').textContent()).toMatch(/^Rooms close in (1:[0-5]\d|2:00)$/);

  // Everyone is moved without a click: the bar names the room and counts down.
  const rooms: Record<string, string[]> = { Bob: ['Bob', 'Cy'], Cy: ['Bob', 'Cy'], Dee: ['Dee', 'Eve'], Eve: ['Dee', 'Eve'] };
  const ids: Record<string, string> = {};
  await Promise.all(
    guests.map(async (p) => {
      ids[p.name] = await waitForCall(p, rooms[p.name], p.id);
      const room = p.name === 'Bob' || p.name === 'Cy' ? 'Room 1' : 'Room 2';
      await bar(p.page).getByText(`Breakout room: ${room}`, { exact: true }).waitFor();
      expect(await bar(p.page).getByRole('timer').textContent()).toMatch(/^Closes in (1:[0-5]\d|2:00)$/);
    }),
  );
  const movedMs = Date.now() - openedAt;
  // Nobody sees anybody of the other room; the main room holds only Ada.
  for (const p of guests) expect([p.name, (await tileIds(p.page)).length]).toEqual([p.name, 2]);
  await waitUntil('Ada alone in the main room', async () => JSON.stringify(await tileIds(ada.page)) === JSON.stringify([ada.id]));
  expect(await tileNames(ada.page)).toEqual(['Ada']);
  // Alone for now, Ada is not asked to share the meeting link.
  await ada.page.getByText('Everyone else is in breakout rooms').waitFor();
  expect(await ada.page.getByText('Share this link').isVisible()).toBe(false);
  // The same camera went along (no new capture, so no new prompt).
  expect(await Promise.all(guests.map((p) => ownTrack(p.page)))).toEqual(tracks);

  // Each room decodes its own people's video.
  await Promise.all([
    waitForFrames(bob.page, ids.Cy, 10, 30_000),
    waitForFrames(cy.page, ids.Bob, 10, 30_000),
    waitForFrames(dee.page, ids.Eve, 10, 30_000),
    waitForFrames(eve.page, ids.Dee, 10, 30_000),
  ]);
  const mediaMs = Date.now() - openedAt;

  // A message to all rooms reaches every room.
  await panel.getByLabel('Message to all rooms').fill('Five more minutes, then we meet again');
  await panel.getByRole('button', { name: 'Send', exact: true }).click();
  for (const p of [bob, dee]) await p.page.getByText('Message from Ada: Five more minutes, then we meet again').waitFor();
  await ada.page.getByText('Message sent to all rooms').waitFor();
  expect(await panel.getByLabel('Message to all rooms').inputValue()).toBe('');

  // Cy asks for help: Ada is told who and where.
  await bar(cy.page).getByRole('button', { name: 'Ask for help' }).click();
  await ada.page.getByText('Cy asks for help in Room 1').waitFor();
  await cy.page.getByText('The hosts were asked to help').waitFor();
  await ada.page.screenshot({ path: screenshotPath('breakout-host.png') });
  await cy.page.screenshot({ path: screenshotPath('breakout-room.png') });

  // Closed by hand well before the timer: everyone is back in the main call, with the same names and camera.
  expect(Date.now() - openedAt).toBeLessThan(100_000);
  const closedAt = Date.now();
  await panel.getByRole('button', { name: 'Close rooms' }).click();
  const everyone = ['Ada', 'Bob', 'Cy', 'Dee', 'Eve'];
  await Promise.all(guests.map((p) => waitForCall(p, everyone, ids[p.name])));
  await waitUntil('Ada to see everyone back', async () => JSON.stringify(await tileNames(ada.page)) === JSON.stringify(everyone));
  const backMs = Date.now() - closedAt;
  for (const p of [ada, ...guests]) {
    expect([p.name, (await tileIds(p.page)).length]).toEqual([p.name, 5]);
    expect([p.name, await bar(p.page).count()]).toEqual([p.name, 0]);
    expect([p.name, await p.page.getByText('You left the meeting').count()]).toEqual([p.name, 0]);
  }
  expect(await Promise.all(guests.map((p) => ownTrack(p.page)))).toEqual(tracks);
  // The panel is ready for another round.
  await panel.getByRole('button', { name: 'Open rooms' }).waitFor();
  // Media flows in the main call again.
  await waitForFrames(ada.page, await selfId(eve.page), 10, 30_000);

  console.info(
    `breakout rooms: 5 joined in ${joinedMs} ms; all moved ${movedMs} ms after "Open rooms", decoding in ${mediaMs} ms; ` +
      `all back ${backMs} ms after "Close rooms"; test ${Date.now() - started} ms`,
  );
});

test('the timer: shuffled rooms close by themselves when the host’s clock passes their end', async () => {
  const started = Date.now();
  const [ada, bob, cy] = await joinAll(['Ada', 'Bob', 'Cy']);
  await openBreakoutPanel(ada.page);
  const panel = ada.page.getByRole('complementary');
  await panel.getByRole('button', { name: 'Shuffle' }).click();
  const bobRoom = await panel.getByLabel('Room for Bob').inputValue();
  const cyRoom = await panel.getByLabel('Room for Cy').inputValue();
  // Two people, two rooms: one each.
  expect([bobRoom, cyRoom].sort()).toEqual(['0', '1']);
  await panel.getByLabel('Timer in minutes').fill('1');
  await panel.getByRole('button', { name: 'Open rooms' }).click();

  const bobId = await waitForCall(bob, ['Bob'], bob.id);
  const cyId = await waitForCall(cy, ['Cy'], cy.id);
  await bar(bob.page)
    .getByText(`Breakout room: Room ${Number(bobRoom) + 1}`, { exact: true })
    .waitFor();
  await bar(cy.page)
    .getByText(`Breakout room: Room ${Number(cyRoom) + 1}`, { exact: true })
    .waitFor();
  await bob.page.getByText(`You are the only one in Room ${Number(bobRoom) + 1}`).waitFor();

  // Ada's clock jumps past the end (the server's own timer has most of its minute to go): her client closes the rooms.
  const jumpedAt = Date.now();
  await ada.page.clock.setFixedTime(Date.now() + 2 * 60_000);
  await Promise.all([waitForCall(bob, ['Ada', 'Bob', 'Cy'], bobId), waitForCall(cy, ['Ada', 'Bob', 'Cy'], cyId)]);
  const closedMs = Date.now() - jumpedAt;
  expect(Date.now() - jumpedAt).toBeLessThan(30_000);
  await panel.getByRole('button', { name: 'Open rooms' }).waitFor();
  console.info(`breakout timer: rooms closed ${closedMs} ms after the host's clock passed their end; test ${Date.now() - started} ms`);
});
