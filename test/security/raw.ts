/**
 * Raw wire access for hostile-input tests: an Engine.IO v4 WebSocket speaking Socket.IO packets by hand
 * (so that malformed packets, bad UTF-8 and binary abuse reach the server unaltered), and HTTP requests
 * whose request line and headers are sent byte for byte.
 */
import net from 'node:net';
import WebSocket from 'ws';

export interface RawConn {
  ws: WebSocket;
  /** Every frame received after the Engine.IO open packet (pings are answered and not kept). */
  frames: Array<string | Buffer>;
  /** Resolves with the close code once the connection is closed, by either side. */
  closed: Promise<number>;
  isOpen(): boolean;
  send(data: string | Buffer, binary?: boolean): void;
  /** The first frame (already received or arriving within `ms`) that starts with `prefix`, or null. */
  frame(prefix: string, ms?: number): Promise<string | null>;
  close(): void;
}

/** Opens an Engine.IO WebSocket session on `baseUrl` (http://host:port) and waits for its open packet. */
export function rawConnect(baseUrl: string, headers: Record<string, string> = {}, maxPayload = 10 * 1024 * 1024): Promise<RawConn> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, { headers, maxPayload });
  const frames: Array<string | Buffer> = [];
  const waiters: Array<() => void> = [];
  let open = false;
  const closed = new Promise<number>((resolve) => {
    ws.on('close', (code) => {
      open = false;
      resolve(code);
      for (const w of waiters.splice(0)) w();
    });
    ws.on('error', () => undefined);
  });
  const conn: RawConn = {
    ws,
    frames,
    closed,
    isOpen: () => open && ws.readyState === WebSocket.OPEN,
    send: (data, binary = false) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(data, { binary });
    },
    frame: (prefix, ms = 3000) =>
      new Promise((resolve) => {
        const find = () => frames.find((f): f is string => typeof f === 'string' && f.startsWith(prefix)) ?? null;
        const check = () => {
          const hit = find();
          if (hit !== null || !conn.isOpen()) {
            clearTimeout(timer);
            const i = waiters.indexOf(check);
            if (i >= 0) waiters.splice(i, 1);
            resolve(hit);
          }
        };
        const timer = setTimeout(() => {
          const i = waiters.indexOf(check);
          if (i >= 0) waiters.splice(i, 1);
          resolve(find());
        }, ms);
        waiters.push(check);
        check();
      }),
    close: () => ws.terminate(),
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no Engine.IO open packet within 5 s')), 5000);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const text = isBinary ? null : data.toString('utf8');
      if (!open) {
        if (text?.startsWith('0{')) {
          open = true;
          clearTimeout(timer);
          resolve(conn);
        }
        return;
      }
      if (text === '2') {
        ws.send('3');
        return;
      }
      frames.push(text ?? data);
      for (const w of [...waiters]) w();
    });
    ws.once('close', () => {
      clearTimeout(timer);
      if (!open) reject(new Error('closed before the Engine.IO open packet'));
    });
  });
}

export type RawJoin = { ok: true; welcome: { self: { id: string }; resume: string } } | { ok: false; code: string };

/** Connects `conn` to /room with `auth`; resolves with the welcome or the refusal code. */
export async function rawJoin(conn: RawConn, auth: unknown): Promise<RawJoin> {
  conn.send(`40/room,${JSON.stringify(auth)}`);
  const welcome = conn.frame('42/room,["room:welcome"', 5000);
  const refusal = conn.frame('44/room,', 5000);
  const first = await Promise.race([welcome, refusal]);
  const got = first ?? (await welcome) ?? (await refusal);
  if (got === null) throw new Error('no welcome and no refusal within 5 s');
  if (got.startsWith('44/room,'))
    return { ok: false, code: (JSON.parse(got.slice('44/room,'.length)) as { data?: { code: string } }).data?.code ?? '?' };
  const [, w] = JSON.parse(got.slice('42/room,'.length)) as [string, { self: { id: string }; resume: string }];
  return { ok: true, welcome: w };
}

export interface RawHttpResponse {
  /** 0 when the server closed the connection without an answer. */
  status: number;
  head: string;
  body: string;
}

/** Sends `request` (a whole HTTP/1.1 request, CRLF line ends) and resolves with whatever comes back. */
export function rawHttp(port: number, request: string | Buffer, timeoutMs = 5000): Promise<RawHttpResponse> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const sock = net.connect(port, '127.0.0.1');
    const done = () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks).toString('latin1');
      const split = all.indexOf('\r\n\r\n');
      const head = split >= 0 ? all.slice(0, split) : all;
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      resolve({ status: m ? Number(m[1]) : 0, head, body: split >= 0 ? all.slice(split + 4) : '' });
    };
    const timer = setTimeout(() => sock.destroy(), timeoutMs);
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', () => undefined);
    sock.on('close', done);
    sock.on('connect', () => sock.write(request));
  });
}

/** A GET-like request with `Connection: close`, method, target and extra header lines as given. */
export function request(method: string, target: string, headers: string[] = [], body = ''): string {
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...headers];
  if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}
