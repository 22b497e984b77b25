/**
 * The catalogues and the language choice as pure functions, without the page: the client's `t()` and the server's
 * page rendering both use them.
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

/** The cookie that tells the server the language chosen in Settings, so that pages come rendered in it. */
export const LANGUAGE_COOKIE = 'parley.language';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(LANGUAGES, value);
}

export function isMessageKey(value: unknown): value is MessageKey {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(en, value);
}

/** The first of the browser's preferred languages Parley speaks (by primary subtag), else English. */
export function matchLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split('-')[0];
    if (isLanguage(primary)) return primary;
  }
  return 'en';
}

/** The language tags of an Accept-Language header, most preferred first (`q=0` ones left out). */
export function acceptedLanguages(header: string | undefined): string[] {
  if (!header) return [];
  const tags: { tag: string; q: number; at: number }[] = [];
  header.split(',').forEach((part, at) => {
    const [tag, ...params] = part.trim().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (tag && tag !== '*' && Number.isFinite(q) && q > 0) tags.push({ tag: tag.trim(), q, at });
  });
  return tags.sort((a, b) => b.q - a.q || a.at - b.at).map((x) => x.tag);
}

export type Vars = Record<string, string | number>;

function fill(text: string, vars?: Vars): string {
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

/** The text of `key` in `lang` (English where a catalogue lacks it at run time), placeholders filled. */
export function translate(lang: Language, key: MessageKey, vars?: Vars): string {
  return fill(LANGUAGES[lang].messages[key] ?? en[key] ?? key, vars);
}
