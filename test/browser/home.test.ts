/** Home page in Chromium: "New meeting" opens a fresh room; a typed code or link joins that room. */
import type { Browser, Page } from 'playwright-core';
import { ensureClientBuilt, launchBrowser } from '../helpers/browser';
import { startServer, type TestServer } from '../helpers/server';

let server: TestServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ensureClientBuilt();
  server = await startServer({ stunUrls: [] });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

beforeEach(async () => {
  page = await browser.newPage();
  await page.goto(`${server.url}/`);
});

afterEach(async () => {
  await page.close();
});

const roomPath = (p: Page) => new URL(p.url()).pathname;

test('"New meeting" lands on a fresh /r/<abc-defg-hij>, different every time', async () => {
  await page.getByRole('button', { name: 'New meeting' }).click();
  await page.waitForURL(/\/r\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/);
  const first = roomPath(page);
  await page.goto(`${server.url}/`);
  await page.getByRole('button', { name: 'New meeting' }).click();
  await page.waitForURL(/\/r\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/);
  expect(roomPath(page)).not.toBe(first);
});

test('typing a code and pressing "Join" opens that room (case and spaces folded)', async () => {
  await page.getByRole('textbox', { name: 'Meeting code or link' }).fill('  QRS-tuvw-XYZ ');
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await page.waitForURL(/\/r\/qrs-tuvw-xyz$/);
  expect(roomPath(page)).toBe('/r/qrs-tuvw-xyz');
});

test('pasting a full meeting link and pressing Enter opens that room', async () => {
  const box = page.getByRole('textbox', { name: 'Meeting code or link' });
  await box.fill(`${server.url}/r/abc-defg-hij`);
  await box.press('Enter');
  await page.waitForURL(/\/r\/abc-defg-hij$/);
  expect(roomPath(page)).toBe('/r/abc-defg-hij');
});

test('something that is not a code stays on the home page with an explanation', async () => {
  await page.getByRole('textbox', { name: 'Meeting code or link' }).fill('https://example.com/not/a/meeting');
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await expectAlert(page);
  expect(roomPath(page)).toBe('/');
});

async function expectAlert(p: Page) {
  const alert = p.getByRole('alert');
  await alert.waitFor();
  expect((await alert.textContent())?.length).toBeGreaterThan(0);
}
