/** What reaches a socket before its welcome is held, then written after it, less what the welcome already says. */
import type { Socket } from 'socket.io';
import { holdEvents } from '../../server/realtime/hold';

function fakeSocket() {
  const written: unknown[] = [];
  const client = {
    writeToEngine(encoded: unknown, _opts?: unknown) {
      written.push(encoded);
    },
  };
  return { socket: { client, nsp: { name: '/room' } } as unknown as Socket, client, written };
}
const packet = (event: string, body: object) => [`2/room,${JSON.stringify([event, body])}`];

test('held packets follow the welcome in order; a join the welcome lists and a leave of someone it does not are dropped', () => {
  const { socket, client, written } = fakeSocket();
  const hold = holdEvents(socket);
  client.writeToEngine(packet('peer:joined', { id: 'bob' }), {});
  client.writeToEngine(packet('peer:joined', { id: 'cy' }), {});
  client.writeToEngine(packet('peer:left', { id: 'gone', reason: 'left' }), {});
  client.writeToEngine(packet('peer:updated', { id: 'bob', hand: true }), {});
  client.writeToEngine(packet('peer:left', { id: 'bob', reason: 'left' }), {});
  // Another namespace on the same connection is not held.
  client.writeToEngine(['2/lobby,["lobby:room",{"id":"x"}]'], {});
  client.writeToEngine(['2/room,7["signal",{"from":"bob"}]'], {});
  expect(written).toEqual([['2/lobby,["lobby:room",{"id":"x"}]']]);
  hold.release(() => client.writeToEngine(packet('room:welcome', { peers: ['bob'] }), {}), new Set(['ada', 'bob']));
  expect(written.slice(1)).toEqual([
    packet('room:welcome', { peers: ['bob'] }),
    packet('peer:joined', { id: 'cy' }),
    packet('peer:updated', { id: 'bob', hand: true }),
    packet('peer:left', { id: 'bob', reason: 'left' }),
    ['2/room,7["signal",{"from":"bob"}]'],
  ]);
  // Released: what follows is written at once.
  client.writeToEngine(packet('peer:joined', { id: 'dee' }), {});
  expect(written.at(-1)).toEqual(packet('peer:joined', { id: 'dee' }));
});

test('a discarded hold drops what it held and lets the rest through', () => {
  const { socket, client, written } = fakeSocket();
  const hold = holdEvents(socket);
  client.writeToEngine(packet('peer:joined', { id: 'bob' }), {});
  hold.discard();
  hold.discard();
  client.writeToEngine(packet('peer:joined', { id: 'cy' }), {});
  expect(written).toEqual([packet('peer:joined', { id: 'cy' })]);
});
