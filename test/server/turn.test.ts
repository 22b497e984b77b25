/**
 * TURN against a real coturn running deploy/turnserver.conf as deployed (only where it listens and its secret are
 * given): a relay reaches globally reachable peers only (no private, link-local, loopback, mapped or NAT64 address,
 * in either family), over UDP relays only.
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import os from 'node:os';
import { turnCredentials } from '../../server/ice/ice';
import type { IceServer } from '../../server/protocol/events';
import { closeAll, join, sleep } from '../helpers/client';
import { startServer, type TestServer } from '../helpers/server';
import { startCoturn, TurnClient, type CoturnProcess } from '../helpers/turn';

let turn: CoturnProcess;
let srv: TestServer;
let n = 0;
const room = () => `turn-${++n}-${Date.now().toString(36)}`;

beforeAll(async () => {
  turn = await startCoturn(randomBytes(16).toString('hex'));
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
    expect(await v6.createPermission(ip)).toMatchObject({ ok: false, code: 403, reason: 'Forbidden IP' });
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
    expect(await v4.createPermission(ip)).toMatchObject({ ok: false, code: 403, reason: 'Forbidden IP' });
  });

  test('a globally reachable peer is allowed in both families (a permission only: nothing is sent to it)', async () => {
    expect(await v4.createPermission('8.8.8.8')).toMatchObject({ ok: true });
    expect(await v6.createPermission('2001:4860:4860::8888')).toMatchObject({ ok: true });
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
        expect(await v6.createPermission(ula!)).toMatchObject({ ok: false, code: 403 });
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
      expect(await tcp.allocate({ transport: 'tcp' })).toMatchObject({ ok: false, code: 442 });
      expect(await tcp.allocate({ transport: 'udp' })).toMatchObject({ ok: true });
    } finally {
      tcp.close();
    }
  });
});
