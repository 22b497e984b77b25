/// <reference lib="dom" />
/**
 * Headless Chromium for end-to-end tests: a fake camera and microphone per browser, participants that join through
 * the real pages, and the page probes they share (frames, pixels and stats are read by frames.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { requireBinary, until } from '../../scripts/procs.cjs';
import type { Config } from '../../server/config';
import chromiumArgs from './chromium-args.json';
import { startServer, type TestServer } from './server';

const ROOT = path.resolve(__dirname, '../..');

/** Headless Chromium on this machine: fake devices, no background traffic (the network is closed), loopback ICE. */
export const CHROMIUM_ARGS: string[] = chromiumArgs;

export interface LaunchOptions {
  /** A .y4m file: the camera shows it, looped. */
  fakeVideo?: string;
  /** A .wav file (16-bit PCM): the microphone plays it, looped. */
  fakeAudio?: string;
  /** How many fake cameras the browser lists (and two fake microphones besides the default one); 1 by default. */
  fakeCameras?: number;
}

/** Launches headless Chromium with fake devices (see LaunchOptions). */
export async function launchBrowser(opts: LaunchOptions = {}): Promise<Browser> {
  const executablePath = requireBinary('chromium');
  const args = [...CHROMIUM_ARGS];
  if (opts.fakeCameras && opts.fakeCameras > 1) {
    const i = args.indexOf('--use-fake-device-for-media-stream');
    args[i] = `--use-fake-device-for-media-stream=device-count=${opts.fakeCameras}`;
  }
  if (opts.fakeVideo) args.push(`--use-file-for-fake-video-capture=${opts.fakeVideo}`);
  if (opts.fakeAudio) args.push(`--use-file-for-fake-audio-capture=${opts.fakeAudio}`);
  return chromium.launch({ executablePath, args, headless: true });
}

/** Builds public/build/room.js and home.js unless they are newer than every client source. */
export function ensureClientBuilt(): void {
  const bundle = path.join(ROOT, 'public/build/room.js');
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = path.join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
    }, 0);
  // The client imports the protocol types from server/protocol.
  const sources = Math.max(newest(path.join(ROOT, 'client')), newest(path.join(ROOT, 'server/protocol')));
  if (existsSync(bundle) && statSync(bundle).mtimeMs > sources) return;
  const r = spawnSync('npm', ['run', '--silent', 'build:client'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`client build failed:\n${r.stdout}\n${r.stderr}`);
}

// ---------------------------------------------------------------------------------------------------------------
// A replica on a chosen port (so that a restart comes back at the same address)

/** Starts a replica in this process on `port` (0: any free port); the test closes it. */
export function startReplicaOn(port: number, overrides: Partial<Config> = {}): Promise<TestServer> {
  return startServer({ stunUrls: [], ...overrides }, {}, port);
}

// ---------------------------------------------------------------------------------------------------------------
// Polling

/**
 * Resolves with the first answer of `probe` that is not undefined, null or false (every 100 ms: a probe is
 * a round trip into a page, which shares the CPU with the call it watches). A probe that throws is asked again.
 */
export function waitUntil<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  return until(what, probe, timeoutMs, undefined, 100);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------------------
// Participants

export interface Participant {
  name: string;
  page: Page;
  context: BrowserContext;
  /** This participant's PeerId (window.parley.selfId). */
  id: string;
  /** Console lines of the page, in order. */
  console: string[];
  /** Milliseconds from "Join now" to the first decoded remote frame, once the client reported it. */
  firstFrameMs(): number | undefined;
}

/** A new context and page that records its console; errors thrown in the page are recorded as "pageerror: ...". */
export async function openPage(browser: Browser, url: string): Promise<{ context: BrowserContext; page: Page; console: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const lines: string[] = [];
  page.on('console', (m: ConsoleMessage) => lines.push(m.text()));
  page.on('pageerror', (err) => lines.push(`pageerror: ${err.message}`));
  await page.goto(url);
  return { context, page, console: lines };
}

/** Opens the room page, types the name, presses "Join now" and waits for its own tile. */
export async function joinCall(browser: Browser, baseUrl: string, room: string, name: string): Promise<Participant> {
  const { context, page, console: lines } = await openPage(browser, `${baseUrl}/r/${room}`);
  await joinFromPrejoin(page, name);
  const id = await ownId(page);
  return {
    name,
    page,
    context,
    id,
    console: lines,
    firstFrameMs() {
      for (const line of lines) {
        const m = /^parley:first-frame (\d+(?:\.\d+)?)/.exec(line);
        if (m) return Number(m[1]);
      }
      return undefined;
    },
  };
}

/** On a pre-join page: types the name, presses "Join now", waits until the call shows this participant's tile. */
export async function joinFromPrejoin(page: Page, name: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Your name' }).fill(name);
  await page.getByRole('button', { name: 'Join now' }).click();
  await page.getByRole('button', { name: 'Leave call' }).waitFor({ timeout: 15_000 });
  await ownId(page);
}

async function ownId(page: Page): Promise<string> {
  const id = await waitUntil(
    'window.parley.selfId',
    () => page.evaluate(() => (window as unknown as { parley?: { selfId?: string } }).parley?.selfId),
    15_000,
  );
  await tile(page, id).waitFor({ timeout: 15_000 });
  return id;
}

export function tile(page: Page, peerId: string) {
  return page.locator(`[data-participant-id="${peerId}"]`).first();
}

/** PeerIds of all tiles on the page (its own included), without duplicates. */
export async function tileIds(page: Page): Promise<string[]> {
  const ids = await page.$$eval('[data-participant-id]', (els) => els.map((e) => e.getAttribute('data-participant-id') ?? ''));
  return [...new Set(ids)].sort();
}

/** window.parley.peers(): the PeerIds this page is in a call with. */
export function parleyPeers(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { parley: { peers(): string[] } }).parley.peers());
}

/** Closes every participant's context, ignoring ones already gone. */
export async function closeAll(participants: (Participant | undefined)[]): Promise<void> {
  await Promise.all(participants.map((p) => p?.context.close().catch(() => undefined)));
}

/** The toggle button (one with aria-pressed) whose accessible name matches `name`, e.g. /microphone/i. */
export function toggle(page: Page, name: RegExp) {
  return page.getByRole('button', { name }).and(page.locator('[aria-pressed]')).first();
}

/** Clicks a toggle and waits for its aria-pressed to flip; returns the new value. */
export async function flip(page: Page, name: RegExp): Promise<string> {
  const button = toggle(page, name);
  const before = await button.getAttribute('aria-pressed');
  await button.click();
  return waitUntil(`aria-pressed of ${name} to change`, async () => {
    const now = await toggle(page, name).getAttribute('aria-pressed');
    return now !== before ? (now ?? '') : undefined;
  });
}

/** Waits until `page` shows the tile of `peerId` with `attr` (data-audio / data-video) equal to `value`. */
export async function waitForTileState(page: Page, peerId: string, attr: 'data-audio' | 'data-video', value: 'on' | 'off'): Promise<void> {
  await page.locator(`[data-participant-id="${peerId}"][${attr}="${value}"]`).first().waitFor({ timeout: 10_000 });
}

export interface BrowserCall {
  /** The replica's base URL. */
  url(): string;
  browser(): Browser;
  /** Closes `p` after the current test. */
  track<P extends Pick<Participant, 'context'>>(p: P): P;
  /** Joins `room` as `name` through the real pages; closed after the current test. */
  join(room: string, name: string): Promise<Participant>;
}

/**
 * One replica and one browser for a whole test file; every participant it joins is closed after its test. With
 * `launch.fakeVideo` (a .y4m file, e.g. a small solid colour from writeSolidY4m) every camera shows that file.
 */
export function useBrowserCall(overrides: Partial<Config> = {}, launch: LaunchOptions = {}): BrowserCall {
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  let people: Pick<Participant, 'context'>[] = [];
  beforeAll(async () => {
    ensureClientBuilt();
    server = await startReplicaOn(0, overrides);
    browser = await launchBrowser(launch);
  });
  afterEach(async () => {
    await Promise.all(people.map((p) => p.context.close().catch(() => undefined)));
    people = [];
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`useBrowserCall: the ${what} is not started yet (use it inside a test)`);
    return value;
  };
  const track = <P extends Pick<Participant, 'context'>>(p: P): P => {
    people.push(p);
    return p;
  };
  return {
    url: () => started(server, 'replica').url,
    browser: () => started(browser, 'browser'),
    track,
    join: async (room, name) => track(await joinCall(started(browser, 'browser'), started(server, 'replica').url, room, name)),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The People panel

/** The list of people in the People panel. */
export function peopleList(page: Page) {
  return page.getByRole('list', { name: 'People in the meeting' });
}

/** Opens the People panel (when it is not open yet) and waits for its list. */
export async function openPeople(page: Page): Promise<void> {
  if (!(await peopleList(page).isVisible())) await page.getByRole('button', { name: 'People', exact: true }).click();
  await peopleList(page).waitFor();
}

/** A person's row in the People panel. */
export function personRow(page: Page, name: string) {
  return peopleList(page)
    .getByRole('listitem')
    .filter({ has: page.getByText(name, { exact: true }) });
}

/** The "Asking to join" box of a host's or co-host's People panel. */
export function knockList(page: Page) {
  return page.getByRole('region', { name: 'Asking to join' });
}
