/**
 * Calls in Chromium through the real pages, one browser with a context per participant: media really flows,
 * toggles and screen share reach everyone, chat with history, leave and kick, and names/chat stay text.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { newRoomCode } from '../../server/rooms/codes';
import {
  closeAll,
  ensureClientBuilt,
  flip,
  joinCall,
  joinFromPrejoin,
  launchBrowser,
  openPage,
  parleyPeers,
  parleyStats,
  playingVideos,
  startReplicaOn,
  tile,
  tileIds,
  toggle,
  videoFrames,
  waitForFrames,
  waitForTileState,
  waitUntil,
  type Participant,
} from '../helpers/browser';
import { join as joinSocket } from '../helpers/client';
import type { TestServer } from '../helpers/server';

const SCREENSHOTS = path.resolve(__dirname, '../../docs/screenshots');

let server: TestServer;
let browser: Browser;
let people: Participant[] = [];

beforeAll(async () => {
  ensureClientBuilt();
  server = await startReplicaOn(0);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

afterEach(async () => {
  await closeAll(people);
  people = [];
});

async function join(room: string, name: string): Promise<Participant> {
  const p = await joinCall(browser, server.url, room, name);
  people.push(p);
  return p;
}

async function openChat(page: Page) {
  const box = page.getByRole('textbox', { name: 'Message' });
  if (!(await box.isVisible())) await page.getByRole('button', { name: 'Chat', exact: true }).click();
  await box.waitFor();
  return box;
}

/** A chat message as shown in the chat panel (exact text, so a notification toast quoting it does not count). */
function chatLine(page: Page, text: string) {
  return page.getByText(text, { exact: true }).filter({ visible: true }).first();
}

async function sendChat(page: Page, text: string) {
  const box = await openChat(page);
  await box.fill(text);
  await box.press('Enter');
  await waitUntil('the message box to clear after sending', async () => (await box.inputValue()) === '');
}

test('pre-join page: name, "Join now", microphone and camera toggles, device pickers', async () => {
  const { context, page } = await openPage(browser, `${server.url}/r/${newRoomCode()}`);
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
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'prejoin.png') });
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
  const { context, page, console: lines } = await openPage(browser, `${server.url}/r/${room}`);
  const pressed = await flip(page, /camera/i);
  await joinFromPrejoin(page, 'Quiet');
  const id = await page.evaluate(() => (window as unknown as { parley: { selfId: string } }).parley.selfId);
  people.push({ name: 'Quiet', page, context, id, console: lines, firstFrameMs: () => undefined });
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

test('chat reaches everyone, and someone who joins later sees the history', async () => {
  const room = newRoomCode();
  const a = await join(room, 'Ada');
  const b = await join(room, 'Bob');
  await sendChat(a.page, 'hello from Ada');
  await openChat(b.page);
  await chatLine(b.page, 'hello from Ada').waitFor();
  await sendChat(b.page, 'hi Ada, Bob here');
  await chatLine(a.page, 'hi Ada, Bob here').waitFor();

  const c = await join(room, 'Cy');
  await openChat(c.page);
  await chatLine(c.page, 'hello from Ada').waitFor();
  await chatLine(c.page, 'hi Ada, Bob here').waitFor();
  await sendChat(c.page, 'late but here');
  await chatLine(a.page, 'late but here').waitFor();
  await chatLine(b.page, 'late but here').waitFor();
  // Each message shows once for its sender (the ack, not an echo).
  expect(await a.page.getByText('hello from Ada', { exact: true }).count()).toBe(1);
});

test('leaving removes the tile for everyone at once; "Rejoin" brings the participant back', async () => {
  const room = newRoomCode();
  const a = await join(room, 'Ada');
  const b = await join(room, 'Bob');
  const c = await join(room, 'Cy');
  await tile(a.page, c.id).waitFor();
  await tile(b.page, c.id).waitFor();

  const t0 = Date.now();
  await c.page.getByRole('button', { name: 'Leave call' }).click();
  await Promise.all([
    tile(a.page, c.id).waitFor({ state: 'detached', timeout: 2000 }),
    tile(b.page, c.id).waitFor({ state: 'detached', timeout: 2000 }),
  ]);
  console.info(`leave-to-tile-removed: ${Date.now() - t0} ms`);
  await c.page.getByText('You left the meeting').waitFor();
  expect(await parleyPeers(a.page)).toEqual([b.id]);

  await c.page.getByRole('button', { name: 'Rejoin' }).click();
  await c.page.getByRole('button', { name: 'Leave call' }).waitFor();
  const again = await waitUntil('a tile for the rejoined participant', async () => {
    const ids = await tileIds(a.page);
    return ids.length === 3 ? ids : undefined;
  });
  expect(again).toEqual(expect.arrayContaining([a.id, b.id]));
  const rejoined = again.find((id) => id !== a.id && id !== b.id) as string;
  await waitForFrames(a.page, rejoined, 5);
});

test('the host removes a participant from the People panel; they see why and cannot come back', async () => {
  const room = newRoomCode();
  const host = await join(room, 'Host');
  const b = await join(room, 'Bob');
  const c = await join(room, 'Mallory');
  await tile(host.page, c.id).waitFor();
  host.page.on('dialog', (d) => void d.accept());

  await host.page.getByRole('button', { name: 'People', exact: true }).click();
  const entry = host.page.getByRole('listitem').filter({ hasText: 'Mallory' });
  await entry.getByRole('button', { name: /remove|kick/i }).click();
  const confirm = host.page.getByRole('button', { name: /^(remove|kick)$/i });
  if (await confirm.isVisible().catch(() => false)) await confirm.click();

  await c.page.getByText('You were removed from this meeting').waitFor();
  expect(await c.page.getByRole('button', { name: 'Rejoin' }).count()).toBe(0);
  await tile(host.page, c.id).waitFor({ state: 'detached', timeout: 2000 });
  await tile(b.page, c.id).waitFor({ state: 'detached', timeout: 2000 });
  expect(await parleyPeers(b.page)).toEqual([host.id]);

  // Back to the room page under the same name: refused, nobody sees a new tile.
  await c.page.goto(`${server.url}/r/${room}`);
  await c.page.getByRole('textbox', { name: 'Your name' }).fill('Mallory');
  await c.page.getByRole('button', { name: 'Join now' }).click();
  await c.page
    .getByText(/removed|not allowed|banned/i)
    .first()
    .waitFor();
  await new Promise((r) => setTimeout(r, 1000));
  expect(await tileIds(host.page)).toEqual([host.id, b.id].sort());
  expect(await c.page.getByRole('button', { name: 'Leave call' }).isVisible()).toBe(false);
});

test('names and chat are text: markup shows literally and nothing runs; the CSP blocks inline script', async () => {
  const room = newRoomCode();
  const img = '<img src=x onerror=window.__xss=1>';
  const script = '<script>window.__xss=1</script>';
  const a = await join(room, img);
  const b = await join(room, script);
  await sendChat(a.page, `look ${script} ${img}`);
  await sendChat(b.page, `${img} from Bob`);

  for (const p of [a, b]) {
    await tile(p.page, a.id).getByText(img).first().waitFor();
    await tile(p.page, b.id).getByText(script).first().waitFor();
    await openChat(p.page);
    await chatLine(p.page, `look ${script} ${img}`).waitFor();
  }
  await chatLine(a.page, `${img} from Bob`).waitFor();
  await new Promise((r) => setTimeout(r, 500));
  for (const p of [a, b]) {
    const probe = await p.page.evaluate(() => ({
      xss: (window as unknown as { __xss?: unknown }).__xss,
      injectedImgs: document.querySelectorAll('img[src="x"]').length,
      injectedScripts: Array.from(document.scripts).filter((s) => s.textContent?.includes('__xss')).length,
    }));
    expect(probe).toEqual({ xss: undefined, injectedImgs: 0, injectedScripts: 0 });
  }

  const csp = await a.page.evaluate(async () => {
    const violation = new Promise<string>((resolve) =>
      document.addEventListener('securitypolicyviolation', (e) => resolve(e.effectiveDirective), { once: true }),
    );
    const s = document.createElement('script');
    s.textContent = 'window.__inline = 1';
    document.body.append(s);
    const directive = await Promise.race([violation, new Promise<string>((r) => setTimeout(() => r('none'), 2000))]);
    return { directive, ran: (window as unknown as { __inline?: unknown }).__inline !== undefined };
  });
  expect(csp).toEqual({ directive: expect.stringMatching(/^script-src/), ran: false });
});

test('a meeting with a password asks for it on the pre-join page; a wrong one is refused, the right one lets in', async () => {
  const room = newRoomCode();
  const owner = await joinSocket(server.url, { room, name: 'Owner', password: 'open sesame' });
  try {
    const { context, page, console: lines } = await openPage(browser, `${server.url}/r/${room}`);
    people.push({ name: 'Guest', page, context, id: '', console: lines, firstFrameMs: () => undefined });
    const password = page.getByLabel('Meeting password');
    await password.waitFor();
    await page.getByRole('textbox', { name: 'Your name' }).fill('Guest');
    await password.fill('wrong guess');
    await page.getByRole('button', { name: 'Join now' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /password/i })
      .first()
      .waitFor();
    expect(await page.getByRole('button', { name: 'Leave call' }).isVisible()).toBe(false);
    await password.fill('open sesame');
    await joinFromPrejoin(page, 'Guest');
    await tile(page, owner.welcome.self.id).waitFor();
  } finally {
    owner.socket.close();
  }
});

test('whoever opens an empty meeting can protect it with a password; the next one is asked for it', async () => {
  const room = newRoomCode();
  const first = await openPage(browser, `${server.url}/r/${room}`);
  people.push({ name: 'Opener', page: first.page, context: first.context, id: '', console: first.console, firstFrameMs: () => undefined });
  const set = first.page.getByLabel('Protect with a password (optional)');
  await set.waitFor();
  await set.fill('blue door');
  await joinFromPrejoin(first.page, 'Opener');

  const second = await openPage(browser, `${server.url}/r/${room}`);
  people.push({
    name: 'Second',
    page: second.page,
    context: second.context,
    id: '',
    console: second.console,
    firstFrameMs: () => undefined,
  });
  const password = second.page.getByLabel('Meeting password');
  await password.waitFor();
  expect(await second.page.getByLabel('Protect with a password (optional)').isVisible()).toBe(false);
  await password.fill('blue door');
  await joinFromPrejoin(second.page, 'Second');
  expect(await second.page.locator('[data-participant-id]').count()).toBeGreaterThanOrEqual(2);
});
