/** EJS pages through one small helper: render the page, then wrap it in the layout. */
import path from 'node:path';
import ejs from 'ejs';
import { translator, type Language } from './language';

export interface PageLocals {
  title: string;
  /** The page's language: its words, and `<html lang>`. */
  lang: Language;
  /** Script bundles (under /assets) the page loads; never inline script. */
  scripts?: string[];
  [key: string]: unknown;
}

export function createRenderer(viewsDir: string, cache: boolean) {
  const opts = { cache, async: false, root: viewsDir };
  return async function render(view: string, locals: PageLocals): Promise<string> {
    const all = { ...locals, t: translator(locals.lang) };
    const body = await ejs.renderFile(path.join(viewsDir, `${view}.ejs`), all, opts);
    return ejs.renderFile(path.join(viewsDir, 'layout.ejs'), { scripts: [], ...all, body }, opts);
  };
}

export type Render = ReturnType<typeof createRenderer>;
