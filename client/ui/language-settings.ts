/**
 * The "Language" choice (Settings in the call, and on the home and pre-join pages). Before a call the page opens again
 * in the chosen language; during a call the choice is kept for the next page, so that the call goes on undisturbed
 * (rebuilding every part of a running call's page in other words is not worth the risk of disturbing it).
 */
import { browserLanguage, LANGUAGES, language, nextLanguage, saveLanguage, setLanguage, storedLanguage, t, type Language } from '../i18n';
import { translate } from '../i18n/catalogues';
import { h } from './dom';

let counter = 0;

/** `reload`: reopen the page in the new language at once; `next-page`: keep this page as it is. */
export function languageSettings(mode: 'reload' | 'next-page'): HTMLElement {
  const id = `language-${++counter}`;
  const stored = storedLanguage();
  const select = h(
    'select',
    { id, class: 'select' },
    h('option', { value: '' }, t('lang.auto', { name: LANGUAGES[browserLanguage()].name })),
    ...(Object.keys(LANGUAGES) as Language[]).map((lang) => h('option', { value: lang, lang }, LANGUAGES[lang].name)),
  );
  select.value = stored ?? '';
  const note = h('p', { class: 'hint language-note', role: 'status', hidden: true });
  select.addEventListener('change', () => {
    const choice = (select.value || null) as Language | null;
    if (mode === 'reload') {
      setLanguage(choice);
      location.reload();
      return;
    }
    saveLanguage(choice);
    const next = nextLanguage();
    // Said in the language chosen, which the person reads best.
    note.lang = next;
    note.textContent = next === language() ? '' : translate(next, 'lang.nextPage');
    note.hidden = !note.textContent;
  });
  return h('div', { class: 'field language-settings' }, h('label', { for: id }, t('lang.label')), select, note);
}
