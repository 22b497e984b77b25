/**
 * HTTP requests sent byte for byte: traversal under /assets/, encoded nulls, huge headers, bad methods, overlong
 * room ids, junk queries. Each is answered with one of its statuses (or the connection is closed), reflects none
 * of its input and leaks nothing.
 */
import { request } from '../security/raw';
import { big } from './hostile-inputs';

export interface HttpCase {
  name: string;
  req: string;
  /** Accepted statuses; 0 means the connection was closed without an answer. */
  status: number[];
}
const hc = (name: string, req: string, status: number[]): HttpCase => ({ name, req, status });
const G = (target: string, headers: string[] = []) => request('GET', target, headers);
const NOT_FOUND = [400, 403, 404];
export const HTTP: HttpCase[] = [
  hc('/assets/../package.json', G('/assets/../package.json'), NOT_FOUND),
  hc('/assets/../../etc/passwd', G('/assets/../../etc/passwd'), NOT_FOUND),
  hc('/assets/%2e%2e/package.json', G('/assets/%2e%2e/package.json'), NOT_FOUND),
  hc('/assets/%2e%2e%2fpackage.json', G('/assets/%2e%2e%2fpackage.json'), NOT_FOUND),
  hc('/assets/..%2f..%2fetc%2fpasswd', G('/assets/..%2f..%2fetc%2fpasswd'), NOT_FOUND),
  hc('/assets/%252e%252e/package.json (double encoding)', G('/assets/%252e%252e/package.json'), NOT_FOUND),
  hc('/assets/..\\..\\package.json (backslashes)', G('/assets/..\\..\\package.json'), NOT_FOUND),
  hc('/assets/..%5c..%5cpackage.json', G('/assets/..%5c..%5cpackage.json'), NOT_FOUND),
  hc('/assets/%c0%ae%c0%ae/package.json (overlong UTF-8 dots)', G('/assets/%c0%ae%c0%ae/package.json'), NOT_FOUND),
  hc('/assets/....//package.json', G('/assets/....//package.json'), NOT_FOUND),
  hc('/assets//etc/passwd (absolute)', G('/assets//etc/passwd'), NOT_FOUND),
  hc('/assets/%00', G('/assets/%00'), NOT_FOUND),
  hc('/assets/build/room.js%00.html (encoded null)', G('/assets/build/room.js%00.html'), NOT_FOUND),
  hc('/assets/style.css%00', G('/assets/style.css%00'), NOT_FOUND),
  hc('/assets/%ff%fe (invalid UTF-8 escapes)', G('/assets/%ff%fe'), NOT_FOUND),
  hc('/assets/% (a broken escape)', G('/assets/%'), NOT_FOUND),
  hc('/assets/../server/config.ts', G('/assets/../server/config.ts'), NOT_FOUND),
  hc('/assets/../.env', G('/assets/../.env'), NOT_FOUND),
  hc('/assets/.git/config', G('/assets/.git/config'), NOT_FOUND),
  hc('/assets/ a path of 8 KB', G(`/assets/${'a/'.repeat(4096)}`), NOT_FOUND),
  hc('/%2e%2e/%2e%2e/etc/passwd', G('/%2e%2e/%2e%2e/etc/passwd'), NOT_FOUND),
  hc('/r/../../etc/passwd', G('/r/../../etc/passwd'), NOT_FOUND),
  hc('/r/ 65 characters', G(`/r/${'a'.repeat(65)}`), [404]),
  hc('/r/ 10,000 characters', G(`/r/${'a'.repeat(10_000)}`), [404, 414, 431]),
  hc('/r/%00', G('/r/%00'), [400, 404]),
  hc('/r/abc%2fdef', G('/r/abc%2fdef'), [404]),
  hc('/r/%E2%80%AE (right-to-left override)', G('/r/%E2%80%AEabc'), [404]),
  hc('/r/abc%E2%80%8B (zero-width space)', G('/r/abc%E2%80%8B'), [404]),
  hc('/r/<script>', G('/r/%3Cscript%3Ealert(1)%3C%2Fscript%3E'), [404]),
  hc('/r/%ff (invalid UTF-8 escape)', G('/r/%ff'), [400, 404]),
  hc('/?<script> (junk query on the home page)', G('/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E&__proto__[x]=1'), [200]),
  hc(
    '/r/abc?<script> (junk query on a room page)',
    G('/r/abc-defg-hij?room=%3Cscript%3E&name=%22%3E%3Cimg%3E&constructor[prototype][x]=1'),
    [200],
  ),
  hc('/r/abc?%ff%fe (invalid escapes in the query)', G('/r/abc-defg-hij?%ff=%fe&a=%'), [200]),
  hc('/new?x=1 (query on the redirect)', G('/new?next=https://evil.example/'), [302]),
  hc('HEAD /', request('HEAD', '/'), [200]),
  hc('HEAD /r/abc', request('HEAD', '/r/abc-defg-hij'), [200]),
  hc('OPTIONS /', request('OPTIONS', '/'), [200, 204, 405]),
  hc('OPTIONS *', request('OPTIONS', '*'), [400, 404, 405]),
  hc('PUT /', request('PUT', '/', [], 'x'), [404, 405]),
  hc('DELETE /r/abc', request('DELETE', '/r/abc-defg-hij'), [404, 405]),
  hc('PATCH /healthz', request('PATCH', '/healthz', [], '{}'), [404, 405]),
  hc('POST /metrics', request('POST', '/metrics', [], 'x'), [404, 405]),
  hc('POST /assets/style.css', request('POST', '/assets/style.css', [], 'x'), [405]),
  hc('TRACE /', request('TRACE', '/'), [404, 405, 501]),
  hc('PROPFIND /', request('PROPFIND', '/'), [404, 405, 501]),
  hc('CONNECT 127.0.0.1:22', 'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n', [0, 400, 405]),
  hc('an invalid method', 'G@T / HTTP/1.1\r\nHost: x\r\n\r\n', [0, 400]),
  hc('HTTP/0.9 style request', 'GET /\r\n\r\n', [0, 200, 400]),
  hc('a request line of junk bytes', '\u0000\u0001\u0002 / HTTP/1.1\r\n\r\n', [0, 400]),
  hc('a 20 KB header', G('/', [`X-Junk: ${big(20_000)}`]), [431]),
  hc(
    '2,000 headers',
    G(
      '/',
      Array.from({ length: 2000 }, (_, i) => `X-H${i}: ${i}`),
    ),
    [200, 431],
  ),
  hc('a header with a NUL', G('/', ['X-Junk: a\u0000b']), [0, 400]),
  hc('a header with a bare LF', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\nX-B: b\r\n\r\n', [0, 400]),
  hc('a 40 KB cookie', G('/', [`Cookie: a=${big(40_000)}`]), [431]),
  hc(
    'a huge Content-Length without a body',
    'POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 99999999999\r\n\r\n',
    [0, 400, 404, 405, 413],
  ),
  hc(
    'both Content-Length and chunked',
    'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    [0, 400],
  ),
  hc('a Host header of junk', G('/', ['Host: <script>'.replace('Host', 'X-Original-Host'), 'X-Forwarded-Host: evil.example']), [200]),
  hc('an X-Forwarded-For of junk', G('/healthz', [`X-Forwarded-For: ${big(5000)}, <x>`]), [200]),
  hc('/socket.io/ without a query', G('/socket.io/'), [400]),
  hc('/socket.io/?EIO=3 (an old protocol)', G('/socket.io/?EIO=3&transport=polling'), [400]),
  hc('/socket.io/?EIO=4&transport=pigeon', G('/socket.io/?EIO=4&transport=pigeon'), [400]),
  hc('/socket.io/ with an unknown sid', G('/socket.io/?EIO=4&transport=polling&sid=nope'), [400]),
  hc(
    '/socket.io/ POST junk with an unknown sid',
    request('POST', '/socket.io/?EIO=4&transport=polling&sid=nope', ['Content-Type: text/plain'], '42/room,["x"]'),
    [400],
  ),
  hc(
    '/socket.io/ upgrade without a key',
    G('/socket.io/?EIO=4&transport=websocket', ['Upgrade: websocket', 'Connection: Upgrade']),
    [0, 400],
  ),
  hc("/socket.io/ with another site's Origin header", G('/socket.io/?EIO=4&transport=polling', ['Origin: https://evil.example']), [403]),
];
