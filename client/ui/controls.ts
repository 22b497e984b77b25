/** The call's control bar. Every button has an accessible name; toggles carry aria-pressed. */
import type { Reaction } from '../../server/protocol/events';
import { language, plural, t } from '../i18n';
import { reactions } from '../shared/reactions';
import { h } from './dom';
import { icon, type IconName } from './icons';
import { ariaKeys, keysText, type ShortcutAction } from './shortcuts';
import { RecordButton } from './recording';
import { camToggle, micToggle, type Toggle } from './toggles';

export interface ControlActions {
  toggleAudio(): void;
  toggleVideo(): void;
  toggleScreen(): void;
  toggleHand(): void;
  react(emoji: Reaction): void;
  copyLink(): void;
  leave(): void;
  toggleRecording(): void;
  panel(which: 'chat' | 'people' | 'settings'): void;
}

function button(label: string, name: IconName, onClick: () => void, extra: Record<string, string> = {}): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'round-btn', 'aria-label': label, title: label, ...extra }, icon(name));
  b.addEventListener('click', onClick);
  return b;
}

function withBadge(b: HTMLButtonElement, badge: HTMLElement): HTMLElement {
  return h('span', { class: 'with-badge' }, b, badge);
}

/** The button's tooltip names its shortcut; assistive technology learns it from aria-keyshortcuts. */
function withShortcut(b: HTMLButtonElement, action: ShortcutAction, title = b.getAttribute('aria-label') ?? ''): HTMLButtonElement {
  b.title = t('toggle.withKeys', { action: title, keys: keysText(action) });
  b.setAttribute('aria-keyshortcuts', ariaKeys(action));
  return b;
}

export class Controls {
  readonly el: HTMLElement;
  readonly mic: Toggle;
  readonly cam: Toggle;
  readonly record: RecordButton;
  private readonly screen: HTMLButtonElement;
  private readonly hand: HTMLButtonElement;
  private readonly reactionsBtn: HTMLButtonElement;
  private readonly reactionsMenu: HTMLElement;
  private screenOn = false;
  private screenLocked = false;
  private readonly badge = h('span', { class: 'badge', 'aria-hidden': 'true', hidden: true });
  private readonly unreadText = h('span', { class: 'visually-hidden', id: 'unread-count' });
  private readonly count = h('span', { class: 'count', 'aria-hidden': 'true' });
  private readonly clock = h('span', { class: 'clock' });
  private readonly panelButtons: Record<'chat' | 'people' | 'settings', HTMLButtonElement>;

  constructor(room: string, a: ControlActions) {
    this.mic = micToggle(a.toggleAudio);
    this.cam = camToggle(a.toggleVideo);
    this.record = new RecordButton(a.toggleRecording);
    this.hand = withShortcut(button(t('controls.raiseHand'), 'hand', a.toggleHand, { 'aria-pressed': 'false' }), 'hand');
    this.screen = button(t('controls.share'), 'screen', a.toggleScreen, { 'aria-pressed': 'false' });
    this.reactionsBtn = button(t('controls.reactions'), 'reaction', () => this.showReactions(this.reactionsMenu.hidden), {
      'aria-expanded': 'false',
      'aria-controls': 'reactions-menu',
    });
    this.reactionsMenu = h(
      'div',
      { class: 'reactions-menu', id: 'reactions-menu', role: 'group', 'aria-label': t('controls.sendReaction'), hidden: true },
      ...reactions().map(({ emoji, name }) => {
        const b = h(
          'button',
          { type: 'button', class: 'reaction-btn', 'aria-label': name, title: name },
          h('span', { 'aria-hidden': 'true' }, emoji),
        );
        b.addEventListener('click', () => a.react(emoji));
        return b;
      }),
    );
    const reactionsBox = h('div', { class: 'reactions' }, this.reactionsMenu, this.reactionsBtn);
    reactionsBox.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape' && !this.reactionsMenu.hidden) {
        ev.stopPropagation();
        this.showReactions(false);
        this.reactionsBtn.focus();
      }
    });
    document.addEventListener('click', (ev) => {
      if (!this.reactionsMenu.hidden && !reactionsBox.contains(ev.target as Node)) this.showReactions(false);
    });
    const leave = withShortcut(button(t('controls.leave'), 'leave', a.leave), 'leave');
    leave.classList.add('leave');
    const chat = withShortcut(
      button(t('controls.chat'), 'chat', () => a.panel('chat'), { 'aria-expanded': 'false', 'aria-describedby': 'unread-count' }),
      'chat',
    );
    chat.append(this.unreadText);
    const people = withShortcut(
      button(t('controls.people'), 'people', () => a.panel('people'), { 'aria-expanded': 'false' }),
      'people',
    );
    const settings = button(t('controls.settings'), 'settings', () => a.panel('settings'), { 'aria-expanded': 'false' });
    this.panelButtons = { chat, people, settings };
    const copy = button(t('controls.copyLink'), 'link', a.copyLink);
    this.el = h(
      'footer',
      { class: 'controls' },
      h(
        'div',
        { class: 'controls-left' },
        this.clock,
        h('span', { class: 'divider', 'aria-hidden': 'true' }, '|'),
        h('span', { class: 'code' }, room),
      ),
      h(
        'div',
        { class: 'controls-center', role: 'toolbar', 'aria-label': t('controls.toolbar') },
        this.mic.el,
        this.cam.el,
        this.hand,
        reactionsBox,
        this.screen,
        this.record.el,
        leave,
      ),
      // The count and the badge sit beside their buttons, not in them: a button's name is its visible words.
      h('div', { class: 'controls-right' }, copy, withBadge(people, this.count), withBadge(chat, this.badge), settings),
    );
    this.tick();
    setInterval(() => this.tick(), 10_000);
  }

  setScreen(on: boolean, possible: boolean): void {
    this.screenOn = on;
    this.screen.setAttribute('aria-pressed', String(on));
    this.screen.classList.toggle('active', on);
    this.screen.hidden = !possible;
    this.showScreenLock();
  }

  /** While only hosts may share, the others cannot start (one already sharing may still stop). */
  setScreenLocked(locked: boolean): void {
    this.screenLocked = locked;
    this.showScreenLock();
  }

  private showScreenLock(): void {
    const blocked = this.screenLocked && !this.screenOn;
    this.screen.disabled = blocked;
    this.screen.title = t(this.screenOn ? 'controls.stopShare' : blocked ? 'controls.shareLocked' : 'controls.share');
  }

  private showReactions(open: boolean): void {
    this.reactionsMenu.hidden = !open;
    this.reactionsBtn.setAttribute('aria-expanded', String(open));
    this.reactionsBtn.classList.toggle('active', open);
    if (open) this.reactionsMenu.querySelector('button')?.focus();
  }

  setHand(raised: boolean): void {
    this.hand.setAttribute('aria-pressed', String(raised));
    withShortcut(this.hand, 'hand', t(raised ? 'controls.lowerHand' : 'controls.raiseHand'));
    this.hand.classList.toggle('active', raised);
  }

  setUnread(n: number): void {
    this.badge.hidden = n === 0;
    this.badge.textContent = n > 9 ? '9+' : String(n);
    this.unreadText.textContent = n ? plural('controls.unread', n) : '';
  }

  setCount(n: number): void {
    this.count.textContent = String(n);
  }

  focusPanelButton(which: 'chat' | 'people' | 'settings'): void {
    this.panelButtons[which].focus();
  }

  setPanel(open: string | null): void {
    for (const [k, b] of Object.entries(this.panelButtons)) {
      b.setAttribute('aria-expanded', String(k === open));
      b.classList.toggle('active', k === open);
    }
  }

  private tick(): void {
    this.clock.textContent = new Date().toLocaleTimeString(language(), { hour: '2-digit', minute: '2-digit' });
  }
}
