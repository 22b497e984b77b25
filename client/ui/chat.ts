/** The chat panel: history, new messages, the "Message" box. Text is always rendered as text. */
import type { ChatMessage } from '../../server/protocol/events';
import { CHAT_MAX } from '../../server/protocol/limits';
import { language, t } from '../i18n';
import { h } from './dom';
import { icon } from './icons';

export class ChatPanel {
  readonly el: HTMLElement;
  private readonly list = h('ol', { class: 'chat-list', 'aria-live': 'polite', 'aria-relevant': 'additions' });
  private readonly input = h('textarea', {
    class: 'chat-input',
    rows: '1',
    maxlength: String(CHAT_MAX),
    placeholder: t('chat.placeholder'),
    'aria-label': t('chat.message'),
  });
  private readonly sendBtn = h('button', { type: 'submit', class: 'icon-btn', 'aria-label': t('chat.send') }, icon('send'));
  private readonly lockedHint = h('p', { class: 'hint chat-locked', id: 'chat-locked-hint', hidden: true }, t('chat.lockedHint'));
  private readonly seen = new Set<string>();
  private locked = false;
  private readonly empty = h('p', { class: 'panel-empty' }, t('chat.empty'));

  constructor(private readonly send: (text: string) => Promise<unknown>) {
    const form = h('form', { class: 'chat-form' }, this.input, this.sendBtn);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.submit();
    });
    this.input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && !ev.shiftKey) {
        ev.preventDefault();
        void this.submit();
      }
    });
    this.el = h('div', { class: 'chat' }, this.empty, this.list, this.lockedHint, form);
  }

  /** While only hosts may send, the others' message box is off and says why. */
  setLocked(locked: boolean): void {
    if (this.locked === locked) return;
    this.locked = locked;
    this.input.disabled = locked;
    this.sendBtn.disabled = locked;
    this.lockedHint.hidden = !locked;
    this.input.placeholder = t(locked ? 'chat.lockedPlaceholder' : 'chat.placeholder');
    if (locked) this.input.setAttribute('aria-describedby', this.lockedHint.id);
    else this.input.removeAttribute('aria-describedby');
  }

  focus(): void {
    this.input.focus();
  }

  /** Replaces the history (a fresh welcome) without losing messages already shown. */
  history(messages: ChatMessage[], selfId: string): void {
    for (const m of messages) this.add(m, selfId);
  }

  add(m: ChatMessage, selfId: string): boolean {
    if (this.seen.has(m.id)) return false;
    this.seen.add(m.id);
    const time = new Date(m.ts).toLocaleTimeString(language(), { hour: '2-digit', minute: '2-digit' });
    const li = h(
      'li',
      { class: `chat-msg${m.from === selfId ? ' mine' : ''}` },
      h('div', { class: 'chat-meta' }, h('span', { class: 'chat-from' }, m.from === selfId ? t('chat.you') : m.name), h('time', {}, time)),
      h('p', { class: 'chat-text' }, m.text),
    );
    this.list.append(li);
    this.empty.hidden = true;
    li.scrollIntoView({ block: 'end' });
    return true;
  }

  private async submit(): Promise<void> {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = '';
    try {
      await this.send(text);
    } catch (error) {
      // Keep what was typed, so nothing is lost.
      if (!this.input.value) this.input.value = text;
      this.el.dispatchEvent(new CustomEvent('chat-error', { bubbles: true, detail: error }));
    }
  }
}
