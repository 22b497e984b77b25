/**
 * A newcomer's first offer is answered, but the answer never reaches it (lost on the way, as when it was relayed to a
 * replica that had just died). When the newcomer looks for its connection again, it sends the same offer again and
 * is answered: it must not offer anew, as an offer made anew brings other m-lines, which the side that answered the
 * first one cannot take.
 */
import { newRoomCode } from '../../server/rooms/codes';
import { useBrowserCall, waitUntil } from '../helpers/browser';
import { waitForFrames } from '../helpers/frames';

const call = useBrowserCall();

test('the answer to a newcomer’s first offer is lost: on a network change it sends the offer again, and media flows both ways', async () => {
  const room = newRoomCode();
  const ada = await call.join(room, 'Ada');
  // Ada's page loses the first answer it sends (its Socket.IO connection is on WebSocket once in the call).
  await ada.page.evaluate(() => {
    const w = window as unknown as { droppedAnswers: number };
    w.droppedAnswers = 0;
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (this: WebSocket, data: string | ArrayBufferLike | Blob | ArrayBufferView) {
      if (w.droppedAnswers === 0 && typeof data === 'string' && data.includes('"signal"') && data.includes('"type":"answer"')) {
        w.droppedAnswers++;
        return;
      }
      send.call(this, data);
    };
  });
  const bob = await call.join(room, 'Bob');
  await waitUntil('Ada’s first answer to be lost', () =>
    ada.page.evaluate(() => (window as unknown as { droppedAnswers: number }).droppedAnswers === 1),
  );
  // The network comes back (as after a Wi-Fi change): Bob's page looks for every connection again at once, well
  // before either side's connection watchdog (5 s at the earliest).
  const at = Date.now();
  await bob.page.evaluate(() => window.dispatchEvent(new Event('online')));
  await waitForFrames(bob.page, ada.id, 10, 20_000);
  await waitForFrames(ada.page, bob.id, 10, 20_000);
  const tookMs = Date.now() - at;
  console.info(`the lost answer: media both ways ${tookMs} ms after the network change`);

  // Bob's one look, before any answer came: the connection is new or already gathering.
  expect(bob.console.filter((l) => l.startsWith('parley: ICE restart')).map((l) => l.replace('connecting)', 'new)'))).toEqual([
    `parley: ICE restart with ${ada.id} (network change, new)`,
  ]);
  // Nobody had to wait for a watchdog, and nothing was refused on the way.
  expect(ada.console.filter((l) => l.startsWith('parley: ICE restart'))).toEqual([]);
  for (const p of [ada, bob]) expect([p.name, p.console.filter((l) => l.includes('failed'))]).toEqual([p.name, []]);
  expect(tookMs).toBeLessThan(4000);
});
