/**
 * Security headers for every response (a strict CSP with no inline script, no framing, no sniffing), on Koa's
 * responses and on Engine.IO's, and the same-origin check of a Socket.IO handshake.
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Middleware } from 'koa';
import type { Server as IoServer } from 'socket.io';

export const CSP = [
  "default-src 'self'",
  // WebAssembly (noise suppression, background segmentation) needs 'wasm-unsafe-eval'; no other script may be evaluated.
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(self), microphone=(self), display-capture=(self), geolocation=()',
};

export function securityHeaders(): Middleware {
  return async (ctx, next) => {
    ctx.set(SECURITY_HEADERS);
    await next();
  };
}

const HEADER_LINES = Object.entries(SECURITY_HEADERS)
  .map(([name, value]) => `${name}: ${value}\r\n`)
  .join('');

/**
 * The same headers on `/socket.io/`, which Koa never sees. Set on the response before Engine.IO looks at the
 * request, they stay on every polling answer, its error answers too, and on the WebSocket 101. A refused upgrade
 * is written to the socket by hand (by Engine.IO or ws), so its head gets the lines spliced in.
 */
export function secureEngine(io: IoServer, server: HttpServer, path = '/socket.io/'): void {
  io.engine.use((_req: IncomingMessage, res: { setHeader(name: string, value: string): void }, next: () => void) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    next();
  });
  // Before Engine.IO's own listener, so that the wrapper is in place when it answers.
  server.prependListener('upgrade', (req: IncomingMessage, socket: Duplex) => {
    if (req.url?.startsWith(path)) withHeadersOnRefusal(socket);
  });
}

/**
 * Wraps the socket's first write (Engine.IO writes a refusal, ws ends the socket with one): an HTTP error head gets
 * the security header lines; anything else (the 101, frames) passes as it is.
 */
function withHeadersOnRefusal(socket: Duplex): void {
  const { write, end } = socket;
  const splice = (chunk: unknown) => {
    socket.write = write;
    socket.end = end;
    if (typeof chunk !== 'string' || !/^HTTP\/1\.1 [45]\d\d /.test(chunk)) return chunk;
    const eol = chunk.indexOf('\r\n') + 2;
    return chunk.slice(0, eol) + HEADER_LINES + chunk.slice(eol);
  };
  socket.write = function (this: Duplex, chunk: unknown, ...rest: unknown[]) {
    return (write as (...args: unknown[]) => boolean).call(this, splice(chunk), ...rest);
  } as Duplex['write'];
  socket.end = function (this: Duplex, chunk?: unknown, ...rest: unknown[]) {
    return (end as (...args: unknown[]) => Duplex).call(this, splice(chunk), ...rest);
  } as Duplex['end'];
}

/**
 * Whether a handshake's Origin may open a socket. With `allowed` origins configured, only those. Otherwise the
 * page's own origin: the Origin's host must be the host the request was sent to (X-Forwarded-Host behind a
 * trusted proxy), so that a page elsewhere cannot use its visitors' browsers to join rooms. No Origin at all is
 * a client outside a browser (bots, socket.io-client in Node), which no page can drive: accepted.
 */
export function originAllowed(headers: IncomingMessage['headers'], allowed: ReadonlySet<string>, trustProxy: boolean): boolean {
  const origin = headers.origin;
  if (origin === undefined) return true;
  if (allowed.size > 0) return allowed.has(origin);
  const forwarded = trustProxy ? headers['x-forwarded-host'] : undefined;
  const host = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim() || headers.host;
  if (!host || !/^[^\s/?#@\\]+$/.test(host)) return false;
  try {
    const page = new URL(origin);
    if (page.protocol !== 'http:' && page.protocol !== 'https:') return false;
    // Parsed with the Origin's scheme, so that a default port written out (host:443) compares equal.
    return page.host === new URL(`${page.protocol}//${host}`).host;
  } catch {
    return false;
  }
}
