/**
 * The People panel: who is here, raised hands first in the order they went up, and for the host and co-hosts: lock
 * the meeting, the chat or screen sharing, mute everyone, open breakout rooms, ask someone to mute, lower a hand, remove
 * someone. Only the host chooses co-hosts; a co-host has no controls over the host.
 */
import type { Knock, PeerId, RoomSettings } from '../../server/protocol/events';
import { t } from '../i18n';
import { initials } from '../shared/names';
import { raisedHands, runsMeeting, type Participants } from '../shared/participants';
import { h } from './dom';
import { icon, type IconName } from './icons';
import { recMark, showRecording } from './recording';

export interface HostActions {
  lock(locked: boolean): void;
  mute(id: PeerId): void;
  kick(id: PeerId, name: string): void;
  setCohost(id: PeerId, cohost: boolean): void;
  changeSettings(patch: Partial<RoomSettings>): void;
  muteAll(): void;
  lowerHand(id: PeerId): void;
  admit(id: string): void;
  admitAll(): void;
  deny(id: string): void;
  /** Opens the breakout rooms panel; null where breakout rooms cannot be opened (in a breakout room). */
  showBreakouts: (() => void) | null;
}

type Setting = 'locked' | 'chatLocked' | 'screenLocked' | 'askToJoin';

export class PeoplePanel {
  readonly el: HTMLElement;
  private readonly list = h('ul', { class: 'people-list', 'aria-label': t('people.list') });
  private readonly toggles: Record<Setting, HTMLButtonElement>;
  private readonly hostBox: HTMLElement;
  private settings: Record<Setting, boolean> = { locked: false, chatLocked: false, screenLocked: false, askToJoin: false };
  /** Who is asking to join, with Admit and Deny (hosts and co-hosts). */
  private readonly knockBox = h('section', { class: 'knocks', hidden: true, 'aria-label': t('people.asking') });

  constructor(private readonly actions: HostActions) {
    const toggle = (setting: Setting, label: string, iconName: IconName) => {
      const b = h('button', { type: 'button', class: 'btn lock-btn', 'aria-pressed': 'false' }, icon(iconName), label);
      b.addEventListener('click', () => {
        const on = !this.settings[setting];
        if (setting === 'locked') this.actions.lock(on);
        else this.actions.changeSettings({ [setting]: on });
      });
      return b;
    };
    this.toggles = {
      locked: toggle('locked', t('people.lock'), 'lock'),
      chatLocked: toggle('chatLocked', t('people.lockChat'), 'chat'),
      screenLocked: toggle('screenLocked', t('people.lockScreen'), 'screen'),
      askToJoin: toggle('askToJoin', t('people.askToJoin'), 'people'),
    };
    const muteAll = h('button', { type: 'button', class: 'btn lock-btn' }, icon('micOff'), t('people.muteAll'));
    muteAll.addEventListener('click', () => this.actions.muteAll());
    const showBreakouts = actions.showBreakouts;
    let breakouts: HTMLButtonElement | null = null;
    if (showBreakouts) {
      breakouts = h('button', { type: 'button', class: 'btn lock-btn' }, icon('breakouts'), t('people.breakouts'));
      breakouts.addEventListener('click', () => showBreakouts());
    }
    this.hostBox = h(
      'div',
      { class: 'host-controls', hidden: true },
      h('h3', {}, t('people.hostControls')),
      h(
        'div',
        { class: 'host-buttons' },
        this.toggles.locked,
        this.toggles.askToJoin,
        this.toggles.chatLocked,
        this.toggles.screenLocked,
        muteAll,
        breakouts,
      ),
      h('p', { class: 'hint' }, t('people.hostHint')),
    );
    this.el = h('div', { class: 'people' }, this.knockBox, this.hostBox, this.list);
  }

  render(state: Participants): void {
    const selfId = state.selfId;
    const self = state.list.find((p) => p.id === selfId);
    const isHost = !!self?.host;
    const runs = runsMeeting(self);
    this.settings = { locked: state.locked, chatLocked: state.chatLocked, screenLocked: state.screenLocked, askToJoin: state.askToJoin };
    this.hostBox.hidden = !runs;
    this.renderKnocks(runs ? state.knocks : []);
    for (const [setting, b] of Object.entries(this.toggles) as [Setting, HTMLButtonElement][]) {
      b.setAttribute('aria-pressed', String(this.settings[setting]));
      b.classList.toggle('on', this.settings[setting]);
    }

    const hands = raisedHands(state);
    const place = new Map(hands.map((p, i) => [p.id, i + 1]));
    const ordered = [...hands, ...state.list.filter((p) => !place.has(p.id))];
    const focused = this.focusedAction();
    this.list.replaceChildren(
      ...ordered.map((p) => {
        const tags = [p.id === selfId ? t('people.you') : '', p.host ? t('people.host') : '', p.cohost ? t('people.cohost') : '']
          .filter(Boolean)
          .join(' · ');
        const controls: Node[] = [];
        // A co-host runs the meeting too, but not over the host.
        if (runs && p.id !== selfId && (isHost || !p.host)) {
          if (p.hand) {
            controls.push(
              this.button('lower-hand', t('people.lowerHand'), t('people.lowerHandName', { name: p.name }), 'lowerHand', () =>
                this.actions.lowerHand(p.id),
              ),
            );
          }
          if (isHost) {
            const cohost = !!p.cohost;
            const role = cohost
              ? this.button('cohost', t('people.removeCohost'), t('people.removeCohostName', { name: p.name }), 'cohost', () =>
                  this.actions.setCohost(p.id, false),
                )
              : this.button('cohost', t('people.makeCohost'), t('people.makeCohostName', { name: p.name }), 'cohost', () =>
                  this.actions.setCohost(p.id, true),
                );
            role.classList.toggle('on', cohost);
            controls.push(role);
          }
          const mute = this.button('mute', t('people.askMuteName', { name: p.name }), t('people.askMute'), 'mic', () =>
            this.actions.mute(p.id),
          );
          mute.disabled = !p.media.audio;
          const kick = this.button('kick', t('people.removeName', { name: p.name }), t('people.remove'), 'remove', () =>
            this.actions.kick(p.id, p.name),
          );
          kick.classList.add('danger');
          controls.push(mute, kick);
        }
        const status: Node[] = [];
        const n = place.get(p.id);
        if (n !== undefined) {
          status.push(
            h(
              'span',
              {
                class: 'status-icon hand',
                role: 'img',
                'aria-label': t('people.handPlace', { n }),
                title: t('people.handPlace', { n }),
              },
              icon('hand'),
              h('span', { class: 'hand-place', 'aria-hidden': 'true' }, String(n)),
            ),
          );
        }
        if (p.recording) {
          const mark = recMark();
          showRecording(mark, p);
          status.push(mark);
        }
        if (!p.media.audio) status.push(h('span', { class: 'status-icon', role: 'img', 'aria-label': t('people.micOff') }, icon('micOff')));
        const avatar = h('span', { class: 'person-avatar', 'aria-hidden': 'true' });
        avatar.dataset.initials = initials(p.name);
        return h(
          'li',
          { class: `person${n !== undefined ? ' hand-up' : ''}`, 'data-person-id': p.id },
          avatar,
          h(
            'span',
            { class: 'person-text' },
            h('span', { class: 'person-name' }, p.name),
            tags ? h('span', { class: 'person-tags' }, tags) : null,
          ),
          h('span', { class: 'person-status' }, ...status, ...controls),
        );
      }),
    );
    if (focused) this.refocus(focused);
  }

  private renderKnocks(knocks: Knock[]): void {
    this.knockBox.hidden = knocks.length === 0;
    if (knocks.length === 0) {
      this.knockBox.replaceChildren();
      return;
    }
    const all = h('button', { type: 'button', class: 'btn btn-primary' }, t('people.admitAll'));
    all.addEventListener('click', () => this.actions.admitAll());
    this.knockBox.replaceChildren(
      h('h3', {}, t('people.askingCount', { count: knocks.length })),
      h(
        'ul',
        { class: 'knock-list' },
        ...knocks.map((k) => {
          const admit = h('button', { type: 'button', class: 'btn', title: t('people.admitName', { name: k.name }) }, t('people.admit'));
          admit.addEventListener('click', () => this.actions.admit(k.id));
          const deny = h('button', { type: 'button', class: 'btn', title: t('people.denyName', { name: k.name }) }, t('people.deny'));
          deny.addEventListener('click', () => this.actions.deny(k.id));
          return h('li', { class: 'knock', 'data-knock-id': k.id }, h('span', { class: 'person-name' }, k.name), admit, deny);
        }),
      ),
    );
    if (knocks.length > 1) this.knockBox.append(all);
  }

  private button(action: string, label: string, title: string, iconName: IconName, onClick: () => void): HTMLButtonElement {
    const b = h('button', { type: 'button', class: 'icon-btn', 'aria-label': label, title, 'data-action': action }, icon(iconName));
    b.addEventListener('click', onClick);
    return b;
  }

  /** The row and action of the button that has the focus, so that it keeps it when the list is rebuilt. */
  private focusedAction(): { id: string; action: string } | null {
    const active = document.activeElement;
    if (!(active instanceof HTMLElement) || !this.list.contains(active)) return null;
    const row = active.closest<HTMLElement>('[data-person-id]');
    const action = active.dataset.action;
    return row?.dataset.personId && action ? { id: row.dataset.personId, action } : null;
  }

  private refocus({ id, action }: { id: string; action: string }): void {
    const row = [...this.list.children].find((el) => (el as HTMLElement).dataset.personId === id);
    const target = row?.querySelector<HTMLElement>(`[data-action="${action}"]`);
    if (target && !(target as HTMLButtonElement).disabled) target.focus();
  }
}
