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
    // As another replica would after this one went quiet: the place is given up in the shared store.
    const removal = await srv.parley.store.leave({ roomId: 'lost', peerId: p.welcome.self.id, sid: p.socket.id as string });
    expect(removal?.member.id).toBe(p.welcome.self.id);
    expect((await told).reconnectInMs).toBe(0);
    expect(await closed).toBe('io server disconnect');
    const back = await join(srv.url, { room: 'lost', name: 'Pat', resume: p.welcome.resume });
    expect(back.welcome.self.id).toBe(p.welcome.self.id);
    expect(back.welcome.peers.map((x) => x.id)).toEqual([host.welcome.self.id]);
  });
});
