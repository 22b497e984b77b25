/** Short messages in a live region: joins, leaves, errors. */
import { h } from './dom';

export class Toasts {
  readonly el = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });

  show(text: string, kind: 'info' | 'error' = 'info', ms = 4000): void {
    const toast = h('div', { class: `toast toast-${kind}` }, text);
    this.el.append(toast);
    while (this.el.childElementCount > 4) this.el.firstElementChild?.remove();
    setTimeout(() => {
      toast.classList.add('toast-out');
      setTimeout(() => toast.remove(), 300);
    }, ms);
  }
}
