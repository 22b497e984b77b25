import net from 'node:net';
import { MemoryRoomStore } from '../../server/rooms/memory';
import type { Welcome } from '../../server/protocol/events';
import { closeAll, join, record, sleep } from '../helpers/client';
import { startServer, type TestServer } from '../helpers/server';

// Two replicas over one store: what a participant of a draining replica does is move to the other.
describe('graceful drain', () => {
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

  test('tells participants to move, refuses new sessions, and keeps their places for a resume elsewhere', async () => {
    const stay = await join(b.url, { room: 'drain-room', name: 'Stay' });
    const move = await join(a.url, { room: 'drain-room', name: 'Move' });
    const seen = record(stay.socket);

    let notice: { reconnectInMs: number } | undefined;
    move.socket.on('server:draining', (msg: { reconnectInMs: number }) => {
      notice = msg;
    });
    const drained = a.parley.drain(2000);
    await sleep(20);
    // While its participant is still here, the replica is not ready and refuses new sessions.
    const ready = await fetch(`${a.url}/readyz`).then((r) => r.status);
    expect(ready).toBe(503);
    await expect(join(a.url, { room: 'drain-room', name: 'Late' })).rejects.toThrow();
    // A client obeys by leaving this replica without saying goodbye, then resuming elsewhere.
    expect(notice).toBeDefined();
    move.socket.disconnect();
    await drained;
    expect(notice?.reconnectInMs).toBeGreaterThanOrEqual(0);
    expect(notice?.reconnectInMs).toBeLessThan(1000);

    const back = await join(b.url, { room: 'drain-room', name: 'Move', resume: move.welcome.resume });
    const w: Welcome = back.welcome;
    expect(w.self.id).toBe(move.welcome.self.id);
    expect(w.peers.map((p) => p.id)).toEqual([stay.welcome.self.id]);
    await sleep(3500);
    expect(seen.filter((e) => e.event === 'peer:left' || e.event === 'peer:joined')).toEqual([]);
    expect((await store.snapshot('drain-room'))?.members.map((m) => m.id)).toEqual([stay.welcome.self.id, move.welcome.self.id]);
  });
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
