/**
 * Recording a call in Chromium through the real pages: the file a participant downloads is a WebM that Chromium plays
 * back (video of the stage with the cameras in it, and sound), and everyone else is shown the notice while it records,
 * and only then. Every camera shows solid green, so the recording's frames can be checked for the tiles.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Download, Page } from 'playwright-core';
import { newRoomCode } from '../../server/rooms/codes';
import {
  joinFromPrejoin,
  openPage,
  openPeople,
  personRow,
  tile,
  tileIds,
  useBrowserCall,
  waitUntil,
  type Participant,
} from '../helpers/browser';
import { COLOURS, makeMediaDir, rmMediaDir, writeSolidY4m } from '../helpers/frames';

jest.setTimeout(180_000);

const mediaDir = makeMediaDir();
afterAll(() => rmMediaDir(mediaDir));
const call = useBrowserCall({}, { fakeVideo: writeSolidY4m(path.join(mediaDir, 'camera.y4m'), COLOURS.green) });

const EBML_MAGIC = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);

async function inCall(room: string, ...names: string[]): Promise<Participant[]> {
  const out: Participant[] = [];
  for (const name of names) out.push(await call.join(room, name));
  const all = out.map((p) => p.id).sort();
  for (const p of out) {
    await waitUntil(`${p.name} to show every tile`, async () => JSON.stringify(await tileIds(p.page)) === JSON.stringify(all));
  }
  return out;
}

/** The notice bar, as a person reads it. */
const notice = (page: Page) => page.locator('[data-recording-notice]');
const noticeShown = async (page: Page) => (await notice(page).isVisible()) && ((await notice(page).textContent()) ?? '');
const liveText = (page: Page) => page.locator('[data-recording-live]').textContent();

/** What Chromium makes of a recording, played in a page of Parley's own origin from a blob. */
interface Playback {
  width: number;
  height: number;
  duration: number;
  frames: number;
  videoBytes: number;
  audioBytes: number;
  /** Share of the frame's pixels near the cameras' green, at about the middle of the recording. */
  green: number;
  /** Root mean square of the decoded sound, over the whole file. */
  rms: number;
  error: string | null;
}

async function playBack(file: Buffer): Promise<Playback> {
  const { page, context } = await openPage(call.browser(), `${call.url()}/`);
  call.track({ context });
  return page.evaluate(
    async ({ b64, green }) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const blob = new Blob([bytes], { type: 'video/webm' });
      const video = document.createElement('video');
      video.muted = true;
      video.src = URL.createObjectURL(blob);
      document.body.append(video);
      const once = (ev: string) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no ${ev} within 20 s`)), 20_000);
          video.addEventListener(ev, () => (clearTimeout(timer), resolve()), { once: true });
          video.addEventListener('error', () => reject(new Error(video.error?.message || 'media error')), { once: true });
        });
      const out = {
        width: 0,
        height: 0,
        duration: 0,
        frames: 0,
        videoBytes: 0,
        audioBytes: 0,
        green: 0,
        rms: 0,
        error: null as string | null,
      };
      try {
        await once('loadedmetadata');
        // A MediaRecorder file says no duration in its header: seeking to the end makes the browser find it.
        if (!Number.isFinite(video.duration)) {
          const known = once('durationchange');
          video.currentTime = 1e9;
          await known;
          await once('seeked');
        }
        out.duration = video.duration;
        out.width = video.videoWidth;
        out.height = video.videoHeight;
        video.currentTime = 0;
        await once('seeked');
        await video.play();
        await new Promise((r) => setTimeout(r, Math.min(2000, (video.duration * 1000) / 2)));
        video.pause();
        const canvas = document.createElement('canvas');
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        const g = canvas.getContext('2d')!;
        g.drawImage(video, 0, 0);
        const px = g.getImageData(0, 0, canvas.width, canvas.height).data;
        let near = 0;
        for (let i = 0; i < px.length; i += 4) {
          if (Math.abs(px[i] - green[0]) + Math.abs(px[i + 1] - green[1]) + Math.abs(px[i + 2] - green[2]) < 90) near++;
        }
        out.green = near / (px.length / 4);
        const v = video as HTMLVideoElement & { webkitVideoDecodedByteCount?: number; webkitAudioDecodedByteCount?: number };
        out.frames = video.getVideoPlaybackQuality().totalVideoFrames;
        out.videoBytes = v.webkitVideoDecodedByteCount ?? 0;
        out.audioBytes = v.webkitAudioDecodedByteCount ?? 0;
        const sound = await new AudioContext().decodeAudioData(bytes.buffer.slice(0));
        const ch = sound.getChannelData(0);
        let sum = 0;
        for (const s of ch) sum += s * s;
        out.rms = Math.sqrt(sum / Math.max(1, ch.length));
      } catch (err) {
        out.error = String(err);
      }
      return out;
    },
    { b64: file.toString('base64'), green: COLOURS.green },
  );
}

/** Waits for the download `act` causes on `page`, and reads it. */
async function downloaded(page: Page, act: () => Promise<unknown>): Promise<{ name: string; file: Buffer }> {
  // Listening before the click: the file may be offered as soon as the recorder stops.
  const download: Promise<Download> = page.waitForEvent('download', { timeout: 30_000 });
  await act();
  const d = await download;
  const where = await d.path();
  return { name: d.suggestedFilename(), file: readFileSync(where) };
}

/** `wallSeconds`: how long the test saw it record at most (from before the click on Record to the download). */
function expectPlayableRecording(file: Buffer, p: Playback, wallSeconds: number): void {
  expect(file.length).toBeGreaterThan(10_000);
  expect(file.subarray(0, 4).equals(EBML_MAGIC)).toBe(true);
  expect(file.includes('webm')).toBe(true);
  expect(file.includes('A_OPUS')).toBe(true);
  expect(file.includes('V_VP8') || file.includes('V_VP9')).toBe(true);
  expect(p.error).toBeNull();
  expect([p.width, p.height]).toEqual([1280, 720]);
  // As long as it recorded: at least the seconds the test waited, at most the time the test saw go by.
  expect(p.duration).toBeGreaterThan(1.5);
  expect(p.duration).toBeLessThan(wallSeconds + 2);
  expect(p.frames).toBeGreaterThan(5);
  expect(p.videoBytes).toBeGreaterThan(0);
  expect(p.audioBytes).toBeGreaterThan(0);
  // The cameras' tiles are on the frame: a good part of it is their green.
  expect(p.green).toBeGreaterThan(0.1);
  // The fake microphones beep: the mixed sound is not silence.
  expect(p.rms).toBeGreaterThan(0.001);
}

test('one records for about 3 s and stops: the other sees the notice meanwhile, and the file is a WebM Chromium plays', async () => {
  const room = newRoomCode();
  const [ada, bob] = await inCall(room, 'Ada', 'Bob');
  expect(await noticeShown(bob.page)).toBe(false);
  const record = ada.page.getByRole('button', { name: 'Record', exact: true });
  expect(await record.getAttribute('aria-pressed')).toBe('false');
  const clickedAt = Date.now();
  // The frames are paced by a worker served by Parley itself, which the page's CSP lets start.
  const clock = ada.page.waitForEvent('worker', { timeout: 20_000 });
  await record.click();
  expect(new URL((await clock).url()).pathname).toBe('/assets/build/rec-clock.js');

  const stop = ada.page.getByRole('button', { name: 'Stop recording', exact: true });
  await stop.waitFor({ timeout: 20_000 });
  expect(await stop.getAttribute('aria-pressed')).toBe('true');
  const startedAt = Date.now();
  // Bob is told: the bar, the REC mark on Ada's tile and in the People list, and his screen reader.
  expect(await waitUntil('Bob to see the notice', () => noticeShown(bob.page), 30_000)).toBe('Ada is recording this meeting');
  await tile(bob.page, ada.id).getByRole('img', { name: 'Ada is recording' }).waitFor({ timeout: 15_000 });
  expect(
    await tile(bob.page, bob.id)
      .getByRole('img', { name: /recording/ })
      .isVisible(),
  ).toBe(false);
  await openPeople(bob.page);
  await personRow(bob.page, 'Ada').getByRole('img', { name: 'Ada is recording' }).waitFor({ timeout: 15_000 });
  expect(await liveText(bob.page)).toBe('Ada started recording');
  expect(await noticeShown(ada.page)).toBe('You are recording this meeting');

  await ada.page.waitForTimeout(Math.max(0, 3000 - (Date.now() - startedAt)));
  const { name, file } = await downloaded(ada.page, () => stop.click());
  const wall = (Date.now() - clickedAt) / 1000;
  expect(name).toMatch(new RegExp(`^parley-${room}-\\d{4}-\\d{2}-\\d{2}-\\d{4}\\.webm$`));
  await waitUntil('the notice to go at Bob', async () => !(await noticeShown(bob.page)), 30_000);
  expect(await tile(bob.page, ada.id).getByRole('img', { name: 'Ada is recording' }).isVisible()).toBe(false);
  expect(await liveText(bob.page)).toBe('Ada stopped recording');
  await ada.page.getByRole('button', { name: 'Record', exact: true }).waitFor({ timeout: 20_000 });
  // The file stays offered after the download.
  await ada.page.getByRole('link', { name: `Download ${name}` }).waitFor({ timeout: 15_000 });

  expectPlayableRecording(file, await playBack(file), wall);
  for (const p of [ada, bob]) expect(p.console.filter((line) => /pageerror|Content Security Policy/i.test(line))).toEqual([]);
});

test('a newcomer finds the notice; leaving while recording stops it, still saves the file, and the notice goes', async () => {
  const room = newRoomCode();
  const [ada] = await inCall(room, 'Ada');
  // Bob's page loads first (on a busy machine a page load beside a recording can take long); he joins after Ada starts.
  const bob = call.track(await openPage(call.browser(), `${call.url()}/r/${room}`));
  await bob.page.getByRole('button', { name: 'Join now' }).waitFor({ timeout: 30_000 });
  const clickedAt = Date.now();
  await ada.page.getByRole('button', { name: 'Record', exact: true }).click();
  await ada.page.getByRole('button', { name: 'Stop recording', exact: true }).waitFor({ timeout: 20_000 });

  await joinFromPrejoin(bob.page, 'Bob');
  expect(await waitUntil('Bob to see the notice', () => noticeShown(bob.page), 30_000)).toBe('Ada is recording this meeting');
  expect(await waitUntil('Bob to be told', () => liveText(bob.page), 30_000)).toBe('Ada is recording this meeting');
  await tile(bob.page, ada.id).getByRole('img', { name: 'Ada is recording' }).waitFor({ timeout: 15_000 });
  await waitUntil('Ada to show both tiles', async () => (await tileIds(ada.page)).length === 2);
  await ada.page.waitForTimeout(2000);

  const { file } = await downloaded(ada.page, () => ada.page.getByRole('button', { name: 'Leave call' }).click());
  const wall = (Date.now() - clickedAt) / 1000;
  await waitUntil('Ada to be gone for Bob', async () => (await tileIds(bob.page)).length === 1, 30_000);
  expect(await noticeShown(bob.page)).toBe(false);
  expectPlayableRecording(file, await playBack(file), wall);
});
