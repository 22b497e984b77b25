/**
 * TURN credential renewal in a real call: with 60 s credentials (the shortest TURN_TTL_S), the room page asks for
 * fresh ones (`ice:refresh`) at about 80 % of their lifetime and hands them to its open peer connection with
 * setConfiguration; coturn (deploy/turnserver.conf) accepts what it got.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { newRoomCode } from '../../server/rooms/codes';
import type { IceServer } from '../../server/protocol/events';
import { ensureClientBuilt, joinCall, joinFromPrejoin, launchBrowser, startReplicaOn, waitUntil } from '../helpers/browser';
import type { TestServer } from '../helpers/server';
import { startCoturn, TurnClient, type CoturnProcess } from '../helpers/turn';

const TTL_S = 60;

let turn: CoturnProcess;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  ensureClientBuilt();
  turn = await startCoturn(randomBytes(16).toString('hex'));
  server = await startReplicaOn(0, {
    turnUrls: [`turn:127.0.0.1:${turn.port}?transport=udp`],
    turnSecret: turn.secret,
    turnTtlS: TTL_S,
  });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await turn?.stop();
});

type Applied = { at: number; servers: IceServer[] };

/** Every setConfiguration of the page's peer connections, with the time (page clock, ms) it was made. */
const applied = (page: Page) => page.evaluate(() => (window as unknown as { __iceApplied?: Applied[] }).__iceApplied ?? []);

const expiryOf = (servers: IceServer[]) => {
  const u = servers.find((s) => s.username)?.username;
  return u ? Number(u.split(':')[0]) : NaN;
};

test('the page renews its 60 s TURN credentials at ~48 s and applies them to its peer connection; coturn takes them', async () => {
  const room = newRoomCode();
  const ann = await joinCall(browser, server.url, room, 'Ann');
  const context = await browser.newContext();
  try {
    await context.addInitScript(() => {
      const w = window as unknown as { __iceApplied: Applied[] };
      w.__iceApplied = [];
      const native = RTCPeerConnection.prototype.setConfiguration;
      RTCPeerConnection.prototype.setConfiguration = function (this: RTCPeerConnection, config?: RTCConfiguration) {
        w.__iceApplied.push({ at: Date.now(), servers: JSON.parse(JSON.stringify(config?.iceServers ?? [])) as IceServer[] });
        return native.call(this, config);
      };
    });
    const page = await context.newPage();
    await page.goto(`${server.url}/r/${room}`);
    const joinedAt = Date.now();
    await joinFromPrejoin(page, 'Bob');
    const welcomeExpiry = Math.floor(joinedAt / 1000) + TTL_S;
    // Bob's connection to Ann exists; the renewal comes at 80 % of the lifetime (48 s), not before.
    const renewal = await waitUntil(
      'a setConfiguration with renewed TURN credentials',
      async () => (await applied(page)).find((a) => expiryOf(a.servers) > welcomeExpiry + 1),
      75_000,
    );
    const afterS = (renewal.at - joinedAt) / 1000;
    console.info(`TURN credentials renewed ${afterS.toFixed(1)} s after the join (lifetime ${TTL_S} s)`);
    expect(afterS).toBeGreaterThan(0.8 * TTL_S - 5);
    expect(afterS).toBeLessThan(TTL_S);
    const cred = renewal.servers.find((s) => s.username)!;
    expect(cred.username!.split(':')[1]).toBe(
      await page.evaluate(() => (window as unknown as { parley: { selfId: string } }).parley.selfId),
    );
    const c = (await TurnClient.udp(turn.port)).credentials(cred.username!, cred.credential!);
    try {
      expect(await c.allocate()).toMatchObject({ ok: true });
    } finally {
      c.close();
    }
  } finally {
    await context.close();
    await ann.context.close();
  }
});
