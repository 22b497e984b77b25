/**
 * The UI's words: one catalogue per language (en.ts is the source; the others must have every key, or the type check
 * fails), the language picked from the browser unless the person chose one in Settings, `{name}` placeholders, and
 * plurals by the language's own rules (keys ending in `.one` / `.other`).
 */
import { de } from './de';
import { en, type MessageKey } from './en';
import { es } from './es';
import { fr } from './fr';

export type { MessageKey };
export type Catalogue = Record<MessageKey, string>;

export const LANGUAGES = {
  en: { name: 'English', messages: en as Catalogue },
  de: { name: 'Deutsch', messages: de },
  fr: { name: 'Français', messages: fr },
  es: { name: 'Español', messages: es },
} as const;
export type Language = keyof typeof LANGUAGES;

const STORAGE_KEY = 'parley.language';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(LANGUAGES, value);
}

/** The first of the browser's preferred languages Parley speaks (by primary subtag), else English. */
export function matchLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split('-')[0];
    if (isLanguage(primary)) return primary;
  }
  return 'en';
}

function storedLanguage(): Language | null {
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

let current: Language = storedLanguage() ?? matchLanguage(browserLanguages());

export function language(): Language {
  return current;
}

/** Chooses the language (remembered in this browser); `null` goes back to the browser's own. */
export function setLanguage(lang: Language | null): void {
  try {
    if (lang) globalThis.localStorage?.setItem(STORAGE_KEY, lang);
    else globalThis.localStorage?.removeItem(STORAGE_KEY);
  } catch {
    // storage blocked: the choice lasts for this page only
  }
  current = lang ?? matchLanguage(browserLanguages());
  if (globalThis.document) document.documentElement.lang = current;
}

type Vars = Record<string, string | number>;

function fill(text: string, vars?: Vars): string {
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

/** The text of `key` in the current language (English where a catalogue lacks it at run time), placeholders filled. */
export function t(key: MessageKey, vars?: Vars): string {
  return fill(LANGUAGES[current].messages[key] ?? en[key] ?? key, vars);
}

type PluralBase = MessageKey extends infer K ? (K extends `${infer B}.other` ? B : never) : never;

/** `base.one` or `base.other` (by the current language's plural rules for `count`), with `{count}` filled. */
export function plural(base: PluralBase, count: number, vars: Vars = {}): string {
  const form = new Intl.PluralRules(current).select(count) === 'one' ? 'one' : 'other';
  const key = `${base}.${form}` as MessageKey;
  return t(key in en ? key : (`${base}.other` as MessageKey), { count, ...vars });
}
