/** The language a page is rendered in: the one chosen in Settings (a cookie), else the browser's Accept-Language. */
import type { Context } from 'koa';
import {
  acceptedLanguages,
  isLanguage,
  LANGUAGE_COOKIE,
  matchLanguage,
  translate,
  type Language,
  type MessageKey,
  type Vars,
} from '../../client/i18n/catalogues';

export type { Language, MessageKey };

export function pageLanguage(ctx: Context): Language {
  const chosen = ctx.cookies.get(LANGUAGE_COOKIE);
  if (isLanguage(chosen)) return chosen;
  return matchLanguage(acceptedLanguages(ctx.get('Accept-Language')));
}

/** `t` for one page, as the views call it. */
export function translator(lang: Language): (key: MessageKey, vars?: Vars) => string {
  return (key, vars) => translate(lang, key, vars);
}
