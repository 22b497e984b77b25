/** The People panel: who is here, and for the host: lock the meeting, ask someone to mute, remove someone. */
import type { Peer, PeerId } from '../../server/protocol/events';
import { initials } from '../shared/names';
import { h } from './dom';
import { icon } from './icons';

export interface HostActions {
  lock(locked: boolean): void;
  mute(id: PeerId): void;
  kick(id: PeerId, name: string): void;
}

export class PeoplePanel {
  readonly el: HTMLElement;
  private readonly list = h('ul', { class: 'people-list' });
  private readonly lockBtn = h('button', { type: 'button', class: 'btn lock-btn', 'aria-pressed': 'false' }, icon('lock'), 'Lock meeting');
  private readonly hostBox: HTMLElement;
  private locked = false;

  constructor(private readonly actions: HostActions) {
    this.lockBtn.addEventListener('click', () => this.actions.lock(!this.locked));
    this.hostBox = h(
      'div',
      { class: 'host-controls', hidden: true },
      h('h3', {}, 'Host controls'),
      this.lockBtn,
      h('p', { class: 'hint' }, 'When the meeting is locked, nobody else can join.'),
    );
    this.el = h('div', { class: 'people' }, this.hostBox, this.list);
  }

  render(selfId: PeerId, list: Peer[], locked: boolean): void {
    const self = list.find((p) => p.id === selfId);
    const isHost = !!self?.host;
    this.locked = locked;
    this.hostBox.hidden = !isHost;
    this.lockBtn.setAttribute('aria-pressed', String(locked));
    this.lockBtn.lastChild!.textContent = 'Lock meeting';
    this.lockBtn.classList.toggle('on', locked);
    this.list.replaceChildren(
      ...list.map((p) => {
        const tags = [p.id === selfId ? 'You' : '', p.host ? 'Host' : ''].filter(Boolean).join(' · ');
        const controls: Node[] = [];
        if (isHost && p.id !== selfId) {
          const mute = h(
            'button',
            { type: 'button', class: 'icon-btn', 'aria-label': `Ask to mute ${p.name}`, title: 'Ask to mute' },
            icon('mic'),
          );
          mute.disabled = !p.media.audio;
          mute.addEventListener('click', () => this.actions.mute(p.id));
          const kick = h(
            'button',
            { type: 'button', class: 'icon-btn danger', 'aria-label': `Remove ${p.name}`, title: 'Remove from the meeting' },
            icon('remove'),
          );
          kick.addEventListener('click', () => this.actions.kick(p.id, p.name));
          controls.push(mute, kick);
        }
        const status: Node[] = [];
        if (p.hand) status.push(h('span', { class: 'status-icon hand', role: 'img', 'aria-label': 'Hand raised' }, icon('hand')));
        if (!p.media.audio) status.push(h('span', { class: 'status-icon', role: 'img', 'aria-label': 'Microphone off' }, icon('micOff')));
        const avatar = h('span', { class: 'person-avatar', 'aria-hidden': 'true' });
        avatar.dataset.initials = initials(p.name);
        return h(
          'li',
          { class: 'person', 'data-person-id': p.id },
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
  }
}
