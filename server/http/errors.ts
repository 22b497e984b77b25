/** One error middleware: HTTP errors render views/error.ejs; internal details never reach the client. */
import type { Middleware } from 'koa';
import type { Logger } from '../logger';
import { pageLanguage, translator, type MessageKey } from './language';
import type { Render } from './views';

const TITLES: Record<number, MessageKey> = {
  400: 'page.error.400',
  404: 'page.error.404',
  405: 'page.error.405',
  413: 'page.error.413',
  500: 'page.error.500',
};

export function errorPages(render: Render, log: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) ctx.throw(404, translator(pageLanguage(ctx))('page.error.nothingHere'));
    } catch (err) {
      const e = err as { status?: number; expose?: boolean; message?: string };
      const status = typeof e.status === 'number' && e.status >= 400 && e.status < 600 ? e.status : 500;
      if (status >= 500) log.error({ err, path: ctx.path }, 'request failed');
      const lang = pageLanguage(ctx);
      const t = translator(lang);
      const heading = t(TITLES[status] ?? 'page.error.other');
      // Exposed messages are written for the person (in their language where the code throwing them knows it).
      const message = e.expose && e.message ? e.message : t(TITLES[status] ?? 'page.error.500');
      ctx.status = status;
      ctx.type = 'html';
      ctx.body = await render('error', { lang, title: t('page.error.title', { heading }), status, heading, message });
    }
  };
}
