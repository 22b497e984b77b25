/**
 * Breakout rooms on the page. For hosts and co-hosts, the "Breakout rooms" panel: how many rooms, who goes where (by
 * hand or shuffled), an optional timer, "Open rooms"; while they are open, the rooms and who is in them, the time
 * left, a message to all rooms and "Close rooms". For a participant in a breakout room, the bar that names the room,
 * shows the time left and asks the hosts for help.
 */
import type { Breakouts, Peer, PeerId } from '../../server/protocol/events';
import {
  BREAKOUT_MESSAGE_MAX,
  BREAKOUT_MINUTES_MAX,
  BREAKOUT_ROOMS_MAX,
  clampRooms,
  countdown,
  fillAssign,
  formatLeft,
  MAIN_ROOM,
  parseMinutes,
  roomNames,
  shuffleAssign,
  toSend,
  type Assignment,
} from '../shared/breakouts';
import { t } from '../i18n';
import { runsMeeting, type Participants } from '../shared/participants';
import { h } from './dom';
import { icon } from './icons';

export interface BreakoutActions {
  /** Each resolves true when the server took the request (a refusal is shown by the caller). */
  openBreakouts(plan: { rooms: string[]; assign: Assignment; minutes?: number }): Promise<boolean>;
  messageBreakouts(text: string): Promise<boolean>;
  closeBreakouts(): Promise<boolean>;
}

let counter = 0;

interface Row {
  li: HTMLLIElement;
  name: HTMLElement;
  select: HTMLSelectElement;
}

export class BreakoutPanel {
  readonly el: HTMLElement;
  private readonly setup: HTMLElement;
  private readonly live: HTMLElement;
  private readonly roomsInput: HTMLInputElement;
  private readonly minutesInput: HTMLInputElement;
  private readonly minutesError = h('p', { class: 'field-error', id: `breakout-minutes-error-${++counter}`, hidden: true });
  private readonly assignList = h('ul', { class: 'breakout-assign', 'aria-label': t('breakout.assignList') });
  private readonly nobody = h('p', { class: 'hint' }, t('breakout.nobodyToSend'));
  private readonly openBtn = h('button', { type: 'button', class: 'btn btn-primary' }, t('breakout.open'));
  private readonly shuffleBtn = h('button', { type: 'button', class: 'btn' }, t('breakout.shuffle'));
  private readonly timeLeft = h('p', { class: 'breakout-time', role: 'timer', hidden: true });
  private readonly roomList = h('ul', { class: 'breakout-rooms', 'aria-label': t('breakout.openList') });
  private readonly messageInput: HTMLInputElement;
  private readonly sendBtn = h('button', { type: 'submit', class: 'btn' }, t('breakout.send'));
  private readonly closeBtn = h('button', { type: 'button', class: 'btn btn-danger' }, t('breakout.close'));
  private readonly rows = new Map<PeerId, Row>();
  private order: PeerId[] = [];
  private rooms = 2;
  private assign: Assignment = {};
  private open: Breakouts | null = null;
  private shownRooms = '';
  private stopClock: () => void = () => undefined;

  constructor(private readonly actions: BreakoutActions) {
    const n = ++counter;
    this.roomsInput = h('input', {
      id: `breakout-rooms-${n}`,
      class: 'input',
      type: 'number',
      min: '1',
      max: String(BREAKOUT_ROOMS_MAX),
      step: '1',
      value: '2',
    });
    this.roomsInput.addEventListener('input', () => {
      if (this.roomsInput.value.trim() !== '') this.setRooms(clampRooms(this.roomsInput.value));
    });
    this.roomsInput.addEventListener('change', () => {
      this.setRooms(clampRooms(this.roomsInput.value));
      this.roomsInput.value = String(this.rooms);
    });
    this.minutesInput = h('input', {
      id: `breakout-minutes-${n}`,
      class: 'input',
      type: 'number',
      min: '1',
      max: String(BREAKOUT_MINUTES_MAX),
      step: '1',
      placeholder: t('breakout.noTimer'),
    });
    this.minutesInput.addEventListener('input', () => this.showMinutesError(false));
    this.shuffleBtn.addEventListener('click', () => {
      this.assign = shuffleAssign(this.order, this.rooms);
      this.syncSelects();
    });
    this.openBtn.addEventListener('click', () => void this.submitOpen());
    this.setup = h(
      'section',
      { class: 'breakout-setup', 'aria-label': t('breakout.setup') },
      h('div', { class: 'field' }, h('label', { for: this.roomsInput.id }, t('breakout.rooms')), this.roomsInput),
      h('div', { class: 'breakout-assign-head' }, h('h3', {}, t('breakout.whoWhere')), this.shuffleBtn),
      this.nobody,
      this.assignList,
      h('div', { class: 'field' }, h('label', { for: this.minutesInput.id }, t('breakout.minutes')), this.minutesInput, this.minutesError),
      h('p', { class: 'hint' }, t('breakout.timerHint')),
      h('div', { class: 'breakout-actions' }, this.openBtn),
    );

    this.messageInput = h('input', {
      id: `breakout-message-${n}`,
      class: 'input',
      type: 'text',
      maxlength: String(BREAKOUT_MESSAGE_MAX),
      autocomplete: 'off',
    });
    const form = h(
      'form',
      { class: 'breakout-message' },
      h('label', { for: this.messageInput.id }, t('breakout.messageAll')),
      h('div', { class: 'breakout-message-row' }, this.messageInput, this.sendBtn),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.submitMessage();
    });
    this.closeBtn.addEventListener('click', () => void this.submitClose());
    this.live = h(
      'section',
      { class: 'breakout-live', 'aria-label': t('breakout.openList'), hidden: true },
      h('p', { class: 'breakout-status' }, t('breakout.areOpen')),
      this.timeLeft,
      this.roomList,
      form,
      h('div', { class: 'breakout-actions' }, this.closeBtn),
    );
    this.el = h('div', { class: 'breakouts' }, this.setup, this.live);
  }

  /** Shows the setup (nothing open) or the open rooms; `state` says who could be sent. */
  render(state: Participants, breakouts: Breakouts | null): void {
    this.renderSetup(state.list.filter((p) => p.id !== state.selfId && !runsMeeting(p)));
    this.renderOpen(breakouts);
  }

  private renderSetup(people: Peer[]): void {
    const ids = people.map((p) => p.id);
    this.assign = fillAssign(this.assign, ids, this.rooms);
    for (const [id, row] of this.rows) {
      if (!ids.includes(id)) {
        row.li.remove();
        this.rows.delete(id);
      }
    }
    for (const p of people) {
      const row = this.rows.get(p.id) ?? this.addRow(p.id);
      if (row.name.textContent !== p.name) row.name.textContent = p.name;
      row.select.setAttribute('aria-label', t('breakout.roomFor', { name: p.name }));
    }
    if (ids.join('\n') !== this.order.join('\n')) {
      // Rebuilt only when someone came or went, so that a select keeps the focus.
      this.order = ids;
      this.assignList.replaceChildren(...ids.map((id) => this.rows.get(id)!.li));
    }
    this.nobody.hidden = ids.length > 0;
    this.shuffleBtn.disabled = ids.length === 0;
    this.syncSelects();
  }

  private addRow(id: PeerId): Row {
    const name = h('span', { class: 'person-name' });
    const select = h('select', { class: 'select' });
    select.addEventListener('change', () => {
      this.assign[id] = Number(select.value);
      this.updateOpenButton();
    });
    const row = { li: h('li', { class: 'breakout-person', 'data-person-id': id }, name, select), name, select };
    this.rows.set(id, row);
    return row;
  }

  private setRooms(n: number): void {
    if (n === this.rooms) return;
    this.rooms = n;
    this.assign = fillAssign(this.assign, this.order, n);
    this.syncSelects();
  }

  /** The selects show the rooms there are and the current assignment. */
  private syncSelects(): void {
    const names = roomNames(this.rooms);
    for (const [id, row] of this.rows) {
      const { select } = row;
      if (select.options.length !== names.length + 1) {
        select.replaceChildren(
          ...names.map((name, i) => h('option', { value: String(i) }, name)),
          h('option', { value: String(MAIN_ROOM) }, t('breakout.mainRoom')),
        );
      }
      const value = String(this.assign[id] ?? MAIN_ROOM);
      if (select.value !== value) select.value = value;
    }
    this.updateOpenButton();
  }

  private updateOpenButton(): void {
    this.openBtn.disabled = Object.keys(toSend(this.assign)).length === 0;
  }

  private showMinutesError(on: boolean): void {
    this.minutesError.hidden = !on;
    this.minutesError.textContent = on ? t('breakout.minutesError', { max: BREAKOUT_MINUTES_MAX }) : '';
    if (on) {
      this.minutesInput.setAttribute('aria-invalid', 'true');
      this.minutesInput.setAttribute('aria-describedby', this.minutesError.id);
    } else {
      this.minutesInput.removeAttribute('aria-invalid');
      this.minutesInput.removeAttribute('aria-describedby');
    }
  }

  private async submitOpen(): Promise<void> {
    const minutes = parseMinutes(this.minutesInput.value);
    if (minutes === undefined) {
      this.showMinutesError(true);
      this.minutesInput.focus();
      return;
    }
    const assign = toSend(this.assign);
    if (Object.keys(assign).length === 0) return;
    this.openBtn.disabled = true;
    try {
      await this.actions.openBreakouts({ rooms: roomNames(this.rooms), assign, ...(minutes !== null ? { minutes } : {}) });
    } finally {
      this.updateOpenButton();
    }
  }

  private renderOpen(breakouts: Breakouts | null): void {
    const was = this.open;
    this.open = breakouts;
    this.setup.hidden = !!breakouts;
    this.live.hidden = !breakouts;
    if (!breakouts) {
      this.stopClock();
      this.shownRooms = '';
      this.closeBtn.disabled = false;
      return;
    }
    const key = JSON.stringify(breakouts);
    if (key === this.shownRooms) return;
    this.shownRooms = key;
    this.roomList.replaceChildren(
      ...breakouts.rooms.map((r) =>
        h(
          'li',
          { class: 'breakout-room', 'data-room-id': r.id },
          h('h4', {}, r.name),
          r.members.length
            ? h(
                'ul',
                { class: 'breakout-members', 'aria-label': t('breakout.inRoom', { room: r.name }) },
                ...r.members.map((m) => h('li', {}, m)),
              )
            : h('p', { class: 'breakout-empty' }, t('breakout.nobody')),
        ),
      ),
    );
    if (!was || was.endsAt !== breakouts.endsAt) {
      this.stopClock();
      this.timeLeft.hidden = !(breakouts.endsAt > 0);
      this.stopClock = countdown(breakouts.endsAt, {
        tick: (left) => (this.timeLeft.textContent = left > 0 ? t('breakout.closeIn', { time: formatLeft(left) }) : t('breakout.closing')),
      });
    }
  }

  dispose(): void {
    this.stopClock();
  }

  private async submitMessage(): Promise<void> {
    const text = this.messageInput.value.trim();
    if (!text) return;
    this.sendBtn.disabled = true;
    try {
      if (await this.actions.messageBreakouts(text)) this.messageInput.value = '';
    } finally {
      this.sendBtn.disabled = false;
    }
  }

  private async submitClose(): Promise<void> {
    this.closeBtn.disabled = true;
    // On success the button stays off until the rooms are shown closed.
    if (!(await this.actions.closeBreakouts())) this.closeBtn.disabled = false;
  }
}

/** For a participant in a breakout room: its name, the time left, and "Ask for help". */
export class BreakoutBar {
  readonly el: HTMLElement;
  private readonly stopClock: () => void;

  constructor(name: string, endsAt: number, askForHelp: () => Promise<boolean>) {
    const time = h('span', { class: 'breakout-time', role: 'timer', hidden: !(endsAt > 0) });
    const help = h('button', { type: 'button', class: 'btn breakout-help' }, icon('hand'), t('breakout.help'));
    help.addEventListener('click', () => {
      help.disabled = true;
      void askForHelp().then((ok) => {
        // Asked: not again for a little while, so that the hosts are not flooded.
        setTimeout(() => (help.disabled = false), ok ? 15_000 : 0);
      });
    });
    this.el = h(
      'div',
      { class: 'breakout-bar', role: 'region', 'aria-label': t('breakout.bar') },
      h('span', { class: 'breakout-name' }, t('breakout.barName', { room: name })),
      time,
      help,
    );
    this.stopClock = countdown(endsAt, {
      tick: (left) => (time.textContent = left > 0 ? t('breakout.closesIn', { time: formatLeft(left) }) : t('breakout.barClosing')),
    });
  }

  stop(): void {
    this.stopClock();
  }
}
