// Effects scenario: two participants in a call, each in its own headless Chromium, for a while with each setting
// of the media effects: none, noise suppression only, background blur only, both. The settings are the
// localStorage keys the pages read at start-up (`parley.noiseSuppression`, `parley.background`), set before the
// page loads. Per setting: each participant's browser CPU (all of its processes, from the browser's own process
// list over CDP) while the call runs, and the newcomer's "Join now" → first decoded remote frame.
// The fake camera is Chromium's own test pattern: segmentation costs the same whatever it finds in the picture.
/* global localStorage -- read and written inside the pages */
// Input: one JSON argument { url, seconds }. Output: one JSON result line on stdout.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { chromium } from 'playwright-core';
import { requireBinary } from '../scripts/procs.cjs';
import { joinPage } from './join-page.mjs';

const job = JSON.parse(process.argv[2]);
const executablePath = requireBinary('chromium');
const args = JSON.parse(readFileSync(new URL('../test/helpers/chromium-args.json', import.meta.url), 'utf8'));

export const SETTINGS = {
  none: { 'parley.noiseSuppression': 'off', 'parley.background': 'none' },
  'noise suppression': { 'parley.noiseSuppression': 'on', 'parley.background': 'none' },
  blur: { 'parley.noiseSuppression': 'off', 'parley.background': 'blur' },
  both: { 'parley.noiseSuppression': 'on', 'parley.background': 'blur' },
};

/** CPU seconds used so far by every process of `browser` (browser, GPU, renderers, utilities). */
async function cpuSeconds(cdp) {
  const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
  return processInfo.reduce((s, p) => s + p.cpuTime, 0);
}

async function participant(url, room, name, prefs) {
  const browser = await chromium.launch({ executablePath, args, headless: true });
  const cdp = await browser.newBrowserCDPSession();
  const context = await browser.newContext({ viewport: { width: 960, height: 600 } });
  await context.addInitScript((p) => {
    for (const [k, v] of Object.entries(p)) localStorage.setItem(k, v);
  }, prefs);
  const { page, firstFrame } = await joinPage(context, url, room, name, 30_000);
  return { browser, cdp, page, firstFrame };
}

const within = (p, ms, what) =>
  Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(`${what} not within ${ms} ms`)), ms))]);

const results = [];
for (const [setting, prefs] of Object.entries(SETTINGS)) {
  const room = `bench-effects-${Date.now().toString(36)}`;
  const people = [];
  try {
    people.push(await participant(job.url, room, 'Waiting', prefs));
    people.push(await participant(job.url, room, 'Newcomer', prefs));
    const joinMs = await within(people[1].firstFrame, 30_000, 'first remote frame');
    await within(people[0].firstFrame, 30_000, 'first remote frame at the first participant');
    const before = await Promise.all(people.map((p) => cpuSeconds(p.cdp)));
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, job.seconds * 1000));
    const after = await Promise.all(people.map((p) => cpuSeconds(p.cdp)));
    const wall = (performance.now() - t0) / 1000;
    // An effect that found itself too slow turned off and said so in parley.background: report it.
    const kept = await Promise.all(people.map((p) => p.page.evaluate(() => localStorage.getItem('parley.background'))));
    const row = {
      setting,
      cpuCores: after.map((a, i) => (a - before[i]) / wall),
      joinMs,
      blurStayedOn: prefs['parley.background'] === 'blur' ? kept.every((v) => v === 'blur') : null,
    };
    results.push(row);
    process.stderr.write(`    [effects] ${setting}: ${JSON.stringify(row)}\n`);
  } catch (err) {
    results.push({ setting, error: err.message });
    process.stderr.write(`    [effects] ${setting}: failed: ${err.message}\n`);
  } finally {
    await Promise.all(people.map((p) => p.browser.close().catch(() => undefined)));
  }
}

// "Join now" → first remote frame without effects, against Parley before the effects existed (job.beforeUrl), and
// with the defaults (noise suppression on), interleaved run by run so that the machine's state weighs on all alike.
const JOIN_TARGETS = [
  { label: 'before the effects', url: job.beforeUrl, prefs: {} },
  { label: 'no effect', url: job.url, prefs: SETTINGS.none },
  { label: 'defaults (noise suppression on)', url: job.url, prefs: {} },
];

async function joinOnce(browser, target, i) {
  const room = `bench-effects-join-${Date.now().toString(36)}-${i}`;
  const contexts = [];
  try {
    let newcomerFrame;
    for (const name of ['Waiting', 'Newcomer']) {
      const context = await browser.newContext({ viewport: { width: 960, height: 600 } });
      contexts.push(context);
      await context.addInitScript((p) => {
        localStorage.clear();
        for (const [k, v] of Object.entries(p)) localStorage.setItem(k, v);
      }, target.prefs);
      const { firstFrame } = await joinPage(context, target.url, room, name, 30_000);
      if (name === 'Newcomer') newcomerFrame = firstFrame;
    }
    return await within(newcomerFrame, 30_000, 'first remote frame');
  } finally {
    await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
  }
}

const joins = {};
if (job.beforeUrl) {
  const browser = await chromium.launch({ executablePath, args, headless: true });
  try {
    for (let i = 0; i < job.joinRuns; i++) {
      // Rotate the order each run: no target always goes first (cold) or last.
      for (let k = 0; k < JOIN_TARGETS.length; k++) {
        const target = JOIN_TARGETS[(i + k) % JOIN_TARGETS.length];
        const list = (joins[target.label] ??= []);
        try {
          const ms = await joinOnce(browser, target, i);
          list.push(ms);
          process.stderr.write(`    [effects] join, ${target.label}, run ${i + 1}: ${ms} ms\n`);
        } catch (err) {
          process.stderr.write(`    [effects] join, ${target.label}, run ${i + 1}: failed: ${err.message}\n`);
        }
      }
    }
  } finally {
    await browser.close();
  }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : null;
};
const joinFirstFrame = Object.fromEntries(Object.entries(joins).map(([label, ms]) => [label, { runs: ms.length, p50: median(ms), ms }]));
process.stdout.write(JSON.stringify({ result: { seconds: job.seconds, settings: results, joinFirstFrame }, loadCpuSec: 0 }) + '\n');
