/// <reference lib="dom" />
/** What a page in a browser test decodes: colour fake cameras, frame counters, pixel colours, receive stats. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { waitUntil } from './browser';

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
