/**
 * Meetings in Chromium through the real pages: chat with history, leave and rejoin, kick, names and chat as text
 * under the CSP, and passwords on the pre-join page.
 */
import type { Page } from 'playwright-core';
import { newRoomCode } from '../../server/rooms/codes';
import { joinFromPrejoin, openPage, parleyPeers, useBrowserCall, tile, tileIds, waitUntil } from '../helpers/browser';
import { waitForFrames } from '../helpers/frames';
import { join as joinSocket } from '../helpers/client';

const call = useBrowserCall();
const join = call.join;

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
  await c.page.goto(`${call.url()}/r/${room}`);
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
  const owner = await joinSocket(call.url(), { room, name: 'Owner', password: 'open sesame' });
  try {
    const { context, page, console: lines } = await openPage(call.browser(), `${call.url()}/r/${room}`);
    call.track({ name: 'Guest', page, context, id: '', console: lines, firstFrameMs: () => undefined });
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
  const first = await openPage(call.browser(), `${call.url()}/r/${room}`);
  call.track({ name: 'Opener', page: first.page, context: first.context, id: '', console: first.console, firstFrameMs: () => undefined });
  const set = first.page.getByLabel('Protect with a password (optional)');
  await set.waitFor();
  await set.fill('blue door');
  await joinFromPrejoin(first.page, 'Opener');

  const second = await openPage(call.browser(), `${call.url()}/r/${room}`);
  call.track({
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
