/**
 * A first join while Redis is down, in Chromium through HAProxy (two replicas): "Join now" waits, saying
 * "Reconnecting to the meeting service…", can be cancelled, and gets into the call by itself once Redis is back.
 * Meanwhile, with no replica ready, HAProxy answers 503 with Parley's own page (self-contained, strict CSP), and
 * Socket.IO handshakes with the retryable refusal as JSON.
 */
import { createHash } from 'node:crypto';
import { until } from '../../scripts/procs.cjs';
import { newRoomCode } from '../../server/rooms/codes';
import { RECONNECT_DELAY_MAX_MS } from '../../server/protocol/limits';
import { sleep } from '../helpers/browser';
import { joinThroughLb, startCallCluster, type CallCluster } from '../helpers/call-cluster';

let cc: CallCluster | undefined;
afterAll(async () => {
  await cc?.stop();
});

/** What HAProxy answers itself: no X-Parley-Replica header. */
async function lbAnswer(url: string) {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

test('Redis down: a newcomer waits with "Reconnecting to the meeting service…", can cancel, and is in the call by itself once Redis is back; HAProxy answers 503 with Parley’s page', async () => {
  cc = await startCallCluster({}, 2);
  const { cluster } = cc;
  const redis = cluster.redis;
  if (!redis) throw new Error('the cluster runs without Redis');
  const room = newRoomCode();
  const ada = await joinThroughLb(cc, room, 'Ada');
  const context = await cc.browser.newContext({ viewport: { width: 960, height: 600 } });
  const page = await context.newPage();
  await page.goto(`${cluster.url}/r/${room}`);
  await page.getByRole('textbox', { name: 'Your name' }).fill('Newcomer');
  const waiting = page.getByRole('status').filter({ hasText: 'Reconnecting to the meeting service…' });
  const joinNow = page.getByRole('button', { name: 'Join now' });

  await redis.kill('SIGKILL');
  let backAt: number;
  try {
    // At once, while the replicas are still in rotation (their refusal) or already out of it (HAProxy's 503).
    await joinNow.click();
    await waiting.waitFor({ timeout: 10_000 });
    // Cancel gives the join up: "Join now" again, the message gone.
    await page.getByRole('button', { name: 'Cancel' }).click();
    await joinNow.waitFor({ timeout: 5000 });
    expect(await joinNow.isEnabled()).toBe(true);
    expect(await waiting.count()).toBe(0);
    await joinNow.click();
    await waiting.waitFor({ timeout: 10_000 });

    // Once the health checks took every replica out of rotation, HAProxy answers by itself.
    const page503 = await until(
      'HAProxy answering 503 itself',
      async () => {
        const a = await lbAnswer(`${cluster.url}/r/${room}`);
        return a.status === 503 && !a.headers.has('x-parley-replica') && a;
      },
      15_000,
      undefined,
      200,
    );
    const io503 = await lbAnswer(`${cluster.url}/socket.io/?EIO=4&transport=polling`);
    await sleep(500);
    // Still waiting, still on the pre-join page: nobody had to click again.
    expect(await waiting.count()).toBe(1);

    expect(page503.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page503.headers.get('cache-control')).toBe('no-store');
    expect(page503.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(page503.body).toContain('<title>Parley is briefly unavailable</title>');
    expect(page503.body).toContain('Try again in a moment.');
    // Self-contained: nothing to load from anywhere, and a CSP that would refuse it anyway, its one style by hash.
    expect(page503.body).not.toMatch(/<(script|img|link|iframe)\b|\bsrc=|url\(|@import|https?:/i);
    const csp = page503.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/^default-src 'none';/);
    const style = /<style>([\s\S]*?)<\/style>/.exec(page503.body)?.[1] ?? '';
    expect(csp).toContain(`style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    expect(io503.status).toBe(503);
    expect(io503.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(io503.body)).toMatchObject({ code: 'INTERNAL', retryable: true });
  } finally {
    await redis.start();
    backAt = Date.now();
  }

  // In the call without another click: its own tile and Ada's.
  await page.getByRole('button', { name: 'Leave call' }).waitFor({ timeout: RECONNECT_DELAY_MAX_MS + 10_000 });
  const inAfter = Date.now() - backAt;
  await page.locator(`[data-participant-id="${ada.id}"]`).first().waitFor({ timeout: 10_000 });
  const trail = await page.evaluate(() => (window as unknown as { parley: { trail(): Array<{ event: string }> } }).parley.trail());
  console.info(
    `newcomer in the call ${inAfter} ms after Redis was back; ${trail.filter((e) => e.event === 'waiting').length} waits before`,
  );
  await context.close();
  await ada.context.close();
});
