/**
 * Four participants in a full mesh, each in its own Chromium whose camera shows a solid colour of its own:
 * every pair is connected and every tile shows the video of the participant it names.
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { newRoomCode } from '../../server/rooms/codes';
import {
  closeAll,
  ensureClientBuilt,
  joinCall,
  launchBrowser,
  startReplicaOn,
  tileIds,
  waitUntil,
  type Participant,
} from '../helpers/browser';
import {
  COLOURS,
  makeMediaDir,
  nearestColour,
  parleyStats,
  rmMediaDir,
  sampleColour,
  waitForFrames,
  writeSolidY4m,
} from '../helpers/frames';
import { screenshotPath } from '../helpers/screenshots';
import type { TestServer } from '../helpers/server';

const NAMES: Record<string, string> = { red: 'Ruby', green: 'Gil', blue: 'Bea', yellow: 'Yuki' };

let server: TestServer;
let media: string;
const browsers: Record<string, Browser> = {};
const people: Record<string, Participant> = {};

beforeAll(async () => {
  ensureClientBuilt();
  server = await startReplicaOn(0);
  media = makeMediaDir();
  await Promise.all(
    Object.entries(COLOURS).map(async ([colour, rgb]) => {
      browsers[colour] = await launchBrowser({ fakeVideo: writeSolidY4m(path.join(media, `${colour}.y4m`), rgb) });
    }),
  );
});

afterAll(async () => {
  await closeAll(Object.values(people));
  await Promise.all(Object.values(browsers).map((b) => b.close()));
  await server?.close();
  if (media) rmMediaDir(media);
});

test('4 participants: every pair connected, every tile shows its own participant’s camera', async () => {
  const room = newRoomCode();
  for (const colour of Object.keys(COLOURS)) {
    people[colour] = await joinCall(browsers[colour], server.url, room, NAMES[colour]);
  }
  const all = Object.values(people);
  const ids = all.map((p) => p.id).sort();
  const colourOf = Object.fromEntries(Object.entries(people).map(([colour, p]) => [p.id, colour]));

  for (const viewer of all) {
    await waitUntil(`${viewer.name} to show 4 tiles`, async () =>
      JSON.stringify(await tileIds(viewer.page)) === JSON.stringify(ids) ? true : undefined,
    );
    for (const other of all) {
      if (other === viewer) continue;
      await waitForFrames(viewer.page, other.id, 10, 30_000);
    }
  }

  const seen: string[] = [];
  for (const viewer of all) {
    const stats = await parleyStats(viewer.page);
    expect(Object.keys(stats).sort()).toEqual(ids.filter((id) => id !== viewer.id));
    for (const [id, s] of Object.entries(stats)) {
      expect([id, s.connectionState]).toEqual([id, 'connected']);
      expect(s.framesDecoded).toBeGreaterThan(0);
      expect(s.audioPacketsReceived).toBeGreaterThan(0);
    }
    for (const other of all) {
      const tileText = await viewer.page.locator(`[data-participant-id="${other.id}"]`).first().textContent();
      expect(tileText).toContain(other.name);
      const rgb = await sampleColour(viewer.page, other.id);
      seen.push(`${viewer.name} sees ${other.name} as ${nearestColour(rgb)} (${rgb.join(',')})`);
      expect([viewer.name, other.name, nearestColour(rgb)]).toEqual([viewer.name, other.name, colourOf[other.id]]);
    }
  }
  console.info(seen.join('\n'));
  // The first participant's clock starts before anyone else is there, so only newcomers count.
  const firstFrames = all.slice(1).map((p) => `${p.name}: ${p.firstFrameMs() ?? 'n/a'} ms`);
  console.info(`join-to-first-remote-frame in a 4-way mesh: ${firstFrames.join(', ')}`);

  await people.red.page.screenshot({ path: screenshotPath('call-4.png') });
});
