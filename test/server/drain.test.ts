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
      // A client obeys by leaving this replica without saying goodbye, then resuming elsewhere.
      move.socket.disconnect();
    });
    const drained = a.parley.drain(2000);
    await sleep(20);
    const ready = await fetch(`${a.url}/readyz`).then((r) => r.status);
    expect(ready).toBe(503);
    await expect(join(a.url, { room: 'drain-room', name: 'Late' })).rejects.toThrow();
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
