/**
 * Keyboard shortcuts, as Meet has them where the browser lets a page take the keys: Ctrl+D microphone, Ctrl+E camera
 * (⌘ on a Mac), Ctrl+Alt+C chat, Ctrl+Alt+P people, Ctrl+Alt+H hand, Ctrl+Alt+Q leave, and "?" or Ctrl+/ for the list.
 * A key without Ctrl never fires while the person types in a text field; AltGr (Ctrl+Alt on Windows for "@", "€" …)
 * never fires at all.
 */
import { t, type MessageKey } from '../i18n';
import { h } from './dom';

export type ShortcutAction = 'mic' | 'cam' | 'chat' | 'people' | 'hand' | 'leave' | 'help';

interface Shortcut {
  action: ShortcutAction;
  /** Ctrl (⌘ on a Mac) held. */
  ctrl: boolean;
  alt: boolean;
  /** The letter or character, as typed (lower case). */
  key: string;
  /** The physical key, for Alt combinations (on a Mac, Option changes the character typed). */
  code?: string;
  label: MessageKey;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { action: 'mic', ctrl: true, alt: false, key: 'd', label: 'shortcuts.mic' },
  { action: 'cam', ctrl: true, alt: false, key: 'e', label: 'shortcuts.cam' },
  { action: 'chat', ctrl: true, alt: true, key: 'c', code: 'KeyC', label: 'shortcuts.chat' },
  { action: 'people', ctrl: true, alt: true, key: 'p', code: 'KeyP', label: 'shortcuts.people' },
  { action: 'hand', ctrl: true, alt: true, key: 'h', code: 'KeyH', label: 'shortcuts.hand' },
  { action: 'leave', ctrl: true, alt: true, key: 'q', code: 'KeyQ', label: 'shortcuts.leave' },
  { action: 'help', ctrl: true, alt: false, key: '/', label: 'shortcuts.help' },
  { action: 'help', ctrl: false, alt: false, key: '?', label: 'shortcuts.help' },
];

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

/** "Ctrl+Alt+H" (or "⌘+⌥+H" on a Mac), in the words of the UI's language. */
export function keysText(action: ShortcutAction): string {
  const s = SHORTCUTS.find((x) => x.action === action);
  return s ? keysOf(s) : '';
}

/** The same keys as `aria-keyshortcuts` wants them ("Control+Alt+H"). */
export function ariaKeys(action: ShortcutAction): string {
  const s = SHORTCUTS.find((x) => x.action === action);
  if (!s) return '';
  return [...(s.ctrl ? [isMac ? 'Meta' : 'Control'] : []), ...(s.alt ? ['Alt'] : []), s.key.toUpperCase()].join('+');
}

function keysOf(s: Shortcut): string {
  const parts = [...(s.ctrl ? [isMac ? '⌘' : t('keys.ctrl')] : []), ...(s.alt ? [isMac ? '⌥' : t('keys.alt')] : []), s.key.toUpperCase()];
  return parts.join('+');
}

/** Whether the focus is where typing goes (a key without Ctrl belongs to the text there). */
function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !['button', 'checkbox', 'radio', 'submit', 'reset', 'range', 'color'].includes(target.type);
}

/** The shortcut a key press means, if any. */
export function shortcutFor(ev: KeyboardEvent): ShortcutAction | null {
  if (ev.repeat || ev.getModifierState?.('AltGraph')) return null;
  const ctrl = isMac ? ev.metaKey && !ev.ctrlKey : ev.ctrlKey && !ev.metaKey;
  const key = ev.key.toLowerCase();
  for (const s of SHORTCUTS) {
    if (s.ctrl !== ctrl || s.alt !== ev.altKey) continue;
    if (!s.ctrl && typing(ev.target)) continue;
    // "?" is Shift+/ on most layouts; the letters take no Shift.
    if (s.key !== '?' && ev.shiftKey) continue;
    if (key === s.key || (s.alt && s.code === ev.code && !/^[a-z]$/.test(key))) return s.action;
  }
  return null;
}

/** Listens on the page; `run` says whether the action applied here (then the browser's own use of the keys is off). */
export function listenForShortcuts(run: (action: ShortcutAction) => boolean): () => void {
  const onKey = (ev: KeyboardEvent) => {
    const action = shortcutFor(ev);
    if (action && run(action)) ev.preventDefault();
  };
  document.addEventListener('keydown', onKey);
  return () => document.removeEventListener('keydown', onKey);
}

/** The list of shortcuts, as a description list. */
export function shortcutList(): HTMLElement {
  const seen = new Set<ShortcutAction>();
  const rows: HTMLElement[] = [];
  for (const s of SHORTCUTS) {
    if (seen.has(s.action)) continue;
    seen.add(s.action);
    const keys = SHORTCUTS.filter((x) => x.action === s.action).map((x) => h('kbd', {}, keysOf(x)));
    rows.push(h('div', { class: 'shortcut' }, h('dt', {}, t(s.label)), h('dd', {}, ...joinWith(keys, ' / '))));
  }
  return h('dl', { class: 'shortcut-list' }, ...rows);
}

function joinWith(nodes: Node[], sep: string): (Node | string)[] {
  return nodes.flatMap((n, i) => (i === 0 ? [n] : [sep, n]));
}

/** The "Keyboard shortcuts" dialog: a modal `<dialog>` (Escape closes it, the focus returns to where it was). */
export class ShortcutsDialog {
  private dialog: HTMLDialogElement | null = null;

  toggle(): void {
    if (this.dialog?.open) this.dialog.close();
    else this.open();
  }

  open(): void {
    if (!this.dialog) {
      const close = h('button', { type: 'button', class: 'btn' }, t('shortcuts.close'));
      const dialog = h(
        'dialog',
        { class: 'shortcuts-dialog', 'aria-labelledby': 'shortcuts-title' },
        h('h2', { id: 'shortcuts-title' }, t('shortcuts.title')),
        shortcutList(),
        h('div', { class: 'dialog-actions' }, close),
      );
      close.addEventListener('click', () => dialog.close());
      // A click on the backdrop closes it too.
      dialog.addEventListener('click', (ev) => {
        if (ev.target === dialog) dialog.close();
      });
      document.body.append(dialog);
      this.dialog = dialog;
    }
    if (!this.dialog.open) this.dialog.showModal();
  }
}
