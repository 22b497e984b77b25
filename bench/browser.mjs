// Browser scenario: "Join now" to the first decoded remote frame, in headless Chromium through the real
// pages. One participant waits in each fresh room; the newcomer's client logs `parley:first-frame <ms>`.
// Input: one JSON argument { urls, runs }. Output: one JSON result line on stdout.
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { requireBinary } from '../scripts/procs.cjs';
import { joinPage } from './join-page.mjs';

const job = JSON.parse(process.argv[2]);
const executablePath = requireBinary('chromium');
// The same flags as the browser tests.
const args = JSON.parse(readFileSync(new URL('../test/helpers/chromium-args.json', import.meta.url), 'utf8'));
const browser = await chromium.launch({ executablePath, args, headless: true });

async function join(url, room, name) {
  const context = await browser.newContext({ viewport: { width: 960, height: 600 } });
  const { firstFrame } = await joinPage(context, url, room, name, 15_000);
  return { context, got: firstFrame };
}

const times = [];
try {
  for (let i = 0; i < job.runs; i++) {
    const room = `bench-browser-${Date.now().toString(36)}-${i}`;
    // With several replicas the two land on different ones (the newcomer's signals cross replicas).
    const host = await join(job.urls[0], room, 'Waiting');
    const guest = await join(job.urls[1 % job.urls.length], room, 'Newcomer');
    const ms = await Promise.race([
      guest.got,
      new Promise((_, rej) => setTimeout(() => rej(new Error('no remote frame in 20 s')), 20_000)),
    ]);
    times.push(ms);
    process.stderr.write(`    [browser] run ${i + 1}: ${ms} ms\n`);
    await guest.context.close();
    await host.context.close();
  }
} finally {
  await browser.close();
}
const sorted = [...times].sort((a, b) => a - b);
const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
process.stdout.write(JSON.stringify({ result: { runs: times.length, times, p50: pct(50), p95: pct(95) }, loadCpuSec: 0 }) + '\n');
