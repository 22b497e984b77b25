/// <reference lib="dom" />
/**
 * Headless Chromium for end-to-end tests: a fake camera and microphone per browser, participants that join through
 * the real pages, and probes that read what a page really receives (decoded frames, pixels, audio packets).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { requireBinary, until } from '../../scripts/procs.cjs';
import { createApp } from '../../server/app';
import type { Config } from '../../server/config';
import chromiumArgs from './chromium-args.json';
import { testConfig, type TestServer } from './server';

const ROOT = path.resolve(__dirname, '../..');

/** Headless Chromium on this machine: fake devices, no background traffic (the network is closed), loopback ICE. */
export const CHROMIUM_ARGS: string[] = chromiumArgs;

/** Launches headless Chromium; with `fakeVideo` (a .y4m file) its camera shows that file, looped. */
export async function launchBrowser(opts: { fakeVideo?: string } = {}): Promise<Browser> {
  const executablePath = requireBinary('chromium');
  const args = [...CHROMIUM_ARGS];
  if (opts.fakeVideo) args.push(`--use-file-for-fake-video-capture=${opts.fakeVideo}`);
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
// Fake camera files

export type Rgb = [number, number, number];

/** Distinct, saturated colours that survive video compression and are easy to tell apart. */
export const COLOURS: Record<string, Rgb> = {
  red: [220, 40, 40],
  green: [40, 200, 60],
  blue: [40, 70, 230],
  yellow: [235, 220, 40],
};

/**
 * Writes a YUV4MPEG2 (4:2:0) file of a solid colour, which Chromium loops as its fake camera.
 * BT.601 studio range, as Chromium reads I420.
 */
export function writeSolidY4m(file: string, [r, g, b]: Rgb, width = 160, height = 120, frames = 15): string {
  const R = r / 255;
  const G = g / 255;
  const B = b / 255;
  const y = Math.round(16 + 65.481 * R + 128.553 * G + 24.966 * B);
  const u = Math.round(128 - 37.797 * R - 74.203 * G + 112 * B);
  const v = Math.round(128 + 112 * R - 93.786 * G - 18.214 * B);
  const luma = width * height;
  const chroma = luma / 4;
  const frame = Buffer.alloc(6 + luma + 2 * chroma);
  frame.write('FRAME\n');
  frame.fill(y, 6, 6 + luma);
  frame.fill(u, 6 + luma, 6 + luma + chroma);
  frame.fill(v, 6 + luma + chroma);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F15:1 Ip A1:1 C420jpeg\n`);
  writeFileSync(file, Buffer.concat([header, ...Array.from({ length: frames }, () => frame)]));
  return file;
}

/** A temporary directory for fake media files; remove it with `rmMediaDir`. */
export function makeMediaDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'parley-media-'));
}

export function rmMediaDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** The name of the colour in `palette` nearest to `rgb`. */
export function nearestColour(rgb: Rgb, palette: Record<string, Rgb> = COLOURS): string {
  let best = '';
  let bestD = Infinity;
  for (const [name, c] of Object.entries(palette)) {
    const d = (c[0] - rgb[0]) ** 2 + (c[1] - rgb[1]) ** 2 + (c[2] - rgb[2]) ** 2;
    if (d < bestD) {
      bestD = d;
      best = name;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------------------------
// A replica on a chosen port (so that a restart comes back at the same address)

/** Starts a replica in this process on `port` (0: any free port); the test closes it. */
export async function startReplicaOn(port: number, overrides: Partial<Config> = {}): Promise<TestServer> {
  const config = testConfig({ stunUrls: [], ...overrides });
  const parley = createApp({ config });
  const addr = await parley.listen(port, '127.0.0.1');
  return { url: `http://127.0.0.1:${addr.port}`, port: addr.port, parley, config, close: () => parley.close() };
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

export interface PeerStats {
  framesDecoded: number;
  audioPacketsReceived: number;
  connectionState: string;
  iceState: string;
}

/** window.parley.stats(): what this page receives from each remote participant. */
export function parleyStats(page: Page): Promise<Record<string, PeerStats>> {
  return page.evaluate(() => (window as unknown as { parley: { stats(): Promise<Record<string, PeerStats>> } }).parley.stats());
}

/** window.parley.peers(): the PeerIds this page is in a call with. */
export function parleyPeers(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { parley: { peers(): string[] } }).parley.peers());
}

/**
 * Frames the <video> of `peerId`'s tile has presented (getVideoPlaybackQuality), read from the page itself,
 * independent of the client's debug hook. -1 when the tile has no video element.
 */
export function videoFrames(page: Page, peerId: string): Promise<number> {
  return page.evaluate((id) => {
    const v = document.querySelector(`[data-participant-id="${id}"] video`) as HTMLVideoElement | null;
    return v ? v.getVideoPlaybackQuality().totalVideoFrames : -1;
  }, peerId);
}

/** Every <video> on the page that is playing: its size, frame count and the tile it sits in. */
export function playingVideos(page: Page): Promise<{ peer: string | null; width: number; height: number; frames: number }[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('video'))
      .filter((v) => v.srcObject && v.videoWidth > 0)
      .map((v) => ({
        peer: v.closest('[data-participant-id]')?.getAttribute('data-participant-id') ?? null,
        width: v.videoWidth,
        height: v.videoHeight,
        frames: v.getVideoPlaybackQuality().totalVideoFrames,
      })),
  );
}

/** Waits until the tile of `peerId` on `page` has shown `moreThan + minNew` frames; returns the count. */
export async function waitForFrames(page: Page, peerId: string, minNew = 10, timeoutMs = 20_000): Promise<number> {
  const start = await videoFrames(page, peerId);
  return waitUntil(
    `video frames from ${peerId}`,
    async () => {
      const n = await videoFrames(page, peerId);
      return n >= Math.max(start, 0) + minNew ? n : undefined;
    },
    timeoutMs,
  );
}

/** The average colour of the middle of `peerId`'s tile video (drawn to a canvas inside the page). */
export async function sampleColour(page: Page, peerId: string): Promise<Rgb> {
  const rgb = await page.evaluate((id) => {
    const v = document.querySelector(`[data-participant-id="${id}"] video`) as HTMLVideoElement | null;
    if (!v || v.videoWidth === 0) return null;
    const c = document.createElement('canvas');
    c.width = v.videoWidth;
    c.height = v.videoHeight;
    const g = c.getContext('2d', { willReadFrequently: true });
    if (!g) return null;
    g.drawImage(v, 0, 0);
    const w = Math.max(1, Math.floor(c.width / 2));
    const h = Math.max(1, Math.floor(c.height / 2));
    const d = g.getImageData(Math.floor(c.width / 4), Math.floor(c.height / 4), w, h).data;
    const sum = [0, 0, 0];
    for (let i = 0; i < d.length; i += 4) {
      sum[0] += d[i];
      sum[1] += d[i + 1];
      sum[2] += d[i + 2];
    }
    const n = d.length / 4;
    return [Math.round(sum[0] / n), Math.round(sum[1] / n), Math.round(sum[2] / n)];
  }, peerId);
  if (!rgb) throw new Error(`tile ${peerId} has no playing video`);
  return rgb as Rgb;
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
