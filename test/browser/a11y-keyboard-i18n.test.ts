/**
 * Accessibility, keyboard and languages in Chromium through the real pages: axe-core finds no serious or critical
 * violation on the home page, the pre-join page and the call (with its panels open), in English and in German;
 * Tab reaches every control, shortcuts toggle the microphone, camera, hand and chat and leave the call; pages come
 * in the browser's language, and a language chosen in Settings holds for the next pages without dropping a call.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { newRoomCode } from '../../server/rooms/codes';
import { joinFromPrejoin, tile, toggle, useBrowserCall, waitForTileState, waitUntil } from '../helpers/browser';

const AXE = readFileSync(path.resolve(__dirname, '../../node_modules/axe-core/axe.min.js'), 'utf8');

const call = useBrowserCall();

interface Violation {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core in the page (evaluated through the DevTools protocol, which the page's CSP does not govern; the CSP
 * itself stays as the product sends it) and returns the serious and critical violations.
 */
async function axe(page: Page): Promise<Violation[]> {
  const loaded = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe === 'object');
  if (!loaded) await page.evaluate(AXE);
  const all = await page.evaluate(async () => {
    const w = window as unknown as {
      axe: {
        run(
          ctx: Document,
          opts: object,
        ): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }>;
      };
    };
    const r = await w.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return all.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Presses Tab until the focus has been on every named control (or `max` presses); returns the names not reached. */
async function tabToEach(page: Page, names: string[], max = 60): Promise<{ missed: string[]; unseenFocus: string[] }> {
  const left = new Set(names);
  const unseenFocus: string[] = [];
  for (let i = 0; i < max && left.size > 0; i++) {
    await page.keyboard.press('Tab');
    const f = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return null;
      const label =
        el.getAttribute('aria-label') ??
        (el.id ? document.querySelector(`label[for="${el.id}"]`)?.textContent : null) ??
        el.textContent ??
        '';
      const style = getComputedStyle(el);
      return { label: label.trim(), outline: style.outlineStyle !== 'none' && style.outlineWidth !== '0px' };
    });
    if (!f) continue;
    if (left.delete(f.label) && !f.outline) unseenFocus.push(f.label);
  }
  return { missed: [...left], unseenFocus };
}

async function newPage(locale: string, url: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await call.browser().newContext({ viewport: { width: 1280, height: 800 }, locale });
  const page = await context.newPage();
  await page.goto(url);
  call.track({ context });
  return { context, page };
}

const pressed = (page: Page, name: RegExp | string) =>
  page
    .getByRole('button', { name, exact: typeof name === 'string' })
    .first()
    .getAttribute('aria-pressed');

test('home and pre-join pages in English: no serious axe violations, Tab reaches every control with a visible focus', async () => {
  const { page } = await newPage('en-US', `${call.url()}/`);
  expect(await page.getAttribute('html', 'lang')).toBe('en');
  expect(await axe(page)).toEqual([]);
  expect(await tabToEach(page, ['New meeting', 'Meeting code or link', 'Join', 'Language'])).toEqual({ missed: [], unseenFocus: [] });

  await page.goto(`${call.url()}/r/${newRoomCode()}`);
  await page.getByRole('button', { name: 'Join now' }).waitFor();
  await page
    .getByRole('button', { name: /camera/ })
    .and(page.locator('[aria-pressed="true"]'))
    .waitFor();
  expect(await axe(page)).toEqual([]);
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  expect(
    await tabToEach(page, ['Turn off microphone', 'Turn off camera', 'Camera', 'Microphone', 'Language', 'Your name', 'Join now']),
  ).toEqual({ missed: [], unseenFocus: [] });
});

test('in a call: no serious axe violations with the chat, people and settings panels; shortcuts act, Escape closes, Tab reaches every control', async () => {
  const room = newRoomCode();
  const bob = await call.join(room, 'Bob');
  const { page } = await newPage('en-US', `${call.url()}/r/${room}`);
  await joinFromPrejoin(page, 'Ann');
  const annId = await page.evaluate(() => (window as unknown as { parley: { selfId: string } }).parley.selfId);
  await tile(page, bob.id).waitFor();
  await tile(bob.page, annId).waitFor();
  expect(await axe(page)).toEqual([]);

  // Tab order: every control of the bar, with a visible focus.
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  const bar = [
    'Turn off microphone',
    'Turn off camera',
    'Raise hand',
    'Reactions',
    'Share screen',
    'Leave call',
    'Copy meeting link',
    'People',
    'Chat',
    'Settings',
  ];
  expect(await tabToEach(page, bar)).toEqual({ missed: [], unseenFocus: [] });

  // Ctrl+D and Ctrl+E: the microphone and camera, as the other side sees them too.
  await page.keyboard.press('Control+d');
  await waitUntil('the microphone off', async () => (await pressed(page, /microphone/)) === 'false');
  await waitForTileState(bob.page, annId, 'data-audio', 'off');
  await page.keyboard.press('Control+e');
  await waitUntil('the camera off', async () => (await pressed(page, /camera/)) === 'false');
  await waitForTileState(bob.page, annId, 'data-video', 'off');
  await page.keyboard.press('Control+d');
  await waitForTileState(bob.page, annId, 'data-audio', 'on');
  await page.keyboard.press('Control+e');
  await waitForTileState(bob.page, annId, 'data-video', 'on');

  // Ctrl+Alt+H: the hand goes up for everyone, and down again.
  await page.keyboard.press('Control+Alt+h');
  await bob.page.locator(`[data-participant-id="${annId}"][data-hand="up"]`).waitFor({ timeout: 10_000 });
  expect(await pressed(page, 'Raise hand')).toBe('true');
  await page.keyboard.press('Control+Alt+h');
  await bob.page.locator(`[data-participant-id="${annId}"][data-hand="down"]`).waitFor({ timeout: 10_000 });

  // Ctrl+Alt+C opens the chat with the focus in the message box; typing "?" there is text, not a shortcut.
  await page.keyboard.press('Control+Alt+c');
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.waitFor();
  expect(await box.evaluate((el) => el === document.activeElement)).toBe(true);
  await page.keyboard.type('why?');
  expect(await box.inputValue()).toBe('why?');
  expect(await page.getByRole('dialog').count()).toBe(0);
  await box.fill('');
  await bob.page.getByRole('button', { name: 'Chat', exact: true }).click();
  await bob.page.getByRole('textbox', { name: 'Message' }).fill('hello Ann');
  await bob.page.keyboard.press('Enter');
  await page.getByText('hello Ann').waitFor();
  expect(await axe(page)).toEqual([]);
  // Escape closes the panel and gives the focus back to the Chat button.
  await page.keyboard.press('Escape');
  await box.waitFor({ state: 'hidden' });
  expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Chat');

  await page.keyboard.press('Control+Alt+p');
  await page.getByRole('list', { name: 'People in the meeting' }).waitFor();
  expect(await axe(page)).toEqual([]);
  await page.keyboard.press('Control+Alt+p');
  await page.getByRole('list', { name: 'People in the meeting' }).waitFor({ state: 'hidden' });

  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await page.getByRole('combobox', { name: 'Language' }).waitFor();
  expect(await page.getByRole('term').filter({ hasText: 'Raise or lower your hand' }).count()).toBe(1);
  expect(await axe(page)).toEqual([]);
  await page.keyboard.press('Escape');

  // The reactions menu closes with Escape, back on its button.
  await page.getByRole('button', { name: 'Reactions', exact: true }).click();
  await page.getByRole('button', { name: 'Clapping', exact: true }).waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Clapping', exact: true }).waitFor({ state: 'hidden' });
  expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Reactions');

  // "?" shows the shortcuts; the dialog is axe-clean and Escape closes it.
  await page.keyboard.press('?');
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await dialog.waitFor();
  for (const what of ['Turn microphone on or off', 'Turn camera on or off', 'Open or close the chat', 'Leave the call']) {
    expect(await dialog.getByText(what, { exact: true }).count()).toBe(1);
  }
  expect(await axe(page)).toEqual([]);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });

  // Ctrl+Alt+Q leaves: the page after the call, and Bob sees Ann go.
  await page.keyboard.press('Control+Alt+q');
  await page.getByText('You left the meeting').waitFor();
  await tile(bob.page, annId).waitFor({ state: 'detached', timeout: 10_000 });
  expect(await axe(page)).toEqual([]);
});

test('German browser: pages in German, axe-clean; a language chosen in a call holds for the next page and the call goes on', async () => {
  const { page } = await newPage('de-DE', `${call.url()}/`);
  expect(await page.getAttribute('html', 'lang')).toBe('de');
  await page.getByRole('button', { name: 'Neue Besprechung' }).waitFor();
  expect(await axe(page)).toEqual([]);

  const room = newRoomCode();
  const bob = await call.join(room, 'Bob');
  await page.goto(`${call.url()}/r/${room}`);
  await page.getByRole('button', { name: 'Jetzt teilnehmen' }).waitFor();
  await page.getByText('Bob ist in diesem Anruf').waitFor();
  expect(await axe(page)).toEqual([]);
  await page.getByRole('textbox', { name: 'Dein Name' }).fill('Dora');
  await page.getByRole('button', { name: 'Jetzt teilnehmen' }).click();
  await page.getByRole('button', { name: 'Anruf verlassen' }).waitFor({ timeout: 15_000 });
  await page.getByRole('button', { name: 'Personen', exact: true }).click();
  await page.getByRole('list', { name: 'Personen in der Besprechung' }).waitFor();
  expect(await axe(page)).toEqual([]);
  expect(await toggle(page, /Mikrofon/).getAttribute('title')).toBe('Mikrofon ausschalten (Strg+D)');

  // Chosen in Settings mid-call: said in French, the call goes on in German, the next page is French.
  // A mark in the page's memory that a reload would wipe.
  await page.evaluate(() => ((window as unknown as { mark: number }).mark = 42));
  await page.getByRole('button', { name: 'Einstellungen', exact: true }).click();
  await page.getByRole('combobox', { name: 'Sprache' }).selectOption('fr');
  await page.getByText("La nouvelle langue s'applique la prochaine fois", { exact: false }).waitFor();
  expect(await axe(page)).toEqual([]);
  const doraId = await page.evaluate(() => (window as unknown as { parley: { selfId: string } }).parley.selfId);
  expect(await page.evaluate(() => (window as unknown as { mark?: number }).mark)).toBe(42);
  expect(await page.getAttribute('html', 'lang')).toBe('de');
  expect(await page.getByRole('button', { name: 'Anruf verlassen' }).count()).toBe(1);
  expect(await page.evaluate(() => (window as unknown as { parley: { peers(): string[] } }).parley.peers())).toHaveLength(1);
  await tile(bob.page, doraId).waitFor();

  const next = await page.context().newPage();
  await next.goto(`${call.url()}/`);
  expect(await next.getAttribute('html', 'lang')).toBe('fr');
  await next.getByRole('button', { name: 'Nouvelle réunion' }).waitFor();
  // Back to the browser's own language from the home page: the page opens again in German.
  await Promise.all([next.waitForEvent('load'), next.getByRole('combobox', { name: 'Langue' }).selectOption('')]);
  expect(await next.getAttribute('html', 'lang')).toBe('de');
  await next.getByRole('button', { name: 'Neue Besprechung' }).waitFor();
});

test('a language stored before the page loads (as the effects bench sets it) is honoured from the start', async () => {
  const context = await call.browser().newContext({ locale: 'en-US' });
  call.track({ context });
  await context.addInitScript(() => localStorage.setItem('parley.language', 'es'));
  const page = await context.newPage();
  await page.goto(`${call.url()}/`);
  // The server rendered English (no cookie yet); the page put itself right at start.
  await page.getByRole('button', { name: 'Nueva reunión' }).waitFor();
  expect(await page.getAttribute('html', 'lang')).toBe('es');
  expect(await page.getByRole('textbox', { name: 'Código o enlace de la reunión' }).getAttribute('placeholder')).toBe(
    'Código o enlace de la reunión',
  );
  await page.goto(`${call.url()}/r/${newRoomCode()}`);
  await page.getByRole('button', { name: 'Unirse ahora' }).waitFor();
  expect(await page.getAttribute('html', 'lang')).toBe('es');
  // …and the server now knows it too.
  const html = await (await context.request.get(`${call.url()}/`)).text();
  expect(html).toContain('<html lang="es">');
});
