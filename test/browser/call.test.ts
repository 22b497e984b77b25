/**
 * Calls in Chromium through the real pages, one browser with a context per participant: the pre-join page, media
 * really flows, and microphone, camera and screen share reach everyone.
 */
import { newRoomCode } from '../../server/rooms/codes';
import {
  flip,
  joinFromPrejoin,
  openPage,
  parleyPeers,
  useBrowserCall,
  tile,
  toggle,
  waitForTileState,
  waitUntil,
} from '../helpers/browser';
import { parleyStats, playingVideos, videoFrames, waitForFrames } from '../helpers/frames';
import { screenshotPath } from '../helpers/screenshots';

const call = useBrowserCall();
const join = call.join;

test('pre-join page: name, "Join now", microphone and camera toggles, device pickers', async () => {
  const { context, page } = await openPage(call.browser(), `${call.url()}/r/${newRoomCode()}`);
  try {
    await page.getByRole('textbox', { name: 'Your name' }).waitFor();
    await page.getByRole('button', { name: 'Join now' }).waitFor();
    expect(await toggle(page, /microphone/i).getAttribute('aria-pressed')).toMatch(/^(true|false)$/);
    expect(await toggle(page, /camera/i).getAttribute('aria-pressed')).toMatch(/^(true|false)$/);
    await waitUntil('device pickers to list the fake devices', async () => {
      const cams = await page.getByLabel('Camera', { exact: true }).locator('option').count();
      const mics = await page.getByLabel('Microphone', { exact: true }).locator('option').count();
      return cams > 0 && mics > 0;
    });
    // Self preview plays before joining.
    await waitUntil('the self preview to play', async () => (await playingVideos(page)).some((v) => v.frames > 0));
    await page.getByRole('textbox', { name: 'Your name' }).fill('Ada Lovelace');
    await page.screenshot({ path: screenshotPath('prejoin.png') });
  } finally {
    await context.close();
  }
});

test('two participants: each decodes the other’s video and receives its audio', async () => {
  const room = newRoomCode();
  const a = await join(room, 'Ada');
  const b = await join(room, 'Bob');

  for (const name of ['Leave call', 'Share screen', 'Chat', 'People', 'Raise hand']) {
    await a.page.getByRole('button', { name, exact: true }).waitFor();
  }
  expect(await toggle(a.page, /microphone/i).getAttribute('aria-pressed')).toBe('true');
  expect(await toggle(a.page, /camera/i).getAttribute('aria-pressed')).toBe('true');
  await expect(tile(a.page, b.id).textContent()).resolves.toContain('Bob');
  await expect(tile(b.page, a.id).textContent()).resolves.toContain('Ada');
  await waitForFrames(a.page, b.id, 10);
  await waitForFrames(b.page, a.id, 10);

  // Frames and audio packets keep coming.
  const before = { ab: await videoFrames(a.page, b.id), ba: await videoFrames(b.page, a.id), stats: await parleyStats(a.page) };
  await new Promise((r) => setTimeout(r, 1500));
  expect(await videoFrames(a.page, b.id)).toBeGreaterThan(before.ab + 5);
  expect(await videoFrames(b.page, a.id)).toBeGreaterThan(before.ba + 5);
  const statsA = await parleyStats(a.page);
  const statsB = await parleyStats(b.page);
  expect(Object.keys(statsA)).toEqual([b.id]);
  expect(Object.keys(statsB)).toEqual([a.id]);
  expect(statsA[b.id].framesDecoded).toBeGreaterThan(before.stats[b.id].framesDecoded);
  expect(statsA[b.id].audioPacketsReceived).toBeGreaterThan(before.stats[b.id].audioPacketsReceived);
  expect(statsB[a.id].audioPacketsReceived).toBeGreaterThan(0);
  expect(statsA[b.id].connectionState).toBe('connected');
  expect(statsB[a.id].connectionState).toBe('connected');
  expect(await parleyPeers(a.page)).toEqual([b.id]);
  expect(await parleyPeers(b.page)).toEqual([a.id]);

  const ms = await waitUntil('parley:first-frame on the second participant', async () => b.firstFrameMs());
  console.info(`join-to-first-remote-frame (newcomer joining one participant): ${ms} ms`);
  expect(ms).toBeGreaterThan(0);
});

test('microphone and camera off show as data-audio/data-video="off" everywhere, and back on', async () => {
  const room = newRoomCode();
  const a = await join(room, 'Ada');
  const b = await join(room, 'Bob');
  const c = await join(room, 'Cy');
  const everyone = [a, b, c];
  await waitForFrames(b.page, a.id, 5);

  for (const p of everyone) await waitForTileState(p.page, a.id, 'data-audio', 'on');
  await flip(a.page, /microphone/i);
  for (const p of everyone) await waitForTileState(p.page, a.id, 'data-audio', 'off');
  await flip(a.page, /microphone/i);
  for (const p of everyone) await waitForTileState(p.page, a.id, 'data-audio', 'on');

  for (const p of everyone) await waitForTileState(p.page, a.id, 'data-video', 'on');
  await flip(a.page, /camera/i);
  for (const p of everyone) await waitForTileState(p.page, a.id, 'data-video', 'off');
  // The others' state is untouched.
  for (const p of everyone) await waitForTileState(p.page, b.id, 'data-video', 'on');
  await flip(a.page, /camera/i);
  for (const p of everyone) await waitForTileState(p.page, a.id, 'data-video', 'on');

  // A raised hand shows on that participant's tile for the others.
  expect(await tile(b.page, a.id).getByRole('img', { name: 'Hand raised' }).isVisible()).toBe(false);
  await a.page.getByRole('button', { name: 'Raise hand' }).click();
  for (const p of [b, c]) await tile(p.page, a.id).getByRole('img', { name: 'Hand raised' }).waitFor();
  await waitForFrames(b.page, a.id, 5);
  await waitForFrames(c.page, a.id, 5);
});

test('camera turned off before "Join now" is off for everyone from the start', async () => {
  const room = newRoomCode();
  const a = await join(room, 'Ada');
  const { context, page, console: lines } = await openPage(call.browser(), `${call.url()}/r/${room}`);
  const pressed = await flip(page, /camera/i);
  await joinFromPrejoin(page, 'Quiet');
  const id = await page.evaluate(() => (window as unknown as { parley: { selfId: string } }).parley.selfId);
  call.track({ name: 'Quiet', page, context, id, console: lines, firstFrameMs: () => undefined });
  expect(await toggle(page, /camera/i).getAttribute('aria-pressed')).toBe(pressed);
  await waitForTileState(a.page, id, 'data-video', 'off');
  await waitForTileState(page, id, 'data-video', 'off');
});

test('a shared screen reaches the others as an extra video and goes away when sharing stops', async () => {
  const room = newRoomCode();
  const a = await join(room, 'Ada');
  const b = await join(room, 'Bob');
  const c = await join(room, 'Cy');
  await waitForFrames(b.page, a.id, 5);
  const wide = (v: { width: number; height: number }) => v.width / v.height > 1.5;
  expect((await playingVideos(b.page)).filter(wide)).toEqual([]);

  // Headless Chromium with --use-fake-ui-for-media-stream answers getDisplayMedia with a fake 1280x720 screen.
  await a.page.getByRole('button', { name: 'Share screen' }).click();
  for (const viewer of [b, c]) {
    const first = await waitUntil('a wide screen video on a viewer', async () => (await playingVideos(viewer.page)).find(wide));
    const later = await waitUntil('the screen video to advance', async () =>
      (await playingVideos(viewer.page)).find((v) => wide(v) && v.frames > first.frames + 3),
    );
    expect(later.width / later.height).toBeCloseTo(16 / 9, 1);
  }
  // The camera of the sharer keeps flowing alongside the screen.
  await waitForFrames(b.page, a.id, 5);

  await a.page
    .getByRole('button', { name: /stop (sharing|presenting)|share screen/i })
    .first()
    .click();
  for (const viewer of [b, c]) {
    await waitUntil('the screen video to go away', async () => ((await playingVideos(viewer.page)).some(wide) ? undefined : true));
  }
  await waitForFrames(b.page, a.id, 5);
  await waitForFrames(c.page, a.id, 5);
  expect(a.console.filter((l) => l.startsWith('pageerror'))).toEqual([]);
});
