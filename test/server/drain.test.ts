import net from 'node:net';
import { MemoryRoomStore } from '../../server/rooms/memory';
import type { Welcome } from '../../server/protocol/events';
import { closeAll, join, record, sleep, waitFor } from '../helpers/client';
import { startServer, type TestServer } from '../helpers/server';

// Two replicas over one store: what a participant of a draining replica does is move to the other.
describe('graceful drain', () => {
  // Long enough for a join to finish inside it on a loaded machine.
  const NOTICE_MS = 3000;
  let a: TestServer;
  let b: TestServer;
  let store: MemoryRoomStore;

  beforeEach(async () => {
    store = new MemoryRoomStore();
    const secret = 'drain-test-secret-0123456789';
    a = await startServer({ secret, resumeGraceMs: 3000 }, { store });
    b = await startServer({ secret, resumeGraceMs: 3000 }, { store });
  });
  afterEach(async () => {
    closeAll();
    await a.close().catch(() => undefined);
    await b.close();
    await store.close();
  });

  test('not ready at once but still admitting for the notice period; then tells everyone to move, refuses new sessions, and keeps their places for a resume elsewhere', async () => {
    const stay = await join(b.url, { room: 'drain-room', name: 'Stay' });
    const move = await join(a.url, { room: 'drain-room', name: 'Move' });
    const seen = record(stay.socket);
    const told = waitFor<{ reconnectInMs: number }>(move.socket, 'server:draining', NOTICE_MS + 5000);

    const started = Date.now();
    const drained = a.parley.drain(2000, NOTICE_MS);
    // Not ready from the start: the load balancer takes the replica out of its rotation during the notice period.
    expect((await fetch(`${a.url}/readyz`)).status).toBe(503);
    // Meanwhile it serves and admits as before: whoever the load balancer still sends here joins, and nobody moves yet.
    const late = await join(a.url, { room: 'drain-room', name: 'Late' });
    const toldLate = waitFor<{ reconnectInMs: number }>(late.socket, 'server:draining', NOTICE_MS + 5000);
    expect(Date.now() - started).toBeLessThan(NOTICE_MS);
    expect(seen.filter((e) => e.event === 'server:draining')).toEqual([]);

    // Then everyone on it, the latecomer too, is told to move, and new sessions are refused.
    const [notice, lateNotice] = await Promise.all([told, toldLate]);
    // Timers may fire a millisecond early; the notice period is the point, not its exact end.
    expect(Date.now() - started).toBeGreaterThanOrEqual(NOTICE_MS - 20);
    await expect(join(a.url, { room: 'drain-room', name: 'Later' })).rejects.toThrow();
    // A client obeys by leaving this replica without saying goodbye, then resuming elsewhere.
    move.socket.disconnect();
    late.socket.disconnect();
    await drained;
    for (const n of [notice, lateNotice]) {
      expect(n.reconnectInMs).toBeGreaterThanOrEqual(0);
      expect(n.reconnectInMs).toBeLessThan(1000);
    }

    const back = await join(b.url, { room: 'drain-room', name: 'Move', resume: move.welcome.resume });
    const w: Welcome = back.welcome;
    expect(w.self.id).toBe(move.welcome.self.id);
    expect(w.peers.map((p) => p.id)).toEqual([stay.welcome.self.id, late.welcome.self.id]);
    const lateBack = await join(b.url, { room: 'drain-room', name: 'Late', resume: late.welcome.resume });
    expect(lateBack.welcome.self.id).toBe(late.welcome.self.id);
    await sleep(3500);
    // Nobody left (these two replicas share no Socket.IO adapter: the latecomer's arrival on the other is not relayed).
    expect(seen.filter((e) => e.event === 'peer:left' || e.event === 'peer:joined')).toEqual([]);
    expect((await store.snapshot('drain-room'))?.members.map((m) => m.id)).toEqual([
      stay.welcome.self.id,
      move.welcome.self.id,
      late.welcome.self.id,
    ]);
  });
});

// A replica told to close while it waits out a drain's notice period (a second signal, a test tearing down) does not
// wait for the rest of it: close() ends the drain, and the two end together.
test('close() during the notice period ends the drain at once', async () => {
  const srv = await startServer({ drainNoticeMs: 600_000 });
  const drained = srv.parley.drain();
  expect((await fetch(`${srv.url}/readyz`)).status).toBe(503);
  const outcome = await Promise.race([
    Promise.all([srv.close(), drained]).then(() => 'both ended'),
    sleep(20_000).then(() => 'still waiting after 20 s'),
  ]);
  expect(outcome).toBe('both ended');
});

// A connection that never finishes its request (a stalled client, a half-open socket) must not keep a replica that
// is shutting down from ending: close() gives requests in flight a grace period, then closes their connections.
describe('close with a request in flight', () => {
  test('ends although a client never finishes its request', async () => {
    const srv = await startServer();
    const stalled = net.connect(srv.port, '127.0.0.1');
    await new Promise((resolve) => stalled.once('connect', resolve));
    stalled.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const ended = new Promise((resolve) => stalled.once('close', resolve));
    await sleep(100);
    const outcome = await Promise.race([srv.close().then(() => 'closed'), sleep(20_000).then(() => 'still open after 20 s')]);
    stalled.destroy();
    expect(outcome).toBe('closed');
    await ended;
  });
});
