/** Short messages in a live region: joins, leaves, errors. */
import { t } from '../i18n';
import { h } from './dom';

export class Toasts {
  readonly el = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });

  show(text: string, kind: 'info' | 'error' = 'info', ms = 4000, tag?: string): void {
    const toast = h('div', { class: `toast toast-${kind}` }, text);
    if (tag) toast.dataset.tag = tag;
    this.el.append(toast);
    while (this.el.childElementCount > 4) this.el.firstElementChild?.remove();
    setTimeout(() => {
      toast.classList.add('toast-out');
      setTimeout(() => toast.remove(), 300);
    }, ms);
  }

  /** Copies a meeting link to the clipboard and says so; shows the link itself where the clipboard is out of reach. */
  copyLink(url: string): void {
    const fallback = () => this.show(t('toast.link', { url }), 'info', 8000);
    if (!navigator.clipboard) return fallback();
    navigator.clipboard.writeText(url).then(() => this.show(t('toast.linkCopied')), fallback);
  }

  /** Removes the toasts of one kind at once (e.g. chat previews once the chat is open). */
  clear(tag: string): void {
    for (const el of this.el.querySelectorAll(`[data-tag="${tag}"]`)) el.remove();
  }
}
