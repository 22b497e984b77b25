/**
 * Behind a trusted proxy (TRUST_PROXY=1) the client address is the last X-Forwarded-For hop, the one the proxy
 * added: hops in front of it are the client's own words, so varying them must not get a client past a
 * per-address limit or a ban.
 */
import { closeAll, disconnected, emitAck, join, refused } from '../helpers/client';
import { startServer, type TestServer } from '../helpers/server';

let srv: TestServer;
afterEach(async () => {
  closeAll();
  await srv.close();
});

/** As an appending proxy forwards it: whatever the client claimed, then the address the proxy saw. */
const via = (real: string, claimed: string) => ({ extraHeaders: { 'x-forwarded-for': `${claimed}, ${real}` } });

test('the handshake limit bites on the last hop however the first one varies', async () => {
  srv = await startServer({ trustProxy: true, joinRatePerAddr: 1, joinBurstPerAddr: 3 });
  const real = '198.51.100.7';
  // Issued together, so that the bucket (one a second) has no time to refill between them.
  const attempts = await Promise.allSettled(
    Array.from({ length: 6 }, (_, i) => join(srv.url, { room: 'limited', name: `Spoof ${i}` }, via(real, `203.0.113.${i + 1}`))),
  );
  const codes = attempts.map((a) => (a.status === 'fulfilled' ? 'ok' : (a.reason as Error).message)).sort();
  expect(codes).toEqual(['RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED', 'ok', 'ok', 'ok']);
  // Another client behind the same proxy has a budget of its own.
  await join(srv.url, { room: 'limited', name: 'Neighbour' }, via('198.51.100.8', '203.0.113.1'));
  expect((await srv.parley.store.snapshot('limited'))?.members).toHaveLength(4);
});

test('a kicked participant is banned by its last hop, not by the hop it claims', async () => {
  srv = await startServer({ trustProxy: true });
  const host = await join(srv.url, { room: 'banned', name: 'Host' }, via('198.51.100.1', '198.51.100.1'));
  const mallory = await join(srv.url, { room: 'banned', name: 'Mallory' }, via('198.51.100.66', '203.0.113.1'));
  const gone = disconnected(mallory.socket);
  expect(await emitAck(host.socket, 'host:kick', { id: mallory.welcome.self.id })).toEqual({ ok: true });
  await gone;
  for (const claimed of ['203.0.113.2', '198.51.100.1', '10.0.0.1, 10.0.0.2'])
    expect((await refused(srv.url, { room: 'banned', name: 'Mallory' }, via('198.51.100.66', claimed))).message).toBe('BANNED');
  // The same name from another real address is someone else.
  await join(srv.url, { room: 'banned', name: 'Mallory' }, via('198.51.100.67', '203.0.113.1'));
});

test('without TRUST_PROXY the header is ignored: the socket’s own address counts', async () => {
  srv = await startServer({ joinRatePerAddr: 1, joinBurstPerAddr: 2 });
  const attempts = await Promise.allSettled(
    Array.from({ length: 4 }, (_, i) => join(srv.url, { room: 'direct', name: `Spoof ${i}` }, via(`198.51.100.${i + 1}`, '203.0.113.1'))),
  );
  expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(2);
});
