/**
 * Sound and devices in Chromium through the real pages: noise suppression (RNNoise) measured on what the other
 * participant receives, switching camera and microphone mid-call without renegotiating, choosing the speaker, and the
 * raw microphone when suppression cannot load.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { newRoomCode } from '../../server/rooms/codes';
import { quantileDb, receivedLevels, writeNoisySpeechWav } from '../helpers/audio';
import {
  ensureClientBuilt,
  flip,
  joinFromPrejoin,
  launchBrowser,
  sleep,
  startReplicaOn,
  waitForTileState,
  waitUntil,
} from '../helpers/browser';
import { makeMediaDir, rmMediaDir, waitForFrames } from '../helpers/frames';
import { screenshotPath } from '../helpers/screenshots';
import type { TestServer } from '../helpers/server';

/**
 * Installed before the page's own scripts: records every peer connection and every offer it makes (ICE restarts
 * aside), and every microphone track getUserMedia hands out; `__senders()` lists what is being sent.
 */
const PROBE = `(() => {
  const Native = window.RTCPeerConnection;
  window.__pcs = [];
  window.__offers = 0;
  window.__mics = [];
  window.RTCPeerConnection = class extends Native {
    constructor(config) {
      super(config);
      window.__pcs.push(this);
    }
    async setLocalDescription(d) {
      const ufrag = (sdp) => (/a=ice-ufrag:(\\S+)/.exec(sdp || '') || [])[1];
      const before = this.localDescription && ufrag(this.localDescription.sdp);
      await super.setLocalDescription(d);
      const now = this.localDescription;
      // An ICE restart (new credentials, e.g. on a slow connection) is not a renegotiation of the media.
      if (now && now.type === 'offer' && !(before && ufrag(now.sdp) !== before)) window.__offers++;
    }
  };
  const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (c) => {
    const s = await gum(c);
    window.__mics.push(...s.getAudioTracks());
    return s;
  };
  window.__senders = () =>
    window.__pcs
      .filter((pc) => pc.connectionState !== 'closed')
      .flatMap((pc) => pc.getSenders())
      .filter((s) => s.track)
      .map((s) => ({ kind: s.track.kind, id: s.track.id, deviceId: s.track.getSettings().deviceId || '', enabled: s.track.enabled }));
  window.__liveMics = () => window.__mics.filter((t) => t.readyState === 'live').map((t) => t.getSettings().deviceId || '');
})();`;

interface Sent {
  kind: string;
  id: string;
  /** "WebAudio-…" for a track made by WebAudio (the denoised microphone). */
  deviceId: string;
  enabled: boolean;
}

interface Person {
  page: Page;
  id: string;
  lines: string[];
  close(): Promise<void>;
}

let server: TestServer;
/** Three fake cameras, two microphones besides the default one, all playing the noisy speech. */
let senderBrowser: Browser;
let receiverBrowser: Browser;
let dir = '';
const people: Person[] = [];

beforeAll(async () => {
  ensureClientBuilt();
  dir = makeMediaDir();
  const wav = writeNoisySpeechWav(path.join(dir, 'noisy-speech.wav'));
  server = await startReplicaOn(0);
  senderBrowser = await launchBrowser({ fakeAudio: wav, fakeCameras: 3 });
  receiverBrowser = await launchBrowser();
});

afterEach(async () => {
  await Promise.all(people.splice(0).map((p) => p.close()));
});

afterAll(async () => {
  await senderBrowser?.close();
  await receiverBrowser?.close();
  await server?.close();
  if (dir) rmMediaDir(dir);
});

interface JoinOptions {
  /** Set in localStorage before the page loads. */
  storage?: Record<string, string>;
  /** Before the page loads (e.g. routes). */
  prepare?: (page: Page) => Promise<unknown>;
  /** On the pre-join page, before "Join now". */
  beforeJoin?: (page: Page) => Promise<void>;
}

/** Joins `room` as `name` through the pre-join page, with the probe installed. */
async function join(browser: Browser, room: string, name: string, opts: JoinOptions = {}): Promise<Person> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const person: Person = { page: null as unknown as Page, id: '', lines: [], close: () => context.close().catch(() => undefined) };
  people.push(person);
  await context.addInitScript(PROBE);
  await context.addInitScript((items) => {
    for (const [k, v] of Object.entries(items)) localStorage.setItem(k, v);
  }, opts.storage ?? {});
  const page = await context.newPage();
  person.page = page;
  page.on('console', (m) => person.lines.push(m.text()));
  page.on('pageerror', (err) => person.lines.push(`pageerror: ${err.message}`));
  await opts.prepare?.(page);
  await page.goto(`${server.url}/r/${room}`);
  await opts.beforeJoin?.(page);
  await joinFromPrejoin(page, name);
  person.id = await page.evaluate(() => (window as unknown as { parley: { selfId: string } }).parley.selfId);
  return person;
}

const senders = (page: Page): Promise<Sent[]> => page.evaluate(() => (window as unknown as { __senders(): Sent[] }).__senders());
const sentAudio = async (page: Page) => (await senders(page)).find((s) => s.kind === 'audio');
const sentVideo = async (page: Page) => (await senders(page)).find((s) => s.kind === 'video');
const isDenoised = (s: Sent | undefined) => !!s?.deviceId.startsWith('WebAudio-');
const offers = (page: Page): Promise<number> => page.evaluate(() => (window as unknown as { __offers: number }).__offers);
const liveMics = (page: Page): Promise<string[]> => page.evaluate(() => (window as unknown as { __liveMics(): string[] }).__liveMics());
const pageErrors = (p: Person) => p.lines.filter((l) => l.startsWith('pageerror'));
const firstFrameMs = (p: Person) => {
  for (const line of p.lines) {
    const m = /^parley:first-frame (\d+)/.exec(line);
    if (m) return Number(m[1]);
  }
  return undefined;
};

/** A sender with the noisy microphone and a receiver; measures the sound received: noise floor (pauses) and voice. */
async function measure(suppression: boolean) {
  const room = newRoomCode();
  const receiver = await join(receiverBrowser, room, 'Rita');
  const sender = await join(senderBrowser, room, 'Sam', { storage: suppression ? {} : { 'parley.noiseSuppression': 'off' } });
  await waitForFrames(receiver.page, sender.id, 5);
  const first = await waitUntil('parley:first-frame on the sender', async () => firstFrameMs(sender));
  if (suppression) {
    await waitUntil('the denoised microphone to be sent', async () => isDenoised(await sentAudio(sender.page)));
  }
  // Echo cancellation and gain control settle in the first seconds.
  await sleep(2000);
  const sent = await sentAudio(sender.page);
  const levels = await receivedLevels(receiver.page, sender.id, 8000);
  return { sender, receiver, sent, first, floor: quantileDb(levels, 0.2), voice: quantileDb(levels, 0.9) };
}

test('noise suppression: the other side hears the noise floor drop while the voice stays; muting still mutes', async () => {
  const off = await measure(false);
  expect(isDenoised(off.sent)).toBe(false);
  await Promise.all(people.splice(0).map((p) => p.close()));
  const on = await measure(true);
  expect(isDenoised(on.sent)).toBe(true);
  const report = (m: typeof on) => `noise floor ${m.floor.toFixed(1)} dBFS, voice ${m.voice.toFixed(1)} dBFS, first frame ${m.first} ms`;
  console.info(`noise suppression off: ${report(off)}\nnoise suppression on:  ${report(on)}`);
  console.info(`noise floor drop ${(off.floor - on.floor).toFixed(1)} dB; voice change ${(on.voice - off.voice).toFixed(1)} dB`);
  expect(off.floor - on.floor).toBeGreaterThanOrEqual(10);
  // The voice still comes through: within a few dB of what it was, far above what is left of the noise.
  expect(Math.abs(on.voice - off.voice)).toBeLessThan(6);
  expect(on.voice - on.floor).toBeGreaterThan(off.voice - off.floor + 10);

  // Muting the microphone mutes what is sent, suppression or not.
  expect(await flip(on.sender.page, /microphone/i)).toBe('false');
  await waitForTileState(on.receiver.page, on.sender.id, 'data-audio', 'off');
  expect((await sentAudio(on.sender.page))?.enabled).toBe(false);
  await sleep(1000);
  const muted = quantileDb(await receivedLevels(on.receiver.page, on.sender.id, 2000), 0.9);
  expect(await flip(on.sender.page, /microphone/i)).toBe('true');
  await waitForTileState(on.receiver.page, on.sender.id, 'data-audio', 'on');
  await sleep(500);
  const back = quantileDb(await receivedLevels(on.receiver.page, on.sender.id, 2000), 0.9);
  console.info(`muted: ${muted.toFixed(1)} dBFS received; unmuted again: voice ${back.toFixed(1)} dBFS`);
  // No voice at all while muted (what is left is at most the tail of the jitter buffer).
  expect(muted).toBeLessThan(on.voice - 40);
  expect(back).toBeGreaterThan(on.floor + 20);
  for (const p of [off.sender, on.sender]) expect(pageErrors(p)).toEqual([]);
});

/**
 * Opens the in-call Settings panel and picks, in the select labelled `label`, the last device that is not `current`.
 * The last: Chromium's fake cameras take turns in pixel format (I420, Y16, MJPEG), and the second one's Y16 frames
 * show on the page but are never encoded, so the camera to switch to is the third.
 */
async function pickOther(page: Page, label: string, current: string): Promise<string> {
  const settings = page.getByRole('button', { name: 'Settings', exact: true });
  if ((await settings.getAttribute('aria-expanded')) !== 'true') await settings.click();
  const select = page.getByLabel(label, { exact: true });
  const values = await waitUntil(`${label} choices`, async () => {
    const v = await select.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    return v.length > 1 ? v : undefined;
  });
  const other = values.filter((v) => v !== current && v !== 'default').pop();
  if (!other) throw new Error(`no other ${label} than ${current} in ${values.join(', ')}`);
  await select.selectOption(other);
  return other;
}

test('camera and microphone switched mid-call without renegotiating, suppression follows the microphone; the chosen speaker plays every tile', async () => {
  const room = newRoomCode();
  const receiver = await join(receiverBrowser, room, 'Rita');
  // The speaker is chosen before anyone else is here: tiles made later play on it.
  const sinks = () =>
    receiver.page.$$eval('[data-participant-id]:not([data-self]) video', (vs) => vs.map((v) => (v as HTMLVideoElement).sinkId));
  const speaker = await pickOther(receiver.page, 'Speaker', '');
  const sender = await join(senderBrowser, room, 'Sam');
  await waitForFrames(receiver.page, sender.id, 5);
  await waitForFrames(sender.page, receiver.id, 5);
  expect(await sinks()).toEqual([speaker]);
  await waitUntil('the denoised microphone to be sent', async () => isDenoised(await sentAudio(sender.page)));
  const before = { offers: [await offers(sender.page), await offers(receiver.page)], audio: await sentAudio(sender.page) };
  const oldCam = (await sentVideo(sender.page))?.deviceId ?? '';
  const [oldMic] = await liveMics(sender.page);
  expect(oldCam).toBeTruthy();
  expect(oldMic).toBeTruthy();

  // Camera.
  const cam = await pickOther(sender.page, 'Camera', oldCam);
  await waitUntil('the chosen camera to be sent', async () => (await sentVideo(sender.page))?.deviceId === cam);
  await waitForFrames(receiver.page, sender.id, 10);

  // Microphone: the new device goes through suppression; the track sent stays the same.
  const mic = await pickOther(sender.page, 'Microphone', oldMic);
  await waitUntil('the chosen microphone to be the only one open', async () => {
    const live = await liveMics(sender.page);
    return live.length === 1 && live[0] === mic;
  });
  expect(await sentAudio(sender.page)).toEqual(before.audio);
  await sleep(500);
  expect(quantileDb(await receivedLevels(receiver.page, sender.id, 2000), 0.9)).toBeGreaterThan(-35);

  // Suppression off and on again in Settings: the raw microphone, then the denoised one.
  const box = sender.page.getByRole('checkbox', { name: 'Noise suppression' });
  await box.uncheck();
  await waitUntil('the raw microphone to be sent', async () => (await sentAudio(sender.page))?.deviceId === mic);
  expect(await sender.page.evaluate(() => localStorage.getItem('parley.noiseSuppression'))).toBe('off');
  await box.check();
  await waitUntil('the denoised microphone to be sent again', async () => isDenoised(await sentAudio(sender.page)));
  await sender.page.screenshot({ path: screenshotPath('settings-audio.png') });

  // Pictures kept coming, and nobody made a new offer.
  await waitForFrames(receiver.page, sender.id, 10);
  expect([await offers(sender.page), await offers(receiver.page)]).toEqual(before.offers);
  console.info(`offers made, ICE restarts aside (sender, receiver), unchanged by the switches: ${before.offers.join(', ')}`);

  // Another speaker chosen mid-call: the tiles there switch to it.
  const other = await pickOther(receiver.page, 'Speaker', speaker);
  expect(other).not.toBe(speaker);
  await waitUntil('the other speaker to be used', async () => (await sinks()).every((s) => s === other));
  expect(await sinks()).toEqual([other]);
  for (const p of [sender, receiver]) expect(pageErrors(p)).toEqual([]);
});

test('when noise suppression cannot load, the raw microphone is sent and the person is told', async () => {
  const room = newRoomCode();
  const receiver = await join(receiverBrowser, room, 'Rita');
  const sender = await join(senderBrowser, room, 'Sam', {
    prepare: (page) => page.route('**/rnnoise.wasm', (r) => r.fulfill({ status: 404, body: 'gone' })),
    beforeJoin: async (page) => {
      await page.getByText('Noise suppression could not start').waitFor();
      expect(await page.getByRole('checkbox', { name: 'Noise suppression' }).isChecked()).toBe(true);
    },
  });
  await waitForFrames(receiver.page, sender.id, 5);
  const [mic] = await liveMics(sender.page);
  expect((await sentAudio(sender.page))?.deviceId).toBe(mic);
  await sleep(1000);
  expect(quantileDb(await receivedLevels(receiver.page, sender.id, 3000), 0.9)).toBeGreaterThan(-35);
  expect(pageErrors(sender)).toEqual([]);
});
