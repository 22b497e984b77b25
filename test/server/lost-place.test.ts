import { closeAll, join, sleep, waitFor } from '../helpers/client';
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
    const { store } = srv.parley;
    // The host's place is covered by another replica's owner, which stays live.
    expect(await store.renewOwner('elsewhere', 60_000, true)).toBe('ok');
    expect(await store.claim('elsewhere', [{ roomId: 'lost', peerId: host.welcome.self.id, sid: host.socket.id as string }])).toEqual([]);
    // This replica cannot renew its owner's lease for longer than the lease (grace 2 s + one 500 ms heartbeat), and
    // its own reaper stays out of the way, as when it is cut off: another replica's reaper gives the place up.
    const reap = store.reap.bind(store);
    const renewals = jest.spyOn(store, 'renewOwner').mockRejectedValue(new Error('store unreachable'));
    const reaping = jest.spyOn(store, 'reap').mockResolvedValue([]);
    await sleep(2800);
    const removals = await reap(Date.now());
    expect(removals.map((r) => [r.member.id, r.reason])).toEqual([[p.welcome.self.id, 'disconnected']]);
    const told = waitFor<{ reconnectInMs: number }>(p.socket, 'server:draining', 3000);
    const closed = waitFor<string>(p.socket, 'disconnect', 3000);
    renewals.mockRestore();
    reaping.mockRestore();
    // Its next renewal finds the lease lapsed: it carries on under a new owner, finds the place gone, and says so.
    expect((await told).reconnectInMs).toBe(0);
    expect(await closed).toBe('io server disconnect');
    const back = await join(srv.url, { room: 'lost', name: 'Pat', resume: p.welcome.resume });
    expect(back.welcome.self.id).toBe(p.welcome.self.id);
    expect(back.welcome.peers.map((x) => x.id)).toEqual([host.welcome.self.id]);
  });
});
