/** Pages, health, readiness and metrics. */
import Router from '@koa/router';
import type { Registry } from 'prom-client';
import { ROOM_ID_MAX, ROOM_ID_PATTERN } from '../protocol/limits';
import { newRoomCode } from '../rooms/codes';
import { pageLanguage, translator } from './language';
import type { Render } from './views';

export interface RouteDeps {
  render: Render;
  registry: Registry;
  /** Whether this replica takes new calls now (started, not draining, Redis reachable). */
  ready: () => boolean;
  maxPeers: number;
  /** The room page tells the client how long a silent participant keeps its place (RESUME_GRACE_MS). */
  resumeGraceMs: number;
}

export function createRouter({ render, registry, ready, maxPeers, resumeGraceMs }: RouteDeps): Router {
  const router = new Router();

  router.get('/', async (ctx) => {
    const lang = pageLanguage(ctx);
    ctx.type = 'html';
    ctx.vary('Accept-Language');
    ctx.vary('Cookie');
    ctx.body = await render('home', { lang, title: translator(lang)('page.home.title'), scripts: ['/assets/build/home.js'] });
  });

  router.get('/new', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(`/r/${newRoomCode()}`);
  });

  router.get('/r/:room', async (ctx) => {
    const raw = ctx.params.room ?? '';
    const room = raw.toLowerCase();
    const lang = pageLanguage(ctx);
    const t = translator(lang);
    if (raw.length > ROOM_ID_MAX || !ROOM_ID_PATTERN.test(room)) ctx.throw(404, t('page.error.noMeeting'));
    if (room !== raw) {
      ctx.redirect(`/r/${room}`);
      return;
    }
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await render('room', {
      lang,
      title: t('page.room.title', { room }),
      room,
      maxPeers,
      resumeGraceMs,
      scripts: ['/assets/build/room.js'],
    });
  });

  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.get('/readyz', (ctx) => {
    const ok = ready();
    ctx.status = ok ? 200 : 503;
    ctx.body = { status: ok ? 'ready' : 'unavailable' };
  });

  router.get('/metrics', async (ctx) => {
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  });

  return router;
}
