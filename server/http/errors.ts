/** One error middleware: HTTP errors render views/error.ejs; internal details never reach the client. */
import type { Middleware } from 'koa';
import type { Logger } from '../logger';
import type { Render } from './views';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  404: 'Page not found',
  405: 'Method not allowed',
  413: 'Request too large',
  500: 'Something went wrong',
};

export function errorPages(render: Render, log: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) ctx.throw(404, 'There is nothing at this address.');
    } catch (err) {
      const e = err as { status?: number; expose?: boolean; message?: string };
      const status = typeof e.status === 'number' && e.status >= 400 && e.status < 600 ? e.status : 500;
      if (status >= 500) log.error({ err, path: ctx.path }, 'request failed');
      const message = e.expose && e.message ? e.message : (TITLES[status] ?? 'Something went wrong');
      ctx.status = status;
      ctx.type = 'html';
      ctx.body = await render('error', {
        title: `${TITLES[status] ?? 'Error'} · Parley`,
        status,
        heading: TITLES[status] ?? 'Error',
        message,
      });
    }
  };
}
