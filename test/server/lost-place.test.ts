import { closeAll, join, waitFor } from '../helpers/client';
import { startServer, type TestServer } from '../helpers/server';

describe('a place lost while the replica could not renew it', () => {
  let srv: TestServer;
  afterEach(async () => {
    closeAll();
    await srv.close();
  });

  test('the participant is asked to resume, and gets its PeerId back', async () => {
    srv = await startServer({ resumeGraceMs: 2000 });
    const host = await join(srv.url, { room: 'lost', name: 'Host' });
    const p = await join(srv.url, { room: 'lost', name: 'Pat' });
    const told = waitFor<{ reconnectInMs: number }>(p.socket, 'server:draining', 3000);
    const closed = waitFor<string>(p.socket, 'disconnect', 3000);
    // As another replica's reaper would after this one went quiet: the lease ran out and the place is given up in the
    // shared store (not a leave). Both steps finish before this replica's own reaper or heartbeat can run.
    const { store } = srv.parley;
    expect(await store.detach({ roomId: 'lost', peerId: p.welcome.self.id, sid: p.socket.id as string }, Date.now() - 1)).toBe(true);
    const removals = await store.reap(Date.now());
    expect(removals.map((r) => [r.member.id, r.reason])).toEqual([[p.welcome.self.id, 'disconnected']]);
    expect((await told).reconnectInMs).toBe(0);
    expect(await closed).toBe('io server disconnect');
    const back = await join(srv.url, { room: 'lost', name: 'Pat', resume: p.welcome.resume });
    expect(back.welcome.self.id).toBe(p.welcome.self.id);
    expect(back.welcome.peers.map((x) => x.id)).toEqual([host.welcome.self.id]);
  });
});
