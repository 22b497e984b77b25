/** HTTP: pages, room codes, 404s, escaping, security headers, health, readiness and metrics. */
import { closeAll, emitAck, join } from '../helpers/client';
import { startServer, type TestServer } from '../helpers/server';

let srv: TestServer;

beforeAll(async () => {
  srv = await startServer();
});
afterEach(() => closeAll());
afterAll(() => srv.close());

const get = (path: string, init: RequestInit = {}) => fetch(srv.url + path, { redirect: 'manual', ...init });
const CODE = /^\/r\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/;

function expectNoStack(body: string): void {
  expect(body).not.toMatch(/\n\s+at \S+ \(|node_modules|Error: |\.ts:\d+/);
}

describe('pages', () => {
  test('home has "New meeting", "Meeting code or link" and "Join", and loads its script from /assets', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toMatch(/<button[^>]*>New meeting<\/button>/);
    expect(html).toContain('aria-label="Meeting code or link"');
    expect(html).toMatch(/<button[^>]*>Join<\/button>/);
    expect(html).toContain('<script src="/assets/build/home.js" defer></script>');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  test('the room page loads /assets/build/room.js and shows its code', async () => {
    const res = await get('/r/abc-defg-hij');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<script src="/assets/build/room.js" defer></script>');
    expect(html).toContain('data-room="abc-defg-hij"');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  test('assets are served with their types; a missing asset is a 404 page', async () => {
    const css = await get('/assets/app.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect((await css.text()).length).toBeGreaterThan(100);
    const icon = await get('/assets/favicon.svg');
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    const missing = await get('/assets/nothing-here.js');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^text\/html/);
    const escape = await get('/assets/..%2f..%2fpackage.json');
    expect(escape.status).toBeGreaterThanOrEqual(400);
    expect(await escape.text()).not.toContain('"devDependencies"');
  });

  test('a method other than GET on a page is refused with an HTML page', async () => {
    const res = await get('/r/abc-defg-hij', { method: 'POST' });
    expect(res.status).toBe(405);
    expectNoStack(await res.text());
  });
});

describe('room codes', () => {
  test('/new redirects (302) to a fresh /r/<abc-defg-hij>, not cached', async () => {
    const res = await get('/new');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(CODE);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  test('codes are unique across many calls', async () => {
    const seen = new Set<string>();
    for (let batch = 0; batch < 6; batch++) {
      const codes = await Promise.all(Array.from({ length: 50 }, async () => (await get('/new')).headers.get('location') ?? ''));
      for (const c of codes) {
        expect(c).toMatch(CODE);
        seen.add(c);
      }
    }
    expect(seen.size).toBe(300);
  });

  test.each([['/r/has_underscore'], ['/r/' + 'a'.repeat(65)], ['/r/sp%20ace'], ['/r/%C3%A9t%C3%A9'], ['/r/a.b'], ['/r/%00']])(
    '%s is a 404 HTML page',
    async (path) => {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await res.text();
      expect(html).toContain('<!doctype html>');
      expectNoStack(html);
    },
  );

  test('pages speak the language of the cookie set in Settings, else of Accept-Language, else English', async () => {
    const page = async (path: string, headers: Record<string, string>) => {
      const res = await get(path, { headers });
      return { status: res.status, vary: res.headers.get('vary') ?? '', html: await res.text() };
    };
    const de = await page('/', { 'Accept-Language': 'pt-BR, de-AT;q=0.9, en;q=0.8' });
    expect(de.html).toContain('<html lang="de">');
    expect(de.html).toMatch(/<button[^>]*>Neue Besprechung<\/button>/);
    expect(de.html).toContain('aria-label="Besprechungscode oder Link"');
    expect(de.vary).toMatch(/Accept-Language/);
    // q-values order the list, not its order in the header.
    const fr = await page('/r/abc-defg-hij', { 'Accept-Language': 'en;q=0.5, fr;q=0.8' });
    expect(fr.html).toContain('<html lang="fr">');
    expect(fr.html).toContain('Parley a besoin de JavaScript pour passer un appel.');
    const chosen = await page('/', { 'Accept-Language': 'de', Cookie: 'parley.language=es' });
    expect(chosen.html).toContain('<html lang="es">');
    expect(chosen.html).toMatch(/<button[^>]*>Nueva reunión<\/button>/);
    // A cookie naming a language Parley does not speak is ignored.
    const bogus = await page('/', { 'Accept-Language': 'fr', Cookie: 'parley.language=xx' });
    expect(bogus.html).toContain('<html lang="fr">');
    const missing = await page('/r/has_underscore', { 'Accept-Language': 'es' });
    expect(missing.status).toBe(404);
    expect(missing.html).toContain('<html lang="es">');
    expect(missing.html).toContain('No se encontró la página');
    expect(missing.html).toContain('No hay ninguna reunión con ese código.');
    const english = await page('/', { 'Accept-Language': 'ja, zh-CN;q=0.9' });
    expect(english.html).toContain('<html lang="en">');
    expect(english.html).toMatch(/<button[^>]*>New meeting<\/button>/);
  });

  test('64 characters is still a room', async () => {
    expect((await get('/r/' + 'a'.repeat(64))).status).toBe(200);
  });

  test('an upper-case code redirects to the lower-case one', async () => {
    const res = await get('/r/ABC-Defg-HIJ');
    expect([301, 302, 308]).toContain(res.status);
    expect(res.headers.get('location')).toBe('/r/abc-defg-hij');
  });

  test('markup in a room code is a 404 that does not reflect it', async () => {
    for (const path of [
      '/r/<script>alert(1)</script>',
      '/r/%3Cscript%3Ealert(1)%3C%2Fscript%3E',
      '/r/%22%3E%3Cimg%20src=x%20onerror=alert(1)%3E',
    ]) {
      const res = await get(path);
      expect(res.status).toBe(404);
      const html = await res.text();
      expect(html).not.toContain('<script>alert');
      expect(html).not.toContain('<img src=x');
      expect(html).not.toContain('onerror=alert');
    }
  });

  test('an unknown path is a 404 HTML page that does not reflect it', async () => {
    const res = await get('/%3Cb%3Ebold%3C/b%3E');
    expect(res.status).toBe(404);
    const html = await res.text();
    expect(html).not.toContain('<b>bold');
    expectNoStack(html);
  });
});

describe('headers', () => {
  test.each([['/'], ['/r/abc-defg-hij'], ['/does-not-exist'], ['/assets/app.css'], ['/healthz']])(
    'security headers on %s',
    async (path) => {
      const res = await get(path);
      const csp = res.headers.get('content-security-policy') ?? '';
      const scriptSrc = csp.split(';').find((d) => d.trim().startsWith('script-src')) ?? '';
      // WebAssembly (noise suppression, background segmentation) may be compiled; JavaScript may never be evaluated.
      expect(scriptSrc.trim()).toBe("script-src 'self' 'wasm-unsafe-eval'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain("'unsafe-eval'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    },
  );
});

describe('operations', () => {
  test('/healthz is 200 {"status":"ok"}', async () => {
    const res = await get('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  test('/readyz is 200 while serving and 503 when not ready', async () => {
    expect((await get('/readyz')).status).toBe(200);
    srv.parley.setReady(false);
    try {
      expect((await get('/readyz')).status).toBe(503);
    } finally {
      srv.parley.setReady(true);
    }
    expect((await get('/readyz')).status).toBe(200);
  });

  test('/metrics has parley_ series and counts a refused event by code', async () => {
    const metric = async (line: string) => {
      const text = await (await get('/metrics')).text();
      const found = text.split('\n').find((l) => l.startsWith(line + ' '));
      return found ? Number(found.slice(line.length + 1)) : 0;
    };
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    for (const name of ['parley_connected_sockets', 'parley_joins_total', 'parley_refused_total', 'parley_signals_relayed_total']) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    const series = 'parley_refused_total{event="chat:send",code="PAYLOAD_TOO_LARGE"}';
    const before = await metric(series);
    const ada = await join(srv.url, { room: 'metrics-room', name: 'Ada' });
    expect(await emitAck(ada.socket, 'chat:send', { text: 'x'.repeat(2001) })).toMatchObject({ ok: false });
    expect(await emitAck(ada.socket, 'chat:send', { text: 'x'.repeat(2001) })).toMatchObject({ ok: false });
    expect(await metric(series)).toBe(before + 2);
    expect(await metric('parley_joins_total{kind="join"}')).toBeGreaterThanOrEqual(1);
  });
});
