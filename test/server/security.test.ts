import { closeAll, emitAck, join, refused } from '../helpers/client';
import { startServer, type TestServer } from '../helpers/server';

describe('password guessing and origins', () => {
  let srv: TestServer;
  afterEach(async () => {
    closeAll();
    await srv.close();
  });

  test('wrong passwords are limited per address and room; the right one works again after the pause', async () => {
    srv = await startServer({ passwordAttemptsPerMin: 3 });
    await join(srv.url, { room: 'guarded', name: 'Host', password: 'correct horse' });
    for (let i = 0; i < 3; i++)
      expect((await refused(srv.url, { room: 'guarded', name: 'G', password: `guess${i}` })).message).toBe('WRONG_PASSWORD');
    const limited = await refused(srv.url, { room: 'guarded', name: 'G', password: 'correct horse' });
    expect(limited.message).toBe('RATE_LIMITED');
    expect(limited.data?.code).toBe('RATE_LIMITED');
    // Another room is not affected.
    await join(srv.url, { room: 'other-room', name: 'G' });
  });

  test('with allowed origins configured, a handshake from another origin is refused and changes nothing', async () => {
    srv = await startServer({ allowedOrigins: ['https://meet.example'] });
    const ok = await join(srv.url, { room: 'orig', name: 'Good' }, { extraHeaders: { Origin: 'https://meet.example' } });
    await expect(join(srv.url, { room: 'orig', name: 'Evil' }, { extraHeaders: { Origin: 'https://evil.example' } })).rejects.toThrow();
    const reply = await emitAck<{ message: { text: string } }>(ok.socket, 'chat:send', { text: 'still here' });
    expect(reply.ok).toBe(true);
    const snap = await srv.parley.store.snapshot('orig');
    expect(snap?.members.map((m) => m.name)).toEqual(['Good']);
  });
});
