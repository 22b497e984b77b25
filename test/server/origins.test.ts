/**
 * Who may open a Socket.IO connection (the page's own origin by default, or ALLOWED_ORIGINS), and the security
 * headers on Engine.IO's responses under /socket.io/, which Koa never sees.
 */
import WebSocket from 'ws';
import { closeAll, join, refused } from '../helpers/client';
import { startServer, type TestServer } from '../helpers/server';
import { rawHttp, type RawHttpResponse } from '../security/raw';

const HANDSHAKE = '/socket.io/?EIO=4&transport=polling';

/** A request sent byte for byte, with the Host and any other header lines as given. */
function http(srv: TestServer, target: string, host: string, headers: string[] = []): Promise<RawHttpResponse> {
  const lines = [`GET ${target} HTTP/1.1`, `Host: ${host}`, 'Connection: close', ...headers];
  return rawHttp(srv.port, `${lines.join('\r\n')}\r\n\r\n`);
}

/** A WebSocket handshake on /socket.io/, byte for byte: the refusal's status and head, or the 101's (cut after 1 s). */
function upgrade(srv: TestServer, target: string, headers: string[] = []): Promise<RawHttpResponse> {
  const lines = [
    `GET ${target} HTTP/1.1`,
    `Host: 127.0.0.1:${srv.port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Version: 13',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    ...headers,
  ];
  return rawHttp(srv.port, `${lines.join('\r\n')}\r\n\r\n`, 1000);
}

/** Opens a raw Engine.IO WebSocket with these headers; resolves 'open' or the refusal's HTTP status. */
function wsOpen(srv: TestServer, headers: Record<string, string>): Promise<'open' | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}${HANDSHAKE.replace('polling', 'websocket')}`, { headers });
    ws.on('open', () => {
      ws.terminate();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('error', () => undefined);
  });
}

const header = (head: string, name: string) => new RegExp(`^${name}: (.*)$`, 'im').exec(head)?.[1];

function expectSecurityHeaders(head: string): void {
  expect(header(head, 'Content-Security-Policy')).toMatch(/^default-src 'self';.*frame-ancestors 'none'$/);
  expect(header(head, 'X-Content-Type-Options')).toBe('nosniff');
  expect(header(head, 'X-Frame-Options')).toBe('DENY');
  expect(header(head, 'Referrer-Policy')).toBe('no-referrer');
  expect(header(head, 'Cross-Origin-Opener-Policy')).toBe('same-origin');
}

async function members(srv: TestServer, room: string): Promise<string[]> {
  return (await srv.parley.store.snapshot(room))?.members.map((m) => m.name) ?? [];
}

describe('with ALLOWED_ORIGINS unset, only the page’s own origin', () => {
  let srv: TestServer;
  let self: string;
  beforeAll(async () => {
    srv = await startServer();
    self = `http://127.0.0.1:${srv.port}`;
  });
  afterEach(() => closeAll());
  afterAll(() => srv.close());

  test('a page on another site cannot open a socket, over polling or WebSocket, and joins nobody', async () => {
    const evil = { Origin: 'https://evil.example' };
    for (const transports of [['polling'], ['websocket']]) {
      const refusal = await refused(srv.url, { room: 'hijack', name: 'Victim' }, { extraHeaders: evil, transports });
      expect(refusal.message).toMatch(/poll error|websocket error/);
    }
    expect(await members(srv, 'hijack')).toEqual([]);
    const polling = await http(srv, HANDSHAKE, `127.0.0.1:${srv.port}`, ['Origin: https://evil.example']);
    expect(polling.status).toBe(403);
    expect(polling.body).toContain('{"code":4,"message":"origin not allowed"}');
    expect(await wsOpen(srv, evil)).toBe(400);
  });

  test.each([
    ['another port of the same host', (port: number) => `http://127.0.0.1:${port + 1}`],
    ['a host that only ends like it', () => 'http://evil127.0.0.1'],
    ['an opaque origin', () => 'null'],
    ['a scheme that is not the web', () => 'file://127.0.0.1'],
  ])('%s is another origin', async (_what, origin) => {
    const res = await http(srv, HANDSHAKE, `127.0.0.1:${srv.port}`, [`Origin: ${origin(srv.port)}`]);
    expect(res.status).toBe(403);
  });

  test('the page’s own origin joins over both transports; so does a client that sends no Origin', async () => {
    const a = await join(srv.url, { room: 'own', name: 'Polling' }, { extraHeaders: { Origin: self }, transports: ['polling'] });
    const b = await join(srv.url, { room: 'own', name: 'Socket' }, { extraHeaders: { Origin: self }, transports: ['websocket'] });
    const c = await join(srv.url, { room: 'own', name: 'Bot' });
    expect(b.welcome.peers.map((p) => p.name)).toEqual(['Polling']);
    expect(c.welcome.peers.map((p) => p.name)).toEqual(['Polling', 'Socket']);
    expect(a.socket.connected).toBe(true);
    expect(await members(srv, 'own')).toEqual(['Polling', 'Socket', 'Bot']);
  });

  test('the host is compared as a host: case and a written-out default port do not matter; the scheme does not count', async () => {
    for (const [host, origin] of [
      ['MEET.example', 'https://meet.EXAMPLE'],
      ['meet.example:443', 'https://meet.example'],
      ['meet.example', 'http://meet.example:80'],
      [`127.0.0.1:${srv.port}`, `https://127.0.0.1:${srv.port}`],
    ]) {
      expect({ host, origin, status: (await http(srv, HANDSHAKE, host, [`Origin: ${origin}`])).status }).toEqual({
        host,
        origin,
        status: 200,
      });
    }
  });

  test('X-Forwarded-Host counts only behind a trusted proxy', async () => {
    const res = await http(srv, HANDSHAKE, `127.0.0.1:${srv.port}`, ['Origin: https://meet.example', 'X-Forwarded-Host: meet.example']);
    expect(res.status).toBe(403);
  });
});

describe('behind a trusted proxy', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer({ trustProxy: true });
  });
  afterAll(() => srv.close());

  test('the origin must match X-Forwarded-Host when the proxy sets it, and Host otherwise', async () => {
    const inner = `127.0.0.1:${srv.port}`;
    const status = async (headers: string[]) => (await http(srv, HANDSHAKE, inner, headers)).status;
    expect(await status(['Origin: https://meet.example', 'X-Forwarded-Host: meet.example'])).toBe(200);
    expect(await status(['Origin: https://meet.example', 'X-Forwarded-Host: meet.example, other.example'])).toBe(200);
    expect(await status(['Origin: https://evil.example', 'X-Forwarded-Host: meet.example'])).toBe(403);
    expect(await status([`Origin: http://${inner}`, 'X-Forwarded-Host: meet.example'])).toBe(403);
    expect(await status([`Origin: http://${inner}`])).toBe(200);
  });
});

describe('with ALLOWED_ORIGINS set, exactly those', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer({ allowedOrigins: ['https://meet.example'] });
  });
  afterEach(() => closeAll());
  afterAll(() => srv.close());

  test('a listed origin joins; the replica’s own origin, not listed, is refused; no Origin joins', async () => {
    await join(srv.url, { room: 'listed', name: 'Listed' }, { extraHeaders: { Origin: 'https://meet.example' } });
    await refused(srv.url, { room: 'listed', name: 'Own' }, { extraHeaders: { Origin: `http://127.0.0.1:${srv.port}` } });
    await join(srv.url, { room: 'listed', name: 'Bot' });
    expect(await members(srv, 'listed')).toEqual(['Listed', 'Bot']);
  });
});

describe('security headers under /socket.io/', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer();
  });
  afterAll(() => srv.close());

  test('on a polling handshake, on a poll of that session, and on polling error answers; no CORS headers', async () => {
    const open = await http(srv, HANDSHAKE, `127.0.0.1:${srv.port}`);
    expect(open.status).toBe(200);
    expectSecurityHeaders(open.head);
    const sid = (JSON.parse(open.body.slice(open.body.indexOf('{'))) as { sid: string }).sid;
    const connectLobby = await rawHttp(
      srv.port,
      [
        `POST ${HANDSHAKE}&sid=${sid} HTTP/1.1`,
        `Host: 127.0.0.1:${srv.port}`,
        'Connection: close',
        'Content-Type: text/plain;charset=UTF-8',
        'Content-Length: 8',
        '',
        '40/lobby',
      ].join('\r\n'),
    );
    expect(connectLobby.status).toBe(200);
    expectSecurityHeaders(connectLobby.head);
    const poll = await http(srv, `${HANDSHAKE}&sid=${sid}`, `127.0.0.1:${srv.port}`);
    expect(poll.status).toBe(200);
    expectSecurityHeaders(poll.head);
    for (const target of [`${HANDSHAKE}&sid=nope`, '/socket.io/?EIO=4&transport=carrier-pigeon', '/socket.io/']) {
      const res = await http(srv, target, `127.0.0.1:${srv.port}`);
      expect({ target, status: res.status }).toEqual({ target, status: 400 });
      expectSecurityHeaders(res.head);
    }
    const forbidden = await http(srv, HANDSHAKE, `127.0.0.1:${srv.port}`, ['Origin: https://evil.example']);
    expect(forbidden.status).toBe(403);
    expectSecurityHeaders(forbidden.head);
    for (const res of [open, poll, forbidden]) expect(res.head).not.toMatch(/^Access-Control-/im);
  });

  test('on refused WebSocket upgrades, written by Engine.IO and by ws, and on the 101', async () => {
    for (const [what, target, extra] of [
      ['another origin', HANDSHAKE.replace('polling', 'websocket'), ['Origin: https://evil.example']],
      ['an unknown session', `${HANDSHAKE.replace('polling', 'websocket')}&sid=nope`, []],
      ['an unknown transport', '/socket.io/?EIO=4&transport=carrier-pigeon', []],
      ['a bad WebSocket key', HANDSHAKE.replace('polling', 'websocket'), ['Sec-WebSocket-Key: short']],
    ] as const) {
      const res = await upgrade(srv, target, [...extra]);
      expect({ what, status: res.status }).toEqual({ what, status: 400 });
      expectSecurityHeaders(res.head);
    }
    const ok = await upgrade(srv, HANDSHAKE.replace('polling', 'websocket'));
    expect(ok.status).toBe(101);
    expectSecurityHeaders(ok.head);
  });
});
