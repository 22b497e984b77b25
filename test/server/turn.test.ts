/**
 * TURN against a real coturn running deploy/turnserver.conf as deployed (only where it listens and its secret are
 * given): a replica's credentials open relays until they expire, `ice:refresh` renews them for admitted
 * participants only, and a relay reaches globally reachable peers only (no private, link-local, loopback, mapped or
 * NAT64 address, in either family), over UDP relays only.
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import os from 'node:os';
import { turnCredentials } from '../../server/ice/ice';
import type { IceServer } from '../../server/protocol/events';
import { closeAll, emitAck, join, sleep } from '../helpers/client';
import { startServer, type TestServer } from '../helpers/server';
import { startCoturn, TurnClient, type CoturnProcess } from '../helpers/turn';

let turn: CoturnProcess;
let srv: TestServer;
let n = 0;
const room = () => `turn-${++n}-${Date.now().toString(36)}`;

beforeAll(async () => {
  turn = await startCoturn(randomBytes(16).toString('hex'));
  // TURN_TTL_S and ICE_REFRESH_PER_MIN keep their defaults: they are what is under test.
  srv = await startServer({
    stunUrls: [`stun:127.0.0.1:${turn.port}`],
    turnUrls: [`turn:127.0.0.1:${turn.port}?transport=udp`, `turn:127.0.0.1:${turn.port}?transport=tcp`],
    turnSecret: turn.secret,
  });
});
afterEach(() => closeAll());
afterAll(async () => {
  await srv?.close();
  await turn?.stop();
});

type Credential = { username: string; credential: string };

function turnServer(servers: IceServer[]): Credential {
  const s = servers.find((x) => [x.urls].flat().some((u) => u.startsWith('turn:')));
  if (!s?.username || !s.credential) throw new Error(`no TURN credentials in ${JSON.stringify(servers)}`);
  return { username: s.username, credential: s.credential };
}

/** The expiry (epoch seconds) a TURN REST username carries: "<expiry>:<user>". */
const expiryOf = (username: string) => Number(username.split(':')[0]);

/** A client 5-tuple over UDP with `cred` and an allocated relay of `family` (the allocation must succeed). */
async function relay(cred: Credential, family: 4 | 6 = 4): Promise<TurnClient> {
  const c = (await TurnClient.udp(turn.port)).credentials(cred.username, cred.credential);
  const a = await c.allocate({ family });
  if (!a.ok) {
    c.close();
    throw new Error(`allocation refused: ${a.code} ${a.reason}`);
  }
  return c;
}

describe('credentials', () => {
  test('a welcome carries a TURN credential for its PeerId that expires TURN_TTL_S (10 minutes) after the join', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { welcome } = await join(srv.url, { room: room(), name: 'Ann' });
    const after = Math.ceil(Date.now() / 1000);
    const cred = turnServer(welcome.iceServers);
    expect(cred.username.split(':')[1]).toBe(welcome.self.id);
    expect(srv.config.turnTtlS).toBe(600);
    expect(expiryOf(cred.username)).toBeGreaterThanOrEqual(before + 600);
    expect(expiryOf(cred.username)).toBeLessThanOrEqual(after + 600);
    (await relay(cred)).close();
  });

  test('coturn refuses a credential past its expiry with 401, and takes the same one minted a moment later', async () => {
    const ttl = srv.config.turnTtlS;
    const stale = turnCredentials(turn.secret, 'peer-x', ttl, Date.now() - (ttl + 2) * 1000);
    const c = (await TurnClient.udp(turn.port)).credentials(stale.username, stale.credential);
    try {
      expect(await c.allocate()).toMatchObject({ ok: false, code: 401 });
    } finally {
      c.close();
    }
    (await relay(turnCredentials(turn.secret, 'peer-x', ttl))).close();
  });

  test('an allocation made before the expiry outlives it (coturn checks the expiry when a relay is opened)', async () => {
    const c = await relay(turnCredentials(turn.secret, 'peer-y', 1));
    try {
      await sleep(2100);
      expect(await c.createPermission('8.8.8.8')).toMatchObject({ ok: true });
    } finally {
      c.close();
    }
  });
});

describe('ice:refresh', () => {
  test('answers an admitted participant with fresh servers: its PeerId, no earlier expiry, accepted by coturn', async () => {
    const { socket, welcome } = await join(srv.url, {
      room: room(),
      name: 'Ann',
    });
    const reply = await emitAck<{ iceServers: IceServer[] }>(socket, 'ice:refresh');
    if (!reply.ok) throw new Error(`refused: ${reply.error.code}`);
    expect(Object.keys(reply).sort()).toEqual(['iceServers', 'ok']);
    expect(reply.iceServers[0]).toEqual({
      urls: [`stun:127.0.0.1:${turn.port}`],
    });
    const fresh = turnServer(reply.iceServers);
    expect(fresh.username.split(':')[1]).toBe(welcome.self.id);
    expect(expiryOf(fresh.username)).toBeGreaterThanOrEqual(expiryOf(turnServer(welcome.iceServers).username));
    (await relay(fresh)).close();
  });

  test('takes no payload: with one it is BAD_REQUEST', async () => {
    const { socket } = await join(srv.url, { room: room(), name: 'Ann' });
    expect(await emitAck(socket, 'ice:refresh', { ttl: 86_400 })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });

  test('beyond ICE_REFRESH_PER_MIN (3 at once, then 3 a minute) a socket is RATE_LIMITED; its other events still pass', async () => {
    const { socket } = await join(srv.url, { room: room(), name: 'Ann' });
    const replies = [];
    for (let i = 0; i < 5; i++) replies.push(await emitAck(socket, 'ice:refresh'));
    expect(replies.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['ok', 'ok', 'ok', 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(await emitAck(socket, 'chat:send', { text: 'still here' })).toMatchObject({ ok: true });
    // Another participant has a budget of its own.
    const other = await join(srv.url, { room: room(), name: 'Bob' });
    expect(await emitAck(other.socket, 'ice:refresh')).toMatchObject({
      ok: true,
    });
  });

  test('a socket whose place the room no longer holds gets NOT_IN_ROOM and no credentials', async () => {
    const id = room();
    const { socket, welcome } = await join(srv.url, { room: id, name: 'Ann' });
    // The place is gone while this socket is still open (as when another replica gave it up for this one).
    expect(
      await srv.parley.store.leave({
        roomId: id,
        peerId: welcome.self.id,
        sid: socket.id!,
      }),
    ).not.toBeNull();
    const reply = await emitAck(socket, 'ice:refresh');
    expect(reply).toMatchObject({ ok: false, error: { code: 'NOT_IN_ROOM' } });
    expect(reply).not.toHaveProperty('iceServers');
  });
});

describe('relay reach', () => {
  let v4: TurnClient;
  let v6: TurnClient;

  beforeAll(async () => {
    const { welcome } = await join(srv.url, { room: room(), name: 'Relay' });
    const cred = turnServer(welcome.iceServers);
    v4 = await relay(cred, 4);
    v6 = await relay(cred, 6);
  });
  afterAll(() => {
    v4?.close();
    v6?.close();
  });

  test.each([
    ['unique local (fc00::/7), this host', 'fd00::2'],
    ['unique local (fc00::/7)', 'fc00::1'],
    ['link-local', 'fe80::1'],
    ['site-local (deprecated)', 'fec0::1'],
    ['loopback', '::1'],
    ['unspecified', '::'],
    ['IPv4-mapped private', '::ffff:10.0.0.1'],
    ['IPv4-mapped loopback', '::ffff:127.0.0.1'],
    ['IPv4-mapped link-local (metadata)', '::ffff:169.254.169.254'],
    ['NAT64 of a private address', '64:ff9b::a00:1'],
    ['local-use NAT64', '64:ff9b:1::a00:1'],
    ['6to4 of a private address', '2002:a00:1::1'],
    ['Teredo', '2001:0:4136:e378::1'],
    ['documentation', '2001:db8::1'],
    ['discard', '100::1'],
  ])('an IPv6 relay may not open a permission to a %s peer (%s): 403 Forbidden IP', async (_what, ip) => {
    expect(await v6.createPermission(ip)).toMatchObject({
      ok: false,
      code: 403,
      reason: 'Forbidden IP',
    });
  });

  test.each([
    ['this network', '0.0.0.1'],
    ['private', '10.0.0.1'],
    ['private', '172.16.0.1'],
    ['private', '192.168.1.1'],
    ['shared address space (CGNAT)', '100.64.0.1'],
    ['link-local (cloud metadata)', '169.254.169.254'],
    ['loopback', '127.0.0.1'],
    ['IETF protocol assignments', '192.0.0.8'],
    ['documentation', '192.0.2.1'],
    ['documentation', '198.51.100.1'],
    ['documentation', '203.0.113.1'],
    ['benchmarking', '198.18.0.1'],
    ['reserved', '240.0.0.1'],
    ['broadcast', '255.255.255.255'],
  ])('an IPv4 relay may not open a permission to a %s peer (%s): 403 Forbidden IP', async (_what, ip) => {
    expect(await v4.createPermission(ip)).toMatchObject({
      ok: false,
      code: 403,
      reason: 'Forbidden IP',
    });
  });

  test('a globally reachable peer is allowed in both families (a permission only: nothing is sent to it)', async () => {
    expect(await v4.createPermission('8.8.8.8')).toMatchObject({ ok: true });
    expect(await v6.createPermission('2001:4860:4860::8888')).toMatchObject({
      ok: true,
    });
  });

  // A unique-local address of this host, where a listener can see whether a relayed datagram arrives.
  const ula = Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a?.family === 'IPv6' && /^f[cd]/i.test(a.address))?.address;

  (ula ? test : test.skip)(
    `nothing sent through the relay reaches this host's own unique-local address (${ula ?? 'none here'})`,
    async () => {
      const listener = dgram.createSocket('udp6');
      const got: Buffer[] = [];
      listener.on('message', (m) => got.push(m));
      await new Promise<void>((resolve) => listener.bind(0, ula, resolve));
      const { port } = listener.address();
      try {
        expect(await v6.createPermission(ula!)).toMatchObject({
          ok: false,
          code: 403,
        });
        for (let i = 0; i < 5; i++) v6.sendIndication(ula!, port, Buffer.from(`probe ${i}`));
        await sleep(500);
        expect(got.map(String)).toEqual([]);
      } finally {
        listener.close();
      }
    },
  );

  test('a TCP relay (RFC 6062) is refused; a UDP relay over a TCP connection to coturn (transport=tcp) is allowed', async () => {
    const cred = turnCredentials(turn.secret, 'peer-tcp', 600);
    const tcp = (await TurnClient.tcp(turn.port)).credentials(cred.username, cred.credential);
    try {
      expect(await tcp.allocate({ transport: 'tcp' })).toMatchObject({
        ok: false,
        code: 442,
      });
      expect(await tcp.allocate({ transport: 'udp' })).toMatchObject({
        ok: true,
      });
    } finally {
      tcp.close();
    }
  });
});
