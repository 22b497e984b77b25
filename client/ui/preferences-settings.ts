/** The in-call Settings section of preferences: the language, and the keyboard shortcuts list. */
import { t } from '../i18n';
import { h } from './dom';
import { languageSettings } from './language-settings';
import { shortcutList } from './shortcuts';

export function preferencesSettings(): HTMLElement {
  return h(
    'section',
    { class: 'settings-section', 'aria-labelledby': 'settings-shortcuts-title' },
    languageSettings('next-page'),
    h('h3', { id: 'settings-shortcuts-title' }, t('shortcuts.title')),
    shortcutList(),
  );
}
