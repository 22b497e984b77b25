/**
 * The UI's words: one catalogue per language (en.ts is the source; the others must have every key, or the type check
 * fails), the language picked from the browser unless the person chose one in Settings, `{name}` placeholders, and
 * plurals by the language's own rules (keys ending in `.one` / `.other`).
 */
import {
  LANGUAGE_COOKIE,
  LANGUAGES,
  isLanguage,
  matchLanguage,
  translate,
  type Catalogue,
  type Language,
  type MessageKey,
  type Vars,
} from './catalogues';
import { en } from './en';

export { LANGUAGES, isLanguage, matchLanguage };
export type { Catalogue, Language, MessageKey };

const STORAGE_KEY = 'parley.language';

/** The language chosen in Settings, if any. */
export function storedLanguage(): Language | null {
  try {
    const v = globalThis.localStorage?.getItem(STORAGE_KEY);
    return isLanguage(v) ? v : null;
  } catch {
    return null;
  }
}

function browserLanguages(): readonly string[] {
  const nav = globalThis.navigator;
  if (!nav) return [];
  return nav.languages?.length ? nav.languages : nav.language ? [nav.language] : [];
}

/** The language the browser asks for (where Parley speaks it). */
export function browserLanguage(): Language {
  return matchLanguage(browserLanguages());
}

/** The cookie lets the server render the next pages in the chosen language (it cannot read localStorage). */
function rememberForServer(lang: Language | null): void {
  if (!globalThis.document) return;
  document.cookie = lang
    ? `${LANGUAGE_COOKIE}=${lang}; path=/; max-age=31536000; samesite=lax`
    : `${LANGUAGE_COOKIE}=; path=/; max-age=0; samesite=lax`;
}

let current: Language = storedLanguage() ?? matchLanguage(browserLanguages());

export function language(): Language {
  return current;
}

/** The language the next page opens in: the chosen one, else the browser's own. */
export function nextLanguage(): Language {
  return storedLanguage() ?? matchLanguage(browserLanguages());
}

/**
 * Remembers the choice (`null`: the browser's own) for the next page without changing the text on this one: a call
 * keeps running in the language it started in.
 */
export function saveLanguage(lang: Language | null): void {
  try {
    if (lang) globalThis.localStorage?.setItem(STORAGE_KEY, lang);
    else globalThis.localStorage?.removeItem(STORAGE_KEY);
  } catch {
    // storage blocked: the choice lasts for this page only
  }
  rememberForServer(lang);
}

/** Chooses the language (remembered in this browser) from now on; `null` goes back to the browser's own. */
export function setLanguage(lang: Language | null): void {
  saveLanguage(lang);
  current = lang ?? matchLanguage(browserLanguages());
  if (globalThis.document) document.documentElement.lang = current;
}

/** The text of `key` in the current language (English where a catalogue lacks it at run time), placeholders filled. */
export function t(key: MessageKey, vars?: Vars): string {
  return translate(current, key, vars);
}

type PluralBase = MessageKey extends infer K ? (K extends `${infer B}.other` ? B : never) : never;

/** `base.one` or `base.other` (by the current language's plural rules for `count`), with `{count}` filled. */
export function plural(base: PluralBase, count: number, vars: Vars = {}): string {
  const form = new Intl.PluralRules(current).select(count) === 'one' ? 'one' : 'other';
  const key = `${base}.${form}` as MessageKey;
  return t(key in en ? key : (`${base}.other` as MessageKey), { count, ...vars });
}
