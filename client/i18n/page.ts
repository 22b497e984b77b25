/**
 * The server renders a page in the language of the cookie or of Accept-Language; a language chosen only in this
 * browser's storage (or a browser whose headers say otherwise) is put right here: `data-i18n` elements get their
 * text, `data-i18n-<attribute>` their attribute, `<html lang>` the language.
 */
import { isMessageKey, LANGUAGE_COOKIE } from './catalogues';
import { language, saveLanguage, storedLanguage, t } from './index';

const ATTRIBUTES = ['placeholder', 'aria-label', 'title'] as const;

export function applyPageLanguage(root: ParentNode = document): void {
  const lang = language();
  // The server learns a choice made before this cookie existed.
  if (storedLanguage() === lang && !document.cookie.split('; ').includes(`${LANGUAGE_COOKIE}=${lang}`)) saveLanguage(lang);
  if (document.documentElement.lang === lang) return;
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const key = el.dataset.i18n;
    if (isMessageKey(key)) el.textContent = t(key);
  }
  for (const attr of ATTRIBUTES) {
    for (const el of root.querySelectorAll<HTMLElement>(`[data-i18n-${attr}]`)) {
      const key = el.getAttribute(`data-i18n-${attr}`);
      if (isMessageKey(key)) el.setAttribute(attr, t(key));
    }
  }
}
